// Package natstest gives tests a NATS server with JetStream: the one named
// by SWITCHYARD_TEST_NATS_URL (CI sets it to the machine's server), or else
// one embedded in the test process with its store in a temporary
// directory. Only tests import this package, so the server stays out of
// the switchyard binary.
package natstest

import (
	"crypto/rand"
	"encoding/hex"
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
	opts := &server.Options{
		Host:       "127.0.0.1",
		Port:       -1,
		JetStream:  true,
		StoreDir:   t.TempDir(),
		SyncAlways: true,
		NoLog:      true,
		NoSigs:     true,
	}
	s, err := server.NewServer(opts)
	if err != nil {
		t.Fatalf("embedded NATS: %v", err)
	}
	go s.Start()
	if !s.ReadyForConnections(10 * time.Second) {
		t.Fatal("embedded NATS did not start")
	}
	t.Cleanup(s.Shutdown)
	return s.ClientURL()
}

// Names returns a stream name and subject prefix no other test uses, so
// tests can share one server.
func Names() (stream, prefix string) {
	var b [6]byte
	_, _ = rand.Read(b[:])
	id := hex.EncodeToString(b[:])
	return "TEST_" + strings.ToUpper(id), "t" + id
}
