package tenants_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/switchyard/switchyard/core/store"
	"github.com/switchyard/switchyard/core/store/storetest"
	"github.com/switchyard/switchyard/tenants"
)

// BenchmarkMembers lists one organization's members out of 2,000
// organizations × 5 members.
func BenchmarkMembers(b *testing.B) {
	db := storetest.Open(b, store.SQLite)
	now := time.Now().UTC()
	const orgs = 2000
	for o := range orgs {
		db.Exec(`INSERT INTO organizations (id, slug, name, created_at, updated_at) VALUES (?, ?, 'x', ?, ?)`, fmt.Sprint("o", o), fmt.Sprint("org-", o), now, now)
		for m := range 5 {
			u := fmt.Sprintf("u%d-%d", o, m)
			db.Exec(`INSERT INTO users (id, email, name, password_hash, created_at, updated_at) VALUES (?, ?, 'x', 'x', ?, ?)`, u, u+"@example.com", now, now)
			db.Exec(`INSERT INTO memberships (org_id, user_id, role, created_at, updated_at) VALUES (?, ?, 'member', ?, ?)`, fmt.Sprint("o", o), u, now, now)
		}
	}
	svc := tenants.NewService(db.DB, nil, tenants.Config{})
	ctx := context.Background()
	b.ResetTimer()
	for i := range b.N {
		ms, _, err := svc.Members(ctx, fmt.Sprint("o", i%orgs), tenants.Page{})
		if err != nil || len(ms) != 5 {
			b.Fatal(err, len(ms))
		}
	}
}
