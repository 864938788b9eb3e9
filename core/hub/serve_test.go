package hub

import (
	"context"
	"log/slog"
	"net"
	"testing"
	"time"

	"github.com/fasthttp/websocket"
	"golang.org/x/time/rate"
)

// A message whose handling panics (here a sync status source) ends that
// connection; the process and the hub carry on.
func TestHandlerPanicEndsOnlyTheConnection(t *testing.T) {
	h := New(Config{}, Deps{Journal: emptyJournal{}, Log: slog.New(slog.DiscardHandler),
		SyncStatus: func(context.Context, string) ([]SyncTask, error) { panic("sync status source broke") }})
	defer h.Shutdown(context.Background()) //nolint:errcheck // nothing to report here
	server, client := net.Pipe()
	defer client.Close()
	go func() { // drain what the connection answers
		buf := make([]byte, 4096)
		for {
			if _, err := client.Read(buf); err != nil {
				return
			}
		}
	}()
	c := newClient(h, server, Session{OrgID: "o", OrgSlug: "acme", UserID: "u"})
	p := &protocol{h: h, c: c, lim: rate.NewLimiter(rate.Inf, 1), first: true, hold: time.NewTimer(time.Hour)}
	if p.handleAside(websocket.TextMessage, []byte(`{"type":"ping"}`)) {
		t.Fatal("a ping ended the connection")
	}
	if !p.handleAside(websocket.TextMessage, []byte(`{"type":"get_sync_status"}`)) {
		t.Fatal("a panicking handler did not end the connection")
	}
	c.kill()
}
