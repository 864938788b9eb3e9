package hub

import (
	"net"
	"sync"
	"sync/atomic"
	"time"

	"github.com/switchyard/switchyard/core/events"
)

// Client is one WebSocket connection: one user in one organization.
type Client struct {
	hub       *Hub
	conn      net.Conn
	orgID     string
	orgSlug   string
	userID    string
	sessionID string

	patterns atomic.Pointer[[]string] // nil or empty: every event
	lastSent atomic.Int64             // unix nanos of the last write, for the heartbeat

	mu      sync.Mutex
	queue   [][]byte // frames not yet written; shared, never modified
	queued  int      // bytes in queue
	writing bool     // a writer goroutine is draining queue
	closing bool     // a close frame is queued; nothing more is accepted
	dead    bool     // the socket is closed
	held    bool     // live events are held (new connection, or a resume in progress)
	pending []heldEvent
	heldLen int
}

type heldEvent struct {
	seq   uint64
	frame []byte
}

func newClient(h *Hub, conn net.Conn, s Session) *Client {
	c := &Client{hub: h, conn: conn, orgID: s.OrgID, orgSlug: s.OrgSlug, userID: s.UserID, sessionID: s.SessionID, held: true}
	c.lastSent.Store(time.Now().UnixNano())
	return c
}

// wants reports whether the client should receive e.
func (c *Client) wants(e events.Event) bool {
	var ps []string
	if p := c.patterns.Load(); p != nil {
		ps = *p
	}
	return events.Visible(e, c.userID, ps)
}

// deliver queues an event frame for the client, or holds it while the
// client's live delivery is held. It never blocks.
func (c *Client) deliver(e events.Event, frame []byte) bool {
	if !c.wants(e) {
		return false
	}
	c.mu.Lock()
	if c.held && !c.closing && !c.dead {
		c.pending = append(c.pending, heldEvent{seq: e.Seq, frame: frame})
		c.heldLen += len(frame)
		over := c.heldLen > c.hub.cfg.SendQueue
		c.mu.Unlock()
		if over {
			c.slow()
		}
		return true
	}
	ok := c.enqueueLocked(frame)
	c.mu.Unlock()
	if !ok {
		c.slow()
	}
	return ok
}

// enqueue queues a frame (a protocol answer, a ping).
func (c *Client) enqueue(frame []byte) {
	c.mu.Lock()
	ok := c.enqueueLocked(frame)
	c.mu.Unlock()
	if !ok {
		c.slow()
	}
}

// enqueueLocked appends frame and makes sure a writer runs. It reports
// false when the byte budget is exceeded (the caller then cuts the client).
func (c *Client) enqueueLocked(frame []byte) bool {
	if c.closing || c.dead {
		return true
	}
	if c.queued+len(frame) > c.hub.cfg.SendQueue {
		return false
	}
	c.queue = append(c.queue, frame)
	c.queued += len(frame)
	if !c.writing {
		c.writing = true
		go c.write()
	}
	return true
}

// slow cuts a client that cannot keep up: what is queued is dropped and a
// 4008 close tells it to resume from the last seq it received.
func (c *Client) slow() {
	c.hub.d.Metrics.dropped.WithLabelValues("slow_consumer").Inc()
	c.closeWith(CloseTooSlow, "too slow; resume from your last seq")
}

// release ends the hold on live events: held frames newer than after are
// queued in order (older ones were just sent as history), then the client
// receives live events directly.
func (c *Client) release(after uint64, prefix [][]byte, suffix []byte) {
	c.mu.Lock()
	ok := true
	for _, f := range prefix {
		ok = ok && c.enqueueLocked(f)
	}
	for _, p := range c.pending {
		if p.seq > after {
			ok = ok && c.enqueueLocked(p.frame)
		}
	}
	if suffix != nil {
		ok = ok && c.enqueueLocked(suffix)
	}
	c.pending, c.heldLen, c.held = nil, 0, false
	c.mu.Unlock()
	if !ok {
		c.slow()
	}
}

// hold starts holding live events (a resume is about to replay history).
func (c *Client) hold() {
	c.mu.Lock()
	c.held = true
	c.mu.Unlock()
}

// closeWith queues a close frame, replacing anything unsent when the
// client is being cut off (4008) and keeping it otherwise, then closes the
// socket once the writer has sent it.
func (c *Client) closeWith(code int, reason string) {
	c.mu.Lock()
	if c.closing || c.dead {
		c.mu.Unlock()
		return
	}
	if code == CloseTooSlow {
		c.queue, c.queued = nil, 0
	}
	c.pending, c.heldLen, c.held = nil, 0, false
	f := closeFrame(code, reason)
	c.queue = append(c.queue, f)
	c.queued += len(f)
	c.closing = true
	if !c.writing {
		c.writing = true
		go c.write()
	}
	c.mu.Unlock()
	// Writes carry no deadline (setting one per write costs a syscall's
	// worth of time); a peer that does not take the close frame within the
	// write timeout is cut off.
	time.AfterFunc(c.hub.cfg.WriteTimeout, c.kill)
}

// kill closes the socket at once.
func (c *Client) kill() {
	c.mu.Lock()
	already := c.dead
	c.dead = true
	c.queue, c.pending = nil, nil
	c.mu.Unlock()
	if !already {
		_ = c.conn.Close()
	}
}

var writeBufs = sync.Pool{New: func() any { b := make([]byte, 0, 16<<10); return &b }}

// write drains the queue, sending everything queued in one write, until
// the queue is empty; then the goroutine ends. After a close frame it
// closes the socket.
func (c *Client) write() {
	bp := writeBufs.Get().(*[]byte)
	defer func() {
		if cap(*bp) <= 256<<10 {
			writeBufs.Put(bp)
		}
	}()
	for {
		c.mu.Lock()
		if c.dead || len(c.queue) == 0 {
			c.writing = false
			closed := c.closing && !c.dead
			c.mu.Unlock()
			if closed {
				// The close frame is out. The reader, which owns the
				// socket's end, stops within a second: when the peer
				// answers the close, or at this deadline.
				_ = c.conn.SetReadDeadline(time.Now().Add(time.Second))
			}
			return
		}
		frames := c.queue
		c.queue, c.queued = nil, 0
		c.mu.Unlock()

		buf := (*bp)[:0]
		for _, f := range frames {
			buf = append(buf, f...)
		}
		*bp = buf
		if _, err := c.conn.Write(buf); err != nil {
			c.hub.d.Metrics.dropped.WithLabelValues("write_error").Inc()
			c.kill()
			c.mu.Lock()
			c.writing = false
			c.mu.Unlock()
			return
		}
		c.lastSent.Store(time.Now().UnixNano())
	}
}
