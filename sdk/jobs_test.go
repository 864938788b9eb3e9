package sdk_test

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/switchyard/switchyard/sdk"
	"github.com/switchyard/switchyard/sdk/grpcplugin"
	"github.com/switchyard/switchyard/sdk/sdktest"
)

// blockingJobs is a job plugin whose "wait" jobs run until cancelled and
// whose other kinds end as their input says.
func blockingJobs(started chan<- string, ctxErr chan<- error) *jobPlugin {
	return &jobPlugin{
		basePlugin: basePlugin{manifest: manifest(
			sdk.Action{Name: "wait", Job: true},
			sdk.Action{Name: "fail", Job: true},
			sdk.Action{Name: "panic", Job: true},
			sdk.Action{Name: "count", Job: true, Input: json.RawMessage(`{"type":"object","required":["n"]}`)},
		)},
		run: func(ctx context.Context, job sdk.Job, p sdk.Progress) (json.RawMessage, error) {
			switch job.Kind {
			case "wait":
				if started != nil {
					started <- job.ID
				}
				p.Report(3, 10)
				<-ctx.Done()
				if ctxErr != nil {
					ctxErr <- ctx.Err()
				}
				return nil, ctx.Err()
			case "fail":
				return nil, sdk.Downstream(sdk.Errorf(sdk.ErrUnavailable, "source unreachable"))
			case "panic":
				panic("job exploded")
			}
			var in struct{ N int64 }
			_ = json.Unmarshal(job.Input, &in)
			p.SetTotal(in.N)
			for i := int64(0); i < in.N; i++ {
				p.Add(1)
				time.Sleep(time.Millisecond)
			}
			return json.Marshal(map[string]int64{"n": in.N})
		},
	}
}

func TestJobCancel(t *testing.T) {
	started := make(chan string, 1)
	ctxErr := make(chan error, 1)
	h := serve(t, blockingJobs(started, ctxErr), sdktest.Options{})
	ctx := testCtx(t)

	if err := h.StartJob(ctx, acme, alice, "j1", "wait", nil); err != nil {
		t.Fatal(err)
	}
	<-started
	// Starting the same job again is accepted without a second run.
	if err := h.StartJob(ctx, acme, alice, "j1", "wait", nil); err != nil {
		t.Fatalf("restart of a running job: %v", err)
	}
	if err := h.Client.CancelJob(ctx, acme, "j1"); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-ctxErr:
		if !errors.Is(err, context.Canceled) {
			t.Fatalf("job ctx error = %v", err)
		}
	case <-ctx.Done():
		t.Fatal("the job's context was not cancelled")
	}
	final, err := h.Host.WaitJob(ctx, acme, "j1")
	if err != nil {
		t.Fatal(err)
	}
	if final.Status != grpcplugin.JobCancelled || final.ProcessedItems != 3 || final.TotalItems != 10 || final.Progress != 30 {
		t.Fatalf("final = %+v", final)
	}
	ups := h.Host.JobUpdates(acme, "j1")
	if ups[0].Status != grpcplugin.JobRunning {
		t.Fatalf("first update %+v, want running", ups[0])
	}
	for _, u := range ups[:len(ups)-1] {
		if u.Status.Terminal() {
			t.Fatalf("terminal update %+v before the last one", u)
		}
	}
	if err := h.Client.CancelJob(ctx, acme, "j1"); !errors.Is(err, grpcplugin.ErrNotFound) {
		t.Fatalf("cancel of an ended job: err = %v", err)
	}
	if err := h.Client.CancelJob(ctx, globex, "j1"); !errors.Is(err, grpcplugin.ErrNotFound) {
		t.Fatalf("jobs are per tenant: err = %v", err)
	}
}

func TestJobOutcomes(t *testing.T) {
	h := serve(t, blockingJobs(nil, nil), sdktest.Options{})
	ctx := testCtx(t)
	tests := []struct {
		kind, input string
		status      grpcplugin.JobStatus
		code        grpcplugin.Code
		errText     string
		result      string
	}{
		{kind: "count", input: `{"n":5}`, status: grpcplugin.JobSucceeded, result: `{"n":5}`},
		{kind: "fail", status: grpcplugin.JobFailed, code: grpcplugin.CodeUnavailable, errText: "source unreachable"},
		{kind: "panic", status: grpcplugin.JobFailed, code: grpcplugin.CodeInternal, errText: "job exploded"},
	}
	for i, tc := range tests {
		t.Run(tc.kind, func(t *testing.T) {
			id := "job-" + tc.kind
			input := tc.input
			if input == "" {
				input = "{}"
			}
			if err := h.StartJob(ctx, acme, alice, id, tc.kind, json.RawMessage(input)); err != nil {
				t.Fatal(err)
			}
			final, err := h.Host.WaitJob(ctx, acme, id)
			if err != nil {
				t.Fatal(err)
			}
			if final.Status != tc.status || final.ErrorCode != tc.code || !strings.Contains(final.Error, tc.errText) || string(final.Result) != tc.result {
				t.Fatalf("case %d: final = %+v (result %s)", i, final, final.Result)
			}
		})
	}
	t.Run("bad input refused at start", func(t *testing.T) {
		err := h.StartJob(ctx, acme, alice, "bad", "count", json.RawMessage(`{}`))
		if !errors.Is(err, grpcplugin.ErrInvalidInput) {
			t.Fatalf("err = %v", err)
		}
		if len(h.Host.JobUpdates(acme, "bad")) != 0 {
			t.Fatal("a refused job reported updates")
		}
	})
	t.Run("unknown kind", func(t *testing.T) {
		if err := h.StartJob(ctx, acme, alice, "x", "nope", nil); !errors.Is(err, grpcplugin.ErrNotFound) {
			t.Fatalf("err = %v", err)
		}
	})
}

func TestJobsStopOnRemoveTenantAndShutdown(t *testing.T) {
	started := make(chan string, 4)
	h := serve(t, blockingJobs(started, nil), sdktest.Options{})
	ctx := testCtx(t)
	if err := h.Install(ctx, globex, json.RawMessage(`{}`)); err != nil {
		t.Fatal(err)
	}
	for _, tn := range []grpcplugin.Tenant{acme, globex} {
		if err := h.StartJob(ctx, tn, alice, "long", "wait", nil); err != nil {
			t.Fatal(err)
		}
		<-started
	}
	if err := h.Client.RemoveTenant(ctx, globex); err != nil {
		t.Fatal(err)
	}
	// RemoveTenant returns after the tenant's jobs reported.
	ups := h.Host.JobUpdates(globex, "long")
	if last := ups[len(ups)-1]; last.Status != grpcplugin.JobCancelled {
		t.Fatalf("globex job after removal: %+v", last)
	}
	if ups := h.Host.JobUpdates(acme, "long"); ups[len(ups)-1].Status.Terminal() {
		t.Fatal("acme's job was stopped by globex's removal")
	}

	n, err := h.Client.Shutdown(ctx)
	if err != nil || n != 1 {
		t.Fatalf("shutdown interrupted %d jobs, err %v; want 1", n, err)
	}
	ups = h.Host.JobUpdates(acme, "long")
	last := ups[len(ups)-1]
	if last.Status != grpcplugin.JobFailed || last.ErrorCode != grpcplugin.CodeUnavailable {
		t.Fatalf("job interrupted by shutdown: %+v, want failed/unavailable (retryable)", last)
	}
	if err := h.StartJob(ctx, acme, alice, "late", "wait", nil); !errors.Is(err, grpcplugin.ErrUnavailable) {
		t.Fatalf("start after shutdown: err = %v", err)
	}
}

func TestJobProgressIsRateLimited(t *testing.T) {
	const reports = 3000
	var calls atomic.Int64
	p := &jobPlugin{
		basePlugin: basePlugin{manifest: manifest(sdk.Action{Name: "busy", Job: true})},
		run: func(ctx context.Context, job sdk.Job, pr sdk.Progress) (json.RawMessage, error) {
			for i := int64(1); i <= reports; i++ {
				pr.Report(i, reports)
				calls.Add(1)
				if i%10 == 0 {
					time.Sleep(time.Millisecond)
				}
			}
			return nil, nil
		},
	}
	h := serve(t, p, sdktest.Options{ServeOpts: sdk.ServeOpts{ProgressInterval: 50 * time.Millisecond}})
	ctx := testCtx(t)
	start := time.Now()
	if err := h.StartJob(ctx, acme, alice, "busy", "busy", nil); err != nil {
		t.Fatal(err)
	}
	final, err := h.Host.WaitJob(ctx, acme, "busy")
	if err != nil {
		t.Fatal(err)
	}
	elapsed := time.Since(start)
	ups := h.Host.JobUpdates(acme, "busy")
	// running + one report per interval (+1 for rounding) + final.
	limit := 2 + int(elapsed/(50*time.Millisecond)) + 1
	if len(ups) > limit {
		t.Fatalf("%d updates in %v for %d reports; want at most %d", len(ups), elapsed, reports, limit)
	}
	if len(ups) < 3 {
		t.Fatalf("only %d updates: progress was not reported while running", len(ups))
	}
	if final.Status != grpcplugin.JobSucceeded || final.ProcessedItems != reports || final.Progress != 100 {
		t.Fatalf("final = %+v: the last counts must always be delivered", final)
	}
	for i := 1; i < len(ups); i++ {
		if ups[i].ProcessedItems < ups[i-1].ProcessedItems {
			t.Fatalf("progress went backwards: %+v then %+v", ups[i-1], ups[i])
		}
	}
	t.Logf("%d reports became %d updates in %v", calls.Load(), len(ups), elapsed)
}
