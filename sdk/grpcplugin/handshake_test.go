package grpcplugin

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hashicorp/go-plugin"
)

// helperEnv makes the test binary serve stubPlugin, speaking the protocol
// versions it lists, instead of running tests: the tests below start it as
// a plugin process.
const helperEnv = "SWITCHYARD_GRPCPLUGIN_TEST_PLUGIN_VERSIONS"

func TestMain(m *testing.M) {
	if vs := os.Getenv(helperEnv); vs != "" {
		var versions []int
		for _, s := range strings.Split(vs, ",") {
			v, err := strconv.Atoi(s)
			if err != nil {
				fmt.Fprintln(os.Stderr, "bad", helperEnv, err)
				os.Exit(2)
			}
			versions = append(versions, v)
		}
		plugin.Serve(serveConfig(&stubPlugin{}, nil, versions))
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// startStub launches the test binary as a plugin speaking pluginVersions,
// against a host speaking hostVersions, with AutoMTLS.
func startStub(t *testing.T, host HostServer, pluginVersions, hostVersions []int) (*Client, error) {
	t.Helper()
	var vs []string
	for _, v := range pluginVersions {
		vs = append(vs, strconv.Itoa(v))
	}
	cmd := exec.Command(os.Args[0], "-test.run=^$") //nolint:gosec // this test binary, as a plugin
	cmd.Env = []string{helperEnv + "=" + strings.Join(vs, ",")}
	cfg := clientConfig(cmd, host, nil, hostVersions)
	cfg.StartTimeout = 20 * time.Second
	pc := plugin.NewClient(cfg)
	t.Cleanup(pc.Kill)
	return connect(pc, hostVersions)
}

func TestHandshakeVersionMismatch(t *testing.T) {
	tests := []struct {
		name           string
		pluginVersions []int
		hostVersions   []int
		want           []string
	}{
		{"plugin newer than host", []int{2}, []int{1}, []string{"Plugin version: 2", "Client versions: [1]", "this host speaks Switchyard plugin protocol versions [1]"}},
		{"plugin older than host", []int{1}, []int{2, 3}, []string{"Plugin version: 1", "Client versions: [", "this host speaks Switchyard plugin protocol versions [2 3]"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := startStub(t, &stubHost{}, tc.pluginVersions, tc.hostVersions)
			if err == nil {
				t.Fatal("connect succeeded across incompatible versions")
			}
			t.Logf("error: %v", err)
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not say %q", err, w)
				}
			}
		})
	}
}

func TestSubprocessRoundTrip(t *testing.T) {
	host := &stubHost{}
	// The plugin speaks 1 and 2; this host only 1: they settle on 1.
	c, err := startStub(t, host, []int{1, 2}, []int{ProtocolVersion})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(t.Context(), 20*time.Second)
	defer cancel()
	acme := Tenant{ID: "org-1", Slug: "acme"}

	m, err := c.Manifest(ctx)
	if err != nil || m.Name != "stub" {
		t.Fatalf("manifest = %+v, %v", m, err)
	}

	t.Run("host callback over the broker", func(t *testing.T) {
		out, err := c.Invoke(ctx, InvokeRequest{Tenant: acme, Action: "emit", Input: json.RawMessage(`{"n":1}`)})
		if err != nil {
			t.Fatal(err)
		}
		if string(out) != `{"accepted":1,"rejected":1}` {
			t.Fatalf("out = %s", out)
		}
		evs := host.events()
		if len(evs) != 1 || evs[0].Type != "stub.ping" || string(evs[0].Data) != `{"n":1}` || evs[0].Tenant != acme {
			t.Fatalf("host got %+v", evs)
		}
	})

	t.Run("panic in plugin handler", func(t *testing.T) {
		_, err := c.Invoke(ctx, InvokeRequest{Tenant: acme, Action: "panic"})
		if CodeOf(err) != CodeInternal || !strings.Contains(err.Error(), "panic: boom") {
			t.Fatalf("err = %v (code %q), want internal panic", err, CodeOf(err))
		}
		// The process lives on.
		out, err := c.Invoke(ctx, InvokeRequest{Tenant: acme, Action: "echo", Input: json.RawMessage(`"still here"`)})
		if err != nil || string(out) != `"still here"` {
			t.Fatalf("after panic: %s, %v", out, err)
		}
	})

	t.Run("panic in host handler", func(t *testing.T) {
		_, err := c.Invoke(ctx, InvokeRequest{Tenant: acme, Action: "log"})
		if CodeOf(err) != CodeInternal || !strings.Contains(err.Error(), "host log panic") {
			t.Fatalf("err = %v, want the host's internal error passed on", err)
		}
	})

	t.Run("error codes cross the process boundary", func(t *testing.T) {
		_, err := c.Invoke(ctx, InvokeRequest{Tenant: acme, Action: "missing"})
		if !errors.Is(err, ErrNotFound) || HTTPStatus(err) != http.StatusNotFound || err.Error() != `action "missing": not found` {
			t.Fatalf("err = %v", err)
		}
		_, err = c.Invoke(ctx, InvokeRequest{Tenant: Tenant{ID: "x", Slug: "NOT VALID"}, Action: "echo"})
		if !errors.Is(err, ErrInvalidInput) {
			t.Fatalf("invalid tenant: err = %v", err)
		}
	})

	t.Run("http echo", func(t *testing.T) {
		resp, err := c.RoundTrip(ctx, &HTTPRequest{
			Tenant: acme, Method: "PUT", Path: "/echo", RawQuery: "a=1",
			Header: http.Header{"X-Test": {"yes"}}, Body: strings.NewReader(strings.Repeat("z", 200_000)), ContentLength: 200_000,
		})
		if err != nil {
			t.Fatal(err)
		}
		defer func() { _ = resp.Body.Close() }()
		body, err := io.ReadAll(resp.Body)
		if err != nil {
			t.Fatal(err)
		}
		if resp.StatusCode != http.StatusCreated || resp.Header.Get("X-Seen") != "PUT /echo?a=1 yes" || len(body) != 200_000 {
			t.Fatalf("status %d, header %q, %d bytes", resp.StatusCode, resp.Header.Get("X-Seen"), len(body))
		}
	})
}

// stubPlugin is a PluginServer without the sdk, for the tests above.
type stubPlugin struct {
	mu   sync.Mutex
	host HostServer
}

func (p *stubPlugin) Init(_ context.Context, host HostServer) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.host = host
	return nil
}

func (p *stubPlugin) Manifest(context.Context) (Manifest, error) {
	return Manifest{Name: "stub", Version: "1.0.0", EventTypes: []string{"stub.ping"}}, nil
}

func (p *stubPlugin) Configure(context.Context, Tenant, json.RawMessage) error { return nil }
func (p *stubPlugin) RemoveTenant(context.Context, Tenant) error               { return nil }

func (p *stubPlugin) Invoke(ctx context.Context, req InvokeRequest) (json.RawMessage, error) {
	p.mu.Lock()
	host := p.host
	p.mu.Unlock()
	switch req.Action {
	case "echo":
		return req.Input, nil
	case "panic":
		panic("boom")
	case "emit":
		res, err := host.Emit(ctx, []Event{
			{Tenant: req.Tenant, Type: "stub.ping", Data: req.Input},
			{Tenant: req.Tenant, Type: "Not Valid", Data: req.Input},
		})
		if err != nil {
			return nil, err
		}
		return json.Marshal(map[string]int{"accepted": res.Accepted, "rejected": len(res.Rejected)})
	case "log":
		return nil, host.Log(ctx, LogEntry{Message: "hello"})
	}
	return nil, fmt.Errorf("action %q: %w", req.Action, ErrNotFound)
}

func (p *stubPlugin) StartJob(context.Context, JobRequest) error { return ErrUnimplemented }
func (p *stubPlugin) CancelJob(context.Context, Tenant, string) error {
	return ErrNotFound
}

func (p *stubPlugin) ServeHTTP(_ context.Context, _ Tenant, _ Actor, w http.ResponseWriter, r *http.Request) error {
	w.Header().Set("X-Seen", r.Method+" "+r.URL.RequestURI()+" "+r.Header.Get("X-Test"))
	w.WriteHeader(http.StatusCreated)
	_, err := io.Copy(w, r.Body)
	return err
}

func (p *stubPlugin) Health(context.Context) (Health, error) { return Health{State: HealthOK}, nil }
func (p *stubPlugin) Shutdown(context.Context) (int, error)  { return 0, nil }

// stubHost records events and panics on Log.
type stubHost struct {
	HostServer // nil: the methods the tests do not use panic
	mu         sync.Mutex
	got        []Event
}

func (h *stubHost) Emit(_ context.Context, events []Event) (EmitResult, error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.got = append(h.got, events...)
	return EmitResult{Accepted: len(events)}, nil
}

func (h *stubHost) Log(context.Context, LogEntry) error { panic("host log panic") }

func (h *stubHost) events() []Event {
	h.mu.Lock()
	defer h.mu.Unlock()
	return append([]Event(nil), h.got...)
}
