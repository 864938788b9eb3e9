package pluginhost

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/switchyard/switchyard/core/store"
	"github.com/switchyard/switchyard/core/store/storetest"
	"github.com/switchyard/switchyard/sdk/grpcplugin"
)

func addOrg(t *testing.T, db *store.DB, id string) {
	t.Helper()
	now := time.Now().UTC()
	if err := db.WithContext(t.Context()).Exec(`INSERT INTO organizations (id, slug, name, created_at, updated_at) VALUES (?, ?, ?, ?, ?)`,
		id, id, id, now, now).Error; err != nil {
		t.Fatal(err)
	}
}

// TestDatasetChangeFeed: the change feed returns every write once, in
// write order, an update again at its new place, and never skips a write
// while concurrent writers commit, on both engines.
func TestDatasetChangeFeed(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := t.Context()
		s := &storage{db: db}
		addOrg(t, db, "org-a")
		if _, err := s.datasetChanges(ctx, "org-a", "orders", grpcplugin.PageRequest{}); !isCode(err, grpcplugin.ErrNotFound) {
			t.Fatalf("changes of a missing dataset: %v", err)
		}
		rec := func(k string, v int) grpcplugin.Record {
			return grpcplugin.Record{Key: k, Data: json.RawMessage(strconv.Itoa(v))}
		}
		if _, err := s.datasetAppend(ctx, "org-a", "sync", "orders", []grpcplugin.Record{rec("a", 1), rec("b", 2), rec("c", 3)}); err != nil {
			t.Fatal(err)
		}
		p, err := s.datasetChanges(ctx, "org-a", "orders", grpcplugin.PageRequest{Limit: 2})
		if err != nil || len(p.Records) != 2 || !p.More || p.Records[0].Key != "a" || p.Records[1].Key != "b" {
			t.Fatalf("first page = %+v, %v", p, err)
		}
		p, err = s.datasetChanges(ctx, "org-a", "orders", grpcplugin.PageRequest{Cursor: p.Cursor, Limit: 2})
		if err != nil || len(p.Records) != 1 || p.More || p.Records[0].Key != "c" {
			t.Fatalf("second page = %+v, %v", p, err)
		}
		cursor := p.Cursor
		// Nothing new: an empty page keeps the cursor.
		p, err = s.datasetChanges(ctx, "org-a", "orders", grpcplugin.PageRequest{Cursor: cursor})
		if err != nil || len(p.Records) != 0 || p.Cursor != cursor {
			t.Fatalf("idle page = %+v, %v", p, err)
		}
		// An update of a comes after c, with its new data.
		if _, err := s.datasetAppend(ctx, "org-a", "sync", "orders", []grpcplugin.Record{rec("a", 10)}); err != nil {
			t.Fatal(err)
		}
		p, err = s.datasetChanges(ctx, "org-a", "orders", grpcplugin.PageRequest{Cursor: cursor})
		if err != nil || len(p.Records) != 1 || p.Records[0].Key != "a" || string(p.Records[0].Data) != "10" {
			t.Fatalf("after update = %+v, %v", p, err)
		}
		cursor = p.Cursor

		// Concurrent writers while a reader follows the feed: every key
		// arrives, with its last value.
		const writers, batches, per = 4, 10, 25
		var wg sync.WaitGroup
		errc := make(chan error, writers)
		for w := range writers {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for b := range batches {
					var recs []grpcplugin.Record
					for i := range per {
						recs = append(recs, rec(fmt.Sprintf("w%d-%03d", w, b*per+i), w))
					}
					if _, err := s.datasetAppend(context.WithoutCancel(ctx), "org-a", "sync", "orders", recs); err != nil {
						errc <- err
						return
					}
				}
			}()
		}
		seen := map[string]bool{}
		done := make(chan struct{})
		go func() { wg.Wait(); close(done) }()
		finished := false
		for {
			p, err := s.datasetChanges(ctx, "org-a", "orders", grpcplugin.PageRequest{Cursor: cursor, Limit: 37})
			if err != nil {
				t.Fatal(err)
			}
			for _, r := range p.Records {
				seen[r.Key] = true
			}
			cursor = p.Cursor
			if finished && !p.More && len(p.Records) == 0 {
				break
			}
			select {
			case <-done:
				finished = true
			default:
			}
		}
		select {
		case err := <-errc:
			t.Fatal(err)
		default:
		}
		if len(seen) != writers*batches*per {
			t.Fatalf("the feed returned %d keys, want %d", len(seen), writers*batches*per)
		}
		if _, err := s.datasetChanges(ctx, "org-a", "orders", grpcplugin.PageRequest{Cursor: "not-a-cursor!"}); !isCode(err, grpcplugin.ErrInvalidInput) {
			t.Fatalf("bad cursor: %v", err)
		}
		sz, err := s.sizes(ctx, "org-a")
		if err != nil || sz.Datasets != 1 || sz.DatasetRecords != 3+writers*batches*per || sz.DatasetBytes <= 0 {
			t.Fatalf("sizes = %+v, %v", sz, err)
		}
	})
}

func isCode(err error, code error) bool {
	return err != nil && grpcplugin.CodeOf(err) == grpcplugin.CodeOf(code)
}
