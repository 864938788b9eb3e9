package httpapi_test

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"

	"github.com/switchyard/switchyard/core/app/apptest"
	"github.com/switchyard/switchyard/core/events/natstest"
	"github.com/switchyard/switchyard/core/nettest"
	"github.com/switchyard/switchyard/core/store"
)

// TestTwoReplicas runs two cores sharing one PostgreSQL and one NATS: an
// event published on one reaches sockets on both with the same seq; a role
// change and a logout made on one take effect on the other within 2 s.
func TestTwoReplicas(t *testing.T) {
	cfg := apptest.ReplicaConfig(t)
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

// TestReplicaCatchesUpAfterABusGap: replica B loses NATS (its link, not
// the server) while A removes a member, ends a session and uninstalls a
// plugin. Those control messages never reach B; once B's link is back it
// catches up from the database by itself: the removed member is refused
// and their socket on B closed with 1008, the ended session's token is
// refused, the plugin no longer serves the organization, and a member
// untouched keeps access and socket.
func TestReplicaCatchesUpAfterABusGap(t *testing.T) {
	cfg := apptest.ReplicaConfig(t)
	link := nettest.NewLink(t, strings.TrimPrefix(cfg.NATSURL, "nats://"))
	cfg.Catalog = catalog.Dir
	cfg.TrustedKeys = []string{catalog.PublicKey()}
	cfgB := cfg
	cfgB.DataDir = t.TempDir()
	cfgB.NATSURL = "nats://" + link.Addr()
	a := apptest.Start(t, cfg)
	b := apptest.Start(t, cfgB)

	owner := a.Register(t, "owner")
	a.CreateOrg(t, owner, "acme")
	bob, carol, dave := a.Register(t, "bob"), a.Register(t, "carol"), a.Register(t, "dave")
	for _, u := range []*apptest.User{bob, carol, dave} {
		a.Join(t, owner, "acme", u, "member")
	}
	echo := func(s *apptest.Server) *apptest.Response {
		return s.As(owner).Do(t, "POST", "/api/v1/orgs/acme/plugins/echo/actions/echo", map[string]string{"message": "hi"})
	}
	a.As(owner).Do(t, "POST", "/api/v1/orgs/acme/plugins", map[string]string{"name": "echo", "version": "1.0.0"}).Must(t, http.StatusCreated)
	for deadline := time.Now().Add(15 * time.Second); echo(b).Status != http.StatusOK; time.Sleep(100 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("the installation did not reach B")
		}
	}
	bobSock, _ := b.Dial(t, bob, "acme")
	daveSock, _ := b.Dial(t, dave, "acme")
	daveSock.Send(map[string]any{"type": "subscribe", "events": []string{"custom.*"}})
	daveSock.Expect("subscribed")
	for _, u := range []*apptest.User{bob, carol, dave} {
		b.As(u).Do(t, "GET", "/api/v1/orgs/acme/members", nil).Must(t, http.StatusOK)
	}

	cutOff(t, link, b)
	a.As(owner).Do(t, "DELETE", "/api/v1/orgs/acme/members/"+bob.ID, nil).Must(t, http.StatusNoContent)
	a.As(carol).Do(t, "POST", "/api/v1/auth/logout", nil).Must(t, http.StatusNoContent)
	a.As(owner).Do(t, "DELETE", "/api/v1/orgs/acme/plugins/echo", nil).Must(t, http.StatusNoContent)
	link.Restore()
	caughtUp(t, b, bob, bobSock, carol)
	b.As(dave).Do(t, "GET", "/api/v1/orgs/acme/members", nil).Must(t, http.StatusOK)
	daveSock.Send(map[string]any{"type": "subscribe", "events": []string{"custom.*"}})
	daveSock.Expect("subscribed")
	// The plugin uninstalled meanwhile no longer serves the organization on B.
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(100 * time.Millisecond) {
		r := echo(b)
		if r.Status == http.StatusNotFound {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("after the gap B still serves the uninstalled plugin: %d %s", r.Status, r.Body)
		}
	}
}

// cutOff cuts the link between replica s and NATS and waits until s
// reports itself not ready.
func cutOff(t *testing.T, link *nettest.Link, s *apptest.Server) {
	t.Helper()
	link.Cut()
	for deadline := time.Now().Add(10 * time.Second); s.Client().Do(t, "GET", "/readyz", nil).Status != http.StatusServiceUnavailable; time.Sleep(20 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("replica still ready 10 s after its NATS link was cut")
		}
	}
}

// caughtUp waits until replica s has closed the removed member's socket
// there (1008) and refuses acme to that member (403) and to the session
// ended (401), all while s was not told.
func caughtUp(t *testing.T, s *apptest.Server, removed *apptest.User, removedSock *apptest.Socket, loggedOut *apptest.User) {
	t.Helper()
	if code := removedSock.CloseCode(15 * time.Second); code != websocket.StatusPolicyViolation {
		t.Fatalf("the removed member's socket closed with %d, want 1008", code)
	}
	for deadline := time.Now().Add(5 * time.Second); ; time.Sleep(50 * time.Millisecond) {
		removedStatus := s.As(removed).Do(t, "GET", "/api/v1/orgs/acme/members", nil).Status
		loggedOutStatus := s.As(loggedOut).Do(t, "GET", "/api/v1/orgs/acme/members", nil).Status
		if removedStatus != http.StatusOK && loggedOutStatus == http.StatusUnauthorized {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("after the gap the replica answers the removed member %d and the ended session %d", removedStatus, loggedOutStatus)
		}
	}
}

// TestReplicaThatCouldNotTellTheOthers: a replica cut from NATS still
// serves requests from the database; the control messages of what it
// changed cannot reach the other replicas, which keep the old policy in
// memory. Once it is back it asks them to catch up, and they do.
func TestReplicaThatCouldNotTellTheOthers(t *testing.T) {
	cfg := apptest.ReplicaConfig(t)
	link := nettest.NewLink(t, strings.TrimPrefix(cfg.NATSURL, "nats://"))
	cfgA := cfg
	cfgA.NATSURL = "nats://" + link.Addr()
	cfgB := cfg
	cfgB.DataDir = t.TempDir()
	a := apptest.Start(t, cfgA)
	b := apptest.Start(t, cfgB)

	owner := a.Register(t, "owner")
	a.CreateOrg(t, owner, "acme")
	bob, carol := a.Register(t, "bob"), a.Register(t, "carol")
	a.Join(t, owner, "acme", bob, "member")
	a.Join(t, owner, "acme", carol, "member")
	for _, u := range []*apptest.User{bob, carol} {
		b.As(u).Do(t, "GET", "/api/v1/orgs/acme/members", nil).Must(t, http.StatusOK)
	}
	bobSock, _ := b.Dial(t, bob, "acme")

	cutOff(t, link, a)
	a.As(owner).Do(t, "DELETE", "/api/v1/orgs/acme/members/"+bob.ID, nil).Must(t, http.StatusNoContent)
	a.As(carol).Do(t, "POST", "/api/v1/auth/logout", nil).Must(t, http.StatusNoContent)
	// B heard of neither: the gap this test is about.
	time.Sleep(500 * time.Millisecond)
	b.As(bob).Do(t, "GET", "/api/v1/orgs/acme/members", nil).Must(t, http.StatusOK)
	b.As(carol).Do(t, "GET", "/api/v1/orgs/acme/members", nil).Must(t, http.StatusOK)

	link.Restore()
	caughtUp(t, b, bob, bobSock, carol)
	b.As(owner).Do(t, "GET", "/api/v1/orgs/acme/members", nil).Must(t, http.StatusOK)
}

// TestHistoryBoundedByConfiguration: SWITCHYARD_EVENTS_KEEP bounds what an
// organization's history serves: the newest events stay, a client asking
// from before them is told to reload (410 history_gap), and a socket
// resuming from there gets resume_failed. With NATS the stream applies the
// bound as events arrive; the database journal applies it in its
// retention pass (at start, then every minute).
func TestHistoryBoundedByConfiguration(t *testing.T) {
	check := func(t *testing.T, s *apptest.Server, owner *apptest.User, seqs []uint64) {
		t.Helper()
		var hist struct {
			Items []struct {
				Seq uint64 `json:"seq"`
			} `json:"items"`
		}
		deadline := time.Now().Add(5 * time.Second)
		for {
			r := s.As(owner).Do(t, "GET", fmt.Sprintf("/api/v1/orgs/acme/events?types=custom.*&since=%d", seqs[2]), nil)
			if r.Status == http.StatusOK {
				r.Decode(t, &hist)
				if len(hist.Items) == 5 && hist.Items[0].Seq == seqs[3] {
					break
				}
			}
			if time.Now().After(deadline) {
				t.Fatalf("history since the 3rd of 8 events, 5 kept: %d %s", r.Status, r.Body)
			}
			time.Sleep(20 * time.Millisecond)
		}
		r := s.As(owner).Do(t, "GET", fmt.Sprintf("/api/v1/orgs/acme/events?since=%d", seqs[1]), nil).Must(t, http.StatusGone)
		if r.ErrorCode() != "history_gap" {
			t.Fatalf("history from a pruned seq: %s", r.Body)
		}
		sock, hello := s.Dial(t, owner, "acme")
		st := decode[status](t, hello.Data)
		sock.Send(map[string]any{"type": "resume", "since": seqs[1], "epoch": st.Epoch})
		sock.Expect("resume_failed")
	}
	t.Run("jetstream", func(t *testing.T) {
		cfg := apptest.Config(t, store.SQLite)
		cfg.NATSURL = natstest.Embedded(t).URL()
		cfg.NATSStream, cfg.NATSPrefix = natstest.Names()
		cfg.EventsKeep = 5
		s := apptest.Start(t, cfg)
		owner := s.Register(t, "owner")
		s.CreateOrg(t, owner, "acme")
		check(t, s, owner, publish(t, s, owner, "acme", 8, "custom.kept"))
	})
	t.Run("database", func(t *testing.T) {
		cfg := apptest.Config(t, store.SQLite)
		cfg.EventsKeep = 5
		s := apptest.Start(t, cfg)
		owner := s.Register(t, "owner")
		s.CreateOrg(t, owner, "acme")
		seqs := publish(t, s, owner, "acme", 8, "custom.kept")
		s.Stop()
		s = apptest.Start(t, cfg) // retention runs at start
		check(t, s, owner, seqs)
	})
}
