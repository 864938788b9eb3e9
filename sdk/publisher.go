package sdk

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"time"

	"github.com/switchyard/switchyard/sdk/grpcplugin"
)

// PublisherOptions configures a Publisher. Zero values pick the defaults.
type PublisherOptions struct {
	// MaxBatch is the most events sent in one call; default and maximum 1000.
	MaxBatch int
	// MaxBatchBytes bounds the payload bytes of one call; default 4 MiB.
	MaxBatchBytes int
	// Linger is how long a partial batch waits for more events; default 5ms.
	Linger time.Duration
	// Buffer is the most events queued; Publish blocks while it is full.
	// Default 10000.
	Buffer int
	// Retries is how often a batch that failed with ErrUnavailable is sent
	// again, and the events of a batch the core answered unavailable one
	// by one (it stored the others); default 3. The core stores nothing of
	// a batch it fails as a whole, and answers a batch sent again after its
	// answer was lost with that answer (it knows the batch by its events'
	// ids, which a retry keeps), so a retry stores no event twice.
	Retries int
	// OnRejected, if set, is called from the Publisher's goroutine for each
	// event the core refused.
	OnRejected func(t Tenant, eventType string, r Rejection)
	// OnError, if set, is called from the Publisher's goroutine when a batch
	// could not be delivered; its events are dropped.
	OnError func(err error, dropped int)
}

// PublisherStats counts a Publisher's events.
type PublisherStats struct {
	Published uint64 // queued by Publish
	Accepted  uint64 // taken by the core
	Rejected  uint64 // refused by the core, one by one
	Dropped   uint64 // lost with a batch that could not be delivered
}

// Publisher batches events for high-rate emitters: Publish queues an event
// and returns, one goroutine sends the queue in batches, in Publish order.
// Flush waits until everything published so far was delivered. A Publisher
// is safe for concurrent use; Close it when done.
type Publisher struct {
	host *Host
	opts PublisherOptions
	done chan struct{}

	mu       sync.Mutex
	queue    []grpcplugin.Event
	head     int
	enqueued uint64 // events ever queued
	settled  uint64 // events ever accepted, rejected or dropped
	flush    bool
	closed   bool
	changed  chan struct{} // closed and replaced whenever settled grows
	wake     chan struct{}

	published, accepted, rejected, dropped atomic.Uint64
}

// NewPublisher starts a Publisher. It runs until Close, or until ctx ends,
// in which case queued events are dropped.
func (h *Host) NewPublisher(ctx context.Context, opts PublisherOptions) *Publisher {
	if opts.MaxBatch <= 0 || opts.MaxBatch > grpcplugin.MaxBatchEvents {
		opts.MaxBatch = grpcplugin.MaxBatchEvents
	}
	if opts.MaxBatchBytes <= 0 {
		opts.MaxBatchBytes = 4 << 20
	}
	if opts.Linger <= 0 {
		opts.Linger = 5 * time.Millisecond
	}
	if opts.Buffer <= 0 {
		opts.Buffer = 10000
	}
	if opts.Retries <= 0 {
		opts.Retries = 3
	}
	p := &Publisher{
		host:    h,
		opts:    opts,
		done:    make(chan struct{}),
		changed: make(chan struct{}),
		wake:    make(chan struct{}, 1),
	}
	go p.run(ctx)
	return p
}

var errPublisherClosed = Errorf(ErrUnavailable, "publisher closed")

// Publish queues e for tenant t. It fails at once when e is invalid (type
// not declared, data not encodable) and blocks while the queue is full,
// until ctx ends.
func (p *Publisher) Publish(ctx context.Context, t Tenant, e Event) error {
	we, err := p.host.toWire(t, e)
	if err != nil {
		return err
	}
	p.mu.Lock()
	for !p.closed && len(p.queue)-p.head >= p.opts.Buffer {
		ch := p.changed
		p.mu.Unlock()
		select {
		case <-ch:
		case <-ctx.Done():
			return context.Cause(ctx)
		case <-p.done:
		}
		p.mu.Lock()
	}
	if p.closed {
		p.mu.Unlock()
		return errPublisherClosed
	}
	p.queue = append(p.queue, we)
	p.enqueued++
	n := len(p.queue) - p.head
	p.mu.Unlock()
	p.published.Add(1)
	// The first event of a batch wakes the sender to start its Linger
	// timer; a full batch wakes it to send at once.
	if n == 1 || n >= p.opts.MaxBatch {
		p.signal()
	}
	return nil
}

// Flush sends what is queued now and waits until the core answered for
// every event published before the call.
func (p *Publisher) Flush(ctx context.Context) error {
	p.mu.Lock()
	target := p.enqueued
	p.flush = true
	p.mu.Unlock()
	p.signal()
	return p.waitSettled(ctx, target)
}

// Close flushes the queue and stops the Publisher. Publish fails afterwards.
func (p *Publisher) Close(ctx context.Context) error {
	p.mu.Lock()
	p.closed = true
	target := p.enqueued
	p.mu.Unlock()
	p.signal()
	if err := p.waitSettled(ctx, target); err != nil {
		return err
	}
	select {
	case <-p.done:
		return nil
	case <-ctx.Done():
		return context.Cause(ctx)
	}
}

// Stats returns the Publisher's counters.
func (p *Publisher) Stats() PublisherStats {
	return PublisherStats{
		Published: p.published.Load(),
		Accepted:  p.accepted.Load(),
		Rejected:  p.rejected.Load(),
		Dropped:   p.dropped.Load(),
	}
}

func (p *Publisher) signal() {
	select {
	case p.wake <- struct{}{}:
	default:
	}
}

func (p *Publisher) waitSettled(ctx context.Context, target uint64) error {
	for {
		p.mu.Lock()
		settled, ch := p.settled, p.changed
		p.mu.Unlock()
		if settled >= target {
			return nil
		}
		select {
		case <-ch:
		case <-ctx.Done():
			return context.Cause(ctx)
		case <-p.done:
			p.mu.Lock()
			settled = p.settled
			p.mu.Unlock()
			if settled >= target {
				return nil
			}
			return errPublisherClosed
		}
	}
}

// run is the Publisher's sending goroutine.
func (p *Publisher) run(ctx context.Context) {
	defer close(p.done)
	var batch []grpcplugin.Event
	for {
		if !p.waitForBatch(ctx) {
			p.dropQueued()
			return
		}
		p.mu.Lock()
		batch = p.takeBatch(batch[:0])
		stop := p.closed && len(p.queue) == p.head
		p.mu.Unlock()
		if len(batch) > 0 {
			p.send(ctx, batch)
		}
		clear(batch) // drop references to the payloads
		if stop {
			return
		}
	}
}

// waitForBatch waits until a batch should go out: it is full, Linger passed
// since the wait began, or Flush or Close asked. It returns false when ctx
// ended.
func (p *Publisher) waitForBatch(ctx context.Context) bool {
	var timer *time.Timer
	defer func() {
		if timer != nil {
			timer.Stop()
		}
	}()
	var lingerC <-chan time.Time
	for {
		p.mu.Lock()
		n := len(p.queue) - p.head
		ready := n >= p.opts.MaxBatch || (n > 0 && (p.flush || p.closed)) || (n == 0 && p.closed)
		if n == 0 {
			p.flush = false
		}
		p.mu.Unlock()
		if ready {
			return true
		}
		if n > 0 && lingerC == nil {
			timer = time.NewTimer(p.opts.Linger)
			lingerC = timer.C
		}
		select {
		case <-p.wake:
		case <-lingerC:
			return true
		case <-ctx.Done():
			return false
		}
	}
}

// takeBatch moves up to one batch from the queue into dst. p.mu is held.
func (p *Publisher) takeBatch(dst []grpcplugin.Event) []grpcplugin.Event {
	bytes := 0
	for p.head < len(p.queue) && len(dst) < p.opts.MaxBatch {
		e := p.queue[p.head]
		if len(dst) > 0 && bytes+len(e.Data) > p.opts.MaxBatchBytes {
			break
		}
		bytes += len(e.Data)
		dst = append(dst, e)
		p.queue[p.head] = grpcplugin.Event{}
		p.head++
	}
	switch {
	case p.head == len(p.queue):
		p.queue, p.head = p.queue[:0], 0
		p.flush = false
	case p.head > len(p.queue)/2:
		n := copy(p.queue, p.queue[p.head:])
		clear(p.queue[n:])
		p.queue, p.head = p.queue[:n], 0
	}
	return dst
}

func (p *Publisher) send(ctx context.Context, batch []grpcplugin.Event) {
	backoff := 50 * time.Millisecond
	for attempt := 0; ; attempt++ {
		res, err := p.host.api.Emit(ctx, batch)
		last := attempt >= p.opts.Retries || ctx.Err() != nil
		switch {
		case err != nil && errors.Is(err, ErrUnavailable) && !last:
			// The core stored nothing of the batch: all of it again.
		case err != nil:
			p.dropped.Add(uint64(len(batch)))
			if p.opts.OnError != nil {
				p.opts.OnError(err, len(batch))
			}
			p.settle(len(batch))
			return
		default:
			batch = p.settleResult(batch, res, !last)
			if len(batch) == 0 {
				return
			}
		}
		select {
		case <-time.After(backoff):
		case <-ctx.Done():
		}
		backoff *= 2
	}
}

// settleResult counts what the core took and refused of batch and returns
// the events to send again: those it could not store yet (unavailable),
// when retry allows, in their order.
func (p *Publisher) settleResult(batch []grpcplugin.Event, res EmitResult, retry bool) []grpcplugin.Event {
	p.accepted.Add(uint64(max(res.Accepted, 0)))
	again := make([]bool, len(batch))
	n := 0
	for _, r := range res.Rejected {
		if r.Index < 0 || r.Index >= len(batch) || again[r.Index] {
			continue
		}
		if retry && r.Code == grpcplugin.CodeUnavailable {
			again[r.Index] = true
			n++
			continue
		}
		p.rejected.Add(1)
		if p.opts.OnRejected != nil {
			p.opts.OnRejected(batch[r.Index].Tenant, batch[r.Index].Type, r)
		}
	}
	p.settle(len(batch) - n)
	if n == 0 {
		return nil
	}
	rest := make([]grpcplugin.Event, 0, n)
	for i, e := range batch {
		if again[i] {
			rest = append(rest, e)
		}
	}
	return rest
}

func (p *Publisher) settle(n int) {
	p.mu.Lock()
	p.settled += uint64(max(n, 0))
	close(p.changed)
	p.changed = make(chan struct{})
	p.mu.Unlock()
}

// dropQueued settles the events left when ctx ended.
func (p *Publisher) dropQueued() {
	p.mu.Lock()
	n := len(p.queue) - p.head
	clear(p.queue)
	p.queue, p.head, p.closed = nil, 0, true
	p.mu.Unlock()
	if n > 0 {
		p.dropped.Add(uint64(n))
		if p.opts.OnError != nil {
			p.opts.OnError(errPublisherClosed, n)
		}
		p.settle(n)
	}
}
