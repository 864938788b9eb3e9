//go:build !linux

package main

import "sync"

// pollReader reads each subscriber on a goroutine of its own where epoll
// is not available.
type pollReader struct {
	subs []*subscriber
	wg   sync.WaitGroup
}

func newPollReader(subs []*subscriber, t *tally) (*pollReader, error) {
	r := &pollReader{subs: subs}
	for i, s := range subs {
		r.wg.Add(1)
		go func() {
			defer r.wg.Done()
			s.read(t.shard(i))
		}()
	}
	return r, nil
}

func (r *pollReader) close() {
	for _, s := range r.subs {
		s.w.close()
	}
	r.wg.Wait()
}
