package sdk_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/switchyard/switchyard/sdk"
	"github.com/switchyard/switchyard/sdk/grpcplugin"
	"github.com/switchyard/switchyard/sdk/sdktest"
)

// greeter is a complete plugin: one action and one event type.
type greeter struct{ host *sdk.Host }

func (g *greeter) Manifest() sdk.Manifest {
	return sdk.Manifest{
		Name:    "greeter",
		Version: "1.0.0",
		Actions: []sdk.Action{{
			Name:  "greet",
			Input: json.RawMessage(`{"type":"object","properties":{"name":{"type":"string"}},"required":["name"]}`),
		}},
		EventTypes: []string{"notification"},
	}
}

func (g *greeter) Init(_ context.Context, h *sdk.Host) error { g.host = h; return nil }

func (g *greeter) Configure(context.Context, sdk.Tenant, json.RawMessage) error { return nil }

func (g *greeter) Invoke(ctx context.Context, req sdk.Request) (json.RawMessage, error) {
	var in struct{ Name string }
	if err := json.Unmarshal(req.Input, &in); err != nil {
		return nil, sdk.Errorf(sdk.ErrInvalidInput, "input: %v", err)
	}
	msg := "Hello, " + in.Name
	// Tell the tenant's dashboards, then answer the caller.
	err := g.host.Emit(ctx, req.Tenant, sdk.Event{Type: "notification", Data: map[string]string{"kind": "info", "title": msg}})
	if err != nil {
		return nil, err
	}
	return json.Marshal(msg)
}

// A plugin's main function is one call. Serve validates the manifest first,
// so a mistake in it shows the first time the binary runs.
func ExampleServe() {
	// In main: if err := sdk.Serve(p); err != nil { fmt.Fprintln(os.Stderr, err); os.Exit(1) }
	err := sdk.Serve(&greeter{})
	// Started by hand rather than by the core, Serve explains itself.
	fmt.Println(strings.SplitN(err.Error(), ",", 2)[0])
	// Output: sdk: the manifest is valid
}

// Testing a plugin without the core: sdktest serves it over go-plugin's
// gRPC in this process and records what it sends back.
func Example_testing() {
	ctx := context.Background()
	h, err := sdktest.Start(ctx, &greeter{}, sdktest.Options{})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer func() { _ = h.Close() }()

	acme := sdktest.Tenant("acme")
	if err := h.Install(ctx, acme, nil); err != nil {
		fmt.Println(err)
		return
	}
	out, err := h.Invoke(ctx, acme, sdk.Actor{UserID: "u1", Role: "member"}, "greet", map[string]string{"name": "Ada"})
	fmt.Println(string(out), err)

	ev := h.Host.Events()[0]
	fmt.Println(ev.Tenant.Slug, ev.Type, string(ev.Data))

	_, err = h.Invoke(ctx, acme, sdk.Actor{}, "greet", map[string]int{"name": 1})
	fmt.Println(grpcplugin.HTTPStatus(err), errors.Is(err, sdk.ErrInvalidInput))
	// Output:
	// "Hello, Ada" <nil>
	// acme notification {"kind":"info","title":"Hello, Ada"}
	// 400 true
}

// Errorf attaches a code the core turns into an HTTP status.
func ExampleErrorf() {
	err := sdk.Errorf(sdk.ErrNotFound, "dataset %q", "contacts")
	fmt.Println(err)
	fmt.Println(errors.Is(err, sdk.ErrNotFound), sdk.CodeOf(err), grpcplugin.HTTPStatus(err) == http.StatusNotFound)
	// Output:
	// dataset "contacts": not found
	// true not_found true
}

// A job reports progress; the sdk rate-limits the reports and sends the
// job's end by itself.
func ExampleJobRunnerFunc() {
	count := sdk.JobRunnerFunc(func(ctx context.Context, job sdk.Job, p sdk.Progress) (json.RawMessage, error) {
		p.SetTotal(3)
		for i := 0; i < 3; i++ {
			if err := ctx.Err(); err != nil {
				return nil, err // reported as cancelled when the core cancelled it
			}
			p.Add(1)
		}
		return json.RawMessage(`{"done":3}`), nil
	})
	out, err := count.RunJob(context.Background(), sdk.Job{ID: "j1", Kind: "count"}, nopProgress{})
	fmt.Println(string(out), err)
	// Output: {"done":3} <nil>
}

type nopProgress struct{}

func (nopProgress) Report(int64, int64) {}
func (nopProgress) SetTotal(int64)      {}
func (nopProgress) Add(int64)           {}
