package events

import (
	"context"
	"sync"
)

// MemoryBus is the Bus of a single replica: Publish calls the subscribers
// directly.
type MemoryBus struct {
	mu   sync.RWMutex
	next int
	subs map[string]map[int]func([]byte)
}

// NewMemoryBus returns an empty bus.
func NewMemoryBus() *MemoryBus { return &MemoryBus{subs: map[string]map[int]func([]byte){}} }

// Publish implements Bus.
func (b *MemoryBus) Publish(_ context.Context, topic string, payload []byte) error {
	b.mu.RLock()
	fns := make([]func([]byte), 0, len(b.subs[topic]))
	for _, fn := range b.subs[topic] {
		fns = append(fns, fn)
	}
	b.mu.RUnlock()
	for _, fn := range fns {
		fn(payload)
	}
	return nil
}

// Subscribe implements Bus.
func (b *MemoryBus) Subscribe(topic string, fn func([]byte)) (func(), error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.subs[topic] == nil {
		b.subs[topic] = map[int]func([]byte){}
	}
	id := b.next
	b.next++
	b.subs[topic][id] = fn
	return func() {
		b.mu.Lock()
		defer b.mu.Unlock()
		delete(b.subs[topic], id)
	}, nil
}

// Close implements Bus.
func (b *MemoryBus) Close() error { return nil }
