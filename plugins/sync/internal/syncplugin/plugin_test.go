package syncplugin_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/switchyard/switchyard/plugins/sync/internal/syncplugin"
	"github.com/switchyard/switchyard/sdk/grpcplugin"
	"github.com/switchyard/switchyard/sdk/outbound"
	"github.com/switchyard/switchyard/sdk/sdktest"
)

// api is a paginated JSON API of n records on loopback.
type api struct {
	*httptest.Server
	requests atomic.Int64
	failAt   atomic.Int64 // a page that answers 500 (0: none)
	delay    time.Duration
}

func newAPI(t *testing.T, n int, delay time.Duration) *api {
	t.Helper()
	a := &api{delay: delay}
	rec := func(i int) map[string]any {
		return map[string]any{"id": i, "name": "item-" + strconv.Itoa(i), "tags": []string{"x"}}
	}
	mux := http.NewServeMux()
	// Page numbers: /items?page=1&per_page=100 -> {"data": [...], "meta": {"total": n}}
	mux.HandleFunc("GET /items", func(w http.ResponseWriter, r *http.Request) {
		a.requests.Add(1)
		time.Sleep(a.delay)
		page, _ := strconv.Atoi(r.URL.Query().Get("page"))
		size, _ := strconv.Atoi(r.URL.Query().Get("per_page"))
		if f := a.failAt.Load(); f > 0 && int64(page) == f {
			http.Error(w, "backend exploded", http.StatusInternalServerError)
			return
		}
		var items []map[string]any
		for i := (page-1)*size + 1; i <= min(page*size, n); i++ {
			items = append(items, rec(i))
		}
		_ = json.NewEncoder(w).Encode(map[string]any{"data": items, "meta": map[string]any{"total": n}})
	})
	// Cursors: /feed?cursor=250 -> {"items": [...], "next_cursor": "500"}
	mux.HandleFunc("GET /feed", func(w http.ResponseWriter, r *http.Request) {
		a.requests.Add(1)
		time.Sleep(a.delay)
		from, _ := strconv.Atoi(r.URL.Query().Get("cursor"))
		var items []map[string]any
		for i := from + 1; i <= min(from+250, n); i++ {
			items = append(items, rec(i))
		}
		next := ""
		if from+250 < n {
			next = strconv.Itoa(from + 250)
		}
		_ = json.NewEncoder(w).Encode(map[string]any{"items": items, "next_cursor": next})
	})
	a.Server = httptest.NewServer(mux)
	t.Cleanup(a.Close)
	return a
}

type env struct {
	h    *sdktest.Harness
	acme grpcplugin.Tenant
	dir  string
}

func start(t *testing.T, allow string, config any) *env {
	t.Helper()
	policy, err := outbound.ParseList(allow)
	if err != nil {
		t.Fatal(err)
	}
	files := t.TempDir()
	p := syncplugin.New(syncplugin.Options{Policy: policy, FilesDir: files, TempDir: t.TempDir(), MinInterval: 10 * time.Millisecond, EventInterval: 20 * time.Millisecond})
	h := sdktest.Serve(t, p, sdktest.Options{})
	e := &env{h: h, acme: sdktest.Tenant("acme"), dir: filepath.Join(files, "org-acme")}
	if err := os.MkdirAll(e.dir, 0o700); err != nil {
		t.Fatal(err)
	}
	if err := h.Install(t.Context(), e.acme, config); err != nil {
		t.Fatal(err)
	}
	return e
}

func (e *env) sync(t *testing.T, jobID, src string) grpcplugin.JobUpdate {
	t.Helper()
	if err := e.h.StartJob(t.Context(), e.acme, grpcplugin.Actor{UserID: "u1", Role: "member"}, jobID, "sync", map[string]string{"source": src}); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(t.Context(), 60*time.Second)
	defer cancel()
	u, err := e.h.Host.WaitJob(ctx, e.acme, jobID)
	if err != nil {
		t.Fatal(err)
	}
	return u
}

// syncEvents returns the task's sync.update payloads, in order.
func (e *env) syncEvents(task string) []map[string]any {
	var out []map[string]any
	for _, ev := range e.h.Host.Events() {
		if ev.Type != "sync.update" {
			continue
		}
		var d map[string]any
		_ = json.Unmarshal(ev.Data, &d)
		if d["task_id"] == task {
			out = append(out, d)
		}
	}
	return out
}

func (e *env) notifications() []map[string]string {
	var out []map[string]string
	for _, ev := range e.h.Host.Events() {
		if ev.Type == "notification" {
			var d map[string]string
			_ = json.Unmarshal(ev.Data, &d)
			out = append(out, d)
		}
	}
	return out
}

// checkAllOnce asserts the dataset holds records 1..n exactly once.
func (e *env) checkAllOnce(t *testing.T, dataset string, n int) {
	t.Helper()
	recs := e.h.Host.Dataset(e.acme, dataset)
	if len(recs) != n {
		t.Fatalf("dataset %s has %d records, want %d", dataset, len(recs), n)
	}
	seen := map[string]bool{}
	for _, r := range recs {
		if seen[r.Key] {
			t.Fatalf("record %s stored twice", r.Key)
		}
		seen[r.Key] = true
	}
	for i := 1; i <= n; i++ {
		if !seen[strconv.Itoa(i)] {
			t.Fatalf("record %d missing", i)
		}
	}
}

func httpSource(name, url string, pagination map[string]any, extra map[string]any) map[string]any {
	h := map[string]any{"url": url, "pagination": pagination}
	for k, v := range extra {
		h[k] = v
	}
	return map[string]any{"name": name, "type": "http", "http": h}
}

func TestHTTPPagesEveryRecordOnce(t *testing.T) {
	a := newAPI(t, 10_000, 0)
	cfg := map[string]any{"sources": []any{
		httpSource("crm", a.URL+"/items", map[string]any{"type": "page", "size": 100}, map[string]any{"items_path": "data", "total_path": "meta.total"}),
	}}
	e := start(t, "127.0.0.1", cfg)
	u := e.sync(t, "job-1", "crm")
	if u.Status != grpcplugin.JobSucceeded || u.Progress != 100 || u.ProcessedItems != 10_000 || u.TotalItems != 10_000 {
		t.Fatalf("final update = %+v", u)
	}
	e.checkAllOnce(t, "crm", 10_000)
	var res map[string]any
	_ = json.Unmarshal(u.Result, &res)
	if res["records"] != float64(10_000) || res["inserted"] != float64(10_000) {
		t.Fatalf("result = %s", u.Result)
	}
	evs := e.syncEvents("job-1")
	if len(evs) < 2 || len(evs) > 200 {
		t.Fatalf("%d sync.update events: not bounded, or none", len(evs))
	}
	last := evs[len(evs)-1]
	if last["status"] != "succeeded" || last["progress"] != float64(100) || last["processed_items"] != float64(10_000) || last["total_items"] != float64(10_000) {
		t.Fatalf("last sync.update = %v", last)
	}
	prev := -1.0
	for _, ev := range evs {
		if p := ev["progress"].(float64); p < prev {
			t.Fatalf("progress went back: %v", evs)
		} else {
			prev = p
		}
	}
	if n := e.notifications(); len(n) != 1 || n[0]["kind"] != "success" || !strings.Contains(n[0]["message"], "10000 records") {
		t.Fatalf("notifications = %v", n)
	}
	// Syncing again stores nothing twice.
	u = e.sync(t, "job-2", "crm")
	_ = json.Unmarshal(u.Result, &res)
	if u.Status != grpcplugin.JobSucceeded || res["updated"] != float64(10_000) || res["inserted"] != float64(0) {
		t.Fatalf("second sync = %+v %s", u, u.Result)
	}
	e.checkAllOnce(t, "crm", 10_000)
}

func TestHTTPCursor(t *testing.T) {
	a := newAPI(t, 10_000, 0)
	cfg := map[string]any{"sources": []any{
		httpSource("feed", a.URL+"/feed", map[string]any{"type": "cursor"}, map[string]any{"items_path": "items"}),
	}}
	e := start(t, "127.0.0.0/8", cfg)
	u := e.sync(t, "job-1", "feed")
	if u.Status != grpcplugin.JobSucceeded || u.Progress != 100 || u.ProcessedItems != 10_000 {
		t.Fatalf("final update = %+v", u)
	}
	e.checkAllOnce(t, "feed", 10_000)
	if got := a.requests.Load(); got != 40 {
		t.Fatalf("%d requests for 40 pages", got)
	}
}

// TestLoopbackRefusedWithoutAllowList: the same source, without the
// operator's allow-list, is refused with an error that says why and what
// to do.
func TestLoopbackRefusedWithoutAllowList(t *testing.T) {
	a := newAPI(t, 100, 0)
	for _, url := range []string{a.URL + "/items", strings.Replace(a.URL, "127.0.0.1", "localhost", 1) + "/items"} {
		cfg := map[string]any{"sources": []any{httpSource("crm", url, map[string]any{"type": "page"}, map[string]any{"items_path": "data"})}}
		e := start(t, "", cfg)
		u := e.sync(t, "job-1", "crm")
		if u.Status != grpcplugin.JobFailed || u.ErrorCode != grpcplugin.CodePermission ||
			!strings.Contains(u.Error, "loopback") || !strings.Contains(u.Error, outbound.EnvAllow) {
			t.Fatalf("%s: final update = %+v", url, u)
		}
		if len(e.h.Host.Dataset(e.acme, "crm")) != 0 {
			t.Fatal("records were synced from a refused source")
		}
		if n := e.notifications(); len(n) != 1 || n[0]["kind"] != "error" {
			t.Fatalf("notifications = %v", n)
		}
	}
	if a.requests.Load() != 0 {
		t.Fatalf("the refused source was reached %d times", a.requests.Load())
	}
}

// TestErrorMidwayKeepsRecords: a source failing on page 50 leaves a failed
// job with the error and the 49 pages synced before; once the source is
// fixed, a retry completes without duplicates.
func TestErrorMidwayKeepsRecords(t *testing.T) {
	a := newAPI(t, 10_000, 0)
	a.failAt.Store(50)
	cfg := map[string]any{"sources": []any{
		httpSource("crm", a.URL+"/items", map[string]any{"type": "page", "size": 100}, map[string]any{"items_path": "data", "total_path": "meta.total"}),
	}}
	e := start(t, "127.0.0.1", cfg)
	u := e.sync(t, "job-1", "crm")
	if u.Status != grpcplugin.JobFailed || !strings.Contains(u.Error, "page 50") || !strings.Contains(u.Error, "500") || u.ProcessedItems != 4_900 {
		t.Fatalf("final update = %+v", u)
	}
	if got := len(e.h.Host.Dataset(e.acme, "crm")); got != 4_900 {
		t.Fatalf("%d records kept, want 4900", got)
	}
	evs := e.syncEvents("job-1")
	if last := evs[len(evs)-1]; last["status"] != "failed" || !strings.Contains(fmt.Sprint(last["error"]), "500") {
		t.Fatalf("last sync.update = %v", last)
	}
	a.failAt.Store(0)
	u = e.sync(t, "job-2", "crm")
	if u.Status != grpcplugin.JobSucceeded {
		t.Fatalf("retry = %+v", u)
	}
	e.checkAllOnce(t, "crm", 10_000)
}

func TestCancelStops(t *testing.T) {
	a := newAPI(t, 10_000, 20*time.Millisecond)
	cfg := map[string]any{"sources": []any{
		httpSource("crm", a.URL+"/items", map[string]any{"type": "page", "size": 50}, map[string]any{"items_path": "data", "total_path": "meta.total"}),
	}}
	e := start(t, "127.0.0.1", cfg)
	if err := e.h.StartJob(t.Context(), e.acme, grpcplugin.Actor{UserID: "u1"}, "job-1", "sync", map[string]string{"source": "crm"}); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
	defer cancel()
	if _, err := e.h.Host.WaitJobUpdate(ctx, e.acme, "job-1", func(u grpcplugin.JobUpdate) bool { return u.ProcessedItems >= 500 }); err != nil {
		t.Fatal(err)
	}
	if err := e.h.Client.CancelJob(ctx, e.acme, "job-1"); err != nil {
		t.Fatal(err)
	}
	u, err := e.h.Host.WaitJob(ctx, e.acme, "job-1")
	if err != nil || u.Status != grpcplugin.JobCancelled {
		t.Fatalf("final = %+v, %v", u, err)
	}
	// A request already on the wire may still reach the server; after
	// that, nothing more.
	time.Sleep(100 * time.Millisecond)
	after := a.requests.Load()
	time.Sleep(300 * time.Millisecond)
	if a.requests.Load() != after || after >= 200 {
		t.Fatalf("the source was still read after cancel: %d then %d requests", after, a.requests.Load())
	}
	kept := len(e.h.Host.Dataset(e.acme, "crm"))
	if kept == 0 || kept >= 10_000 {
		t.Fatalf("%d records after cancel", kept)
	}
	evs := e.syncEvents("job-1")
	if last := evs[len(evs)-1]; last["status"] != "cancelled" {
		t.Fatalf("last sync.update = %v", last)
	}
}

func TestFiles(t *testing.T) {
	outside := t.TempDir()
	_ = os.WriteFile(filepath.Join(outside, "secret.csv"), []byte("id\n1\n"), 0o600)
	cfg := map[string]any{"sources": []any{
		map[string]any{"name": "contacts", "type": "file", "file": map[string]any{"path": "contacts.csv"}},
		map[string]any{"name": "events", "type": "file", "key": "event.id", "file": map[string]any{"path": "in/events.jsonl"}},
		map[string]any{"name": "escape", "type": "file", "file": map[string]any{"path": "../secret.csv"}},
		map[string]any{"name": "link", "type": "file", "file": map[string]any{"path": "link/secret.csv"}},
		map[string]any{"name": "absolute", "type": "file", "file": map[string]any{"path": filepath.Join(outside, "secret.csv")}},
	}}
	e := start(t, "", cfg)
	var csv strings.Builder
	csv.WriteString("id,name,email\n")
	for i := 1; i <= 1000; i++ {
		fmt.Fprintf(&csv, "%d,Person %d,p%d@example.com\n", i, i, i)
	}
	_ = os.WriteFile(filepath.Join(e.dir, "contacts.csv"), []byte(csv.String()), 0o600)
	_ = os.MkdirAll(filepath.Join(e.dir, "in"), 0o700)
	var jl strings.Builder
	for i := 1; i <= 500; i++ {
		fmt.Fprintf(&jl, "{\"event\":{\"id\":\"e%d\"},\"n\":%d}\n", i, i)
		if i%100 == 0 {
			jl.WriteString("\n")
		}
	}
	_ = os.WriteFile(filepath.Join(e.dir, "in", "events.jsonl"), []byte(jl.String()), 0o600)
	_ = os.Symlink(outside, filepath.Join(e.dir, "link"))

	if u := e.sync(t, "j1", "contacts"); u.Status != grpcplugin.JobSucceeded || u.ProcessedItems != 1000 || u.TotalItems != 1000 {
		t.Fatalf("csv = %+v", u)
	}
	e.checkAllOnce(t, "contacts", 1000)
	recs := e.h.Host.Dataset(e.acme, "contacts")
	if !strings.Contains(string(recs[0].Data), `"email":"p1@example.com"`) {
		t.Fatalf("csv record = %s", recs[0].Data)
	}
	if u := e.sync(t, "j2", "events"); u.Status != grpcplugin.JobSucceeded || u.ProcessedItems != 500 {
		t.Fatalf("jsonl = %+v", u)
	}
	for _, name := range []string{"escape", "link", "absolute"} {
		u := e.sync(t, "j-"+name, name)
		if u.Status != grpcplugin.JobFailed || !strings.Contains(u.Error, "inside the organization's files") {
			t.Fatalf("%s: %+v", name, u)
		}
	}
}

func TestScheduledSync(t *testing.T) {
	a := newAPI(t, 300, 0)
	src := httpSource("crm", a.URL+"/items", map[string]any{"type": "page", "size": 100}, map[string]any{"items_path": "data"})
	src["interval"] = "1s"
	e := start(t, "127.0.0.1", map[string]any{"sources": []any{src}})
	// Each tick submits a job to the core, which records it and starts it.
	deadline := time.Now().Add(10 * time.Second)
	for len(e.h.Host.Submissions(e.acme)) < 2 && time.Now().Before(deadline) {
		time.Sleep(50 * time.Millisecond)
	}
	subs := e.h.Host.Submissions(e.acme)
	if len(subs) < 2 {
		t.Fatalf("submissions after the deadline: %+v", subs)
	}
	for _, s := range subs {
		if s.Kind != "sync" || s.Reason != "schedule" || string(s.Input) != `{"source":"crm"}` {
			t.Fatalf("submission = %+v (input %s)", s, s.Input)
		}
	}
	// Run as the core would, the submitted job syncs the source.
	if u := e.sync(t, subs[0].ID, "crm"); u.Status != grpcplugin.JobSucceeded || u.ProcessedItems != 300 {
		t.Fatalf("scheduled job = %+v", u)
	}
	e.checkAllOnce(t, "crm", 300)
	// Reconfiguring without the interval stops the schedule.
	if err := e.h.Install(t.Context(), e.acme, map[string]any{}); err != nil {
		t.Fatal(err)
	}
	time.Sleep(100 * time.Millisecond)
	before := len(e.h.Host.Submissions(e.acme))
	time.Sleep(1500 * time.Millisecond)
	if n := len(e.h.Host.Submissions(e.acme)); n != before {
		t.Fatalf("the schedule kept submitting after it was removed: %d, then %d", before, n)
	}
}

func TestConfigRefused(t *testing.T) {
	e := start(t, "", map[string]any{})
	for name, cfg := range map[string]string{
		"duplicate names":  `{"sources":[{"name":"a","type":"file","file":{"path":"x.csv"}},{"name":"a","type":"file","file":{"path":"y.csv"}}]}`,
		"missing block":    `{"sources":[{"name":"a","type":"http"}]}`,
		"short interval":   `{"sources":[{"name":"a","type":"file","interval":"1ms","file":{"path":"x.csv"}}]}`,
		"path and url":     `{"sources":[{"name":"a","type":"file","file":{"path":"x.csv","url":"https://example.com/x.csv"}}]}`,
		"unknown property": `{"sources":[{"name":"a","type":"file","file":{"path":"x.csv"},"nope":1}]}`,
	} {
		t.Run(name, func(t *testing.T) {
			err := e.h.Client.Configure(t.Context(), e.acme, json.RawMessage(cfg))
			if grpcplugin.CodeOf(err) != grpcplugin.CodeInvalidInput {
				t.Fatalf("configure = %v", err)
			}
		})
	}
}
