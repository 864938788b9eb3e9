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
// load), another writer's transactions, and its statements outside any
// transaction (a raw Exec, a prepared statement's Exec), still run within a
// few of its commits: they queue for SQLite's write lock instead of
// polling for it with sleeps that the busy writer keeps winning.
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
	prepared, err := pool.PrepareContext(ctx, `INSERT INTO turn_probe (writer, n) VALUES ('prepared', 0)`)
	if err != nil {
		t.Fatal(err)
	}
	defer prepared.Close()
	others := map[string]func() error{
		"transaction": func() error { return write("other", 1) },
		"exec": func() error {
			_, err := pool.ExecContext(ctx, `INSERT INTO turn_probe (writer, n) VALUES ('exec', 0)`)
			return err
		},
		"prepared": func() error { _, err := prepared.ExecContext(ctx); return err },
	}
	for name, other := range others {
		t.Run(name, func(t *testing.T) {
			stop := make(chan struct{})
			var wg sync.WaitGroup
			wg.Go(func() { // the busy writer
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
			})
			time.Sleep(50 * time.Millisecond)
			var longest time.Duration
			for range 30 {
				began := time.Now()
				if err := other(); err != nil {
					t.Fatal(err)
				}
				longest = max(longest, time.Since(began))
			}
			close(stop)
			wg.Wait()
			if longest > 250*time.Millisecond {
				t.Fatalf("a write waited %v behind a busy writer", longest)
			}
			t.Logf("longest wait %v", longest)
		})
	}
}
