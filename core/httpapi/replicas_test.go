package httpapi_test

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/coder/websocket"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/switchyard/switchyard/core/app/apptest"
	"github.com/switchyard/switchyard/core/events/natstest"
	"github.com/switchyard/switchyard/core/store"
)

// TestTwoReplicas runs two cores sharing one PostgreSQL and one NATS: an
// event published on one reaches sockets on both with the same seq; a role
// change and a logout made on one take effect on the other within 2 s.
func TestTwoReplicas(t *testing.T) {
	cfg := apptest.Config(t, store.Postgres)
	cfg.NATSURL = natstest.URL(t)
	cfg.NATSStream, cfg.NATSPrefix = natstest.Names()
	t.Cleanup(func() {
		if nc, err := nats.Connect(cfg.NATSURL); err == nil {
			if js, err := jetstream.New(nc); err == nil {
				_ = js.DeleteStream(context.Background(), cfg.NATSStream)
			}
			nc.Close()
		}
	})
	cfg.Catalog = catalog.Dir
	cfg.TrustedKeys = []string{catalog.PublicKey()}
	cfgB := cfg
	cfgB.DataDir = t.TempDir()
	a := apptest.Start(t, cfg)
	b := apptest.Start(t, cfgB)

	owner := a.Register(t, "owner")
	a.CreateOrg(t, owner, "acme")
	bob := a.Register(t, "bob")
	a.Join(t, owner, "acme", bob, "viewer")

	onA, _ := a.Dial(t, owner, "acme")
	onB, _ := b.Dial(t, owner, "acme")
	for _, s := range []*apptest.Socket{onA, onB} {
		s.Send(map[string]any{"type": "subscribe", "events": []string{"custom.*"}})
		s.Expect("subscribed")
	}
	seqs := publish(t, a, owner, "acme", 3, "custom.replicated")
	seqs = append(seqs, publish(t, b, owner, "acme", 3, "custom.replicated")...)
	for _, s := range []*apptest.Socket{onA, onB} {
		for _, want := range seqs {
			if f := s.Expect("custom.replicated"); f.Seq != want {
				t.Fatalf("got seq %d, want %d", f.Seq, want)
			}
		}
	}

	// A promotion made on A lets bob invite on B.
	a.As(owner).Do(t, "PATCH", "/api/v1/orgs/acme/members/"+bob.ID, map[string]string{"role": "admin"}).Must(t, http.StatusOK)
	deadline := time.Now().Add(2 * time.Second)
	for {
		r := b.As(bob).Do(t, "GET", "/api/v1/orgs/acme/invitations", nil)
		if r.Status == http.StatusOK {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the promotion did not reach the other replica within 2 s: %d", r.Status)
		}
		time.Sleep(50 * time.Millisecond)
	}

	// A plugin installed and configured on A serves the organization on B
	// (B fetches and verifies the binary itself, into its own store).
	a.As(owner).Do(t, "POST", "/api/v1/orgs/acme/plugins", map[string]string{"name": "echo", "version": "1.0.0"}).Must(t, http.StatusCreated)
	deadline = time.Now().Add(15 * time.Second)
	for {
		r := b.As(owner).Do(t, "POST", "/api/v1/orgs/acme/plugins/echo/actions/echo", map[string]string{"message": "across"})
		if r.Status == http.StatusOK {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the installation did not reach the other replica: %d %s", r.Status, r.Body)
		}
		time.Sleep(100 * time.Millisecond)
	}
	a.As(owner).Do(t, "DELETE", "/api/v1/orgs/acme/plugins/echo", nil).Must(t, http.StatusNoContent)
	deadline = time.Now().Add(15 * time.Second)
	for {
		r := b.As(owner).Do(t, "POST", "/api/v1/orgs/acme/plugins/echo/actions/echo", map[string]string{"message": "gone"})
		if r.Status == http.StatusNotFound {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the uninstall did not reach the other replica: %d %s", r.Status, r.Body)
		}
		time.Sleep(100 * time.Millisecond)
	}

	// A logout on A closes the session's socket on B.
	start := time.Now()
	a.As(owner).Do(t, "POST", "/api/v1/auth/logout", nil).Must(t, http.StatusNoContent)
	if code := onB.CloseCode(3 * time.Second); code != websocket.StatusPolicyViolation {
		t.Fatalf("socket on the other replica closed with %d", code)
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Fatalf("logout reached the other replica's socket after %s", d)
	}
	b.As(owner).Do(t, "GET", "/api/v1/me", nil).Must(t, http.StatusUnauthorized)
}
