package grpcplugin

import (
	"context"
	"encoding/json"
	"net/http"
	"sync"

	"github.com/switchyard/switchyard/sdk/genproto/pluginv1"
)

// PluginServer is the plugin side of the contract, in Go types: what the
// Plugin gRPC service calls in a plugin process. The sdk implements it on top
// of an author's sdk.Plugin; a plugin written without the sdk implements it
// directly and serves it with ServeConfig.
//
// Every method may be called concurrently, for many tenants at once; an
// implementation must be safe for concurrent use. Errors should carry a Code
// (see the Err* sentinels); a panic becomes an Internal error.
type PluginServer interface {
	// Init hands the plugin its client of the host API. It is called once,
	// before any other method.
	Init(ctx context.Context, host HostServer) error
	// Manifest describes the plugin.
	Manifest(ctx context.Context) (Manifest, error)
	// Configure installs a tenant or replaces its config.
	Configure(ctx context.Context, t Tenant, config json.RawMessage) error
	// RemoveTenant uninstalls a tenant: its jobs stop and its resources go.
	RemoveTenant(ctx context.Context, t Tenant) error
	// Invoke runs one action and returns its JSON output.
	Invoke(ctx context.Context, req InvokeRequest) (json.RawMessage, error)
	// StartJob accepts a job and returns; the job reports through the host.
	StartJob(ctx context.Context, req JobRequest) error
	// CancelJob cancels a running job; ErrNotFound when none runs.
	CancelJob(ctx context.Context, t Tenant, jobID string) error
	// ServeHTTP answers one HTTP request for tenant t. r's body and w stream
	// over gRPC. An error returned before anything was written becomes the
	// error status of the call; after that it aborts the response.
	ServeHTTP(ctx context.Context, t Tenant, a Actor, w http.ResponseWriter, r *http.Request) error
	// Health reports whether the plugin can serve.
	Health(ctx context.Context) (Health, error)
	// Shutdown stops jobs and releases resources before the process ends;
	// it returns how many jobs it interrupted.
	Shutdown(ctx context.Context) (interrupted int, err error)
}

// pluginService serves the generated Plugin service in a plugin process.
type pluginService struct {
	pluginv1.UnimplementedPluginServer
	impl   PluginServer
	dialer brokerDialer

	mu          sync.Mutex
	initialized bool
}

var _ pluginv1.PluginServer = (*pluginService)(nil)

func (s *pluginService) Init(ctx context.Context, req *pluginv1.InitRequest) (*pluginv1.InitResponse, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.initialized {
		return nil, ToStatus(NewError(CodeConflict, "init: the host service is already connected"))
	}
	conn, err := s.dialer.DialWithOptions(req.GetHostBrokerId(), DialOptions()...)
	if err != nil {
		return nil, ToStatus(NewError(CodeUnavailable, "init: dial host service: "+err.Error()))
	}
	if err := s.impl.Init(ctx, NewHostClient(conn)); err != nil {
		_ = conn.Close()
		return nil, ToStatus(err)
	}
	s.initialized = true
	return &pluginv1.InitResponse{}, nil
}

func (s *pluginService) GetManifest(ctx context.Context, _ *pluginv1.GetManifestRequest) (*pluginv1.GetManifestResponse, error) {
	m, err := s.impl.Manifest(ctx)
	if err != nil {
		return nil, ToStatus(err)
	}
	return &pluginv1.GetManifestResponse{Manifest: manifestToProto(m)}, nil
}

func (s *pluginService) Configure(ctx context.Context, req *pluginv1.ConfigureRequest) (*pluginv1.ConfigureResponse, error) {
	t := tenantFromProto(req.GetTenant())
	if err := ValidateTenant(t); err != nil {
		return nil, ToStatus(err)
	}
	if err := s.impl.Configure(ctx, t, req.GetConfigJson()); err != nil {
		return nil, ToStatus(err)
	}
	return &pluginv1.ConfigureResponse{}, nil
}

func (s *pluginService) RemoveTenant(ctx context.Context, req *pluginv1.RemoveTenantRequest) (*pluginv1.RemoveTenantResponse, error) {
	t := tenantFromProto(req.GetTenant())
	if err := ValidateTenant(t); err != nil {
		return nil, ToStatus(err)
	}
	if err := s.impl.RemoveTenant(ctx, t); err != nil {
		return nil, ToStatus(err)
	}
	return &pluginv1.RemoveTenantResponse{}, nil
}

func (s *pluginService) Invoke(ctx context.Context, req *pluginv1.InvokeRequest) (*pluginv1.InvokeResponse, error) {
	in := InvokeRequest{
		Tenant: tenantFromProto(req.GetTenant()),
		Actor:  actorFromProto(req.GetActor()),
		Action: req.GetAction(),
		Input:  req.GetInputJson(),
	}
	if err := ValidateTenant(in.Tenant); err != nil {
		return nil, ToStatus(err)
	}
	out, err := s.impl.Invoke(ctx, in)
	if err != nil {
		return nil, ToStatus(err)
	}
	return &pluginv1.InvokeResponse{OutputJson: out}, nil
}

func (s *pluginService) StartJob(ctx context.Context, req *pluginv1.StartJobRequest) (*pluginv1.StartJobResponse, error) {
	in := JobRequest{
		Tenant: tenantFromProto(req.GetTenant()),
		Actor:  actorFromProto(req.GetActor()),
		ID:     req.GetJobId(),
		Kind:   req.GetKind(),
		Input:  req.GetInputJson(),
	}
	if err := ValidateTenant(in.Tenant); err != nil {
		return nil, ToStatus(err)
	}
	if in.ID == "" || len(in.ID) > 128 {
		return nil, ToStatus(NewError(CodeInvalidInput, "start job: job id must be 1-128 bytes"))
	}
	if err := s.impl.StartJob(ctx, in); err != nil {
		return nil, ToStatus(err)
	}
	return &pluginv1.StartJobResponse{}, nil
}

func (s *pluginService) CancelJob(ctx context.Context, req *pluginv1.CancelJobRequest) (*pluginv1.CancelJobResponse, error) {
	t := tenantFromProto(req.GetTenant())
	if err := ValidateTenant(t); err != nil {
		return nil, ToStatus(err)
	}
	if err := s.impl.CancelJob(ctx, t, req.GetJobId()); err != nil {
		return nil, ToStatus(err)
	}
	return &pluginv1.CancelJobResponse{}, nil
}

func (s *pluginService) Health(ctx context.Context, _ *pluginv1.HealthRequest) (*pluginv1.HealthResponse, error) {
	h, err := s.impl.Health(ctx)
	if err != nil {
		return nil, ToStatus(err)
	}
	st := pluginv1.HealthStatus_HEALTH_STATUS_OK
	if h.State != HealthOK {
		st = pluginv1.HealthStatus_HEALTH_STATUS_ERROR
	}
	return &pluginv1.HealthResponse{Status: st, Message: h.Message, RunningJobs: int32Of(h.RunningJobs), Tenants: int32Of(h.Tenants)}, nil
}

func (s *pluginService) Shutdown(ctx context.Context, _ *pluginv1.ShutdownRequest) (*pluginv1.ShutdownResponse, error) {
	n, err := s.impl.Shutdown(ctx)
	if err != nil {
		return nil, ToStatus(err)
	}
	return &pluginv1.ShutdownResponse{InterruptedJobs: int32Of(n)}, nil
}
