package analyticsplugin

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"sync"
	"time"

	"github.com/switchyard/switchyard/plugins/analytics/internal/table"
	"github.com/switchyard/switchyard/sdk"
)

// Version is the plugin's version.
const Version = "1.0.0"

// Options tune the plugin; the zero value is the production default.
type Options struct {
	// MinInterval is the shortest refresh or metrics interval a config may
	// set (1s).
	MinInterval time.Duration
	// QueryBudget bounds the refresh a query waits for before it answers
	// from what is loaded (5s).
	QueryBudget time.Duration
	// IdleSource is how long a source no query or panel used keeps its
	// copy (30m).
	IdleSource time.Duration
}

// Plugin is the analytics plugin.
type Plugin struct {
	opts Options
	host *sdk.Host

	mu      sync.Mutex
	tenants map[string]*tenant
	loops   sdk.Loops // each organization's background loop
}

var (
	_ sdk.Plugin        = (*Plugin)(nil)
	_ sdk.HTTPHandler   = (*Plugin)(nil)
	_ sdk.Initializer   = (*Plugin)(nil)
	_ sdk.TenantRemover = (*Plugin)(nil)
	_ sdk.Shutdowner    = (*Plugin)(nil)
)

// New returns the plugin.
func New(o Options) *Plugin {
	if o.MinInterval <= 0 {
		o.MinInterval = time.Second
	}
	if o.QueryBudget <= 0 {
		o.QueryBudget = 5 * time.Second
	}
	if o.IdleSource <= 0 {
		o.IdleSource = 30 * time.Minute
	}
	return &Plugin{opts: o, tenants: map[string]*tenant{}}
}

// Config is an organization's configuration of the analytics plugin.
type Config struct {
	// RefreshInterval is how often panels' sources are refreshed and
	// changed panels pushed ("5s").
	RefreshInterval string `json:"refresh_interval,omitempty"`
	// MetricsInterval is how often usage is read and metrics.update sent
	// when it changed ("15s"; "0s": never).
	MetricsInterval string `json:"metrics_interval,omitempty"`
	// EventsKeep is how many of the newest events the event source keeps
	// (200,000).
	EventsKeep int `json:"events_keep,omitempty"`
	// MaxRows bounds the rows loaded from one dataset (2,000,000).
	MaxRows int `json:"max_rows,omitempty"`

	refresh, metrics time.Duration
}

const configSchema = `{
  "type": "object",
  "additionalProperties": false,
  "properties": {
    "refresh_interval": {"type": "string", "pattern": "^([0-9]+(ms|s|m|h))+$"},
    "metrics_interval": {"type": "string", "pattern": "^([0-9]+(ms|s|m|h))+$"},
    "events_keep": {"type": "integer", "minimum": 100, "maximum": 5000000},
    "max_rows": {"type": "integer", "minimum": 1000, "maximum": 20000000}
  }
}`

func (p *Plugin) parseConfig(raw json.RawMessage) (Config, error) {
	var c Config
	if len(raw) > 0 && string(raw) != "null" {
		if err := json.Unmarshal(raw, &c); err != nil {
			return Config{}, sdk.Errorf(sdk.ErrInvalidInput, "config: %v", err)
		}
	}
	if c.EventsKeep <= 0 {
		c.EventsKeep = 200_000
	}
	if c.MaxRows <= 0 {
		c.MaxRows = 2_000_000
	}
	var err error
	if c.refresh, err = p.interval(c.RefreshInterval, 5*time.Second, false); err != nil {
		return Config{}, sdk.Errorf(sdk.ErrInvalidInput, "config.refresh_interval: %v", err)
	}
	if c.metrics, err = p.interval(c.MetricsInterval, 15*time.Second, true); err != nil {
		return Config{}, sdk.Errorf(sdk.ErrInvalidInput, "config.metrics_interval: %v", err)
	}
	return c, nil
}

func (p *Plugin) interval(s string, def time.Duration, zeroOK bool) (time.Duration, error) {
	if s == "" {
		return def, nil
	}
	d, err := time.ParseDuration(s)
	switch {
	case err != nil:
		return 0, err
	case d == 0 && zeroOK:
		return 0, nil
	case d < p.opts.MinInterval:
		return 0, fmt.Errorf("%s is shorter than %s", d, p.opts.MinInterval)
	}
	return d, nil
}

// tenant is one organization's sources, loop and metrics.
type tenant struct {
	t   sdk.Tenant
	cfg Config

	mu      sync.Mutex
	sources map[string]*source
	samples *table.Table // usage samples: the "metrics" source
	metrics metricsState
	panels  map[string]uint64 // panel id -> source version last pushed
	kick    chan struct{}
}

func schema(s string) json.RawMessage { return json.RawMessage(s) }

// Manifest implements sdk.Plugin.
func (p *Plugin) Manifest() sdk.Manifest {
	obj := schema(`{"type":"object"}`)
	empty := schema(`{"type":"object","additionalProperties":false}`)
	idOnly := schema(`{"type":"object","additionalProperties":false,"required":["id"],"properties":{"id":{"type":"string","minLength":1,"maxLength":64}}}`)
	return sdk.Manifest{
		Name:        "analytics",
		Version:     Version,
		Description: "Aggregations over the organization's datasets, events and usage; dashboard panels with live updates.",
		Publisher:   "Switchyard",
		HTTP:        true,
		Actions: []sdk.Action{
			{Name: "query", Description: "Run a query (source, filters, group_by, time bucket, aggregations, order_by, limit).", Input: schema(querySchema), Output: obj},
			{Name: "sources", Description: "The sources a query may name, with their columns.", Input: empty, Output: obj},
			{Name: "panels", Description: "The organization's dashboard panels.", Input: empty, Output: obj},
			{Name: "panel_save", Description: "Create or replace a panel (a title, a chart type and a query).", Input: schema(panelSchema), Output: obj},
			{Name: "panel_delete", Description: "Delete a panel.", Input: idOnly, Output: obj},
			{Name: "panel_data", Description: "Run a panel's query.", Input: idOnly, Output: obj},
			{Name: "metrics", Description: "The organization's current usage figures.", Input: empty, Output: obj},
		},
		EventTypes:   []string{"analytics.update", "metrics.update"},
		ConfigSchema: schema(configSchema),
	}
}

// Init implements sdk.Initializer.
func (p *Plugin) Init(_ context.Context, h *sdk.Host) error {
	p.host = h
	return nil
}

// Configure implements sdk.Plugin: it (re)starts the organization's loop.
func (p *Plugin) Configure(_ context.Context, t sdk.Tenant, raw json.RawMessage) error {
	cfg, err := p.parseConfig(raw)
	if err != nil {
		return err
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	ts := p.tenants[t.ID]
	if ts == nil {
		ts = &tenant{sources: map[string]*source{}, samples: table.New(false), panels: map[string]uint64{}, kick: make(chan struct{}, 1)}
		p.tenants[t.ID] = ts
	}
	ts.mu.Lock()
	ts.t, ts.cfg = t, cfg
	ts.mu.Unlock()
	p.loops.Start(t.ID, func(ctx context.Context) { p.loop(ctx, ts) })
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

// HTTPHandler implements sdk.HTTPHandler.
func (p *Plugin) HTTPHandler() http.Handler { return p.routes() }
