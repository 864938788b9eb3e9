package plugine2e_test

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"math"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/switchyard/switchyard/core/app/apptest"
	"github.com/switchyard/switchyard/core/events"
	"github.com/switchyard/switchyard/core/marketplace"
	"github.com/switchyard/switchyard/core/marketplace/markettest"
	"github.com/switchyard/switchyard/core/store"
	"github.com/switchyard/switchyard/core/store/storetest"
)

// catalog holds the four first-party plugins, built and signed once.
var catalog *markettest.Catalog

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "plugine2e-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	tb := &mainTB{cleanup: func() { _ = os.RemoveAll(dir) }}
	catalog = &markettest.Catalog{Dir: filepath.Join(dir, "catalog")}
	if catalog.Key, err = marketplace.GenerateKeyFile(filepath.Join(dir, "publisher.key")); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	for _, name := range []string{"sync", "files", "analytics", "ml"} {
		catalog.Add(tb, markettest.Build(tb, "github.com/switchyard/switchyard/plugins/"+name, dir, ""))
	}
	code := m.Run()
	tb.cleanup()
	os.Exit(code)
}

type mainTB struct {
	testing.TB
	cleanup func()
}

func (*mainTB) Helper() {}
func (m *mainTB) Fatalf(format string, args ...any) {
	fmt.Fprintf(os.Stderr, format+"\n", args...)
	m.cleanup()
	os.Exit(1)
}
func (m *mainTB) Fatal(args ...any) { m.Fatalf("%s", fmt.Sprint(args...)) }

type env struct {
	s              *apptest.Server
	owner          *apptest.User
	ownerC, member *apptest.Client
	orgID, dataDir string
}

func start(t *testing.T, engine store.Engine) *env {
	t.Helper()
	cfg := apptest.Config(t, engine)
	cfg.Catalog = catalog.Dir
	cfg.TrustedKeys = []string{catalog.PublicKey()}
	s := apptest.Start(t, cfg)
	e := &env{s: s, owner: s.Register(t, "owner"), dataDir: cfg.DataDir}
	s.CreateOrg(t, e.owner, "acme")
	m := s.Register(t, "member")
	s.Join(t, e.owner, "acme", m, "member")
	e.ownerC, e.member = s.As(e.owner), s.As(m)
	e.orgID = e.ownerC.Do(t, "GET", "/api/v1/orgs/acme", nil).Must(t, http.StatusOK).JSON()["id"].(string)
	for _, name := range []string{"sync", "files", "analytics", "ml"} {
		e.ownerC.Do(t, "POST", "/api/v1/orgs/acme/plugins", map[string]string{"name": name, "version": "1.0.0"}).Must(t, http.StatusCreated)
	}
	return e
}

func (e *env) history(t *testing.T, typ string) []events.Event {
	t.Helper()
	evs, _, err := e.s.App.Events.History(t.Context(), e.orgID, e.owner.ID, 0, []string{typ}, 1000)
	if err != nil {
		t.Fatal(err)
	}
	return evs
}

func (e *env) waitJob(t *testing.T, id string) map[string]any {
	t.Helper()
	deadline := time.Now().Add(90 * time.Second)
	for time.Now().Before(deadline) {
		j := e.member.Do(t, "GET", "/api/v1/orgs/acme/jobs/"+id, nil).Must(t, http.StatusOK).JSON()
		switch j["status"] {
		case "succeeded", "failed", "cancelled":
			return j
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("job %s did not end", id)
	return nil
}

// raw sends a request with a raw body through the core.
func (e *env) raw(t *testing.T, method, path string, body io.Reader, header map[string]string) *apptest.Response {
	t.Helper()
	req, err := http.NewRequest(method, e.s.URL+path, body)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+e.member.Token)
	for k, v := range header {
		req.Header.Set(k, v)
	}
	return e.member.Send(t, req)
}

// TestFeaturePlugins: files, analytics and ml installed from the catalog
// into a real core. A 3 MiB file (three times the core's body limit) goes
// up and down through the passthrough; a resumable upload too; a traversal
// is refused. Sync fills a dataset from a CSV; analytics answers over it
// through the change feed and over the event history, and reports usage
// the core measured; ml trains on it as a job and predicts.
func TestFeaturePlugins(t *testing.T) {
	for _, engine := range storetest.Engines() {
		t.Run(string(engine), func(t *testing.T) { featurePlugins(t, engine) })
	}
}

func featurePlugins(t *testing.T, engine store.Engine) {
	e := start(t, engine)
	const files = "/api/v1/orgs/acme/plugins/files/http"

	// Files: a body larger than the core's body limit streams through.
	big := bytes.Repeat([]byte("switchyard\n"), 3<<20/11)
	sum := sha256.Sum256(big)
	up := e.raw(t, "POST", files+"/files?path=docs/big.txt", bytes.NewReader(big), nil).Must(t, http.StatusCreated).JSON()
	if up["sha256"] != hex.EncodeToString(sum[:]) || up["content_type"] != "text/plain; charset=utf-8" {
		t.Fatalf("upload = %v", up)
	}
	down := e.raw(t, "GET", files+"/files/"+up["id"].(string)+"/content", nil, nil).Must(t, http.StatusOK)
	if !bytes.Equal(down.Body, big) || down.Header.Get("X-Checksum-Sha256") != up["sha256"] {
		t.Fatalf("downloaded %d bytes, headers %v", len(down.Body), down.Header)
	}
	bad := e.raw(t, "POST", files+"/files?path=../../etc/passwd", strings.NewReader("x"), nil).Must(t, http.StatusBadRequest).JSON()
	if bad["error"].(map[string]any)["field"] != "path" {
		t.Fatalf("traversal = %v", bad)
	}
	sess := e.member.Do(t, "POST", files+"/uploads", map[string]any{"path": "docs/parts.bin", "size": 10}).Must(t, http.StatusCreated).JSON()
	id := sess["id"].(string)
	e.raw(t, "PATCH", files+"/uploads/"+id, strings.NewReader("hello"), map[string]string{"Upload-Offset": "0"}).Must(t, http.StatusOK)
	r := e.raw(t, "PATCH", files+"/uploads/"+id, strings.NewReader("xx"), map[string]string{"Upload-Offset": "3"}).Must(t, http.StatusConflict)
	if r.Header.Get("Upload-Offset") != "5" {
		t.Fatalf("wrong offset answer: %v", r.Header)
	}
	e.raw(t, "PATCH", files+"/uploads/"+id, strings.NewReader("world"), map[string]string{"Upload-Offset": "5"}).Must(t, http.StatusOK)
	done := e.member.Do(t, "POST", files+"/uploads/"+id+"/complete", nil).Must(t, http.StatusCreated).JSON()
	if s := sha256.Sum256([]byte("helloworld")); done["sha256"] != hex.EncodeToString(s[:]) {
		t.Fatalf("completed = %v", done)
	}
	ops := e.history(t, "file.operation")
	if len(ops) < 3 || ops[0].Source != "plugin:files" {
		t.Fatalf("file.operation events = %d", len(ops))
	}

	// Sync fills a dataset from a CSV in the organization's files area.
	var csv strings.Builder
	csv.WriteString("id,region,x,y\n")
	want := map[string]float64{}
	for i := range 2000 {
		region := []string{"emea", "amer", "apac"}[i%3]
		x := float64(i%100) / 10
		fmt.Fprintf(&csv, "%d,%s,%g,%g\n", i, region, x, 2+3*x)
		want[region] += x
	}
	orgDir := filepath.Join(e.dataDir, "files", e.orgID, "imports")
	if err := os.MkdirAll(orgDir, 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(orgDir, "sales.csv"), []byte(csv.String()), 0o600); err != nil {
		t.Fatal(err)
	}
	e.ownerC.Do(t, "PUT", "/api/v1/orgs/acme/plugins/sync/config", map[string]any{"config": map[string]any{"sources": []any{
		map[string]any{"name": "sales", "type": "file", "key": "id", "file": map[string]any{"path": "imports/sales.csv"}}}}}).Must(t, http.StatusOK)
	job := e.member.Do(t, "POST", "/api/v1/orgs/acme/plugins/sync/jobs", map[string]any{"kind": "sync", "input": map[string]any{"source": "sales"}}).
		Must(t, http.StatusAccepted).JSON()
	if j := e.waitJob(t, job["id"].(string)); j["status"] != "succeeded" {
		t.Fatalf("sync = %v", j)
	}

	// Analytics over the dataset (through the host's change feed).
	ans := e.member.Do(t, "POST", "/api/v1/orgs/acme/plugins/analytics/actions/query", map[string]any{"source": "dataset:sales",
		"group_by": []string{"region"}, "aggregations": []map[string]any{{"op": "sum", "field": "x"}, {"op": "count"}}}).Must(t, http.StatusOK).JSON()
	rows := ans["rows"].([]any)
	if len(rows) != 3 {
		t.Fatalf("rows = %v", rows)
	}
	for _, r := range rows {
		r := r.([]any)
		if math.Abs(r[1].(float64)-want[r[0].(string)]) > 1e-6 {
			t.Fatalf("%v, want sum %v", r, want[r[0].(string)])
		}
	}
	bad = e.member.Do(t, "POST", "/api/v1/orgs/acme/plugins/analytics/actions/query", map[string]any{"source": "dataset:sales",
		"aggregations": []map[string]any{{"op": "sum", "field": "region"}}}).Must(t, http.StatusBadRequest).JSON()
	if !strings.Contains(bad["error"].(map[string]any)["message"].(string), "query.aggregations.0.field") {
		t.Fatalf("refusal = %v", bad)
	}
	// ... and over the organization's own event history.
	evs := e.member.Do(t, "POST", "/api/v1/orgs/acme/plugins/analytics/http/query", map[string]any{"source": "events",
		"filters": []map[string]any{{"field": "type", "op": "eq", "value": "file.operation"}}, "aggregations": []map[string]any{{"op": "count"}}}).
		Must(t, http.StatusOK).JSON()
	if n := evs["rows"].([]any)[0].([]any)[0].(float64); int(n) != len(e.history(t, "file.operation")) {
		t.Fatalf("file.operation events counted %v, history has %d", n, len(e.history(t, "file.operation")))
	}
	// Usage as the core measured it.
	// (The core measures the files area at most every 5 seconds.)
	deadline := time.Now().Add(15 * time.Second)
	for {
		m := e.member.Do(t, "GET", "/api/v1/orgs/acme/plugins/analytics/http/metrics", nil).Must(t, http.StatusOK).JSON()
		storage := m["storage"].(map[string]any)
		if m["dataset_records"] == float64(2000) && storage["files_bytes"].(float64) >= float64(len(big)) && m["events_seq"].(float64) >= 3 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("metrics = %v", m)
		}
		time.Sleep(250 * time.Millisecond)
	}

	// ML: train on the dataset as a job, then predict.
	job = e.member.Do(t, "POST", "/api/v1/orgs/acme/plugins/ml/jobs", map[string]any{"kind": "train", "input": map[string]any{
		"name": "yfromx", "kind": "linear_regression", "dataset": "sales", "features": []string{"x"}, "target": "y"}}).Must(t, http.StatusAccepted).JSON()
	if j := e.waitJob(t, job["id"].(string)); j["status"] != "succeeded" {
		t.Fatalf("training = %v", j)
	}
	if len(e.history(t, "ml.training.progress")) < 2 || len(e.history(t, "ml.model.update")) != 1 {
		t.Fatal("training events missing")
	}
	pred := e.member.Do(t, "POST", "/api/v1/orgs/acme/plugins/ml/actions/predict", map[string]any{"model": "yfromx", "row": map[string]any{"x": 4}}).
		Must(t, http.StatusOK).JSON()
	if v := pred["prediction"].(map[string]any)["value"].(float64); math.Abs(v-14) > 0.01 {
		t.Fatalf("prediction = %v", pred)
	}
	if len(e.history(t, "ml.prediction.result")) != 1 {
		t.Fatal("no ml.prediction.result")
	}
}
