package sdk

import (
	"context"
	"encoding/json"
)

type ctxKey int

const callKey ctxKey = 0

// call is what the sdk puts in the context of every call into the plugin.
type call struct {
	tenant Tenant
	actor  Actor
	config json.RawMessage
}

func withCall(ctx context.Context, t Tenant, a Actor, config json.RawMessage) context.Context {
	return context.WithValue(ctx, callKey, &call{tenant: t, actor: a, config: config})
}

// TenantFrom returns the tenant of the call ctx belongs to: every context
// the sdk passes to Configure, Invoke, RunJob and HTTP handlers carries one.
func TenantFrom(ctx context.Context) (Tenant, bool) {
	c, ok := ctx.Value(callKey).(*call)
	if !ok {
		return Tenant{}, false
	}
	return c.tenant, true
}

// ActorFrom returns the user the call ctx belongs to was made for. ok is
// false outside a call; the zero Actor means the core itself.
func ActorFrom(ctx context.Context) (Actor, bool) {
	c, ok := ctx.Value(callKey).(*call)
	if !ok {
		return Actor{}, false
	}
	return c.actor, true
}

// ConfigFrom returns the config of the tenant of the call ctx belongs to.
func ConfigFrom(ctx context.Context) (json.RawMessage, bool) {
	c, ok := ctx.Value(callKey).(*call)
	if !ok {
		return nil, false
	}
	return c.config, true
}
