package main

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/switchyard/switchyard/sdk"
	"github.com/switchyard/switchyard/sdk/grpcplugin"
	"github.com/switchyard/switchyard/sdk/sdktest"
)

// exercise runs the same scenario against a harness, in-process or not.
func exercise(t *testing.T, h *sdktest.Harness) {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
	defer cancel()
	acme := sdktest.Tenant("acme")
	alice := grpcplugin.Actor{UserID: "u-alice", Role: "member"}

	if err := h.Install(ctx, acme, map[string]string{"greeting": "Howdy"}); err != nil {
		t.Fatalf("install: %v", err)
	}

	t.Run("echo", func(t *testing.T) {
		out, err := h.Invoke(ctx, acme, alice, "echo", map[string]string{"message": "hi"})
		if err != nil {
			t.Fatalf("invoke: %v", err)
		}
		var got map[string]string
		if err := json.Unmarshal(out, &got); err != nil {
			t.Fatal(err)
		}
		if got["message"] != "hi" || got["greeting"] != "Howdy" {
			t.Fatalf("output = %s", out)
		}
	})

	t.Run("input schema enforced", func(t *testing.T) {
		_, err := h.Invoke(ctx, acme, alice, "echo", map[string]any{"message": 42})
		if !errors.Is(err, grpcplugin.ErrInvalidInput) {
			t.Fatalf("err = %v, want ErrInvalidInput", err)
		}
	})

	t.Run("bad config refused", func(t *testing.T) {
		err := h.Client.Configure(ctx, acme, json.RawMessage(`{"greeting":7}`))
		if !errors.Is(err, grpcplugin.ErrInvalidInput) {
			t.Fatalf("err = %v, want ErrInvalidInput", err)
		}
	})

	t.Run("count job", func(t *testing.T) {
		if err := h.StartJob(ctx, acme, alice, "job-1", "count", map[string]int{"n": 20}); err != nil {
			t.Fatalf("start: %v", err)
		}
		final, err := h.Host.WaitJob(ctx, acme, "job-1")
		if err != nil {
			t.Fatal(err)
		}
		if final.Status != grpcplugin.JobSucceeded || final.Progress != 100 || final.ProcessedItems != 20 || string(final.Result) != `{"counted":20}` {
			t.Fatalf("final = %+v (result %s)", final, final.Result)
		}
		updates := h.Host.JobUpdates(acme, "job-1")
		if updates[0].Status != grpcplugin.JobRunning {
			t.Fatalf("first update = %+v, want running", updates[0])
		}
		n := 0
		for _, e := range h.Host.Events() {
			if e.Type == "sync.update" && e.Tenant == acme {
				n++
			}
		}
		if n != 20 {
			t.Fatalf("sync.update events = %d, want 20", n)
		}
	})

	t.Run("http", func(t *testing.T) {
		var w responseRecorder
		err := h.Client.ServeHTTP(ctx, &w, &grpcplugin.HTTPRequest{
			Tenant: acme, Actor: alice, Method: http.MethodGet, Path: "/hello", RawQuery: "name=Bob",
		})
		if err != nil {
			t.Fatal(err)
		}
		if w.status != http.StatusOK || w.body.String() != "Howdy, Bob of acme\n" {
			t.Fatalf("got %d %q", w.status, w.body.String())
		}
		resp, err := h.Client.RoundTrip(ctx, &grpcplugin.HTTPRequest{
			Tenant: acme, Actor: alice, Method: http.MethodPost, Path: "/upload",
			Body: strings.NewReader(strings.Repeat("x", 100_000)), ContentLength: 100_000,
		})
		if err != nil {
			t.Fatal(err)
		}
		defer func() { _ = resp.Body.Close() }()
		body, _ := io.ReadAll(resp.Body)
		if resp.StatusCode != http.StatusOK || strings.TrimSpace(string(body)) != `{"bytes":100000}` {
			t.Fatalf("upload: %d %s", resp.StatusCode, body)
		}
	})

	t.Run("unknown tenant refused", func(t *testing.T) {
		_, err := h.Invoke(ctx, sdktest.Tenant("other"), alice, "echo", map[string]string{"message": "x"})
		if !errors.Is(err, grpcplugin.ErrUnavailable) {
			t.Fatalf("err = %v, want ErrUnavailable", err)
		}
	})
}

func TestEchoInProcess(t *testing.T) {
	exercise(t, sdktest.Serve(t, &echo{}, sdktest.Options{}))
}

func TestEchoBinary(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the plugin binary; skipped with -short")
	}
	exercise(t, sdktest.ServeBinary(t, ".", sdktest.Options{}))
}

func TestManifestValid(t *testing.T) {
	if _, err := sdk.NewServer(&echo{}, sdk.ServeOpts{}); err != nil {
		t.Fatal(err)
	}
}

type responseRecorder struct {
	header http.Header
	status int
	body   strings.Builder
}

func (r *responseRecorder) Header() http.Header {
	if r.header == nil {
		r.header = make(http.Header)
	}
	return r.header
}
func (r *responseRecorder) WriteHeader(code int)        { r.status = code }
func (r *responseRecorder) Write(p []byte) (int, error) { return r.body.Write(p) }

// BenchmarkBinaryJobEvents runs the plugin as a separate process (AutoMTLS,
// as the core runs it) and measures the events per second its count job
// publishes into the RecordingHost, one sync.update per step.
func BenchmarkBinaryJobEvents(b *testing.B) {
	const perJob = 20_000
	h := sdktest.ServeBinary(b, ".", sdktest.Options{})
	h.Host.SetMaxEvents(10_000)
	ctx := b.Context()
	acme := sdktest.Tenant("acme")
	if err := h.Install(ctx, acme, map[string]string{}); err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	start := time.Now()
	for i := 0; i < b.N; i++ {
		id := "bench-" + strings.Repeat("x", i%3) + time.Now().Format("150405.000000000")
		if err := h.StartJob(ctx, acme, grpcplugin.Actor{}, id, "count", map[string]int{"n": perJob}); err != nil {
			b.Fatal(err)
		}
		if u, err := h.Host.WaitJob(ctx, acme, id); err != nil || u.Status != grpcplugin.JobSucceeded {
			b.Fatalf("job: %+v, %v", u, err)
		}
	}
	elapsed := time.Since(start)
	b.ReportMetric(float64(b.N*perJob)/elapsed.Seconds(), "events/s")
}

// BenchmarkBinaryInvoke measures an Invoke round trip to a plugin process
// over AutoMTLS.
func BenchmarkBinaryInvoke(b *testing.B) {
	h := sdktest.ServeBinary(b, ".", sdktest.Options{})
	ctx := b.Context()
	acme := sdktest.Tenant("acme")
	if err := h.Install(ctx, acme, map[string]string{}); err != nil {
		b.Fatal(err)
	}
	input := json.RawMessage(`{"message":"hello"}`)
	durations := make([]time.Duration, 0, b.N)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		start := time.Now()
		if _, err := h.Invoke(ctx, acme, grpcplugin.Actor{UserID: "u1"}, "echo", input); err != nil {
			b.Fatal(err)
		}
		durations = append(durations, time.Since(start))
	}
	b.StopTimer()
	slices.Sort(durations)
	b.ReportMetric(float64(durations[len(durations)/2].Microseconds()), "p50-µs")
	b.ReportMetric(float64(durations[len(durations)*99/100].Microseconds()), "p99-µs")
}
