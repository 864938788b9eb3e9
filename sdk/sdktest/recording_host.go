package sdktest

import (
	"context"
	"fmt"
	"slices"
	"sort"
	"strings"
	"sync"

	"github.com/switchyard/switchyard/sdk/grpcplugin"
)

// DefaultMaxEvents is how many events a RecordingHost keeps by default.
const DefaultMaxEvents = 100_000

// RecordingHost is an in-memory host API (grpcplugin.HostServer) that
// records what a plugin does and enforces what the core enforces: a tenant
// must have installed the plugin (Install) before the plugin acts for it, and
// emitted event types must be declared in the manifest (SetManifest; the
// harness sets it). Refused events are recorded with their reason.
//
// Tests read what was recorded with the accessors and wait for it with
// WaitEvent and WaitJob. A RecordingHost is safe for concurrent use.
type RecordingHost struct {
	mu        sync.Mutex
	manifest  *grpcplugin.Manifest
	installed map[string]grpcplugin.Tenant
	maxEvents int
	events    []grpcplugin.Event
	dropped   int // events accepted but no longer kept (beyond maxEvents)
	refused   []RefusedEvent
	state     map[string]map[string][]byte
	datasets  map[string]map[string]map[string][]byte // tenant -> dataset -> key -> data
	jobs      []grpcplugin.JobUpdate
	submitted []Submission
	logs      []grpcplugin.LogEntry
	changed   chan struct{} // closed and replaced on every change

	// The change feed of every dataset, the event history and usage
	// figures (DatasetChanges, EventsSince, Usage).
	feeds   map[string]map[string]*changeFeed // tenant -> dataset -> feed
	history map[string]*eventLog              // tenant -> history
	usage   map[string]grpcplugin.Usage       // tenant -> figures set by SetUsage
}

// RefusedEvent is an event the RecordingHost refused, with the rejection.
type RefusedEvent struct {
	Event     grpcplugin.Event
	Rejection grpcplugin.Rejection
}

var _ grpcplugin.HostServer = (*RecordingHost)(nil)

// NewRecordingHost returns an empty RecordingHost keeping the last
// DefaultMaxEvents events.
func NewRecordingHost() *RecordingHost {
	return &RecordingHost{
		installed: make(map[string]grpcplugin.Tenant),
		maxEvents: DefaultMaxEvents,
		state:     make(map[string]map[string][]byte),
		datasets:  make(map[string]map[string]map[string][]byte),
		changed:   make(chan struct{}),
		feeds:     make(map[string]map[string]*changeFeed),
		history:   make(map[string]*eventLog),
		usage:     make(map[string]grpcplugin.Usage),
	}
}

// SetManifest sets the manifest whose event types Emit accepts.
func (h *RecordingHost) SetManifest(m grpcplugin.Manifest) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.manifest = &m
	h.notify()
}

// SetMaxEvents sets how many of the latest events are kept (counting goes on
// beyond it); n <= 0 keeps DefaultMaxEvents. Benchmarks lower it.
func (h *RecordingHost) SetMaxEvents(n int) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if n <= 0 {
		n = DefaultMaxEvents
	}
	h.maxEvents = n
}

// Install records that tenant t installed the plugin.
func (h *RecordingHost) Install(t grpcplugin.Tenant) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.installed[t.ID] = t
}

// Uninstall records that tenant t removed the plugin; its state and datasets go.
func (h *RecordingHost) Uninstall(t grpcplugin.Tenant) {
	h.mu.Lock()
	defer h.mu.Unlock()
	delete(h.installed, t.ID)
	delete(h.state, t.ID)
	delete(h.datasets, t.ID)
	delete(h.feeds, t.ID)
}

// notify wakes waiters. h.mu is held.
func (h *RecordingHost) notify() {
	close(h.changed)
	h.changed = make(chan struct{})
}

func (h *RecordingHost) checkTenant(t grpcplugin.Tenant) error {
	if _, ok := h.installed[t.ID]; !ok {
		return fmt.Errorf("tenant %q has not installed the plugin: %w", t.Slug, grpcplugin.ErrPermission)
	}
	return nil
}

// Emit implements grpcplugin.HostServer.
func (h *RecordingHost) Emit(_ context.Context, events []grpcplugin.Event) (grpcplugin.EmitResult, error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	var res grpcplugin.EmitResult
	for i, e := range events {
		var rej *grpcplugin.Rejection
		switch {
		case h.manifest == nil:
			rej = &grpcplugin.Rejection{Index: i, Code: grpcplugin.CodeUnavailable, Reason: "the manifest is not loaded yet"}
		case h.checkTenant(e.Tenant) != nil:
			rej = &grpcplugin.Rejection{Index: i, Code: grpcplugin.CodePermission, Reason: fmt.Sprintf("tenant %q has not installed the plugin", e.Tenant.Slug)}
		case !h.manifest.DeclaresEvent(e.Type):
			rej = &grpcplugin.Rejection{Index: i, Code: grpcplugin.CodeInvalidInput, Reason: fmt.Sprintf("event type %q is not declared in the manifest", e.Type)}
		}
		if rej != nil {
			res.Rejected = append(res.Rejected, *rej)
			h.refused = append(h.refused, RefusedEvent{Event: cloneEvent(e), Rejection: *rej})
			continue
		}
		res.Accepted++
		h.events = append(h.events, cloneEvent(e))
		if e.Target == "" {
			h.eventLog(e.Tenant.ID).add(grpcplugin.HistoryEvent{ID: e.ID, Type: e.Type, Source: "plugin:" + h.manifest.Name, Data: slices.Clone(e.Data)}, h.maxEvents)
		}
	}
	if over := len(h.events) - h.maxEvents; over > 0 {
		// Keep the latest maxEvents; compact once the slice doubled.
		if over >= h.maxEvents {
			n := copy(h.events, h.events[over:])
			clear(h.events[n:])
			h.events = h.events[:n]
			h.dropped += over
		}
	}
	h.notify()
	return res, nil
}

// cloneEvent copies e's payload: the gRPC layer may reuse buffers after the
// call returns.
func cloneEvent(e grpcplugin.Event) grpcplugin.Event {
	e.Data = slices.Clone(e.Data)
	return e
}

// StateGet implements grpcplugin.HostServer.
func (h *RecordingHost) StateGet(_ context.Context, t grpcplugin.Tenant, key string) ([]byte, bool, error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if err := h.checkTenant(t); err != nil {
		return nil, false, err
	}
	v, ok := h.state[t.ID][key]
	return slices.Clone(v), ok, nil
}

// StatePut implements grpcplugin.HostServer.
func (h *RecordingHost) StatePut(_ context.Context, t grpcplugin.Tenant, key string, value []byte) error {
	h.mu.Lock()
	defer h.mu.Unlock()
	if err := h.checkTenant(t); err != nil {
		return err
	}
	if h.state[t.ID] == nil {
		h.state[t.ID] = make(map[string][]byte)
	}
	h.state[t.ID][key] = slices.Clone(value)
	h.notify()
	return nil
}

// StateDelete implements grpcplugin.HostServer.
func (h *RecordingHost) StateDelete(_ context.Context, t grpcplugin.Tenant, key string) error {
	h.mu.Lock()
	defer h.mu.Unlock()
	if err := h.checkTenant(t); err != nil {
		return err
	}
	delete(h.state[t.ID], key)
	h.notify()
	return nil
}

// StateList implements grpcplugin.HostServer: keys in order; the cursor is
// the last key of the previous page.
func (h *RecordingHost) StateList(_ context.Context, t grpcplugin.Tenant, prefix string, page grpcplugin.PageRequest) (grpcplugin.StatePage, error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if err := h.checkTenant(t); err != nil {
		return grpcplugin.StatePage{}, err
	}
	keys := sortedKeys(h.state[t.ID], func(k string) bool { return strings.HasPrefix(k, prefix) && k > page.Cursor })
	keys, next := pageOf(keys, page.Limit)
	out := grpcplugin.StatePage{NextCursor: next}
	for _, k := range keys {
		out.Items = append(out.Items, grpcplugin.StateItem{Key: k, Value: slices.Clone(h.state[t.ID][k])})
	}
	return out, nil
}

// DatasetAppend implements grpcplugin.HostServer: records are upserted by key.
func (h *RecordingHost) DatasetAppend(_ context.Context, t grpcplugin.Tenant, dataset string, records []grpcplugin.Record) (grpcplugin.AppendResult, error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if err := h.checkTenant(t); err != nil {
		return grpcplugin.AppendResult{}, err
	}
	if h.datasets[t.ID] == nil {
		h.datasets[t.ID] = make(map[string]map[string][]byte)
	}
	ds := h.datasets[t.ID][dataset]
	if ds == nil {
		ds = make(map[string][]byte)
		h.datasets[t.ID][dataset] = ds
	}
	var res grpcplugin.AppendResult
	feed := h.feed(t.ID, dataset)
	for _, r := range records {
		if _, ok := ds[r.Key]; ok {
			res.Updated++
		} else {
			res.Inserted++
		}
		ds[r.Key] = slices.Clone(r.Data)
		feed.write(r.Key)
	}
	h.notify()
	return res, nil
}

// DatasetQuery implements grpcplugin.HostServer: records in key order; the
// cursor is the last key of the previous page.
func (h *RecordingHost) DatasetQuery(_ context.Context, t grpcplugin.Tenant, dataset string, page grpcplugin.PageRequest) (grpcplugin.RecordPage, error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if err := h.checkTenant(t); err != nil {
		return grpcplugin.RecordPage{}, err
	}
	ds, ok := h.datasets[t.ID][dataset]
	if !ok {
		return grpcplugin.RecordPage{}, fmt.Errorf("dataset %q: %w", dataset, grpcplugin.ErrNotFound)
	}
	keys, next := pageOf(sortedKeys(ds, func(k string) bool { return k > page.Cursor }), page.Limit)
	out := grpcplugin.RecordPage{NextCursor: next}
	for _, k := range keys {
		out.Records = append(out.Records, grpcplugin.Record{Key: k, Data: slices.Clone(ds[k])})
	}
	return out, nil
}

// DatasetList implements grpcplugin.HostServer.
func (h *RecordingHost) DatasetList(_ context.Context, t grpcplugin.Tenant) ([]grpcplugin.DatasetInfo, error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if err := h.checkTenant(t); err != nil {
		return nil, err
	}
	var out []grpcplugin.DatasetInfo
	for _, name := range sortedKeys(h.datasets[t.ID], nil) {
		out = append(out, grpcplugin.DatasetInfo{Name: name, Records: int64(len(h.datasets[t.ID][name]))})
	}
	return out, nil
}

// JobUpdate implements grpcplugin.HostServer.
func (h *RecordingHost) JobUpdate(_ context.Context, u grpcplugin.JobUpdate) error {
	h.mu.Lock()
	defer h.mu.Unlock()
	if err := h.checkTenant(u.Tenant); err != nil {
		return err
	}
	u.Result = slices.Clone(u.Result)
	h.jobs = append(h.jobs, u)
	h.notify()
	return nil
}

// Submission is a job the plugin submitted through SubmitJob.
type Submission struct {
	Tenant grpcplugin.Tenant
	ID     string
	grpcplugin.JobSubmission
}

// SubmitJob implements grpcplugin.HostServer: it records the submission
// (see Submissions) and answers an id, "submitted-<n>"; it runs nothing.
// A tenant that has not installed the plugin, or a kind the manifest (when
// set) does not declare as a job, is refused as the core refuses it.
func (h *RecordingHost) SubmitJob(_ context.Context, t grpcplugin.Tenant, j grpcplugin.JobSubmission) (string, error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if err := h.checkTenant(t); err != nil {
		return "", err
	}
	if h.manifest != nil {
		job := false
		for _, a := range h.manifest.Actions {
			job = job || (a.Name == j.Kind && a.Job)
		}
		if !job {
			return "", fmt.Errorf("%w: plugin %s has no job action %q", grpcplugin.ErrInvalidInput, h.manifest.Name, j.Kind)
		}
	}
	j.Input = slices.Clone(j.Input)
	s := Submission{Tenant: t, ID: fmt.Sprintf("submitted-%d", len(h.submitted)+1), JobSubmission: j}
	h.submitted = append(h.submitted, s)
	h.notify()
	return s.ID, nil
}

// Submissions returns the jobs submitted for tenant t, oldest first.
func (h *RecordingHost) Submissions(t grpcplugin.Tenant) []Submission {
	h.mu.Lock()
	defer h.mu.Unlock()
	var out []Submission
	for _, s := range h.submitted {
		if s.Tenant.ID == t.ID {
			out = append(out, s)
		}
	}
	return out
}

// Log implements grpcplugin.HostServer.
func (h *RecordingHost) Log(_ context.Context, e grpcplugin.LogEntry) error {
	h.mu.Lock()
	defer h.mu.Unlock()
	e.Fields = slices.Clone(e.Fields)
	h.logs = append(h.logs, e)
	h.notify()
	return nil
}

// Events returns the accepted events kept, oldest first.
func (h *RecordingHost) Events() []grpcplugin.Event {
	h.mu.Lock()
	defer h.mu.Unlock()
	return slices.Clone(h.events)
}

// EventCount returns how many events were accepted in all, kept or not.
func (h *RecordingHost) EventCount() int {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.dropped + len(h.events)
}

// Refused returns the events the host refused, oldest first.
func (h *RecordingHost) Refused() []RefusedEvent {
	h.mu.Lock()
	defer h.mu.Unlock()
	return slices.Clone(h.refused)
}

// JobUpdates returns the updates of one job, in arrival order.
func (h *RecordingHost) JobUpdates(t grpcplugin.Tenant, jobID string) []grpcplugin.JobUpdate {
	h.mu.Lock()
	defer h.mu.Unlock()
	var out []grpcplugin.JobUpdate
	for _, u := range h.jobs {
		if u.Tenant.ID == t.ID && u.JobID == jobID {
			out = append(out, u)
		}
	}
	return out
}

// Logs returns the log entries received, oldest first.
func (h *RecordingHost) Logs() []grpcplugin.LogEntry {
	h.mu.Lock()
	defer h.mu.Unlock()
	return slices.Clone(h.logs)
}

// StateValue returns tenant t's state value under key.
func (h *RecordingHost) StateValue(t grpcplugin.Tenant, key string) ([]byte, bool) {
	h.mu.Lock()
	defer h.mu.Unlock()
	v, ok := h.state[t.ID][key]
	return slices.Clone(v), ok
}

// Dataset returns tenant t's dataset as records in key order.
func (h *RecordingHost) Dataset(t grpcplugin.Tenant, name string) []grpcplugin.Record {
	h.mu.Lock()
	defer h.mu.Unlock()
	ds := h.datasets[t.ID][name]
	var out []grpcplugin.Record
	for _, k := range sortedKeys(ds, nil) {
		out = append(out, grpcplugin.Record{Key: k, Data: slices.Clone(ds[k])})
	}
	return out
}

// WaitEvent returns the first kept event that match accepts (nil accepts
// any), waiting for one to arrive until ctx ends.
func (h *RecordingHost) WaitEvent(ctx context.Context, match func(grpcplugin.Event) bool) (grpcplugin.Event, error) {
	seen := 0
	for {
		h.mu.Lock()
		for ; seen < len(h.events); seen++ {
			if e := h.events[seen]; match == nil || match(e) {
				h.mu.Unlock()
				return e, nil
			}
		}
		if seen > len(h.events) { // compacted meanwhile: look again from the start
			seen = 0
		}
		ch := h.changed
		h.mu.Unlock()
		select {
		case <-ch:
		case <-ctx.Done():
			return grpcplugin.Event{}, fmt.Errorf("sdktest: no matching event: %w", context.Cause(ctx))
		}
	}
}

// WaitJob waits until the job reported a terminal status (succeeded, failed
// or cancelled) and returns that update.
func (h *RecordingHost) WaitJob(ctx context.Context, t grpcplugin.Tenant, jobID string) (grpcplugin.JobUpdate, error) {
	return h.WaitJobUpdate(ctx, t, jobID, func(u grpcplugin.JobUpdate) bool { return u.Status.Terminal() })
}

// WaitJobUpdate waits for the first update of the job that match accepts.
func (h *RecordingHost) WaitJobUpdate(ctx context.Context, t grpcplugin.Tenant, jobID string, match func(grpcplugin.JobUpdate) bool) (grpcplugin.JobUpdate, error) {
	for {
		h.mu.Lock()
		for _, u := range h.jobs {
			if u.Tenant.ID == t.ID && u.JobID == jobID && match(u) {
				h.mu.Unlock()
				return u, nil
			}
		}
		ch := h.changed
		h.mu.Unlock()
		select {
		case <-ch:
		case <-ctx.Done():
			return grpcplugin.JobUpdate{}, fmt.Errorf("sdktest: job %q: no matching update: %w", jobID, context.Cause(ctx))
		}
	}
}

func sortedKeys[V any](m map[string]V, keep func(string) bool) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		if keep == nil || keep(k) {
			keys = append(keys, k)
		}
	}
	sort.Strings(keys)
	return keys
}

// pageOf cuts keys to one page and returns the cursor of the next one.
func pageOf(keys []string, limit int) ([]string, string) {
	if limit <= 0 {
		limit = 100
	}
	if len(keys) <= limit {
		return keys, ""
	}
	return keys[:limit], keys[limit-1]
}
