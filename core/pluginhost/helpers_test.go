package pluginhost_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/switchyard/switchyard/core/events"
	"github.com/switchyard/switchyard/core/jobs"
	"github.com/switchyard/switchyard/core/pluginhost"
	"github.com/switchyard/switchyard/core/store"
	"github.com/switchyard/switchyard/core/store/storetest"
	"github.com/switchyard/switchyard/sdk/grpcplugin"
	"github.com/switchyard/switchyard/sdk/sdktest"
)

// Binaries built once for the package's tests.
var bins struct {
	echo, rogue string
}

func TestMain(m *testing.M) {
	if os.Getenv(helperEnv) != "" {
		runHelperCore()
		return
	}
	dir, err := os.MkdirTemp("", "pluginhost-test-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	for name, pkg := range map[string]string{
		"echo":  "github.com/switchyard/switchyard/sdk/examples/echo",
		"rogue": "./testdata/rogue",
	} {
		out := filepath.Join(dir, name)
		_ = os.MkdirAll(out, 0o700)
		bin, err := sdktest.Build(ctx, pkg, out)
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		if name == "echo" {
			bins.echo = bin
		} else {
			bins.rogue = bin
		}
	}
	cancel()
	code := m.Run()
	_ = os.RemoveAll(dir)
	os.Exit(code)
}

// copyBinary copies a built plugin into its own directory (so a test may
// tamper with it) and returns the path and its SHA-256.
func copyBinary(t testing.TB, src string) (string, string) {
	t.Helper()
	raw, err := os.ReadFile(src)
	if err != nil {
		t.Fatal(err)
	}
	dst := filepath.Join(t.TempDir(), "plugin")
	if err := os.WriteFile(dst, raw, 0o700); err != nil {
		t.Fatal(err)
	}
	sum, err := sha256File(dst)
	if err != nil {
		t.Fatal(err)
	}
	return dst, sum
}

// sink records what the host publishes, per organization.
type sink struct {
	mu      sync.Mutex
	byOrg   map[string][]events.Draft
	dropped map[string]int
	changed chan struct{}
}

func newSink() *sink {
	return &sink{byOrg: map[string][]events.Draft{}, dropped: map[string]int{}, changed: make(chan struct{})}
}

func (s *sink) Publish(_ context.Context, orgID string, drafts []events.Draft) ([]events.Event, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, d := range drafts {
		d.Data = append(json.RawMessage(nil), d.Data...)
		s.byOrg[orgID] = append(s.byOrg[orgID], d)
	}
	close(s.changed)
	s.changed = make(chan struct{})
	return make([]events.Event, len(drafts)), nil
}

func (s *sink) Dropped(reason string, n int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.dropped[reason] += n
}

func (s *sink) events(orgID, typ string) []events.Draft {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []events.Draft
	for _, d := range s.byOrg[orgID] {
		if typ == "" || d.Type == typ {
			out = append(out, d)
		}
	}
	return out
}

// waitStatus waits for a plugin.status event with status st for orgID.
func (s *sink) waitStatus(t testing.TB, orgID string, st pluginhost.Status) {
	t.Helper()
	deadline := time.After(20 * time.Second)
	for {
		s.mu.Lock()
		for _, d := range s.byOrg[orgID] {
			if d.Type == "plugin.status" && strings.Contains(string(d.Data), `"status":"`+string(st)+`"`) {
				s.mu.Unlock()
				return
			}
		}
		ch := s.changed
		s.mu.Unlock()
		select {
		case <-ch:
		case <-deadline:
			t.Fatalf("no plugin.status %s for %s; got %v", st, orgID, s.events(orgID, "plugin.status"))
		}
	}
}

type env struct {
	m    *pluginhost.Manager
	db   *store.DB
	sink *sink
	jobs *jobs.Service
	reg  *prometheus.Registry
	acme grpcplugin.Tenant
	beta grpcplugin.Tenant
}

func quietLog() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

func newEnv(t testing.TB, cfg pluginhost.Config) *env {
	t.Helper()
	return newEnvWith(t, cfg, nil)
}

// newEnvWith is newEnv with the events sink built by mk (nil: a recording
// sink) once the database exists.
func newEnvWith(t testing.TB, cfg pluginhost.Config, mk func(*store.DB, *prometheus.Registry) pluginhost.EventSink) *env {
	t.Helper()
	return newEnvOn(t, store.SQLite, cfg, mk)
}

func newEnvOn(t testing.TB, engine store.Engine, cfg pluginhost.Config, mk func(*store.DB, *prometheus.Registry) pluginhost.EventSink) *env {
	t.Helper()
	db := storetest.Open(t, engine)
	e := &env{db: db, sink: newSink(), reg: prometheus.NewRegistry(),
		acme: grpcplugin.Tenant{ID: "org-acme", Slug: "acme"}, beta: grpcplugin.Tenant{ID: "org-beta", Slug: "beta"}}
	now := time.Now().UTC()
	for _, tn := range []grpcplugin.Tenant{e.acme, e.beta} {
		if err := db.Exec("INSERT INTO organizations (id, slug, name, created_at, updated_at) VALUES (?, ?, ?, ?, ?)", tn.ID, tn.Slug, tn.Slug, now, now).Error; err != nil {
			t.Fatal(err)
		}
	}
	e.jobs = jobs.New(db, quietLog(), "test-replica")
	if cfg.DataDir == "" {
		cfg.DataDir = t.TempDir()
	}
	if cfg.FilesDir == "" {
		cfg.FilesDir = t.TempDir()
	}
	var events pluginhost.EventSink = e.sink
	if mk != nil {
		events = mk(db, e.reg)
	}
	submit := func(ctx context.Context, t grpcplugin.Tenant, plugin, kind string, input json.RawMessage, by string) (string, error) {
		j, err := e.jobs.Start(ctx, jobs.StartRequest{Tenant: t, Plugin: plugin, Kind: kind, Input: input, CreatedBy: by})
		if err != nil {
			return "", err
		}
		return j.ID, nil
	}
	m, err := pluginhost.New(cfg, pluginhost.Deps{DB: db, Events: events, Jobs: e.jobs, Log: quietLog(), Registry: e.reg,
		SubmitJob: submit})
	if err != nil {
		t.Fatal(err)
	}
	e.jobs.SetRunner(m)
	e.m = m
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
		defer cancel()
		if err := m.Shutdown(ctx); err != nil {
			t.Errorf("shutdown: %v", err)
		}
	})
	return e
}

func (e *env) attach(t testing.TB, tn grpcplugin.Tenant, name, version, bin, sum string, config string) {
	t.Helper()
	var raw json.RawMessage
	if config != "" {
		raw = json.RawMessage(config)
	}
	err := e.m.Attach(t.Context(), pluginhost.Installation{Tenant: tn, Name: name, Version: version, Binary: bin, SHA256: sum, Config: raw})
	if err != nil {
		t.Fatalf("attach %s: %v", name, err)
	}
}

// process returns the admin view of name's process.
func (e *env) process(name string) (pluginhost.ProcessStatus, bool) {
	for _, p := range e.m.Status() {
		if p.Name == name {
			return p, true
		}
	}
	return pluginhost.ProcessStatus{}, false
}

// waitProcess polls until ok accepts name's process.
func (e *env) waitProcess(t testing.TB, name string, ok func(pluginhost.ProcessStatus) bool) pluginhost.ProcessStatus {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for time.Now().Before(deadline) {
		if p, found := e.process(name); found && ok(p) {
			return p
		}
		time.Sleep(20 * time.Millisecond)
	}
	p, _ := e.process(name)
	t.Fatalf("process %s never reached the expected state; last: %+v", name, p)
	return p
}

// counter sums a metric's values whose labels include want.
func counter(t testing.TB, reg *prometheus.Registry, name string, want map[string]string) float64 {
	t.Helper()
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	total := 0.0
	for _, mf := range mfs {
		if mf.GetName() != name {
			continue
		}
	metric:
		for _, m := range mf.GetMetric() {
			labels := map[string]string{}
			for _, l := range m.GetLabel() {
				labels[l.GetName()] = l.GetValue()
			}
			for k, v := range want {
				if labels[k] != v {
					continue metric
				}
			}
			if c := m.GetCounter(); c != nil {
				total += c.GetValue()
			}
		}
	}
	return total
}
