package tenants_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"gorm.io/gorm"

	"github.com/switchyard/switchyard/core/store"
	"github.com/switchyard/switchyard/core/store/storetest"
	"github.com/switchyard/switchyard/tenants"
)

// recordingGrants is a hand-written fake of the permission store: it keeps
// the roles written inside committed transactions and can be told to fail.
type recordingGrants struct {
	mu    sync.Mutex
	fail  error
	roles map[string]tenants.Role // org/user -> role, as written (not yet committed)
}

func (g *recordingGrants) WriteRole(_ *gorm.DB, org, userID string, role tenants.Role) error {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.fail != nil {
		return g.fail
	}
	if g.roles == nil {
		g.roles = map[string]tenants.Role{}
	}
	g.roles[org+"/"+userID] = role
	return nil
}

func (g *recordingGrants) DropOrg(*gorm.DB, string) error { return nil }

type fixture struct {
	db     *store.DB
	svc    *tenants.Service
	grants *recordingGrants
	now    time.Time
	change []tenants.Change
}

func newFixture(t *testing.T, db *store.DB) *fixture {
	t.Helper()
	f := &fixture{db: db, grants: &recordingGrants{}, now: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)}
	f.svc = tenants.NewService(db.DB, f.grants, tenants.Config{
		Quotas: tenants.Quotas{Members: 3, Plugins: 5, Sockets: 10, EventsPerSec: 10},
		Now:    func() time.Time { return f.now },
	})
	f.svc.Observe(func(_ context.Context, c tenants.Change) { f.change = append(f.change, c) })
	return f
}

var userSeq atomic.Int64

func (f *fixture) user(t *testing.T, email string) string {
	t.Helper()
	id := fmt.Sprintf("u-%d", userSeq.Add(1))
	err := f.db.Exec(`INSERT INTO users (id, email, name, password_hash, created_at, updated_at) VALUES (?, ?, ?, 'x', ?, ?)`,
		id, email, email, f.now, f.now).Error
	if err != nil {
		t.Fatal(err)
	}
	return id
}

func TestOrganizationLifecycle(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		f := newFixture(t, db)
		ada := f.user(t, "ada@example.com")

		org, err := f.svc.CreateOrg(ctx, ada, "acme", "  Acme Inc  ")
		if err != nil {
			t.Fatal(err)
		}
		if org.Name != "Acme Inc" || org.Slug != "acme" {
			t.Fatalf("org = %+v", org)
		}
		if f.grants.roles["acme/"+ada] != tenants.RoleOwner {
			t.Fatalf("creator's role was not written as owner: %v", f.grants.roles)
		}
		if _, err := f.svc.CreateOrg(ctx, ada, "acme", "Again"); !errors.Is(err, tenants.ErrSlugTaken) {
			t.Fatalf("duplicate slug: err = %v", err)
		}
		for _, bad := range []string{"", "a", "-acme", "Acme", "ac me", "acme'; DROP TABLE organizations;--", "ä-org", string(make([]byte, 64))} {
			if _, err := f.svc.CreateOrg(ctx, ada, bad, "x"); !errors.Is(err, tenants.ErrInvalid) {
				t.Errorf("slug %q: err = %v, want ErrInvalid", bad, err)
			}
		}
		orgs, next, err := f.svc.OrgsOf(ctx, ada, tenants.Page{})
		if err != nil || len(orgs) != 1 || next != "" || orgs[0].Role != tenants.RoleOwner {
			t.Fatalf("OrgsOf = %+v, %q, %v", orgs, next, err)
		}
		renamed, err := f.svc.RenameOrg(ctx, org, ada, "Acme Corp")
		if err != nil || renamed.Name != "Acme Corp" {
			t.Fatalf("rename: %+v %v", renamed, err)
		}
		if _, err := f.svc.SetSuspended(ctx, "acme", true, "unpaid", "admin"); err != nil {
			t.Fatal(err)
		}
		got, _ := f.svc.OrgBySlug(ctx, "acme")
		if !got.Suspended() || got.SuspendReason != "unpaid" {
			t.Fatalf("suspend not stored: %+v", got)
		}
		if err := f.svc.DeleteOrg(ctx, org, ada); err != nil {
			t.Fatal(err)
		}
		if _, err := f.svc.OrgBySlug(ctx, "acme"); !errors.Is(err, tenants.ErrNotFound) {
			t.Fatalf("deleted org still found: %v", err)
		}
		var members int64
		db.Table("memberships").Where("org_id = ?", org.ID).Count(&members)
		if members != 0 {
			t.Fatalf("%d memberships survived the org", members)
		}
	})
}

func TestRoleRules(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		f := newFixture(t, db)
		owner := f.user(t, "owner@example.com")
		admin := f.user(t, "admin@example.com")
		member := f.user(t, "member@example.com")
		org, err := f.svc.CreateOrg(ctx, owner, "roles", "Roles")
		if err != nil {
			t.Fatal(err)
		}
		join := func(email string, userID string, role tenants.Role) {
			t.Helper()
			inv, err := f.svc.Invite(ctx, org, tenants.Actor{UserID: owner, Role: tenants.RoleOwner}, email, role)
			if err != nil {
				t.Fatal(err)
			}
			if _, _, err := f.svc.Accept(ctx, inv.Token, userID, email); err != nil {
				t.Fatal(err)
			}
		}
		join("admin@example.com", admin, tenants.RoleAdmin)
		join("member@example.com", member, tenants.RoleMember)

		asOwner := tenants.Actor{UserID: owner, Role: tenants.RoleOwner}
		asAdmin := tenants.Actor{UserID: admin, Role: tenants.RoleAdmin}
		cases := []struct {
			name   string
			actor  tenants.Actor
			target string
			role   tenants.Role
			want   error
		}{
			{"admin cannot grant owner", asAdmin, member, tenants.RoleOwner, tenants.ErrRoleEscalation},
			{"admin cannot raise self to owner", asAdmin, admin, tenants.RoleOwner, tenants.ErrRoleEscalation},
			{"admin cannot demote the owner", asAdmin, owner, tenants.RoleViewer, tenants.ErrOwnerProtected},
			{"last owner cannot step down", asOwner, owner, tenants.RoleAdmin, tenants.ErrLastOwner},
			{"unknown role", asOwner, member, tenants.Role("god"), tenants.ErrInvalid},
			{"non-member target", asOwner, "nobody", tenants.RoleViewer, tenants.ErrNotFound},
			{"admin demotes member", asAdmin, member, tenants.RoleViewer, nil},
			{"owner promotes admin to owner", asOwner, admin, tenants.RoleOwner, nil},
		}
		for _, tc := range cases {
			t.Run(tc.name, func(t *testing.T) {
				_, err := f.svc.ChangeRole(ctx, org, tc.actor, tc.target, tc.role)
				if !errors.Is(err, tc.want) {
					t.Fatalf("err = %v, want %v", err, tc.want)
				}
			})
		}
		// Two owners now: one may step down, and then the other may not.
		if _, err := f.svc.ChangeRole(ctx, org, asOwner, owner, tenants.RoleAdmin); err != nil {
			t.Fatalf("owner stepping down with another owner present: %v", err)
		}
		if err := f.svc.RemoveMember(ctx, org, tenants.Actor{UserID: admin, Role: tenants.RoleOwner}, admin); !errors.Is(err, tenants.ErrLastOwner) {
			t.Fatalf("last owner leaving: err = %v", err)
		}
		if err := f.svc.RemoveMember(ctx, org, tenants.Actor{UserID: owner, Role: tenants.RoleAdmin}, admin); !errors.Is(err, tenants.ErrOwnerProtected) {
			t.Fatalf("admin removing owner: err = %v", err)
		}
		if err := f.svc.RemoveMember(ctx, org, tenants.Actor{UserID: admin, Role: tenants.RoleOwner}, member); err != nil {
			t.Fatal(err)
		}
		if f.grants.roles["roles/"+member] != "" {
			t.Fatal("removed member's role was not cleared in the grants")
		}
		last := f.change[len(f.change)-1]
		if last.Kind != tenants.MemberRemoved || last.UserID != member || last.PreviousRole != tenants.RoleViewer {
			t.Fatalf("last change = %+v", last)
		}
	})
}

func TestInvitations(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		f := newFixture(t, db)
		owner := f.user(t, "o@example.com")
		bob := f.user(t, "bob@example.com")
		eve := f.user(t, "eve@example.com")
		org, _ := f.svc.CreateOrg(ctx, owner, "inv", "Inv")
		asOwner := tenants.Actor{UserID: owner, Role: tenants.RoleOwner}

		inv, err := f.svc.Invite(ctx, org, asOwner, "Bob@Example.com", tenants.RoleMember)
		if err != nil {
			t.Fatal(err)
		}
		if inv.Email != "bob@example.com" || len(inv.Token) < 40 {
			t.Fatalf("invitation = %+v", inv)
		}
		var stored int64
		db.Table("invitations").Where("token_hash = ?", inv.Token).Count(&stored)
		if stored != 0 {
			t.Fatal("the raw token is stored")
		}
		if _, _, err := f.svc.Accept(ctx, inv.Token, eve, "eve@example.com"); !errors.Is(err, tenants.ErrInvitationEmail) {
			t.Fatalf("accept by another email: %v", err)
		}
		if _, _, err := f.svc.Accept(ctx, "not-a-token", bob, "bob@example.com"); !errors.Is(err, tenants.ErrNotFound) {
			t.Fatalf("accept unknown token: %v", err)
		}
		if _, role, err := f.svc.Accept(ctx, inv.Token, bob, "bob@example.com"); err != nil || role != tenants.RoleMember {
			t.Fatalf("accept: %v %v", role, err)
		}
		if _, _, err := f.svc.Accept(ctx, inv.Token, bob, "bob@example.com"); !errors.Is(err, tenants.ErrInvitationUsed) {
			t.Fatalf("second accept: %v", err)
		}
		if _, err := f.svc.Invite(ctx, org, asOwner, "bob@example.com", tenants.RoleViewer); !errors.Is(err, tenants.ErrAlreadyMember) {
			t.Fatalf("invite a member: %v", err)
		}
		if _, err := f.svc.Invite(ctx, org, tenants.Actor{UserID: bob, Role: tenants.RoleAdmin}, "x@example.com", tenants.RoleOwner); !errors.Is(err, tenants.ErrRoleEscalation) {
			t.Fatalf("admin inviting an owner: %v", err)
		}
		for _, bad := range []string{"", "no-at", "Eve <eve@example.com>", "a@b@c"} {
			if _, err := f.svc.Invite(ctx, org, asOwner, bad, tenants.RoleViewer); !errors.Is(err, tenants.ErrInvalid) {
				t.Errorf("email %q: %v", bad, err)
			}
		}

		// Expiry.
		late, err := f.svc.Invite(ctx, org, asOwner, "eve@example.com", tenants.RoleViewer)
		if err != nil {
			t.Fatal(err)
		}
		f.now = f.now.Add(8 * 24 * time.Hour)
		if _, _, err := f.svc.Accept(ctx, late.Token, eve, "eve@example.com"); !errors.Is(err, tenants.ErrInvitationExpired) {
			t.Fatalf("expired accept: %v", err)
		}

		// Quota: members = 3 (owner, bob, +1).
		carl := f.user(t, "carl@example.com")
		dan := f.user(t, "dan@example.com")
		c1, _ := f.svc.Invite(ctx, org, asOwner, "carl@example.com", tenants.RoleViewer)
		d1, _ := f.svc.Invite(ctx, org, asOwner, "dan@example.com", tenants.RoleViewer)
		if _, _, err := f.svc.Accept(ctx, c1.Token, carl, "carl@example.com"); err != nil {
			t.Fatal(err)
		}
		_, _, err = f.svc.Accept(ctx, d1.Token, dan, "dan@example.com")
		var qe *tenants.QuotaError
		if !errors.As(err, &qe) || qe.Quota != "members" {
			t.Fatalf("over quota accept: %v", err)
		}
		if _, err := f.svc.Membership(ctx, org.ID, dan); !errors.Is(err, tenants.ErrNotFound) {
			t.Fatal("a refused accept left a membership behind")
		}
	})
}

func TestConcurrentAcceptIsSingleUse(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		f := newFixture(t, db)
		owner := f.user(t, "o@example.com")
		bob := f.user(t, "bob@example.com")
		org, _ := f.svc.CreateOrg(ctx, owner, "race", "Race")
		inv, _ := f.svc.Invite(ctx, org, tenants.Actor{UserID: owner, Role: tenants.RoleOwner}, "bob@example.com", tenants.RoleMember)
		var wins atomic.Int32
		var wg sync.WaitGroup
		for range 8 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				if _, _, err := f.svc.Accept(ctx, inv.Token, bob, "bob@example.com"); err == nil {
					wins.Add(1)
				}
			}()
		}
		wg.Wait()
		if wins.Load() != 1 {
			t.Fatalf("%d accepts succeeded, want 1", wins.Load())
		}
	})
}

func TestGrantFailureRollsBack(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		f := newFixture(t, db)
		owner := f.user(t, "o@example.com")
		f.grants.fail = errors.New("policy store down")
		if _, err := f.svc.CreateOrg(ctx, owner, "half", "Half"); err == nil {
			t.Fatal("CreateOrg succeeded although the policy write failed")
		}
		if _, err := f.svc.OrgBySlug(ctx, "half"); !errors.Is(err, tenants.ErrNotFound) {
			t.Fatalf("half-created organization left behind: %v", err)
		}
	})
}

func TestPagination(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		f := newFixture(t, db)
		owner := f.user(t, "o@example.com")
		for i := range 7 {
			if _, err := f.svc.CreateOrg(ctx, owner, fmt.Sprintf("org-%02d", i), "Org"); err != nil {
				t.Fatal(err)
			}
		}
		var seen []string
		cursor := ""
		for range 10 {
			page, next, err := f.svc.OrgsOf(ctx, owner, tenants.Page{Limit: 3, Cursor: cursor})
			if err != nil {
				t.Fatal(err)
			}
			for _, o := range page {
				seen = append(seen, o.Slug)
			}
			if next == "" {
				break
			}
			cursor = next
		}
		if len(seen) != 7 || seen[0] != "org-00" || seen[6] != "org-06" {
			t.Fatalf("paged through %v", seen)
		}
		if _, _, err := f.svc.OrgsOf(ctx, owner, tenants.Page{Cursor: "%%%"}); !errors.Is(err, tenants.ErrInvalid) {
			t.Fatalf("bad cursor: %v", err)
		}
	})
}

// TestMemberListFollowsChanges reads the (cached) member list around every
// kind of membership change.
func TestMemberListFollowsChanges(t *testing.T) {
	db := storetest.Open(t, store.SQLite)
	ctx := context.Background()
	f := newFixture(t, db)
	owner := f.user(t, "owner@example.com")
	bob := f.user(t, "bob@example.com")
	org, _ := f.svc.CreateOrg(ctx, owner, "cache", "Cache")
	roles := func() map[string]tenants.Role {
		t.Helper()
		ms, _, err := f.svc.Members(ctx, org.ID, tenants.Page{})
		if err != nil {
			t.Fatal(err)
		}
		out := map[string]tenants.Role{}
		for _, m := range ms {
			out[m.UserID] = m.Role
		}
		return out
	}
	if r := roles(); len(r) != 1 {
		t.Fatalf("members = %v", r)
	}
	asOwner := tenants.Actor{UserID: owner, Role: tenants.RoleOwner}
	inv, _ := f.svc.Invite(ctx, org, asOwner, "bob@example.com", tenants.RoleViewer)
	if _, _, err := f.svc.Accept(ctx, inv.Token, bob, "bob@example.com"); err != nil {
		t.Fatal(err)
	}
	if r := roles(); r[bob] != tenants.RoleViewer {
		t.Fatalf("after accept: %v", r)
	}
	if _, err := f.svc.ChangeRole(ctx, org, asOwner, bob, tenants.RoleAdmin); err != nil {
		t.Fatal(err)
	}
	if r := roles(); r[bob] != tenants.RoleAdmin {
		t.Fatalf("after role change: %v", r)
	}
	if err := f.svc.RemoveMember(ctx, org, asOwner, bob); err != nil {
		t.Fatal(err)
	}
	if r := roles(); len(r) != 1 {
		t.Fatalf("after removal: %v", r)
	}
	// A change made elsewhere (another replica) shows once told.
	if err := db.Exec(`UPDATE memberships SET role = 'admin' WHERE user_id = ?`, owner).Error; err != nil {
		t.Fatal(err)
	}
	f.svc.ForgetMembers(org.ID)
	if r := roles(); r[owner] != tenants.RoleAdmin {
		t.Fatalf("after ForgetMembers: %v", r)
	}
}
