package events_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/switchyard/switchyard/core/events"
	"github.com/switchyard/switchyard/core/store"
	"github.com/switchyard/switchyard/core/store/storetest"
)

func seedOrg(t testing.TB, db *store.DB, id string) {
	t.Helper()
	now := time.Now().UTC()
	if err := db.Exec(`INSERT INTO organizations (id, slug, name, created_at, updated_at) VALUES (?, ?, ?, ?, ?)`,
		id, "org-"+id, id, now, now).Error; err != nil {
		t.Fatal(err)
	}
}

func drafts(n int, typ string) []events.Draft {
	out := make([]events.Draft, n)
	for i := range out {
		out[i] = events.Draft{Type: typ, Source: "test", Data: json.RawMessage(fmt.Sprintf(`{"i":%d}`, i))}
	}
	return out
}

// TestJournalNumbersEachOrgInOrder appends from many goroutines to two
// organizations: each gets 1..N exactly once, every event names its
// predecessor, and the tail sees each organization's events in order.
func TestJournalNumbersEachOrgInOrder(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		seedOrg(t, db, "a")
		seedOrg(t, db, "b")
		j := events.NewSQLJournal(db.DB)
		defer j.Close()
		var mu sync.Mutex
		tailed := map[string][]uint64{}
		j.Tail(func(e events.Event) {
			mu.Lock()
			tailed[e.OrgID] = append(tailed[e.OrgID], e.Seq)
			mu.Unlock()
		})
		ctx := context.Background()
		var wg sync.WaitGroup
		for g := range 8 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				org := []string{"a", "b"}[g%2]
				for range 25 {
					if _, err := j.Append(ctx, org, drafts(1+g%3, "test.thing")); err != nil {
						t.Error(err)
						return
					}
				}
			}()
		}
		wg.Wait()
		for _, org := range []string{"a", "b"} {
			evs, head, err := j.Since(ctx, org, 0, 10000)
			if err != nil {
				t.Fatal(err)
			}
			if head.Epoch == "" || head.Seq != uint64(len(evs)) {
				t.Fatalf("%s: head %+v with %d events", org, head, len(evs))
			}
			for i, e := range evs {
				if e.Seq != uint64(i+1) || e.Prev != uint64(i) || e.OrgID != org {
					t.Fatalf("%s: event %d = seq %d prev %d org %s", org, i, e.Seq, e.Prev, e.OrgID)
				}
			}
			got := tailed[org]
			if len(got) != len(evs) {
				t.Fatalf("%s: tail saw %d events, journal has %d", org, len(got), len(evs))
			}
			for i, s := range got {
				if s != uint64(i+1) {
					t.Fatalf("%s: tail order %v", org, got[:i+1])
				}
			}
		}
	})
}

// TestJournalSurvivesRestartWithoutReuse closes the journal and opens a
// new one on the same database: numbering continues, the epoch stays.
func TestJournalSurvivesRestartWithoutReuse(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		seedOrg(t, db, "a")
		ctx := context.Background()
		j1 := events.NewSQLJournal(db.DB)
		first, err := j1.Append(ctx, "a", drafts(3, "test.thing"))
		if err != nil {
			t.Fatal(err)
		}
		h1, _ := j1.Head(ctx, "a")
		_ = j1.Close()
		if _, err := j1.Append(ctx, "a", drafts(1, "test.thing")); !errors.Is(err, events.ErrClosed) {
			t.Fatalf("append after close: %v", err)
		}
		j2 := events.NewSQLJournal(db.DB)
		defer j2.Close()
		next, err := j2.Append(ctx, "a", drafts(1, "test.thing"))
		if err != nil {
			t.Fatal(err)
		}
		h2, _ := j2.Head(ctx, "a")
		if next[0].Seq != first[2].Seq+1 || next[0].Prev != first[2].Seq || h2.Epoch != h1.Epoch || next[0].ID == first[2].ID {
			t.Fatalf("after restart: %+v (before %+v), epochs %s/%s", next[0], first[2], h1.Epoch, h2.Epoch)
		}
	})
}

func TestJournalGapsAndRetention(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		seedOrg(t, db, "a")
		ctx := context.Background()
		j := events.NewSQLJournal(db.DB)
		defer j.Close()
		if _, err := j.Append(ctx, "a", drafts(20, "test.thing")); err != nil {
			t.Fatal(err)
		}
		if _, _, err := j.Since(ctx, "a", 21, 10); !errors.Is(err, events.ErrHistoryGap) {
			t.Fatalf("since beyond head: %v", err)
		}
		n, err := j.Prune(ctx, 5, 0)
		if err != nil || n != 15 {
			t.Fatalf("pruned %d, %v", n, err)
		}
		if _, _, err := j.Since(ctx, "a", 10, 10); !errors.Is(err, events.ErrHistoryGap) {
			t.Fatalf("since a pruned seq: %v", err)
		}
		evs, _, err := j.Since(ctx, "a", 15, 10)
		if err != nil || len(evs) != 5 || evs[0].Seq != 16 {
			t.Fatalf("since the last pruned seq: %d events, %v", len(evs), err)
		}
		// An event for an organization that does not exist fails alone;
		// others in the same group commit are stored.
		var wg sync.WaitGroup
		errs := make([]error, 2)
		for i, org := range []string{"a", "missing"} {
			wg.Add(1)
			go func() {
				defer wg.Done()
				_, errs[i] = j.Append(ctx, org, drafts(1, "test.thing"))
			}()
		}
		wg.Wait()
		if errs[0] != nil || errs[1] == nil {
			t.Fatalf("append errors %v", errs)
		}
	})
}
