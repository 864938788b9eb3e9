package store_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"testing"

	"github.com/jackc/pgx/v5/pgconn"

	"github.com/switchyard/switchyard/core/store"
)

func TestUnavailable(t *testing.T) {
	refused := &net.OpError{Op: "dial", Net: "tcp", Err: errors.New("connection refused")}
	for _, c := range []struct {
		err  error
		want bool
	}{
		{nil, false},
		{errors.New("UNIQUE constraint failed"), false},
		{&pgconn.PgError{Code: "23505"}, false}, // unique violation: the database answered
		{&pgconn.PgError{Code: "42P01"}, false}, // undefined table
		{context.Canceled, false},
		{fmt.Errorf("events: append: %w", io.ErrUnexpectedEOF), true},
		{fmt.Errorf("query: %w", refused), true},
		{&pgconn.PgError{Code: "57P01"}, true}, // terminating connection due to administrator command
		{&pgconn.PgError{Code: "57P03"}, true}, // the database system is starting up
		{&pgconn.PgError{Code: "08006"}, true}, // connection failure
		{&pgconn.PgError{Code: "53300"}, true}, // too many connections
	} {
		if got := store.Unavailable(c.err); got != c.want {
			t.Errorf("Unavailable(%v) = %v, want %v", c.err, got, c.want)
		}
	}
}

// TestUnavailableFromARealServer: what the PostgreSQL driver returns when
// its server cannot be reached is recognised.
func TestUnavailableFromARealServer(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	_ = ln.Close() // nothing listens there now
	db, err := store.Open(context.Background(), store.Options{URL: "postgres://postgres@" + addr + "/test?sslmode=disable&connect_timeout=2"})
	if err == nil {
		defer db.Close()
		err = db.Ping(context.Background())
	}
	if err == nil || !store.Unavailable(err) {
		t.Fatalf("a refused connection: %v (Unavailable %v)", err, store.Unavailable(err))
	}
}
