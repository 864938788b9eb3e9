package mlplugin

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"strings"
	"time"

	"github.com/switchyard/switchyard/plugins/ml/internal/models"
	"github.com/switchyard/switchyard/sdk"
)

var patternRE = regexp.MustCompile(`^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)*(\.\*)?$`)

func validPattern(p string) error {
	if !patternRE.MatchString(p) || len(p) > 64 {
		return fmt.Errorf("%q is not an event type or pattern such as custom.cpu or metrics.update", p)
	}
	return nil
}

func matches(pattern, typ string) bool {
	if prefix, ok := strings.CutSuffix(pattern, ".*"); ok {
		return strings.HasPrefix(typ, prefix+".")
	}
	return pattern == typ
}

// liveModel is an anomaly model being watched: its band (adapting to
// normal values when the model asks) and whether the metric is outside.
type liveModel struct {
	name    string
	version int
	live    Live
	band    models.Band
	outside bool
}

// setLive starts (or stops) watching a newly registered model.
func (p *Plugin) setLive(ts *tenant, m *Model) {
	ts.mu.Lock()
	defer ts.mu.Unlock()
	if m.Band == nil || m.Live == nil {
		delete(ts.live, m.Name)
		return
	}
	ts.live[m.Name] = &liveModel{name: m.Name, version: m.Version, live: *m.Live, band: *m.Band}
}

// loadLive reads the watched models from state once.
func (p *Plugin) loadLive(ctx context.Context, ts *tenant) error {
	ts.mu.Lock()
	loaded := ts.loaded
	ts.mu.Unlock()
	if loaded {
		return nil
	}
	st := p.host.State(ts.t)
	cursor := ""
	for {
		items, next, err := st.List(ctx, "model/", sdk.Page{Cursor: cursor, Limit: 100})
		if err != nil {
			return err
		}
		for _, it := range items {
			var m Model
			if json.Unmarshal(it.Value, &m) == nil && m.Live != nil && m.Band != nil {
				p.setLive(ts, &m)
			}
		}
		if next == "" {
			break
		}
		cursor = next
	}
	ts.mu.Lock()
	ts.loaded = true
	ts.mu.Unlock()
	return nil
}

// watch follows the organization's event stream for the live metrics of
// its anomaly models until ctx ends.
func (p *Plugin) watch(ctx context.Context, ts *tenant) {
	tick := time.NewTicker(p.opts.WatchInterval)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
		if err := p.watchOnce(ctx, ts); err != nil && ctx.Err() == nil && !errors.Is(err, sdk.ErrUnimplemented) {
			p.host.Logger().WarnContext(ctx, "live metrics not read", "tenant", ts.t.Slug, "error", err.Error())
		}
	}
}

// watchOnce reads the events since the last look and checks the watched
// metrics. The first look starts at the end of the history: only new
// values are live.
func (p *Plugin) watchOnce(ctx context.Context, ts *tenant) error {
	if err := p.loadLive(ctx, ts); err != nil {
		return err
	}
	ts.mu.Lock()
	var patterns []string
	seenPattern := map[string]bool{}
	for _, lm := range ts.live {
		if lm.live.EventType != "" && !seenPattern[lm.live.EventType] {
			seenPattern[lm.live.EventType] = true
			patterns = append(patterns, lm.live.EventType)
		}
	}
	if len(patterns) == 0 {
		// Nothing watched: a model registered later watches from then on.
		ts.started = false
		ts.mu.Unlock()
		return nil
	}
	started, after := ts.started, ts.after
	ts.mu.Unlock()
	ev := p.host.Events(ts.t)
	if !started {
		page, err := ev.Since(ctx, sdk.EventsQuery{After: 0, Limit: 1})
		if err != nil {
			return err
		}
		ts.mu.Lock()
		ts.after, ts.started = page.Head, true
		ts.mu.Unlock()
		return nil
	}
	for range 100 {
		page, err := ev.Since(ctx, sdk.EventsQuery{After: after, Types: patterns, Limit: 1000})
		if err != nil {
			return err
		}
		for _, e := range page.Events {
			p.check(ctx, ts, e)
		}
		ts.mu.Lock()
		ts.after = page.Next
		ts.mu.Unlock()
		if page.Next <= after || page.Next >= page.Head {
			return nil
		}
		after = page.Next
	}
	return nil
}

// check runs one event past the models watching its type.
func (p *Plugin) check(ctx context.Context, ts *tenant, e sdk.HistoryEvent) {
	obj, err := decodeObject(e.Data)
	if err != nil {
		return
	}
	ts.mu.Lock()
	var watching []*liveModel
	for _, lm := range ts.live {
		if lm.live.EventType != "" && matches(lm.live.EventType, e.Type) {
			watching = append(watching, lm)
		}
	}
	ts.mu.Unlock()
	for _, lm := range watching {
		v, ok := lookup(obj, lm.live.Field)
		if !ok {
			continue
		}
		x, ok := number(v)
		if !ok {
			continue
		}
		p.observeValue(ctx, ts, lm, x, map[string]any{"event_seq": e.Seq, "event_type": e.Type, "event_time": e.Time})
	}
}

// observeValue checks one value against a watched band and raises an
// alert when the metric leaves it. It reports whether x was outside.
func (p *Plugin) observeValue(ctx context.Context, ts *tenant, lm *liveModel, x float64, extra map[string]any) bool {
	ts.mu.Lock()
	out := lm.band.Observe(x)
	left := out && !lm.outside
	lm.outside = out
	lo, hi := lm.band.Bounds()
	score := lm.band.Score(x)
	ts.mu.Unlock()
	if !left {
		return out
	}
	field := lm.live.Field
	if field == "" {
		field = lm.name
	}
	d := map[string]any{
		"kind": "warning", "source": "ml", "title": "Anomaly: " + clip(field, 150),
		"message": clip(fmt.Sprintf("%s is %g, outside its usual band [%.4g, %.4g] (%.1f standard deviations; model %s v%d).",
			field, x, lo, hi, score, lm.name, lm.version), 2000),
		"model": lm.name, "version": lm.version, "metric": field, "value": x, "lower": lo, "upper": hi, "score": num(score),
	}
	for k, v := range extra {
		d[k] = v
	}
	p.emit(ctx, ts, "alert", d)
	return out
}

func clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return strings.ToValidUTF8(s[:n], "")
}

// observe feeds values to an anomaly model's check (the "observe" action).
func (p *Plugin) observe(ctx context.Context, ts *tenant, raw json.RawMessage) (any, error) {
	var in struct {
		Model  string    `json:"model"`
		Values []float64 `json:"values"`
	}
	if err := json.Unmarshal(raw, &in); err != nil {
		return nil, sdk.Errorf(sdk.ErrInvalidInput, "input: %v", err)
	}
	if err := p.loadLive(ctx, ts); err != nil {
		return nil, err
	}
	m, err := p.current(ctx, ts, in.Model)
	if err != nil {
		return nil, err
	}
	if m.Band == nil {
		return nil, fieldErr("model", fmt.Sprintf("%s is a %s model, not an anomaly detector", m.Name, m.Kind))
	}
	ts.mu.Lock()
	lm := ts.live[m.Name]
	if lm == nil || lm.version != m.Version {
		// Not watched live: keep a band for observed values all the same.
		live := Live{}
		if m.Live != nil {
			live = *m.Live
		}
		lm = &liveModel{name: m.Name, version: m.Version, live: live, band: *m.Band}
		ts.live[m.Name] = lm
	}
	ts.mu.Unlock()
	outside := make([]bool, len(in.Values))
	n := 0
	for i, v := range in.Values {
		outside[i] = p.observeValue(ctx, ts, lm, v, nil)
		if outside[i] {
			n++
		}
	}
	lo, hi := lm.band.Bounds()
	return map[string]any{"model": m.Name, "version": m.Version, "outside": outside, "anomalies": n, "lower": lo, "upper": hi}, nil
}
