package pluginhost_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"io"
	"os"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/switchyard/switchyard/core/events"
	"github.com/switchyard/switchyard/core/jobs"
	"github.com/switchyard/switchyard/core/pluginhost"
	"github.com/switchyard/switchyard/core/store"
	"github.com/switchyard/switchyard/sdk/grpcplugin"
)

func sha256File(path string) (string, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", err
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return "", err
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

func alive(pid int) bool {
	if syscall.Kill(pid, 0) != nil {
		return false
	}
	// A zombie is dead for our purposes.
	raw, err := os.ReadFile("/proc/" + itoa(pid) + "/stat")
	if err != nil {
		return true
	}
	fields := strings.Fields(string(raw))
	return len(fields) < 3 || fields[2] != "Z"
}

func itoa(n int) string { return strconv.Itoa(n) }

// TestAttachInvokeDetach: one process serves the organizations that
// installed the plugin; calls carry the tenant, inputs and configs are
// checked against the manifest, and uninstalling the last organization
// stops the process.
func TestAttachInvokeDetach(t *testing.T) {
	e := newEnv(t, pluginhost.Config{})
	bin, sum := copyBinary(t, bins.echo)
	e.attach(t, e.acme, "echo", "1.0.0", bin, sum, `{"greeting":"Hi"}`)

	out, err := e.m.Invoke(t.Context(), e.acme.ID, "echo", grpcplugin.Actor{UserID: "u1", Role: "member"}, "echo", json.RawMessage(`{"message":"hello"}`))
	if err != nil || string(out) != `{"greeting":"Hi","message":"hello"}` {
		t.Fatalf("invoke = %s, %v", out, err)
	}
	p, ok := e.process("echo")
	if !ok || p.Status != pluginhost.StatusRunning || p.PID == 0 || p.Tenants != 1 || p.StartedAt == nil {
		t.Fatalf("process = %+v", p)
	}
	e.sink.waitStatus(t, e.acme.ID, pluginhost.StatusStarting)
	e.sink.waitStatus(t, e.acme.ID, pluginhost.StatusRunning)

	// The input is checked before the plugin sees it; the field is named.
	_, err = e.m.Invoke(t.Context(), e.acme.ID, "echo", grpcplugin.Actor{}, "echo", json.RawMessage(`{"message":5}`))
	var fe *pluginhost.FieldError
	if !errors.As(err, &fe) || fe.Field != "input.message" {
		t.Fatalf("bad input: %v", err)
	}
	_, err = e.m.Invoke(t.Context(), e.acme.ID, "echo", grpcplugin.Actor{}, "echo", json.RawMessage(`{}`))
	if !errors.As(err, &fe) || fe.Field != "input.message" || fe.Message != "is required" {
		t.Fatalf("missing input: %v", err)
	}
	if _, err := e.m.Invoke(t.Context(), e.acme.ID, "echo", grpcplugin.Actor{}, "nope", json.RawMessage(`{}`)); !errors.Is(err, pluginhost.ErrUnknownAction) {
		t.Fatalf("unknown action: %v", err)
	}
	if _, err := e.m.Invoke(t.Context(), e.acme.ID, "echo", grpcplugin.Actor{}, "count", json.RawMessage(`{"n":1}`)); !errors.Is(err, pluginhost.ErrUnknownAction) {
		t.Fatalf("job action invoked synchronously: %v", err)
	}
	// Another organization has not installed it.
	if _, err := e.m.Invoke(t.Context(), e.beta.ID, "echo", grpcplugin.Actor{}, "echo", json.RawMessage(`{"message":"x"}`)); !errors.Is(err, pluginhost.ErrNotInstalled) {
		t.Fatalf("uninstalled org: %v", err)
	}
	// Config changes are checked too, then reach the plugin.
	if err := e.m.Configure(t.Context(), e.acme.ID, "echo", json.RawMessage(`{"nope":1}`)); !errors.As(err, &fe) || fe.Field != "config.nope" {
		t.Fatalf("bad config: %v", err)
	}
	if err := e.m.Configure(t.Context(), e.acme.ID, "echo", json.RawMessage(`{"greeting":"Hey"}`)); err != nil {
		t.Fatal(err)
	}
	out, _ = e.m.Invoke(t.Context(), e.acme.ID, "echo", grpcplugin.Actor{}, "echo", json.RawMessage(`{"message":"m"}`))
	if !strings.Contains(string(out), "Hey") {
		t.Fatalf("config not applied: %s", out)
	}

	// A second organization shares the process.
	e.attach(t, e.beta, "echo", "1.0.0", bin, sum, `{}`)
	if p2, _ := e.process("echo"); p2.PID != p.PID || p2.Tenants != 2 {
		t.Fatalf("second org got its own process: %+v vs %+v", p2, p)
	}
	if err := e.m.Detach(t.Context(), e.beta.ID, "echo"); err != nil {
		t.Fatal(err)
	}
	if err := e.m.Detach(t.Context(), e.acme.ID, "echo"); err != nil {
		t.Fatal(err)
	}
	if _, ok := e.process("echo"); ok {
		t.Fatal("the process outlived its last organization")
	}
	deadline := time.Now().Add(5 * time.Second)
	for alive(p.PID) && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	if alive(p.PID) {
		t.Fatalf("plugin pid %d still alive after uninstall", p.PID)
	}
	if _, err := e.m.Invoke(t.Context(), e.acme.ID, "echo", grpcplugin.Actor{}, "echo", json.RawMessage(`{"message":"x"}`)); !errors.Is(err, pluginhost.ErrNotInstalled) {
		t.Fatalf("after uninstall: %v", err)
	}
}

// TestPluginSubmitsJob: a job a plugin submits for itself (as a schedule
// does) is recorded by the core like any other, with the plugin as its
// creator, and run by the plugin to the end.
func TestPluginSubmitsJob(t *testing.T) {
	e := newEnv(t, pluginhost.Config{})
	bin, sum := copyBinary(t, bins.echo)
	e.attach(t, e.acme, "echo", "1.0.0", bin, sum, `{}`)
	out, err := e.m.Invoke(t.Context(), e.acme.ID, "echo", grpcplugin.Actor{UserID: "u1", Role: "member"}, "count_later", json.RawMessage(`{"n":3}`))
	if err != nil {
		t.Fatal(err)
	}
	var sub struct {
		JobID string `json:"job_id"`
	}
	if err := json.Unmarshal(out, &sub); err != nil || sub.JobID == "" {
		t.Fatalf("count_later = %s, %v", out, err)
	}
	deadline := time.Now().Add(10 * time.Second)
	for {
		j, err := e.jobs.Get(t.Context(), e.acme.ID, sub.JobID)
		if err != nil {
			t.Fatal(err)
		}
		if j.Status == jobs.Succeeded {
			if j.CreatedBy != "plugin:echo:count-later" || j.Kind != "count" || j.Progress != 100 || !strings.Contains(string(j.Result), `"counted":3`) {
				t.Fatalf("job = %+v", j)
			}
			break
		}
		if j.Status.Terminal() || time.Now().After(deadline) {
			t.Fatalf("job = %+v", j)
		}
		time.Sleep(20 * time.Millisecond)
	}
	// The job belongs to the organization it was submitted for only.
	if _, err := e.jobs.Get(t.Context(), e.beta.ID, sub.JobID); err == nil {
		t.Fatal("another organization sees the submitted job")
	}
}

// TestUnconfiguredTenant: an organization whose config does not pass the
// schema is installed but its calls are refused until it configures.
func TestUnconfiguredTenant(t *testing.T) {
	e := newEnv(t, pluginhost.Config{})
	bin, sum := copyBinary(t, bins.echo)
	e.attach(t, e.acme, "echo", "1.0.0", bin, sum, `{"greeting":7}`)
	_, err := e.m.Invoke(t.Context(), e.acme.ID, "echo", grpcplugin.Actor{}, "echo", json.RawMessage(`{"message":"x"}`))
	if !errors.Is(err, pluginhost.ErrNotConfigured) || !strings.Contains(err.Error(), "config") {
		t.Fatalf("unconfigured: %v", err)
	}
	if st, why := e.m.TenantStatus(e.acme.ID, "echo"); st != "unconfigured" || why == "" {
		t.Fatalf("status = %s %q", st, why)
	}
	if err := e.m.Configure(t.Context(), e.acme.ID, "echo", json.RawMessage(`{"greeting":"ok"}`)); err != nil {
		t.Fatal(err)
	}
	if _, err := e.m.Invoke(t.Context(), e.acme.ID, "echo", grpcplugin.Actor{}, "echo", json.RawMessage(`{"message":"x"}`)); err != nil {
		t.Fatal(err)
	}
}

// TestKilledMidJob: SIGKILL a plugin while a job runs. The job becomes
// failed-and-retryable, the plugin restarts with its organizations
// configured again, and the retried job runs (and can be cancelled).
func TestKilledMidJob(t *testing.T) {
	e := newEnv(t, pluginhost.Config{BackoffMin: 50 * time.Millisecond})
	bin, sum := copyBinary(t, bins.echo)
	e.attach(t, e.acme, "echo", "1.0.0", bin, sum, `{"greeting":"Hi"}`)
	before, _ := e.process("echo")

	j, err := e.jobs.Start(t.Context(), jobs.StartRequest{Tenant: e.acme, Plugin: "echo", Kind: "count",
		Input: json.RawMessage(`{"n":100000,"delay_ms":5}`), CreatedBy: "user:u1"})
	if err != nil {
		t.Fatal(err)
	}
	waitJob(t, e, j.ID, func(j *jobs.Job) bool { return j.Status == jobs.Running && j.ProcessedItems > 0 })
	if err := syscall.Kill(before.PID, syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	failed := waitJob(t, e, j.ID, func(j *jobs.Job) bool { return j.Status == jobs.Failed })
	if !failed.Retryable || failed.ErrorCode != "unavailable" || !strings.Contains(failed.Error, "echo") {
		t.Fatalf("interrupted job = %+v", failed)
	}
	e.sink.waitStatus(t, e.acme.ID, pluginhost.StatusCrashed)
	after := e.waitProcess(t, "echo", func(p pluginhost.ProcessStatus) bool {
		return p.Status == pluginhost.StatusRunning && p.PID != before.PID
	})
	if after.Restarts != 1 || !strings.Contains(after.LastError, "killed") {
		t.Fatalf("after restart: %+v", after)
	}
	out, err := e.m.Invoke(t.Context(), e.acme.ID, "echo", grpcplugin.Actor{}, "echo", json.RawMessage(`{"message":"back"}`))
	if err != nil || !strings.Contains(string(out), "Hi") {
		t.Fatalf("after restart the org is not configured again: %s, %v", out, err)
	}

	again, err := e.jobs.Retry(t.Context(), e.acme, j.ID, grpcplugin.Actor{UserID: "u1"})
	if err != nil || again.Attempts != 2 {
		t.Fatalf("retry = %+v, %v", again, err)
	}
	waitJob(t, e, j.ID, func(j *jobs.Job) bool { return j.Status == jobs.Running && j.ProcessedItems > 0 })
	if _, err := e.jobs.Cancel(t.Context(), e.acme, j.ID); err != nil {
		t.Fatal(err)
	}
	waitJob(t, e, j.ID, func(j *jobs.Job) bool { return j.Status == jobs.Cancelled })
}

// stopped reports whether pid is stopped by a signal.
func stopped(pid int) bool {
	raw, err := os.ReadFile("/proc/" + itoa(pid) + "/stat")
	if err != nil {
		return true
	}
	fields := strings.Fields(string(raw))
	return len(fields) > 2 && (fields[2] == "T" || fields[2] == "t")
}

func waitJob(t *testing.T, e *env, id string, ok func(*jobs.Job) bool) *jobs.Job {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	var j *jobs.Job
	for time.Now().Before(deadline) {
		var err error
		j, err = e.jobs.Get(context.Background(), e.acme.ID, id)
		if err != nil {
			t.Fatal(err)
		}
		if ok(j) {
			return j
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatalf("job never reached the expected state: %+v", j)
	return nil
}

// TestHungPluginRestarts: a process that stops answering (SIGSTOP) is
// killed and restarted after two failed health checks, and calls to it do
// not hang past their deadline meanwhile.
func TestHungPluginRestarts(t *testing.T) {
	e := newEnv(t, pluginhost.Config{HealthInterval: 150 * time.Millisecond, HealthTimeout: 150 * time.Millisecond, BackoffMin: 20 * time.Millisecond})
	bin, sum := copyBinary(t, bins.echo)
	e.attach(t, e.acme, "echo", "1.0.0", bin, sum, `{}`)
	before, _ := e.process("echo")
	if err := syscall.Kill(before.PID, syscall.SIGSTOP); err != nil {
		t.Fatal(err)
	}
	for !stopped(before.PID) {
		time.Sleep(5 * time.Millisecond)
	}
	ctx, cancel := context.WithTimeout(t.Context(), 300*time.Millisecond)
	began := time.Now()
	_, err := e.m.Invoke(ctx, e.acme.ID, "echo", grpcplugin.Actor{}, "echo", json.RawMessage(`{"message":"x"}`))
	cancel()
	if err == nil || time.Since(began) > 2*time.Second {
		t.Fatalf("call to a hung plugin: %v after %s", err, time.Since(began))
	}
	e.waitProcess(t, "echo", func(p pluginhost.ProcessStatus) bool {
		return p.Status == pluginhost.StatusRunning && p.PID != before.PID
	})
	if alive(before.PID) {
		t.Fatalf("the hung process %d was not killed", before.PID)
	}
}

// TestTamperedBinaryWillNotStart: the checksum is checked before every
// start, so a binary changed after install is refused, and the plugin is
// disabled with an error that says so.
func TestTamperedBinaryWillNotStart(t *testing.T) {
	e := newEnv(t, pluginhost.Config{BackoffMin: 20 * time.Millisecond})
	bin, sum := copyBinary(t, bins.echo)
	e.attach(t, e.acme, "echo", "1.0.0", bin, sum, `{}`)
	before, _ := e.process("echo")

	// Replace the binary (a running executable cannot be written in place).
	raw, err := os.ReadFile(bin)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(bin+".new", append(raw, "tampered"...), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(bin+".new", bin); err != nil {
		t.Fatal(err)
	}
	_ = syscall.Kill(before.PID, syscall.SIGKILL)

	p := e.waitProcess(t, "echo", func(p pluginhost.ProcessStatus) bool { return p.Status == pluginhost.StatusDisabled })
	if !strings.Contains(p.LastError, "changed on disk") {
		t.Fatalf("disabled with %q", p.LastError)
	}
	e.sink.waitStatus(t, e.acme.ID, pluginhost.StatusDisabled)
	_, err = e.m.Invoke(t.Context(), e.acme.ID, "echo", grpcplugin.Actor{}, "echo", json.RawMessage(`{"message":"x"}`))
	if !errors.Is(err, pluginhost.ErrUnavailable) || !strings.Contains(err.Error(), "changed on disk") {
		t.Fatalf("call to a tampered plugin: %v", err)
	}
	if grpcplugin.HTTPStatus(err) != 503 {
		t.Fatalf("status %d, want 503", grpcplugin.HTTPStatus(err))
	}

	// A fresh installation with the wrong checksum is refused outright.
	other, _ := copyBinary(t, bins.echo)
	err = e.m.Attach(t.Context(), pluginhost.Installation{Tenant: e.beta, Name: "echo", Version: "1.0.1", Binary: other, SHA256: strings.Repeat("ab", 32)})
	if err == nil || !strings.Contains(err.Error(), "changed on disk") {
		t.Fatalf("attach with a wrong checksum: %v", err)
	}
	if _, ok := e.process("echo"); !ok {
		t.Fatal("the disabled process was forgotten")
	}
}

// TestCrashLoopIsDisabled: a binary that never starts is retried with
// backoff, then disabled.
func TestCrashLoopIsDisabled(t *testing.T) {
	e := newEnv(t, pluginhost.Config{BackoffMin: 5 * time.Millisecond, BackoffMax: 20 * time.Millisecond, MaxFailures: 3})
	dir := t.TempDir()
	bin := dir + "/plugin"
	if err := os.WriteFile(bin, []byte("#!/bin/sh\necho broken >&2\nexit 3\n"), 0o700); err != nil {
		t.Fatal(err)
	}
	sum, _ := sha256File(bin)
	if err := e.m.Register(pluginhost.Installation{Tenant: e.acme, Name: "broken", Version: "1.0.0", Binary: bin, SHA256: sum}); err != nil {
		t.Fatal(err)
	}
	p := e.waitProcess(t, "broken", func(p pluginhost.ProcessStatus) bool { return p.Status == pluginhost.StatusDisabled })
	if p.Restarts < 2 || !strings.Contains(p.LastError, "3 times") {
		t.Fatalf("disabled process = %+v", p)
	}
	e.sink.waitStatus(t, e.acme.ID, pluginhost.StatusCrashed)
	if counter(t, e.reg, "switchyard_plugin_restarts_total", map[string]string{"plugin": "broken"}) < 2 {
		t.Fatal("restarts not counted")
	}
}

// TestRogueEmits: a real plugin process that emits for an organization
// that did not install it, or an undeclared event type, has those events
// dropped and counted; they reach no organization.
func TestRogueEmits(t *testing.T) {
	e := newEnv(t, pluginhost.Config{})
	bin, sum := copyBinary(t, bins.rogue)
	e.attach(t, e.acme, "rogue", "0.1.0", bin, sum, `{}`)
	emit := func(id, slug, typ string) grpcplugin.EmitResult {
		t.Helper()
		in, _ := json.Marshal(map[string]string{"tenant_id": id, "tenant_slug": slug, "type": typ})
		out, err := e.m.Invoke(t.Context(), e.acme.ID, "rogue", grpcplugin.Actor{}, "emit", in)
		if err != nil {
			t.Fatal(err)
		}
		var res grpcplugin.EmitResult
		if err := json.Unmarshal(out, &res); err != nil {
			t.Fatal(err)
		}
		return res
	}
	cases := []struct {
		name           string
		id, slug, typ  string
		code           grpcplugin.Code
		reason, metric string
	}{
		{"another organization", e.beta.ID, e.beta.Slug, "rogue.ok", grpcplugin.CodePermission, "has not installed", "not_installed"},
		{"a borrowed slug", e.acme.ID, e.beta.Slug, "rogue.ok", grpcplugin.CodePermission, "has not installed", "not_installed"},
		{"an undeclared type", e.acme.ID, e.acme.Slug, "rogue.evil", grpcplugin.CodeInvalidInput, "not declared", "undeclared_type"},
		{"a reserved type", e.acme.ID, e.acme.Slug, "plugin.status", grpcplugin.CodeInvalidInput, "", ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			res := emit(tc.id, tc.slug, tc.typ)
			if res.Accepted != 0 || len(res.Rejected) != 1 || res.Rejected[0].Code != tc.code || !strings.Contains(res.Rejected[0].Reason, tc.reason) {
				t.Fatalf("result = %+v", res)
			}
		})
	}
	if res := emit(e.acme.ID, e.acme.Slug, "rogue.ok"); res.Accepted != 1 {
		t.Fatalf("a valid event: %+v", res)
	}
	if got := e.sink.events(e.beta.ID, ""); len(got) != 0 {
		t.Fatalf("another organization received %v", got)
	}
	if got := e.sink.events(e.acme.ID, "rogue.ok"); len(got) != 1 || got[0].Source != "plugin:rogue" {
		t.Fatalf("acme received %+v", got)
	}
	if got := e.sink.events(e.acme.ID, "rogue.evil"); len(got) != 0 {
		t.Fatal("an undeclared event was published")
	}
	for reason, want := range map[string]float64{"not_installed": 2, "undeclared_type": 1} {
		if got := counter(t, e.reg, "switchyard_plugin_events_dropped_total", map[string]string{"plugin": "rogue", "reason": reason}); got != want {
			t.Errorf("dropped{%s} = %v, want %v", reason, got, want)
		}
		if got := e.sink.dropped["plugin_"+reason]; float64(got) != want {
			t.Errorf("events service drops %s = %d, want %v", reason, got, want)
		}
	}
}

// failingSink stores events like sink, except those of one organization,
// whose journal is down.
type failingSink struct {
	*sink
	down string
}

func (f *failingSink) Publish(ctx context.Context, orgID string, drafts []events.Draft) ([]events.Event, error) {
	if orgID == f.down {
		return nil, errors.New("journal unavailable")
	}
	return f.sink.Publish(ctx, orgID, drafts)
}

// TestJournalFailureNeverDuplicates: when the journal takes one
// organization's events of a batch and fails another's, the call succeeds
// and names the failed events unavailable, so the plugin resends only
// those; when it stores nothing the whole call fails, so a resend of the
// whole batch is safe.
func TestJournalFailureNeverDuplicates(t *testing.T) {
	fs := &failingSink{sink: newSink(), down: "org-beta"}
	e := newEnvWith(t, pluginhost.Config{}, func(*store.DB, *prometheus.Registry) pluginhost.EventSink { return fs })
	e.sink = fs.sink
	bin, sum := copyBinary(t, bins.rogue)
	e.attach(t, e.acme, "rogue", "0.1.0", bin, sum, `{}`)
	e.attach(t, e.beta, "rogue", "0.1.0", bin, sum, `{}`)
	emit := func(in map[string]string) (grpcplugin.EmitResult, error) {
		raw, _ := json.Marshal(in)
		out, err := e.m.Invoke(t.Context(), e.acme.ID, "rogue", grpcplugin.Actor{}, "emit", raw)
		var res grpcplugin.EmitResult
		if err == nil {
			err = json.Unmarshal(out, &res)
		}
		return res, err
	}

	res, err := emit(map[string]string{"tenant_id": e.acme.ID, "tenant_slug": e.acme.Slug, "type": "rogue.ok",
		"also_id": e.beta.ID, "also_slug": e.beta.Slug})
	if err != nil {
		t.Fatalf("a batch partly stored failed as a whole (the plugin would resend what was stored): %v", err)
	}
	if res.Accepted != 1 || len(res.Rejected) != 1 || res.Rejected[0].Index != 1 || res.Rejected[0].Code != grpcplugin.CodeUnavailable {
		t.Fatalf("result = %+v, want acme's event accepted and beta's unavailable", res)
	}
	if got := e.sink.events(e.acme.ID, "rogue.ok"); len(got) != 1 {
		t.Fatalf("acme's event stored %d times", len(got))
	}

	_, err = emit(map[string]string{"tenant_id": e.beta.ID, "tenant_slug": e.beta.Slug, "type": "rogue.ok"})
	if grpcplugin.CodeOf(err) != grpcplugin.CodeUnavailable {
		t.Fatalf("a batch of which nothing was stored: err = %v, want unavailable", err)
	}
}

// TestShutdownKillsProcesses: Shutdown ends every process.
func TestShutdownKillsProcesses(t *testing.T) {
	e := newEnv(t, pluginhost.Config{})
	bin, sum := copyBinary(t, bins.echo)
	e.attach(t, e.acme, "echo", "1.0.0", bin, sum, `{}`)
	p, _ := e.process("echo")
	ctx, cancel := context.WithTimeout(t.Context(), 15*time.Second)
	defer cancel()
	if err := e.m.Shutdown(ctx); err != nil {
		t.Fatal(err)
	}
	if alive(p.PID) {
		t.Fatalf("pid %d alive after shutdown", p.PID)
	}
	if err := e.m.Register(pluginhost.Installation{Tenant: e.acme, Name: "echo", Version: "1.0.0", Binary: bin, SHA256: sum}); !errors.Is(err, pluginhost.ErrUnavailable) {
		t.Fatalf("register after shutdown: %v", err)
	}
}

// TestRegisterConfiguresEveryTenant: installations registered at the core's
// start, while the process is starting, are all configured before their
// calls are served.
func TestRegisterConfiguresEveryTenant(t *testing.T) {
	e := newEnv(t, pluginhost.Config{})
	bin, sum := copyBinary(t, bins.echo)
	var tenants []grpcplugin.Tenant
	for i := range 6 {
		tn := grpcplugin.Tenant{ID: "org-t" + itoa(i), Slug: "t" + itoa(i)}
		tenants = append(tenants, tn)
		if err := e.m.Register(pluginhost.Installation{Tenant: tn, Name: "echo", Version: "1.0.0", Binary: bin, SHA256: sum,
			Config: json.RawMessage(`{"greeting":"Hi ` + tn.Slug + `"}`)}); err != nil {
			t.Fatal(err)
		}
		if i == 2 {
			time.Sleep(30 * time.Millisecond) // some arrive while the process starts
		}
	}
	for _, tn := range tenants {
		ctx, cancel := context.WithTimeout(t.Context(), 20*time.Second)
		var out json.RawMessage
		var err error
		for ctx.Err() == nil {
			out, err = e.m.Invoke(ctx, tn.ID, "echo", grpcplugin.Actor{}, "echo", json.RawMessage(`{"message":"m"}`))
			if err == nil {
				break
			}
			time.Sleep(20 * time.Millisecond)
		}
		cancel()
		if err != nil || !strings.Contains(string(out), "Hi "+tn.Slug) {
			t.Fatalf("%s: %s, %v", tn.Slug, out, err)
		}
	}
}
