// Package table is the analytics plugin's in-memory column store: one
// Table per source (a dataset, the event stream, usage samples), filled
// incrementally as records arrive and read by the query engine.
//
// A record's JSON object is flattened into columns ("customer.country"
// for nested objects, up to three levels; arrays are left out). A column's
// type follows its values: numbers (also strings holding a plain decimal
// number, as CSV sources deliver them), strings (dictionary-encoded, so
// filters and group-by compare integer codes), times (strings in RFC 3339
// or YYYY-MM-DD form, kept as Unix nanoseconds in UTC) and booleans (kept
// as strings "true"/"false"). A column that receives a value of another
// type becomes a string column, so no value is ever dropped. Records are
// upserted by key: a record written again replaces its row.
//
// A Table is safe for concurrent use: writers take its lock for a batch,
// queries read under a shared lock (Read).
package table
