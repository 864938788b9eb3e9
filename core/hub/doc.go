// Package hub is the per-organization real-time hub: it holds the
// WebSocket connections of every organization's dashboards, speaks the
// protocol of DESIGN.md ("Real-time protocol"), and fans each journaled
// event out to the sockets of its own organization only.
//
// The registry is sharded by organization (FNV hash, one RWMutex per
// shard). Publish encodes an event once — the whole WebSocket frame, which
// is the same bytes for every receiver — and, under the shard's read lock,
// appends a reference to it to each matching client's queue. Nothing in
// Publish waits on a socket: a client whose queue passes its byte budget is
// cut off with close code 4008 and resumes from its last seq.
//
// Each client has at most one writer goroutine, started when its queue
// goes from empty to non-empty and ending when it is drained, so an idle
// socket costs one goroutine (its reader) and a few hundred bytes of
// state. The writer sends everything queued in one write, which is how
// the hub goes past the frames-per-syscall ceiling under load. Every byte
// a connection sends goes through its writer (pongs and close frames
// included), so frames never interleave.
//
// A new connection holds live events back until its first message or one
// second, whichever comes first. A client that sends resume first gets
// the history it missed and then the held events, in seq order, each
// exactly once.
//
// hub imports core/events for the event envelope and journal. A Hub is
// safe for concurrent use.
package hub
