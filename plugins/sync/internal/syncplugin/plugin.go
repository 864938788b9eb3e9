package syncplugin

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/google/uuid"

	"github.com/switchyard/switchyard/plugins/sync/internal/source"
	"github.com/switchyard/switchyard/sdk"
	"github.com/switchyard/switchyard/sdk/outbound"
)

// Version is the plugin's version.
const Version = "1.0.0"

// Options are the plugin's surroundings; main fills them from the
// environment the core gives it.
type Options struct {
	// Policy guards outbound connections (SWITCHYARD_OUTBOUND_ALLOW).
	Policy *outbound.Policy
	// FilesDir holds one directory per organization id; file sources'
	// paths resolve inside the organization's (SWITCHYARD_FILES_DIR).
	FilesDir string
	// TempDir receives downloads (TMPDIR).
	TempDir string
	// MinInterval is the shortest schedule allowed (1m).
	MinInterval time.Duration
	// EventInterval is the least time between two sync.update events of a
	// run (250ms).
	EventInterval time.Duration
}

// Plugin is the sync plugin.
type Plugin struct {
	opts Options
	host *sdk.Host

	mu      sync.Mutex
	tenants map[string]*tenant
	loops   sdk.Loops // each organization's schedules
}

type tenant struct {
	t       sdk.Tenant
	cfg     Config
	running map[string]string // source -> task id
}

var (
	_ sdk.Plugin        = (*Plugin)(nil)
	_ sdk.JobRunner     = (*Plugin)(nil)
	_ sdk.Initializer   = (*Plugin)(nil)
	_ sdk.TenantRemover = (*Plugin)(nil)
	_ sdk.Shutdowner    = (*Plugin)(nil)
)

// New returns the plugin.
func New(o Options) *Plugin {
	if o.Policy == nil {
		o.Policy = outbound.Public()
	}
	if o.MinInterval <= 0 {
		o.MinInterval = time.Minute
	}
	if o.EventInterval <= 0 {
		o.EventInterval = 250 * time.Millisecond
	}
	return &Plugin{opts: o, tenants: map[string]*tenant{}}
}

// Manifest implements sdk.Plugin.
func (p *Plugin) Manifest() sdk.Manifest {
	return sdk.Manifest{
		Name:        "sync",
		Version:     Version,
		Description: "Syncs records from HTTP JSON APIs, CSV/JSONL files and PostgreSQL queries into the organization's datasets.",
		Publisher:   "Switchyard",
		Actions: []sdk.Action{
			{
				Name:        "sync",
				Description: "Sync one configured source into its dataset (a job).",
				Input:       json.RawMessage(`{"type":"object","additionalProperties":false,"required":["source"],"properties":{"source":{"type":"string","pattern":"^[a-z][a-z0-9_-]{0,62}$"}}}`),
				Output:      json.RawMessage(`{"type":"object"}`),
				Job:         true,
			},
			{
				Name:        "sources",
				Description: "List the configured sources (without their credentials).",
				Input:       json.RawMessage(`{"type":"object","additionalProperties":false}`),
				Output:      json.RawMessage(`{"type":"object"}`),
			},
		},
		EventTypes:   []string{"sync.update", "notification"},
		ConfigSchema: json.RawMessage(configSchema),
	}
}

// Init implements sdk.Initializer.
func (p *Plugin) Init(_ context.Context, h *sdk.Host) error {
	p.host = h
	return nil
}

// Configure implements sdk.Plugin: it checks the config and (re)starts the
// organization's schedules.
func (p *Plugin) Configure(_ context.Context, t sdk.Tenant, raw json.RawMessage) error {
	cfg, intervals, err := parseConfig(raw, p.opts.MinInterval)
	if err != nil {
		return sdk.Errorf(sdk.ErrInvalidInput, "%v", err)
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	ts := p.tenants[t.ID]
	if ts == nil {
		ts = &tenant{running: map[string]string{}}
		p.tenants[t.ID] = ts
	}
	ts.t, ts.cfg = t, cfg
	if len(intervals) == 0 {
		p.loops.Stop(t.ID)
		return nil
	}
	p.loops.Start(t.ID, func(ctx context.Context) {
		var wg sync.WaitGroup
		for name, every := range intervals {
			wg.Go(func() { p.schedule(ctx, t, name, every) })
		}
		wg.Wait()
	})
	return nil
}

// RemoveTenant implements sdk.TenantRemover.
func (p *Plugin) RemoveTenant(_ context.Context, t sdk.Tenant) error {
	p.loops.Stop(t.ID)
	p.mu.Lock()
	defer p.mu.Unlock()
	delete(p.tenants, t.ID)
	return nil
}

// Shutdown implements sdk.Shutdowner: schedules stop (jobs were stopped by
// the sdk before).
func (p *Plugin) Shutdown(ctx context.Context) error {
	return p.loops.Shutdown(ctx)
}

// Invoke implements sdk.Plugin: the "sources" action.
func (p *Plugin) Invoke(_ context.Context, req sdk.Request) (json.RawMessage, error) {
	if req.Action != "sources" {
		return nil, sdk.Errorf(sdk.ErrNotFound, "no action %q", req.Action)
	}
	cfg, _, err := parseConfig(req.Config, p.opts.MinInterval)
	if err != nil {
		return nil, sdk.Errorf(sdk.ErrInvalidInput, "%v", err)
	}
	type info struct {
		Name     string `json:"name"`
		Type     string `json:"type"`
		Dataset  string `json:"dataset"`
		Key      string `json:"key"`
		Interval string `json:"interval,omitempty"`
		Running  string `json:"running_task,omitempty"`
	}
	p.mu.Lock()
	running := map[string]string{}
	if ts := p.tenants[req.Tenant.ID]; ts != nil {
		for k, v := range ts.running {
			running[k] = v
		}
	}
	p.mu.Unlock()
	out := make([]info, 0, len(cfg.Sources))
	for _, s := range cfg.Sources {
		out = append(out, info{Name: s.Name, Type: s.Type, Dataset: s.dataset(), Key: s.key(), Interval: s.Interval, Running: running[s.Name]})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return json.Marshal(map[string]any{"sources": out})
}

// RunJob implements sdk.JobRunner: the "sync" job.
func (p *Plugin) RunJob(ctx context.Context, job sdk.Job, progress sdk.Progress) (json.RawMessage, error) {
	var in struct {
		Source string `json:"source"`
	}
	if err := json.Unmarshal(job.Input, &in); err != nil {
		return nil, sdk.Errorf(sdk.ErrInvalidInput, "input: %v", err)
	}
	cfg, _, err := parseConfig(job.Config, p.opts.MinInterval)
	if err != nil {
		return nil, sdk.Errorf(sdk.ErrInvalidInput, "%v", err)
	}
	src, ok := cfg.source(in.Source)
	if !ok {
		return nil, sdk.Errorf(sdk.ErrInvalidInput, "no source %q is configured", in.Source)
	}
	return p.run(ctx, job.Tenant, job.ID, src, progress)
}

// schedule syncs a source every interval until ctx ends.
func (p *Plugin) schedule(ctx context.Context, t sdk.Tenant, name string, every time.Duration) {
	tick := time.NewTicker(every)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
		p.mu.Lock()
		ts := p.tenants[t.ID]
		var src Source
		ok := ts != nil
		if ok {
			src, ok = ts.cfg.source(name)
		}
		p.mu.Unlock()
		if !ok {
			return
		}
		if p.syncing(t, name) {
			continue // the previous run is still going: skip this tick
		}
		p.submit(ctx, t, src)
	}
}

// syncing reports whether source name of t is being synced now.
func (p *Plugin) syncing(t sdk.Tenant, name string) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	ts := p.tenants[t.ID]
	return ts != nil && ts.running[name] != ""
}

// submit starts a scheduled sync of src as a job of the core, so it has a
// row like any other (progress, cancel, retry, failed-and-retryable if the
// plugin dies). A core too old to take jobs from plugins gets the sync
// run here instead, reported by events only (task "scheduled-…").
func (p *Plugin) submit(ctx context.Context, t sdk.Tenant, src Source) {
	if p.host == nil {
		return
	}
	input, _ := json.Marshal(map[string]string{"source": src.Name})
	_, err := p.host.SubmitJob(ctx, t, sdk.JobSubmission{Kind: "sync", Input: input, Reason: "schedule"})
	if errors.Is(err, sdk.ErrUnimplemented) {
		task := "scheduled-" + uuid.Must(uuid.NewV7()).String()
		_, err = p.run(ctx, t, task, src, nil)
	}
	if err != nil && ctx.Err() == nil {
		p.host.Logger().WarnContext(ctx, "scheduled sync failed", "source", src.Name, "error", err.Error())
	}
}

// result is a sync job's result.
type result struct {
	Source   string `json:"source"`
	Dataset  string `json:"dataset"`
	Records  int64  `json:"records"`
	Inserted int64  `json:"inserted"`
	Updated  int64  `json:"updated"`
}

// Batches sent to the core: at most this many records, or bytes.
const (
	maxBatch      = 500
	maxBatchBytes = 8 << 20
)

// run syncs src for t as task taskID. progress is nil for a scheduled run.
func (p *Plugin) run(ctx context.Context, t sdk.Tenant, taskID string, src Source, progress sdk.Progress) (json.RawMessage, error) {
	if !p.claim(t, src.Name, taskID) {
		return nil, sdk.Errorf(sdk.ErrConflict, "source %s is already syncing", src.Name)
	}
	defer p.release(t, src.Name, taskID)

	rep := &reporter{p: p, t: t, task: taskID, src: src, every: p.opts.EventInterval, total: -1}
	res := result{Source: src.Name, Dataset: src.dataset()}
	err := p.copy(ctx, t, src, rep, progress, &res)
	switch {
	case err == nil:
		rep.finish(ctx, "succeeded", "")
		p.notify(ctx, t, "success", "Sync of "+src.Name+" finished",
			fmt.Sprintf("%d records synced into dataset %s (%d new, %d updated).", res.Records, res.Dataset, res.Inserted, res.Updated))
		return json.Marshal(res)
	case ctx.Err() != nil:
		rep.finish(ctx, "cancelled", "")
		p.notify(ctx, t, "info", "Sync of "+src.Name+" stopped",
			fmt.Sprintf("Stopped after %d records; those are kept in dataset %s.", res.Records, res.Dataset))
		return nil, ctx.Err()
	default:
		rep.finish(ctx, "failed", err.Error())
		p.notify(ctx, t, "error", "Sync of "+src.Name+" failed",
			clip(fmt.Sprintf("%v. %d records were synced before the error and are kept.", err, res.Records), 2000))
		return nil, err
	}
}

func (p *Plugin) claim(t sdk.Tenant, name, task string) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	ts := p.tenants[t.ID]
	if ts == nil {
		ts = &tenant{t: t, running: map[string]string{}}
		p.tenants[t.ID] = ts
	}
	if cur, busy := ts.running[name]; busy && cur != task {
		return false
	}
	ts.running[name] = task
	return true
}

func (p *Plugin) release(t sdk.Tenant, name, task string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if ts := p.tenants[t.ID]; ts != nil && ts.running[name] == task {
		delete(ts.running, name)
	}
}

// copy reads the source and appends its records, batch by batch.
func (p *Plugin) copy(ctx context.Context, t sdk.Tenant, src Source, rep *reporter, progress sdk.Progress, res *result) error {
	env := source.Env{Policy: p.opts.Policy, TempDir: p.opts.TempDir}
	if p.opts.FilesDir != "" {
		env.FilesRoot = p.opts.FilesDir + "/" + t.ID
	}
	r, err := open(ctx, src, env)
	if err != nil {
		return classify(err)
	}
	defer func() { _ = r.Close() }()
	total, err := r.Total(ctx)
	if err != nil {
		return classify(err)
	}
	rep.total = total
	if progress != nil && total >= 0 {
		progress.SetTotal(total)
	}
	rep.update(ctx, 0)
	ds := p.host.Datasets(t)
	for {
		recs, err := r.Next(ctx)
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return classify(err)
		}
		for start := 0; start < len(recs); {
			end, size := start, 0
			for end < len(recs) && end-start < maxBatch && (size == 0 || size+len(recs[end].Data) <= maxBatchBytes) {
				size += len(recs[end].Data)
				end++
			}
			batch := make([]sdk.Record, 0, end-start)
			for _, rec := range recs[start:end] {
				batch = append(batch, sdk.Record{Key: rec.Key, Data: rec.Data})
			}
			ins, upd, err := ds.Append(ctx, src.dataset(), batch...)
			if err != nil {
				return fmt.Errorf("storing records in dataset %s: %w", src.dataset(), err)
			}
			res.Records += int64(len(batch))
			res.Inserted += int64(ins)
			res.Updated += int64(upd)
			start = end
		}
		if progress != nil {
			progress.Report(res.Records, rep.total)
		}
		rep.update(ctx, res.Records)
	}
	if rep.total < 0 || rep.total != res.Records {
		rep.total = res.Records
		if progress != nil {
			progress.SetTotal(res.Records)
		}
	}
	if progress != nil {
		progress.Report(res.Records, res.Records)
	}
	return nil
}

func open(ctx context.Context, src Source, env source.Env) (source.Reader, error) {
	switch src.Type {
	case "http":
		return source.NewHTTP(*src.HTTP, src.key(), env)
	case "file":
		return source.NewFile(ctx, *src.File, src.key(), env)
	case "postgres":
		return source.NewPostgres(ctx, *src.Postgres, src.key(), env)
	}
	return nil, fmt.Errorf("%w: unknown source type %q", source.ErrConfig, src.Type)
}

// classify gives a source error its code: a refused address or a bad
// configuration will fail again as it is (not worth an automatic retry);
// anything else is the source's failure (downstream).
func classify(err error) error {
	switch {
	case errors.Is(err, outbound.ErrRefused):
		return sdk.Errorf(sdk.ErrPermission, "%v", err)
	case errors.Is(err, source.ErrConfig):
		return sdk.Errorf(sdk.ErrInvalidInput, "%v", err)
	case errors.Is(err, context.Canceled), errors.Is(err, context.DeadlineExceeded):
		return err
	}
	return sdk.Downstream(err)
}

func (p *Plugin) notify(ctx context.Context, t sdk.Tenant, kind, title, msg string) {
	err := p.host.Emit(context.WithoutCancel(ctx), t, sdk.Event{Type: "notification", Data: map[string]string{
		"kind": kind, "title": clip(title, 200), "message": clip(msg, 2000)}})
	if err != nil {
		p.host.Logger().WarnContext(ctx, "notification not sent", "error", err.Error())
	}
}

func clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return strings.ToValidUTF8(s[:n], "")
}

// reporter emits a run's sync.update events, at most one per interval,
// always the final one.
type reporter struct {
	p     *Plugin
	t     sdk.Tenant
	task  string
	src   Source
	every time.Duration
	total int64
	done  int64
	last  time.Time
}

func (r *reporter) data(status string, processed int64, errMsg string) map[string]any {
	total := r.total
	if total < 0 {
		total = 0
	}
	pct := 0
	switch {
	case status == "succeeded":
		pct = 100
	case total > 0:
		pct = int(min(processed*100/total, 100))
	}
	d := map[string]any{
		"task_id": r.task, "status": status, "progress": pct, "processed_items": processed, "total_items": total,
		"source": r.src.Name, "dataset": r.src.dataset(),
	}
	if errMsg != "" {
		d["error"] = clip(errMsg, 1000)
	}
	return d
}

func (r *reporter) update(ctx context.Context, processed int64) {
	r.done = processed
	if time.Since(r.last) < r.every {
		return
	}
	r.last = time.Now()
	if err := r.p.host.Emit(ctx, r.t, sdk.Event{Type: "sync.update", Data: r.data("running", processed, "")}); err != nil && ctx.Err() == nil {
		r.p.host.Logger().WarnContext(ctx, "sync.update not sent", "error", err.Error())
	}
}

func (r *reporter) finish(ctx context.Context, status, errMsg string) {
	if err := r.p.host.Emit(context.WithoutCancel(ctx), r.t, sdk.Event{Type: "sync.update", Data: r.data(status, r.done, errMsg)}); err != nil {
		r.p.host.Logger().WarnContext(ctx, "final sync.update not sent", "error", err.Error())
	}
}
