package httpapi_test

import (
	"net/http"
	"net/url"
	"testing"
	"time"

	"github.com/switchyard/switchyard/core/app/apptest"
	"github.com/switchyard/switchyard/core/nettest"
	"github.com/switchyard/switchyard/core/store"
)

// TestPublishAcrossADatabaseOutage cuts the core from PostgreSQL (as a
// database restart or a failed link would) and brings it back: meanwhile
// the publish API answers 503 with Retry-After, promptly, and /readyz
// says so; afterwards, without restarting the core, publishing works
// again, sockets get the new events numbered after the last stored one,
// and the history holds exactly the events that were acknowledged.
func TestPublishAcrossADatabaseOutage(t *testing.T) {
	cfg := apptest.Config(t, store.Postgres)
	u, err := url.Parse(cfg.DatabaseURL)
	if err != nil {
		t.Fatal(err)
	}
	link := nettest.NewLink(t, u.Host)
	u.Host = link.Addr()
	cfg.DatabaseURL = u.String()
	s := apptest.Start(t, cfg)
	owner := s.Register(t, "owner")
	s.CreateOrg(t, owner, "acme")
	sock, _ := s.Dial(t, owner, "acme")
	sock.Send(map[string]any{"type": "subscribe", "events": []string{"custom.*"}})
	sock.Expect("subscribed")
	acked := publish(t, s, owner, "acme", 3, "custom.kept")
	for _, want := range acked {
		if f := sock.Expect("custom.kept"); f.Seq != want {
			t.Fatalf("got seq %d, want %d", f.Seq, want)
		}
	}

	link.Cut()
	one := map[string]any{"events": []map[string]any{{"type": "custom.kept", "data": map[string]any{}}}}
	start := time.Now()
	r := s.As(owner).Do(t, "POST", "/api/v1/orgs/acme/events", one)
	if r.Status != http.StatusServiceUnavailable || r.Header.Get("Retry-After") == "" {
		t.Fatalf("publish with the database away: %d %s, Retry-After %q", r.Status, r.Body, r.Header.Get("Retry-After"))
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Fatalf("publish with the database away took %v to answer", d)
	}
	if st := s.Client().Do(t, "GET", "/readyz", nil).Status; st != http.StatusServiceUnavailable {
		t.Fatalf("/readyz with the database away: %d", st)
	}

	link.Restore()
	deadline := time.Now().Add(10 * time.Second)
	for {
		r := s.As(owner).Do(t, "POST", "/api/v1/orgs/acme/events", one)
		if r.Status == http.StatusCreated {
			var out struct {
				Items []struct {
					Seq uint64 `json:"seq"`
				} `json:"items"`
			}
			r.Decode(t, &out)
			acked = append(acked, out.Items[0].Seq)
			break
		}
		if r.Status != http.StatusServiceUnavailable || time.Now().After(deadline) {
			t.Fatalf("publish after the database came back: %d %s", r.Status, r.Body)
		}
		time.Sleep(50 * time.Millisecond)
	}
	if f := sock.Expect("custom.kept"); f.Seq != acked[len(acked)-1] || f.Seq <= acked[len(acked)-2] {
		t.Fatalf("after the outage the socket got seq %d; acknowledged %v", f.Seq, acked)
	}
	r = s.As(owner).Do(t, "GET", "/api/v1/orgs/acme/events?types=custom.kept", nil).Must(t, http.StatusOK)
	var hist struct {
		Items []struct {
			Seq uint64 `json:"seq"`
		} `json:"items"`
	}
	r.Decode(t, &hist)
	if len(hist.Items) != len(acked) {
		t.Fatalf("history holds %d events, %d were acknowledged (%v)", len(hist.Items), len(acked), acked)
	}
	for i, e := range hist.Items {
		if e.Seq != acked[i] {
			t.Fatalf("history differs at %d: seq %d, acknowledged %v", i, e.Seq, acked)
		}
	}
}
