package main

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"slices"
	"sort"
	"strconv"
	"testing"
	"time"

	"github.com/switchyard/switchyard/sdk/grpcplugin"
	"github.com/switchyard/switchyard/sdk/sdktest"
)

var binary string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "analytics-plugin-")
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

type order struct {
	Region string  `json:"region"`
	Amount float64 `json:"amount"`
	At     string  `json:"at"`
}

// TestDatasetThroughBinary: the plugin process copies a dataset of
// 1,000,000 records from the host through the change feed and answers
// queries over it as computed here; records written later (new and
// updated) are in the next answer.
func TestDatasetThroughBinary(t *testing.T) {
	const n = 1_000_000
	host := sdktest.NewRecordingHost()
	acme := sdktest.Tenant("acme")
	host.Install(acme)
	regions := []string{"emea", "amer", "apac"}
	orders := make([]order, n)
	start := time.Date(2026, 5, 1, 0, 0, 0, 0, time.UTC)
	recs := make([]grpcplugin.Record, 0, 10_000)
	for i := range n {
		orders[i] = order{Region: regions[i%3], Amount: float64(i%1000) / 4, At: start.Add(time.Duration(i) * time.Second).Format(time.RFC3339)}
		raw, _ := json.Marshal(orders[i])
		recs = append(recs, grpcplugin.Record{Key: strconv.Itoa(i), Data: raw})
		if len(recs) == cap(recs) {
			if _, err := host.DatasetAppend(t.Context(), acme, "orders", recs); err != nil {
				t.Fatal(err)
			}
			recs = recs[:0]
		}
	}
	h, err := sdktest.StartBinary(t.Context(), binary, sdktest.Options{Host: host})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = h.Close() })
	if err := h.Install(t.Context(), acme, map[string]any{"metrics_interval": "0s"}); err != nil {
		t.Fatal(err)
	}
	actor := grpcplugin.Actor{UserID: "u1", Role: "member"}
	query := func(q string) map[string]any {
		t.Helper()
		deadline := time.Now().Add(2 * time.Minute)
		for {
			out, err := h.Invoke(t.Context(), acme, actor, "query", json.RawMessage(q))
			if err != nil {
				t.Fatal(err)
			}
			var ans map[string]any
			_ = json.Unmarshal(out, &ans)
			if ans["source"].(map[string]any)["complete"] == true {
				return ans
			}
			if time.Now().After(deadline) {
				t.Fatalf("the dataset never finished loading: %v", ans["source"])
			}
		}
	}
	began := time.Now()
	q := `{"source":"dataset:orders","group_by":["region"],"aggregations":[{"op":"count"},{"op":"sum","field":"amount"},{"op":"percentile","field":"amount","p":75}]}`
	ans := query(q)
	t.Logf("1,000,000 records loaded and queried in %v; the query itself took %v ms", time.Since(began).Round(time.Millisecond), ans["took_ms"])
	check := func(ans map[string]any) {
		t.Helper()
		type agg struct {
			n    int
			sum  float64
			vals []float64
		}
		want := map[string]*agg{}
		for _, o := range orders {
			a := want[o.Region]
			if a == nil {
				a = &agg{}
				want[o.Region] = a
			}
			a.n++
			a.sum += o.Amount
			a.vals = append(a.vals, o.Amount)
		}
		rows := ans["rows"].([]any)
		if len(rows) != len(want) {
			t.Fatalf("rows = %v", rows)
		}
		for _, r := range rows {
			r := r.([]any)
			a := want[r[0].(string)]
			sort.Float64s(a.vals)
			h := float64(len(a.vals)-1) * 0.75
			lo := int(h)
			p75 := a.vals[len(a.vals)-1]
			if lo+1 < len(a.vals) {
				p75 = a.vals[lo] + (h-float64(lo))*(a.vals[lo+1]-a.vals[lo])
			}
			if r[1].(float64) != float64(a.n) || math.Abs(r[2].(float64)-a.sum) > 1e-6 || math.Abs(r[3].(float64)-p75) > 1e-9 {
				t.Fatalf("%v, want count %d sum %v p75 %v", r, a.n, a.sum, p75)
			}
		}
	}
	check(ans)

	// New and updated records reach the next query through the feed.
	orders = append(orders, order{Region: "mars", Amount: 1000, At: start.Format(time.RFC3339)})
	orders[5].Amount, orders[5].Region = 5000, "apac"
	var upd []grpcplugin.Record
	for _, i := range []int{n, 5} {
		raw, _ := json.Marshal(orders[i])
		upd = append(upd, grpcplugin.Record{Key: strconv.Itoa(i), Data: raw})
	}
	if _, err := host.DatasetAppend(t.Context(), acme, "orders", upd); err != nil {
		t.Fatal(err)
	}
	check(query(q))

	// A time-bucketed query, checked here too.
	ans = query(`{"source":"dataset:orders","time":{"field":"at","bucket":"day","to":"2026-05-04T00:00:00Z"},"aggregations":[{"op":"count"},{"op":"max","field":"amount"}]}`)
	rows := ans["rows"].([]any)
	wantDays := map[string][]float64{}
	for _, o := range orders {
		if o.At < "2026-05-04" {
			wantDays[o.At[:10]+"T00:00:00Z"] = append(wantDays[o.At[:10]+"T00:00:00Z"], o.Amount)
		}
	}
	if len(rows) != len(wantDays) {
		t.Fatalf("days = %v", rows)
	}
	for _, r := range rows {
		r := r.([]any)
		v := wantDays[r[0].(string)]
		if r[1].(float64) != float64(len(v)) || r[2].(float64) != slices.Max(v) {
			t.Fatalf("day %v, want %d rows max %v", r, len(v), slices.Max(v))
		}
	}
}
