package store_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/switchyard/switchyard/core/store"
	"github.com/switchyard/switchyard/core/store/storetest"
)

// While one writer commits back to back (as the event journal does under
// load), another writer's transactions still start within a few of its
// commits: they queue for SQLite's write lock instead of polling for it
// with sleeps that the busy writer keeps winning.
func TestSQLiteWritersTakeTurns(t *testing.T) {
	db := storetest.Open(t, store.SQLite)
	pool := db.SQL()
	ctx := context.Background()
	if _, err := pool.ExecContext(ctx, `CREATE TABLE turn_probe (writer TEXT NOT NULL, n INTEGER NOT NULL)`); err != nil {
		t.Fatal(err)
	}
	// write commits rows rows in one transaction.
	write := func(who string, rows int) error {
		tx, err := pool.BeginTx(ctx, nil)
		if err != nil {
			return err
		}
		for n := range rows {
			if _, err := tx.ExecContext(ctx, `INSERT INTO turn_probe (writer, n) VALUES (?, ?)`, who, n); err != nil {
				_ = tx.Rollback()
				return err
			}
		}
		return tx.Commit()
	}

	stop := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() { // the busy writer
		defer wg.Done()
		for {
			select {
			case <-stop:
				return
			default:
			}
			if err := write("busy", 100); err != nil {
				t.Error(err)
				return
			}
		}
	}()
	time.Sleep(50 * time.Millisecond)
	var longest time.Duration
	for range 30 {
		began := time.Now()
		if err := write("other", 1); err != nil {
			t.Fatal(err)
		}
		longest = max(longest, time.Since(began))
	}
	close(stop)
	wg.Wait()
	if longest > 250*time.Millisecond {
		t.Fatalf("a write waited %v behind a busy writer", longest)
	}
}
