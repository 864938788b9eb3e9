package mlplugin

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/switchyard/switchyard/plugins/ml/internal/models"
	"github.com/switchyard/switchyard/sdk"
)

// Model kinds.
const (
	KindLinear   = "linear_regression"
	KindLogistic = "logistic_regression"
	KindKMeans   = "kmeans"
	KindAnomaly  = "anomaly"
)

// Model is a registered model version.
type Model struct {
	Name     string   `json:"name"`
	Kind     string   `json:"kind"`
	Version  int      `json:"version"`
	Source   string   `json:"source"` // "dataset:<name>" or "events:<pattern>"
	Features []string `json:"features"`
	Target   string   `json:"target,omitempty"`
	Positive any      `json:"positive,omitempty"`
	Params   Params   `json:"params"`
	Rows     int      `json:"rows"`
	Skipped  int      `json:"skipped"`
	// Metrics are the kind's measures on the held-out rows (regressions,
	// when validation_split > 0) or the training rows.
	Metrics     map[string]any `json:"metrics"`
	LossHistory []float64      `json:"loss_history,omitempty"`
	Epochs      int            `json:"epochs"`
	Live        *Live          `json:"live,omitempty"`
	TrainedAt   time.Time      `json:"trained_at"`
	TrainedBy   string         `json:"trained_by,omitempty"`
	JobID       string         `json:"job_id"`
	TookMS      int64          `json:"took_ms"`

	Regression *models.Regression `json:"regression,omitempty"`
	KMeans     *models.KMeans     `json:"kmeans,omitempty"`
	Band       *models.Band       `json:"band,omitempty"`
}

// Live names the metric an anomaly model watches: a numeric field of the
// data of events of a type (a pattern such as "custom.cpu" or
// "metrics.update").
type Live struct {
	EventType string `json:"event_type"`
	Field     string `json:"field"`
}

// summary is a model without its parameters and history, for listings and
// events.
func (m Model) summary() map[string]any {
	s := map[string]any{"name": m.Name, "kind": m.Kind, "version": m.Version, "source": m.Source, "features": m.Features,
		"metrics": m.Metrics, "rows": m.Rows, "epochs": m.Epochs, "trained_at": m.TrainedAt, "job_id": m.JobID}
	if m.Target != "" {
		s["target"] = m.Target
	}
	if m.Live != nil {
		s["live"] = m.Live
	}
	return s
}

func modelKey(name string) string { return "model/" + name }
func versionKey(name string, v int) string {
	return fmt.Sprintf("version/%s/%010d", name, v)
}

// current returns the latest version of a model.
func (p *Plugin) current(ctx context.Context, ts *tenant, name string) (*Model, error) {
	raw, err := p.host.State(ts.t).Get(ctx, modelKey(name))
	if err != nil {
		if errors.Is(err, sdk.ErrNotFound) {
			return nil, sdk.Errorf(sdk.ErrNotFound, "model %q", name)
		}
		return nil, err
	}
	var m Model
	if err := json.Unmarshal(raw, &m); err != nil {
		return nil, fmt.Errorf("model %s is corrupt: %w", name, err)
	}
	return &m, nil
}

// version returns one version of a model: the latest or an earlier one.
func (p *Plugin) version(ctx context.Context, ts *tenant, name string, v int) (*Model, error) {
	m, err := p.current(ctx, ts, name)
	if err != nil || v == 0 || v == m.Version {
		return m, err
	}
	raw, err := p.host.State(ts.t).Get(ctx, versionKey(name, v))
	if err != nil {
		if errors.Is(err, sdk.ErrNotFound) {
			return nil, sdk.Errorf(sdk.ErrNotFound, "model %q has no version %d (kept: the latest and %d before it)", name, v, ts.cfg.KeepVersions)
		}
		return nil, err
	}
	var old Model
	if err := json.Unmarshal(raw, &old); err != nil {
		return nil, fmt.Errorf("model %s version %d is corrupt: %w", name, v, err)
	}
	return &old, nil
}

// register stores m as the next version of its name: the previous one is
// kept under version/, the oldest beyond keep_versions dropped.
func (p *Plugin) register(ctx context.Context, ts *tenant, m *Model) error {
	ts.regMu.Lock()
	defer ts.regMu.Unlock()
	st := p.host.State(ts.t)
	prev, err := p.current(ctx, ts, m.Name)
	switch {
	case errors.Is(err, sdk.ErrNotFound):
		m.Version = 1
	case err != nil:
		return err
	default:
		m.Version = prev.Version + 1
		raw, err := json.Marshal(prev)
		if err != nil {
			return err
		}
		if err := st.Put(ctx, versionKey(m.Name, prev.Version), raw); err != nil {
			return fmt.Errorf("keeping version %d: %w", prev.Version, err)
		}
		if old := prev.Version - ts.cfg.KeepVersions; old >= 1 {
			_ = st.Delete(ctx, versionKey(m.Name, old))
		}
	}
	raw, err := json.Marshal(m)
	if err != nil {
		return err
	}
	if len(raw) > 1<<20 {
		return sdk.Errorf(sdk.ErrResourceExhausted, "model %s is %d bytes; state keeps at most 1 MiB (fewer clusters or features)", m.Name, len(raw))
	}
	if err := st.Put(ctx, modelKey(m.Name), raw); err != nil {
		return fmt.Errorf("registering model %s: %w", m.Name, err)
	}
	p.setLive(ts, m)
	return nil
}

func (p *Plugin) listModels(ctx context.Context, ts *tenant) (map[string]any, error) {
	st := p.host.State(ts.t)
	items := []map[string]any{}
	cursor := ""
	for {
		page, next, err := st.List(ctx, "model/", sdk.Page{Cursor: cursor, Limit: 100})
		if err != nil {
			return nil, err
		}
		for _, it := range page {
			var m Model
			if json.Unmarshal(it.Value, &m) == nil {
				items = append(items, m.summary())
			}
		}
		if next == "" {
			break
		}
		cursor = next
	}
	return map[string]any{"items": items}, nil
}

type nameInput struct {
	Name    string `json:"name"`
	Version int    `json:"version"`
}

func (p *Plugin) describe(ctx context.Context, ts *tenant, raw json.RawMessage) (any, error) {
	var in nameInput
	if err := json.Unmarshal(raw, &in); err != nil {
		return nil, sdk.Errorf(sdk.ErrInvalidInput, "input: %v", err)
	}
	m, err := p.version(ctx, ts, in.Name, in.Version)
	if err != nil {
		return nil, err
	}
	cur, err := p.current(ctx, ts, in.Name)
	if err != nil {
		return nil, err
	}
	versions := []int{cur.Version}
	for v := cur.Version - 1; v >= 1 && v >= cur.Version-ts.cfg.KeepVersions; v-- {
		versions = append(versions, v)
	}
	return map[string]any{"model": m, "versions": versions}, nil
}

func (p *Plugin) deleteModel(ctx context.Context, ts *tenant, raw json.RawMessage) (any, error) {
	var in nameInput
	if err := json.Unmarshal(raw, &in); err != nil {
		return nil, sdk.Errorf(sdk.ErrInvalidInput, "input: %v", err)
	}
	ts.regMu.Lock()
	defer ts.regMu.Unlock()
	m, err := p.current(ctx, ts, in.Name)
	if err != nil {
		return nil, err
	}
	st := p.host.State(ts.t)
	for v := m.Version - 1; v >= 1 && v >= m.Version-ts.cfg.KeepVersions; v-- {
		_ = st.Delete(ctx, versionKey(m.Name, v))
	}
	if err := st.Delete(ctx, modelKey(m.Name)); err != nil {
		return nil, err
	}
	ts.mu.Lock()
	delete(ts.live, m.Name)
	ts.mu.Unlock()
	d := m.summary()
	d["status"] = "deleted"
	p.emit(ctx, ts, "ml.model.update", d)
	return map[string]any{"deleted": m.Name, "versions": m.Version}, nil
}

func (p *Plugin) emit(ctx context.Context, ts *tenant, typ string, data any) {
	if err := p.host.Emit(context.WithoutCancel(ctx), ts.t, sdk.Event{Type: typ, Data: data}); err != nil {
		p.host.Logger().WarnContext(ctx, typ+" not sent", "tenant", ts.t.Slug, "error", err.Error())
	}
}
