package analyticsplugin_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"strconv"
	"testing"
	"time"

	"github.com/switchyard/switchyard/plugins/analytics/internal/analyticsplugin"
	"github.com/switchyard/switchyard/sdk/grpcplugin"
	"github.com/switchyard/switchyard/sdk/sdktest"
)

type env struct {
	h     *sdktest.Harness
	acme  grpcplugin.Tenant
	actor grpcplugin.Actor
}

func start(t *testing.T, config map[string]any) *env {
	t.Helper()
	p := analyticsplugin.New(analyticsplugin.Options{MinInterval: 10 * time.Millisecond})
	h := sdktest.Serve(t, p, sdktest.Options{})
	e := &env{h: h, acme: sdktest.Tenant("acme"), actor: grpcplugin.Actor{UserID: "u1", Role: "member"}}
	h.Host.Install(e.acme)
	if err := h.Install(t.Context(), e.acme, config); err != nil {
		t.Fatal(err)
	}
	return e
}

func (e *env) append(t *testing.T, dataset string, recs map[string]any) {
	t.Helper()
	var rs []grpcplugin.Record
	for k, v := range recs {
		raw, _ := json.Marshal(v)
		rs = append(rs, grpcplugin.Record{Key: k, Data: raw})
	}
	if _, err := e.h.Host.DatasetAppend(t.Context(), e.acme, dataset, rs); err != nil {
		t.Fatal(err)
	}
}

func (e *env) http(t *testing.T, method, path string, body any) (int, map[string]any) {
	t.Helper()
	req := &grpcplugin.HTTPRequest{Tenant: e.acme, Actor: e.actor, Method: method, Path: path, Header: http.Header{}}
	if body != nil {
		raw, _ := json.Marshal(body)
		req.Body, req.ContentLength = bytes.NewReader(raw), int64(len(raw))
	}
	resp, err := e.h.Client.RoundTrip(t.Context(), req)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = resp.Body.Close() }()
	raw, _ := io.ReadAll(resp.Body)
	var m map[string]any
	_ = json.Unmarshal(raw, &m)
	return resp.StatusCode, m
}

func errField(m map[string]any) string {
	e, _ := m["error"].(map[string]any)
	f, _ := e["field"].(string)
	return f
}

// TestQueryAndValidation: queries over a dataset through HTTP and
// actions, answers as computed here, and refusals naming the field.
func TestQueryAndValidation(t *testing.T) {
	e := start(t, map[string]any{"metrics_interval": "0s"})
	recs := map[string]any{}
	sum := map[string]float64{}
	for i := range 500 {
		c := []string{"FR", "DE"}[i%2]
		recs[strconv.Itoa(i)] = map[string]any{"country": c, "total": i, "day": "2026-01-0" + strconv.Itoa(1+i%3)}
		sum[c] += float64(i)
	}
	e.append(t, "orders", recs)
	status, ans := e.http(t, "POST", "/query", map[string]any{"source": "dataset:orders", "group_by": []string{"country"},
		"aggregations": []map[string]any{{"op": "sum", "field": "total"}, {"op": "count"}}})
	if status != 200 {
		t.Fatalf("query: %d %v", status, ans)
	}
	rows := ans["rows"].([]any)
	if len(rows) != 2 || rows[0].([]any)[1] != sum["DE"] || rows[1].([]any)[1] != sum["FR"] || rows[0].([]any)[2] != float64(250) {
		t.Fatalf("rows = %v, want DE %v FR %v", rows, sum["DE"], sum["FR"])
	}
	if src := ans["source"].(map[string]any); src["rows"] != float64(500) || src["complete"] != true {
		t.Fatalf("source = %v", src)
	}
	for _, tc := range []struct {
		q     map[string]any
		field string
	}{
		{map[string]any{"source": "dataset:orders", "aggregations": []map[string]any{{"op": "sum", "field": "country"}}}, "query.aggregations.0.field"},
		{map[string]any{"source": "dataset:orders", "aggregations": []map[string]any{{"op": "count"}}, "time": map[string]any{"field": "day", "bucket": "decade"}}, "query.time.bucket"},
		{map[string]any{"source": "dataset:orders", "aggregations": []map[string]any{{"op": "count"}}, "filters": []map[string]any{{"field": "nope", "op": "eq", "value": 1}}}, "query.filters.0.field"},
		{map[string]any{"source": "nowhere", "aggregations": []map[string]any{{"op": "count"}}}, "query.source"},
		{map[string]any{"source": "dataset:orders", "aggregations": []map[string]any{{"op": "count"}}, "extra": 1}, "query"},
	} {
		status, m := e.http(t, "POST", "/query", tc.q)
		if status != 400 || errField(m) != tc.field {
			t.Errorf("%v: %d %v, want 400 naming %s", tc.q, status, m, tc.field)
		}
	}
	if status, _ := e.http(t, "POST", "/query", map[string]any{"source": "dataset:missing", "aggregations": []map[string]any{{"op": "count"}}}); status != 404 {
		t.Fatalf("a missing dataset: %d", status)
	}
	// The same through the action, with the input schema applied first.
	out, err := e.h.Invoke(t.Context(), e.acme, e.actor, "query", map[string]any{"source": "dataset:orders",
		"time": map[string]any{"field": "day", "bucket": "day"}, "aggregations": []map[string]any{{"op": "count"}}})
	if err != nil || !bytes.Contains(out, []byte(`["2026-01-01T00:00:00Z",167]`)) {
		t.Fatalf("action: %s %v", out, err)
	}
	if _, err := e.h.Invoke(t.Context(), e.acme, e.actor, "query", map[string]any{"source": "dataset:orders"}); grpcplugin.CodeOf(err) != grpcplugin.CodeInvalidInput {
		t.Fatalf("no aggregations: %v", err)
	}
	status, src := e.http(t, "GET", "/sources", nil)
	if status != 200 || !bytes.Contains(mustJSON(src), []byte(`{"name":"total","type":"number"}`)) {
		t.Fatalf("sources: %d %v", status, src)
	}
}

func mustJSON(v any) []byte {
	b, _ := json.Marshal(v)
	return b
}

// TestPanelsAndLiveUpdates: a saved panel is pushed as analytics.update
// when its source gets new data, not otherwise.
func TestPanelsAndLiveUpdates(t *testing.T) {
	e := start(t, map[string]any{"refresh_interval": "20ms", "metrics_interval": "0s"})
	e.append(t, "signups", map[string]any{"a": map[string]any{"plan": "pro", "seats": 3}})
	status, bad := e.http(t, "POST", "/panels", map[string]any{"title": "Seats", "chart": "donut", "query": map[string]any{}})
	if status != 400 || errField(bad) != "chart" {
		t.Fatalf("bad chart: %d %v", status, bad)
	}
	status, bad = e.http(t, "POST", "/panels", map[string]any{"title": "Seats", "chart": "bar", "query": map[string]any{"source": "dataset:signups", "aggregations": []map[string]any{{"op": "sum", "field": "plan"}}}})
	if status != 400 || errField(bad) != "query.aggregations.0.field" {
		t.Fatalf("bad query: %d %v", status, bad)
	}
	status, pn := e.http(t, "POST", "/panels", map[string]any{"title": "Seats by plan", "chart": "bar",
		"query": map[string]any{"source": "dataset:signups", "group_by": []string{"plan"}, "aggregations": []map[string]any{{"op": "sum", "field": "seats", "as": "seats"}}}})
	if status != 201 {
		t.Fatalf("save: %d %v", status, pn)
	}
	id := pn["id"].(string)
	update := func(seats float64) {
		t.Helper()
		ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
		defer cancel()
		_, err := e.h.Host.WaitEvent(ctx, func(ev grpcplugin.Event) bool {
			if ev.Type != "analytics.update" {
				return false
			}
			var d struct {
				PanelID string  `json:"panel_id"`
				Rows    [][]any `json:"rows"`
			}
			_ = json.Unmarshal(ev.Data, &d)
			return d.PanelID == id && len(d.Rows) > 0 && d.Rows[len(d.Rows)-1][1] == seats
		})
		if err != nil {
			t.Fatalf("no analytics.update with %v seats: %v", seats, err)
		}
	}
	update(3)
	e.append(t, "signups", map[string]any{"b": map[string]any{"plan": "pro", "seats": 4}})
	update(7)
	// Nothing new: no more updates.
	n := count(e, "analytics.update")
	time.Sleep(200 * time.Millisecond)
	if m := count(e, "analytics.update"); m != n {
		t.Fatalf("%d updates without new data", m-n)
	}
	status, data := e.http(t, "GET", "/panels/"+id+"/data", nil)
	if status != 200 || data["rows"].([]any)[0].([]any)[1] != float64(7) {
		t.Fatalf("panel data: %d %v", status, data)
	}
	status, list := e.http(t, "GET", "/panels", nil)
	if status != 200 || len(list["items"].([]any)) != 1 {
		t.Fatalf("panels: %d %v", status, list)
	}
	if status, _ := e.http(t, "DELETE", "/panels/"+id, nil); status != 204 {
		t.Fatalf("delete: %d", status)
	}
	if status, _ := e.http(t, "GET", "/panels/"+id, nil); status != 404 {
		t.Fatalf("deleted panel: %d", status)
	}
}

func count(e *env, typ string) int {
	n := 0
	for _, ev := range e.h.Host.Events() {
		if ev.Type == typ {
			n++
		}
	}
	return n
}

// TestEventStream: the organization's own events are a source; events
// addressed to no one in particular are counted and their data queried.
func TestEventStream(t *testing.T) {
	e := start(t, map[string]any{"metrics_interval": "0s"})
	want := map[string]float64{}
	for i := range 300 {
		typ := []string{"custom.checkout", "custom.signup", "custom.checkout"}[i%3]
		if _, err := e.h.Host.PublishEvent(e.acme, "api", typ, map[string]any{"value": i, "region": "eu"}); err != nil {
			t.Fatal(err)
		}
		want[typ] += float64(i)
	}
	status, ans := e.http(t, "POST", "/query", map[string]any{"source": "events", "filters": []map[string]any{{"field": "type", "op": "prefix", "value": "custom."}},
		"group_by": []string{"type"}, "aggregations": []map[string]any{{"op": "count"}, {"op": "sum", "field": "data.value"}}})
	if status != 200 {
		t.Fatalf("%d %v", status, ans)
	}
	rows := ans["rows"].([]any)
	if len(rows) != 2 || rows[0].([]any)[2] != want["custom.checkout"] || rows[1].([]any)[2] != want["custom.signup"] || rows[0].([]any)[1] != float64(200) {
		t.Fatalf("rows = %v, want %v", rows, want)
	}
	// Later events arrive incrementally.
	_, _ = e.h.Host.PublishEvent(e.acme, "api", "custom.signup", map[string]any{"value": 1000})
	_, ans = e.http(t, "POST", "/query", map[string]any{"source": "events", "filters": []map[string]any{{"field": "type", "op": "eq", "value": "custom.signup"}},
		"aggregations": []map[string]any{{"op": "count"}, {"op": "max", "field": "data.value"}}})
	if r := ans["rows"].([]any)[0].([]any); r[0] != float64(101) || r[1] != float64(1000) {
		t.Fatalf("after one more event: %v", r)
	}
}

// TestMetricsUpdate: usage is read on the metrics interval; the event
// rate counts the organization's events, not the plugin's own; an update
// goes out only when a figure changed.
func TestMetricsUpdate(t *testing.T) {
	e := start(t, map[string]any{"metrics_interval": "100ms", "refresh_interval": "1h"})
	e.h.Host.SetUsage(e.acme, grpcplugin.Usage{Sockets: 3, JobsRunning: 1, FilesBytes: 2048})
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
	defer cancel()
	first, err := e.h.Host.WaitEvent(ctx, func(ev grpcplugin.Event) bool {
		var m analyticsplugin.Metrics
		_ = json.Unmarshal(ev.Data, &m)
		return ev.Type == "metrics.update" && m.Sockets == 3
	})
	if err != nil {
		t.Fatal(err)
	}
	var m analyticsplugin.Metrics
	_ = json.Unmarshal(first.Data, &m)
	if m.Sockets != 3 || m.JobsRunning != 1 || m.Storage.FilesBytes != 2048 {
		t.Fatalf("metrics = %+v", m)
	}
	for range 50 {
		_, _ = e.h.Host.PublishEvent(e.acme, "api", "custom.tick", map[string]any{})
	}
	e.h.Host.SetUsage(e.acme, grpcplugin.Usage{Sockets: 4, JobsRunning: 1, FilesBytes: 2048})
	ev, err := e.h.Host.WaitEvent(ctx, func(ev grpcplugin.Event) bool {
		var m analyticsplugin.Metrics
		_ = json.Unmarshal(ev.Data, &m)
		return ev.Type == "metrics.update" && m.Sockets == 4
	})
	if err != nil {
		t.Fatal(err)
	}
	_ = json.Unmarshal(ev.Data, &m)
	if m.EventsPerSec <= 0 {
		t.Fatalf("events/s = %v after 50 events", m.EventsPerSec)
	}
	// Quiet: no update while nothing changes (the rate falls to 0 once,
	// then stays).
	time.Sleep(400 * time.Millisecond)
	n := count(e, "metrics.update")
	time.Sleep(400 * time.Millisecond)
	if m := count(e, "metrics.update"); m != n {
		t.Fatalf("%d metrics.update without a change", m-n)
	}
	// The samples are a source too.
	_, ans := e.http(t, "POST", "/query", map[string]any{"source": "metrics", "aggregations": []map[string]any{{"op": "max", "field": "sockets"}, {"op": "count"}}})
	if r := ans["rows"].([]any)[0].([]any); r[0] != float64(4) || r[1].(float64) < 3 {
		t.Fatalf("metrics source: %v", r)
	}
}
