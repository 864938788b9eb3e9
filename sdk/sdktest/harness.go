package sdktest

import (
	"context"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hashicorp/go-hclog"
	"github.com/hashicorp/go-plugin"

	"github.com/switchyard/switchyard/sdk"
	"github.com/switchyard/switchyard/sdk/grpcplugin"
)

// Options configures a Harness. The zero value is ready to use.
type Options struct {
	// Host is the host API served to the plugin; nil means a new
	// RecordingHost (then Harness.Host is it).
	Host grpcplugin.HostServer
	// ServeOpts are passed to the sdk when serving in-process.
	ServeOpts sdk.ServeOpts
	// Logger receives go-plugin's and the harness's logs; nil logs warnings
	// and errors to stderr.
	Logger hclog.Logger
	// StartTimeout bounds the start of a plugin binary; zero is 30s.
	StartTimeout time.Duration
	// Env is the environment of a plugin binary (NAME=value), as the core
	// gives it (SWITCHYARD_FILES_DIR, SWITCHYARD_PLUGIN_DATA_DIR, ...); the
	// test process's own environment is withheld either way.
	Env []string
}

// Harness runs one plugin the way the core does, over go-plugin and gRPC,
// against an in-memory host. Its Client is the core's grpcplugin.Client;
// the helpers below cover the common calls. A Harness is safe for
// concurrent use; Close it when done (the T variants do it in t.Cleanup).
type Harness struct {
	// Host is the RecordingHost the plugin talks to, or nil when
	// Options.Host was something else.
	Host *RecordingHost
	// Client is the core's client of the plugin.
	Client *grpcplugin.Client
	// Manifest is the plugin's manifest as the core received it.
	Manifest grpcplugin.Manifest

	pc        *plugin.Client
	binary    bool
	close     func() error
	closeOnce sync.Once
	closeErr  error
}

// Tenant returns a test tenant with slug slug and id "org-"+slug.
func Tenant(slug string) grpcplugin.Tenant {
	return grpcplugin.Tenant{ID: "org-" + slug, Slug: slug}
}

func (o *Options) defaults() (grpcplugin.HostServer, *RecordingHost, hclog.Logger) {
	logger := o.Logger
	if logger == nil {
		logger = hclog.New(&hclog.LoggerOptions{
			Name:   "sdktest",
			Level:  hclog.Warn,
			Output: os.Stderr,
			// Stopping an in-process server closes its listener first;
			// go-plugin reports that as an error, which it is not here.
			Exclude: func(_ hclog.Level, msg string, args ...any) bool {
				return msg == "grpc server" && strings.Contains(fmt.Sprint(args...), "use of closed network connection")
			},
		})
	}
	if o.Host != nil {
		rh, _ := o.Host.(*RecordingHost)
		return o.Host, rh, logger
	}
	rh := NewRecordingHost()
	return rh, rh, logger
}

// Start serves p in this process over a real go-plugin gRPC connection (a
// local socket, with the same broker, interceptors and adapters as a plugin
// binary, without TLS) and connects to it as the core does. ctx bounds the
// start only.
func Start(ctx context.Context, p sdk.Plugin, opts Options) (*Harness, error) {
	srv, err := sdk.NewServer(p, opts.ServeOpts)
	if err != nil {
		return nil, err
	}
	host, rh, logger := opts.defaults()

	serveCtx, stopServe := context.WithCancel(context.WithoutCancel(ctx))
	reattach := make(chan *plugin.ReattachConfig, 1)
	served := make(chan struct{})
	cfg := grpcplugin.ServeConfig(srv, logger.Named("plugin"))
	cfg.Test = &plugin.ServeTestConfig{Context: serveCtx, ReattachConfigCh: reattach, CloseCh: served}
	go plugin.Serve(cfg)

	var rc *plugin.ReattachConfig
	select {
	case rc = <-reattach:
	case <-served:
		stopServe()
		return nil, errors.New("sdktest: the plugin server stopped before it listened")
	case <-ctx.Done():
		stopServe()
		return nil, context.Cause(ctx)
	}
	// A reattached client skips version negotiation and dispenses from
	// Plugins, so pick the set of the version the server chose.
	sets := grpcplugin.HostPluginSets(host, logger.Named("host"))
	if sets[rc.ProtocolVersion] == nil {
		stopServe()
		return nil, fmt.Errorf("sdktest: the plugin serves protocol version %d, this host speaks %v", rc.ProtocolVersion, grpcplugin.SupportedVersions())
	}
	pc := plugin.NewClient(&plugin.ClientConfig{
		HandshakeConfig:  grpcplugin.HandshakeConfig(),
		Plugins:          sets[rc.ProtocolVersion],
		Reattach:         rc,
		AllowedProtocols: []plugin.Protocol{plugin.ProtocolGRPC},
		GRPCDialOptions:  grpcplugin.DialOptions(),
		Logger:           logger,
	})
	h := &Harness{Host: rh, pc: pc}
	h.close = func() error {
		pc.Kill()
		stopServe()
		select {
		case <-served:
			return nil
		case <-time.After(10 * time.Second):
			return errors.New("sdktest: the in-process plugin server did not stop")
		}
	}
	if err := h.connect(ctx); err != nil {
		_ = h.close()
		return nil, err
	}
	return h, nil
}

// StartBinary launches the plugin binary at path as the core does: go-plugin
// over gRPC with AutoMTLS, the binary's SHA-256 checked, the host's
// environment withheld.
func StartBinary(ctx context.Context, path string, opts Options) (*Harness, error) {
	sum, err := fileSHA256(path)
	if err != nil {
		return nil, err
	}
	host, rh, logger := opts.defaults()
	cmd := exec.Command(path) //nolint:gosec // the plugin binary the test chose
	cmd.Env = append([]string(nil), opts.Env...)
	cfg := grpcplugin.ClientConfig(cmd, host, logger)
	cfg.SecureConfig = &plugin.SecureConfig{Checksum: sum, Hash: sha256.New()}
	cfg.StartTimeout = opts.StartTimeout
	if cfg.StartTimeout <= 0 {
		cfg.StartTimeout = 30 * time.Second
	}
	pc := plugin.NewClient(cfg)
	h := &Harness{Host: rh, pc: pc, binary: true}
	h.close = func() error {
		if h.Client != nil {
			sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
			_, _ = h.Client.Shutdown(sctx)
			cancel()
		}
		pc.Kill()
		return nil
	}
	if err := h.connect(ctx); err != nil {
		_ = h.close()
		return nil, err
	}
	return h, nil
}

func (h *Harness) connect(ctx context.Context) error {
	c, err := grpcplugin.Connect(h.pc)
	if err != nil {
		return err
	}
	m, err := c.Manifest(ctx)
	if err != nil {
		return fmt.Errorf("sdktest: manifest: %w", err)
	}
	if _, err := grpcplugin.CompileManifest(m); err != nil {
		return fmt.Errorf("sdktest: the plugin sent an invalid manifest: %w", err)
	}
	h.Client, h.Manifest = c, m
	if h.Host != nil {
		h.Host.SetManifest(m)
	}
	return nil
}

// Close stops the plugin. It is safe to call more than once.
func (h *Harness) Close() error {
	h.closeOnce.Do(func() { h.closeErr = h.close() })
	return h.closeErr
}

// Pid returns the process id of a plugin binary started by StartBinary,
// 0 for a plugin served in-process (tests read its memory use from /proc).
func (h *Harness) Pid() int {
	if h.binary {
		if rc := h.pc.ReattachConfig(); rc != nil {
			return rc.Pid
		}
	}
	return 0
}

// Exited reports whether the plugin process (or in-process server) ended.
func (h *Harness) Exited() bool { return h.pc.Exited() }

// Install installs the plugin in tenant t, as the core does on install: the
// host records the installation and the plugin is configured with config
// (encoded with encoding/json; a json.RawMessage is sent as it is).
func (h *Harness) Install(ctx context.Context, t grpcplugin.Tenant, config any) error {
	raw, err := encode(config)
	if err != nil {
		return err
	}
	if h.Host != nil {
		h.Host.Install(t)
	}
	return h.Client.Configure(ctx, t, raw)
}

// Uninstall removes the plugin from tenant t as the core does: the plugin's
// RemoveTenant runs first (its jobs stop and report), then the host forgets
// the tenant and its state.
func (h *Harness) Uninstall(ctx context.Context, t grpcplugin.Tenant) error {
	if err := h.Client.RemoveTenant(ctx, t); err != nil {
		return err
	}
	if h.Host != nil {
		h.Host.Uninstall(t)
	}
	return nil
}

// Invoke calls an action for tenant t as actor a, encoding input with
// encoding/json (a json.RawMessage is sent as it is).
func (h *Harness) Invoke(ctx context.Context, t grpcplugin.Tenant, a grpcplugin.Actor, action string, input any) (json.RawMessage, error) {
	raw, err := encode(input)
	if err != nil {
		return nil, err
	}
	return h.Client.Invoke(ctx, grpcplugin.InvokeRequest{Tenant: t, Actor: a, Action: action, Input: raw})
}

// StartJob starts a job of kind for tenant t as actor a.
func (h *Harness) StartJob(ctx context.Context, t grpcplugin.Tenant, a grpcplugin.Actor, jobID, kind string, input any) error {
	raw, err := encode(input)
	if err != nil {
		return err
	}
	return h.Client.StartJob(ctx, grpcplugin.JobRequest{Tenant: t, Actor: a, ID: jobID, Kind: kind, Input: raw})
}

func encode(v any) (json.RawMessage, error) {
	if raw, ok := v.(json.RawMessage); ok {
		return raw, nil
	}
	b, err := json.Marshal(v)
	if err != nil {
		return nil, fmt.Errorf("sdktest: encode: %w", err)
	}
	return b, nil
}

// Serve is Start for tests: it fails tb on error and closes the harness in
// tb.Cleanup.
func Serve(tb testing.TB, p sdk.Plugin, opts Options) *Harness {
	tb.Helper()
	ctx, cancel := context.WithTimeout(tb.Context(), 30*time.Second)
	defer cancel()
	h, err := Start(ctx, p, opts)
	if err != nil {
		tb.Fatalf("sdktest: serve plugin in-process: %v", err)
	}
	tb.Cleanup(func() {
		if err := h.Close(); err != nil {
			tb.Errorf("sdktest: close: %v", err)
		}
	})
	return h
}

// ServeBinary builds the main package pkg (a path or import path, as for go
// build) into tb.TempDir(), launches it with StartBinary, fails tb on error
// and stops the plugin in tb.Cleanup.
func ServeBinary(tb testing.TB, pkg string, opts Options) *Harness {
	tb.Helper()
	ctx, cancel := context.WithTimeout(tb.Context(), 5*time.Minute)
	defer cancel()
	bin, err := Build(ctx, pkg, tb.TempDir())
	if err != nil {
		tb.Fatalf("sdktest: %v", err)
	}
	h, err := StartBinary(ctx, bin, opts)
	if err != nil {
		tb.Fatalf("sdktest: start plugin binary: %v", err)
	}
	tb.Cleanup(func() {
		if err := h.Close(); err != nil {
			tb.Errorf("sdktest: close: %v", err)
		}
	})
	return h
}

// Build compiles the main package pkg with go build into dir and returns the
// binary's path. It runs in the current directory, so a relative pkg such
// as "." is resolved as go build would.
func Build(ctx context.Context, pkg, dir string) (string, error) {
	goBin, err := exec.LookPath("go")
	if err != nil {
		return "", fmt.Errorf("build %s: the go command is needed: %w", pkg, err)
	}
	out := filepath.Join(dir, "plugin")
	cmd := exec.CommandContext(ctx, goBin, "build", "-o", out, pkg) //nolint:gosec // building the package the test names is the point
	cmd.Stdout = io.Discard
	var stderr strings.Builder
	cmd.Stderr = &stderr
	if err := cmd.Run(); err != nil {
		return "", fmt.Errorf("go build %s: %w\n%s", pkg, err, stderr.String())
	}
	return out, nil
}

func fileSHA256(path string) ([]byte, error) {
	f, err := os.Open(path) //nolint:gosec // the plugin binary the test chose
	if err != nil {
		return nil, fmt.Errorf("sdktest: %w", err)
	}
	defer func() { _ = f.Close() }()
	sum := sha256.New()
	if _, err := io.Copy(sum, f); err != nil {
		return nil, fmt.Errorf("sdktest: hash %s: %w", path, err)
	}
	return sum.Sum(nil), nil
}
