package main

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"strconv"
	"testing"
	"time"

	"github.com/switchyard/switchyard/sdk/grpcplugin"
	"github.com/switchyard/switchyard/sdk/sdktest"
)

var binary string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "ml-plugin-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	binary, err = sdktest.Build(ctx, ".", dir)
	cancel()
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	code := m.Run()
	_ = os.RemoveAll(dir)
	os.Exit(code)
}

func appendRows(t *testing.T, h *sdktest.RecordingHost, tenant grpcplugin.Tenant, dataset string, rows []map[string]any) {
	t.Helper()
	recs := make([]grpcplugin.Record, 0, 1000)
	for i, r := range rows {
		raw, _ := json.Marshal(r)
		recs = append(recs, grpcplugin.Record{Key: strconv.Itoa(1_000_000 + i), Data: raw})
		if len(recs) == cap(recs) || i == len(rows)-1 {
			if _, err := h.DatasetAppend(t.Context(), tenant, dataset, recs); err != nil {
				t.Fatal(err)
			}
			recs = recs[:0]
		}
	}
}

// TestBinary: through the plugin process as the core runs it, a linear
// model is trained (coefficients within 0.05 of the truth) and predicts;
// a k-means training cancelled after its first epoch stops within a second
// and registers nothing.
func TestBinary(t *testing.T) {
	host := sdktest.NewRecordingHost()
	acme := sdktest.Tenant("acme")
	host.Install(acme)
	rng := rand.New(rand.NewPCG(9, 9))
	var rows []map[string]any
	for range 10_000 {
		a, b := rng.NormFloat64(), rng.NormFloat64()*3
		rows = append(rows, map[string]any{"a": a, "b": b, "y": -1 + 0.5*a + 7*b + rng.NormFloat64()*0.1})
	}
	appendRows(t, host, acme, "linear", rows)
	rows = make([]map[string]any, 20_000)
	for i := range rows {
		r := map[string]any{}
		for j := range 8 {
			r["f"+strconv.Itoa(j)] = rng.Float64()
		}
		rows[i] = r
	}
	appendRows(t, host, acme, "uniform", rows)

	h, err := sdktest.StartBinary(t.Context(), binary, sdktest.Options{Host: host})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = h.Close() })
	if err := h.Install(t.Context(), acme, map[string]any{}); err != nil {
		t.Fatal(err)
	}
	actor := grpcplugin.Actor{UserID: "u1", Role: "member"}
	ctx, cancel := context.WithTimeout(t.Context(), 90*time.Second)
	defer cancel()

	if err := h.StartJob(ctx, acme, actor, "lin", "train", map[string]any{"name": "lin", "kind": "linear_regression", "dataset": "linear",
		"features": []string{"a", "b"}, "target": "y"}); err != nil {
		t.Fatal(err)
	}
	if u, err := host.WaitJob(ctx, acme, "lin"); err != nil || u.Status != grpcplugin.JobSucceeded {
		t.Fatalf("training: %+v %v", u, err)
	}
	out, err := h.Invoke(ctx, acme, actor, "model", map[string]any{"name": "lin"})
	if err != nil {
		t.Fatal(err)
	}
	var desc struct {
		Model struct {
			Regression struct {
				Intercept    float64   `json:"intercept"`
				Coefficients []float64 `json:"coefficients"`
			} `json:"regression"`
		} `json:"model"`
	}
	_ = json.Unmarshal(out, &desc)
	r := desc.Model.Regression
	if math.Abs(r.Intercept+1) > 0.05 || math.Abs(r.Coefficients[0]-0.5) > 0.05 || math.Abs(r.Coefficients[1]-7) > 0.05 {
		t.Fatalf("fitted %+v", r)
	}
	out, err = h.Invoke(ctx, acme, actor, "predict", map[string]any{"model": "lin", "row": map[string]any{"a": 2, "b": 1}})
	if err != nil {
		t.Fatal(err)
	}
	var pred struct {
		Prediction struct{ Value float64 } `json:"prediction"`
	}
	_ = json.Unmarshal(out, &pred)
	if math.Abs(pred.Prediction.Value-7) > 0.1 {
		t.Fatalf("predict = %s", out)
	}

	if err := h.StartJob(ctx, acme, actor, "big", "train", map[string]any{"name": "big", "kind": "kmeans", "dataset": "uniform",
		"features": []string{"f0", "f1", "f2", "f3", "f4", "f5", "f6", "f7"}, "params": map[string]any{"k": 64, "max_epochs": 100000, "tolerance": 1e-300}}); err != nil {
		t.Fatal(err)
	}
	if _, err := host.WaitEvent(ctx, func(ev grpcplugin.Event) bool {
		var d map[string]any
		_ = json.Unmarshal(ev.Data, &d)
		return ev.Type == "ml.training.progress" && d["job_id"] == "big" && d["epoch"] == float64(1)
	}); err != nil {
		t.Fatal(err)
	}
	began := time.Now()
	if err := h.Client.CancelJob(ctx, acme, "big"); err != nil {
		t.Fatal(err)
	}
	u, err := host.WaitJob(ctx, acme, "big")
	took := time.Since(began)
	if err != nil || u.Status != grpcplugin.JobCancelled || took > time.Second {
		t.Fatalf("cancelled job: %+v %v after %v", u, err, took)
	}
	t.Logf("the plugin process stopped the training %v after the cancel", took.Round(time.Millisecond))
	if _, ok := host.StateValue(acme, "model/big"); ok {
		t.Fatal("a cancelled training registered its model")
	}
	for _, ev := range host.Events() {
		if ev.Type == "ml.model.update" && json.Valid(ev.Data) {
			var d map[string]any
			_ = json.Unmarshal(ev.Data, &d)
			if d["name"] == "big" {
				t.Fatalf("ml.model.update for the cancelled training: %s", ev.Data)
			}
		}
	}
}
