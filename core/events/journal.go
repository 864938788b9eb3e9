package events

import (
	"context"
	"time"
)

// Journal numbers, stores and replays organizations' events. The SQL
// journal serves one node; the JetStream journal serves replicas sharing
// NATS. Both keep each organization's events in order and record, in each
// event, the sequence of the one before it.
type Journal interface {
	// Append stores drafts as the organization's next events and returns
	// them numbered. It returns once they are durable; then, and only then,
	// the tails receive them.
	Append(ctx context.Context, orgID string, drafts []Draft) ([]Event, error)
	// Since returns up to limit events with Seq > after, oldest first, and
	// the head of the history. It returns ErrHistoryGap when the history
	// after that point is not complete (pruned, or after is beyond the head).
	Since(ctx context.Context, orgID string, after uint64, limit int) ([]Event, Head, error)
	// Head describes the organization's history.
	Head(ctx context.Context, orgID string) (Head, error)
	// Tail registers fn to receive every appended event of every
	// organization on this replica, each organization's in order. fn must
	// not block.
	Tail(fn func(Event))
	// Prune applies retention: at most keep events per organization, none
	// older than maxAge. It returns how many it removed.
	Prune(ctx context.Context, keep int, maxAge time.Duration) (int, error)
	// DropOrg removes a deleted organization's history.
	DropOrg(ctx context.Context, orgID string) error
	// Close stops the journal; pending appends fail with ErrClosed.
	Close() error
}
