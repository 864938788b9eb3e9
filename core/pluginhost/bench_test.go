package pluginhost_test

import (
	"context"
	"encoding/json"
	"sort"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/switchyard/switchyard/core/events"
	"github.com/switchyard/switchyard/core/jobs"
	"github.com/switchyard/switchyard/core/pluginhost"
	"github.com/switchyard/switchyard/core/store"
	"github.com/switchyard/switchyard/sdk/grpcplugin"
)

// discard accepts every event without storing it: the host's own cost.
type discard struct{}

func (discard) Publish(_ context.Context, _ string, d []events.Draft) ([]events.Event, error) {
	return make([]events.Event, len(d)), nil
}
func (discard) Dropped(string, int) {}

// BenchmarkEmitThroughput measures the events per second the host accepts
// from one plugin process: the echo plugin's count job publishes 100,000
// sync.update events through the sdk's batching Publisher, and every event
// is checked (tenant installed, type declared, size, well-formed, the
// organization's rate quota). journal=sqlite publishes into the real
// events service (group-committed SQL journal on SQLite, synchronous=FULL);
// journal=postgres the same on PostgreSQL (when
// SWITCHYARD_TEST_POSTGRES_URL is set); journal=none stops at the host.
func BenchmarkEmitThroughput(b *testing.B) {
	const perJob = 100_000
	sinks := map[string]func(*store.DB, *prometheus.Registry) pluginhost.EventSink{
		"none": func(*store.DB, *prometheus.Registry) pluginhost.EventSink { return discard{} },
		"sqlite": func(db *store.DB, reg *prometheus.Registry) pluginhost.EventSink {
			j := events.NewSQLJournal(db.DB)
			b.Cleanup(func() { _ = j.Close() })
			return events.NewService(j, db.DB, events.Config{RatePerSec: func(string) int { return 10_000_000 }}, quietLog(), reg)
		},
	}
	for _, name := range []string{"none", "sqlite", "postgres"} {
		b.Run("journal="+name, func(b *testing.B) {
			engine := store.SQLite
			mk := sinks[name]
			if name == "postgres" {
				engine, mk = store.Postgres, sinks["sqlite"]
			}
			e := newEnvOn(b, engine, pluginhost.Config{}, mk)
			bin, sum := copyBinary(b, bins.echo)
			e.attach(b, e.acme, "echo", "1.0.0", bin, sum, `{}`)
			var total time.Duration
			b.ResetTimer()
			for range b.N {
				began := time.Now()
				j, err := e.jobs.Start(context.Background(), jobs.StartRequest{Tenant: e.acme, Plugin: "echo", Kind: "count",
					Input: json.RawMessage(`{"n":100000}`), CreatedBy: "bench"})
				if err != nil {
					b.Fatal(err)
				}
				for {
					got, err := e.jobs.Get(context.Background(), e.acme.ID, j.ID)
					if err != nil {
						b.Fatal(err)
					}
					if got.Status == jobs.Succeeded {
						break
					}
					if got.Status.Terminal() {
						b.Fatalf("job %s: %s", got.Status, got.Error)
					}
					time.Sleep(20 * time.Millisecond) // polling is the benchmark's cost, not the host's
				}
				total += time.Since(began)
			}
			b.StopTimer()
			if got := counter(b, e.reg, "switchyard_plugin_events_accepted_total", nil); got != float64(perJob*b.N) {
				b.Fatalf("accepted %v events, want %d", got, perJob*b.N)
			}
			b.ReportMetric(float64(perJob*b.N)/total.Seconds(), "events/s")
		})
	}
}

// BenchmarkInvoke measures an action's round trip through the host:
// routing, the input's schema check, gRPC over AutoMTLS to the echo
// process and back.
func BenchmarkInvoke(b *testing.B) {
	e := newEnv(b, pluginhost.Config{})
	bin, sum := copyBinary(b, bins.echo)
	e.attach(b, e.acme, "echo", "1.0.0", bin, sum, `{"greeting":"Hi"}`)
	in := json.RawMessage(`{"message":"hello"}`)
	actor := grpcplugin.Actor{UserID: "u1", Role: "member"}
	durations := make([]time.Duration, 0, b.N)
	b.ResetTimer()
	for range b.N {
		began := time.Now()
		if _, err := e.m.Invoke(context.Background(), e.acme.ID, "echo", actor, "echo", in); err != nil {
			b.Fatal(err)
		}
		durations = append(durations, time.Since(began))
	}
	b.StopTimer()
	reportPercentiles(b, durations, time.Microsecond, "µs")
}

// BenchmarkColdStart measures a plugin's start to ready: process launch,
// checksum, handshake, AutoMTLS, Init, manifest and the organization's
// Configure (Attach of a version not running yet).
func BenchmarkColdStart(b *testing.B) {
	e := newEnv(b, pluginhost.Config{})
	bin, sum := copyBinary(b, bins.echo)
	durations := make([]time.Duration, 0, b.N)
	b.ResetTimer()
	for range b.N {
		began := time.Now()
		e.attach(b, e.acme, "echo", "1.0.0", bin, sum, `{}`)
		durations = append(durations, time.Since(began))
		b.StopTimer()
		if err := e.m.Detach(context.Background(), e.acme.ID, "echo"); err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
	}
	b.StopTimer()
	reportPercentiles(b, durations, time.Millisecond, "ms")
}

func reportPercentiles(b *testing.B, d []time.Duration, unit time.Duration, name string) {
	if len(d) == 0 {
		return
	}
	sort.Slice(d, func(i, j int) bool { return d[i] < d[j] })
	at := func(p float64) float64 { return float64(d[int(float64(len(d)-1)*p)]) / float64(unit) }
	b.ReportMetric(at(0.50), "p50-"+name)
	b.ReportMetric(at(0.99), "p99-"+name)
}
