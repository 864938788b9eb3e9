package hub

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
	"time"

	"github.com/fasthttp/websocket"
	"golang.org/x/time/rate"

	"github.com/switchyard/switchyard/core/events"
)

// Session is who a connection belongs to, established before the upgrade.
type Session struct {
	OrgID     string
	OrgSlug   string
	UserID    string
	SessionID string
	// SocketQuota is the organization's concurrent socket limit (0: none).
	SocketQuota int
}

// maxReplay bounds the events one resume replays; past it the client is
// told to reload over REST.
const maxReplay = 10_000

// Refuse closes a freshly upgraded connection that may not stay (bad
// ticket, origin, membership, suspension) with a policy close code and a
// reason, without registering it.
func Refuse(ws *websocket.Conn, code int, reason string) {
	conn := underlying(ws.UnderlyingConn())
	_ = conn.SetWriteDeadline(time.Now().Add(time.Second))
	_, _ = conn.Write(closeFrame(code, reason))
	_ = conn.Close()
}

// Serve runs a connection until it ends: it registers the client, sends
// connection_status, and reads and answers the client's messages. It is
// called on the upgraded connection's own goroutine.
func (h *Hub) Serve(ws *websocket.Conn, s Session) {
	if h.closing.Load() {
		Refuse(ws, CloseGoingAway, "server shutting down")
		return
	}
	c := newClient(h, ws.UnderlyingConn(), s)
	if !h.add(c, s.SocketQuota) {
		h.d.Metrics.dropped.WithLabelValues("socket_quota").Inc()
		Refuse(ws, CloseTryLater, "the organization is at its concurrent socket quota")
		return
	}
	defer func() {
		h.remove(c)
		c.kill()
	}()

	deadline := func() { _ = ws.SetReadDeadline(time.Now().Add(h.cfg.ReadTimeout)) }
	ws.SetReadLimit(int64(h.cfg.MaxFrame))
	ws.SetPingHandler(func(data string) error {
		deadline()
		c.enqueue(appendFrame(nil, opPong, []byte(data)))
		return nil
	})
	ws.SetPongHandler(func(string) error { deadline(); return nil })
	ws.SetCloseHandler(func(code int, _ string) error {
		c.closeWith(CloseNormal, "")
		return nil
	})

	// The head is read after the client joined: every event published from
	// now on is either counted in it or delivered live (held, then released
	// past it), never both and never neither.
	head, ok := h.head(s.OrgID)
	if !ok {
		c.closeWith(CloseTryLater, "history unavailable; try again")
		return
	}
	c.enqueue(encodeMessage("connection_status", map[string]any{
		"status": "connected", "user_id": s.UserID, "org": s.OrgSlug, "seq": head.Seq, "epoch": head.Epoch,
	}))
	hold := time.AfterFunc(h.cfg.HoldLive, func() { c.release(head.Seq, nil, nil) })
	defer hold.Stop()

	p := &protocol{h: h, c: c, lim: rate.NewLimiter(rate.Limit(h.cfg.InboundRate), int(2*h.cfg.InboundRate)+1), first: true, hold: hold, status: head.Seq}
	for {
		deadline()
		mt, msg, err := ws.ReadMessage()
		if err != nil {
			if errors.Is(err, websocket.ErrReadLimit) {
				// The websocket library has sent close 1009. Read and drop
				// the rest of the oversized frame for a moment, so that
				// closing does not reset the connection before the peer
				// has read why.
				h.d.Metrics.dropped.WithLabelValues("frame_too_big").Inc()
				raw := underlying(ws.UnderlyingConn())
				_ = raw.SetReadDeadline(time.Now().Add(time.Second))
				_, _ = io.Copy(io.Discard, io.LimitReader(raw, int64(16*h.cfg.MaxFrame)))
			}
			return
		}
		h.d.Metrics.in.Inc()
		if p.handleAside(mt, msg) {
			return
		}
	}
}

// handleAside answers a message on a goroutine of its own and waits for
// it. A goroutine keeps the stack its deepest call needed, and decoding
// and answering a message (JSON both ways, a policy check) takes more
// than the 4 KiB on which a connection waits for its next frame: done on
// the reader, every connection that ever sent a message would idle on an
// 8 KiB stack (19.8 against 16 KiB of server memory per idle socket,
// measured with loadgen fanout -idle). A panic ends the connection, not
// the server.
func (p *protocol) handleAside(mt int, msg []byte) (end bool) {
	done := make(chan struct{})
	go func() {
		defer close(done)
		defer func() {
			if r := recover(); r != nil {
				p.h.d.Log.Error("hub: message handler panicked", "panic", r)
				end = true
			}
		}()
		end = p.handle(mt, msg)
	}()
	<-done
	return end
}

// protocol is the per-connection state of the message exchange; only the
// connection's reader goroutine touches it.
type protocol struct {
	h       *Hub
	c       *Client
	lim     *rate.Limiter
	strikes int
	first   bool
	hold    *time.Timer
	status  uint64 // the seq connection_status announced
	live    bool   // live events have flowed since connect
}

type inbound struct {
	Type   string   `json:"type"`
	Events []string `json:"events"`
	Since  *uint64  `json:"since"`
	Epoch  string   `json:"epoch"`
}

// handle answers one client message; it reports true when the connection
// must end.
func (p *protocol) handle(mt int, raw []byte) bool {
	var m inbound
	bad := ""
	switch {
	case !p.lim.Allow():
		p.c.enqueue(errorFrame("rate_limited", "too many messages; slow down"))
		bad = "rate"
	case mt != websocket.TextMessage:
		bad = "binary"
		p.c.enqueue(errorFrame("bad_frame", "send JSON text frames"))
	case json.Unmarshal(raw, &m) != nil || m.Type == "":
		bad = "json"
		p.c.enqueue(errorFrame("bad_json", `send a JSON object with a "type"`))
	}
	if p.first {
		p.first = false
		p.hold.Stop()
		if bad != "" || m.Type != "resume" {
			p.c.release(p.status, nil, nil)
			p.live = true
		}
	}
	if bad == "" {
		switch m.Type {
		case "ping":
			p.c.enqueue(encodeMessage("pong", nil))
		case "subscribe":
			bad = p.subscribe(m.Events)
		case "unsubscribe":
			bad = p.unsubscribe(m.Events)
		case "resume":
			bad = p.resume(m)
		case "get_sync_status":
			p.syncStatus()
		default:
			bad = "type"
			p.c.enqueue(errorFrame("unknown_type", fmt.Sprintf("unknown message type %q", clip(m.Type, 40))))
		}
	}
	if bad == "" {
		return false
	}
	p.h.d.Metrics.dropped.WithLabelValues("bad_message").Inc()
	p.strikes++
	if p.strikes >= p.h.cfg.MaxStrikes {
		p.h.d.Metrics.dropped.WithLabelValues("abuse").Inc()
		p.c.closeWith(ClosePolicy, "too many invalid messages")
	}
	return false
}

func (p *protocol) checkPatterns(ps []string) string {
	if len(ps) == 0 {
		p.c.enqueue(errorFrame("bad_request", `"events" must list at least one pattern`))
		return "empty"
	}
	for _, pat := range ps {
		if !events.ValidPattern(pat) {
			p.c.enqueue(errorFrame("bad_pattern", fmt.Sprintf("%q is not a pattern such as sync.* or notification", clip(pat, 64))))
			return "pattern"
		}
	}
	return ""
}

func (p *protocol) subscribe(ps []string) string {
	if bad := p.checkPatterns(ps); bad != "" {
		return bad
	}
	if p.h.d.CanRead != nil && !p.h.d.CanRead(p.c.userID, p.c.orgSlug) {
		p.h.d.Metrics.dropped.WithLabelValues("forbidden").Inc()
		p.c.enqueue(errorFrame("forbidden", "you may no longer read this organization's events"))
		p.c.closeWith(ClosePolicy, "forbidden")
		return ""
	}
	var cur []string
	if old := p.c.patterns.Load(); old != nil {
		cur = slices.Clone(*old)
	}
	for _, pat := range ps {
		if !slices.Contains(cur, pat) {
			cur = append(cur, pat)
		}
	}
	if len(cur) > p.h.cfg.MaxPatterns {
		p.c.enqueue(errorFrame("too_many_patterns", fmt.Sprintf("at most %d subscription patterns", p.h.cfg.MaxPatterns)))
		return "patterns"
	}
	p.c.patterns.Store(&cur)
	p.c.enqueue(encodeMessage("subscribed", map[string]any{"events": cur}))
	return ""
}

func (p *protocol) unsubscribe(ps []string) string {
	if bad := p.checkPatterns(ps); bad != "" {
		return bad
	}
	var cur []string
	if old := p.c.patterns.Load(); old != nil {
		cur = slices.DeleteFunc(slices.Clone(*old), func(s string) bool { return slices.Contains(ps, s) })
	}
	p.c.patterns.Store(&cur)
	p.c.enqueue(encodeMessage("unsubscribed", map[string]any{"events": ps}))
	return ""
}

// resume replays the history after m.Since, then the live events held
// meanwhile, then "resumed"; or answers resume_failed when the history is
// not continuous from there (other epoch, pruned, beyond the head).
func (p *protocol) resume(m inbound) string {
	if m.Since == nil {
		p.c.enqueue(errorFrame("bad_request", `resume needs "since" (the last seq you received) and "epoch"`))
		return "resume"
	}
	failed := func(reason string, head events.Head) {
		p.c.release(p.status, [][]byte{encodeMessage("resume_failed", map[string]any{
			"reason": reason, "seq": head.Seq, "epoch": head.Epoch,
		})}, nil)
		p.live = true
	}
	if p.live {
		// Live events already went out; replaying older ones now would
		// break the order the client relies on.
		failed("resume must be the first message after connecting", events.Head{})
		return ""
	}
	p.c.hold()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	var frames [][]byte
	last := *m.Since
	for {
		evs, head, err := p.h.d.Journal.Since(ctx, p.c.orgID, last, 1000)
		switch {
		case errors.Is(err, events.ErrHistoryGap):
			failed("history is no longer continuous from that seq", head)
			return ""
		case err != nil:
			p.h.d.Log.Error("hub: resume", "error", err)
			failed("history unavailable", head)
			return ""
		case m.Epoch != head.Epoch:
			failed("epoch changed: reload state", head)
			return ""
		}
		for _, e := range evs {
			if p.c.wants(e) {
				frames = append(frames, encodeEvent(e))
			}
			last = e.Seq
		}
		if len(frames) > maxReplay {
			failed("too much history to replay: reload state", head)
			return ""
		}
		if len(evs) < 1000 {
			break
		}
	}
	p.c.release(last, frames, encodeMessage("resumed", map[string]any{"seq": last, "replayed": len(frames)}))
	p.live = true
	return ""
}

func (p *protocol) syncStatus() {
	tasks := []SyncTask{}
	if p.h.d.SyncStatus != nil {
		ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
		got, err := p.h.d.SyncStatus(ctx, p.c.orgID)
		cancel()
		if err != nil {
			p.c.enqueue(errorFrame("unavailable", "sync status is unavailable right now"))
			return
		}
		if got != nil {
			tasks = got
		}
	}
	p.c.enqueue(encodeMessage("sync_status", map[string]any{"tasks": tasks}))
}

func clip(s string, n int) string {
	if len(s) > n {
		return s[:n] + "…"
	}
	return s
}
