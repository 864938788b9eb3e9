package analyticsplugin

import (
	"context"
	"encoding/json"
	"time"
)

// loop refreshes the organization's panels and reads its usage until ctx
// ends.
func (p *Plugin) loop(ctx context.Context, ts *tenant) {
	ts.mu.Lock()
	cfg := ts.cfg
	ts.mu.Unlock()
	refresh := time.NewTicker(cfg.refresh)
	defer refresh.Stop()
	var metrics <-chan time.Time
	if cfg.metrics > 0 {
		mt := time.NewTicker(cfg.metrics)
		defer mt.Stop()
		metrics = mt.C
		p.sampleMetrics(ctx, ts)
	}
	p.tick(ctx, ts)
	for {
		select {
		case <-ctx.Done():
			return
		case <-refresh.C:
			p.tick(ctx, ts)
		case <-ts.kick:
			p.tick(ctx, ts)
		case <-metrics:
			p.sampleMetrics(ctx, ts)
		}
	}
}

// maxUpdateBytes bounds an analytics.update payload (the core takes 64 KiB).
const maxUpdateBytes = 48 << 10

// tick refreshes the sources of the organization's panels and pushes the
// panels whose source changed; it drops copies nobody used for a while.
func (p *Plugin) tick(ctx context.Context, ts *tenant) {
	panels, err := p.panels(ctx, ts)
	if err != nil {
		if ctx.Err() == nil {
			p.host.Logger().WarnContext(ctx, "panels not read", "tenant", ts.t.Slug, "error", err.Error())
		}
		return
	}
	versions := map[string]uint64{}
	for _, pn := range panels {
		name := pn.Query.Source
		if _, done := versions[name]; done {
			continue
		}
		s := ts.source(name)
		if err := p.refresh(ctx, ts, s, 2*time.Second); err != nil && ctx.Err() == nil {
			p.host.Logger().DebugContext(ctx, "panel source not refreshed", "source", name, "error", err.Error())
		}
		versions[name] = s.tbl.Version() + 1
	}
	for _, pn := range panels {
		if ctx.Err() != nil {
			return
		}
		v := versions[pn.Query.Source]
		ts.mu.Lock()
		pushed := ts.panels[pn.ID]
		ts.mu.Unlock()
		if pushed == v {
			continue
		}
		ans, err := p.run(ctx, ts, pn.Query)
		if err != nil {
			continue // the panel's data endpoint reports the error
		}
		if p.emit(ctx, ts, "analytics.update", updatePayload(pn, ans)) {
			ts.mu.Lock()
			ts.panels[pn.ID] = v
			ts.mu.Unlock()
		}
	}
	// Forget copies that neither a panel nor a recent query uses.
	ts.mu.Lock()
	for name, s := range ts.sources {
		if _, panel := versions[name]; !panel && name != "metrics" && time.Since(s.used) > p.opts.IdleSource {
			delete(ts.sources, name)
		}
	}
	ts.mu.Unlock()
}

// updatePayload is a panel's analytics.update: its result, with rows left
// out when it would not fit (the oldest buckets of a time series first);
// rows_omitted tells the dashboard to fetch the panel's data.
func updatePayload(pn Panel, ans *Answer) map[string]any {
	rows := ans.Rows
	omitted := 0
	for {
		d := map[string]any{
			"panel_id": pn.ID, "title": pn.Title, "chart": pn.Chart, "source": pn.Query.Source,
			"columns": ans.Columns, "rows": rows, "rows_omitted": omitted, "groups": ans.Groups,
			"rows_matched": ans.RowsMatched, "truncated": ans.Truncated, "source_status": ans.Source,
			"at": time.Now().UTC(),
		}
		raw, err := json.Marshal(d)
		if err == nil && len(raw) <= maxUpdateBytes {
			return d
		}
		if len(rows) == 0 {
			return d
		}
		drop := max(len(rows)/2, 1)
		omitted += drop
		if pn.Query.Time != nil {
			rows = rows[drop:]
		} else {
			rows = rows[:len(rows)-drop]
		}
	}
}
