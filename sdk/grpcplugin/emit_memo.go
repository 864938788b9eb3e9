package grpcplugin

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"sync"
	"time"

	"github.com/switchyard/switchyard/sdk/genproto/pluginv1"
)

// A plugin cannot tell an Emit call whose answer was lost with the
// connection from one the core never took, so it sends the batch again.
// emitMemo remembers the answers to recent batches by the ids of their
// events (the plugin gives each event a UUID once, and sends the same
// events again on a retry), so that such a batch is answered again rather
// than stored twice; a retry that arrives while the first call still runs
// waits for its answer. A call that failed as a whole stored nothing and is
// forgotten, so its retry runs. A batch with an event without an id is not
// remembered.
type emitMemo struct {
	mu      sync.Mutex
	entries map[string]*emitAnswer
	order   []string // keys, oldest first
	now     func() time.Time
}

type emitAnswer struct {
	done chan struct{}
	resp *pluginv1.EmitResponse
	err  error
	at   time.Time
}

const (
	emitMemoSize = 4096             // answers kept
	emitMemoTTL  = 10 * time.Minute // how long an answer is kept
)

// emitKey names a batch by its events' ids, or "" when one has none.
func emitKey(req *pluginv1.EmitRequest) string {
	h := sha256.New()
	for _, e := range req.GetEvents() {
		id := e.GetId()
		if id == "" {
			return ""
		}
		h.Write([]byte(id))
		h.Write([]byte{0})
	}
	return hex.EncodeToString(h.Sum(nil))
}

// do answers the batch named key with run's answer, running it at most
// once while its answer is remembered.
func (m *emitMemo) do(ctx context.Context, key string, run func() (*pluginv1.EmitResponse, error)) (*pluginv1.EmitResponse, error) {
	for {
		m.mu.Lock()
		if m.entries == nil {
			m.entries = map[string]*emitAnswer{}
		}
		now := time.Now()
		if m.now != nil {
			now = m.now()
		}
		if a, ok := m.entries[key]; ok && now.Sub(a.at) < emitMemoTTL {
			m.mu.Unlock()
			select {
			case <-a.done:
			case <-ctx.Done():
				return nil, ctx.Err()
			}
			if a.err == nil {
				return a.resp, nil
			}
			continue // it stored nothing and was forgotten: run this one
		}
		a := &emitAnswer{done: make(chan struct{}), at: now}
		m.entries[key] = a
		m.order = append(m.order, key)
		m.evictLocked()
		m.mu.Unlock()

		a.resp, a.err = run()
		if a.err != nil {
			m.mu.Lock()
			if m.entries[key] == a {
				delete(m.entries, key)
			}
			m.mu.Unlock()
		}
		close(a.done)
		return a.resp, a.err
	}
}

// evictLocked forgets the oldest answers past emitMemoSize.
func (m *emitMemo) evictLocked() {
	for len(m.entries) > emitMemoSize && len(m.order) > 0 {
		delete(m.entries, m.order[0])
		m.order = m.order[1:]
	}
	if len(m.order) > 2*emitMemoSize { // keys of forgotten answers pile up
		kept := m.order[:0]
		for _, k := range m.order {
			if _, ok := m.entries[k]; ok {
				kept = append(kept, k)
			}
		}
		m.order = append([]string(nil), kept...)
	}
}
