package httpapi_test

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/coder/websocket"

	"github.com/switchyard/switchyard/core/app/apptest"
	"github.com/switchyard/switchyard/core/config"
	"github.com/switchyard/switchyard/core/events"
	"github.com/switchyard/switchyard/core/marketplace"
	"github.com/switchyard/switchyard/core/marketplace/markettest"
	"github.com/switchyard/switchyard/core/pluginhost"
	"github.com/switchyard/switchyard/core/store"
	"github.com/switchyard/switchyard/core/store/storetest"
)

// catalog is a signed catalog of echo, sync and inspect, built once for the
// package's tests (TestMain) by `plugin pack` and `sign`'s code.
var catalog *markettest.Catalog

// TestMain builds the plugins the tests install. Other setup for this
// package's tests belongs here too.
func TestMain(m *testing.M) {
	tb := &mainTB{}
	dir, err := os.MkdirTemp("", "httpapi-plugins-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	tb.cleanup = func() { _ = os.RemoveAll(dir) }
	catalog = &markettest.Catalog{Dir: filepath.Join(dir, "catalog")}
	key, err := marketplace.GenerateKeyFile(filepath.Join(dir, "publisher.key"))
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	catalog.Key = key
	for _, pkg := range []string{
		"github.com/switchyard/switchyard/sdk/examples/echo",
		"github.com/switchyard/switchyard/plugins/sync",
		"./testdata/inspect",
	} {
		catalog.Add(tb, markettest.Build(tb, pkg, dir, ""))
	}
	code := m.Run()
	tb.cleanup()
	os.Exit(code)
}

// mainTB lets TestMain use the test helpers.
type mainTB struct {
	testing.TB
	cleanup func()
}

func (*mainTB) Helper() {}
func (m *mainTB) Fatalf(format string, args ...any) {
	fmt.Fprintf(os.Stderr, format+"\n", args...)
	if m.cleanup != nil {
		m.cleanup()
	}
	os.Exit(1)
}
func (m *mainTB) Fatal(args ...any) { m.Fatalf("%s", fmt.Sprint(args...)) }

// pluginEnv is a running server with the catalog and an organization
// "acme" with one user of each role.
type pluginEnv struct {
	s                             *apptest.Server
	owner, admin, member, viewer  *apptest.User
	orgID                         string
	ownerC, adminC, memberC, view *apptest.Client
}

func startWithPlugins(t *testing.T, engine store.Engine, mutate func(*config.Config)) *pluginEnv {
	t.Helper()
	cfg := apptest.Config(t, engine)
	cfg.Catalog = catalog.Dir
	cfg.TrustedKeys = []string{catalog.PublicKey()}
	if mutate != nil {
		mutate(&cfg)
	}
	s := apptest.Start(t, cfg)
	e := &pluginEnv{s: s, owner: s.Register(t, "owner")}
	s.CreateOrg(t, e.owner, "acme")
	e.admin, e.member, e.viewer = s.Register(t, "admin"), s.Register(t, "member"), s.Register(t, "viewer")
	s.Join(t, e.owner, "acme", e.admin, "admin")
	s.Join(t, e.owner, "acme", e.member, "member")
	s.Join(t, e.owner, "acme", e.viewer, "viewer")
	e.ownerC, e.adminC, e.memberC, e.view = s.As(e.owner), s.As(e.admin), s.As(e.member), s.As(e.viewer)
	e.orgID = e.ownerC.Do(t, "GET", "/api/v1/orgs/acme", nil).Must(t, http.StatusOK).JSON()["id"].(string)
	return e
}

func (e *pluginEnv) install(t *testing.T, name string) map[string]any {
	t.Helper()
	return e.adminC.Do(t, "POST", "/api/v1/orgs/acme/plugins", map[string]string{"name": name, "version": "1.0.0"}).
		Must(t, http.StatusCreated).JSON()
}

// history returns the organization's events of typ, oldest first.
func (e *pluginEnv) history(t *testing.T, typ string) []events.Event {
	t.Helper()
	evs, _, err := e.s.App.Events.History(t.Context(), e.orgID, e.owner.ID, 0, []string{typ}, 1000)
	if err != nil {
		t.Fatal(err)
	}
	return evs
}

// waitJob polls GET /jobs/{id} until ok accepts the job.
func (e *pluginEnv) waitJob(t *testing.T, id string, ok func(map[string]any) bool) map[string]any {
	t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	var j map[string]any
	for time.Now().Before(deadline) {
		j = e.memberC.Do(t, "GET", "/api/v1/orgs/acme/jobs/"+id, nil).Must(t, http.StatusOK).JSON()
		if ok(j) {
			return j
		}
		time.Sleep(25 * time.Millisecond)
	}
	t.Fatalf("job %s never reached the expected state: %v", id, j)
	return nil
}

func (e *pluginEnv) process(name string) pluginhost.ProcessStatus {
	for _, p := range e.s.App.Plugins.Status() {
		if p.Name == name {
			return p
		}
	}
	return pluginhost.ProcessStatus{}
}

func (e *pluginEnv) waitProcess(t *testing.T, name string, ok func(pluginhost.ProcessStatus) bool) pluginhost.ProcessStatus {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		if p := e.process(name); ok(p) {
			return p
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatalf("plugin %s never reached the expected state: %+v", name, e.process(name))
	return pluginhost.ProcessStatus{}
}

func errorField(r *apptest.Response) string {
	e, _ := r.JSON()["error"].(map[string]any)
	f, _ := e["field"].(string)
	return f
}

// TestPluginLifecycle: the marketplace lists the catalog; an admin
// installs a real plugin process; members invoke it (inputs checked first,
// permissions from the manifest); its events reach the organization; its
// HTTP routes are proxied with bodies streamed; it is uninstalled.
func TestPluginLifecycle(t *testing.T) {
	for _, engine := range storetest.Engines() {
		t.Run(string(engine), func(t *testing.T) { pluginLifecycle(t, engine) })
	}
}

func pluginLifecycle(t *testing.T, engine store.Engine) {
	e := startWithPlugins(t, engine, nil)
	market := e.viewer.Access
	list := e.s.Client().As(market).Do(t, "GET", "/api/v1/marketplace/plugins", nil).Must(t, http.StatusOK).JSON()["items"].([]any)
	names := []string{}
	for _, it := range list {
		m := it.(map[string]any)
		names = append(names, m["name"].(string))
		if m["name"] == "sync" {
			man := m["manifest"].(map[string]any)
			if m["version"] != "1.0.0" || !m["trusted"].(bool) || man["config_schema"] == nil || len(man["actions"].([]any)) != 2 {
				t.Fatalf("sync listing = %v", m)
			}
			act := man["actions"].([]any)[0].(map[string]any)
			if act["name"] != "sync" || act["permission"] != "jobs:run" || act["job"] != true || act["input_schema"] == nil {
				t.Fatalf("sync action = %v", act)
			}
		}
	}
	if strings.Join(names, ",") != "echo,inspect,sync" {
		t.Fatalf("marketplace = %v", names)
	}

	// Only admins install.
	e.memberC.Do(t, "POST", "/api/v1/orgs/acme/plugins", map[string]string{"name": "echo", "version": "1.0.0"}).Must(t, http.StatusForbidden)
	inst := e.install(t, "echo")
	if inst["status"] != "running" || inst["version"] != "1.0.0" {
		t.Fatalf("installed = %v", inst)
	}
	e.adminC.Do(t, "POST", "/api/v1/orgs/acme/plugins", map[string]string{"name": "echo", "version": "1.0.0"}).Must(t, http.StatusConflict)
	if r := e.adminC.Do(t, "POST", "/api/v1/orgs/acme/plugins", map[string]string{"name": "echo", "version": "7.0.0"}); r.Status != http.StatusNotFound || r.ErrorCode() != "unknown_version" {
		t.Fatalf("unknown version: %d %s", r.Status, r.Body)
	}

	// Config: checked against the schema, the field named; hidden from viewers.
	r := e.adminC.Do(t, "PUT", "/api/v1/orgs/acme/plugins/echo/config", map[string]any{"config": map[string]any{"nope": 1}})
	if r.Status != http.StatusBadRequest || errorField(r) != "config.nope" {
		t.Fatalf("bad config: %d %s", r.Status, r.Body)
	}
	e.adminC.Do(t, "PUT", "/api/v1/orgs/acme/plugins/echo/config", map[string]any{"config": map[string]any{"greeting": "Hi"}}).Must(t, http.StatusOK)
	got := e.adminC.Do(t, "GET", "/api/v1/orgs/acme/plugins/echo/config", nil).Must(t, http.StatusOK).JSON()
	if fmt.Sprint(got["config"]) != "map[greeting:Hi]" {
		t.Fatalf("config = %v", got)
	}
	items := e.view.Do(t, "GET", "/api/v1/orgs/acme/plugins", nil).Must(t, http.StatusOK).JSON()["items"].([]any)
	if len(items) != 1 || items[0].(map[string]any)["config"] != nil || items[0].(map[string]any)["status"] != "running" {
		t.Fatalf("viewer's list = %v", items)
	}
	items = e.adminC.Do(t, "GET", "/api/v1/orgs/acme/plugins", nil).Must(t, http.StatusOK).JSON()["items"].([]any)
	if items[0].(map[string]any)["config"] == nil {
		t.Fatalf("admin's list = %v", items)
	}

	// Invoke: members may, viewers may not; input checked first.
	out := e.memberC.Do(t, "POST", "/api/v1/orgs/acme/plugins/echo/actions/echo", map[string]string{"message": "hello"}).Must(t, http.StatusOK).JSON()
	if out["message"] != "hello" || out["greeting"] != "Hi" {
		t.Fatalf("output = %v", out)
	}
	e.view.Do(t, "POST", "/api/v1/orgs/acme/plugins/echo/actions/echo", map[string]string{"message": "hello"}).Must(t, http.StatusForbidden)
	r = e.memberC.Do(t, "POST", "/api/v1/orgs/acme/plugins/echo/actions/echo", map[string]any{"message": 5})
	if r.Status != http.StatusBadRequest || errorField(r) != "input.message" {
		t.Fatalf("bad input: %d %s", r.Status, r.Body)
	}
	e.memberC.Do(t, "POST", "/api/v1/orgs/acme/plugins/echo/actions/nope", map[string]any{}).Must(t, http.StatusNotFound)

	// A job action starts a job; its events reach the organization.
	job := e.memberC.Do(t, "POST", "/api/v1/orgs/acme/plugins/echo/actions/count", map[string]any{"n": 20}).Must(t, http.StatusAccepted).JSON()
	done := e.waitJob(t, job["id"].(string), func(j map[string]any) bool { return j["status"] == "succeeded" })
	if done["progress"] != float64(100) || done["processed_items"] != float64(20) || done["created_by"] != "user:"+e.member.ID {
		t.Fatalf("job = %v", done)
	}
	updates := e.history(t, "sync.update")
	if len(updates) != 20 || updates[0].Source != "plugin:echo" {
		t.Fatalf("%d sync.update events (source %q)", len(updates), updates[0].Source)
	}
	if st := e.history(t, "plugin.status"); len(st) < 2 || !strings.Contains(string(st[len(st)-1].Data), `"status":"running"`) {
		t.Fatalf("plugin.status events = %v", st)
	}
	if acts := e.history(t, "user.activity"); !containsData(acts, `"action":"plugin.installed"`) || !containsData(acts, `"action":"plugin.configured"`) {
		t.Fatalf("activity = %v", acts)
	}

	// Plugin pages: proxied with the organization and the user.
	page := e.memberC.Do(t, "GET", "/api/v1/orgs/acme/plugins/echo/http/hello?name=Ada", nil).Must(t, http.StatusOK)
	if string(page.Body) != "Hi, Ada of acme\n" {
		t.Fatalf("page = %q", page.Body)
	}
	// An upload far beyond the JSON body limit streams through; JSON
	// routes keep the limit.
	big := bytes.Repeat([]byte("x"), 8<<20)
	req, _ := http.NewRequest("POST", e.s.URL+"/api/v1/orgs/acme/plugins/echo/http/upload", bytes.NewReader(big))
	req.Header.Set("Authorization", "Bearer "+e.member.Access)
	up := e.memberC.Send(t, req)
	if up.Status != http.StatusOK || up.JSON()["bytes"] != float64(len(big)) {
		t.Fatalf("upload: %d %s", up.Status, up.Body)
	}
	req, _ = http.NewRequest("POST", e.s.URL+"/api/v1/orgs", bytes.NewReader(big))
	req.Header.Set("Authorization", "Bearer "+e.member.Access)
	req.Header.Set("Content-Type", "application/json")
	if tooBig := e.memberC.Send(t, req); tooBig.Status != http.StatusRequestEntityTooLarge {
		t.Fatalf("oversized JSON body: %d %s", tooBig.Status, tooBig.Body)
	}

	// The platform admin sees the process.
	_, key, err := e.s.App.Auth.CreateAPIKey(t.Context(), platformKey())
	if err != nil {
		t.Fatal(err)
	}
	procs := e.s.Client().As(key).Do(t, "GET", "/api/v1/admin/plugins", nil).Must(t, http.StatusOK).JSON()["items"].([]any)
	p := procs[0].(map[string]any)
	if len(procs) != 1 || p["name"] != "echo" || p["status"] != "running" || p["pid"].(float64) == 0 || p["tenants"] != float64(1) {
		t.Fatalf("admin plugins = %v", procs)
	}
	pid := int(p["pid"].(float64))

	// Uninstall.
	e.memberC.Do(t, "DELETE", "/api/v1/orgs/acme/plugins/echo", nil).Must(t, http.StatusForbidden)
	e.adminC.Do(t, "DELETE", "/api/v1/orgs/acme/plugins/echo", nil).Must(t, http.StatusNoContent)
	if r := e.memberC.Do(t, "POST", "/api/v1/orgs/acme/plugins/echo/actions/echo", map[string]string{"message": "x"}); r.Status != http.StatusNotFound || r.ErrorCode() != "plugin_not_installed" {
		t.Fatalf("after uninstall: %d %s", r.Status, r.Body)
	}
	if items := e.adminC.Do(t, "GET", "/api/v1/orgs/acme/plugins", nil).Must(t, http.StatusOK).JSON()["items"].([]any); len(items) != 0 {
		t.Fatalf("installed after uninstall = %v", items)
	}
	deadline := time.Now().Add(5 * time.Second)
	for syscall.Kill(pid, 0) == nil && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	if syscall.Kill(pid, 0) == nil && !zombie(pid) {
		t.Fatalf("plugin process %d outlived its uninstall", pid)
	}
	if !containsData(e.history(t, "user.activity"), `"action":"plugin.uninstalled"`) {
		t.Fatal("no uninstall activity")
	}
}

func zombie(pid int) bool {
	raw, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return true
	}
	f := strings.Fields(string(raw))
	return len(f) > 2 && f[2] == "Z"
}

func containsData(evs []events.Event, s string) bool {
	for _, e := range evs {
		if strings.Contains(string(e.Data), s) {
			return true
		}
	}
	return false
}

// TestPluginKilledMidJob: SIGKILL the plugin while a job runs. The core
// keeps serving, the plugin restarts, the job is failed-and-retryable, and
// a retry runs (and can be cancelled).
func TestPluginKilledMidJob(t *testing.T) {
	e := startWithPlugins(t, store.SQLite, nil)
	e.install(t, "echo")
	job := e.memberC.Do(t, "POST", "/api/v1/orgs/acme/plugins/echo/jobs", map[string]any{"kind": "count", "input": map[string]any{"n": 100000, "delay_ms": 5}}).
		Must(t, http.StatusAccepted).JSON()
	id := job["id"].(string)
	e.waitJob(t, id, func(j map[string]any) bool { return j["status"] == "running" && j["processed_items"].(float64) > 0 })
	before := e.process("echo")
	if err := syscall.Kill(before.PID, syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	// The core keeps serving meanwhile; calls to the plugin never hang.
	for range 5 {
		e.memberC.Do(t, "GET", "/api/v1/orgs/acme", nil).Must(t, http.StatusOK)
		began := time.Now()
		r := e.memberC.Do(t, "POST", "/api/v1/orgs/acme/plugins/echo/actions/echo", map[string]string{"message": "x"})
		if r.Status != http.StatusOK && r.Status != http.StatusServiceUnavailable {
			t.Fatalf("invoke during restart: %d %s", r.Status, r.Body)
		}
		if time.Since(began) > 11*time.Second {
			t.Fatalf("invoke during restart took %s", time.Since(began))
		}
	}
	failed := e.waitJob(t, id, func(j map[string]any) bool { return j["status"] == "failed" })
	if failed["retryable"] != true || !strings.Contains(failed["error"].(string), "killed") {
		t.Fatalf("interrupted job = %v", failed)
	}
	after := e.waitProcess(t, "echo", func(p pluginhost.ProcessStatus) bool {
		return p.Status == pluginhost.StatusRunning && p.PID != before.PID
	})
	if after.Restarts != 1 {
		t.Fatalf("process after restart = %+v", after)
	}
	items := e.view.Do(t, "GET", "/api/v1/orgs/acme/jobs?status=failed&plugin=echo", nil).Must(t, http.StatusOK).JSON()["items"].([]any)
	if len(items) != 1 || items[0].(map[string]any)["id"] != id {
		t.Fatalf("failed jobs = %v", items)
	}
	e.view.Do(t, "POST", "/api/v1/orgs/acme/jobs/"+id+"/retry", nil).Must(t, http.StatusForbidden)
	again := e.memberC.Do(t, "POST", "/api/v1/orgs/acme/jobs/"+id+"/retry", nil).Must(t, http.StatusAccepted).JSON()
	if again["attempts"] != float64(2) {
		t.Fatalf("retry = %v", again)
	}
	e.waitJob(t, id, func(j map[string]any) bool { return j["status"] == "running" })
	e.memberC.Do(t, "POST", "/api/v1/orgs/acme/jobs/"+id+"/cancel", nil).Must(t, http.StatusOK)
	e.waitJob(t, id, func(j map[string]any) bool { return j["status"] == "cancelled" })
	e.memberC.Do(t, "POST", "/api/v1/orgs/acme/jobs/"+id+"/cancel", nil).Must(t, http.StatusConflict)
	if st := e.history(t, "plugin.status"); !containsData(st, `"status":"crashed"`) {
		t.Fatalf("no crashed status published: %v", st)
	}
}

// TestTamperedPluginWillNotStart: a stored binary replaced after install
// is refused at the next start; the plugin is disabled and calls fail
// fast with 503 and the reason.
func TestTamperedPluginWillNotStart(t *testing.T) {
	e := startWithPlugins(t, store.SQLite, nil)
	e.install(t, "echo")
	path := filepath.Join(e.s.App.Config.PluginPath(), "echo", "1.0.0", "plugin")
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	_ = os.Chmod(filepath.Dir(path), 0o700)
	if err := os.WriteFile(path+".evil", append(raw, "evil"...), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(path+".evil", path); err != nil {
		t.Fatal(err)
	}
	_ = syscall.Kill(e.process("echo").PID, syscall.SIGKILL)
	e.waitProcess(t, "echo", func(p pluginhost.ProcessStatus) bool { return p.Status == pluginhost.StatusDisabled })
	began := time.Now()
	r := e.memberC.Do(t, "POST", "/api/v1/orgs/acme/plugins/echo/actions/echo", map[string]string{"message": "x"})
	if r.Status != http.StatusServiceUnavailable || r.ErrorCode() != "plugin_unavailable" || !strings.Contains(string(r.Body), "changed on disk") || time.Since(began) > time.Second {
		t.Fatalf("call to a tampered plugin: %d %s after %s", r.Status, r.Body, time.Since(began))
	}
	items := e.adminC.Do(t, "GET", "/api/v1/orgs/acme/plugins", nil).Must(t, http.StatusOK).JSON()["items"].([]any)
	if it := items[0].(map[string]any); it["status"] != "disabled" || !strings.Contains(fmt.Sprint(it["error"]), "changed on disk") {
		t.Fatalf("installed = %v", it)
	}
}

// TestPluginHTTPHeaders: the plugin never sees the caller's credentials,
// and identity headers a caller sends are replaced by the core's.
func TestPluginHTTPHeaders(t *testing.T) {
	e := startWithPlugins(t, store.SQLite, nil)
	e.install(t, "inspect")
	req, _ := http.NewRequest("PATCH", e.s.URL+"/api/v1/orgs/acme/plugins/inspect/http/a/b?x=1", strings.NewReader(`{"k":"v"}`))
	req.Header.Set("Authorization", "Bearer "+e.member.Access)
	req.Header.Set("Cookie", "session=secret")
	req.Header.Set("X-Switchyard-User", "someone-else")
	req.Header.Set("X-Switchyard-Org", "beta")
	req.Header.Set("X-Forwarded-User", "admin")
	req.Header.Set("X-Custom", "kept")
	r := e.memberC.Send(t, req)
	if r.Status != http.StatusOK {
		t.Fatalf("%d %s", r.Status, r.Body)
	}
	var got struct {
		Path, Query, Method string
		Headers             http.Header
		Tenant              struct{ ID, Slug string }
		Actor               struct {
			UserID string `json:"user_id"`
			Role   string
		}
	}
	r.Decode(t, &got)
	h := got.Headers
	if got.Path != "/a/b" || got.Query != "x=1" || got.Method != "PATCH" || got.Tenant.Slug != "acme" || got.Actor.UserID != e.member.ID || got.Actor.Role != "member" {
		t.Fatalf("request as the plugin saw it: %+v", got)
	}
	if h.Get("Authorization") != "" || h.Get("Cookie") != "" || h.Get("X-Forwarded-User") != "" {
		t.Fatalf("credentials reached the plugin: %v", h)
	}
	if h.Get("X-Switchyard-User") != e.member.ID || h.Get("X-Switchyard-Org") != "acme" || h.Get("X-Switchyard-Role") != "member" || h.Get("X-Custom") != "kept" {
		t.Fatalf("identity headers: %v", h)
	}
	if r.Header.Get("Set-Cookie") != "" || r.Header.Get("X-Plugin") != "inspect" || r.Header.Get("Content-Security-Policy") == "" {
		t.Fatalf("response headers: %v", r.Header)
	}
	// The manifest's permission for an action applies: admin-only needs
	// plugins:configure.
	e.memberC.Do(t, "POST", "/api/v1/orgs/acme/plugins/inspect/actions/admin-only", map[string]any{}).Must(t, http.StatusForbidden)
	e.adminC.Do(t, "POST", "/api/v1/orgs/acme/plugins/inspect/actions/admin-only", map[string]any{}).Must(t, http.StatusOK)
	e.view.Do(t, "GET", "/api/v1/orgs/acme/plugins/inspect/http/x", nil).Must(t, http.StatusForbidden)
}

// TestPluginHTTPContentLength: a length the plugin announces reaches the
// client (downloads show their size); a body the plugin streams without
// one is chunked; a plugin that sends less than it announced has the
// response cut short, never padded nor hung.
func TestPluginHTTPContentLength(t *testing.T) {
	e := startWithPlugins(t, store.SQLite, nil)
	e.install(t, "inspect")
	get := func(path string) (*http.Response, []byte, error) {
		req, _ := http.NewRequest("GET", e.s.URL+"/api/v1/orgs/acme/plugins/inspect/http"+path, nil)
		req.Header.Set("Authorization", "Bearer "+e.member.Access)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			return nil, nil, err
		}
		defer resp.Body.Close()
		body, err := io.ReadAll(resp.Body)
		return resp, body, err
	}
	resp, body, err := get("/sized")
	if err != nil || resp.StatusCode != http.StatusOK || resp.ContentLength != 11 || string(body) != "hello world" {
		t.Fatalf("sized: %v, length %d, body %q", err, resp.ContentLength, body)
	}
	resp, _, err = get("/streamed")
	if err != nil || resp.StatusCode != http.StatusOK || resp.ContentLength != -1 {
		t.Fatalf("streamed: %v, length %d", err, resp.ContentLength)
	}
	// A streamed body goes out as the plugin writes it, not once it ended.
	req, _ := http.NewRequest("GET", e.s.URL+"/api/v1/orgs/acme/plugins/inspect/http/drip", nil)
	req.Header.Set("Authorization", "Bearer "+e.member.Access)
	began := time.Now()
	drip, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	first, err := bufio.NewReader(drip.Body).ReadString('\n')
	if waited := time.Since(began); err != nil || first != "first\n" || waited > 2*time.Second {
		t.Fatalf("first part %q (%v) after %v; the plugin sends it at once and the rest 3 s later", first, err, waited)
	}
	drip.Body.Close()

	done := make(chan error, 1)
	go func() {
		_, body, err := get("/short")
		if err == nil {
			err = fmt.Errorf("a short body was read whole: %q", body)
		}
		done <- err
	}()
	select {
	case err := <-done:
		// Cut short: the connection closes before the announced length,
		// within the body or (fasthttp buffers the head) before it.
		if !errors.Is(err, io.ErrUnexpectedEOF) && !errors.Is(err, io.EOF) {
			t.Fatalf("short: %v, want the response cut short", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("a plugin that sent less than it announced left the client waiting")
	}
}

// TestPluginLinks: a link from POST …/links opens one GET of the plugin
// route it names, as its user, without an Authorization header (so a
// browser can save a download as it arrives), and nothing else: not twice,
// not another path or organization, not after the user lost the right.
func TestPluginLinks(t *testing.T) {
	e := startWithPlugins(t, store.SQLite, nil)
	e.install(t, "inspect")
	anon := e.s.Client()
	link := func(c *apptest.Client, path string) string {
		t.Helper()
		v := c.Do(t, "POST", "/api/v1/orgs/acme/plugins/inspect/links", map[string]string{"path": path}).Must(t, http.StatusCreated).JSON()
		if v["expires_in"].(float64) != 60 {
			t.Fatalf("link: %v", v)
		}
		return v["url"].(string)
	}

	u := link(e.memberC, "/a/b%20c?x=1")
	r := anon.Do(t, "GET", u, nil).Must(t, http.StatusOK)
	var got struct {
		Path, Query string
		Headers     http.Header
		Actor       struct {
			UserID string `json:"user_id"`
			Role   string
		}
	}
	r.Decode(t, &got)
	if got.Path != "/a/b%20c" && got.Path != "/a/b c" || got.Query != "x=1" || got.Actor.UserID != e.member.ID || got.Actor.Role != "member" {
		t.Fatalf("the plugin saw %+v", got)
	}
	if r := anon.Do(t, "GET", u, nil); r.Status != http.StatusUnauthorized || r.ErrorCode() != "invalid_link" {
		t.Fatalf("a link opened twice: %d %s", r.Status, r.Body)
	}

	// The longest path a link may name, in characters JSON escapes.
	anon.Do(t, "GET", link(e.memberC, "/"+strings.Repeat("a&", 255)), nil).Must(t, http.StatusOK)

	// Bound to its path and organization (the member is in beta too, with
	// the plugin); a socket ticket is no link.
	e.s.CreateOrg(t, e.owner, "beta")
	e.s.Join(t, e.owner, "beta", e.member, "member")
	e.ownerC.Do(t, "POST", "/api/v1/orgs/beta/plugins", map[string]string{"name": "inspect", "version": "1.0.0"}).Must(t, http.StatusCreated)
	u = link(e.memberC, "/a/b")
	for _, other := range []string{strings.Replace(u, "/http/a/b?", "/http/a/c?", 1), strings.Replace(u, "/orgs/acme/", "/orgs/beta/", 1)} {
		if r := anon.Do(t, "GET", other, nil); r.Status != http.StatusUnauthorized {
			t.Fatalf("%s: %d %s", other, r.Status, r.Body)
		}
	}
	anon.Do(t, "GET", u, nil).Must(t, http.StatusOK)
	ws := e.s.Ticket(t, e.member, "acme")
	anon.Do(t, "GET", "/api/v1/orgs/acme/plugins/inspect/http/a/b?ticket="+url.QueryEscape(ws), nil).Must(t, http.StatusUnauthorized)
	pu, _ := url.Parse(link(e.memberC, "/a/b"))
	sock, err := e.s.DialTicket(t, "acme", pu.Query().Get("ticket"), nil)
	if err != nil {
		t.Fatal(err)
	}
	if code := sock.CloseCode(5 * time.Second); code != websocket.StatusPolicyViolation {
		t.Fatalf("a link ticket opened a socket: closed with %d", code)
	}

	// Checked at use: a member made viewer meanwhile may not open it.
	u = link(e.memberC, "/a/b")
	e.adminC.Do(t, "PATCH", "/api/v1/orgs/acme/members/"+e.member.ID, map[string]string{"role": "viewer"}).Must(t, http.StatusOK)
	anon.Do(t, "GET", u, nil).Must(t, http.StatusForbidden)
	e.view.Do(t, "POST", "/api/v1/orgs/acme/plugins/inspect/links", map[string]string{"path": "/a"}).Must(t, http.StatusForbidden)

	// Bad paths are refused, by field.
	for _, p := range []string{"a/b", "/", "/a/../b", "/a//b", "/a b", "/a#b", "/a?x=%zz", "/a\\b"} {
		r := e.adminC.Do(t, "POST", "/api/v1/orgs/acme/plugins/inspect/links", map[string]string{"path": p})
		if r.Status != http.StatusBadRequest || r.ErrorCode() != "invalid_input" || !strings.Contains(string(r.Body), `"path"`) {
			t.Fatalf("path %q: %d %s", p, r.Status, r.Body)
		}
	}
	e.adminC.Do(t, "POST", "/api/v1/orgs/acme/plugins/echo/links", map[string]string{"path": "/a"}).Must(t, http.StatusNotFound)
}

// TestPluginQuota: the organization's installed-plugin quota holds.
func TestPluginQuota(t *testing.T) {
	e := startWithPlugins(t, store.SQLite, func(c *config.Config) { c.QuotaPlugins = 1 })
	e.install(t, "echo")
	r := e.adminC.Do(t, "POST", "/api/v1/orgs/acme/plugins", map[string]string{"name": "inspect", "version": "1.0.0"})
	if r.Status != http.StatusForbidden || r.ErrorCode() != "quota_exceeded" {
		t.Fatalf("over quota: %d %s", r.Status, r.Body)
	}
	if items := e.adminC.Do(t, "GET", "/api/v1/orgs/acme/plugins", nil).Must(t, http.StatusOK).JSON()["items"].([]any); len(items) != 1 {
		t.Fatalf("installed = %v", items)
	}
}

// records is a paginated JSON API on loopback.
func records(t *testing.T, n int) *httptest.Server {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		page, _ := strconv.Atoi(r.URL.Query().Get("page"))
		size, _ := strconv.Atoi(r.URL.Query().Get("per_page"))
		var items []map[string]any
		for i := (page-1)*size + 1; i <= min(page*size, n); i++ {
			items = append(items, map[string]any{"id": i, "name": "item " + strconv.Itoa(i)})
		}
		_ = json.NewEncoder(w).Encode(map[string]any{"data": items, "total": n})
	}))
	t.Cleanup(srv.Close)
	return srv
}

// TestSyncPlugin: the sync plugin, installed from the marketplace, copies
// 10,000 paginated records into the organization's dataset, each once, as
// a job whose progress reaches 100 and whose events and notification
// reach the organization; the real-time hub's SyncTasks reports it.
// Without the operator's allow-list the same loopback source is refused.
func TestSyncPlugin(t *testing.T) {
	for _, engine := range storetest.Engines() {
		t.Run(string(engine), func(t *testing.T) {
			api := records(t, 10_000)
			e := startWithPlugins(t, engine, func(c *config.Config) { c.OutboundAllow = []string{"127.0.0.1"} })
			e.install(t, "sync")
			config := map[string]any{"sources": []any{map[string]any{
				"name": "crm", "type": "http",
				"http": map[string]any{"url": api.URL + "/items", "items_path": "data", "total_path": "total", "pagination": map[string]any{"type": "page", "size": 200}},
			}}}
			e.adminC.Do(t, "PUT", "/api/v1/orgs/acme/plugins/sync/config", map[string]any{"config": config}).Must(t, http.StatusOK)
			r := e.memberC.Do(t, "POST", "/api/v1/orgs/acme/plugins/sync/jobs", map[string]any{"kind": "sync", "input": map[string]any{"source": "nope"}})
			if r.Status != http.StatusAccepted {
				t.Fatalf("start: %d %s", r.Status, r.Body)
			}
			bad := e.waitJob(t, r.JSON()["id"].(string), func(j map[string]any) bool { return j["status"] == "failed" })
			if bad["retryable"] != false || !strings.Contains(bad["error"].(string), "no source") {
				t.Fatalf("unknown source job = %v", bad)
			}
			r = e.memberC.Do(t, "POST", "/api/v1/orgs/acme/plugins/sync/jobs", map[string]any{"kind": "sync", "input": map[string]any{"src": "crm"}})
			if r.Status != http.StatusBadRequest || !strings.HasPrefix(errorField(r), "input") {
				t.Fatalf("bad input: %d %s", r.Status, r.Body)
			}
			job := e.memberC.Do(t, "POST", "/api/v1/orgs/acme/plugins/sync/jobs", map[string]any{"kind": "sync", "input": map[string]any{"source": "crm"}}).
				Must(t, http.StatusAccepted).JSON()
			done := e.waitJob(t, job["id"].(string), func(j map[string]any) bool { return j["status"] == "succeeded" || j["status"] == "failed" })
			if done["status"] != "succeeded" || done["progress"] != float64(100) || done["processed_items"] != float64(10_000) || done["total_items"] != float64(10_000) {
				t.Fatalf("sync job = %v", done)
			}
			var n, distinct int64
			e.s.App.DB.Raw("SELECT COUNT(*) FROM dataset_records WHERE org_id = ? AND dataset = 'crm'", e.orgID).Scan(&n)
			e.s.App.DB.Raw("SELECT COUNT(DISTINCT key) FROM dataset_records WHERE org_id = ? AND dataset = 'crm'", e.orgID).Scan(&distinct)
			if n != 10_000 || distinct != 10_000 {
				t.Fatalf("dataset has %d records (%d distinct)", n, distinct)
			}
			ups := e.history(t, "sync.update")
			last := ups[len(ups)-1]
			if last.Source != "plugin:sync" || !strings.Contains(string(last.Data), `"status":"succeeded"`) || !strings.Contains(string(last.Data), `"progress":100`) {
				t.Fatalf("last sync.update = %s", last.Data)
			}
			if !containsData(e.history(t, "notification"), "10000 records synced") {
				t.Fatal("no success notification")
			}
			tasks, err := e.s.App.Jobs.SyncTasks(t.Context(), e.orgID)
			if err != nil || len(tasks) != 2 || tasks[0].TaskID != job["id"] || tasks[0].Status != "succeeded" || tasks[0].Progress != 100 || tasks[0].ProcessedItems != 10_000 {
				t.Fatalf("sync tasks = %+v, %v", tasks, err)
			}

			// Without the allow-list: refused, with the reason.
			e2 := startWithPlugins(t, engine, nil)
			e2.install(t, "sync")
			e2.adminC.Do(t, "PUT", "/api/v1/orgs/acme/plugins/sync/config", map[string]any{"config": config}).Must(t, http.StatusOK)
			job = e2.memberC.Do(t, "POST", "/api/v1/orgs/acme/plugins/sync/jobs", map[string]any{"kind": "sync", "input": map[string]any{"source": "crm"}}).
				Must(t, http.StatusAccepted).JSON()
			refused := e2.waitJob(t, job["id"].(string), func(j map[string]any) bool { return j["status"] == "failed" })
			if !strings.Contains(refused["error"].(string), "loopback") || !strings.Contains(refused["error"].(string), "SWITCHYARD_OUTBOUND_ALLOW") {
				t.Fatalf("refused job = %v", refused)
			}
		})
	}
}

// BenchmarkInvokeHTTP measures an action invoke through the whole HTTP
// path: Fiber, the access token, Casbin, the plugin host, gRPC to the echo
// process and back, over loopback with keep-alive.
func BenchmarkInvokeHTTP(b *testing.B) {
	cfg := apptest.Config(b, store.SQLite)
	cfg.Catalog, cfg.TrustedKeys = catalog.Dir, []string{catalog.PublicKey()}
	s := apptest.Start(b, cfg)
	u := s.Register(b, "owner")
	s.CreateOrg(b, u, "acme")
	s.As(u).Do(b, "POST", "/api/v1/orgs/acme/plugins", map[string]string{"name": "echo", "version": "1.0.0"}).Must(b, http.StatusCreated)
	client := &http.Client{Timeout: 10 * time.Second}
	body := []byte(`{"message":"hello"}`)
	durations := make([]time.Duration, 0, b.N)
	b.ResetTimer()
	for range b.N {
		req, _ := http.NewRequest("POST", s.URL+"/api/v1/orgs/acme/plugins/echo/actions/echo", bytes.NewReader(body))
		req.Header.Set("Authorization", "Bearer "+u.Access)
		req.Header.Set("Content-Type", "application/json")
		began := time.Now()
		resp, err := client.Do(req)
		if err != nil {
			b.Fatal(err)
		}
		_, _ = io.Copy(io.Discard, resp.Body)
		_ = resp.Body.Close()
		durations = append(durations, time.Since(began))
		if resp.StatusCode != http.StatusOK {
			b.Fatalf("status %d", resp.StatusCode)
		}
	}
	b.StopTimer()
	sort.Slice(durations, func(i, j int) bool { return durations[i] < durations[j] })
	b.ReportMetric(float64(durations[len(durations)/2])/float64(time.Microsecond), "p50-µs")
	b.ReportMetric(float64(durations[len(durations)*99/100])/float64(time.Microsecond), "p99-µs")
}
