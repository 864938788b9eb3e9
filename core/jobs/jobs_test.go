package jobs_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"sync"
	"testing"
	"time"

	"github.com/switchyard/switchyard/core/jobs"
	"github.com/switchyard/switchyard/core/store"
	"github.com/switchyard/switchyard/core/store/storetest"
	"github.com/switchyard/switchyard/sdk/grpcplugin"
)

// fakeRunner is a plugin host made of function fields.
type fakeRunner struct {
	mu      sync.Mutex
	started []grpcplugin.JobRequest
	runner  string
	runErr  error
	cancel  func(jobID string) error
}

func (f *fakeRunner) RunJob(_ context.Context, _, _ string, req grpcplugin.JobRequest) (jobs.Placement, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.runErr != nil {
		return jobs.Placement{}, f.runErr
	}
	f.started = append(f.started, req)
	return jobs.Placement{Version: "1.0.0", Runner: f.runner}, nil
}

func (f *fakeRunner) CancelJob(_ context.Context, _, _ string, _ grpcplugin.Tenant, jobID string) error {
	if f.cancel != nil {
		return f.cancel(jobID)
	}
	return nil
}

func setup(t *testing.T, db *store.DB) (*jobs.Service, *fakeRunner, grpcplugin.Tenant) {
	t.Helper()
	now := time.Now().UTC()
	for _, slug := range []string{"acme", "beta"} {
		if err := db.Exec("INSERT INTO organizations (id, slug, name, created_at, updated_at) VALUES (?, ?, ?, ?, ?)",
			"org-"+slug, slug, slug, now, now).Error; err != nil {
			t.Fatal(err)
		}
	}
	s := jobs.New(db, slog.New(slog.NewTextHandler(io.Discard, nil)), "replica-1")
	r := &fakeRunner{runner: "proc-1"}
	s.SetRunner(r)
	return s, r, grpcplugin.Tenant{ID: "org-acme", Slug: "acme"}
}

func start(t *testing.T, s *jobs.Service, tn grpcplugin.Tenant, kind string) *jobs.Job {
	t.Helper()
	j, err := s.Start(t.Context(), jobs.StartRequest{Tenant: tn, Plugin: "sync", Kind: kind,
		Input: json.RawMessage(`{"source":"crm"}`), Actor: grpcplugin.Actor{UserID: "u1", Role: "member"}, CreatedBy: "user:u1"})
	if err != nil {
		t.Fatal(err)
	}
	return j
}

func update(t *testing.T, s *jobs.Service, runner string, u grpcplugin.JobUpdate) {
	t.Helper()
	if err := s.Update(t.Context(), "sync", runner, u); err != nil {
		t.Fatal(err)
	}
}

func get(t *testing.T, s *jobs.Service, tn grpcplugin.Tenant, id string) *jobs.Job {
	t.Helper()
	j, err := s.Get(t.Context(), tn.ID, id)
	if err != nil {
		t.Fatal(err)
	}
	return j
}

func TestLifecycle(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		s, r, acme := setup(t, db)
		j := start(t, s, acme, "sync")
		if j.Status != jobs.Queued || j.Attempts != 1 || j.PluginVersion != "1.0.0" || string(j.Input) != `{"source":"crm"}` {
			t.Fatalf("started job = %+v", j)
		}
		if len(r.started) != 1 || r.started[0].ID != j.ID || r.started[0].Tenant != acme {
			t.Fatalf("runner got %+v", r.started)
		}
		update(t, s, "proc-1", grpcplugin.JobUpdate{Tenant: acme, JobID: j.ID, Status: jobs.Running, Progress: 40, ProcessedItems: 4, TotalItems: 10})
		// A report from another process about this job does not count.
		update(t, s, "proc-old", grpcplugin.JobUpdate{Tenant: acme, JobID: j.ID, Status: jobs.Failed, Error: "stale"})
		got := get(t, s, acme, j.ID)
		if got.Status != jobs.Running || got.Progress != 40 || got.ProcessedItems != 4 || got.StartedAt == nil {
			t.Fatalf("running job = %+v", got)
		}
		update(t, s, "proc-1", grpcplugin.JobUpdate{Tenant: acme, JobID: j.ID, Status: jobs.Succeeded, ProcessedItems: 10, TotalItems: 10, Result: json.RawMessage(`{"n":10}`)})
		got = get(t, s, acme, j.ID)
		if got.Status != jobs.Succeeded || got.Progress != 100 || string(got.Result) != `{"n":10}` || got.FinishedAt == nil {
			t.Fatalf("finished job = %+v", got)
		}
		// After the end, reports are ignored, cancel and retry refused.
		update(t, s, "proc-1", grpcplugin.JobUpdate{Tenant: acme, JobID: j.ID, Status: jobs.Running})
		if get(t, s, acme, j.ID).Status != jobs.Succeeded {
			t.Fatal("a late report reopened the job")
		}
		if _, err := s.Cancel(t.Context(), acme, j.ID); !errors.Is(err, jobs.ErrFinished) {
			t.Fatalf("cancel finished: %v", err)
		}
		if _, err := s.Retry(t.Context(), acme, j.ID, grpcplugin.Actor{}); !errors.Is(err, jobs.ErrNotRetryable) {
			t.Fatalf("retry succeeded job: %v", err)
		}
		// Another tenant neither sees nor reports it.
		beta := grpcplugin.Tenant{ID: "org-beta", Slug: "beta"}
		if _, err := s.Get(t.Context(), beta.ID, j.ID); !errors.Is(err, jobs.ErrNotFound) {
			t.Fatalf("other tenant got the job: %v", err)
		}
		err := s.Update(t.Context(), "sync", "proc-1", grpcplugin.JobUpdate{Tenant: beta, JobID: j.ID, Status: jobs.Running})
		if !errors.Is(err, grpcplugin.ErrNotFound) {
			t.Fatalf("update from another tenant: %v", err)
		}
	})
}

func TestInterruptedJobIsRetryable(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		s, r, acme := setup(t, db)
		j := start(t, s, acme, "sync")
		update(t, s, "proc-1", grpcplugin.JobUpdate{Tenant: acme, JobID: j.ID, Status: jobs.Running, Progress: 50})
		n, err := s.Interrupt(t.Context(), "sync", "proc-1", "plugin sync exited: signal: killed")
		if err != nil || n != 1 {
			t.Fatalf("interrupt = %d, %v", n, err)
		}
		got := get(t, s, acme, j.ID)
		if got.Status != jobs.Failed || !got.Retryable || got.ErrorCode != "unavailable" || got.Error == "" {
			t.Fatalf("interrupted job = %+v", got)
		}
		r.runner = "proc-2"
		again, err := s.Retry(t.Context(), acme, j.ID, grpcplugin.Actor{UserID: "u2"})
		if err != nil {
			t.Fatal(err)
		}
		if again.Attempts != 2 || again.Status != jobs.Queued || again.Error != "" || again.Progress != 0 {
			t.Fatalf("retried job = %+v", again)
		}
		if len(r.started) != 2 || r.started[1].ID != j.ID || string(r.started[1].Input) != `{"source":"crm"}` {
			t.Fatalf("retry did not restart the same job: %+v", r.started)
		}
		// The dead process's reports no longer count; the new one's do.
		update(t, s, "proc-1", grpcplugin.JobUpdate{Tenant: acme, JobID: j.ID, Status: jobs.Failed, Error: "late"})
		update(t, s, "proc-2", grpcplugin.JobUpdate{Tenant: acme, JobID: j.ID, Status: jobs.Running})
		if got := get(t, s, acme, j.ID); got.Status != jobs.Running {
			t.Fatalf("after retry: %+v", got)
		}
		// A failure of the input is not retryable.
		update(t, s, "proc-2", grpcplugin.JobUpdate{Tenant: acme, JobID: j.ID, Status: jobs.Failed, Error: "bad", ErrorCode: grpcplugin.CodeInvalidInput})
		if _, err := s.Retry(t.Context(), acme, j.ID, grpcplugin.Actor{}); !errors.Is(err, jobs.ErrNotRetryable) {
			t.Fatalf("retry of refused input: %v", err)
		}
	})
}

func TestStartWhilePluginDown(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		s, r, acme := setup(t, db)
		r.runErr = fmt.Errorf("plugin sync is crashed: %w", grpcplugin.ErrUnavailable)
		j, err := s.Start(t.Context(), jobs.StartRequest{Tenant: acme, Plugin: "sync", Kind: "sync", CreatedBy: "core"})
		if !errors.Is(err, grpcplugin.ErrUnavailable) || j == nil {
			t.Fatalf("start = %+v, %v", j, err)
		}
		if j.Status != jobs.Failed || !j.Retryable {
			t.Fatalf("job = %+v", j)
		}
		r.runErr = nil
		if _, err := s.Retry(t.Context(), acme, j.ID, grpcplugin.Actor{}); err != nil {
			t.Fatal(err)
		}
	})
}

func TestCancel(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		s, r, acme := setup(t, db)
		// The plugin runs it: it is asked, and reports the end itself.
		j := start(t, s, acme, "sync")
		asked := ""
		r.cancel = func(id string) error { asked = id; return nil }
		got, err := s.Cancel(t.Context(), acme, j.ID)
		if err != nil || asked != j.ID || !got.CancelRequested || got.Status.Terminal() {
			t.Fatalf("cancel = %+v, %v (asked %q)", got, err, asked)
		}
		update(t, s, "proc-1", grpcplugin.JobUpdate{Tenant: acme, JobID: j.ID, Status: jobs.Cancelled, Error: "job cancelled"})
		if got := get(t, s, acme, j.ID); got.Status != jobs.Cancelled || !got.Retryable {
			t.Fatalf("cancelled = %+v", got)
		}
		// The plugin does not know it: the core ends it.
		k := start(t, s, acme, "sync")
		r.cancel = func(string) error { return grpcplugin.ErrNotFound }
		got, err = s.Cancel(t.Context(), acme, k.ID)
		if err != nil || got.Status != jobs.Cancelled {
			t.Fatalf("cancel unknown = %+v, %v", got, err)
		}
	})
}

func TestListAndSyncTasks(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		s, _, acme := setup(t, db)
		var ids []string
		for i := range 5 {
			kind := "sync"
			if i%2 == 1 {
				kind = "export"
			}
			ids = append(ids, start(t, s, acme, kind).ID)
		}
		update(t, s, "proc-1", grpcplugin.JobUpdate{Tenant: acme, JobID: ids[0], Status: jobs.Running, Progress: 30, ProcessedItems: 3, TotalItems: 10})
		page1, next, err := s.List(t.Context(), acme.ID, jobs.Filter{}, 3, "")
		if err != nil || len(page1) != 3 || next == "" || page1[0].ID != ids[4] {
			t.Fatalf("page 1 = %d items, next %q, %v", len(page1), next, err)
		}
		page2, next, err := s.List(t.Context(), acme.ID, jobs.Filter{}, 3, next)
		if err != nil || len(page2) != 2 || next != "" || page2[1].ID != ids[0] {
			t.Fatalf("page 2 = %d items, next %q, %v", len(page2), next, err)
		}
		running, _, _ := s.List(t.Context(), acme.ID, jobs.Filter{Status: jobs.Running}, 50, "")
		if len(running) != 1 || running[0].ID != ids[0] {
			t.Fatalf("running filter = %+v", running)
		}
		tasks, err := s.SyncTasks(t.Context(), acme.ID)
		if err != nil || len(tasks) != 5 { // plugin "sync" owns all five
			t.Fatalf("sync tasks = %+v, %v", tasks, err)
		}
		last := tasks[len(tasks)-1]
		if last.TaskID != ids[0] || last.Status != "running" || last.Progress != 30 || last.TotalItems != 10 {
			t.Fatalf("task = %+v", last)
		}
		other, _ := s.SyncTasks(t.Context(), "org-beta")
		if len(other) != 0 {
			t.Fatalf("another org sees %d tasks", len(other))
		}
	})
}

// TestRecoverInterrupted: on one node, a new core process fails the jobs
// an earlier process left unfinished, never its own.
func TestRecoverInterrupted(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		earlier, _, acme := setup(t, db)
		left := start(t, earlier, acme, "sync")
		now := jobs.New(db, slog.New(slog.DiscardHandler), "replica-2")
		now.SetRunner(&fakeRunner{runner: "proc-2"})
		own := start(t, now, acme, "sync")
		n, err := now.RecoverInterrupted(t.Context())
		if err != nil || n != 1 {
			t.Fatalf("recover = %d, %v", n, err)
		}
		if got := get(t, now, acme, left.ID); got.Status != jobs.Failed || !got.Retryable {
			t.Fatalf("the earlier process's job = %+v", got)
		}
		if got := get(t, now, acme, own.ID); got.Status.Terminal() {
			t.Fatalf("the new process's own job = %+v", got)
		}
	})
}

// TestRecoverAbandoned: replicas sharing a database fail the jobs of a
// replica whose lease lapsed (or that left), and never those of a live
// one; a replica that stops gives its lease up at once.
func TestRecoverAbandoned(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		a, _, acme := setup(t, db)
		b := jobs.New(db, slog.New(slog.DiscardHandler), "replica-2")
		b.SetRunner(&fakeRunner{runner: "proc-2"})
		ctxA, stopA := context.WithCancel(t.Context())
		ctxB, stopB := context.WithCancel(t.Context())
		doneA, doneB := make(chan struct{}), make(chan struct{})
		go func() { a.KeepAlive(ctxA); close(doneA) }()
		go func() { b.KeepAlive(ctxB); close(doneB) }()
		defer func() { stopA(); stopB(); <-doneA; <-doneB }()
		onA, onB := start(t, a, acme, "sync"), start(t, b, acme, "sync")
		// A job from before replicas were recorded belongs to no live one.
		legacy := start(t, a, acme, "sync")
		if err := db.Exec("UPDATE jobs SET replica = '' WHERE id = ?", legacy.ID).Error; err != nil {
			t.Fatal(err)
		}
		waitLease := func(id string, want bool) {
			t.Helper()
			deadline := time.Now().Add(5 * time.Second)
			for {
				var n int64
				if err := db.Raw("SELECT COUNT(*) FROM core_replicas WHERE id = ?", id).Scan(&n).Error; err != nil {
					t.Fatal(err)
				}
				if (n == 1) == want {
					return
				}
				if time.Now().After(deadline) {
					t.Fatalf("lease of %s held = %v after 5 s, want %v", id, n == 1, want)
				}
				time.Sleep(10 * time.Millisecond)
			}
		}
		waitLease("replica-1", true)
		waitLease("replica-2", true)

		n, err := a.RecoverAbandoned(t.Context())
		if err != nil || n != 1 {
			t.Fatalf("recover with both replicas live = %d, %v", n, err)
		}
		if got := get(t, a, acme, legacy.ID); got.Status != jobs.Failed || !got.Retryable {
			t.Fatalf("job of no replica = %+v", got)
		}
		for _, j := range []*jobs.Job{onA, onB} {
			if got := get(t, a, acme, j.ID); got.Status.Terminal() {
				t.Fatalf("a live replica's job was failed: %+v", got)
			}
		}

		stopB() // B stops: its lease goes at once
		<-doneB
		waitLease("replica-2", false)
		if n, err := a.RecoverAbandoned(t.Context()); err != nil || n != 1 {
			t.Fatalf("recover after B stopped = %d, %v", n, err)
		}
		if got := get(t, a, acme, onB.ID); got.Status != jobs.Failed || !got.Retryable {
			t.Fatalf("the stopped replica's job = %+v", got)
		}
		if got := get(t, a, acme, onA.ID); got.Status.Terminal() {
			t.Fatalf("the live replica's job = %+v", got)
		}

		// A lease not renewed for LeaseTTL has lapsed: the replica crashed.
		crashed := jobs.New(db, slog.New(slog.DiscardHandler), "replica-3")
		crashed.SetRunner(&fakeRunner{runner: "proc-3"})
		onC := start(t, crashed, acme, "sync")
		if err := db.Exec("INSERT INTO core_replicas (id, seen_at) VALUES (?, ?)", "replica-3", time.Now().UTC().Add(-jobs.LeaseTTL-time.Second)).Error; err != nil {
			t.Fatal(err)
		}
		if n, err := a.RecoverAbandoned(t.Context()); err != nil || n != 1 {
			t.Fatalf("recover after C's lease lapsed = %d, %v", n, err)
		}
		if got := get(t, a, acme, onC.ID); got.Status != jobs.Failed {
			t.Fatalf("the crashed replica's job = %+v", got)
		}

		// A replica whose own lease lapsed (the database was out of reach
		// longer than LeaseTTL) does not fail its own jobs.
		if err := db.Exec("UPDATE core_replicas SET seen_at = ? WHERE id = ?", time.Now().UTC().Add(-2*jobs.LeaseTTL), "replica-1").Error; err != nil {
			t.Fatal(err)
		}
		if n, err := a.RecoverAbandoned(t.Context()); err != nil || n != 0 {
			t.Fatalf("recover with its own lease lapsed = %d, %v", n, err)
		}
		if got := get(t, a, acme, onA.ID); got.Status.Terminal() {
			t.Fatalf("a replica failed its own job: %+v", got)
		}
	})
}

// TestConcurrentReports runs progress reports, cancels and reads at once
// (run with -race).
func TestConcurrentReports(t *testing.T) {
	db := storetest.Open(t, store.SQLite)
	s, _, acme := setup(t, db)
	j := start(t, s, acme, "sync")
	var wg sync.WaitGroup
	for w := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 20 {
				_ = s.Update(context.Background(), "sync", "proc-1", grpcplugin.JobUpdate{Tenant: acme, JobID: j.ID, Status: jobs.Running, Progress: i, ProcessedItems: int64(w*100 + i)})
				_, _ = s.Get(context.Background(), acme.ID, j.ID)
			}
		}()
	}
	wg.Wait()
	if got := get(t, s, acme, j.ID); got.Status != jobs.Running {
		t.Fatalf("job = %+v", got)
	}
}
