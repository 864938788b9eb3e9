package events_test

import (
	"context"
	"encoding/json"
	"fmt"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/switchyard/switchyard/core/events"
	"github.com/switchyard/switchyard/core/store"
	"github.com/switchyard/switchyard/core/store/storetest"
)

// BenchmarkSQLJournalAppend measures the SQL journal's group commit in two
// shapes: four writers appending batches of 100 events (the size the
// plugin SDK's Publisher sends) to one organization, and eight writers
// appending one event at a time, each to an organization of its own (the
// publish API's shape, where groups are small). Besides events/s it
// reports the process's CPU time per event, a figure that holds up better
// than throughput on a shared machine.
func BenchmarkSQLJournalAppend(b *testing.B) {
	for _, engine := range storetest.Engines() {
		b.Run(string(engine), func(b *testing.B) { benchAppend(b, storetest.Open(b, engine), 4, 100, 1) })
		b.Run(string(engine)+"/single", func(b *testing.B) { benchAppend(b, storetest.Open(b, engine), 8, 1, 8) })
	}
}

// benchAppend runs writers appending batches of batch events; writer w
// appends to organization w % orgs.
func benchAppend(b *testing.B, db *store.DB, writers, batch, orgs int) {
	{
		for o := range orgs {
			seedOrg(b, db, fmt.Sprint("bench-", o))
		}
		j := events.NewSQLJournal(db.DB)
		b.Cleanup(func() { _ = j.Close() })
		ds := make([]events.Draft, batch)
		for i := range ds {
			ds[i] = events.Draft{Type: "sync.update", Source: "plugin:bench",
				Data: json.RawMessage(fmt.Sprintf(`{"task":"t-%d","progress":%d,"processed":%d}`, i%7, i, i*10))}
		}
		cpu0 := cpuTime()
		began := time.Now()
		b.ResetTimer()
		var wg sync.WaitGroup
		for w := range writers {
			wg.Go(func() {
				for i := w; i < b.N; i += writers {
					if _, err := j.Append(context.Background(), fmt.Sprint("bench-", w%orgs), ds); err != nil {
						b.Error(err)
						return
					}
				}
			})
		}
		wg.Wait()
		b.StopTimer()
		n := float64(b.N * batch)
		b.ReportMetric(n/time.Since(began).Seconds(), "events/s")
		b.ReportMetric(float64((cpuTime()-cpu0).Microseconds())/n, "cpu-µs/event")
	}
}

// cpuTime is the user and system CPU time the process has used.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// BenchmarkPruneWhileAppending measures what retention costs the journal's
// writers: each iteration fills one organization with 100,000 events and
// prunes it to 10,000 while a writer keeps appending one event at a time;
// it reports the longest single append while the prune ran.
func BenchmarkPruneWhileAppending(b *testing.B) {
	for _, engine := range storetest.Engines() {
		b.Run(string(engine), func(b *testing.B) {
			var worst time.Duration
			for i := range b.N {
				b.StopTimer()
				db := storetest.Open(b, engine)
				org := fmt.Sprint("prune-", i)
				seedOrg(b, db, org)
				j := events.NewSQLJournal(db.DB)
				ds := make([]events.Draft, 500)
				for k := range ds {
					ds[k] = events.Draft{Type: "sync.update", Source: "plugin:bench", Data: json.RawMessage(`{"progress":1}`)}
				}
				for range 200 {
					if _, err := j.Append(context.Background(), org, ds); err != nil {
						b.Fatal(err)
					}
				}
				b.StartTimer()
				done := make(chan error, 1)
				go func() {
					_, err := j.Prune(context.Background(), 10_000, 0)
					done <- err
				}()
				for running := true; running; {
					start := time.Now()
					if _, err := j.Append(context.Background(), org, ds[:1]); err != nil {
						b.Fatal(err)
					}
					worst = max(worst, time.Since(start))
					select {
					case err := <-done:
						if err != nil {
							b.Fatal(err)
						}
						running = false
					default:
					}
				}
				b.StopTimer()
				_ = j.Close()
			}
			b.ReportMetric(float64(worst.Microseconds())/1000, "worst-append-ms")
		})
	}
}
