package events_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/switchyard/switchyard/core/events"
	"github.com/switchyard/switchyard/core/events/natstest"
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

// journals runs fn against each Journal implementation: the SQL journal on
// every configured engine and the JetStream journal on a NATS server.
// open returns a fresh journal over the same storage each time it is called
// (a restart of the core).
func journals(t *testing.T, keep int, fn func(t *testing.T, db *store.DB, open func() events.Journal)) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		fn(t, db, func() events.Journal {
			j := events.NewSQLJournal(db.DB)
			t.Cleanup(func() { _ = j.Close() })
			return j
		})
	})
	t.Run("jetstream", func(t *testing.T) {
		db := storetest.Open(t, store.SQLite)
		url := natstest.URL(t)
		stream, prefix := natstest.Names()
		nc, err := nats.Connect(url)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() {
			if js, err := jetstream.New(nc); err == nil {
				_ = js.DeleteStream(context.Background(), stream)
			}
			nc.Close()
		})
		fn(t, db, func() events.Journal {
			j, err := events.NewJetStreamJournal(context.Background(), nc, events.JetStreamOptions{Stream: stream, Prefix: prefix, Keep: keep}, slog.New(slog.DiscardHandler))
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { _ = j.Close() })
			return j
		})
	})
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
	journals(t, 10_000, func(t *testing.T, db *store.DB, open func() events.Journal) {
		seedOrg(t, db, "a")
		seedOrg(t, db, "b")
		j := open()
		// A second replica appending to the same history (JetStream); the
		// SQL journal serves one node, so there it is the same journal.
		j2 := j
		if _, ok := j.(*events.JetStreamJournal); ok {
			j2 = open()
		}
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
				jj := []events.Journal{j, j2}[g/4]
				for range 25 {
					if _, err := jj.Append(ctx, org, drafts(1+g%3, "test.thing")); err != nil {
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
			// 4 goroutines per org append 25 batches of 1..3 events.
			want := 0
			for g := range 8 {
				if []string{"a", "b"}[g%2] == org {
					want += 25 * (1 + g%3)
				}
			}
			if head.Epoch == "" || len(evs) != want || head.Seq != evs[len(evs)-1].Seq {
				t.Fatalf("%s: head %+v with %d events, want %d", org, head, len(evs), want)
			}
			for i, e := range evs {
				if e.OrgID != org || (i > 0 && (e.Seq <= evs[i-1].Seq || e.Prev != evs[i-1].Seq)) || (i == 0 && e.Prev != 0) {
					t.Fatalf("%s: event %d = seq %d prev %d org %s", org, i, e.Seq, e.Prev, e.OrgID)
				}
			}
			deadline := time.Now().Add(5 * time.Second)
			for {
				mu.Lock()
				got := slices.Clone(tailed[org])
				mu.Unlock()
				if len(got) >= len(evs) || time.Now().After(deadline) {
					if len(got) != len(evs) {
						t.Fatalf("%s: tail saw %d events, journal has %d", org, len(got), len(evs))
					}
					for i, s := range got {
						if s != evs[i].Seq {
							t.Fatalf("%s: tail order differs at %d", org, i)
						}
					}
					break
				}
				time.Sleep(10 * time.Millisecond)
			}
		}
	})
}

// TestJournalSurvivesRestartWithoutReuse closes the journal and opens a
// new one on the same database: numbering continues, the epoch stays.
func TestJournalSurvivesRestartWithoutReuse(t *testing.T) {
	journals(t, 10_000, func(t *testing.T, db *store.DB, open func() events.Journal) {
		seedOrg(t, db, "a")
		ctx := context.Background()
		j1 := open()
		first, err := j1.Append(ctx, "a", drafts(3, "test.thing"))
		if err != nil {
			t.Fatal(err)
		}
		h1, _ := j1.Head(ctx, "a")
		_ = j1.Close()
		j2 := open()
		next, err := j2.Append(ctx, "a", drafts(1, "test.thing"))
		if err != nil {
			t.Fatal(err)
		}
		h2, _ := j2.Head(ctx, "a")
		if next[0].Seq <= first[2].Seq || next[0].Prev != first[2].Seq || h2.Epoch != h1.Epoch || next[0].ID == first[2].ID {
			t.Fatalf("after restart: %+v (before %+v), epochs %s/%s", next[0], first[2], h1.Epoch, h2.Epoch)
		}
	})
}

// TestSQLJournalFailsOnlyTheOrganizationThatIsGone appends concurrently to
// an organization with history, one with none yet and one deleted after
// its first event, so the journal's groups mix the three: every append to
// the deleted one fails, and nothing else is lost, doubled or misnumbered.
func TestSQLJournalFailsOnlyTheOrganizationThatIsGone(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		for _, org := range []string{"old", "new", "gone"} {
			seedOrg(t, db, org)
		}
		j := events.NewSQLJournal(db.DB)
		t.Cleanup(func() { _ = j.Close() })
		ctx := context.Background()
		for _, org := range []string{"old", "gone"} {
			if _, err := j.Append(ctx, org, drafts(2, "test.thing")); err != nil {
				t.Fatal(err)
			}
		}
		if err := db.Exec(`DELETE FROM organizations WHERE id = ?`, "gone").Error; err != nil {
			t.Fatal(err)
		}
		var mu sync.Mutex
		got := map[string][]events.Event{}
		var wg sync.WaitGroup
		for g := range 12 {
			wg.Go(func() {
				org := []string{"old", "new", "gone"}[g%3]
				for range 20 {
					evs, err := j.Append(ctx, org, drafts(1+g%2, "test.thing"))
					if (err == nil) == (org == "gone") {
						t.Errorf("append to %s: %v", org, err)
						return
					}
					mu.Lock()
					got[org] = append(got[org], evs...)
					mu.Unlock()
				}
			})
		}
		wg.Wait()
		for org, first := range map[string]uint64{"old": 3, "new": 1} {
			stored, _, err := j.Since(ctx, org, first-1, 10_000)
			if err != nil {
				t.Fatal(err)
			}
			answered := got[org]
			slices.SortFunc(answered, func(a, b events.Event) int { return int(a.Seq) - int(b.Seq) })
			if len(stored) != len(answered) || len(stored) != 4*20*3/2 {
				t.Fatalf("%s: %d stored, %d answered", org, len(stored), len(answered))
			}
			for i, e := range stored {
				if e.Seq != first+uint64(i) || e.Prev != e.Seq-1 || e.ID != answered[i].ID || e.Seq != answered[i].Seq {
					t.Fatalf("%s: stored #%d is seq %d prev %d id %s; answered seq %d id %s",
						org, i, e.Seq, e.Prev, e.ID, answered[i].Seq, answered[i].ID)
				}
			}
		}
	})
}

func TestSQLJournalRefusesAfterClose(t *testing.T) {
	db := storetest.Open(t, store.SQLite)
	seedOrg(t, db, "a")
	j := events.NewSQLJournal(db.DB)
	_ = j.Close()
	if _, err := j.Append(context.Background(), "a", drafts(1, "test.thing")); !errors.Is(err, events.ErrClosed) {
		t.Fatalf("append after close: %v", err)
	}
}

func TestJetStreamJournalGaps(t *testing.T) {
	journals(t, 5, func(t *testing.T, db *store.DB, open func() events.Journal) {
		if _, ok := open().(*events.JetStreamJournal); !ok {
			t.Skip("the SQL journal's gaps are tested in TestJournalGapsAndRetention")
		}
		seedOrg(t, db, "a")
		ctx := context.Background()
		j := open()
		evs, err := j.Append(ctx, "a", drafts(8, "test.thing")) // the stream keeps 5 per organization
		if err != nil {
			t.Fatal(err)
		}
		if _, _, err := j.Since(ctx, "a", evs[1].Seq, 10); !errors.Is(err, events.ErrHistoryGap) {
			t.Fatalf("since a pruned seq: %v", err)
		}
		got, _, err := j.Since(ctx, "a", evs[2].Seq, 10)
		if err != nil || len(got) != 5 || got[0].Seq != evs[3].Seq {
			t.Fatalf("since the last pruned seq: %d, %v", len(got), err)
		}
		if _, _, err := j.Since(ctx, "a", evs[7].Seq+1000, 10); !errors.Is(err, events.ErrHistoryGap) {
			t.Fatalf("since a future seq: %v", err)
		}
		if got, _, err := j.Since(ctx, "a", evs[7].Seq, 10); err != nil || len(got) != 0 {
			t.Fatalf("since the head: %d, %v", len(got), err)
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

// TestPruneWhileAppending: retention removes a long backlog a chunk per
// transaction (so appends get in between; BenchmarkPruneWhileAppending
// measures how long one waits) while appends go on; history then starts
// right after the pruned events, with nothing missing after it.
func TestPruneWhileAppending(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		seedOrg(t, db, "a")
		j := events.NewSQLJournal(db.DB)
		t.Cleanup(func() { _ = j.Close() })
		ctx := context.Background()
		for range 11 {
			if _, err := j.Append(ctx, "a", drafts(500, "test.thing")); err != nil {
				t.Fatal(err)
			}
		}
		pruned := make(chan error, 1)
		go func() {
			_, err := j.Prune(ctx, 1000, 0) // 4,500 events: three chunks and a part
			pruned <- err
		}()
		late := 0
		for waiting := true; waiting; late++ {
			if _, err := j.Append(ctx, "a", drafts(1, "test.late")); err != nil {
				t.Fatal(err)
			}
			select {
			case err := <-pruned:
				if err != nil {
					t.Fatal(err)
				}
				waiting = false
			default:
			}
		}
		// The prune kept the newest 1,000 of what was there when it began.
		var start uint64
		if err := db.Raw("SELECT pruned_seq FROM org_streams WHERE org_id = 'a'").Scan(&start).Error; err != nil {
			t.Fatal(err)
		}
		if start < 4_500 || start > 4_500+uint64(late) {
			t.Fatalf("history starts after seq %d; 5,500 events and %d more were appended, 1,000 kept", start, late)
		}
		evs, head, err := j.Since(ctx, "a", start, 100_000)
		if err != nil || len(evs) == 0 || evs[0].Seq != start+1 || uint64(len(evs)) != head.Seq-start || head.Seq != uint64(5_500+late) {
			t.Fatalf("history after seq %d: %d events up to %d (%d appended): %v", start, len(evs), head.Seq, 5_500+late, err)
		}
		var left int64
		if err := db.Raw("SELECT COUNT(*) FROM events WHERE org_id = 'a' AND seq <= ?", start).Scan(&left).Error; err != nil || left != 0 {
			t.Fatalf("%d pruned events left: %v", left, err)
		}
		if _, _, err := j.Since(ctx, "a", start-1, 10); !errors.Is(err, events.ErrHistoryGap) {
			t.Fatalf("since a pruned seq: %v", err)
		}
	})
}
