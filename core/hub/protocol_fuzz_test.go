package hub

import (
	"context"
	"io"
	"log/slog"
	"net"
	"testing"
	"time"

	"github.com/fasthttp/websocket"
	"golang.org/x/time/rate"

	"github.com/switchyard/switchyard/core/events"
)

// emptyJournal answers an empty history for every organization.
type emptyJournal struct{}

func (emptyJournal) Append(context.Context, string, []events.Draft) ([]events.Event, error) {
	return nil, nil
}
func (emptyJournal) Since(context.Context, string, uint64, int) ([]events.Event, events.Head, error) {
	return nil, events.Head{Seq: 0, Epoch: "e"}, nil
}
func (emptyJournal) Head(context.Context, string) (events.Head, error) {
	return events.Head{Epoch: "e"}, nil
}
func (emptyJournal) Tail(func(events.Event))                                {}
func (emptyJournal) Prune(context.Context, int, time.Duration) (int, error) { return 0, nil }
func (emptyJournal) DropOrg(context.Context, string) error                  { return nil }
func (emptyJournal) Close() error                                           { return nil }

// FuzzInbound feeds arbitrary client messages to the protocol: it never
// panics, and everything it sends back is a well-formed frame.
func FuzzInbound(f *testing.F) {
	for _, s := range []string{
		`{"type":"ping"}`, `{"type":"subscribe","events":["sync.*","notification"]}`,
		`{"type":"unsubscribe","events":["*"]}`, `{"type":"resume","since":3,"epoch":"e"}`,
		`{"type":"resume","since":-1}`, `{"type":"get_sync_status"}`, `{"type":"subscribe","events":[""]}`,
		`{"type":"subscribe","events":null}`, `{`, `[]`, `null`, `{"type":7}`, "\xff\xfe",
	} {
		f.Add(s, true)
	}
	f.Add(`{"type":"ping"}`, false)
	f.Fuzz(func(t *testing.T, msg string, text bool) {
		h := New(Config{}, Deps{Journal: emptyJournal{}, Log: slog.New(slog.DiscardHandler),
			CanRead: func(string, string) bool { return true }})
		defer h.Shutdown(context.Background()) //nolint:errcheck // nothing to report in a fuzz run
		server, client := net.Pipe()
		defer client.Close()
		c := newClient(h, server, Session{OrgID: "o", OrgSlug: "acme", UserID: "u"})
		received := make(chan []byte, 1)
		go func() {
			b, _ := io.ReadAll(client)
			received <- b
		}()
		p := &protocol{h: h, c: c, lim: rate.NewLimiter(rate.Inf, 1), first: true, hold: time.NewTimer(time.Hour)}
		mt := websocket.TextMessage
		if !text {
			mt = websocket.BinaryMessage
		}
		p.handle(mt, []byte(msg))
		c.closeWith(CloseNormal, "")
		time.Sleep(time.Millisecond) // let the writer send
		c.kill()
		out := <-received
		// Every byte written is part of a complete server frame.
		for len(out) > 0 {
			if len(out) < 2 || out[0]&0x80 == 0 || out[1]&0x80 != 0 {
				t.Fatalf("malformed frame header % x", out[:min(len(out), 8)])
			}
			n, hdr := int(out[1]&0x7f), 2
			switch n {
			case 126:
				n, hdr = int(out[2])<<8|int(out[3]), 4
			case 127:
				t.Fatalf("unexpectedly large frame")
			}
			if len(out) < hdr+n {
				// The socket was closed mid-frame by kill(): acceptable only
				// for the last frame.
				return
			}
			out = out[hdr+n:]
		}
	})
}
