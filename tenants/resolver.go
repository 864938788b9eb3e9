package tenants

import (
	"context"
	"strings"
	"sync"
	"time"
)

// Resolver finds the organization a request names, from a small cache in
// front of the Service. Entries live for TTL at most, and a change this
// Service commits (rename, suspension, deletion) evicts its entry at once;
// changes made by other replicas reach here through Evict, or within TTL.
type Resolver struct {
	svc *Service
	ttl time.Duration
	now func() time.Time

	mu      sync.RWMutex
	entries map[string]resolved
}

type resolved struct {
	org     *Organization
	expires time.Time
}

// maxResolved bounds the cache; past it, the cache starts over.
const maxResolved = 50_000

// NewResolver returns a Resolver over svc that evicts on svc's changes.
func NewResolver(svc *Service, ttl time.Duration) *Resolver {
	r := &Resolver{svc: svc, ttl: ttl, now: time.Now, entries: map[string]resolved{}}
	svc.Observe(func(_ context.Context, c Change) {
		switch c.Kind {
		case OrgUpdated, OrgDeleted, OrgSuspended, OrgResumed:
			r.Evict(c.OrgSlug)
		}
	})
	return r
}

// BySlug returns the organization with slug, or ErrNotFound. The result is
// shared: callers must not modify it.
func (r *Resolver) BySlug(ctx context.Context, slug string) (*Organization, error) {
	if !ValidSlug(slug) {
		return nil, ErrNotFound
	}
	now := r.now()
	r.mu.RLock()
	e, ok := r.entries[slug]
	r.mu.RUnlock()
	if ok && now.Before(e.expires) {
		return e.org, nil
	}
	org, err := r.svc.OrgBySlug(ctx, slug)
	if err != nil {
		return nil, err
	}
	r.mu.Lock()
	if len(r.entries) >= maxResolved {
		r.entries = map[string]resolved{}
	}
	// The key is cloned: slug may point into a request buffer.
	r.entries[strings.Clone(slug)] = resolved{org: org, expires: now.Add(r.ttl)}
	r.mu.Unlock()
	return org, nil
}

// Evict forgets one organization.
func (r *Resolver) Evict(slug string) {
	r.mu.Lock()
	delete(r.entries, slug)
	r.mu.Unlock()
}
