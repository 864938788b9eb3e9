package sdk

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"sync"
	"time"

	"github.com/switchyard/switchyard/sdk/grpcplugin"
)

// ServeOpts tunes how the sdk serves a plugin. The zero value is the
// default for every field.
type ServeOpts struct {
	// LogLevel is the lowest level Host.Logger sends to the core; zero is Info.
	LogLevel slog.Level
	// ProgressInterval is the least time between two progress reports of
	// one job; zero is 100ms (10 reports per second).
	ProgressInterval time.Duration
	// MaxJobs is the most jobs running at once in the process; StartJob
	// beyond it fails with ErrResourceExhausted. Zero means no limit.
	MaxJobs int
}

// server is the grpcplugin.PluginServer the sdk builds over a Plugin.
type server struct {
	p       Plugin
	cm      *grpcplugin.CompiledManifest
	opts    ServeOpts
	handler http.Handler
	jobs    *jobManager
	logger  *slog.Logger // stderr until the host is connected

	hostMu sync.RWMutex
	host   *Host

	mu      sync.RWMutex
	tenants map[string]tenantState
}

type tenantState struct {
	tenant Tenant
	config json.RawMessage
}

var _ grpcplugin.PluginServer = (*server)(nil)

// NewServer checks p and returns the grpcplugin.PluginServer that serves
// it. Serve uses it; so does sdktest, to serve a plugin in-process. The
// checks are the manifest's (see grpcplugin.CompileManifest) and the
// capabilities': a manifest with job actions needs a JobRunner and the
// reverse, HTTP in the manifest needs an HTTPHandler and the reverse.
func NewServer(p Plugin, opts ServeOpts) (grpcplugin.PluginServer, error) {
	if p == nil {
		return nil, errors.New("sdk: nil Plugin")
	}
	m := p.Manifest()
	cm, err := grpcplugin.CompileManifest(m)
	if err != nil {
		return nil, fmt.Errorf("sdk: plugin %q: %w", m.Name, err)
	}
	if opts.ProgressInterval <= 0 {
		opts.ProgressInterval = 100 * time.Millisecond
	}
	s := &server{
		p:       p,
		cm:      cm,
		opts:    opts,
		logger:  slog.New(slog.NewJSONHandler(os.Stderr, &slog.HandlerOptions{Level: opts.LogLevel})),
		tenants: make(map[string]tenantState),
	}
	var problems []error
	hasJobs := false
	for _, a := range m.Actions {
		hasJobs = hasJobs || a.Job
	}
	runner, isRunner := p.(JobRunner)
	switch {
	case hasJobs && !isRunner:
		problems = append(problems, errors.New("the manifest declares job actions but the plugin does not implement sdk.JobRunner"))
	case isRunner && !hasJobs:
		problems = append(problems, errors.New("the plugin implements sdk.JobRunner but the manifest declares no action with Job set"))
	case isRunner:
		s.jobs = newJobManager(runner, opts.ProgressInterval, opts.MaxJobs, s.logger)
	}
	hh, isHTTP := p.(HTTPHandler)
	switch {
	case m.HTTP && !isHTTP:
		problems = append(problems, errors.New("the manifest sets HTTP but the plugin does not implement sdk.HTTPHandler"))
	case isHTTP && !m.HTTP:
		problems = append(problems, errors.New("the plugin implements sdk.HTTPHandler but the manifest does not set HTTP"))
	case isHTTP:
		if s.handler = hh.HTTPHandler(); s.handler == nil {
			problems = append(problems, errors.New("HTTPHandler returned a nil http.Handler"))
		}
	}
	if len(problems) > 0 {
		return nil, fmt.Errorf("sdk: plugin %q: %w", m.Name, errors.Join(problems...))
	}
	return s, nil
}

func (s *server) Init(ctx context.Context, api grpcplugin.HostServer) error {
	h := NewHost(api, HostOptions{Manifest: s.cm.Manifest(), LogLevel: s.opts.LogLevel})
	s.hostMu.Lock()
	s.host = h
	if s.jobs != nil {
		// Jobs start only once the host is connected (StartJob reads it
		// under hostMu), so this write happens before any job reads it.
		s.jobs.logger = h.Logger()
	}
	s.hostMu.Unlock()
	if in, ok := s.p.(Initializer); ok {
		return in.Init(ctx, h)
	}
	return nil
}

func (s *server) hostAPI() (grpcplugin.HostServer, error) {
	s.hostMu.RLock()
	defer s.hostMu.RUnlock()
	if s.host == nil {
		return nil, Errorf(ErrUnavailable, "the host service is not connected yet")
	}
	return s.host.api, nil
}

func (s *server) Manifest(context.Context) (Manifest, error) {
	return s.cm.Manifest(), nil
}

func (s *server) Configure(ctx context.Context, t Tenant, config json.RawMessage) error {
	if len(config) == 0 {
		config = json.RawMessage("null")
	}
	if err := s.cm.ValidateConfig(config); err != nil {
		return err
	}
	if err := s.p.Configure(withCall(ctx, t, Actor{}, config), t, config); err != nil {
		return err
	}
	s.mu.Lock()
	s.tenants[t.ID] = tenantState{tenant: t, config: config}
	s.mu.Unlock()
	return nil
}

// tenant returns the state of a configured tenant. A call for a tenant the
// core did not configure in this process is refused as unavailable: the
// core configures every tenant after a restart before routing its calls.
func (s *server) tenant(t Tenant) (tenantState, error) {
	s.mu.RLock()
	ts, ok := s.tenants[t.ID]
	s.mu.RUnlock()
	if !ok {
		return tenantState{}, Errorf(ErrUnavailable, "tenant %q is not configured in this plugin process", t.Slug)
	}
	return ts, nil
}

func (s *server) RemoveTenant(ctx context.Context, t Tenant) error {
	if s.jobs != nil {
		if err := s.jobs.cancelTenant(ctx, t); err != nil {
			return err
		}
	}
	if r, ok := s.p.(TenantRemover); ok {
		if err := r.RemoveTenant(withCall(ctx, t, Actor{}, nil), t); err != nil {
			return err
		}
	}
	s.mu.Lock()
	delete(s.tenants, t.ID)
	s.mu.Unlock()
	return nil
}

func (s *server) Invoke(ctx context.Context, req grpcplugin.InvokeRequest) (json.RawMessage, error) {
	a, ok := s.cm.Manifest().Action(req.Action)
	if !ok {
		return nil, Errorf(ErrNotFound, "action %q", req.Action)
	}
	if a.Job {
		return nil, Errorf(ErrInvalidInput, "action %q is a job: start it as a job", req.Action)
	}
	ts, err := s.tenant(req.Tenant)
	if err != nil {
		return nil, err
	}
	if err := s.cm.ValidateInput(req.Action, req.Input); err != nil {
		return nil, err
	}
	out, err := s.p.Invoke(withCall(ctx, req.Tenant, req.Actor, ts.config), Request{
		Tenant: req.Tenant,
		Actor:  req.Actor,
		Action: req.Action,
		Input:  req.Input,
		Config: ts.config,
	})
	if err != nil {
		return nil, err
	}
	if len(out) == 0 {
		out = json.RawMessage("null")
	}
	if err := s.cm.ValidateOutput(req.Action, out); err != nil {
		// The plugin broke its own contract: that is its bug, not the caller's.
		return nil, Errorf(ErrInternal, "action %q: %s", req.Action, err.Error())
	}
	return out, nil
}

func (s *server) StartJob(ctx context.Context, req grpcplugin.JobRequest) error {
	a, ok := s.cm.Manifest().Action(req.Kind)
	if !ok || !a.Job {
		return Errorf(ErrNotFound, "job kind %q", req.Kind)
	}
	ts, err := s.tenant(req.Tenant)
	if err != nil {
		return err
	}
	if err := s.cm.ValidateInput(req.Kind, req.Input); err != nil {
		return err
	}
	api, err := s.hostAPI()
	if err != nil {
		return err
	}
	job := Job{ID: req.ID, Kind: req.Kind, Tenant: req.Tenant, Actor: req.Actor, Input: req.Input, Config: ts.config}
	return s.jobs.start(withCall(ctx, req.Tenant, req.Actor, ts.config), api, job)
}

func (s *server) CancelJob(_ context.Context, t Tenant, jobID string) error {
	if s.jobs == nil {
		return Errorf(ErrNotFound, "job %q", jobID)
	}
	return s.jobs.cancel(t, jobID)
}

func (s *server) ServeHTTP(ctx context.Context, t Tenant, a Actor, w http.ResponseWriter, r *http.Request) error {
	if s.handler == nil {
		return Errorf(ErrUnimplemented, "the plugin serves no HTTP routes")
	}
	ts, err := s.tenant(t)
	if err != nil {
		return err
	}
	s.handler.ServeHTTP(w, r.WithContext(withCall(ctx, t, a, ts.config)))
	return nil
}

func (s *server) Health(ctx context.Context) (grpcplugin.Health, error) {
	h := grpcplugin.Health{State: grpcplugin.HealthOK}
	if s.jobs != nil {
		h.RunningJobs = s.jobs.running()
	}
	s.mu.RLock()
	h.Tenants = len(s.tenants)
	s.mu.RUnlock()
	if hc, ok := s.p.(HealthChecker); ok {
		if err := hc.CheckHealth(ctx); err != nil {
			h.State, h.Message = grpcplugin.HealthError, err.Error()
		}
	}
	return h, nil
}

func (s *server) Shutdown(ctx context.Context) (int, error) {
	interrupted := 0
	if s.jobs != nil {
		n, err := s.jobs.shutdown(ctx)
		interrupted = n
		if err != nil {
			return interrupted, err
		}
	}
	if sd, ok := s.p.(Shutdowner); ok {
		if err := sd.Shutdown(ctx); err != nil {
			return interrupted, err
		}
	}
	return interrupted, nil
}
