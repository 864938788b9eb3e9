package filesplugin

import (
	"context"
	"strings"
	"sync"
	"time"

	"github.com/switchyard/switchyard/sdk"
)

// progress emits one transfer's progress events (file.upload.progress or
// file.download.progress) to the acting user: at most one per interval
// while bytes move, and always the final one. It is safe for concurrent
// use.
type progress struct {
	p     *Plugin
	ts    *tenant
	typ   string
	base  map[string]any
	total int64 // -1: unknown
	every time.Duration

	mu    sync.Mutex
	last  time.Time
	bytes int64
}

func (p *Plugin) newProgress(ts *tenant, typ string, total int64, base map[string]any) *progress {
	return &progress{p: p, ts: ts, typ: typ, base: base, total: total, every: p.opts.ProgressInterval}
}

// at records that n bytes have moved so far and emits an event when the
// interval has passed.
func (pr *progress) at(ctx context.Context, n int64) {
	pr.mu.Lock()
	pr.bytes = n
	if time.Since(pr.last) < pr.every {
		pr.mu.Unlock()
		return
	}
	pr.last = time.Now()
	pr.mu.Unlock()
	pr.emit(ctx, "running", n, nil)
}

// done emits the final event: status "completed", "failed" or
// "cancelled", with extra fields (the file's id, the error).
func (pr *progress) done(ctx context.Context, status string, extra map[string]any) {
	pr.mu.Lock()
	n := pr.bytes
	pr.mu.Unlock()
	pr.emit(context.WithoutCancel(ctx), status, n, extra)
}

func (pr *progress) emit(ctx context.Context, status string, n int64, extra map[string]any) {
	d := make(map[string]any, len(pr.base)+len(extra)+4)
	for k, v := range pr.base {
		d[k] = v
	}
	for k, v := range extra {
		d[k] = v
	}
	d["status"], d["bytes"], d["total"] = status, n, pr.total
	if pr.total > 0 {
		d["percent"] = min(n*100/pr.total, 100)
	}
	ev := sdk.Event{Type: pr.typ, Data: d}
	// A user's transfer is shown to that user; an API key's to everyone.
	if a, ok := sdk.ActorFrom(ctx); ok && a.UserID != "" && !strings.HasPrefix(a.UserID, "key:") && len(a.UserID) <= 128 {
		ev.Target = a.UserID
	}
	if err := pr.p.host.Emit(ctx, pr.ts.t, ev); err != nil && ctx.Err() == nil {
		pr.p.host.Logger().WarnContext(ctx, pr.typ+" not sent", "error", err.Error())
	}
}
