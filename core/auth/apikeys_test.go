package auth_test

import (
	"bytes"
	"context"
	"testing"
	"time"

	"github.com/switchyard/switchyard/core/auth"
	"github.com/switchyard/switchyard/core/store"
	"github.com/switchyard/switchyard/core/store/storetest"
)

// Verifying an API key never waits for the database's write lock: its
// last use is recorded in the background. Here another transaction holds
// SQLite's write lock throughout the verification; a verification that
// wrote in line would wait for it (up to the busy timeout, 10 s).
func TestVerifyAPIKeyDoesNotWaitForTheWriteLock(t *testing.T) {
	db := storetest.Open(t, store.SQLite)
	svc, err := auth.NewService(db.DB, auth.Config{Secret: bytes.Repeat([]byte("k"), 32)}, nil)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	k, secret, err := svc.CreateAPIKey(ctx, auth.NewAPIKey{Name: "backend", CreatedBy: "admin"})
	if err != nil {
		t.Fatal(err)
	}

	holder := db.DB.Begin() // BEGIN IMMEDIATE: the write lock
	if holder.Error != nil {
		t.Fatal(holder.Error)
	}
	if err := holder.Exec("UPDATE api_keys SET name = name WHERE id = ?", k.ID).Error; err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() {
		_, err := svc.VerifyAPIKey(ctx, secret)
		done <- err
	}()
	select {
	case err := <-done:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(5 * time.Second):
		holder.Rollback()
		t.Fatal("verification waited for another transaction's write lock")
	}
	holder.Rollback()

	svc.Wait()
	var used *time.Time
	if err := db.DB.Raw("SELECT last_used_at FROM api_keys WHERE id = ?", k.ID).Scan(&used).Error; err != nil {
		t.Fatal(err)
	}
	if used == nil {
		t.Fatal("the key's last use was not recorded once the lock was free")
	}
}
