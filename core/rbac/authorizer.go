package rbac

import (
	"errors"
	"fmt"
	"strings"
	"sync/atomic"

	"github.com/casbin/casbin/v2"
	"github.com/casbin/casbin/v2/model"
	gormadapter "github.com/casbin/gorm-adapter/v3"
	lru "github.com/hashicorp/golang-lru/v2"
	"gorm.io/gorm"

	"github.com/switchyard/switchyard/tenants"
)

// ErrBadPermission: a permission name is unknown or not grantable here.
var ErrBadPermission = errors.New("invalid permission")

// The Casbin model: a request names a subject (user or key), a domain (the
// organization's slug), a resource and an action. Roles are per domain;
// permissions belong to roles in every domain.
const modelText = `
[request_definition]
r = sub, dom, obj, act

[policy_definition]
p = sub, obj, act

[role_definition]
g = _, _, _

[policy_effect]
e = some(where (p.eft == allow))

[matchers]
m = r.obj == p.obj && r.act == p.act && g(r.sub, p.sub, r.dom)
`

// Subject prefixes in policies. Users are their bare IDs.
const (
	keyPrefix  = "key:"
	permPrefix = "perm:"
)

// KeySubject is the policy subject of an API key.
func KeySubject(keyID string) string { return keyPrefix + keyID }

// Authorizer answers permission questions from an in-memory Casbin
// enforcer loaded from the database, with a bounded cache of decisions in
// front of it. Every change to memory bumps a generation counter, and a
// cached decision counts only if it was made in the current generation, so
// a decision computed just before a revocation can never be served after it.
type Authorizer struct {
	db    *gorm.DB
	e     *casbin.SyncedEnforcer
	gen   atomic.Uint64
	cache *lru.Cache[string, decision]
}

type decision struct {
	gen     uint64
	allowed bool
}

// decisionCacheSize bounds the cache: about 100 bytes an entry.
const decisionCacheSize = 200_000

// New loads every policy into memory. It first brings the stored role
// policies in line with the permission table, so a permission added to the
// table reaches every role at the next start.
func New(db *gorm.DB) (*Authorizer, error) {
	m, err := model.NewModelFromString(modelText)
	if err != nil {
		return nil, fmt.Errorf("rbac: model: %w", err)
	}
	cache, err := lru.New[string, decision](decisionCacheSize)
	if err != nil {
		return nil, fmt.Errorf("rbac: cache: %w", err)
	}
	a := &Authorizer{db: db, cache: cache}
	if err := db.Transaction(func(tx *gorm.DB) error { return syncRolePolicies(tx) }); err != nil {
		return nil, fmt.Errorf("rbac: sync role policies: %w", err)
	}
	adapter, err := adapterFor(db)
	if err != nil {
		return nil, err
	}
	e, err := casbin.NewSyncedEnforcer(m, adapter)
	if err != nil {
		return nil, fmt.Errorf("rbac: enforcer: %w", err)
	}
	// Memory changes only through Reload, after a commit; the adapter is
	// written explicitly inside transactions.
	e.EnableAutoSave(false)
	a.e = e
	return a, nil
}

// adapterFor returns a GORM adapter over db (a pool or a transaction). The
// schema belongs to the migrations, so the adapter never migrates.
func adapterFor(db *gorm.DB) (*gormadapter.Adapter, error) {
	db = db.Session(&gorm.Session{})
	gormadapter.TurnOffAutoMigrate(db)
	a, err := gormadapter.NewAdapterByDB(db)
	if err != nil {
		return nil, fmt.Errorf("rbac: adapter: %w", err)
	}
	return a, nil
}

// rolePolicies are the p rules the permission table implies.
func rolePolicies() [][]string {
	var out [][]string
	for _, g := range Grants() {
		res, act := g.Permission.split()
		for _, r := range g.Roles {
			out = append(out, []string{string(r), res, act})
		}
		out = append(out, []string{permPrefix + string(g.Permission), res, act})
	}
	return out
}

// syncRolePolicies writes the role policies when the stored ones differ
// from the table, so replicas starting together normally write nothing.
func syncRolePolicies(tx *gorm.DB) error {
	var rows []gormadapter.CasbinRule
	if err := tx.Where("ptype = ?", "p").Find(&rows).Error; err != nil {
		return err
	}
	stored := map[[3]string]bool{}
	for _, r := range rows {
		stored[[3]string{r.V0, r.V1, r.V2}] = true
	}
	want := rolePolicies()
	same := len(stored) == len(want)
	for _, p := range want {
		same = same && stored[[3]string{p[0], p[1], p[2]}]
	}
	if same {
		return nil
	}
	if err := tx.Where("ptype = ?", "p").Delete(&gormadapter.CasbinRule{}).Error; err != nil {
		return err
	}
	ad, err := adapterFor(tx)
	if err != nil {
		return err
	}
	return ad.AddPolicies("p", "p", want)
}

// Can reports whether subject (a user ID or KeySubject) holds p in org.
func (a *Authorizer) Can(subject, org string, p Permission) bool {
	gen := a.gen.Load()
	key := subject + "\x00" + org + "\x00" + string(p)
	if d, ok := a.cache.Get(key); ok && d.gen == gen {
		return d.allowed
	}
	res, act := p.split()
	ok, err := a.e.Enforce(subject, org, res, act)
	allowed := err == nil && ok
	if err == nil {
		a.cache.Add(key, decision{gen: gen, allowed: allowed})
	}
	return allowed
}

// changed invalidates every cached decision.
func (a *Authorizer) changed() { a.gen.Add(1) }

// RoleOf returns the user's role in org, or false when the user is not a member.
func (a *Authorizer) RoleOf(userID, org string) (tenants.Role, bool) {
	for _, r := range a.e.GetRolesForUserInDomain(userID, org) {
		if role, err := tenants.ParseRole(r); err == nil {
			return role, true
		}
	}
	return "", false
}

// WriteRole implements tenants.Grants: inside tx, userID holds exactly role
// in org (none when role is empty).
func (a *Authorizer) WriteRole(tx *gorm.DB, org, userID string, role tenants.Role) error {
	ad, err := adapterFor(tx)
	if err != nil {
		return err
	}
	if err := ad.RemoveFilteredPolicy("g", "g", 0, userID, "", org); err != nil {
		return fmt.Errorf("rbac: write role: %w", err)
	}
	if role == "" {
		return nil
	}
	if err := ad.AddPolicy("g", "g", []string{userID, string(role), org}); err != nil {
		return fmt.Errorf("rbac: write role: %w", err)
	}
	return nil
}

// DropOrg implements tenants.Grants: removes every rule of the domain.
func (a *Authorizer) DropOrg(tx *gorm.DB, org string) error {
	ad, err := adapterFor(tx)
	if err != nil {
		return err
	}
	if err := ad.RemoveFilteredPolicy("g", "g", 2, org); err != nil {
		return fmt.Errorf("rbac: drop org: %w", err)
	}
	return nil
}

// WriteKeyPermissions implements auth.KeyGrants.
func (a *Authorizer) WriteKeyPermissions(tx *gorm.DB, org, keyID string, permissions []string) error {
	perms, err := ParseKeyPermissions(permissions)
	if err != nil {
		return err
	}
	ad, err := adapterFor(tx)
	if err != nil {
		return err
	}
	rules := make([][]string, 0, len(perms))
	for _, p := range perms {
		rules = append(rules, []string{KeySubject(keyID), permPrefix + string(p), org})
	}
	if err := ad.AddPolicies("g", "g", rules); err != nil {
		return fmt.Errorf("rbac: write key permissions: %w", err)
	}
	return nil
}

// RemoveKey implements auth.KeyGrants.
func (a *Authorizer) RemoveKey(tx *gorm.DB, org, keyID string) error {
	ad, err := adapterFor(tx)
	if err != nil {
		return err
	}
	if err := ad.RemoveFilteredPolicy("g", "g", 0, KeySubject(keyID), "", org); err != nil {
		return fmt.Errorf("rbac: remove key: %w", err)
	}
	return nil
}

// Reload brings memory in line with the stored rules of one subject in one
// organization. The replica that committed a change calls it, and so does
// every other replica when the bus reports the change.
func (a *Authorizer) Reload(org, subject string) error {
	var rows []gormadapter.CasbinRule
	if err := a.db.Where("ptype = 'g' AND v0 = ? AND v2 = ?", subject, org).Find(&rows).Error; err != nil {
		return fmt.Errorf("rbac: reload %s: %w", org, err)
	}
	stored := make([][]string, 0, len(rows))
	for _, r := range rows {
		stored = append(stored, []string{r.V0, r.V1, r.V2})
	}
	defer a.changed()
	current, err := a.e.GetFilteredGroupingPolicy(0, subject, "", org)
	if err != nil {
		return fmt.Errorf("rbac: reload: %w", err)
	}
	if len(current) > 0 {
		if _, err := a.e.SelfRemovePolicies("g", "g", current); err != nil {
			return fmt.Errorf("rbac: reload: %w", err)
		}
	}
	if len(stored) > 0 {
		if _, err := a.e.SelfAddPolicies("g", "g", stored); err != nil {
			return fmt.Errorf("rbac: reload: %w", err)
		}
	}
	return nil
}

// ForgetOrg drops a deleted organization's rules from memory.
func (a *Authorizer) ForgetOrg(org string) error {
	current, err := a.e.GetFilteredGroupingPolicy(2, org)
	if err != nil || len(current) == 0 {
		return err
	}
	defer a.changed()
	_, err = a.e.SelfRemovePolicies("g", "g", current)
	return err
}

// ReloadAll reloads every policy from the database (after a bus gap).
func (a *Authorizer) ReloadAll() error {
	defer a.changed()
	return a.e.LoadPolicy()
}

// PolicyCount reports how many rules are in memory.
func (a *Authorizer) PolicyCount() (p, g int) {
	ps, _ := a.e.GetPolicy()
	gs, _ := a.e.GetGroupingPolicy()
	return len(ps), len(gs)
}

// KeyID returns the API key a policy subject names, if it names one.
func KeyID(subject string) (string, bool) { return strings.CutPrefix(subject, keyPrefix) }
