package tenants

import (
	"context"
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
	entries map[string]resolved // by slug
	byID    map[string]resolved
}

type resolved struct {
	org     *Organization
	expires time.Time
}

// maxResolved bounds the cache; past it, the cache starts over.
const maxResolved = 50_000

// NewResolver returns a Resolver over svc that evicts on svc's changes.
func NewResolver(svc *Service, ttl time.Duration) *Resolver {
	r := &Resolver{svc: svc, ttl: ttl, now: time.Now, entries: map[string]resolved{}, byID: map[string]resolved{}}
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
	r.remember(org, now)
	return org, nil
}

// ByID returns the organization with id, or ErrNotFound, from the same cache.
func (r *Resolver) ByID(ctx context.Context, id string) (*Organization, error) {
	now := r.now()
	r.mu.RLock()
	e, ok := r.byID[id]
	r.mu.RUnlock()
	if ok && now.Before(e.expires) {
		return e.org, nil
	}
	org, err := r.svc.OrgByID(ctx, id)
	if err != nil {
		return nil, err
	}
	r.remember(org, now)
	return org, nil
}

func (r *Resolver) remember(org *Organization, now time.Time) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if len(r.entries) >= maxResolved {
		r.entries, r.byID = map[string]resolved{}, map[string]resolved{}
	}
	e := resolved{org: org, expires: now.Add(r.ttl)}
	// org's strings come from the database, never from a request buffer.
	r.entries[org.Slug] = e
	r.byID[org.ID] = e
}

// Evict forgets one organization.
func (r *Resolver) Evict(slug string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if e, ok := r.entries[slug]; ok {
		delete(r.byID, e.org.ID)
	}
	delete(r.entries, slug)
}

// EvictAll forgets every organization (a replica that may have missed
// changes made elsewhere).
func (r *Resolver) EvictAll() {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.entries, r.byID = map[string]resolved{}, map[string]resolved{}
}
