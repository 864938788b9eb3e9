// Package natstest gives tests a NATS server with JetStream: the one named
// by SWITCHYARD_TEST_NATS_URL (CI sets it to the machine's server), or else
// one embedded in the test process with its store in a temporary
// directory. Only tests import this package, so the server stays out of
// the switchyard binary.
package natstest

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go"
)

// EnvURL names the NATS server service-backed tests use.
const EnvURL = "SWITCHYARD_TEST_NATS_URL"

// URL returns the address of a NATS server with JetStream for t.
func URL(t testing.TB) string {
	t.Helper()
	if u := os.Getenv(EnvURL); u != "" {
		nc, err := nats.Connect(u, nats.Timeout(5*time.Second))
		if err != nil {
			t.Fatalf("NATS at %s (from %s): %v", u, EnvURL, err)
		}
		nc.Close()
		return u
	}
	return Embedded(t).URL()
}

// Server is a NATS server embedded in the test process, with JetStream
// stored (fsynced) in a temporary directory. Stop and Start take it down
// and back up on the same address over the same store, as an operator
// restarting NATS would.
type Server struct {
	t    testing.TB
	opts server.Options
	s    *server.Server
}

// Embedded starts a server for t; it is shut down when t ends.
func Embedded(t testing.TB) *Server {
	t.Helper()
	e := &Server{t: t, opts: server.Options{
		Host:       "127.0.0.1",
		Port:       -1,
		JetStream:  true,
		StoreDir:   t.TempDir(),
		SyncAlways: true,
		NoLog:      true,
		NoSigs:     true,
	}}
	e.Start()
	e.opts.Port = e.s.Addr().(*net.TCPAddr).Port // a restart keeps the address
	t.Cleanup(e.Stop)
	return e
}

// URL is the server's client address.
func (e *Server) URL() string {
	return fmt.Sprintf("nats://%s:%d", e.opts.Host, e.opts.Port)
}

// Start starts the server (again, after Stop).
func (e *Server) Start() {
	e.t.Helper()
	opts := e.opts
	s, err := server.NewServer(&opts)
	if err != nil {
		e.t.Fatalf("embedded NATS: %v", err)
	}
	go s.Start()
	if !s.ReadyForConnections(10 * time.Second) {
		e.t.Fatal("embedded NATS did not start")
	}
	e.s = s
}

// Stop shuts the server down and waits until it has.
func (e *Server) Stop() {
	if e.s == nil {
		return
	}
	e.s.Shutdown()
	e.s.WaitForShutdown()
	e.s = nil
}

// Names returns a stream name and subject prefix no other test uses, so
// tests can share one server.
func Names() (stream, prefix string) {
	var b [6]byte
	_, _ = rand.Read(b[:])
	id := hex.EncodeToString(b[:])
	return "TEST_" + strings.ToUpper(id), "t" + id
}
