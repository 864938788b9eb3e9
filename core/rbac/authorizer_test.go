package rbac_test

import (
	"context"
	"strings"
	"testing"

	"gorm.io/gorm"

	"github.com/switchyard/switchyard/core/rbac"
	"github.com/switchyard/switchyard/core/store"
	"github.com/switchyard/switchyard/core/store/storetest"
	"github.com/switchyard/switchyard/tenants"
)

func TestRolesGrantTheirPermissionsInTheirOrgOnly(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		a, err := rbac.New(db.DB)
		if err != nil {
			t.Fatal(err)
		}
		write := func(fn func(tx *gorm.DB) error) {
			t.Helper()
			if err := db.Transaction(fn); err != nil {
				t.Fatal(err)
			}
		}
		for _, r := range tenants.Roles {
			user := "user-" + string(r)
			write(func(tx *gorm.DB) error { return a.WriteRole(tx, "acme", user, r) })
			if err := a.Reload("acme", user); err != nil {
				t.Fatal(err)
			}
		}
		for _, g := range rbac.Grants() {
			for _, r := range tenants.Roles {
				want := rbac.RoleHas(r, g.Permission)
				if got := a.Can("user-"+string(r), "acme", g.Permission); got != want {
					t.Errorf("%s can %s in acme = %v, want %v", r, g.Permission, got, want)
				}
				if a.Can("user-"+string(r), "other", g.Permission) {
					t.Errorf("%s can %s in an org it does not belong to", r, g.Permission)
				}
			}
		}
		if role, ok := a.RoleOf("user-admin", "acme"); !ok || role != tenants.RoleAdmin {
			t.Fatalf("RoleOf = %v %v", role, ok)
		}
		if _, ok := a.RoleOf("user-admin", "other"); ok {
			t.Fatal("RoleOf reports a role in a foreign org")
		}

		// A rolled-back write never reaches memory; a committed one does after Reload.
		_ = db.Transaction(func(tx *gorm.DB) error {
			_ = a.WriteRole(tx, "acme", "user-viewer", tenants.RoleOwner)
			return errRollback
		})
		if err := a.Reload("acme", "user-viewer"); err != nil {
			t.Fatal(err)
		}
		if a.Can("user-viewer", "acme", rbac.OrgDelete) {
			t.Fatal("a rolled-back promotion took effect")
		}
		write(func(tx *gorm.DB) error { return a.WriteRole(tx, "acme", "user-viewer", "") })
		if !a.Can("user-viewer", "acme", rbac.OrgRead) {
			t.Fatal("memory changed before Reload")
		}
		_ = a.Reload("acme", "user-viewer")
		if a.Can("user-viewer", "acme", rbac.OrgRead) {
			t.Fatal("removed member keeps access after Reload")
		}

		// A fresh authorizer loads what was stored.
		b, err := rbac.New(db.DB)
		if err != nil {
			t.Fatal(err)
		}
		if !b.Can("user-owner", "acme", rbac.OrgDelete) || b.Can("user-viewer", "acme", rbac.OrgRead) {
			t.Fatal("reloaded authorizer disagrees with the stored policy")
		}
	})
}

type rollback struct{}

func (rollback) Error() string { return "rollback" }

var errRollback error = rollback{}

func TestKeysHoldOnlyTheirPermissionsInTheirOrg(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		a, err := rbac.New(db.DB)
		if err != nil {
			t.Fatal(err)
		}
		err = db.Transaction(func(tx *gorm.DB) error {
			return a.WriteKeyPermissions(tx, "acme", "k1", []string{"events:publish", "events:read"})
		})
		if err != nil {
			t.Fatal(err)
		}
		_ = a.Reload("acme", rbac.KeySubject("k1"))
		if !a.Can(rbac.KeySubject("k1"), "acme", rbac.EventsPublish) {
			t.Fatal("key lacks its permission")
		}
		if a.Can(rbac.KeySubject("k1"), "acme", rbac.MembersInvite) {
			t.Fatal("key holds a permission it was not given")
		}
		if a.Can(rbac.KeySubject("k1"), "other", rbac.EventsPublish) {
			t.Fatal("key works in another organization")
		}
		if _, ok := a.RoleOf(rbac.KeySubject("k1"), "acme"); ok {
			t.Fatal("a key reports a member role")
		}
		err = db.Transaction(func(tx *gorm.DB) error {
			return a.WriteKeyPermissions(tx, "acme", "k2", []string{"members:invite"})
		})
		if err == nil {
			t.Fatal("a key was given a permission that is not key-grantable")
		}
		_ = db.Transaction(func(tx *gorm.DB) error { return a.RemoveKey(tx, "acme", "k1") })
		_ = a.Reload("acme", rbac.KeySubject("k1"))
		if a.Can(rbac.KeySubject("k1"), "acme", rbac.EventsPublish) {
			t.Fatal("revoked key keeps its permission")
		}
	})
}

func TestMarkdownListsEveryPermission(t *testing.T) {
	md := rbac.Markdown()
	for _, g := range rbac.Grants() {
		if !strings.Contains(md, "`"+string(g.Permission)+"`") {
			t.Errorf("table lacks %s", g.Permission)
		}
	}
	_ = context.Background()
}
