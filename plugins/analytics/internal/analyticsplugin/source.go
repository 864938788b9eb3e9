package analyticsplugin

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/switchyard/switchyard/plugins/analytics/internal/table"
	"github.com/switchyard/switchyard/sdk"
)

// source is the local copy of one source of one organization.
type source struct {
	name string
	tbl  *table.Table

	mu       sync.Mutex // serializes refreshes and guards the fields below
	cursor   string     // a dataset's change feed cursor
	after    uint64     // the event stream's last sequence number
	epoch    string
	complete bool // caught up at the last refresh
	missing  bool // the dataset does not exist (yet)
	capped   bool // max_rows reached: later records are not loaded
	gap      bool // events were lost between two refreshes
	synced   time.Time
	used     time.Time
	err      error
}

// Status describes a source's copy.
type Status struct {
	Source   string    `json:"source"`
	Rows     int       `json:"rows"`
	Complete bool      `json:"complete"`
	Capped   bool      `json:"capped,omitempty"`
	Gap      bool      `json:"gap,omitempty"`
	SyncedAt time.Time `json:"synced_at,omitzero"`
	Error    string    `json:"error,omitempty"`
}

func (s *source) status() Status {
	s.mu.Lock()
	defer s.mu.Unlock()
	st := Status{Source: s.name, Rows: s.tbl.Len(), Complete: s.complete, Capped: s.capped, Gap: s.gap, SyncedAt: s.synced}
	if s.err != nil {
		st.Error = s.err.Error()
	}
	return st
}

// source returns the organization's copy of name, creating it.
func (ts *tenant) source(name string) *source {
	ts.mu.Lock()
	defer ts.mu.Unlock()
	s := ts.sources[name]
	if s == nil {
		s = &source{name: name, tbl: table.New(strings.HasPrefix(name, "dataset:"))}
		if name == "metrics" {
			s.tbl = ts.samples
			s.complete = true
		}
		ts.sources[name] = s
	}
	s.used = time.Now()
	return s
}

// Page sizes asked of the host.
const pageSize = 1000

// refresh brings the copy up to date, within budget: a first load of a
// large dataset continues at the next refresh. It reports whether the
// copy caught up.
func (p *Plugin) refresh(ctx context.Context, ts *tenant, s *source, budget time.Duration) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	deadline := time.Now().Add(budget)
	var err error
	switch {
	case s.name == "metrics":
		return nil
	case s.name == "events":
		err = p.refreshEvents(ctx, ts, s, deadline)
	default:
		err = p.refreshDataset(ctx, ts, s, deadline)
	}
	s.err = err
	if err == nil {
		s.synced = time.Now().UTC()
	}
	return err
}

func (p *Plugin) refreshDataset(ctx context.Context, ts *tenant, s *source, deadline time.Time) error {
	name := strings.TrimPrefix(s.name, "dataset:")
	ds := p.host.Datasets(ts.t)
	maxRows := ts.cfg.MaxRows
	var fields []table.Field
	for {
		if s.capped {
			s.complete = true
			return nil
		}
		page, err := ds.Changes(ctx, name, s.cursor, pageSize)
		if errors.Is(err, sdk.ErrNotFound) {
			s.missing, s.complete = true, true
			return nil
		}
		if err != nil {
			s.complete = false
			return fmt.Errorf("reading dataset %s: %w", name, err)
		}
		s.missing = false
		rows := make([]table.Row, 0, len(page.Records))
		for _, r := range page.Records {
			fields, err = table.Flatten(r.Data, "", fields[:0])
			if err != nil {
				continue // a record that is not an object has no columns
			}
			rows = append(rows, table.Row{Key: r.Key, Fields: append([]table.Field(nil), fields...)})
		}
		if maxRows > 0 && s.tbl.Len()+len(rows) > maxRows {
			// Updates of loaded rows would still fit, but a page mixes
			// both: stop here and say so.
			s.capped = true
			s.err = fmt.Errorf("dataset %s has more than max_rows (%d) records: later ones are not loaded", name, maxRows)
			s.complete = true
			return nil
		}
		s.tbl.Upsert(rows)
		s.cursor = page.Cursor
		s.complete = !page.More
		if !page.More || time.Now().After(deadline) || ctx.Err() != nil {
			return ctx.Err()
		}
	}
}

func (p *Plugin) refreshEvents(ctx context.Context, ts *tenant, s *source, deadline time.Time) error {
	ev := p.host.Events(ts.t)
	var fields []table.Field
	for {
		prev := s.after
		page, err := ev.Since(ctx, sdk.EventsQuery{After: s.after, Limit: pageSize})
		if err != nil {
			s.complete = false
			return fmt.Errorf("reading events: %w", err)
		}
		if s.epoch != "" && page.Epoch != s.epoch {
			// The history was replaced: start over.
			s.tbl.Reset()
			s.epoch, s.after, s.gap = page.Epoch, 0, true
			continue
		}
		s.epoch = page.Epoch
		if page.Gap && s.after > 0 {
			s.gap = true
		}
		rows := make([]table.Row, 0, len(page.Events))
		for _, e := range page.Events {
			fields = append(fields[:0],
				table.Field{Name: "seq", Value: table.Num(float64(e.Seq))},
				table.Field{Name: "type", Value: table.Str(e.Type)},
				table.Field{Name: "source", Value: table.Str(e.Source)},
				table.Field{Name: "time", Value: table.TimeOf(e.Time)},
			)
			if len(e.Data) > 0 && e.Data[0] == '{' {
				fields, _ = table.Flatten(e.Data, "data.", fields)
			}
			rows = append(rows, table.Row{Key: strconv.FormatUint(e.Seq, 10), Fields: append([]table.Field(nil), fields...)})
		}
		s.tbl.Upsert(rows)
		if keep := ts.cfg.EventsKeep; keep > 0 && s.tbl.Len() > keep+keep/4 {
			s.tbl.DropOldest(s.tbl.Len() - keep)
		}
		s.after = page.Next
		s.complete = page.Next >= page.Head
		if s.complete || s.after == prev || time.Now().After(deadline) || ctx.Err() != nil {
			return ctx.Err()
		}
	}
}
