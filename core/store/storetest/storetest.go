// Package storetest opens migrated databases for tests: a SQLite file in a
// temporary directory always, and a PostgreSQL schema of its own when
// SWITCHYARD_TEST_POSTGRES_URL names a server.
//
// On a laptop without PostgreSQL the PostgreSQL half is skipped. CI sets
// SWITCHYARD_TEST_REQUIRE_SERVICES=1, which turns every such skip into a
// failure, so service-backed tests always run there.
package storetest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net/url"
	"os"
	"testing"

	"github.com/switchyard/switchyard/core/store"
)

// Environment variables the service-backed tests read.
const (
	EnvPostgresURL     = "SWITCHYARD_TEST_POSTGRES_URL"
	EnvRequireServices = "SWITCHYARD_TEST_REQUIRE_SERVICES"
)

// ServiceUnavailable skips the test, or fails it when services are required.
func ServiceUnavailable(t testing.TB, format string, args ...any) {
	t.Helper()
	msg := fmt.Sprintf(format, args...)
	if os.Getenv(EnvRequireServices) != "" {
		t.Fatalf("%s (required because %s is set)", msg, EnvRequireServices)
	}
	t.Skip(msg)
}

// Engines lists the engines a test should run against.
func Engines() []store.Engine {
	out := []store.Engine{store.SQLite}
	if os.Getenv(EnvPostgresURL) != "" || os.Getenv(EnvRequireServices) != "" {
		out = append(out, store.Postgres)
	}
	return out
}

// Each runs fn once per engine as a subtest, each with a fresh migrated database.
func Each(t *testing.T, fn func(t *testing.T, db *store.DB)) {
	t.Helper()
	for _, e := range Engines() {
		t.Run(string(e), func(t *testing.T) {
			fn(t, Open(t, e))
		})
	}
}

// Open returns a fresh, migrated database on engine, removed when t ends.
func Open(t testing.TB, engine store.Engine) *store.DB {
	t.Helper()
	opts := Options(t, engine)
	db, err := store.Open(context.Background(), opts)
	if err != nil {
		t.Fatalf("open %s: %v", engine, err)
	}
	t.Cleanup(func() { _ = db.Close() })
	if _, err := db.Migrate(context.Background(), nil); err != nil {
		t.Fatalf("migrate %s: %v", engine, err)
	}
	return db
}

// Options returns store options for a fresh, empty database on engine (a
// temporary SQLite directory, or a new PostgreSQL schema dropped when t
// ends), without opening it. Tests that start a whole server use it.
func Options(t testing.TB, engine store.Engine) store.Options {
	t.Helper()
	switch engine {
	case store.SQLite:
		return store.Options{DataDir: t.TempDir()}
	case store.Postgres:
		return store.Options{URL: PostgresSchemaURL(t)}
	default:
		t.Fatalf("unknown engine %q", engine)
		return store.Options{}
	}
}

// PostgresSchemaURL creates an empty schema on the test server and returns a
// URL whose connections use it. The schema is dropped when t ends.
func PostgresSchemaURL(t testing.TB) string {
	t.Helper()
	base := os.Getenv(EnvPostgresURL)
	if base == "" {
		ServiceUnavailable(t, "PostgreSQL tests need %s", EnvPostgresURL)
	}
	admin, err := store.Open(context.Background(), store.Options{URL: base, MaxOpenConns: 1})
	if err != nil {
		ServiceUnavailable(t, "PostgreSQL at %s: %v", redact(base), err)
	}
	defer admin.Close()

	var b [6]byte
	_, _ = rand.Read(b[:])
	schema := "t_" + hex.EncodeToString(b[:])
	if err := admin.Exec("CREATE SCHEMA " + schema).Error; err != nil {
		t.Fatalf("create schema: %v", err)
	}
	t.Cleanup(func() {
		db, err := store.Open(context.Background(), store.Options{URL: base, MaxOpenConns: 1})
		if err != nil {
			return
		}
		defer db.Close()
		_ = db.Exec("DROP SCHEMA " + schema + " CASCADE").Error
	})

	u, err := url.Parse(base)
	if err != nil {
		t.Fatalf("parse %s: %v", EnvPostgresURL, err)
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return u.String()
}

func redact(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return "(unparsable URL)"
	}
	return u.Redacted()
}
