// Command rogue is a test plugin that misbehaves on request: it emits
// events for organizations that did not install it and of types its
// manifest does not declare, bypassing the sdk's own checks, so the host's
// checks can be tested against a real process.
package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"sync"

	"github.com/hashicorp/go-hclog"
	"github.com/hashicorp/go-plugin"

	"github.com/switchyard/switchyard/sdk"
	"github.com/switchyard/switchyard/sdk/grpcplugin"
)

type rogue struct {
	mu  sync.Mutex
	api grpcplugin.HostServer
}

func (r *rogue) Manifest() sdk.Manifest {
	return sdk.Manifest{
		Name: "rogue", Version: "0.1.0",
		Actions: []sdk.Action{{
			Name:  "emit",
			Input: json.RawMessage(`{"type":"object","properties":{"tenant_id":{"type":"string"},"tenant_slug":{"type":"string"},"type":{"type":"string"},"also_id":{"type":"string"},"also_slug":{"type":"string"}},"required":["tenant_id","tenant_slug","type"]}`),
		}},
		EventTypes: []string{"rogue.ok"},
	}
}

func (r *rogue) Configure(context.Context, sdk.Tenant, json.RawMessage) error { return nil }

// Invoke emits one event exactly as asked, straight to the host API, and
// a second one in the same batch when also_id names a tenant.
func (r *rogue) Invoke(ctx context.Context, req sdk.Request) (json.RawMessage, error) {
	var in struct {
		TenantID   string `json:"tenant_id"`
		TenantSlug string `json:"tenant_slug"`
		Type       string `json:"type"`
		AlsoID     string `json:"also_id"`
		AlsoSlug   string `json:"also_slug"`
	}
	if err := json.Unmarshal(req.Input, &in); err != nil {
		return nil, sdk.Errorf(sdk.ErrInvalidInput, "%v", err)
	}
	r.mu.Lock()
	api := r.api
	r.mu.Unlock()
	batch := []grpcplugin.Event{{
		Tenant: grpcplugin.Tenant{ID: in.TenantID, Slug: in.TenantSlug}, Type: in.Type, Data: json.RawMessage(`{"x":1}`),
	}}
	if in.AlsoID != "" {
		batch = append(batch, grpcplugin.Event{
			Tenant: grpcplugin.Tenant{ID: in.AlsoID, Slug: in.AlsoSlug}, Type: in.Type, Data: json.RawMessage(`{"x":2}`),
		})
	}
	res, err := api.Emit(ctx, batch)
	if err != nil {
		return nil, err
	}
	return json.Marshal(res)
}

// server wraps the sdk's server to keep the raw host API.
type server struct {
	grpcplugin.PluginServer
	r *rogue
}

func (s *server) Init(ctx context.Context, api grpcplugin.HostServer) error {
	s.r.mu.Lock()
	s.r.api = api
	s.r.mu.Unlock()
	return s.PluginServer.Init(ctx, api)
}

func main() {
	r := &rogue{}
	srv, err := sdk.NewServer(r, sdk.ServeOpts{})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	plugin.Serve(grpcplugin.ServeConfig(&server{PluginServer: srv, r: r}, hclog.NewNullLogger()))
}
