package analyticsplugin

import (
	"context"
	"errors"
	"math"
	"time"

	"github.com/switchyard/switchyard/plugins/analytics/internal/table"
	"github.com/switchyard/switchyard/sdk"
)

// Metrics is an organization's usage as metrics.update carries it.
type Metrics struct {
	// EventsPerSec is the rate of events published between the last two
	// readings, not counting the events this plugin emitted.
	EventsPerSec   float64   `json:"events_per_sec"`
	EventsSeq      uint64    `json:"events_seq"`
	Sockets        int       `json:"sockets"`
	JobsRunning    int       `json:"jobs_running"`
	JobsQueued     int       `json:"jobs_queued"`
	Datasets       int       `json:"datasets"`
	DatasetRecords int64     `json:"dataset_records"`
	Storage        Storage   `json:"storage"`
	MeasuredAt     time.Time `json:"measured_at"`
}

// Storage is the bytes an organization stores, by kind.
type Storage struct {
	DatasetBytes int64 `json:"dataset_bytes"`
	FilesBytes   int64 `json:"files_bytes"`
	StateBytes   int64 `json:"state_bytes"`
	TotalBytes   int64 `json:"total_bytes"`
}

// same reports whether two readings show the same figures (the sequence
// number and the time aside).
func (m Metrics) same(o Metrics) bool {
	m.EventsSeq, o.EventsSeq = 0, 0
	m.MeasuredAt, o.MeasuredAt = time.Time{}, time.Time{}
	return m == o
}

// metricsState is what the metrics loop remembers between readings.
type metricsState struct {
	last    sdk.Usage
	have    bool
	own     int64 // events emitted for the organization since the last reading
	current Metrics
	sent    *Metrics
	err     error
}

// maxSamples bounds the usage samples kept (the "metrics" source).
const maxSamples = 10_000

// sampleMetrics reads the organization's usage, records a sample and
// emits metrics.update when a figure changed.
func (p *Plugin) sampleMetrics(ctx context.Context, ts *tenant) {
	u, err := p.host.Usage(ctx, ts.t)
	ts.mu.Lock()
	ms := &ts.metrics
	ms.err = err
	if err != nil {
		ts.mu.Unlock()
		if !errors.Is(err, sdk.ErrUnimplemented) && ctx.Err() == nil {
			p.host.Logger().WarnContext(ctx, "usage not read", "tenant", ts.t.Slug, "error", err.Error())
		}
		return
	}
	m := Metrics{
		EventsSeq: u.EventsSeq, Sockets: u.Sockets, JobsRunning: u.JobsRunning, JobsQueued: u.JobsQueued,
		Datasets: u.Datasets, DatasetRecords: u.DatasetRecords, MeasuredAt: u.MeasuredAt,
		Storage: Storage{DatasetBytes: u.DatasetBytes, FilesBytes: u.FilesBytes, StateBytes: u.StateBytes,
			TotalBytes: u.DatasetBytes + u.FilesBytes + u.StateBytes},
	}
	if m.MeasuredAt.IsZero() {
		m.MeasuredAt = time.Now().UTC()
	}
	if ms.have && u.EventsEpoch == ms.last.EventsEpoch && u.EventsSeq >= ms.last.EventsSeq {
		if dt := m.MeasuredAt.Sub(ms.last.MeasuredAt).Seconds(); dt > 0 {
			n := float64(u.EventsSeq-ms.last.EventsSeq) - float64(ms.own)
			m.EventsPerSec = math.Round(max(n, 0)/dt*100) / 100
		}
	}
	ms.last, ms.have, ms.own, ms.current = u, true, 0, m
	changed := ms.sent == nil || !ms.sent.same(m)
	ts.mu.Unlock()

	ts.samples.Upsert([]table.Row{{Fields: []table.Field{
		{Name: "time", Value: table.TimeOf(m.MeasuredAt)},
		{Name: "events_per_sec", Value: table.Num(m.EventsPerSec)},
		{Name: "events_seq", Value: table.Num(float64(m.EventsSeq))},
		{Name: "sockets", Value: table.Num(float64(m.Sockets))},
		{Name: "jobs_running", Value: table.Num(float64(m.JobsRunning))},
		{Name: "jobs_queued", Value: table.Num(float64(m.JobsQueued))},
		{Name: "datasets", Value: table.Num(float64(m.Datasets))},
		{Name: "dataset_records", Value: table.Num(float64(m.DatasetRecords))},
		{Name: "dataset_bytes", Value: table.Num(float64(m.Storage.DatasetBytes))},
		{Name: "files_bytes", Value: table.Num(float64(m.Storage.FilesBytes))},
		{Name: "state_bytes", Value: table.Num(float64(m.Storage.StateBytes))},
		{Name: "storage_bytes", Value: table.Num(float64(m.Storage.TotalBytes))},
	}}})
	if n := ts.samples.Len(); n > maxSamples+maxSamples/4 {
		ts.samples.DropOldest(n - maxSamples)
	}
	if !changed {
		return
	}
	if p.emit(ctx, ts, "metrics.update", m) {
		ts.mu.Lock()
		ms.sent = &m
		ts.mu.Unlock()
	}
}

// emit sends an event for the organization and counts it as the plugin's
// own (left out of the event rate).
func (p *Plugin) emit(ctx context.Context, ts *tenant, typ string, data any) bool {
	if err := p.host.Emit(ctx, ts.t, sdk.Event{Type: typ, Data: data}); err != nil {
		if ctx.Err() == nil {
			p.host.Logger().WarnContext(ctx, typ+" not sent", "tenant", ts.t.Slug, "error", err.Error())
		}
		return false
	}
	ts.mu.Lock()
	ts.metrics.own++
	ts.mu.Unlock()
	return true
}

// currentMetrics returns a reading at most a second old, taking one when
// the latest is older.
func (p *Plugin) currentMetrics(ctx context.Context, ts *tenant) (Metrics, error) {
	ts.mu.Lock()
	have, m, err := ts.metrics.have, ts.metrics.current, ts.metrics.err
	ts.mu.Unlock()
	if !have || time.Since(m.MeasuredAt) > time.Second {
		p.sampleMetrics(ctx, ts)
		ts.mu.Lock()
		have, m, err = ts.metrics.have, ts.metrics.current, ts.metrics.err
		ts.mu.Unlock()
	}
	if !have {
		if err == nil {
			err = sdk.Errorf(sdk.ErrUnavailable, "no usage reading yet")
		}
		return Metrics{}, err
	}
	return m, nil
}
