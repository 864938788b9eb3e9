package sdk_test

import (
	"encoding/json"
	"slices"
	"testing"
	"time"

	"github.com/switchyard/switchyard/sdk"
	"github.com/switchyard/switchyard/sdk/sdktest"
)

// BenchmarkPublish measures events per second from a plugin's Publisher
// through the in-process harness (gRPC over a local socket, the host
// adapter's checks) into the RecordingHost. The core must take at least
// 50,000 events/s from one plugin process.
func BenchmarkPublish(b *testing.B) {
	ch := make(chan *sdk.Host, 1)
	h := serve(b, &basePlugin{manifest: manifest(), host: ch}, sdktest.Options{})
	h.Host.SetMaxEvents(10_000)
	host := hostOf(b, ch)
	ctx := testCtx(b)
	pub := host.NewPublisher(ctx, sdk.PublisherOptions{})
	data := map[string]any{"task_id": "t1", "status": "running", "progress": 42, "processed_items": 420, "total_items": 1000}
	b.ReportAllocs()
	b.ResetTimer()
	start := time.Now()
	for i := 0; i < b.N; i++ {
		if err := pub.Publish(ctx, acme, sdk.Event{Type: "test.event", Data: data}); err != nil {
			b.Fatal(err)
		}
	}
	if err := pub.Flush(ctx); err != nil {
		b.Fatal(err)
	}
	elapsed := time.Since(start)
	b.StopTimer()
	if got := h.Host.EventCount(); got != b.N {
		b.Fatalf("host received %d events, want %d", got, b.N)
	}
	b.ReportMetric(float64(b.N)/elapsed.Seconds(), "events/s")
	_ = pub.Close(ctx)
}

// BenchmarkInvoke measures one Invoke round trip (core client to plugin and
// back, input schema checked) and reports its median and 99th percentile.
func BenchmarkInvoke(b *testing.B) {
	p := &basePlugin{manifest: manifest(sdk.Action{
		Name:  "echo",
		Input: json.RawMessage(`{"type":"object","properties":{"message":{"type":"string"}},"required":["message"]}`),
	})}
	h := serve(b, p, sdktest.Options{})
	ctx := testCtx(b)
	input := json.RawMessage(`{"message":"hello"}`)
	durations := make([]time.Duration, 0, b.N)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		start := time.Now()
		if _, err := h.Invoke(ctx, acme, alice, "echo", input); err != nil {
			b.Fatal(err)
		}
		durations = append(durations, time.Since(start))
	}
	b.StopTimer()
	slices.Sort(durations)
	b.ReportMetric(float64(durations[len(durations)/2].Microseconds()), "p50-µs")
	b.ReportMetric(float64(durations[len(durations)*99/100].Microseconds()), "p99-µs")
}
