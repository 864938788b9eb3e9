package sdk

import (
	"context"
	"sync"
)

// Loops runs a plugin's background work: at most one loop per key
// (usually a tenant's id), started by Configure, replaced when the tenant
// is configured again, stopped by RemoveTenant, and all stopped and waited
// for by Shutdown. The zero value is ready; it is safe for concurrent use.
type Loops struct {
	mu      sync.Mutex
	running map[string]*loop
	closed  bool
	wg      sync.WaitGroup
}

type loop struct{ cancel context.CancelFunc }

// Start runs fn in a goroutine of its own under key, after cancelling the
// loop running under key, if any (without waiting for it). fn must return
// once its context is cancelled. After Shutdown it does nothing.
func (l *Loops) Start(key string, fn func(ctx context.Context)) {
	l.start(key, fn, true)
}

// EnsureStarted is Start, except that a loop already running under key is
// kept and fn is not run.
func (l *Loops) EnsureStarted(key string, fn func(ctx context.Context)) {
	l.start(key, fn, false)
}

func (l *Loops) start(key string, fn func(ctx context.Context), replace bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.closed {
		return
	}
	if old := l.running[key]; old != nil {
		if !replace {
			return
		}
		old.cancel()
	}
	if l.running == nil {
		l.running = map[string]*loop{}
	}
	ctx, cancel := context.WithCancel(context.Background())
	lp := &loop{cancel: cancel}
	l.running[key] = lp
	l.wg.Add(1)
	go func() {
		defer l.wg.Done()
		defer cancel()
		fn(ctx)
		l.mu.Lock()
		if l.running[key] == lp {
			delete(l.running, key)
		}
		l.mu.Unlock()
	}()
}

// Stop cancels the loop running under key, if any, without waiting for it.
func (l *Loops) Stop(key string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if lp := l.running[key]; lp != nil {
		lp.cancel()
		delete(l.running, key)
	}
}

// Shutdown cancels every loop, refuses new ones, and waits until all have
// returned or ctx ends.
func (l *Loops) Shutdown(ctx context.Context) error {
	l.mu.Lock()
	l.closed = true
	for _, lp := range l.running {
		lp.cancel()
	}
	l.mu.Unlock()
	done := make(chan struct{})
	go func() {
		l.wg.Wait()
		close(done)
	}()
	select {
	case <-done:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}
