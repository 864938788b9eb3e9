package hub

import (
	"context"
	"log/slog"
	"net"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/fasthttp/websocket"
	"golang.org/x/time/rate"

	"github.com/switchyard/switchyard/core/events"
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

// slowHeadJournal counts head queries and holds each until released.
type slowHeadJournal struct {
	emptyJournal
	calls   atomic.Int32
	release chan struct{}
}

func (j *slowHeadJournal) Head(ctx context.Context, _ string) (events.Head, error) {
	j.calls.Add(1)
	select {
	case <-j.release:
		return events.Head{Seq: 7, Epoch: "e"}, nil
	case <-ctx.Done():
		return events.Head{}, ctx.Err()
	}
}

// Every socket of an organization reconnecting at once (after a restart)
// costs the database one query, not one per socket; a caller that goes
// away meanwhile fails none of the others.
func TestPrepareSharesOneHeadQuery(t *testing.T) {
	j := &slowHeadJournal{release: make(chan struct{})}
	h := New(Config{}, Deps{Journal: j, Log: slog.New(slog.DiscardHandler)})
	defer h.Shutdown(context.Background()) //nolint:errcheck // nothing to report here

	// The first caller, whose query the others will share, goes away.
	gone, leave := context.WithCancel(context.Background())
	first := make(chan error, 1)
	go func() { first <- h.Prepare(gone, "org-1") }()
	for j.calls.Load() == 0 {
		time.Sleep(time.Millisecond)
	}
	var wg sync.WaitGroup
	errs := make(chan error, 49)
	for range 49 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := h.Prepare(context.Background(), "org-1"); err != nil {
				errs <- err
			}
		}()
	}
	time.Sleep(100 * time.Millisecond)
	leave()
	time.Sleep(20 * time.Millisecond)
	close(j.release)
	wg.Wait()
	<-first
	close(errs)
	for err := range errs {
		t.Fatalf("prepare: %v", err)
	}
	if n := j.calls.Load(); n != 1 {
		t.Fatalf("%d head queries for one organization, want 1", n)
	}
	if hd, ok := h.head("org-1"); !ok || hd.Seq != 7 {
		t.Fatalf("head %+v known %v, want seq 7", hd, ok)
	}
}
