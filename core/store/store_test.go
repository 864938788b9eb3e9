package store_test

import (
	"context"
	"testing"

	"github.com/switchyard/switchyard/core/store"
	"github.com/switchyard/switchyard/core/store/storetest"
)

func TestMigrateIsIdempotentAndComplete(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		n, err := db.Migrate(ctx, nil)
		if err != nil {
			t.Fatalf("second migrate: %v", err)
		}
		if n != 0 {
			t.Fatalf("second migrate applied %d migrations, want 0", n)
		}
		states, err := db.MigrationStatus(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if len(states) == 0 {
			t.Fatal("no migrations known")
		}
		for _, s := range states {
			if !s.Applied {
				t.Errorf("migration %d (%s) not applied", s.Version, s.Name)
			}
		}
		// The schema holds a row in every table the first migration made,
		// including the serial key the token expansion produced.
		if err := db.Exec(`INSERT INTO casbin_rule (ptype, v0, v1, v2) VALUES ('g', 'u', 'owner', 'acme')`).Error; err != nil {
			t.Fatalf("insert casbin rule: %v", err)
		}
		var id int64
		if err := db.Raw(`SELECT id FROM casbin_rule WHERE v0 = 'u'`).Scan(&id).Error; err != nil || id == 0 {
			t.Fatalf("serial id = %d, err %v", id, err)
		}
		err = db.Exec(`INSERT INTO casbin_rule (ptype, v0, v1, v2) VALUES ('g', 'u', 'owner', 'acme')`).Error
		if !store.IsUniqueViolation(err) {
			t.Fatalf("duplicate policy: err = %v, want a unique violation", err)
		}
	})
}

func TestOpenRejectsUnknownScheme(t *testing.T) {
	_, err := store.Open(context.Background(), store.Options{URL: "mysql://root@localhost/x"})
	if err == nil {
		t.Fatal("mysql URL accepted")
	}
}
