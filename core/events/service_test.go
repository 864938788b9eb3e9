package events_test

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"testing"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/switchyard/switchyard/core/events"
	"github.com/switchyard/switchyard/core/store"
	"github.com/switchyard/switchyard/core/store/storetest"
)

func newService(t *testing.T, db *store.DB, rate int) *events.Service {
	t.Helper()
	j := events.NewSQLJournal(db.DB)
	t.Cleanup(func() { _ = j.Close() })
	return events.NewService(j, db.DB, events.Config{RatePerSec: func(string) int { return rate }},
		slog.New(slog.DiscardHandler), prometheus.NewRegistry())
}

func TestPublishValidates(t *testing.T) {
	db := storetest.Open(t, store.SQLite)
	seedOrg(t, db, "a")
	s := newService(t, db, 0)
	ctx := context.Background()
	bad := []events.Draft{
		{Type: "nodot"},
		{Type: "Upper.case"},
		{Type: "a..b"},
		{Type: "custom.x", Data: json.RawMessage(`{not json`)},
		{Type: "custom.x", Data: make(json.RawMessage, events.MaxDataSize+1)},
		{Type: "notification", Data: json.RawMessage(`{"kind":"shout","title":"x","message":"y"}`)},
		{Type: "notification", Data: json.RawMessage(`{"kind":"info","title":"","message":"y"}`)},
	}
	for _, d := range bad {
		if _, err := s.Publish(ctx, "a", []events.Draft{d}); !errors.Is(err, events.ErrInvalid) {
			t.Errorf("%q %.40s: err = %v", d.Type, d.Data, err)
		}
	}
	if _, err := s.Publish(ctx, "a", drafts(events.MaxBatch+1, "custom.x")); !errors.Is(err, events.ErrInvalid) {
		t.Errorf("oversized batch: %v", err)
	}
	evs, _, err := s.Journal().Since(ctx, "a", 0, 10)
	if err != nil || len(evs) != 0 {
		t.Fatalf("invalid events reached the journal: %d %v", len(evs), err)
	}
}

func TestPublishRateQuota(t *testing.T) {
	db := storetest.Open(t, store.SQLite)
	seedOrg(t, db, "a")
	s := newService(t, db, 10)
	ctx := context.Background()
	if _, err := s.Publish(ctx, "a", drafts(10, "custom.x")); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Publish(ctx, "a", drafts(5, "custom.x")); !errors.Is(err, events.ErrRateLimited) {
		t.Fatalf("over quota: %v", err)
	}
}

func TestNotificationsAndActivity(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		seedOrg(t, db, "a")
		s := newService(t, db, 0)
		ctx := context.Background()
		note := func(target, title string) events.Draft {
			return events.Draft{Type: events.Notification, Source: "core", Target: target,
				Data: json.RawMessage(`{"kind":"success","title":"` + title + `","message":"done"}`)}
		}
		if _, err := s.Publish(ctx, "a", []events.Draft{note("", "for everyone"), note("u1", "for u1"), note("u2", "for u2"),
			{Type: events.SystemMetrics, Source: "core", Data: json.RawMessage(`{"cpu":1}`)}}); err != nil {
			t.Fatal(err)
		}
		list, unread, err := s.Notifications(ctx, "a", "u1", false, 10)
		if err != nil || len(list) != 2 || unread != 2 {
			t.Fatalf("u1 sees %d (%d unread), %v", len(list), unread, err)
		}
		if err := s.MarkRead(ctx, "a", "u1", list[0].ID); err != nil {
			t.Fatal(err)
		}
		if err := s.MarkRead(ctx, "a", "u1", list[0].ID); err != nil {
			t.Fatalf("marking twice: %v", err)
		}
		var u2only string
		all, _, _ := s.Notifications(ctx, "a", "u2", false, 10)
		for _, n := range all {
			if n.Title == "for u2" {
				u2only = n.ID
			}
		}
		if err := s.MarkRead(ctx, "a", "u1", u2only); !errors.Is(err, events.ErrNotFound) {
			t.Fatalf("u1 marking u2's notification: %v", err)
		}
		_, unread, _ = s.Notifications(ctx, "a", "u1", true, 10)
		if unread != 1 {
			t.Fatalf("unread after marking one = %d", unread)
		}
		if err := s.MarkAllRead(ctx, "a", "u1"); err != nil {
			t.Fatal(err)
		}
		if _, unread, _ = s.Notifications(ctx, "a", "u1", true, 10); unread != 0 {
			t.Fatalf("unread after read-all = %d", unread)
		}
		// u2's own state is untouched by u1.
		if _, unread, _ = s.Notifications(ctx, "a", "u2", true, 10); unread != 2 {
			t.Fatalf("u2 unread = %d", unread)
		}
		// Activity has the notifications, not the metrics, and hides other users' targets.
		act, err := s.Activity(ctx, "a", "u1", 10)
		if err != nil || len(act) != 2 {
			t.Fatalf("activity for u1 = %d, %v", len(act), err)
		}
		hist, _, err := s.History(ctx, "a", "u1", 0, []string{"system.*"}, 10)
		if err != nil || len(hist) != 1 || hist[0].Type != events.SystemMetrics {
			t.Fatalf("history filtered by pattern = %v, %v", hist, err)
		}
	})
}

func TestMatch(t *testing.T) {
	cases := []struct {
		pattern, typ string
		want         bool
	}{
		{"*", "anything.at_all", true},
		{"sync.*", "sync.update", true},
		{"sync.*", "sync", false},
		{"sync.*", "synced.update", false},
		{"ml.*", "ml.training.progress", true},
		{"notification", "notification", true},
		{"notification", "notification.extra", false},
	}
	for _, c := range cases {
		if got := events.Match(c.pattern, c.typ); got != c.want {
			t.Errorf("Match(%q, %q) = %v", c.pattern, c.typ, got)
		}
	}
	for _, p := range []string{"", "sync.", "*.x", "SYNC.*", "a b", "sync.**"} {
		if events.ValidPattern(p) {
			t.Errorf("pattern %q accepted", p)
		}
	}
}
