package mlplugin

import (
	"context"
	"encoding/json"
	"fmt"
	"sync"
	"time"

	"github.com/switchyard/switchyard/sdk"
)

// Version is the plugin's version.
const Version = "1.0.0"

// Options tune the plugin; the zero value is the production default.
type Options struct {
	// WatchInterval is how often live metrics are read for anomaly
	// models (1s).
	WatchInterval time.Duration
	// ProgressInterval is the least time between two
	// ml.training.progress events of a training (50ms).
	ProgressInterval time.Duration
}

// Plugin is the ml plugin.
type Plugin struct {
	opts Options
	host *sdk.Host

	mu      sync.Mutex
	tenants map[string]*tenant
	loops   sdk.Loops // each organization's background loop
}

var (
	_ sdk.Plugin        = (*Plugin)(nil)
	_ sdk.JobRunner     = (*Plugin)(nil)
	_ sdk.Initializer   = (*Plugin)(nil)
	_ sdk.TenantRemover = (*Plugin)(nil)
	_ sdk.Shutdowner    = (*Plugin)(nil)
)

// New returns the plugin.
func New(o Options) *Plugin {
	if o.WatchInterval <= 0 {
		o.WatchInterval = time.Second
	}
	if o.ProgressInterval <= 0 {
		o.ProgressInterval = 50 * time.Millisecond
	}
	return &Plugin{opts: o, tenants: map[string]*tenant{}}
}

// Config is an organization's configuration of the ml plugin.
type Config struct {
	// MaxRows bounds the rows one training reads (1,000,000).
	MaxRows int `json:"max_rows,omitempty"`
	// KeepVersions is how many earlier versions of a model are kept (5).
	KeepVersions int `json:"keep_versions,omitempty"`
}

const configSchema = `{
  "type": "object",
  "additionalProperties": false,
  "properties": {
    "max_rows": {"type": "integer", "minimum": 10, "maximum": 10000000},
    "keep_versions": {"type": "integer", "minimum": 0, "maximum": 100}
  }
}`

func parseConfig(raw json.RawMessage) (Config, error) {
	var c Config
	if len(raw) > 0 && string(raw) != "null" {
		if err := json.Unmarshal(raw, &c); err != nil {
			return Config{}, sdk.Errorf(sdk.ErrInvalidInput, "config: %v", err)
		}
	}
	if c.MaxRows <= 0 {
		c.MaxRows = 1_000_000
	}
	if c.KeepVersions <= 0 {
		c.KeepVersions = 5
	}
	return c, nil
}

// tenant is one organization's training claims, live models and watcher.
type tenant struct {
	t   sdk.Tenant
	cfg Config

	mu       sync.Mutex
	training map[string]string     // model name -> job id
	live     map[string]*liveModel // anomaly models watched, by name
	loaded   bool                  // live was read from state
	after    uint64                // the watcher's position in the event stream
	started  bool                  // after is set
	regMu    sync.Mutex            // serializes registrations (versions)
}

func schema(s string) json.RawMessage { return json.RawMessage(s) }

// Manifest implements sdk.Plugin.
func (p *Plugin) Manifest() sdk.Manifest {
	obj := schema(`{"type":"object"}`)
	name := schema(`{"type":"object","additionalProperties":false,"required":["name"],"properties":{"name":{"type":"string","pattern":"^[a-z][a-z0-9_-]{0,62}$"},"version":{"type":"integer","minimum":1}}}`)
	return sdk.Manifest{
		Name:        "ml",
		Version:     Version,
		Description: "Trains linear and logistic regressions, k-means and anomaly detectors on the organization's data; serves predictions and raises alerts.",
		Publisher:   "Switchyard",
		Actions: []sdk.Action{
			{Name: "train", Description: "Train a model on a dataset or the event history (a job).", Input: schema(trainSchema), Output: obj, Job: true},
			{Name: "predict", Description: "Apply a model to one row or a batch of rows.", Input: schema(predictSchema), Output: obj},
			{Name: "models", Description: "The registered models (latest versions).", Input: schema(`{"type":"object","additionalProperties":false}`), Output: obj},
			{Name: "model", Description: "One model, its metrics and versions.", Input: name, Output: obj},
			{Name: "delete_model", Description: "Delete a model and its versions.", Input: name, Output: obj, Permission: "plugins:configure"},
			{Name: "observe", Description: "Check values against an anomaly model's band (alerts when one leaves it).", Input: schema(observeSchema), Output: obj},
		},
		EventTypes:   []string{"ml.training.progress", "ml.model.update", "ml.prediction.result", "alert"},
		ConfigSchema: schema(configSchema),
	}
}

// Init implements sdk.Initializer.
func (p *Plugin) Init(_ context.Context, h *sdk.Host) error {
	p.host = h
	return nil
}

// Configure implements sdk.Plugin: it starts the organization's watcher.
func (p *Plugin) Configure(_ context.Context, t sdk.Tenant, raw json.RawMessage) error {
	cfg, err := parseConfig(raw)
	if err != nil {
		return err
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	ts := p.tenants[t.ID]
	if ts == nil {
		ts = &tenant{training: map[string]string{}, live: map[string]*liveModel{}}
		p.tenants[t.ID] = ts
	}
	ts.mu.Lock()
	ts.t, ts.cfg = t, cfg
	ts.mu.Unlock()
	p.loops.EnsureStarted(t.ID, func(ctx context.Context) { p.watch(ctx, ts) })
	return nil
}

// RemoveTenant implements sdk.TenantRemover.
func (p *Plugin) RemoveTenant(_ context.Context, t sdk.Tenant) error {
	p.loops.Stop(t.ID)
	p.mu.Lock()
	defer p.mu.Unlock()
	delete(p.tenants, t.ID)
	return nil
}

// Shutdown implements sdk.Shutdowner.
func (p *Plugin) Shutdown(ctx context.Context) error {
	return p.loops.Shutdown(ctx)
}

func (p *Plugin) tenant(t sdk.Tenant) (*tenant, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	ts := p.tenants[t.ID]
	if ts == nil {
		return nil, sdk.Errorf(sdk.ErrUnavailable, "organization %q is not configured", t.Slug)
	}
	return ts, nil
}

// Invoke implements sdk.Plugin: the actions.
func (p *Plugin) Invoke(ctx context.Context, req sdk.Request) (json.RawMessage, error) {
	ts, err := p.tenant(req.Tenant)
	if err != nil {
		return nil, err
	}
	var out any
	switch req.Action {
	case "predict":
		out, err = p.predict(ctx, ts, req.Input)
	case "models":
		out, err = p.listModels(ctx, ts)
	case "model":
		out, err = p.describe(ctx, ts, req.Input)
	case "delete_model":
		out, err = p.deleteModel(ctx, ts, req.Input)
	case "observe":
		out, err = p.observe(ctx, ts, req.Input)
	default:
		return nil, sdk.Errorf(sdk.ErrNotFound, "no action %q", req.Action)
	}
	if err != nil {
		return nil, err
	}
	raw, err := json.Marshal(out)
	if err != nil {
		return nil, fmt.Errorf("encoding %s: %w", req.Action, err)
	}
	return raw, nil
}
