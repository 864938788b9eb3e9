package httpapi_test

import (
	"net/http"
	"net/url"
	"testing"
	"time"

	"github.com/switchyard/switchyard/core/app/apptest"
	"github.com/switchyard/switchyard/core/events/natstest"
	"github.com/switchyard/switchyard/core/nettest"
	"github.com/switchyard/switchyard/core/store"
)

// outage drives a core through the loss of a service it depends on: an
// owner of acme with a socket subscribed to custom.*, and every event
// type the test published with the seqs that were acknowledged.
type outage struct {
	t     *testing.T
	s     *apptest.Server
	owner *apptest.User
	sock  *apptest.Socket
	acked []uint64
}

func newOutage(t *testing.T, s *apptest.Server) *outage {
	o := &outage{t: t, s: s, owner: s.Register(t, "owner")}
	s.CreateOrg(t, o.owner, "acme")
	o.sock, _ = s.Dial(t, o.owner, "acme")
	o.sock.Send(map[string]any{"type": "subscribe", "events": []string{"custom.*"}})
	o.sock.Expect("subscribed")
	return o
}

func (o *outage) publish() *apptest.Response {
	return o.s.As(o.owner).Do(o.t, "POST", "/api/v1/orgs/acme/events",
		map[string]any{"events": []map[string]any{{"type": "custom.kept", "data": map[string]any{}}}})
}

// delivered publishes n events and waits for each on the socket.
func (o *outage) delivered(n int) {
	o.t.Helper()
	seqs := publish(o.t, o.s, o.owner, "acme", n, "custom.kept")
	for _, want := range seqs {
		if f := o.sock.Expect("custom.kept"); f.Seq != want {
			o.t.Fatalf("got seq %d, want %d", f.Seq, want)
		}
	}
	o.acked = append(o.acked, seqs...)
}

// refused publishes while the service is away: 503 with code and
// Retry-After, answered promptly, and /readyz not ready.
func (o *outage) refused(code string) {
	o.t.Helper()
	start := time.Now()
	r := o.publish()
	if r.Status != http.StatusServiceUnavailable || r.ErrorCode() != code || r.Header.Get("Retry-After") == "" {
		o.t.Fatalf("publish during the outage: %d %s, Retry-After %q; want 503 %s", r.Status, r.Body, r.Header.Get("Retry-After"), code)
	}
	if d := time.Since(start); d > 5*time.Second {
		o.t.Fatalf("publish during the outage took %v to answer", d)
	}
	if st := o.s.Client().Do(o.t, "GET", "/readyz", nil).Status; st != http.StatusServiceUnavailable {
		o.t.Fatalf("/readyz during the outage: %d", st)
	}
}

// recovered publishes until the core accepts again (refused meanwhile
// with 503 only), then checks the socket gets the event, numbered after
// the last stored one, and that the history holds exactly the
// acknowledged events: nothing lost, nothing refused stored.
func (o *outage) recovered() {
	o.t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		r := o.publish()
		if r.Status == http.StatusCreated {
			var out struct {
				Items []struct {
					Seq uint64 `json:"seq"`
				} `json:"items"`
			}
			r.Decode(o.t, &out)
			o.acked = append(o.acked, out.Items[0].Seq)
			break
		}
		if r.Status != http.StatusServiceUnavailable || time.Now().After(deadline) {
			o.t.Fatalf("publish after the outage: %d %s", r.Status, r.Body)
		}
		time.Sleep(50 * time.Millisecond)
	}
	last := o.acked[len(o.acked)-1]
	if f := o.sock.Expect("custom.kept"); f.Seq != last || f.Seq <= o.acked[len(o.acked)-2] {
		o.t.Fatalf("after the outage the socket got seq %d; acknowledged %v", f.Seq, o.acked)
	}
	r := o.s.As(o.owner).Do(o.t, "GET", "/api/v1/orgs/acme/events?types=custom.kept", nil).Must(o.t, http.StatusOK)
	var hist struct {
		Items []struct {
			Seq uint64 `json:"seq"`
		} `json:"items"`
	}
	r.Decode(o.t, &hist)
	if len(hist.Items) != len(o.acked) {
		o.t.Fatalf("history holds %d events, %d were acknowledged (%v)", len(hist.Items), len(o.acked), o.acked)
	}
	for i, e := range hist.Items {
		if e.Seq != o.acked[i] {
			o.t.Fatalf("history differs at %d: seq %d, acknowledged %v", i, e.Seq, o.acked)
		}
	}
}

// TestPublishAcrossADatabaseOutage cuts the core from PostgreSQL (as a
// database restart or a failed link would) and brings it back: meanwhile
// the publish API answers 503 database_unavailable with Retry-After,
// promptly, and /readyz says so; afterwards, without restarting the core,
// publishing and delivery resume and nothing acknowledged is lost.
func TestPublishAcrossADatabaseOutage(t *testing.T) {
	cfg := apptest.Config(t, store.Postgres)
	u, err := url.Parse(cfg.DatabaseURL)
	if err != nil {
		t.Fatal(err)
	}
	link := nettest.NewLink(t, u.Host)
	u.Host = link.Addr()
	cfg.DatabaseURL = u.String()
	o := newOutage(t, apptest.Start(t, cfg))
	o.delivered(3)
	link.Cut()
	o.refused("database_unavailable")
	link.Restore()
	o.recovered()
}

// TestPublishAcrossANATSOutage: while the NATS server of a replicated core
// is down, the publish API answers 503 journal_unavailable with
// Retry-After and /readyz says NATS is not connected; the refused events
// are never stored nor delivered later. Once NATS is back, without
// restarting the core, publishing and delivery resume.
func TestPublishAcrossANATSOutage(t *testing.T) {
	srv := natstest.Embedded(t)
	cfg := apptest.Config(t, store.SQLite)
	cfg.NATSURL = srv.URL()
	cfg.NATSStream, cfg.NATSPrefix = natstest.Names()
	o := newOutage(t, apptest.Start(t, cfg))
	o.delivered(2)
	srv.Stop()
	deadline := time.Now().Add(10 * time.Second)
	for o.s.Client().Do(t, "GET", "/readyz", nil).Status != http.StatusServiceUnavailable {
		if time.Now().After(deadline) {
			t.Fatal("/readyz still ready 10 s after NATS went down")
		}
		time.Sleep(20 * time.Millisecond)
	}
	o.refused("journal_unavailable")
	srv.Start()
	o.recovered()
	o.sock.Quiet(300*time.Millisecond, "user.presence", "user.activity")
}
