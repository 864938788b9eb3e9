package auth

import (
	"sync"
	"time"

	"golang.org/x/time/rate"
)

// Throttle is a set of token buckets keyed by a string (an IP address, an
// account). Keys idle for longer than it takes their bucket to refill are
// forgotten, and the set never holds more than maxKeys, so a flood of
// distinct keys cannot exhaust memory.
type Throttle struct {
	every   rate.Limit
	burst   int
	maxKeys int

	mu      sync.Mutex
	buckets map[string]*bucket
	swept   time.Time
}

type bucket struct {
	lim  *rate.Limiter
	seen time.Time
}

// NewThrottle allows burst events at once per key, refilled at one per
// interval.
func NewThrottle(burst int, interval time.Duration, maxKeys int) *Throttle {
	return &Throttle{every: rate.Every(interval), burst: burst, maxKeys: maxKeys, buckets: map[string]*bucket{}}
}

// Allow takes one token from key's bucket. When it is empty it returns
// false and how long until the next token.
func (t *Throttle) Allow(key string, now time.Time) (bool, time.Duration) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.sweep(now)
	b, ok := t.buckets[key]
	if !ok {
		if len(t.buckets) >= t.maxKeys {
			return false, time.Second
		}
		b = &bucket{lim: rate.NewLimiter(t.every, t.burst)}
		t.buckets[key] = b
	}
	b.seen = now
	r := b.lim.ReserveN(now, 1)
	if d := r.DelayFrom(now); d > 0 {
		r.CancelAt(now)
		return false, d
	}
	return true, 0
}

// sweep forgets buckets that have been full (idle) for a while.
func (t *Throttle) sweep(now time.Time) {
	if now.Sub(t.swept) < time.Minute && len(t.buckets) < t.maxKeys {
		return
	}
	t.swept = now
	idle := time.Duration(float64(t.burst)/float64(t.every)*float64(time.Second)) + time.Minute
	for k, b := range t.buckets {
		if now.Sub(b.seen) > idle {
			delete(t.buckets, k)
		}
	}
}
