// Package source reads records from the sync plugin's sources: an HTTP JSON
// API (paged by page number or by cursor), a CSV or JSONL file (a path
// inside the organization's files directory, or an http(s) URL) and a
// PostgreSQL query.
//
// Every network connection goes through an outbound.Policy: loopback,
// private and link-local addresses — the platform's own database included
// — are refused unless the operator allowed them. File paths are opened
// through os.Root, so "..", absolute paths and symbolic links cannot leave
// the organization's directory.
//
// A Reader yields records in batches; each record carries its key (the
// value of the source's key field) and its JSON. Readers are used by one
// goroutine at a time. The package imports only the sdk and pgx.
package source
