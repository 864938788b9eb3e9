// Package store opens Switchyard's database and owns its schema.
//
// SQLite (a pure-Go engine, no cgo) is the embedded default: Open keeps the
// database in the data directory with WAL journaling and synchronous=FULL, so
// a write the API acknowledged survives a crash of the process or the machine.
// Its transactions take SQLite's single write lock in arrival order, queued in
// Go (sqlitegate.go), so a steady writer such as the event journal never
// starves the others. A postgres:// URL selects PostgreSQL, the production
// store shared by replicas.
//
// The schema is a sequence of versioned SQL migrations embedded in the binary
// and applied with goose. One set of files serves both engines; the few
// column types that differ (auto-increment keys) are written as tokens that
// Open expands for the engine in use (see dialectFS).
//
// store imports nothing of Switchyard's. Its *gorm.DB is safe for concurrent
// use by many goroutines.
package store
