package httpapi_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"

	"github.com/switchyard/switchyard/core/app/apptest"
	"github.com/switchyard/switchyard/core/store"
	"github.com/switchyard/switchyard/core/store/storetest"
)

func publish(t *testing.T, s *apptest.Server, u *apptest.User, org string, n int, typ string) []uint64 {
	t.Helper()
	evs := make([]map[string]any, n)
	for i := range evs {
		evs[i] = map[string]any{"type": typ, "data": map[string]any{"i": i}}
	}
	r := s.As(u).Do(t, "POST", "/api/v1/orgs/"+org+"/events", map[string]any{"events": evs}).Must(t, http.StatusCreated)
	var out struct {
		Items []struct {
			Seq uint64 `json:"seq"`
		} `json:"items"`
	}
	r.Decode(t, &out)
	seqs := make([]uint64, len(out.Items))
	for i, e := range out.Items {
		seqs[i] = e.Seq
	}
	return seqs
}

type status struct {
	Status string `json:"status"`
	UserID string `json:"user_id"`
	Org    string `json:"org"`
	Seq    uint64 `json:"seq"`
	Epoch  string `json:"epoch"`
}

func decode[T any](t *testing.T, raw json.RawMessage) T {
	t.Helper()
	var v T
	if err := json.Unmarshal(raw, &v); err != nil {
		t.Fatalf("decode %s: %v", raw, err)
	}
	return v
}

// TestProtocol walks every row of the protocol table over a real socket.
func TestProtocol(t *testing.T) {
	s := apptest.StartEngine(t, store.SQLite)
	owner := s.Register(t, "owner")
	s.CreateOrg(t, owner, "acme")
	publish(t, s, owner, "acme", 3, "custom.before")

	sock, st := s.Dial(t, owner, "acme")
	cs := decode[status](t, st.Data)
	if cs.Status != "connected" || cs.UserID != owner.ID || cs.Org != "acme" || cs.Seq < 3 || cs.Epoch == "" {
		t.Fatalf("connection_status = %+v", cs)
	}

	sock.Send(map[string]string{"type": "ping"})
	sock.Expect("pong")

	sock.Send(map[string]any{"type": "subscribe", "events": []string{"sync.*", "notification"}})
	sub := decode[map[string][]string](t, sock.Expect("subscribed").Data)
	if strings.Join(sub["events"], ",") != "sync.*,notification" {
		t.Fatalf("subscribed = %v", sub)
	}
	publish(t, s, owner, "acme", 1, "custom.ignored")
	s.As(owner).Do(t, "POST", "/api/v1/orgs/acme/events", map[string]any{"type": "notification",
		"data": map[string]string{"kind": "success", "title": "Done", "message": "it worked"}}).Must(t, http.StatusCreated)
	if f := sock.Expect("notification"); f.Seq == 0 || f.ID == "" || f.Timestamp.IsZero() {
		t.Fatalf("event frame lacks seq/id/timestamp: %+v", f)
	}

	sock.Send(map[string]any{"type": "unsubscribe", "events": []string{"sync.*", "notification"}})
	sock.Expect("unsubscribed")
	publish(t, s, owner, "acme", 1, "custom.after")
	if f := sock.Expect("custom.after"); f.Seq == 0 {
		t.Fatal("no seq")
	}

	sock.Send(map[string]string{"type": "get_sync_status"})
	ss := decode[map[string][]any](t, sock.Expect("sync_status").Data)
	if _, ok := ss["tasks"]; !ok {
		t.Fatalf("sync_status without tasks: %v", ss)
	}

	// Malformed input gets an error frame and the connection stays.
	for _, bad := range []string{`{not json`, `{"type":"teleport"}`, `{"type":"subscribe","events":["NOT A PATTERN"]}`, `{"type":"subscribe","events":[]}`, `[]`, `{"type":"resume"}`} {
		sock.SendRaw([]byte(bad))
		if e := decode[map[string]string](t, sock.Expect("error").Data); e["code"] == "" || e["message"] == "" {
			t.Fatalf("error frame for %s = %v", bad, e)
		}
	}
	sock.Send(map[string]string{"type": "ping"})
	sock.Expect("pong")

	// A frame over 64 KiB closes with 1009.
	sock.SendRaw([]byte(`{"type":"ping","pad":"` + strings.Repeat("x", 70<<10) + `"}`))
	if code := sock.CloseCode(5 * time.Second); code != websocket.StatusMessageTooBig {
		t.Fatalf("oversized frame closed with %d, want 1009", code)
	}
}

func TestAbuseClosesWithPolicy(t *testing.T) {
	s := apptest.StartEngine(t, store.SQLite)
	owner := s.Register(t, "owner")
	s.CreateOrg(t, owner, "acme")
	sock, _ := s.Dial(t, owner, "acme")
	// Past the limit of invalid messages the server closes: a write after
	// that may find the connection gone, which is the point.
	for i := range 12 {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		err := sock.Conn.Write(ctx, websocket.MessageText, []byte(`{"type":"nope"}`))
		cancel()
		if err != nil {
			if i < 10 {
				t.Fatalf("write %d, before the limit: %v", i+1, err)
			}
			break
		}
	}
	if code := sock.CloseCode(5 * time.Second); code != websocket.StatusPolicyViolation {
		t.Fatalf("repeated bad messages closed with %d, want 1008", code)
	}
}

// TestRefusals: a socket that may not exist is closed with 1008 and a
// reason; a non-member cannot even get a ticket.
func TestRefusals(t *testing.T) {
	cfg := apptest.Config(t, store.SQLite)
	cfg.AllowedOrigins = []string{"https://dash.example.com"}
	s := apptest.Start(t, cfg)
	owner := s.Register(t, "owner")
	s.CreateOrg(t, owner, "acme")
	s.CreateOrg(t, owner, "beta")
	outsider := s.Register(t, "outsider")
	s.As(outsider).Do(t, "POST", "/api/v1/orgs/acme/ws-ticket", nil).Must(t, http.StatusNotFound)

	refused := func(name, org, ticket string, h http.Header) {
		t.Helper()
		sock, err := s.DialTicket(t, org, ticket, h)
		if err != nil {
			t.Fatalf("%s: handshake failed: %v", name, err)
		}
		if code := sock.CloseCode(5 * time.Second); code != websocket.StatusPolicyViolation {
			t.Fatalf("%s: closed with %d, want 1008", name, code)
		}
	}
	refused("no ticket", "acme", "", nil)
	refused("forged ticket", "acme", "eyJ1IjoiYSJ9.AAAA", nil)
	tk := s.Ticket(t, owner, "acme")
	refused("wrong origin", "acme", tk, http.Header{"Origin": {"https://evil.example.com"}})
	refused("reused ticket", "acme", tk, nil)
	refused("ticket for another org", "beta", s.Ticket(t, owner, "acme"), nil)

	ok, err := s.DialTicket(t, "acme", s.Ticket(t, owner, "acme"), http.Header{"Origin": {"https://dash.example.com"}})
	if err != nil {
		t.Fatal(err)
	}
	ok.Expect("connection_status")

	// Suspension closes open sockets and refuses new ones.
	admin := s.Register(t, "platform")
	if err := s.App.Auth.SetPlatformAdmin(t.Context(), admin.ID, true); err != nil {
		t.Fatal(err)
	}
	tk2 := s.Ticket(t, owner, "acme")
	s.As(admin).Do(t, "POST", "/api/v1/admin/tenants/acme/suspend", nil).Must(t, http.StatusOK)
	if code := ok.CloseCode(3 * time.Second); code != websocket.StatusPolicyViolation {
		t.Fatalf("suspension closed the open socket with %d", code)
	}
	refused("suspended org", "acme", tk2, nil)

	// Plain HTTP to the socket endpoint is told to upgrade.
	r := s.Client().Do(t, "GET", "/api/v1/orgs/acme/ws", nil)
	if r.Status != http.StatusUpgradeRequired {
		t.Fatalf("plain GET = %d %s", r.Status, r.Body)
	}
}

// TestIsolation publishes in two organizations and checks that no socket
// ever sees the other's events.
func TestIsolation(t *testing.T) {
	s := apptest.StartEngine(t, store.SQLite)
	a, b := s.Register(t, "a"), s.Register(t, "b")
	s.CreateOrg(t, a, "org-a")
	s.CreateOrg(t, b, "org-b")
	sa, _ := s.Dial(t, a, "org-a")
	sb, _ := s.Dial(t, b, "org-b")
	sa.Send(map[string]any{"type": "subscribe", "events": []string{"custom.*"}})
	sa.Expect("subscribed")
	sb.Send(map[string]any{"type": "subscribe", "events": []string{"custom.*"}})
	sb.Expect("subscribed")
	for range 5 {
		publish(t, s, a, "org-a", 10, "custom.a")
		publish(t, s, b, "org-b", 10, "custom.b")
	}
	count := func(sock *apptest.Socket, want string) {
		for i := range 50 {
			f := sock.Expect(want)
			if f.Type != want {
				t.Fatalf("event %d: %s", i, f.Type)
			}
		}
		sock.Quiet(300*time.Millisecond, "user.presence", "user.activity")
	}
	count(sa, "custom.a")
	count(sb, "custom.b")
}

// TestResume: a client that was away gets every event it missed, in
// order, exactly once; across a restart of the core too.
func TestResume(t *testing.T) {
	for _, engine := range storetest.Engines() {
		t.Run(string(engine), func(t *testing.T) {
			cfg := apptest.Config(t, engine)
			s := apptest.Start(t, cfg)
			owner := s.Register(t, "owner")
			s.CreateOrg(t, owner, "acme")
			publish(t, s, owner, "acme", 5, "custom.x")
			sock, st := s.Dial(t, owner, "acme")
			cs := decode[status](t, st.Data)
			_ = sock.Conn.CloseNow()

			missed := append(publish(t, s, owner, "acme", 50, "custom.x"), publish(t, s, owner, "acme", 50, "custom.x")...)
			resumeAndCheck := func(s *apptest.Server, since uint64, want []uint64) {
				t.Helper()
				sock, _ := s.Dial(t, owner, "acme")
				sock.Send(map[string]any{"type": "resume", "since": since, "epoch": cs.Epoch})
				for i, seq := range want {
					f := sock.Expect("custom.x")
					if f.Seq != seq {
						t.Fatalf("replayed event %d has seq %d, want %d", i, f.Seq, seq)
					}
				}
				sock.Expect("resumed")
				sock.Quiet(300*time.Millisecond, "user.presence", "user.activity")
			}
			resumeAndCheck(s, cs.Seq, missed)

			// Restart the core on the same database: the history and its
			// epoch survive, and numbering continues.
			s.Stop()
			s2 := apptest.Start(t, cfg)
			more := publish(t, s2, owner, "acme", 10, "custom.x")
			if more[0] <= missed[len(missed)-1] {
				t.Fatalf("after restart the next seq is %d, after %d: a seq was reused", more[0], missed[len(missed)-1])
			}
			resumeAndCheck(s2, cs.Seq, append(missed, more...))

			// A stale epoch or a seq from the future: resume_failed.
			sock2, _ := s2.Dial(t, owner, "acme")
			sock2.Send(map[string]any{"type": "resume", "since": cs.Seq, "epoch": "not-the-epoch"})
			sock2.Expect("resume_failed")
			sock3, _ := s2.Dial(t, owner, "acme")
			sock3.Send(map[string]any{"type": "resume", "since": 1 << 40, "epoch": cs.Epoch})
			sock3.Expect("resume_failed")
		})
	}
}

func TestResumeTooOld(t *testing.T) {
	s := apptest.StartEngine(t, store.SQLite)
	owner := s.Register(t, "owner")
	s.CreateOrg(t, owner, "acme")
	sock, st := s.Dial(t, owner, "acme")
	cs := decode[status](t, st.Data)
	_ = sock.Conn.CloseNow()
	publish(t, s, owner, "acme", 30, "custom.x")
	org, _ := s.App.Tenants.OrgBySlug(t.Context(), "acme")
	if _, err := s.App.Journal.Prune(t.Context(), 10, 0); err != nil {
		t.Fatal(err)
	}
	_ = org
	again, _ := s.Dial(t, owner, "acme")
	again.Send(map[string]any{"type": "resume", "since": cs.Seq, "epoch": cs.Epoch})
	f := again.Expect("resume_failed")
	if !strings.Contains(string(f.Data), "continuous") {
		t.Fatalf("resume_failed = %s", f.Data)
	}
}

// TestRevocation: a removed member and a logged-out session lose their
// sockets within 2 seconds.
func TestRevocation(t *testing.T) {
	s := apptest.StartEngine(t, store.SQLite)
	owner := s.Register(t, "owner")
	s.CreateOrg(t, owner, "acme")
	bob := s.Register(t, "bob")
	s.Join(t, owner, "acme", bob, "member")

	sock, _ := s.Dial(t, bob, "acme")
	start := time.Now()
	s.As(owner).Do(t, "DELETE", "/api/v1/orgs/acme/members/"+bob.ID, nil).Must(t, http.StatusNoContent)
	if code := sock.CloseCode(2 * time.Second); code != websocket.StatusPolicyViolation {
		t.Fatalf("removed member's socket closed with %d", code)
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Fatalf("removal took %s to close the socket", d)
	}

	own, _ := s.Dial(t, owner, "acme")
	start = time.Now()
	s.As(owner).Do(t, "POST", "/api/v1/auth/logout", nil).Must(t, http.StatusNoContent)
	if code := own.CloseCode(2 * time.Second); code != websocket.StatusPolicyViolation {
		t.Fatalf("logged-out socket closed with %d", code)
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Fatalf("logout took %s to close the socket", d)
	}
}

// TestSlowConsumer: a client that stops reading is cut with 4008 while a
// fast client in the same organization keeps receiving promptly.
func TestSlowConsumer(t *testing.T) {
	s := apptest.StartEngine(t, store.SQLite)
	owner := s.Register(t, "owner")
	s.CreateOrg(t, owner, "acme")
	slow, _ := s.Dial(t, owner, "acme")
	fast, _ := s.Dial(t, owner, "acme")
	slow.Send(map[string]string{"type": "ping"})
	slow.Expect("pong")
	fast.Send(map[string]string{"type": "ping"})
	fast.Expect("pong")
	slow.Pause(true)

	// 24 batches of 30 events of 30 KiB: about 21 MiB, far past the
	// kernel's socket buffers and the 1 MiB send queue.
	big := strings.Repeat("x", 30<<10)
	var worst time.Duration
	for round := range 24 {
		batch := make([]map[string]any, 30)
		for i := range batch {
			batch[i] = map[string]any{"type": "custom.big", "data": map[string]any{"n": round*30 + i, "pad": big}}
		}
		sent := time.Now()
		s.As(owner).Do(t, "POST", "/api/v1/orgs/acme/events", map[string]any{"events": batch}).Must(t, http.StatusCreated)
		for i := range batch {
			f := fast.Expect("custom.big")
			if decode[map[string]any](t, f.Data)["n"].(float64) != float64(round*30+i) {
				t.Fatal("fast client got events out of order")
			}
		}
		if d := time.Since(sent); d > worst {
			worst = d
		}
	}
	// A hub that let the slow socket block delivery would hold the fast
	// client for the whole write timeout (10 s); well under that, even on a
	// loaded machine with the race detector, it was not held.
	if worst > 5*time.Second {
		t.Fatalf("the fast client waited %s for a batch", worst)
	}
	slow.Pause(false)
	deadline := time.Now().Add(15 * time.Second)
	for {
		_, err := slow.Next(time.Until(deadline))
		if err != nil {
			// A client that reads again soon after being cut sees 4008; one
			// that stays silent past the write timeout finds the socket
			// closed. Either way the server cut it for being slow.
			if code := websocket.CloseStatus(err); code != 4008 && code != -1 {
				t.Fatalf("slow client ended with %v (code %d)", err, code)
			}
			break
		}
	}
	if n := counterValue(t, s, "switchyard_ws_dropped_total", "slow_consumer"); n < 1 {
		t.Fatalf("no slow consumer was counted")
	}
	t.Logf("slow consumer cut with 4008; the fast client's worst batch took %s", worst)
}

// TestEventsREST covers the history fallback, publishing rules, notifications and activity.
func TestEventsREST(t *testing.T) {
	s := apptest.StartEngine(t, store.SQLite)
	owner := s.Register(t, "owner")
	s.CreateOrg(t, owner, "acme")
	viewer := s.Register(t, "viewer")
	s.Join(t, owner, "acme", viewer, "viewer")
	seqs := publish(t, s, owner, "acme", 5, "custom.order_created")

	h := s.As(viewer).Do(t, "GET", fmt.Sprintf("/api/v1/orgs/acme/events?since=%d&types=custom.*", seqs[1]), nil).Must(t, http.StatusOK).JSON()
	if items := h["items"].([]any); len(items) != 3 || h["epoch"] == "" {
		t.Fatalf("history = %v", h)
	}
	s.As(viewer).Do(t, "GET", "/api/v1/orgs/acme/events?types=BAD", nil).Must(t, http.StatusBadRequest)
	s.As(viewer).Do(t, "GET", "/api/v1/orgs/acme/events?since=999999", nil).Must(t, http.StatusGone)
	s.As(viewer).Do(t, "POST", "/api/v1/orgs/acme/events", map[string]any{"type": "custom.x"}).Must(t, http.StatusForbidden)
	r := s.As(owner).Do(t, "POST", "/api/v1/orgs/acme/events", map[string]any{"type": "sync.update", "data": map[string]any{}})
	if r.Status != http.StatusBadRequest || r.JSON()["error"].(map[string]any)["field"] != "type" {
		t.Fatalf("publishing a platform type: %d %s", r.Status, r.Body)
	}

	// An API key with events:publish publishes; a notification reaches the
	// viewer, who marks it read.
	key := s.As(owner).Do(t, "POST", "/api/v1/orgs/acme/api-keys", map[string]any{"name": "backend", "permissions": []string{"events:publish"}}).
		Must(t, http.StatusCreated).JSON()["key"].(string)
	s.Client().As(key).Do(t, "POST", "/api/v1/orgs/acme/events", map[string]any{"type": "notification",
		"data": map[string]string{"kind": "warning", "title": "Disk almost full", "message": "92% used"}}).Must(t, http.StatusCreated)
	n := s.As(viewer).Do(t, "GET", "/api/v1/orgs/acme/notifications?unread=true", nil).Must(t, http.StatusOK).JSON()
	items := n["items"].([]any)
	if n["unread"].(float64) < 1 || len(items) < 1 {
		t.Fatalf("notifications = %v", n)
	}
	id := items[0].(map[string]any)["id"].(string)
	s.As(viewer).Do(t, "POST", "/api/v1/orgs/acme/notifications/"+id+"/read", nil).Must(t, http.StatusNoContent)
	s.As(viewer).Do(t, "POST", "/api/v1/orgs/acme/notifications/read-all", nil).Must(t, http.StatusNoContent)
	if n := s.As(viewer).Do(t, "GET", "/api/v1/orgs/acme/notifications", nil).JSON(); n["unread"].(float64) != 0 {
		t.Fatalf("unread after read-all = %v", n["unread"])
	}
	s.As(viewer).Do(t, "POST", "/api/v1/orgs/acme/notifications/nope/read", nil).Must(t, http.StatusNotFound)

	act := s.As(viewer).Do(t, "GET", "/api/v1/orgs/acme/activity", nil).Must(t, http.StatusOK).JSON()
	found := false
	for _, it := range act["items"].([]any) {
		e := it.(map[string]any)
		found = found || (e["type"] == "user.activity" && strings.Contains(fmt.Sprint(e["data"]), "member.joined"))
	}
	if !found {
		t.Fatalf("activity lacks the viewer joining: %v", act)
	}
}

// counterValue reads one labelled counter from the server's registry.
func counterValue(t *testing.T, s *apptest.Server, name, label string) float64 {
	t.Helper()
	mfs, err := s.App.Registry.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, mf := range mfs {
		if mf.GetName() != name {
			continue
		}
		for _, m := range mf.GetMetric() {
			for _, l := range m.GetLabel() {
				if l.GetValue() == label {
					return m.GetCounter().GetValue()
				}
			}
		}
	}
	return 0
}

// TestShutdownTellsSocketsToGoElsewhere: on shutdown every socket is closed
// with 1001 (going away), so clients reconnect elsewhere and resume, and
// the server stops accepting.
func TestShutdownTellsSocketsToGoElsewhere(t *testing.T) {
	s := apptest.StartEngine(t, store.SQLite)
	owner := s.Register(t, "owner")
	s.CreateOrg(t, owner, "acme")
	sock, _ := s.Dial(t, owner, "acme")
	sock.Send(map[string]string{"type": "ping"})
	sock.Expect("pong")
	done := make(chan struct{})
	go func() { s.Stop(); close(done) }()
	if code := sock.CloseCode(5 * time.Second); code != websocket.StatusGoingAway {
		t.Fatalf("shutdown closed the socket with %d, want 1001", code)
	}
	select {
	case <-done:
	case <-time.After(20 * time.Second):
		t.Fatal("shutdown did not finish")
	}
	if _, err := http.Get(s.URL + "/healthz"); err == nil {
		t.Fatal("the server still accepts connections after shutdown")
	}
}
