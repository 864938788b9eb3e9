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

// BenchmarkSQLJournalAppend measures the SQL journal's group commit: four
// writers append batches of 100 events (the size the plugin SDK's
// Publisher sends) to one organization. Besides events/s it reports the
// process's CPU time per event, a figure that holds up better than
// throughput on a shared machine.
func BenchmarkSQLJournalAppend(b *testing.B) {
	const writers, batch = 4, 100
	for _, engine := range storetest.Engines() {
		b.Run(string(engine), func(b *testing.B) { benchAppend(b, storetest.Open(b, engine), writers, batch) })
	}
}

func benchAppend(b *testing.B, db *store.DB, writers, batch int) {
	{
		seedOrg(b, db, "bench")
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
					if _, err := j.Append(context.Background(), "bench", ds); err != nil {
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
