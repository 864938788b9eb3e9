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

// recycledConn stands for the web framework's wrapper of an upgraded
// connection, which it recycles (its socket gone) once the connection's
// handler returned.
type recycledConn struct {
	net.Conn
	sock     net.Conn
	recycled chan struct{}
}

func (r *recycledConn) UnsafeConn() net.Conn { return r.sock }

func (r *recycledConn) use() net.Conn {
	select {
	case <-r.recycled:
		panic("the recycled wrapper of a connection was used")
	default:
		return r.Conn
	}
}

func (r *recycledConn) Write(b []byte) (int, error)       { return r.use().Write(b) }
func (r *recycledConn) SetReadDeadline(t time.Time) error { return r.use().SetReadDeadline(t) }

// A close frame still being written when the connection's handler has
// returned (and the web framework recycled its wrapper) goes out on the
// socket itself: before, the writer used the wrapper and the process
// crashed on a nil connection.
func TestCloseAfterTheHandlerReturned(t *testing.T) {
	h := New(Config{}, Deps{Journal: emptyJournal{}, Log: slog.New(slog.DiscardHandler)})
	defer h.Shutdown(context.Background()) //nolint:errcheck // nothing to report here
	server, client := net.Pipe()
	defer client.Close()
	wrapper := &recycledConn{Conn: server, sock: server, recycled: make(chan struct{})}
	c := newClient(h, wrapper, Session{OrgID: "o", OrgSlug: "acme", UserID: "u"})
	close(wrapper.recycled) // the handler returned
	c.closeWith(CloseGoingAway, "bye")
	_ = client.SetReadDeadline(time.Now().Add(5 * time.Second))
	buf := make([]byte, 64)
	n, err := client.Read(buf)
	if err != nil || n < 2 || buf[0] != 0x88 {
		t.Fatalf("close frame: %x, %v", buf[:n], err)
	}
	c.kill()
}
