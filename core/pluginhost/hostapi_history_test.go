package pluginhost

import (
	"context"
	"testing"

	"github.com/switchyard/switchyard/core/events"
)

// prunedHistory is a history whose events up to pruned are gone, as the
// SQL journal reports it.
type prunedHistory struct{ pruned, head uint64 }

func (h prunedHistory) Since(_ context.Context, _ string, after uint64, limit int) ([]events.Event, events.Head, error) {
	hd := events.Head{Seq: h.head, Epoch: "e"}
	if after < h.pruned || after > h.head {
		return nil, hd, events.ErrHistoryGap
	}
	var out []events.Event
	for s := after + 1; s <= h.head && len(out) < limit; s++ {
		out = append(out, events.Event{Seq: s, Type: "custom.x"})
	}
	return out, hd, nil
}

func (h prunedHistory) Head(context.Context, string) (events.Head, error) {
	return events.Head{Seq: h.head, Epoch: "e"}, nil
}

// TestResumePoint: a reader behind the retention resumes at the oldest
// event kept, whatever its position.
func TestResumePoint(t *testing.T) {
	for _, tc := range []struct{ pruned, head, after, want uint64 }{
		{pruned: 500, head: 1000, after: 0, want: 500},
		{pruned: 500, head: 1000, after: 499, want: 500},
		{pruned: 999, head: 1000, after: 3, want: 999},
		{pruned: 1000, head: 1000, after: 10, want: 1000},
	} {
		got, err := resumePoint(t.Context(), prunedHistory{pruned: tc.pruned, head: tc.head}, "org", tc.after, tc.head)
		if err != nil || got != tc.want {
			t.Errorf("%+v: %d, %v", tc, got, err)
		}
	}
}
