package events

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/google/uuid"
	"gorm.io/gorm"
)

// SQLJournal keeps events in the database. One writer goroutine owns all
// appends: it takes every request queued while the previous transaction
// committed and writes them in one transaction (group commit), numbering
// each organization's events from the org_streams row it updates in that
// same transaction. The database is thus the one authority for sequence
// numbers, and one fsync covers many events.
type SQLJournal struct {
	db       *gorm.DB
	sql      *sql.DB
	postgres bool
	reqs     chan *appendReq
	stop     chan struct{}
	done     chan struct{}
	mu       sync.RWMutex
	tails    []func(Event)
	now      func() time.Time
	chunk    int // events per INSERT statement
}

type appendReq struct {
	ctx    context.Context
	orgID  string
	drafts []Draft
	out    []Event
	err    error
	done   chan struct{}
}

// maxGroup bounds the events written in one transaction.
const maxGroup = 2000

// NewSQLJournal starts the writer over db.
func NewSQLJournal(db *gorm.DB) *SQLJournal {
	sqlDB, err := db.DB()
	if err != nil {
		panic("events: the journal needs a database/sql pool: " + err.Error()) // GORM over a pool always has one
	}
	j := &SQLJournal{db: db, sql: sqlDB, postgres: db.Name() == "postgres", reqs: make(chan *appendReq, 1024),
		stop: make(chan struct{}), done: make(chan struct{}), now: time.Now, chunk: 100}
	if !j.postgres {
		// The SQLite driver matches each bind parameter to its argument by
		// a linear scan, so a statement's cost grows with the square of
		// its parameters: several small statements are cheaper than one.
		j.chunk = 16
	}
	go j.writer()
	return j
}

type eventRow struct {
	OrgID        string
	Seq          uint64
	PrevSeq      uint64
	ID           string
	Type         string
	Source       string
	TargetUserID string
	Data         string
	CreatedAt    time.Time
}

func (eventRow) TableName() string { return "events" }

func (r *eventRow) event() Event {
	return Event{ID: r.ID, OrgID: r.OrgID, Seq: r.Seq, Prev: r.PrevSeq, Type: r.Type, Time: r.CreatedAt.UTC(),
		Source: r.Source, Target: r.TargetUserID, Data: []byte(r.Data)}
}

// Append implements Journal.
func (j *SQLJournal) Append(ctx context.Context, orgID string, drafts []Draft) ([]Event, error) {
	if len(drafts) == 0 {
		return nil, nil
	}
	r := &appendReq{ctx: ctx, orgID: orgID, drafts: drafts, done: make(chan struct{})}
	select {
	case j.reqs <- r:
	case <-j.stop:
		return nil, ErrClosed
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	// Once queued, the request is written or failed by the writer; waiting
	// for it (rather than for ctx) means a caller that gave up can never
	// believe an event was lost when it was in fact stored.
	select {
	case <-r.done:
		return r.out, r.err
	case <-j.done:
		// The writer stopped; it may have taken r first.
		select {
		case <-r.done:
			return r.out, r.err
		default:
			return nil, ErrClosed
		}
	}
}

func (j *SQLJournal) writer() {
	defer close(j.done)
	for {
		var first *appendReq
		select {
		case first = <-j.reqs:
		case <-j.stop:
			j.failQueued()
			return
		}
		batch := []*appendReq{first}
		n := len(first.drafts)
	gather:
		for n < maxGroup {
			select {
			case r := <-j.reqs:
				batch = append(batch, r)
				n += len(r.drafts)
			default:
				break gather
			}
		}
		if err := j.write(batch); err != nil && len(batch) > 1 {
			// One bad request (an organization deleted meanwhile) must not
			// fail the others: write them one by one.
			for _, r := range batch {
				r.err = j.write([]*appendReq{r})
			}
		} else if err != nil {
			batch[0].err = err
		}
		for _, r := range batch {
			if r.err == nil {
				j.deliver(r.out)
			}
			close(r.done)
		}
	}
}

func (j *SQLJournal) failQueued() {
	for {
		select {
		case r := <-j.reqs:
			r.err = ErrClosed
			close(r.done)
		default:
			return
		}
	}
}

// write stores a group of requests and numbers them. It is the hottest
// write path of a single node, so it speaks database/sql directly (a few
// statements, no reflection). It returns an error only when nothing of
// the group was stored.
func (j *SQLJournal) write(batch []*appendReq) error {
	if j.postgres {
		return j.writeOneStatement(batch)
	}
	return j.writeTx(batch)
}

// writeTx stores a group in one transaction: one UPDATE … RETURNING per
// organization, which creates the stream row on first use, and one
// multi-row INSERT per chunk of events.
func (j *SQLJournal) writeTx(batch []*appendReq) (err error) {
	now := j.now().UTC()
	defer func() {
		if err != nil {
			for _, r := range batch {
				r.out = nil
			}
			err = fmt.Errorf("events: append: %w", err)
		}
	}()
	tx, err := j.sql.Begin()
	if err != nil {
		return err
	}
	defer tx.Rollback() //nolint:errcheck // after Commit this is a no-op
	var rows []Event
	for _, r := range batch {
		last, err := j.reserve(tx, r.orgID, uint64(len(r.drafts)))
		if err != nil {
			return err
		}
		seq := last - uint64(len(r.drafts))
		r.out = make([]Event, len(r.drafts))
		for i, d := range r.drafts {
			seq++
			r.out[i] = Event{ID: uuid.Must(uuid.NewV7()).String(), OrgID: r.orgID, Seq: seq, Prev: seq - 1,
				Type: d.Type, Time: now, Source: d.Source, Target: d.Target, Data: d.Data}
		}
		rows = append(rows, r.out...)
	}
	for len(rows) > 0 {
		n := min(len(rows), j.chunk)
		if err := j.insert(tx, rows[:n]); err != nil {
			return err
		}
		rows = rows[n:]
	}
	return tx.Commit()
}

// appendStatement stores a group on PostgreSQL in one statement, so one
// round trip: the stream rows' UPDATE and the events' INSERT are
// data-modifying CTEs over arrays, and the statement is atomic without
// BEGIN and COMMIT. Its text never changes, so it stays prepared. The
// UPDATE skips an organization without a stream row; the INSERT joins on
// it, so that organization's events are left out whole.
const appendStatement = `WITH counts AS (
	SELECT * FROM unnest($1::text[], $2::bigint[]) AS c (org_id, n)
), streams AS (
	UPDATE org_streams o SET last_seq = o.last_seq + c.n FROM counts c
	WHERE o.org_id = c.org_id
	RETURNING o.org_id, o.last_seq, c.n
), stored AS (
	INSERT INTO events (org_id, seq, prev_seq, id, type, source, target_user_id, data, created_at)
	SELECT s.org_id, s.last_seq - s.n + e.k, s.last_seq - s.n + e.k - 1, e.id, e.type, e.source, e.target, e.data, $10::timestamp
	FROM streams s
	JOIN unnest($3::text[], $4::bigint[], $5::text[], $6::text[], $7::text[], $8::text[], $9::text[])
		AS e (org_id, k, id, type, source, target, data) ON e.org_id = s.org_id
)
SELECT org_id, last_seq FROM streams`

// writeOneStatement stores a group with appendStatement, four round trips
// fewer per group than writeTx (BEGIN, one UPDATE per organization, INSERT,
// COMMIT): on one connection the journal is bound by round trips, not by
// the database's work. Requests for an organization the statement left
// out (its first event, or an organization deleted meanwhile) then go
// through writeTx one by one, which creates the stream row or fails them.
func (j *SQLJournal) writeOneStatement(batch []*appendReq) error {
	now := j.now().UTC()
	total := map[string]int64{}
	var orgs []string
	var counts []int64
	var evOrg, evID, evType, evSource, evTarget, evData []string
	var evK []int64
	for _, r := range batch {
		if _, seen := total[r.orgID]; !seen {
			orgs = append(orgs, r.orgID)
		}
		r.out = make([]Event, len(r.drafts))
		for i, d := range r.drafts {
			total[r.orgID]++
			id := uuid.Must(uuid.NewV7()).String()
			r.out[i] = Event{ID: id, OrgID: r.orgID, Type: d.Type, Time: now, Source: d.Source, Target: d.Target, Data: d.Data}
			evOrg, evK, evID = append(evOrg, r.orgID), append(evK, total[r.orgID]), append(evID, id)
			evType, evSource, evTarget = append(evType, d.Type), append(evSource, d.Source), append(evTarget, d.Target)
			evData = append(evData, string(d.Data))
		}
	}
	for _, o := range orgs {
		counts = append(counts, total[o])
	}
	last, err := j.appendRows(orgs, counts, evOrg, evK, evID, evType, evSource, evTarget, evData, now)
	if err != nil {
		for _, r := range batch {
			r.out = nil
		}
		return fmt.Errorf("events: append: %w", err)
	}
	next := map[string]uint64{}
	for _, r := range batch {
		l, stored := last[r.orgID]
		if !stored {
			r.err = j.writeTx([]*appendReq{r})
			continue
		}
		seq, ok := next[r.orgID]
		if !ok {
			seq = l - uint64(total[r.orgID])
		}
		for i := range r.out {
			seq++
			r.out[i].Seq, r.out[i].Prev = seq, seq-1
		}
		next[r.orgID] = seq
	}
	return nil
}

// appendRows runs appendStatement and returns each stored organization's
// new last sequence.
func (j *SQLJournal) appendRows(args ...any) (map[string]uint64, error) {
	rows, err := j.sql.Query(appendStatement, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	last := map[string]uint64{}
	for rows.Next() {
		var org string
		var seq int64
		if err := rows.Scan(&org, &seq); err != nil {
			return nil, err
		}
		last[org] = uint64(seq)
	}
	return last, rows.Err()
}

const eventColumns = 9

func (j *SQLJournal) insert(tx *sql.Tx, evs []Event) error {
	args := make([]any, 0, len(evs)*eventColumns)
	for _, e := range evs {
		args = append(args, e.OrgID, int64(e.Seq), int64(e.Prev), e.ID, e.Type, e.Source, e.Target, string(e.Data), e.Time)
	}
	_, err := tx.Exec(j.insertSQL(len(evs)), args...)
	return err
}

// insertSQL is the INSERT of n events.
func (j *SQLJournal) insertSQL(n int) string {
	var b strings.Builder
	b.WriteString(`INSERT INTO events (org_id, seq, prev_seq, id, type, source, target_user_id, data, created_at) VALUES `)
	for i := range n {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteByte('(')
		for c := range eventColumns {
			if c > 0 {
				b.WriteByte(',')
			}
			b.WriteString(j.placeholder(i*eventColumns + c + 1))
		}
		b.WriteByte(')')
	}
	return b.String()
}

// placeholder is the n-th (1-based) bind parameter in the engine's syntax.
func (j *SQLJournal) placeholder(n int) string {
	if j.postgres {
		return "$" + strconv.Itoa(n)
	}
	return "?"
}

// reserve advances the organization's last sequence by n inside tx and
// returns the new last sequence, creating the stream row on first use.
func (j *SQLJournal) reserve(tx *sql.Tx, orgID string, n uint64) (uint64, error) {
	var last int64
	err := tx.QueryRow(`UPDATE org_streams SET last_seq = last_seq + `+j.placeholder(1)+
		` WHERE org_id = `+j.placeholder(2)+` RETURNING last_seq`, int64(n), orgID).Scan(&last)
	if err == nil {
		return uint64(last), nil
	}
	if !errors.Is(err, sql.ErrNoRows) {
		return 0, err
	}
	_, err = tx.Exec(`INSERT INTO org_streams (org_id, last_seq, pruned_seq, epoch) VALUES (`+
		j.placeholder(1)+`, `+j.placeholder(2)+`, 0, `+j.placeholder(3)+`)`, orgID, int64(n), uuid.Must(uuid.NewV7()).String())
	if err != nil {
		return 0, err
	}
	return n, nil
}

func (j *SQLJournal) deliver(evs []Event) {
	j.mu.RLock()
	tails := j.tails
	j.mu.RUnlock()
	for _, e := range evs {
		for _, fn := range tails {
			fn(e)
		}
	}
}

// Tail implements Journal.
func (j *SQLJournal) Tail(fn func(Event)) {
	j.mu.Lock()
	defer j.mu.Unlock()
	j.tails = append(j.tails, fn)
}

type streamRow struct {
	LastSeq   uint64
	PrunedSeq uint64
	Epoch     string
}

// stream reads (creating if needed) the organization's stream row.
func (j *SQLJournal) stream(ctx context.Context, orgID string) (streamRow, error) {
	var rows []streamRow
	q := `SELECT last_seq, pruned_seq, epoch FROM org_streams WHERE org_id = ?`
	if err := j.db.WithContext(ctx).Raw(q, orgID).Scan(&rows).Error; err != nil {
		return streamRow{}, fmt.Errorf("events: head: %w", err)
	}
	if len(rows) == 1 {
		return rows[0], nil
	}
	if err := j.db.WithContext(ctx).Exec(`INSERT INTO org_streams (org_id, last_seq, pruned_seq, epoch) VALUES (?, 0, 0, ?) ON CONFLICT (org_id) DO NOTHING`,
		orgID, uuid.Must(uuid.NewV7()).String()).Error; err != nil {
		return streamRow{}, fmt.Errorf("events: head: %w", err)
	}
	if err := j.db.WithContext(ctx).Raw(q, orgID).Scan(&rows).Error; err != nil || len(rows) != 1 {
		return streamRow{}, fmt.Errorf("events: head: %v", errors.Join(err, errors.New("no stream row")))
	}
	return rows[0], nil
}

// Head implements Journal.
func (j *SQLJournal) Head(ctx context.Context, orgID string) (Head, error) {
	s, err := j.stream(ctx, orgID)
	return Head{Seq: s.LastSeq, Epoch: s.Epoch}, err
}

// Since implements Journal.
func (j *SQLJournal) Since(ctx context.Context, orgID string, after uint64, limit int) ([]Event, Head, error) {
	s, err := j.stream(ctx, orgID)
	if err != nil {
		return nil, Head{}, err
	}
	head := Head{Seq: s.LastSeq, Epoch: s.Epoch}
	if after > s.LastSeq || after < s.PrunedSeq {
		return nil, head, ErrHistoryGap
	}
	var rows []eventRow
	if err := j.db.WithContext(ctx).Where("org_id = ? AND seq > ?", orgID, after).
		Order("seq").Limit(limit).Find(&rows).Error; err != nil {
		return nil, head, fmt.Errorf("events: read: %w", err)
	}
	out := make([]Event, len(rows))
	for i := range rows {
		out[i] = rows[i].event()
	}
	return out, head, nil
}

// Prune implements Journal.
func (j *SQLJournal) Prune(ctx context.Context, keep int, maxAge time.Duration) (int, error) {
	total := 0
	db := j.db.WithContext(ctx)
	if maxAge > 0 {
		cutoff := j.now().UTC().Add(-maxAge)
		var old []struct {
			OrgID string
			Max   uint64
		}
		if err := db.Raw(`SELECT org_id, MAX(seq) AS max FROM events WHERE created_at < ? GROUP BY org_id`, cutoff).Scan(&old).Error; err != nil {
			return 0, fmt.Errorf("events: prune: %w", err)
		}
		for _, o := range old {
			n, err := j.pruneThrough(db, o.OrgID, o.Max)
			if err != nil {
				return total, err
			}
			total += n
		}
	}
	if keep > 0 {
		var over []struct {
			OrgID   string
			LastSeq uint64
		}
		if err := db.Raw(`SELECT org_id, last_seq FROM org_streams WHERE last_seq - pruned_seq > ?`, keep).Scan(&over).Error; err != nil {
			return total, fmt.Errorf("events: prune: %w", err)
		}
		for _, o := range over {
			n, err := j.pruneThrough(db, o.OrgID, o.LastSeq-uint64(keep))
			if err != nil {
				return total, err
			}
			total += n
		}
	}
	return total, nil
}

// pruneChunk bounds the events one retention transaction removes: the
// journal's writer waits for the database's write lock at most that long
// (~10 ms on SQLite) instead of for the whole backlog (a prune of 140,000
// events in one transaction held appends for 0.8 s).
const pruneChunk = 2000

// pruneThrough removes an organization's events up to and including seq,
// oldest first, a chunk per transaction, each recording that history now
// starts after it.
func (j *SQLJournal) pruneThrough(db *gorm.DB, orgID string, seq uint64) (int, error) {
	total := 0
	for {
		var from []uint64
		if err := db.Raw(`SELECT pruned_seq FROM org_streams WHERE org_id = ?`, orgID).Scan(&from).Error; err != nil {
			return total, fmt.Errorf("events: prune: %w", err)
		}
		if len(from) == 0 || from[0] >= seq {
			return total, nil
		}
		upto := min(seq, from[0]+pruneChunk)
		var n int64
		err := db.Transaction(func(tx *gorm.DB) error {
			if err := tx.Exec(`UPDATE org_streams SET pruned_seq = ? WHERE org_id = ? AND pruned_seq < ?`, upto, orgID, upto).Error; err != nil {
				return err
			}
			res := tx.Exec(`DELETE FROM events WHERE org_id = ? AND seq <= ?`, orgID, upto)
			n = res.RowsAffected
			return res.Error
		})
		if err != nil {
			return total, fmt.Errorf("events: prune: %w", err)
		}
		total += int(n)
	}
}

// DropOrg implements Journal: the organization's rows go with it (the
// schema cascades the deletion).
func (j *SQLJournal) DropOrg(context.Context, string) error { return nil }

// Close implements Journal: queued appends fail, the writer stops.
func (j *SQLJournal) Close() error {
	select {
	case <-j.stop:
	default:
		close(j.stop)
	}
	<-j.done
	return nil
}
