package tenants

import (
	"sync"
	"time"
)

// memberCache keeps the first page of each organization's member list,
// the page dashboards and API clients ask for again and again. Each
// organization has a generation that every membership change advances: a
// page is served only if it was read in the current generation, so a page
// read just before a change is never served after it. Entries also expire,
// which bounds the staleness of changes made on other replicas should their
// notice (ForgetMembers) be lost.
type memberCache struct {
	ttl time.Duration
	mu  sync.Mutex
	gen map[string]uint64
	pg  map[string]memberPage
}

type memberPage struct {
	rows  []Member
	next  string
	gen   uint64
	until time.Time
}

const maxCachedOrgs = 20_000

func newMemberCache(ttl time.Duration) *memberCache {
	return &memberCache{ttl: ttl, gen: map[string]uint64{}, pg: map[string]memberPage{}}
}

// get returns the cached page and the generation a fresh read belongs to.
func (m *memberCache) get(orgID string, now time.Time) ([]Member, string, uint64, bool) {
	m.mu.Lock()
	defer m.mu.Unlock()
	g := m.gen[orgID]
	p, ok := m.pg[orgID]
	if ok && p.gen == g && now.Before(p.until) {
		return p.rows, p.next, g, true
	}
	return nil, "", g, false
}

func (m *memberCache) put(orgID string, gen uint64, rows []Member, next string, now time.Time) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.gen[orgID] != gen {
		return // changed while it was read
	}
	if len(m.pg) >= maxCachedOrgs {
		m.pg = map[string]memberPage{}
	}
	m.pg[orgID] = memberPage{rows: rows, next: next, gen: gen, until: now.Add(m.ttl)}
}

func (m *memberCache) forget(orgID string) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.gen[orgID]++
	delete(m.pg, orgID)
	if len(m.gen) > 4*maxCachedOrgs {
		// Generations only matter for pages in flight; starting over is safe
		// once nothing is cached.
		m.gen, m.pg = map[string]uint64{orgID: 1}, map[string]memberPage{}
	}
}
