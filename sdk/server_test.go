package sdk_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/switchyard/switchyard/sdk"
	"github.com/switchyard/switchyard/sdk/grpcplugin"
	"github.com/switchyard/switchyard/sdk/sdktest"
)

func TestNewServerChecksCapabilities(t *testing.T) {
	jobAction := sdk.Action{Name: "sync", Job: true}
	runJob := func(context.Context, sdk.Job, sdk.Progress) (json.RawMessage, error) { return nil, nil }
	tests := []struct {
		name    string
		plugin  sdk.Plugin
		wantErr string
	}{
		{"valid", &basePlugin{manifest: manifest(sdk.Action{Name: "a"})}, ""},
		{"nil plugin", nil, "nil Plugin"},
		{"invalid manifest", &basePlugin{manifest: sdk.Manifest{Name: "Bad Name", Version: "1"}}, "name"},
		{"job action without runner", &basePlugin{manifest: manifest(jobAction)}, "does not implement sdk.JobRunner"},
		{"runner without job action", &jobPlugin{basePlugin: basePlugin{manifest: manifest()}, run: runJob}, "declares no action with Job set"},
		{"runner with job action", &jobPlugin{basePlugin: basePlugin{manifest: manifest(jobAction)}, run: runJob}, ""},
		{"HTTP without handler", &basePlugin{manifest: func() sdk.Manifest { m := manifest(); m.HTTP = true; return m }()}, "does not implement sdk.HTTPHandler"},
		{"handler without HTTP", &httpPlugin{basePlugin: basePlugin{manifest: manifest()}, handler: http.NotFoundHandler()}, "does not set HTTP"},
		{"nil handler", &httpPlugin{basePlugin: basePlugin{manifest: func() sdk.Manifest { m := manifest(); m.HTTP = true; return m }()}}, "nil http.Handler"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := sdk.NewServer(tc.plugin, sdk.ServeOpts{})
			if tc.wantErr == "" {
				if err != nil {
					t.Fatalf("unexpected error: %v", err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
				t.Fatalf("err = %v, want it to mention %q", err, tc.wantErr)
			}
		})
	}
}

func TestServeRefusesToRunOutsideTheCore(t *testing.T) {
	t.Setenv(grpcplugin.MagicCookieKey, "")
	err := sdk.Serve(&basePlugin{manifest: manifest()})
	if err == nil || !strings.Contains(err.Error(), "the Switchyard core starts it") {
		t.Fatalf("err = %v", err)
	}
	err = sdk.Serve(&basePlugin{manifest: sdk.Manifest{Name: "x"}})
	if err == nil || !strings.Contains(err.Error(), "version") {
		t.Fatalf("an invalid manifest must be reported first: %v", err)
	}
}

func TestInvoke(t *testing.T) {
	p := &basePlugin{manifest: manifest(
		sdk.Action{Name: "echo"},
		sdk.Action{Name: "strict", Input: json.RawMessage(`{"type":"object","required":["n"],"properties":{"n":{"type":"integer"}}}`)},
		sdk.Action{Name: "typed-out", Output: json.RawMessage(`{"type":"string"}`)},
		sdk.Action{Name: "conflict"},
		sdk.Action{Name: "downstream"},
		sdk.Action{Name: "panic"},
		sdk.Action{Name: "whoami"},
		sdk.Action{Name: "nothing"},
		sdk.Action{Name: "job", Job: true},
	)}
	p.invoke = func(ctx context.Context, req sdk.Request) (json.RawMessage, error) {
		switch req.Action {
		case "typed-out":
			return json.RawMessage(`42`), nil
		case "conflict":
			return nil, sdk.Errorf(sdk.ErrConflict, "item %d changed", 7)
		case "downstream":
			return nil, sdk.Downstream(sdk.Errorf(sdk.ErrUnavailable, "source API"))
		case "panic":
			panic(fmt.Sprintf("boom in %s", req.Action))
		case "whoami":
			t, _ := sdk.TenantFrom(ctx)
			a, _ := sdk.ActorFrom(ctx)
			c, _ := sdk.ConfigFrom(ctx)
			return json.Marshal(map[string]any{"tenant": t.Slug, "user": a.UserID, "config": c, "req_config": req.Config})
		case "nothing":
			return nil, nil
		}
		return req.Input, nil
	}
	jp := &jobPlugin{basePlugin: *p, run: func(context.Context, sdk.Job, sdk.Progress) (json.RawMessage, error) { return nil, nil }}
	h := serve(t, jp, sdktest.Options{})
	ctx := testCtx(t)

	tests := []struct {
		name     string
		tenant   grpcplugin.Tenant
		action   string
		input    string
		want     string
		wantCode grpcplugin.Code
		wantMsg  string
		source   grpcplugin.Source
	}{
		{name: "echo", action: "echo", input: `{"a":1}`, want: `{"a":1}`},
		{name: "unknown action", action: "nope", input: `{}`, wantCode: grpcplugin.CodeNotFound, wantMsg: `action "nope": not found`},
		{name: "job via invoke", action: "job", input: `{}`, wantCode: grpcplugin.CodeInvalidInput},
		{name: "input schema", action: "strict", input: `{"n":"x"}`, wantCode: grpcplugin.CodeInvalidInput, wantMsg: "does not match its schema"},
		{name: "input not JSON", action: "strict", input: `{"n":`, wantCode: grpcplugin.CodeInvalidInput},
		{name: "input valid", action: "strict", input: `{"n":3}`, want: `{"n":3}`},
		{name: "output breaks schema", action: "typed-out", input: `{}`, wantCode: grpcplugin.CodeInternal, wantMsg: "output does not match"},
		{name: "plugin error code and message", action: "conflict", input: `{}`, wantCode: grpcplugin.CodeConflict, wantMsg: "item 7 changed: conflict"},
		{name: "downstream source", action: "downstream", input: `{}`, wantCode: grpcplugin.CodeUnavailable, source: grpcplugin.SourceDownstream},
		{name: "panic", action: "panic", input: `{}`, wantCode: grpcplugin.CodeInternal, wantMsg: "panic"},
		{name: "still alive after panic", action: "echo", input: `"ok"`, want: `"ok"`},
		{name: "call context", action: "whoami", input: `{}`, want: `{"config":{"k":"v"},"req_config":{"k":"v"},"tenant":"acme","user":"u-alice"}`},
		{name: "nil output is null", action: "nothing", input: `{}`, want: `null`},
		{name: "tenant not configured", tenant: globex, action: "echo", input: `{}`, wantCode: grpcplugin.CodeUnavailable, wantMsg: "not configured"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			tenant := tc.tenant
			if tenant == (grpcplugin.Tenant{}) {
				tenant = acme
			}
			out, err := h.Invoke(ctx, tenant, alice, tc.action, json.RawMessage(tc.input))
			if tc.wantCode == "" {
				if err != nil {
					t.Fatalf("unexpected error: %v", err)
				}
				if string(out) != tc.want {
					t.Fatalf("output = %s, want %s", out, tc.want)
				}
				return
			}
			if got := grpcplugin.CodeOf(err); got != tc.wantCode {
				t.Fatalf("code = %q (%v), want %q", got, err, tc.wantCode)
			}
			if tc.wantMsg != "" && !strings.Contains(err.Error(), tc.wantMsg) {
				t.Errorf("message %q lacks %q", err, tc.wantMsg)
			}
			if tc.source != "" && grpcplugin.SourceOf(err) != tc.source {
				t.Errorf("source = %q, want %q", grpcplugin.SourceOf(err), tc.source)
			}
		})
	}
}

func TestConfigureAndRemoveTenant(t *testing.T) {
	var configured []string
	p := &basePlugin{manifest: manifest(sdk.Action{Name: "echo"})}
	p.manifest.ConfigSchema = json.RawMessage(`{"type":"object","properties":{"k":{"type":"string"}}}`)
	p.configure = func(_ context.Context, t sdk.Tenant, c json.RawMessage) error {
		if strings.Contains(string(c), "refuse") {
			return sdk.Errorf(sdk.ErrInvalidInput, "k may not be refuse")
		}
		configured = append(configured, t.Slug+string(c))
		return nil
	}
	h := serve(t, p, sdktest.Options{})
	ctx := testCtx(t)

	if err := h.Client.Configure(ctx, acme, json.RawMessage(`{"k":1}`)); !errors.Is(err, grpcplugin.ErrInvalidInput) {
		t.Fatalf("schema violation: err = %v", err)
	}
	if err := h.Client.Configure(ctx, acme, json.RawMessage(`{"k":"refuse"}`)); !errors.Is(err, grpcplugin.ErrInvalidInput) || !strings.Contains(err.Error(), "may not be refuse") {
		t.Fatalf("plugin refusal: err = %v", err)
	}
	// The refused config did not replace the installed one.
	out, err := h.Invoke(ctx, acme, alice, "echo", json.RawMessage(`1`))
	if err != nil || string(out) != "1" {
		t.Fatalf("invoke: %s %v", out, err)
	}
	if fmt.Sprint(configured) != `[acme{"k":"v"}]` {
		t.Fatalf("configured = %v", configured)
	}
	if err := h.Client.RemoveTenant(ctx, acme); err != nil {
		t.Fatal(err)
	}
	if _, err := h.Invoke(ctx, acme, alice, "echo", json.RawMessage(`1`)); !errors.Is(err, grpcplugin.ErrUnavailable) {
		t.Fatalf("after removal: err = %v", err)
	}
	health, err := h.Client.Health(ctx)
	if err != nil || health.State != grpcplugin.HealthOK || health.Tenants != 0 {
		t.Fatalf("health = %+v, %v", health, err)
	}
}
