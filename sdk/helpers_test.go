package sdk_test

import (
	"context"
	"encoding/json"
	"net/http"
	"testing"
	"time"

	"github.com/switchyard/switchyard/sdk"
	"github.com/switchyard/switchyard/sdk/grpcplugin"
	"github.com/switchyard/switchyard/sdk/sdktest"
)

var (
	acme   = sdktest.Tenant("acme")
	globex = sdktest.Tenant("globex")
	alice  = grpcplugin.Actor{UserID: "u-alice", Role: "admin"}
)

// basePlugin is a Plugin whose behaviour tests set through function fields.
type basePlugin struct {
	manifest  sdk.Manifest
	configure func(ctx context.Context, t sdk.Tenant, config json.RawMessage) error
	invoke    func(ctx context.Context, req sdk.Request) (json.RawMessage, error)
	host      chan *sdk.Host // receives the Host at Init when non-nil
}

func (p *basePlugin) Manifest() sdk.Manifest { return p.manifest }

func (p *basePlugin) Init(_ context.Context, h *sdk.Host) error {
	if p.host != nil {
		p.host <- h
	}
	return nil
}

func (p *basePlugin) Configure(ctx context.Context, t sdk.Tenant, config json.RawMessage) error {
	if p.configure != nil {
		return p.configure(ctx, t, config)
	}
	return nil
}

func (p *basePlugin) Invoke(ctx context.Context, req sdk.Request) (json.RawMessage, error) {
	if p.invoke != nil {
		return p.invoke(ctx, req)
	}
	return req.Input, nil
}

// jobPlugin adds a JobRunner.
type jobPlugin struct {
	basePlugin
	run func(ctx context.Context, job sdk.Job, p sdk.Progress) (json.RawMessage, error)
}

func (p *jobPlugin) RunJob(ctx context.Context, job sdk.Job, pr sdk.Progress) (json.RawMessage, error) {
	return p.run(ctx, job, pr)
}

// httpPlugin adds an HTTPHandler.
type httpPlugin struct {
	basePlugin
	handler http.Handler
}

func (p *httpPlugin) HTTPHandler() http.Handler { return p.handler }

func manifest(actions ...sdk.Action) sdk.Manifest {
	return sdk.Manifest{
		Name:       "testplug",
		Version:    "0.1.0",
		Actions:    actions,
		EventTypes: []string{"test.event", "notification"},
	}
}

// serve starts p in-process with acme installed and returns the harness.
func serve(tb testing.TB, p sdk.Plugin, opts sdktest.Options) *sdktest.Harness {
	tb.Helper()
	h := sdktest.Serve(tb, p, opts)
	if err := h.Install(testCtx(tb), acme, json.RawMessage(`{"k":"v"}`)); err != nil {
		tb.Fatalf("install: %v", err)
	}
	return h
}

func testCtx(tb testing.TB) context.Context {
	tb.Helper()
	ctx, cancel := context.WithTimeout(tb.Context(), 30*time.Second)
	tb.Cleanup(cancel)
	return ctx
}

// hostOf returns the Host a plugin received at Init.
func hostOf(tb testing.TB, ch chan *sdk.Host) *sdk.Host {
	tb.Helper()
	select {
	case host := <-ch:
		return host
	case <-time.After(10 * time.Second):
		tb.Fatal("Init was not called")
		return nil
	}
}
