package hub

import (
	"net"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/switchyard/switchyard/core/events"
)

// Client is one WebSocket connection: one user in one organization.
type Client struct {
	hub *Hub
	// sock is the socket under the upgraded connection: the writers and the
	// end of the connection use it, never the web framework's wrapper, which
	// is recycled once the connection's handler returns, while a close
	// frame or a slow client's writer may still be at work.
	sock      net.Conn
	raw       syscall.RawConn // the socket's descriptor, for writes that never block; nil when unavailable
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
	c := &Client{hub: h, sock: underlying(conn), orgID: s.OrgID, orgSlug: s.OrgSlug, userID: s.UserID, sessionID: s.SessionID, held: true}
	if tc, ok := c.sock.(*net.TCPConn); ok {
		_ = tc.SetWriteBuffer(h.cfg.SocketBuffer) // best effort: the queue bound holds either way
	}
	c.raw = rawConn(c.sock)
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
		c.schedule()
	}
	return true
}

// schedule hands the client to a flusher, or to a goroutine of its own
// when the socket offers no raw access or every flusher is busy. Called
// with c.mu held; it never blocks.
func (c *Client) schedule() {
	if c.raw != nil && !c.hub.flushersEnded() {
		select {
		case c.hub.flush <- c:
			return
		default:
		}
	}
	go c.write(nil)
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
		c.schedule()
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
		_ = c.sock.Close()
	}
}

var writeBufs = sync.Pool{New: func() any { b := make([]byte, 0, 16<<10); return &b }}

// takeQueue takes everything queued. When nothing is, it ends the writing
// turn (and, after a close frame, starts the end of the connection) and
// reports false.
func (c *Client) takeQueue() ([][]byte, bool) {
	c.mu.Lock()
	if c.dead || len(c.queue) == 0 {
		c.writing = false
		closed := c.closing && !c.dead
		c.mu.Unlock()
		if closed {
			// The close frame is out. The reader, which owns the socket's
			// end, stops within a second: when the peer answers the close,
			// or at this deadline.
			_ = c.sock.SetReadDeadline(time.Now().Add(time.Second))
		}
		return nil, false
	}
	frames := c.queue
	c.queue, c.queued = nil, 0
	c.mu.Unlock()
	return frames, true
}

func appendFrames(buf []byte, frames [][]byte) []byte {
	for _, f := range frames {
		buf = append(buf, f...)
	}
	return buf
}

func (c *Client) writeFailed() {
	c.hub.d.Metrics.dropped.WithLabelValues("write_error").Inc()
	c.kill()
	c.mu.Lock()
	c.writing = false
	c.mu.Unlock()
}

// flush is a flusher's turn at a client: it writes what is queued without
// blocking, for a few rounds. A socket that cannot take everything at once,
// or a client with more to send after those rounds, gets a goroutine of its
// own (write), so a flusher never waits on one socket.
func (c *Client) flush(bp *[]byte) {
	for range 4 {
		frames, ok := c.takeQueue()
		if !ok {
			return
		}
		buf := appendFrames((*bp)[:0], frames)
		*bp = buf
		n, err := c.writeNow(buf)
		if err != nil {
			c.writeFailed()
			return
		}
		c.lastSent.Store(time.Now().UnixNano())
		if n < len(buf) {
			rest := append([]byte(nil), buf[n:]...)
			go c.write(rest)
			return
		}
	}
	go c.write(nil)
}

// writeNow writes as much of buf as the socket takes at once, without
// waiting for it to drain.
func (c *Client) writeNow(buf []byte) (int, error) {
	written := 0
	var werr error
	err := c.raw.Write(func(fd uintptr) bool {
		for written < len(buf) {
			n, err := syscall.Write(int(fd), buf[written:])
			if n > 0 {
				written += n
			}
			switch {
			case err == syscall.EINTR:
				continue
			case err == syscall.EAGAIN:
				return true
			case err != nil:
				werr = err
				return true
			}
		}
		return true
	})
	if err == nil {
		err = werr
	}
	return written, err
}

// write is a client's own writer: it sends rest first, then drains the
// queue, sending everything queued in one blocking write, until the queue
// is empty; then the goroutine ends.
func (c *Client) write(rest []byte) {
	if len(rest) > 0 {
		if _, err := c.sock.Write(rest); err != nil {
			c.writeFailed()
			return
		}
		c.lastSent.Store(time.Now().UnixNano())
	}
	bp := writeBufs.Get().(*[]byte)
	defer func() {
		if cap(*bp) <= 256<<10 {
			writeBufs.Put(bp)
		}
	}()
	for {
		frames, ok := c.takeQueue()
		if !ok {
			return
		}
		buf := appendFrames((*bp)[:0], frames)
		*bp = buf
		if _, err := c.sock.Write(buf); err != nil {
			c.writeFailed()
			return
		}
		c.lastSent.Store(time.Now().UnixNano())
	}
}

// underlying finds the socket under an upgraded connection: closing the
// web framework's wrapper does not close it while the handler runs.
func underlying(conn net.Conn) net.Conn {
	if u, ok := conn.(interface{ UnsafeConn() net.Conn }); ok && u.UnsafeConn() != nil {
		return u.UnsafeConn()
	}
	return conn
}

// rawConn returns the descriptor of a TCP connection.
func rawConn(conn net.Conn) syscall.RawConn {
	sc, ok := conn.(syscall.Conn)
	if !ok {
		return nil
	}
	rc, err := sc.SyscallConn()
	if err != nil {
		return nil
	}
	return rc
}
