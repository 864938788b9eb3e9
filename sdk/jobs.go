package sdk

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"runtime/debug"
	"sync"
	"time"

	"github.com/switchyard/switchyard/sdk/grpcplugin"
)

// Why a job's context was cancelled; they decide the job's final status.
var (
	errJobCancelled  = errors.New("job cancelled")
	errTenantRemoved = errors.New("tenant removed")
	errShuttingDown  = errors.New("plugin shutting down")
)

// finalUpdateTimeout bounds the delivery of a job's final report.
const finalUpdateTimeout = 10 * time.Second

type jobKey struct{ tenantID, jobID string }

type runningJob struct {
	tenantID string
	cancel   context.CancelCauseFunc
	done     chan struct{}
	// ended is set (under jobManager.mu) once RunJob returned: the outcome
	// is decided and only the final report is still on its way.
	ended bool
}

// jobManager runs jobs in goroutines, one per (tenant, job id), and reports
// their lifecycle to the host. It is safe for concurrent use.
type jobManager struct {
	runner   JobRunner
	interval time.Duration
	maxJobs  int
	logger   *slog.Logger

	mu      sync.Mutex
	jobs    map[jobKey]*runningJob
	closing bool
}

func newJobManager(runner JobRunner, interval time.Duration, maxJobs int, logger *slog.Logger) *jobManager {
	return &jobManager{runner: runner, interval: interval, maxJobs: maxJobs, logger: logger, jobs: make(map[jobKey]*runningJob)}
}

// start accepts job and runs it in the background. Starting a job that is
// already running is accepted again without effect, so the core may retry.
func (m *jobManager) start(ctx context.Context, api grpcplugin.HostServer, job Job) error {
	key := jobKey{job.Tenant.ID, job.ID}
	m.mu.Lock()
	defer m.mu.Unlock()
	switch {
	case m.closing:
		return Errorf(ErrUnavailable, "job %q: the plugin is shutting down", job.ID)
	case m.jobs[key] != nil:
		return nil
	case m.maxJobs > 0 && len(m.jobs) >= m.maxJobs:
		return Errorf(ErrResourceExhausted, "job %q: %d jobs already running", job.ID, len(m.jobs))
	}
	// The job outlives the StartJob call: keep the call's values, drop its
	// cancellation.
	jctx, cancel := context.WithCancelCause(context.WithoutCancel(ctx))
	rj := &runningJob{tenantID: job.Tenant.ID, cancel: cancel, done: make(chan struct{})}
	m.jobs[key] = rj
	go m.run(jctx, api, key, rj, job)
	return nil
}

func (m *jobManager) cancel(t Tenant, jobID string) error {
	m.mu.Lock()
	rj := m.jobs[jobKey{t.ID, jobID}]
	ended := rj != nil && rj.ended
	m.mu.Unlock()
	if rj == nil || ended {
		return Errorf(ErrNotFound, "job %q is not running", jobID)
	}
	rj.cancel(errJobCancelled)
	return nil
}

// cancelTenant cancels the tenant's jobs and waits until they reported.
func (m *jobManager) cancelTenant(ctx context.Context, t Tenant) error {
	m.mu.Lock()
	var running []*runningJob
	for _, rj := range m.jobs {
		if rj.tenantID == t.ID {
			running = append(running, rj)
		}
	}
	m.mu.Unlock()
	return cancelAndWait(ctx, running, errTenantRemoved)
}

// shutdown refuses new jobs, cancels the running ones and waits until they
// reported (or ctx ends). It returns how many it interrupted.
func (m *jobManager) shutdown(ctx context.Context) (int, error) {
	m.mu.Lock()
	m.closing = true
	running := make([]*runningJob, 0, len(m.jobs))
	for _, rj := range m.jobs {
		running = append(running, rj)
	}
	m.mu.Unlock()
	return len(running), cancelAndWait(ctx, running, errShuttingDown)
}

func cancelAndWait(ctx context.Context, jobs []*runningJob, cause error) error {
	for _, rj := range jobs {
		rj.cancel(cause)
	}
	for _, rj := range jobs {
		select {
		case <-rj.done:
		case <-ctx.Done():
			return context.Cause(ctx)
		}
	}
	return nil
}

func (m *jobManager) running() int {
	m.mu.Lock()
	defer m.mu.Unlock()
	return len(m.jobs)
}

func (m *jobManager) run(ctx context.Context, api grpcplugin.HostServer, key jobKey, rj *runningJob, job Job) {
	defer func() {
		m.mu.Lock()
		delete(m.jobs, key)
		m.mu.Unlock()
		close(rj.done)
	}()
	update := func(ctx context.Context, u grpcplugin.JobUpdate) error {
		u.Tenant, u.JobID = job.Tenant, job.ID
		return api.JobUpdate(ctx, u)
	}
	pr := newProgress(m.interval, func(processed, total int64) {
		sendCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), finalUpdateTimeout)
		defer cancel()
		err := update(sendCtx, grpcplugin.JobUpdate{Status: grpcplugin.JobRunning, Progress: percent(processed, total), ProcessedItems: processed, TotalItems: total})
		if err != nil {
			m.logger.WarnContext(ctx, "job progress report failed", "job_id", job.ID, "error", err)
		}
	})
	pr.sendNow()
	go pr.loop()

	result, err := m.runSafely(ctx, job, pr)
	m.mu.Lock()
	rj.ended = true
	m.mu.Unlock()
	pr.stop()
	processed, total := pr.counts()

	final := grpcplugin.JobUpdate{ProcessedItems: processed, TotalItems: total, Progress: percent(processed, total)}
	cause := context.Cause(ctx)
	switch {
	case err == nil:
		final.Status, final.Progress = grpcplugin.JobSucceeded, 100
		final.Result = result
		if len(result) > 0 && !json.Valid(result) {
			final.Status, final.Progress = grpcplugin.JobFailed, percent(processed, total)
			final.Result, final.Error, final.ErrorCode = nil, "the job returned a result that is not valid JSON", grpcplugin.CodeInternal
		}
	case errors.Is(cause, errJobCancelled), errors.Is(cause, errTenantRemoved):
		final.Status = grpcplugin.JobCancelled
		final.Error = cause.Error()
	case errors.Is(cause, errShuttingDown):
		final.Status = grpcplugin.JobFailed
		final.Error, final.ErrorCode = "interrupted because the plugin is shutting down; retry the job", grpcplugin.CodeUnavailable
	default:
		final.Status = grpcplugin.JobFailed
		final.Error, final.ErrorCode = err.Error(), grpcplugin.CodeOf(err)
	}
	m.deliverFinal(ctx, job, final, update)
}

// runSafely calls the runner; a panic fails the job instead of the process.
func (m *jobManager) runSafely(ctx context.Context, job Job, p Progress) (result json.RawMessage, err error) {
	defer func() {
		if r := recover(); r != nil {
			m.logger.ErrorContext(ctx, "job panicked", "job_id", job.ID, "kind", job.Kind, "panic", fmt.Sprint(r), "stack", string(debug.Stack()))
			result, err = nil, Errorf(ErrInternal, "job %q panicked: %v", job.ID, r)
		}
	}()
	return m.runner.RunJob(ctx, job, p)
}

// deliverFinal sends a job's last report, retrying while the core is
// unavailable: a job's end must not be lost.
func (m *jobManager) deliverFinal(ctx context.Context, job Job, u grpcplugin.JobUpdate, update func(context.Context, grpcplugin.JobUpdate) error) {
	sendCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), finalUpdateTimeout)
	defer cancel()
	backoff := 100 * time.Millisecond
	for {
		err := update(sendCtx, u)
		if err == nil {
			return
		}
		if !errors.Is(err, ErrUnavailable) || sendCtx.Err() != nil {
			m.logger.ErrorContext(ctx, "job final report failed", "job_id", job.ID, "status", string(u.Status), "error", err)
			return
		}
		select {
		case <-time.After(backoff):
		case <-sendCtx.Done():
		}
		backoff *= 2
	}
}

func percent(processed, total int64) int {
	if total <= 0 || processed <= 0 {
		return 0
	}
	if processed >= total {
		return 100
	}
	return int(processed * 100 / total)
}

// progress is the Progress of one job: it keeps the latest counts and a
// goroutine sends them at most once per interval.
type progress struct {
	interval time.Duration
	send     func(processed, total int64)

	mu               sync.Mutex
	processed, total int64
	dirty            bool

	kick    chan struct{}
	stopped chan struct{}
	done    chan struct{}
}

var _ Progress = (*progress)(nil)

func newProgress(interval time.Duration, send func(processed, total int64)) *progress {
	return &progress{
		interval: interval,
		send:     send,
		kick:     make(chan struct{}, 1),
		stopped:  make(chan struct{}),
		done:     make(chan struct{}),
	}
}

func (p *progress) Report(processed, total int64) {
	p.mu.Lock()
	p.processed = max(processed, 0)
	if total > 0 {
		p.total = total
	}
	p.dirty = true
	p.mu.Unlock()
	p.poke()
}

func (p *progress) SetTotal(total int64) {
	p.mu.Lock()
	p.total = max(total, 0)
	p.dirty = true
	p.mu.Unlock()
	p.poke()
}

func (p *progress) Add(n int64) {
	p.mu.Lock()
	p.processed = max(p.processed+n, 0)
	p.dirty = true
	p.mu.Unlock()
	p.poke()
}

func (p *progress) poke() {
	select {
	case p.kick <- struct{}{}:
	default:
	}
}

func (p *progress) counts() (processed, total int64) {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.processed, p.total
}

// sendNow reports the current counts at once (the "running" report).
func (p *progress) sendNow() {
	p.mu.Lock()
	processed, total := p.processed, p.total
	p.dirty = false
	p.mu.Unlock()
	p.send(processed, total)
}

func (p *progress) loop() {
	defer close(p.done)
	last := time.Now()
	for {
		select {
		case <-p.kick:
		case <-p.stopped:
			return
		}
		if wait := p.interval - time.Since(last); wait > 0 {
			t := time.NewTimer(wait)
			select {
			case <-t.C:
			case <-p.stopped:
				t.Stop()
				return
			}
		}
		p.mu.Lock()
		processed, total, dirty := p.processed, p.total, p.dirty
		p.dirty = false
		p.mu.Unlock()
		if dirty {
			p.send(processed, total)
			last = time.Now()
		}
	}
}

// stop ends the loop; reports after stop are kept but not sent (the final
// report carries them).
func (p *progress) stop() {
	close(p.stopped)
	<-p.done
}
