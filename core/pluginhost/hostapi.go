package pluginhost

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/switchyard/switchyard/core/events"
	"github.com/switchyard/switchyard/sdk/grpcplugin"
)

// hostAPI is the grpcplugin.HostServer one plugin process calls. It knows
// which plugin (and which process) is calling, so every request is checked
// against that plugin's installations and manifest.
type hostAPI struct {
	sup      *supervisor
	instance string
	plugin   atomic.Pointer[Plugin] // set once the manifest was read

	logMu   sync.Mutex
	lastLog map[string]time.Time // drop reason -> last log line
}

var _ grpcplugin.HostServer = (*hostAPI)(nil)

func newHostAPI(s *supervisor, instance string) *hostAPI {
	return &hostAPI{sup: s, instance: instance, lastLog: map[string]time.Time{}}
}

// tenant checks that t installed the plugin (id and slug both match).
func (h *hostAPI) tenant(t grpcplugin.Tenant) error {
	if !h.sup.hasTenant(t) {
		return errorf(grpcplugin.ErrPermission, "organization %q has not installed plugin %s", t.Slug, h.sup.name)
	}
	return nil
}

// Drop reasons (metric label values).
const (
	dropNotInstalled = "not_installed"
	dropUndeclared   = "undeclared_type"
	dropTooLarge     = "too_large"
	dropInvalid      = "invalid"
	dropRateLimited  = "rate_limited"
	dropUnavailable  = "unavailable"
)

// Emit checks every event — the tenant installed this plugin, the type is
// declared, the payload fits, the event is well-formed — and publishes the
// accepted ones per organization, subject to its event rate quota. Refused
// events are dropped, counted and logged; they never reach an organization.
func (h *hostAPI) Emit(ctx context.Context, evs []grpcplugin.Event) (grpcplugin.EmitResult, error) {
	var res grpcplugin.EmitResult
	pl := h.plugin.Load()
	tenants := h.sup.tenantView()
	m := h.sup.m
	reject := func(i int, code grpcplugin.Code, reason, why string) {
		res.Rejected = append(res.Rejected, grpcplugin.Rejection{Index: i, Code: code, Reason: why})
		m.metrics.dropped.WithLabelValues(h.sup.name, reason).Inc()
		m.d.Events.Dropped("plugin_"+reason, 1)
		h.logDrop(ctx, reason, why)
	}
	type group struct {
		orgID  string
		index  []int
		drafts []events.Draft
	}
	var groups []*group
	byOrg := map[string]*group{}
	source := "plugin:" + h.sup.name
	for i, e := range evs {
		switch slug, ok := tenants[e.Tenant.ID]; {
		case pl == nil:
			reject(i, grpcplugin.CodeUnavailable, dropUnavailable, "the host has not read the plugin's manifest yet")
			continue
		case !ok || slug != e.Tenant.Slug:
			reject(i, grpcplugin.CodePermission, dropNotInstalled, fmt.Sprintf("organization %q has not installed plugin %s", e.Tenant.Slug, h.sup.name))
			continue
		case !pl.DeclaresEvent(e.Type):
			reject(i, grpcplugin.CodeInvalidInput, dropUndeclared, fmt.Sprintf("event type %q is not declared in the manifest of plugin %s", e.Type, h.sup.name))
			continue
		case len(e.Data) > events.MaxDataSize:
			reject(i, grpcplugin.CodeResourceExhausted, dropTooLarge, fmt.Sprintf("event data is %d bytes, at most %d", len(e.Data), events.MaxDataSize))
			continue
		}
		d := events.Draft{Type: e.Type, Source: source, Target: e.Target, Data: e.Data}
		if err := d.Validate(); err != nil {
			reject(i, grpcplugin.CodeInvalidInput, dropInvalid, err.Error())
			continue
		}
		g := byOrg[e.Tenant.ID]
		if g == nil {
			g = &group{orgID: e.Tenant.ID}
			byOrg[e.Tenant.ID] = g
			groups = append(groups, g)
		}
		g.index = append(g.index, i)
		g.drafts = append(g.drafts, d)
	}
	// Publish every organization's events in chunks the events service
	// takes; chunks go concurrently so the journal commits them together.
	type chunk struct {
		index []int
		n     int
		err   error
	}
	var chunks []*chunk
	var wg sync.WaitGroup
	for _, g := range groups {
		for off := 0; off < len(g.drafts); off += events.MaxBatch {
			end := min(off+events.MaxBatch, len(g.drafts))
			c := &chunk{index: g.index[off:end], n: end - off}
			chunks = append(chunks, c)
			wg.Add(1)
			go func(orgID string, drafts []events.Draft) {
				defer wg.Done()
				_, c.err = m.d.Events.Publish(ctx, orgID, drafts)
			}(g.orgID, g.drafts[off:end])
		}
	}
	wg.Wait()
	stored := false
	for _, c := range chunks {
		stored = stored || c.err == nil
	}
	for _, c := range chunks {
		if c.err == nil {
			res.Accepted += c.n
			continue
		}
		code, reason := grpcplugin.CodeOf(c.err), dropInvalid
		switch {
		case errors.Is(c.err, events.ErrRateLimited):
			// The events service counted the drop already.
			code, reason = grpcplugin.CodeResourceExhausted, dropRateLimited
		case errors.Is(c.err, events.ErrInvalid):
			code = grpcplugin.CodeInvalidInput
			m.d.Events.Dropped("plugin_"+reason, c.n)
		case !stored:
			// The journal failed and nothing of the batch was stored: the
			// plugin may send it all again.
			return res, fmt.Errorf("%w: publishing events: %v", grpcplugin.ErrUnavailable, c.err)
		default:
			// Other organizations' events were stored: failing the call
			// would have the plugin send them twice. These events come
			// back as unavailable, for the plugin to send again alone.
			code, reason = grpcplugin.CodeUnavailable, dropUnavailable
		}
		for _, i := range c.index {
			res.Rejected = append(res.Rejected, grpcplugin.Rejection{Index: i, Code: code, Reason: c.err.Error()})
		}
		m.metrics.dropped.WithLabelValues(h.sup.name, reason).Add(float64(c.n))
		h.logDrop(ctx, reason, c.err.Error())
	}
	m.metrics.accepted.WithLabelValues(h.sup.name).Add(float64(res.Accepted))
	return res, nil
}

// logDrop logs a dropped event, at most once per reason per 10 seconds
// (the counters have the totals).
func (h *hostAPI) logDrop(ctx context.Context, reason, why string) {
	h.logMu.Lock()
	last := h.lastLog[reason]
	now := time.Now()
	if now.Sub(last) < 10*time.Second {
		h.logMu.Unlock()
		return
	}
	h.lastLog[reason] = now
	h.logMu.Unlock()
	h.sup.log.WarnContext(ctx, "plugin event dropped", "reason", reason, "detail", why)
}

// StateGet implements grpcplugin.HostServer.
func (h *hostAPI) StateGet(ctx context.Context, t grpcplugin.Tenant, key string) ([]byte, bool, error) {
	if err := h.tenant(t); err != nil {
		return nil, false, err
	}
	return h.sup.m.store.stateGet(ctx, t.ID, h.sup.name, key)
}

// StatePut implements grpcplugin.HostServer.
func (h *hostAPI) StatePut(ctx context.Context, t grpcplugin.Tenant, key string, value []byte) error {
	if err := h.tenant(t); err != nil {
		return err
	}
	return h.sup.m.store.statePut(ctx, t.ID, h.sup.name, key, value)
}

// StateDelete implements grpcplugin.HostServer.
func (h *hostAPI) StateDelete(ctx context.Context, t grpcplugin.Tenant, key string) error {
	if err := h.tenant(t); err != nil {
		return err
	}
	return h.sup.m.store.stateDelete(ctx, t.ID, h.sup.name, key)
}

// StateList implements grpcplugin.HostServer.
func (h *hostAPI) StateList(ctx context.Context, t grpcplugin.Tenant, prefix string, page grpcplugin.PageRequest) (grpcplugin.StatePage, error) {
	if err := h.tenant(t); err != nil {
		return grpcplugin.StatePage{}, err
	}
	return h.sup.m.store.stateList(ctx, t.ID, h.sup.name, prefix, page)
}

// DatasetAppend implements grpcplugin.HostServer.
func (h *hostAPI) DatasetAppend(ctx context.Context, t grpcplugin.Tenant, dataset string, records []grpcplugin.Record) (grpcplugin.AppendResult, error) {
	if err := h.tenant(t); err != nil {
		return grpcplugin.AppendResult{}, err
	}
	return h.sup.m.store.datasetAppend(ctx, t.ID, h.sup.name, dataset, records)
}

// DatasetQuery implements grpcplugin.HostServer.
func (h *hostAPI) DatasetQuery(ctx context.Context, t grpcplugin.Tenant, dataset string, page grpcplugin.PageRequest) (grpcplugin.RecordPage, error) {
	if err := h.tenant(t); err != nil {
		return grpcplugin.RecordPage{}, err
	}
	return h.sup.m.store.datasetQuery(ctx, t.ID, dataset, page)
}

// DatasetList implements grpcplugin.HostServer: the organization's
// datasets, whichever plugin wrote them.
func (h *hostAPI) DatasetList(ctx context.Context, t grpcplugin.Tenant) ([]grpcplugin.DatasetInfo, error) {
	if err := h.tenant(t); err != nil {
		return nil, err
	}
	return h.sup.m.store.datasetList(ctx, t.ID)
}

// JobUpdate implements grpcplugin.HostServer.
func (h *hostAPI) JobUpdate(ctx context.Context, u grpcplugin.JobUpdate) error {
	if err := h.tenant(u.Tenant); err != nil {
		return err
	}
	if h.sup.m.d.Jobs == nil {
		return nil
	}
	return h.sup.m.d.Jobs.Update(ctx, h.sup.name, h.instance, u)
}

// Log implements grpcplugin.HostServer: the line goes to the core's log
// with the plugin, its version and the tenant.
func (h *hostAPI) Log(ctx context.Context, e grpcplugin.LogEntry) error {
	attrs := make([]slog.Attr, 0, len(e.Fields)+1)
	if e.Tenant != (grpcplugin.Tenant{}) {
		if err := h.tenant(e.Tenant); err != nil {
			return err
		}
		attrs = append(attrs, slog.String("tenant", e.Tenant.Slug))
	}
	for i, f := range e.Fields {
		if i == 32 {
			break
		}
		attrs = append(attrs, slog.String("plugin."+clip(f.Key, 64), clip(f.Value, 1024)))
	}
	h.sup.log.LogAttrs(ctx, e.Level, clip(e.Message, 4096), attrs...)
	return nil
}

// DatasetChanges implements grpcplugin.HostServer: the organization's
// dataset, whichever plugin wrote it, in write order.
func (h *hostAPI) DatasetChanges(ctx context.Context, t grpcplugin.Tenant, dataset string, page grpcplugin.PageRequest) (grpcplugin.ChangePage, error) {
	if err := h.tenant(t); err != nil {
		return grpcplugin.ChangePage{}, err
	}
	return h.sup.m.store.datasetChanges(ctx, t.ID, dataset, page)
}

// EventsSince implements grpcplugin.HostServer: the organization's history
// after q.After, without events addressed to one user. When that point is
// no longer kept, the page starts at the oldest event kept and says so.
func (h *hostAPI) EventsSince(ctx context.Context, t grpcplugin.Tenant, q grpcplugin.EventsQuery) (grpcplugin.EventPage, error) {
	if err := h.tenant(t); err != nil {
		return grpcplugin.EventPage{}, err
	}
	hist := h.sup.m.d.History
	if hist == nil {
		return grpcplugin.EventPage{}, errorf(grpcplugin.ErrUnavailable, "this core serves no event history")
	}
	limit := q.Limit
	if limit <= 0 {
		limit = defaultPage
	}
	limit = min(limit, grpcplugin.MaxPageSize)
	after := q.After
	var page grpcplugin.EventPage
	evs, head, err := hist.Since(ctx, t.ID, after, limit)
	if errors.Is(err, events.ErrHistoryGap) {
		if after > head.Seq {
			return grpcplugin.EventPage{}, errorf(grpcplugin.ErrInvalidInput, "sequence %d is beyond the organization's latest event %d", after, head.Seq)
		}
		if after, err = resumePoint(ctx, hist, t.ID, after, head.Seq); err != nil {
			return grpcplugin.EventPage{}, fmt.Errorf("%w: reading events: %v", grpcplugin.ErrUnavailable, err)
		}
		page.Gap = true
		evs, head, err = hist.Since(ctx, t.ID, after, limit)
	}
	if err != nil {
		return grpcplugin.EventPage{}, fmt.Errorf("%w: reading events: %v", grpcplugin.ErrUnavailable, err)
	}
	page.Head, page.Epoch, page.Next = head.Seq, head.Epoch, after
	for _, e := range evs {
		page.Next = e.Seq
		if e.Target != "" || !matchesAny(q.Types, e.Type) {
			continue
		}
		page.Events = append(page.Events, grpcplugin.HistoryEvent{Seq: e.Seq, ID: e.ID, Type: e.Type, Source: e.Source, Time: e.Time, Data: e.Data})
	}
	return page, nil
}

// resumePoint finds the first sequence number after `after` that the
// organization's history continues from (the head always does), by
// bisection: a few reads of one event each.
func resumePoint(ctx context.Context, hist EventHistory, orgID string, after, head uint64) (uint64, error) {
	lo, hi := after, head
	for lo < hi {
		mid := lo + (hi-lo)/2
		_, _, err := hist.Since(ctx, orgID, mid, 1)
		switch {
		case errors.Is(err, events.ErrHistoryGap):
			lo = mid + 1
		case err != nil:
			return 0, err
		default:
			hi = mid
		}
	}
	return lo, nil
}

func matchesAny(patterns []string, typ string) bool {
	if len(patterns) == 0 {
		return true
	}
	for _, p := range patterns {
		if events.Match(p, typ) {
			return true
		}
	}
	return false
}

// Usage implements grpcplugin.HostServer: the figures this core knows of
// the organization. Sockets are this replica's.
func (h *hostAPI) Usage(ctx context.Context, t grpcplugin.Tenant) (grpcplugin.Usage, error) {
	if err := h.tenant(t); err != nil {
		return grpcplugin.Usage{}, err
	}
	m := h.sup.m
	u := grpcplugin.Usage{MeasuredAt: time.Now().UTC()}
	if m.d.History != nil {
		head, err := m.d.History.Head(ctx, t.ID)
		if err != nil {
			return grpcplugin.Usage{}, fmt.Errorf("%w: event head: %v", grpcplugin.ErrUnavailable, err)
		}
		u.EventsSeq, u.EventsEpoch = head.Seq, head.Epoch
	}
	if m.d.Sockets != nil {
		u.Sockets = m.d.Sockets(t.ID)
	}
	if m.d.JobCounts != nil {
		q, r, err := m.d.JobCounts.Counts(ctx, t.ID)
		if err != nil {
			return grpcplugin.Usage{}, fmt.Errorf("%w: %v", grpcplugin.ErrUnavailable, err)
		}
		u.JobsQueued, u.JobsRunning = q, r
	}
	sz, err := m.store.sizes(ctx, t.ID)
	if err != nil {
		return grpcplugin.Usage{}, fmt.Errorf("%w: %v", grpcplugin.ErrUnavailable, err)
	}
	u.Datasets, u.DatasetRecords, u.DatasetBytes, u.StateBytes = sz.Datasets, sz.DatasetRecords, sz.DatasetBytes, sz.StateBytes
	u.FilesBytes = m.files.size(t.ID)
	return u, nil
}

// SubmitJob implements grpcplugin.HostServer: a job of one of the plugin's
// own job actions, its input checked against the action's schema, recorded
// and started as if an API client had asked, created by
// "plugin:<name>[:<reason>]".
func (h *hostAPI) SubmitJob(ctx context.Context, t grpcplugin.Tenant, j grpcplugin.JobSubmission) (string, error) {
	if err := h.tenant(t); err != nil {
		return "", err
	}
	pl := h.plugin.Load()
	if pl == nil {
		return "", fmt.Errorf("%w: the plugin's manifest is not read yet", grpcplugin.ErrUnavailable)
	}
	if act, ok := pl.Action(j.Kind); !ok || !act.Job {
		return "", fmt.Errorf("%w: plugin %s has no job action %q", grpcplugin.ErrInvalidInput, h.sup.name, clip(j.Kind, 64))
	}
	input := j.Input
	if len(input) == 0 {
		input = json.RawMessage(`{}`)
	}
	if err := pl.ValidateInput(j.Kind, input); err != nil {
		return "", fmt.Errorf("%w: %v", grpcplugin.ErrInvalidInput, err)
	}
	submit := h.sup.m.d.SubmitJob
	if submit == nil {
		return "", fmt.Errorf("%w: this core runs no jobs for plugins", grpcplugin.ErrUnavailable)
	}
	by := "plugin:" + h.sup.name
	if j.Reason != "" {
		by += ":" + j.Reason
	}
	return submit(ctx, t, h.sup.name, j.Kind, input, by)
}

func clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n]
}

// noHost is the host API of a process started only to read its manifest.
type noHost struct{}

var errNoHost = fmt.Errorf("%w: this process was started only to read its manifest", grpcplugin.ErrUnavailable)

func (noHost) Emit(context.Context, []grpcplugin.Event) (grpcplugin.EmitResult, error) {
	return grpcplugin.EmitResult{}, errNoHost
}
func (noHost) StateGet(context.Context, grpcplugin.Tenant, string) ([]byte, bool, error) {
	return nil, false, errNoHost
}
func (noHost) StatePut(context.Context, grpcplugin.Tenant, string, []byte) error { return errNoHost }
func (noHost) StateDelete(context.Context, grpcplugin.Tenant, string) error      { return errNoHost }
func (noHost) StateList(context.Context, grpcplugin.Tenant, string, grpcplugin.PageRequest) (grpcplugin.StatePage, error) {
	return grpcplugin.StatePage{}, errNoHost
}
func (noHost) DatasetAppend(context.Context, grpcplugin.Tenant, string, []grpcplugin.Record) (grpcplugin.AppendResult, error) {
	return grpcplugin.AppendResult{}, errNoHost
}
func (noHost) DatasetQuery(context.Context, grpcplugin.Tenant, string, grpcplugin.PageRequest) (grpcplugin.RecordPage, error) {
	return grpcplugin.RecordPage{}, errNoHost
}
func (noHost) DatasetList(context.Context, grpcplugin.Tenant) ([]grpcplugin.DatasetInfo, error) {
	return nil, errNoHost
}
func (noHost) JobUpdate(context.Context, grpcplugin.JobUpdate) error { return errNoHost }
func (noHost) DatasetChanges(context.Context, grpcplugin.Tenant, string, grpcplugin.PageRequest) (grpcplugin.ChangePage, error) {
	return grpcplugin.ChangePage{}, errNoHost
}
func (noHost) EventsSince(context.Context, grpcplugin.Tenant, grpcplugin.EventsQuery) (grpcplugin.EventPage, error) {
	return grpcplugin.EventPage{}, errNoHost
}
func (noHost) Usage(context.Context, grpcplugin.Tenant) (grpcplugin.Usage, error) {
	return grpcplugin.Usage{}, errNoHost
}
func (noHost) SubmitJob(context.Context, grpcplugin.Tenant, grpcplugin.JobSubmission) (string, error) {
	return "", errNoHost
}
func (noHost) Log(context.Context, grpcplugin.LogEntry) error { return nil }

// statusData is the payload of a plugin.status event.
type statusData struct {
	Plugin  string `json:"plugin"`
	Version string `json:"version"`
	Status  Status `json:"status"`
	Error   string `json:"error,omitempty"`
}

func (d statusData) raw() json.RawMessage {
	b, _ := json.Marshal(d)
	return b
}
