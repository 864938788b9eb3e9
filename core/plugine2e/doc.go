// Package plugine2e holds end-to-end tests of the first-party feature
// plugins (files, analytics, ml, with sync filling a dataset) installed
// from a signed catalog into a real core and driven through its HTTP API:
// the host API's change feed, event history and usage figures are the
// real ones, on SQLite and on PostgreSQL. It has no code outside its tests.
package plugine2e
