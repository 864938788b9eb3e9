package mlplugin_test

import (
	"context"
	"encoding/json"
	"math"
	"math/rand/v2"
	"strconv"
	"testing"
	"time"

	"github.com/switchyard/switchyard/plugins/ml/internal/mlplugin"
	"github.com/switchyard/switchyard/sdk/grpcplugin"
	"github.com/switchyard/switchyard/sdk/sdktest"
)

type env struct {
	h     *sdktest.Harness
	acme  grpcplugin.Tenant
	actor grpcplugin.Actor
}

func start(t *testing.T) *env {
	t.Helper()
	p := mlplugin.New(mlplugin.Options{WatchInterval: 20 * time.Millisecond, ProgressInterval: time.Nanosecond})
	h := sdktest.Serve(t, p, sdktest.Options{})
	e := &env{h: h, acme: sdktest.Tenant("acme"), actor: grpcplugin.Actor{UserID: "u1", Role: "member"}}
	if err := h.Install(t.Context(), e.acme, map[string]any{}); err != nil {
		t.Fatal(err)
	}
	return e
}

func (e *env) dataset(t *testing.T, name string, rows []map[string]any) {
	t.Helper()
	recs := make([]grpcplugin.Record, len(rows))
	for i, r := range rows {
		raw, _ := json.Marshal(r)
		recs[i] = grpcplugin.Record{Key: strconv.Itoa(100000 + i), Data: raw}
	}
	for start := 0; start < len(recs); start += 1000 {
		if _, err := e.h.Host.DatasetAppend(t.Context(), e.acme, name, recs[start:min(start+1000, len(recs))]); err != nil {
			t.Fatal(err)
		}
	}
}

// train runs a training job to its end and returns its last update.
func (e *env) train(t *testing.T, id string, input map[string]any) grpcplugin.JobUpdate {
	t.Helper()
	if err := e.h.StartJob(t.Context(), e.acme, e.actor, id, "train", input); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(t.Context(), 60*time.Second)
	defer cancel()
	u, err := e.h.Host.WaitJob(ctx, e.acme, id)
	if err != nil {
		t.Fatal(err)
	}
	return u
}

func (e *env) invoke(t *testing.T, action string, in any) map[string]any {
	t.Helper()
	out, err := e.h.Invoke(t.Context(), e.acme, e.actor, action, in)
	if err != nil {
		t.Fatalf("%s: %v", action, err)
	}
	var m map[string]any
	_ = json.Unmarshal(out, &m)
	return m
}

func (e *env) events(typ string) []map[string]any {
	var out []map[string]any
	for _, ev := range e.h.Host.Events() {
		if ev.Type == typ {
			var d map[string]any
			_ = json.Unmarshal(ev.Data, &d)
			out = append(out, d)
		}
	}
	return out
}

// TestLinearTrainingPredictAndVersions: a linear model trained on
// y = 4 + 3a − 2b + noise lands within 0.05 of the coefficients; every
// epoch was reported; predictions single and batch; a second training is
// version 2 and version 1 stays usable.
func TestLinearTrainingPredictAndVersions(t *testing.T) {
	e := start(t)
	rng := rand.New(rand.NewPCG(1, 1))
	var rows []map[string]any
	for range 5000 {
		a, b := rng.NormFloat64()*10, rng.Float64()*50
		rows = append(rows, map[string]any{"a": a, "nested": map[string]any{"b": b}, "y": 4 + 3*a - 2*b + rng.NormFloat64()*0.2})
	}
	rows = append(rows, map[string]any{"a": "n/a", "nested": map[string]any{"b": 1}, "y": 1}) // skipped
	e.dataset(t, "sales", rows)
	u := e.train(t, "job-1", map[string]any{"name": "sales", "kind": "linear_regression", "dataset": "sales", "features": []string{"a", "nested.b"}, "target": "y"})
	if u.Status != grpcplugin.JobSucceeded {
		t.Fatalf("job: %+v", u)
	}
	prog := e.events("ml.training.progress")
	if len(prog) < 3 || prog[len(prog)-1]["status"] != "completed" {
		t.Fatalf("progress events = %v", prog)
	}
	for i, d := range prog[:len(prog)-1] {
		if d["epoch"] != float64(i+1) || d["loss"] == nil || d["metric_name"] != "r2" || d["elapsed_ms"] == nil {
			t.Fatalf("epoch event %d = %v", i, d)
		}
	}
	if first, last := prog[0]["loss"].(float64), prog[len(prog)-1]["loss"].(float64); last >= first {
		t.Fatalf("loss went from %v to %v", first, last)
	}
	upd := e.events("ml.model.update")
	if len(upd) != 1 || upd[0]["version"] != float64(1) || upd[0]["status"] != "registered" {
		t.Fatalf("ml.model.update = %v", upd)
	}
	desc := e.invoke(t, "model", map[string]any{"name": "sales"})
	m := desc["model"].(map[string]any)
	reg := m["regression"].(map[string]any)
	coef := reg["coefficients"].([]any)
	if math.Abs(coef[0].(float64)-3) > 0.05 || math.Abs(coef[1].(float64)+2) > 0.05 || math.Abs(reg["intercept"].(float64)-4) > 0.05 {
		t.Fatalf("fitted %v", reg)
	}
	if m["skipped"] != float64(1) || m["metrics"].(map[string]any)["r2"].(float64) < 0.99 || m["metrics"].(map[string]any)["measured_on"] != "validation" {
		t.Fatalf("model = %v", m)
	}
	one := e.invoke(t, "predict", map[string]any{"model": "sales", "row": map[string]any{"a": 1, "nested": map[string]any{"b": 2}}})
	if v := one["prediction"].(map[string]any)["value"].(float64); math.Abs(v-3) > 0.1 {
		t.Fatalf("predict = %v", one)
	}
	batch := e.invoke(t, "predict", map[string]any{"model": "sales", "rows": []map[string]any{{"a": 0, "nested": map[string]any{"b": 0}}, {"a": 1}}})
	ps := batch["predictions"].([]any)
	if batch["failed"] != float64(1) || ps[1].(map[string]any)["error"] == nil || math.Abs(ps[0].(map[string]any)["value"].(float64)-4) > 0.1 {
		t.Fatalf("batch = %v", batch)
	}
	if res := e.events("ml.prediction.result"); len(res) != 2 || res[1]["count"] != float64(2) {
		t.Fatalf("ml.prediction.result = %v", res)
	}
	if u := e.train(t, "job-2", map[string]any{"name": "sales", "kind": "linear_regression", "dataset": "sales", "features": []string{"a"}, "target": "y"}); u.Status != grpcplugin.JobSucceeded {
		t.Fatalf("second training: %+v", u)
	}
	desc = e.invoke(t, "model", map[string]any{"name": "sales"})
	if desc["model"].(map[string]any)["version"] != float64(2) || len(desc["versions"].([]any)) != 2 {
		t.Fatalf("after retraining: %v", desc)
	}
	v1 := e.invoke(t, "predict", map[string]any{"model": "sales", "version": 1, "row": map[string]any{"a": 1, "nested": map[string]any{"b": 2}}})
	if v1["version"] != float64(1) {
		t.Fatalf("version 1 = %v", v1)
	}
	list := e.invoke(t, "models", map[string]any{})
	if len(list["items"].([]any)) != 1 {
		t.Fatalf("models = %v", list)
	}
}

// TestLogisticAndKMeans: a logistic model with a string positive class,
// and k-means recovering planted clusters through the plugin.
func TestLogisticAndKMeans(t *testing.T) {
	e := start(t)
	rng := rand.New(rand.NewPCG(2, 2))
	var rows []map[string]any
	for range 8000 {
		x := rng.NormFloat64()
		label := "stayed"
		if rng.Float64() < 1/(1+math.Exp(-(0.5+2*x))) {
			label = "churned"
		}
		rows = append(rows, map[string]any{"x": x, "outcome": label})
	}
	e.dataset(t, "customers", rows)
	u := e.train(t, "job-log", map[string]any{"name": "churn", "kind": "logistic_regression", "dataset": "customers", "features": []string{"x"},
		"target": "outcome", "positive": "churned"})
	if u.Status != grpcplugin.JobSucceeded {
		t.Fatalf("job: %+v", u)
	}
	reg := e.invoke(t, "model", map[string]any{"name": "churn"})["model"].(map[string]any)["regression"].(map[string]any)
	if c := reg["coefficients"].([]any)[0].(float64); math.Abs(c-2) > 0.2 || math.Abs(reg["intercept"].(float64)-0.5) > 0.15 {
		t.Fatalf("fitted %v", reg)
	}
	p := e.invoke(t, "predict", map[string]any{"model": "churn", "row": map[string]any{"x": 3}})["prediction"].(map[string]any)
	if p["class"] != float64(1) || p["probability"].(float64) < 0.9 {
		t.Fatalf("prediction = %v", p)
	}

	centers := [][]float64{{0, 0}, {20, 5}, {5, 20}}
	rows = nil
	for _, c := range centers {
		for range 1000 {
			rows = append(rows, map[string]any{"x": c[0] + rng.NormFloat64(), "y": c[1] + rng.NormFloat64()})
		}
	}
	e.dataset(t, "points", rows)
	u = e.train(t, "job-km", map[string]any{"name": "segments", "kind": "kmeans", "dataset": "points", "features": []string{"x", "y"}, "params": map[string]any{"k": 3}})
	if u.Status != grpcplugin.JobSucceeded {
		t.Fatalf("job: %+v", u)
	}
	seen := map[float64]bool{}
	for _, c := range centers {
		p := e.invoke(t, "predict", map[string]any{"model": "segments", "row": map[string]any{"x": c[0], "y": c[1]}})["prediction"].(map[string]any)
		seen[p["cluster"].(float64)] = true
	}
	if len(seen) != 3 {
		t.Fatalf("the planted centers fell in clusters %v", seen)
	}
	// A k-means model needs its k; the job fails naming it.
	u = e.train(t, "job-bad", map[string]any{"name": "bad", "kind": "kmeans", "dataset": "points", "features": []string{"x"}})
	if u.Status != grpcplugin.JobFailed || u.ErrorCode != grpcplugin.CodeInvalidInput {
		t.Fatalf("job without k: %+v", u)
	}
}

// TestAnomalyAlerts: an anomaly model trained on a metric's history
// watches the live metric in the event stream and raises one alert each
// time the metric leaves its band.
func TestAnomalyAlerts(t *testing.T) {
	e := start(t)
	rng := rand.New(rand.NewPCG(3, 3))
	var rows []map[string]any
	for i := range 1000 {
		v := 50 + rng.NormFloat64()*2
		if i%200 == 7 {
			v = 95 // incidents in the history
		}
		rows = append(rows, map[string]any{"load": v})
	}
	e.dataset(t, "cpu", rows)
	u := e.train(t, "job-an", map[string]any{"name": "cpu", "kind": "anomaly", "dataset": "cpu", "features": []string{"load"},
		"live": map[string]any{"event_type": "custom.cpu", "field": "load"}})
	if u.Status != grpcplugin.JobSucceeded {
		t.Fatalf("job: %+v", u)
	}
	m := e.invoke(t, "model", map[string]any{"name": "cpu"})["model"].(map[string]any)["metrics"].(map[string]any)
	if math.Abs(m["center"].(float64)-50) > 0.5 || m["upper"].(float64) > 60 {
		t.Fatalf("band = %v", m)
	}
	time.Sleep(100 * time.Millisecond) // the watcher starts at the end of the history
	publish := func(v float64) {
		if _, err := e.h.Host.PublishEvent(e.acme, "api", "custom.cpu", map[string]any{"load": v}); err != nil {
			t.Fatal(err)
		}
	}
	alerts := func(n int) {
		t.Helper()
		deadline := time.Now().Add(5 * time.Second)
		for len(e.events("alert")) < n && time.Now().Before(deadline) {
			time.Sleep(10 * time.Millisecond)
		}
		time.Sleep(100 * time.Millisecond)
		if got := e.events("alert"); len(got) != n {
			t.Fatalf("%d alerts, want %d: %v", len(got), n, got)
		}
	}
	publish(51)
	publish(49)
	alerts(0)
	publish(80) // leaves the band
	publish(85) // still outside: no second alert
	alerts(1)
	a := e.events("alert")[0]
	if a["model"] != "cpu" || a["value"] != float64(80) || a["kind"] != "warning" || a["event_seq"] == nil {
		t.Fatalf("alert = %v", a)
	}
	publish(50) // back inside
	publish(20) // leaves it again, downwards
	alerts(2)
	obs := e.invoke(t, "observe", map[string]any{"model": "cpu", "values": []float64{50, 51, 99}})
	if obs["anomalies"] != float64(1) {
		t.Fatalf("observe = %v", obs)
	}
}

// TestCancelledTrainingRegistersNothing: a training cancelled after its
// first epoch stops within a second and registers no model.
func TestCancelledTrainingRegistersNothing(t *testing.T) {
	e := start(t)
	CancelScenario(t, e.h, e.acme, e.actor, func(rows []map[string]any) { e.dataset(t, "uniform", rows) })
}

// CancelScenario is the cancellation test, shared with the binary's test.
func CancelScenario(t *testing.T, h *sdktest.Harness, acme grpcplugin.Tenant, actor grpcplugin.Actor, load func([]map[string]any)) {
	rng := rand.New(rand.NewPCG(4, 4))
	rows := make([]map[string]any, 20000)
	for i := range rows {
		r := map[string]any{}
		for j := range 8 {
			r["f"+strconv.Itoa(j)] = rng.Float64()
		}
		rows[i] = r
	}
	load(rows)
	features := []string{"f0", "f1", "f2", "f3", "f4", "f5", "f6", "f7"}
	if err := h.StartJob(t.Context(), acme, actor, "job-cancel", "train", map[string]any{"name": "big", "kind": "kmeans", "dataset": "uniform",
		"features": features, "params": map[string]any{"k": 64, "max_epochs": 100000, "tolerance": 1e-300}}); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(t.Context(), 60*time.Second)
	defer cancel()
	if _, err := h.Host.WaitEvent(ctx, func(ev grpcplugin.Event) bool {
		return ev.Type == "ml.training.progress" && json.Valid(ev.Data) && string(ev.Data) != "" && containsEpoch(ev.Data)
	}); err != nil {
		t.Fatal(err)
	}
	began := time.Now()
	if err := h.Client.CancelJob(t.Context(), acme, "job-cancel"); err != nil {
		t.Fatal(err)
	}
	u, err := h.Host.WaitJob(ctx, acme, "job-cancel")
	if err != nil {
		t.Fatal(err)
	}
	took := time.Since(began)
	if u.Status != grpcplugin.JobCancelled || took > time.Second {
		t.Fatalf("job %s %v after the cancel", u.Status, took)
	}
	t.Logf("training stopped %v after the cancel", took.Round(time.Millisecond))
	if _, ok := h.Host.StateValue(acme, "model/big"); ok {
		t.Fatal("a cancelled training registered its model")
	}
	for _, ev := range h.Host.Events() {
		if ev.Type == "ml.model.update" {
			t.Fatalf("ml.model.update after a cancelled training: %s", ev.Data)
		}
	}
	var last map[string]any
	for _, ev := range h.Host.Events() {
		if ev.Type == "ml.training.progress" {
			_ = json.Unmarshal(ev.Data, &last)
		}
	}
	if last["status"] != "cancelled" {
		t.Fatalf("last progress = %v", last)
	}
}

func containsEpoch(raw []byte) bool {
	var d map[string]any
	_ = json.Unmarshal(raw, &d)
	return d["epoch"] == float64(1)
}
