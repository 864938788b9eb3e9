package sdk

import (
	"context"
	"encoding/json"
	"net/http"
)

// Plugin is what every plugin implements. One value serves every tenant that
// installed the plugin, concurrently: its methods must be safe for
// concurrent use and must keep each tenant's data apart.
//
// Further capabilities are optional interfaces the sdk detects on the same
// value: JobRunner, HTTPHandler, Initializer, TenantRemover, HealthChecker
// and Shutdowner.
type Plugin interface {
	// Manifest describes the plugin. It is read once, when Serve starts, and
	// validated then.
	Manifest() Manifest
	// Configure installs tenant t or replaces its config. The core calls it
	// on install, on every config change and, after every start of the
	// plugin process, for every tenant that installed it, before any other
	// call for that tenant. config has been validated against the manifest's
	// ConfigSchema. Return ErrInvalidInput to refuse a config.
	Configure(ctx context.Context, t Tenant, config json.RawMessage) error
	// Invoke runs one action. req.Input has been validated against the
	// action's input schema; the output must match its output schema.
	Invoke(ctx context.Context, req Request) (json.RawMessage, error)
}

// JobRunner runs the plugin's job kinds (actions declared with Job set). The
// sdk calls RunJob in its own goroutine for every accepted job, reports
// "running" before and "succeeded", "failed" or "cancelled" after it, and
// cancels ctx when the core cancels the job, the tenant is removed or the
// plugin shuts down. The returned JSON is the job's result.
type JobRunner interface {
	RunJob(ctx context.Context, job Job, progress Progress) (json.RawMessage, error)
}

// JobRunnerFunc adapts a function to JobRunner.
type JobRunnerFunc func(ctx context.Context, job Job, progress Progress) (json.RawMessage, error)

// RunJob calls f.
func (f JobRunnerFunc) RunJob(ctx context.Context, job Job, progress Progress) (json.RawMessage, error) {
	return f(ctx, job, progress)
}

// HTTPHandler is implemented by a plugin whose manifest sets HTTP. The
// handler serves /api/v1/orgs/{org}/plugins/{name}/http/* with the prefix
// stripped (r.URL.Path starts with "/"). Read the tenant, actor and tenant
// config from the request context with TenantFrom, ActorFrom and ConfigFrom.
// Request and response bodies stream, so they may be of any size.
type HTTPHandler interface {
	HTTPHandler() http.Handler
}

// Initializer is implemented by a plugin that wants the Host: Init is called
// once, after the core connected and before any tenant is configured. Keep
// host; it is valid for the life of the process.
type Initializer interface {
	Init(ctx context.Context, host *Host) error
}

// TenantRemover is implemented by a plugin that releases per-tenant resources
// when a tenant uninstalls it. The tenant's jobs have been cancelled before.
type TenantRemover interface {
	RemoveTenant(ctx context.Context, t Tenant) error
}

// HealthChecker is implemented by a plugin that can tell whether it is able
// to serve; a non-nil error marks the plugin unhealthy with its message.
type HealthChecker interface {
	CheckHealth(ctx context.Context) error
}

// Shutdowner is implemented by a plugin that releases resources before the
// process ends. Jobs have been stopped before; ctx carries the grace period.
type Shutdowner interface {
	Shutdown(ctx context.Context) error
}
