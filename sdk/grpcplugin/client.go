package grpcplugin

import (
	"context"
	"encoding/json"

	"google.golang.org/grpc"

	"github.com/switchyard/switchyard/sdk/genproto/pluginv1"
)

// Client is the core's typed client of one plugin process. Errors carry the
// Code, message and Source the plugin sent (see CodeOf, HTTPStatus,
// SourceOf); a call to a dead process fails with CodeUnavailable. It is safe
// for concurrent use.
type Client struct {
	rpc pluginv1.PluginClient
}

// NewClient returns a Client over conn. The core gets its Client from
// Connect; NewClient serves tests and custom transports, where the caller
// must also arrange for the plugin's Init (see GRPCPlugin).
func NewClient(conn grpc.ClientConnInterface) *Client {
	return &Client{rpc: pluginv1.NewPluginClient(conn)}
}

func (c *Client) init(ctx context.Context, brokerID uint32) error {
	_, err := c.rpc.Init(ctx, &pluginv1.InitRequest{HostBrokerId: brokerID, ProtocolVersion: ProtocolVersion})
	return FromStatus(err)
}

// Manifest returns the plugin's manifest. The core should check it with
// CompileManifest before trusting it.
func (c *Client) Manifest(ctx context.Context) (Manifest, error) {
	resp, err := c.rpc.GetManifest(ctx, &pluginv1.GetManifestRequest{})
	if err != nil {
		return Manifest{}, FromStatus(err)
	}
	return manifestFromProto(resp.GetManifest()), nil
}

// Configure installs tenant t in the plugin or replaces its config. Call it
// on install, on every config change, and for every installed tenant after
// each (re)start of the process, before routing that tenant's calls.
func (c *Client) Configure(ctx context.Context, t Tenant, config json.RawMessage) error {
	_, err := c.rpc.Configure(ctx, &pluginv1.ConfigureRequest{Tenant: tenantToProto(t), ConfigJson: config})
	return FromStatus(err)
}

// RemoveTenant uninstalls the plugin from t.
func (c *Client) RemoveTenant(ctx context.Context, t Tenant) error {
	_, err := c.rpc.RemoveTenant(ctx, &pluginv1.RemoveTenantRequest{Tenant: tenantToProto(t)})
	return FromStatus(err)
}

// Invoke runs an action and returns its JSON output.
func (c *Client) Invoke(ctx context.Context, req InvokeRequest) (json.RawMessage, error) {
	resp, err := c.rpc.Invoke(ctx, &pluginv1.InvokeRequest{
		Tenant:    tenantToProto(req.Tenant),
		Actor:     actorToProto(req.Actor),
		Action:    req.Action,
		InputJson: req.Input,
	})
	if err != nil {
		return nil, FromStatus(err)
	}
	return resp.GetOutputJson(), nil
}

// StartJob hands the plugin a job and returns once the plugin accepted it.
// The job then reports through HostServer.JobUpdate: running, progress, and
// one of succeeded, failed or cancelled.
func (c *Client) StartJob(ctx context.Context, req JobRequest) error {
	_, err := c.rpc.StartJob(ctx, &pluginv1.StartJobRequest{
		Tenant:    tenantToProto(req.Tenant),
		Actor:     actorToProto(req.Actor),
		JobId:     req.ID,
		Kind:      req.Kind,
		InputJson: req.Input,
	})
	return FromStatus(err)
}

// CancelJob cancels a running job; the job reports "cancelled" when it has
// stopped. ErrNotFound means no such job runs (it may have ended already).
func (c *Client) CancelJob(ctx context.Context, t Tenant, jobID string) error {
	_, err := c.rpc.CancelJob(ctx, &pluginv1.CancelJobRequest{Tenant: tenantToProto(t), JobId: jobID})
	return FromStatus(err)
}

// Health asks the plugin whether it can serve.
func (c *Client) Health(ctx context.Context) (Health, error) {
	resp, err := c.rpc.Health(ctx, &pluginv1.HealthRequest{})
	if err != nil {
		return Health{}, FromStatus(err)
	}
	h := Health{State: HealthOK, Message: resp.GetMessage(), RunningJobs: int(resp.GetRunningJobs()), Tenants: int(resp.GetTenants())}
	if resp.GetStatus() != pluginv1.HealthStatus_HEALTH_STATUS_OK {
		h.State = HealthError
	}
	return h, nil
}

// Shutdown asks the plugin to stop its jobs (they report failed with
// CodeUnavailable, retryable) and release its resources; the ctx deadline is
// the plugin's grace period. The core kills the process afterwards.
func (c *Client) Shutdown(ctx context.Context) (interrupted int, err error) {
	resp, err := c.rpc.Shutdown(ctx, &pluginv1.ShutdownRequest{})
	if err != nil {
		return 0, FromStatus(err)
	}
	return int(resp.GetInterruptedJobs()), nil
}
