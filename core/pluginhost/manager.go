package pluginhost

import (
	"context"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/switchyard/switchyard/core/events"
	"github.com/switchyard/switchyard/core/jobs"
	"github.com/switchyard/switchyard/core/store"
	"github.com/switchyard/switchyard/sdk/grpcplugin"
)

// Config tunes a Manager. Zero values pick the defaults noted.
type Config struct {
	// DataDir holds each plugin's private directory (DataDir/<name>), its
	// working directory, HOME and TMPDIR. Required.
	DataDir string
	// FilesDir is the organizations' files area, one directory per
	// organization id, given to plugins as SWITCHYARD_FILES_DIR. Required.
	FilesDir string
	// OutboundAllow is given to plugins as SWITCHYARD_OUTBOUND_ALLOW.
	OutboundAllow []string
	// Env adds NAME=value pairs to every plugin's environment.
	Env []string
	// StartTimeout bounds a process start up to its manifest (10s).
	StartTimeout time.Duration
	// CallTimeout bounds a call into a plugin that has no earlier deadline (30s).
	CallTimeout time.Duration
	// HealthInterval is the time between health checks (30s); two failed
	// checks in a row restart the process.
	HealthInterval time.Duration
	// HealthTimeout bounds one health check (5s).
	HealthTimeout time.Duration
	// ExitPoll is how often an exited process is looked for (100ms).
	ExitPoll time.Duration
	// StopTimeout is the grace period of a process being stopped (5s).
	StopTimeout time.Duration
	// BackoffMin and BackoffMax bound the wait before a restart (250ms, 30s);
	// it doubles after each failure, with jitter, and resets after the
	// process ran StableAfter (1m).
	BackoffMin, BackoffMax, StableAfter time.Duration
	// MaxFailures within FailureWindow disable a plugin (5 within 1h).
	MaxFailures   int
	FailureWindow time.Duration
}

func (c *Config) defaults() {
	def := func(d *time.Duration, v time.Duration) {
		if *d <= 0 {
			*d = v
		}
	}
	def(&c.StartTimeout, 10*time.Second)
	def(&c.CallTimeout, 30*time.Second)
	def(&c.HealthInterval, 30*time.Second)
	def(&c.HealthTimeout, 5*time.Second)
	def(&c.ExitPoll, 100*time.Millisecond)
	def(&c.StopTimeout, 5*time.Second)
	def(&c.BackoffMin, 250*time.Millisecond)
	def(&c.BackoffMax, 30*time.Second)
	def(&c.StableAfter, time.Minute)
	def(&c.FailureWindow, time.Hour)
	if c.MaxFailures <= 0 {
		c.MaxFailures = 5
	}
}

// EventSink is where accepted events go and drops are counted
// (*events.Service).
type EventSink interface {
	Publish(ctx context.Context, orgID string, drafts []events.Draft) ([]events.Event, error)
	Dropped(reason string, n int)
}

// JobSink records what plugin processes report about jobs (*jobs.Service).
type JobSink interface {
	Update(ctx context.Context, plugin, runner string, u grpcplugin.JobUpdate) error
	Interrupt(ctx context.Context, plugin, runner, reason string) (int, error)
	Abandon(ctx context.Context, orgID, plugin, reason string) (int, error)
}

// EventHistory reads organizations' event histories for the host API's
// EventsSince and Usage (an events.Journal).
type EventHistory interface {
	Since(ctx context.Context, orgID string, after uint64, limit int) ([]events.Event, events.Head, error)
	Head(ctx context.Context, orgID string) (events.Head, error)
}

// JobCounter counts an organization's unfinished jobs for the host API's
// Usage (*jobs.Service).
type JobCounter interface {
	Counts(ctx context.Context, orgID string) (queued, running int, err error)
}

// Deps are the Manager's collaborators. DB, Events and Log are required.
type Deps struct {
	DB       *store.DB
	Events   EventSink
	Jobs     JobSink
	Log      *slog.Logger
	Registry prometheus.Registerer
	// History serves the host API's EventsSince; nil answers it
	// ErrUnavailable.
	History EventHistory
	// Sockets counts an organization's open real-time connections for the
	// host API's Usage; nil reports 0.
	Sockets func(orgID string) int
	// JobCounts counts an organization's unfinished jobs for Usage; nil
	// reports 0.
	JobCounts JobCounter
	// SubmitJob records and starts a job a plugin submitted through the
	// host API, once the host checked it; nil answers ErrUnavailable.
	SubmitJob JobSubmitter
}

// JobSubmitter records and starts a job of plugin for t (jobs.Service.Start
// with the given creator and the system actor) and returns its id.
type JobSubmitter func(ctx context.Context, t grpcplugin.Tenant, plugin, kind string, input json.RawMessage, createdBy string) (string, error)

// Installation is one organization's installation of a plugin version.
type Installation struct {
	Tenant  grpcplugin.Tenant
	Name    string
	Version string
	// Binary is the verified binary; SHA256 (hex) is what it must hash to
	// before every start.
	Binary string
	SHA256 string
	// Config is the organization's config; nil or one that fails the
	// schema leaves the organization unconfigured until Configure.
	Config json.RawMessage
}

// Manager is the registry of plugin processes and installations. It is
// safe for concurrent use.
type Manager struct {
	cfg     Config
	d       Deps
	log     *slog.Logger
	metrics *metrics
	store   *storage
	files   *filesSizer

	mu       sync.Mutex
	sups     map[string]*supervisor // name@version
	bindings map[bindKey]*supervisor
	closed   bool

	wg sync.WaitGroup
}

type bindKey struct{ orgID, name string }

// New returns a Manager. It starts no process until installations are
// registered.
func New(cfg Config, d Deps) (*Manager, error) {
	if d.DB == nil || d.Events == nil || d.Log == nil {
		return nil, errors.New("pluginhost: DB, Events and Log are required")
	}
	if cfg.DataDir == "" || cfg.FilesDir == "" {
		return nil, errors.New("pluginhost: DataDir and FilesDir are required")
	}
	cfg.defaults()
	var err error
	if cfg.DataDir, err = filepath.Abs(cfg.DataDir); err != nil {
		return nil, fmt.Errorf("pluginhost: %w", err)
	}
	if cfg.FilesDir, err = filepath.Abs(cfg.FilesDir); err != nil {
		return nil, fmt.Errorf("pluginhost: %w", err)
	}
	for _, dir := range []string{cfg.DataDir, cfg.FilesDir} {
		if err := os.MkdirAll(dir, 0o700); err != nil {
			return nil, fmt.Errorf("pluginhost: %w", err)
		}
	}
	return &Manager{
		cfg: cfg, d: d, log: d.Log.With("component", "pluginhost"),
		metrics: newMetrics(d.Registry), store: &storage{db: d.DB}, files: newFilesSizer(cfg.FilesDir, 5*time.Second),
		sups: map[string]*supervisor{}, bindings: map[bindKey]*supervisor{},
	}, nil
}

// passEnv are the core's variables a plugin may see.
var passEnv = []string{"TZ", "LANG", "LC_ALL", "SSL_CERT_FILE", "SSL_CERT_DIR"}

// env is a plugin's whole environment (go-plugin adds its handshake).
func (m *Manager) env(dataDir string) []string {
	env := []string{
		"SWITCHYARD_OUTBOUND_ALLOW=" + strings.Join(m.cfg.OutboundAllow, ","),
		"SWITCHYARD_PLUGIN_DATA_DIR=" + dataDir,
		"SWITCHYARD_FILES_DIR=" + m.cfg.FilesDir,
		"HOME=" + dataDir,
		"TMPDIR=" + filepath.Join(dataDir, "tmp"),
	}
	for _, k := range passEnv {
		if v, ok := os.LookupEnv(k); ok {
			env = append(env, k+"="+v)
		}
	}
	return append(env, m.cfg.Env...)
}

// supervisorFor returns the supervisor of inst's version, creating it.
// m.mu is held.
func (m *Manager) supervisorFor(inst Installation) (*supervisor, error) {
	key := inst.Name + "@" + inst.Version
	if s := m.sups[key]; s != nil {
		if s.binary != inst.Binary || hex.EncodeToString(s.sum) != strings.ToLower(inst.SHA256) {
			return nil, fmt.Errorf("pluginhost: %s is already running from another binary", key)
		}
		return s, nil
	}
	sum, err := hex.DecodeString(inst.SHA256)
	if err != nil || len(sum) != 32 {
		return nil, fmt.Errorf("pluginhost: %s: SHA-256 %q is not 64 hex digits", key, inst.SHA256)
	}
	s := newSupervisor(m, inst.Name, inst.Version, inst.Binary, sum)
	m.sups[key] = s
	return s, nil
}

func validInstallation(inst Installation) error {
	if !filepath.IsAbs(inst.Binary) {
		return fmt.Errorf("pluginhost: the binary path %q is not absolute", inst.Binary)
	}
	if !grpcplugin.ValidPluginName(inst.Name) {
		return fmt.Errorf("pluginhost: invalid plugin name %q", inst.Name)
	}
	return grpcplugin.ValidateTenant(inst.Tenant)
}

// Register adds an installation and starts its process if needed, without
// waiting for it (the core's start).
func (m *Manager) Register(inst Installation) error {
	if err := validInstallation(inst); err != nil {
		return err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.closed {
		return errorf(ErrUnavailable, "the plugin host is shutting down")
	}
	s, err := m.supervisorFor(inst)
	if err != nil {
		return err
	}
	s.addTenant(inst.Tenant, inst.Config)
	m.bindings[bindKey{inst.Tenant.ID, inst.Name}] = s
	s.start()
	m.wg.Add(1)
	go func() {
		defer m.wg.Done()
		s.configureWhenReady(inst.Tenant)
	}()
	return nil
}

// Attach installs a plugin version in an organization: it starts the
// process if needed, waits until it runs (at most StartTimeout or ctx) and
// configures the organization. A different version installed before is
// replaced (an upgrade). On error nothing changed.
func (m *Manager) Attach(ctx context.Context, inst Installation) error {
	if err := validInstallation(inst); err != nil {
		return err
	}
	m.mu.Lock()
	if m.closed {
		m.mu.Unlock()
		return errorf(ErrUnavailable, "the plugin host is shutting down")
	}
	s, err := m.supervisorFor(inst)
	if err != nil {
		m.mu.Unlock()
		return err
	}
	key := bindKey{inst.Tenant.ID, inst.Name}
	old := m.bindings[key]
	s.addTenant(inst.Tenant, inst.Config)
	s.start()
	m.mu.Unlock()
	s.poke() // a disabled version gets another chance on (re)install

	wctx, cancel := context.WithTimeout(ctx, m.cfg.StartTimeout)
	defer cancel()
	p, _, err := s.ready(wctx)
	if err == nil {
		err = s.configureTenant(wctx, p, inst.Tenant)
	}
	if err != nil {
		if old != s {
			m.release(context.WithoutCancel(ctx), s, inst.Tenant, false)
		}
		return err
	}
	m.mu.Lock()
	m.bindings[key] = s
	m.mu.Unlock()
	if old != nil && old != s {
		m.release(ctx, old, inst.Tenant, true)
	}
	return nil
}

// Detach uninstalls a plugin from an organization: the plugin is told to
// remove the tenant (its jobs stop), the organization's unfinished jobs of
// the plugin are cancelled, and a process left without tenants stops.
func (m *Manager) Detach(ctx context.Context, orgID, name string) error {
	key := bindKey{orgID, name}
	m.mu.Lock()
	s := m.bindings[key]
	delete(m.bindings, key)
	m.mu.Unlock()
	if s == nil {
		return errorf(ErrNotInstalled, "plugin %s is not installed in this organization", name)
	}
	var t grpcplugin.Tenant
	for _, tt := range s.tenantList() {
		if tt.ID == orgID {
			t = tt
		}
	}
	m.release(ctx, s, t, true)
	if m.d.Jobs != nil {
		if _, err := m.d.Jobs.Abandon(ctx, orgID, name, "cancelled: the plugin was uninstalled"); err != nil {
			m.log.Error("jobs of an uninstalled plugin not cancelled", "plugin", name, "error", err)
		}
	}
	return m.store.forgetState(ctx, orgID, name)
}

// release removes t from s (telling the plugin when tell is set) and stops
// s when no tenant is left.
func (m *Manager) release(ctx context.Context, s *supervisor, t grpcplugin.Tenant, tell bool) {
	if tell && t.ID != "" {
		if p, _ := s.current(); p != nil {
			rctx, cancel := context.WithTimeout(ctx, 10*time.Second)
			if err := p.client.RemoveTenant(rctx, t); err != nil {
				s.log.Warn("plugin did not remove the tenant", "tenant", t.Slug, "error", err)
			}
			cancel()
		}
	}
	m.mu.Lock()
	left := s.removeTenant(t)
	stop := left == 0 && m.sups[s.name+"@"+s.version] == s
	if stop {
		delete(m.sups, s.name+"@"+s.version)
	}
	m.mu.Unlock()
	if stop {
		hctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), m.cfg.StopTimeout+5*time.Second)
		if err := s.halt(hctx); err != nil {
			s.log.Error("plugin stop", "error", err)
		}
		cancel()
	}
}

// Configure replaces an organization's config: it is checked against the
// plugin's config schema (a *FieldError names the field) and sent to the
// running process, which may refuse it. When the process is not running,
// the config is kept and sent at its next start.
func (m *Manager) Configure(ctx context.Context, orgID, name string, config json.RawMessage) error {
	s, t, err := m.binding(orgID, name)
	if err != nil {
		return err
	}
	if pl := s.manifest(); pl != nil {
		if err := pl.ValidateConfig(config); err != nil {
			return err
		}
	}
	p, _ := s.current()
	if p != nil {
		cctx, cancel := m.callContext(ctx)
		defer cancel()
		if err := p.client.Configure(cctx, t, config); err != nil {
			return fmt.Errorf("plugin %s refused the config: %w", name, err)
		}
	}
	s.mu.Lock()
	if e := s.tenants[orgID]; e != nil {
		e.config = config
		e.configured = p != nil
		e.problem = ""
		if p == nil {
			e.problem = "waiting for the plugin to start"
		}
	}
	s.mu.Unlock()
	return nil
}

// ValidateConfig checks config against the plugin's config schema. Before
// the plugin's first start the manifest is unknown: ErrUnavailable.
func (m *Manager) ValidateConfig(orgID, name string, config json.RawMessage) error {
	s, _, err := m.binding(orgID, name)
	if err != nil {
		return err
	}
	pl := s.manifest()
	if pl == nil {
		return errorf(ErrUnavailable, "plugin %s has not started yet", name)
	}
	return pl.ValidateConfig(config)
}

func (m *Manager) binding(orgID, name string) (*supervisor, grpcplugin.Tenant, error) {
	m.mu.Lock()
	s := m.bindings[bindKey{orgID, name}]
	m.mu.Unlock()
	if s == nil {
		return nil, grpcplugin.Tenant{}, errorf(ErrNotInstalled, "plugin %s is not installed in this organization", name)
	}
	slug, ok := s.tenantView()[orgID]
	if !ok {
		return nil, grpcplugin.Tenant{}, errorf(ErrNotInstalled, "plugin %s is not installed in this organization", name)
	}
	return s, grpcplugin.Tenant{ID: orgID, Slug: slug}, nil
}

// BoundVersion reports which version of plugin name serves orgID on this
// replica, if any.
func (m *Manager) BoundVersion(orgID, name string) (string, bool) {
	s, _, err := m.binding(orgID, name)
	if err != nil {
		return "", false
	}
	return s.version, true
}

// callContext bounds a call by CallTimeout unless ctx ends sooner.
func (m *Manager) callContext(ctx context.Context) (context.Context, context.CancelFunc) {
	if dl, ok := ctx.Deadline(); ok && time.Until(dl) <= m.cfg.CallTimeout {
		return context.WithCancel(ctx)
	}
	return context.WithTimeout(ctx, m.cfg.CallTimeout)
}

// target is a call's destination.
type target struct {
	sup    *supervisor
	proc   *proc
	plugin *Plugin
	tenant grpcplugin.Tenant
}

// route finds the process serving (orgID, name), waiting while it starts.
func (m *Manager) route(ctx context.Context, orgID, name string) (target, error) {
	s, t, err := m.binding(orgID, name)
	if err != nil {
		return target{}, err
	}
	p, pl, err := s.ready(ctx)
	if err != nil {
		return target{}, err
	}
	if ok, why := s.tenantReady(t); !ok {
		return target{}, errorf(ErrNotConfigured, "plugin %s is not configured for this organization: %s", name, why)
	}
	return target{sup: s, proc: p, plugin: pl, tenant: t}, nil
}

func (m *Manager) observe(name, method string, began time.Time, err error) {
	code := "ok"
	if err != nil {
		code = string(grpcplugin.CodeOf(err))
	}
	m.metrics.calls.WithLabelValues(name, method, code).Observe(time.Since(began).Seconds())
}

// Manifest returns the manifest of the plugin installed in orgID, as its
// process last reported it.
func (m *Manager) Manifest(orgID, name string) (*Plugin, error) {
	s, _, err := m.binding(orgID, name)
	if err != nil {
		return nil, err
	}
	pl := s.manifest()
	if pl == nil {
		return nil, errorf(ErrUnavailable, "plugin %s has not started yet", name)
	}
	return pl, nil
}

// Invoke runs a synchronous action for orgID as actor. The input is checked
// against the action's schema first (a *FieldError names the field). A job
// action is ErrUnknownAction here: start it as a job.
func (m *Manager) Invoke(ctx context.Context, orgID, name string, actor grpcplugin.Actor, action string, input json.RawMessage) (json.RawMessage, error) {
	began := time.Now()
	ctx, cancel := m.callContext(ctx)
	defer cancel()
	tg, err := m.route(ctx, orgID, name)
	if err != nil {
		return nil, err
	}
	a, ok := tg.plugin.Action(action)
	if !ok || a.Job {
		return nil, errorf(ErrUnknownAction, "plugin %s has no action %q (job actions start with POST .../jobs)", name, action)
	}
	if err := tg.plugin.ValidateInput(action, input); err != nil {
		return nil, err
	}
	out, err := tg.proc.client.Invoke(ctx, grpcplugin.InvokeRequest{Tenant: tg.tenant, Actor: actor, Action: action, Input: input})
	err = wentAway(ctx, name, err)
	m.observe(name, "invoke", began, err)
	return out, err
}

// wentAway turns a call cut off by the plugin's process going away (the
// connection closed under it, while the caller was still waiting) into
// ErrUnavailable, which is what it is to the caller: not a cancellation.
func wentAway(ctx context.Context, name string, err error) error {
	if err == nil || ctx.Err() != nil {
		return err
	}
	if grpcplugin.CodeOf(err) == grpcplugin.CodeCanceled {
		return errorf(ErrUnavailable, "plugin %s went away during the call; try again", name)
	}
	return err
}

var _ jobs.Runner = (*Manager)(nil)

// RunJob implements jobs.Runner: it checks the job kind and input and hands
// the job to the process serving orgID.
func (m *Manager) RunJob(ctx context.Context, orgID, name string, req grpcplugin.JobRequest) (jobs.Placement, error) {
	began := time.Now()
	ctx, cancel := m.callContext(ctx)
	defer cancel()
	tg, err := m.route(ctx, orgID, name)
	if err != nil {
		return jobs.Placement{}, err
	}
	a, ok := tg.plugin.Action(req.Kind)
	if !ok || !a.Job {
		return jobs.Placement{}, errorf(ErrUnknownAction, "plugin %s has no job kind %q", name, req.Kind)
	}
	if err := tg.plugin.ValidateInput(req.Kind, req.Input); err != nil {
		return jobs.Placement{}, err
	}
	req.Tenant = tg.tenant
	err = wentAway(ctx, name, tg.proc.client.StartJob(ctx, req))
	m.observe(name, "start_job", began, err)
	if err != nil {
		return jobs.Placement{}, err
	}
	return jobs.Placement{Version: tg.sup.version, Runner: tg.proc.instance}, nil
}

// CancelJob implements jobs.Runner.
func (m *Manager) CancelJob(ctx context.Context, orgID, name string, t grpcplugin.Tenant, jobID string) error {
	ctx, cancel := m.callContext(ctx)
	defer cancel()
	s, bt, err := m.binding(orgID, name)
	if err != nil {
		return err
	}
	p, _ := s.current()
	if p == nil {
		return errorf(ErrUnavailable, "plugin %s is not running", name)
	}
	return p.client.CancelJob(ctx, bt, jobID)
}

// RoundTrip proxies an HTTP request to the plugin's HTTP handler for
// orgID; req.Tenant is set here. See grpcplugin.Client.RoundTrip for the
// body's life.
func (m *Manager) RoundTrip(ctx context.Context, orgID, name string, req *grpcplugin.HTTPRequest) (*grpcplugin.HTTPResponse, error) {
	began := time.Now()
	tg, err := m.route(ctx, orgID, name)
	if err != nil {
		return nil, err
	}
	if !tg.plugin.Manifest().HTTP {
		return nil, errorf(ErrNoHTTP, "plugin %s serves no HTTP routes", name)
	}
	req.Tenant = tg.tenant
	resp, err := tg.proc.client.RoundTrip(ctx, req)
	err = wentAway(ctx, name, err)
	m.observe(name, "http", began, err)
	return resp, err
}

// TenantStatus is the status of a plugin for one organization: its
// process's status, or "unconfigured" with the reason.
func (m *Manager) TenantStatus(orgID, name string) (Status, string) {
	s, t, err := m.binding(orgID, name)
	if err != nil {
		return StatusStopped, err.Error()
	}
	ps := s.snapshot()
	if ps.Status == StatusRunning {
		if ok, why := s.tenantReady(t); !ok {
			return "unconfigured", why
		}
	}
	if ps.Status == StatusRunning {
		return ps.Status, ""
	}
	return ps.Status, ps.LastError
}

// Status lists every plugin process, by name and version.
func (m *Manager) Status() []ProcessStatus {
	m.mu.Lock()
	sups := make([]*supervisor, 0, len(m.sups))
	for _, s := range m.sups {
		sups = append(sups, s)
	}
	m.mu.Unlock()
	out := make([]ProcessStatus, 0, len(sups))
	for _, s := range sups {
		out = append(out, s.snapshot())
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Name != out[j].Name {
			return out[i].Name < out[j].Name
		}
		return out[i].Version < out[j].Version
	})
	return out
}

// Shutdown stops every plugin: each gets StopTimeout to end its jobs
// (they report failed-and-retryable), then its process group is killed.
// Call it before the database closes.
func (m *Manager) Shutdown(ctx context.Context) error {
	m.mu.Lock()
	m.closed = true
	sups := make([]*supervisor, 0, len(m.sups))
	for _, s := range m.sups {
		sups = append(sups, s)
	}
	m.mu.Unlock()
	var mu sync.Mutex
	var errs []error
	var wg sync.WaitGroup
	for _, s := range sups {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := s.halt(ctx); err != nil {
				mu.Lock()
				errs = append(errs, err)
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	done := make(chan struct{})
	go func() {
		m.wg.Wait()
		close(done)
	}()
	select {
	case <-done:
	case <-ctx.Done():
		errs = append(errs, fmt.Errorf("pluginhost: shutdown: %w", ctx.Err()))
	}
	return errors.Join(errs...)
}

// Binding names a plugin installed for an organization on this replica.
type Binding struct {
	OrgID, Name string
}

// Bindings lists the installations this replica serves.
func (m *Manager) Bindings() []Binding {
	m.mu.Lock()
	defer m.mu.Unlock()
	out := make([]Binding, 0, len(m.bindings))
	for k := range m.bindings {
		out = append(out, Binding{OrgID: k.orgID, Name: k.name})
	}
	return out
}

// DetachOrg removes every plugin of an organization (it was deleted).
func (m *Manager) DetachOrg(ctx context.Context, orgID string) {
	m.mu.Lock()
	var names []string
	for k := range m.bindings {
		if k.orgID == orgID {
			names = append(names, k.name)
		}
	}
	m.mu.Unlock()
	for _, name := range names {
		if err := m.Detach(ctx, orgID, name); err != nil && !errors.Is(err, ErrNotInstalled) {
			m.log.Warn("plugin of a deleted organization not detached", "plugin", name, "error", err)
		}
	}
}
