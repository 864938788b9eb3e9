package sdk

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"os"

	"github.com/google/uuid"

	"github.com/switchyard/switchyard/sdk/grpcplugin"
)

// Host is the plugin's way back into the core: events, per-tenant state,
// datasets and logs. Every call names the tenant it acts for; the core
// refuses a tenant that has not installed the plugin and event types the
// manifest did not declare. A Host is safe for concurrent use.
//
// A plugin receives its Host in Initializer.Init. Tests build one over a
// fake host API with NewHost (see sdktest).
type Host struct {
	api      grpcplugin.HostServer
	manifest Manifest
	logger   *slog.Logger
}

// HostOptions configures NewHost.
type HostOptions struct {
	// Manifest is the plugin's manifest; events of types it does not declare
	// are refused before they are sent. The zero Manifest declares none.
	Manifest Manifest
	// LogLevel is the lowest level Logger sends to the core; zero is Info.
	LogLevel slog.Level
}

// NewHost returns a Host over api, the host API: in a plugin process the
// sdk builds it over the core's connection; tests pass a fake such as
// sdktest.RecordingHost.
func NewHost(api grpcplugin.HostServer, opts HostOptions) *Host {
	h := &Host{api: api, manifest: opts.Manifest}
	fallback := slog.NewJSONHandler(os.Stderr, &slog.HandlerOptions{Level: opts.LogLevel})
	h.logger = slog.New(&logHandler{api: api, level: opts.LogLevel, fallback: fallback})
	return h
}

// Logger returns a logger whose records go to the core's log, tagged with the
// plugin and, when the record's context is a call's (InfoContext(ctx, ...)),
// with the tenant. Records that cannot be delivered go to stderr.
func (h *Host) Logger() *slog.Logger { return h.logger }

// Emit sends one event to tenant t's subscribers. It returns an error when
// the event was not accepted, with the code the core gave (ErrInvalidInput
// for an undeclared type, ErrPermission for a tenant that did not install
// the plugin, ErrResourceExhausted for a quota).
func (h *Host) Emit(ctx context.Context, t Tenant, e Event) error {
	we, err := h.toWire(t, e)
	if err != nil {
		return err
	}
	res, err := h.api.Emit(ctx, []grpcplugin.Event{we})
	if err != nil {
		return err
	}
	if len(res.Rejected) > 0 {
		r := res.Rejected[0]
		return grpcplugin.NewError(r.Code, "emit "+e.Type+": "+r.Reason)
	}
	return nil
}

// EmitBatch sends events to tenant t in as few calls as possible. Events the
// core refused are listed in the result with their index in events; an
// error means a whole call failed (events before it may have been sent).
// For a steady stream of events, use a Publisher.
func (h *Host) EmitBatch(ctx context.Context, t Tenant, events []Event) (EmitResult, error) {
	wire := make([]grpcplugin.Event, 0, len(events))
	for i, e := range events {
		we, err := h.toWire(t, e)
		if err != nil {
			return EmitResult{}, fmt.Errorf("event %d: %w", i, err)
		}
		wire = append(wire, we)
	}
	var total EmitResult
	for start := 0; start < len(wire); start += grpcplugin.MaxBatchEvents {
		end := min(start+grpcplugin.MaxBatchEvents, len(wire))
		res, err := h.api.Emit(ctx, wire[start:end])
		if err != nil {
			return total, err
		}
		total.Accepted += res.Accepted
		for _, r := range res.Rejected {
			r.Index += start
			total.Rejected = append(total.Rejected, r)
		}
	}
	return total, nil
}

// toWire checks e and encodes it for the host. It runs once per event on
// the emit path, so it avoids repeating checks.
func (h *Host) toWire(t Tenant, e Event) (grpcplugin.Event, error) {
	if !h.manifest.DeclaresEvent(e.Type) {
		return grpcplugin.Event{}, Errorf(ErrInvalidInput, "event type %q is not declared in the manifest", e.Type)
	}
	if err := grpcplugin.ValidateTenant(t); err != nil {
		return grpcplugin.Event{}, err
	}
	if len(e.Target) > 128 {
		return grpcplugin.Event{}, Errorf(ErrInvalidInput, "event target longer than 128 bytes")
	}
	var data json.RawMessage
	switch d := e.Data.(type) {
	case nil:
		data = json.RawMessage("null")
	case json.RawMessage:
		if !json.Valid(d) {
			return grpcplugin.Event{}, Errorf(ErrInvalidInput, "event %q data is not valid JSON", e.Type)
		}
		data = d
	default:
		b, err := json.Marshal(d)
		if err != nil {
			return grpcplugin.Event{}, Errorf(ErrInvalidInput, "event %q data: %v", e.Type, err)
		}
		data = b
	}
	id, err := uuid.NewV7()
	if err != nil {
		return grpcplugin.Event{}, fmt.Errorf("event id: %w", err)
	}
	if len(data) > grpcplugin.MaxEventDataSize {
		return grpcplugin.Event{}, Errorf(ErrResourceExhausted, "event %q data is %d bytes, at most %d", e.Type, len(data), grpcplugin.MaxEventDataSize)
	}
	// The type is declared (and so grammatical), the data is JSON: the rest
	// of grpcplugin.ValidateEvent, which the core applies, holds already.
	return grpcplugin.Event{Tenant: t, Type: e.Type, Target: e.Target, Data: data, ID: id.String()}, nil
}

// State returns tenant t's key/value store of this plugin.
func (h *Host) State(t Tenant) State { return State{api: h.api, tenant: t} }

// Datasets returns tenant t's datasets of this plugin.
func (h *Host) Datasets(t Tenant) Datasets { return Datasets{api: h.api, tenant: t} }

// State is one tenant's key/value store of the plugin, kept by the core.
// Keys are 1-512 bytes of UTF-8, values at most 1 MiB. It is a small value,
// safe for concurrent use.
type State struct {
	api    grpcplugin.HostServer
	tenant Tenant
}

// StateItem is one key/value pair.
type StateItem = grpcplugin.StateItem

// Page asks for one page of a listing: Cursor is empty for the first page,
// then the previous page's NextCursor; Limit 0 lets the core choose.
type Page = grpcplugin.PageRequest

// Get returns the value stored under key; ErrNotFound when there is none.
func (s State) Get(ctx context.Context, key string) ([]byte, error) {
	v, found, err := s.api.StateGet(ctx, s.tenant, key)
	if err != nil {
		return nil, err
	}
	if !found {
		return nil, Errorf(ErrNotFound, "state key %q", key)
	}
	return v, nil
}

// Put stores value under key.
func (s State) Put(ctx context.Context, key string, value []byte) error {
	return s.api.StatePut(ctx, s.tenant, key, value)
}

// Delete removes key; a missing key is not an error.
func (s State) Delete(ctx context.Context, key string) error {
	return s.api.StateDelete(ctx, s.tenant, key)
}

// List returns the items whose key starts with prefix, in key order, one page
// at a time; next is empty after the last page.
func (s State) List(ctx context.Context, prefix string, page Page) (items []StateItem, next string, err error) {
	p, err := s.api.StateList(ctx, s.tenant, prefix, page)
	if err != nil {
		return nil, "", err
	}
	return p.Items, p.NextCursor, nil
}

// Datasets is one tenant's collection of keyed datasets, kept by the core:
// a sync plugin appends the records it fetched, a dashboard queries them.
// It is a small value, safe for concurrent use.
type Datasets struct {
	api    grpcplugin.HostServer
	tenant Tenant
}

// Append upserts records into dataset by key (a record whose key exists
// replaces it) and returns how many were inserted and updated. Batches
// larger than 1000 records are split.
func (d Datasets) Append(ctx context.Context, dataset string, records ...Record) (inserted, updated int, err error) {
	for start := 0; start < len(records); start += grpcplugin.MaxAppendRecords {
		end := min(start+grpcplugin.MaxAppendRecords, len(records))
		res, err := d.api.DatasetAppend(ctx, d.tenant, dataset, records[start:end])
		if err != nil {
			return inserted, updated, err
		}
		inserted += res.Inserted
		updated += res.Updated
	}
	return inserted, updated, nil
}

// Query returns one page of dataset's records; next is empty after the last
// page. A dataset nothing was appended to is ErrNotFound.
func (d Datasets) Query(ctx context.Context, dataset string, page Page) (records []Record, next string, err error) {
	p, err := d.api.DatasetQuery(ctx, d.tenant, dataset, page)
	if err != nil {
		return nil, "", err
	}
	return p.Records, p.NextCursor, nil
}

// List returns the tenant's datasets.
func (d Datasets) List(ctx context.Context) ([]DatasetInfo, error) {
	return d.api.DatasetList(ctx, d.tenant)
}

// Changes returns the records of dataset written after cursor (empty: from
// the beginning), oldest write first, at most limit (0: the core chooses).
// The page's Cursor continues the feed, also when it is empty, so a plugin
// keeps a copy of a dataset current by calling Changes with the last cursor
// it got; More says that further records are waiting. A record written again
// after the cursor comes once, with its latest data. A dataset nothing was
// appended to is ErrNotFound; a core older than this call answers
// ErrUnimplemented.
func (d Datasets) Changes(ctx context.Context, dataset, cursor string, limit int) (ChangePage, error) {
	return d.api.DatasetChanges(ctx, d.tenant, dataset, Page{Cursor: cursor, Limit: limit})
}

// Events returns tenant t's event history.
func (h *Host) Events(t Tenant) Events { return Events{api: h.api, tenant: t} }

// Events reads one tenant's event history, as the core keeps it (by count
// and age). Events addressed to one user are left out. It is a small value,
// safe for concurrent use.
type Events struct {
	api    grpcplugin.HostServer
	tenant Tenant
}

// Since returns the events after q.After, oldest first. To follow the
// history, call it again with After set to the page's Next. The page's Gap
// says that events after q.After are no longer kept (the page starts at
// the oldest one kept). A core older than this call answers
// ErrUnimplemented.
func (e Events) Since(ctx context.Context, q EventsQuery) (EventPage, error) {
	return e.api.EventsSince(ctx, e.tenant, q)
}

// SubmitJob asks the core to record a job of one of this plugin's job
// actions for tenant t and start it, exactly as an API client's request
// would: the job has its row in the core (status, progress, attempts,
// cancel, retry, and failed-and-retryable if the plugin crashes), and
// RunJob is called for it. Use it for work the plugin decides to do itself,
// such as a schedule. j.Input is checked against the action's input schema;
// j.Reason (^[a-z0-9][a-z0-9._-]{0,62}$, optional) is recorded with the
// job's creator. It returns the job's id. A core older than this call
// answers ErrUnimplemented.
func (h *Host) SubmitJob(ctx context.Context, t Tenant, j JobSubmission) (string, error) {
	return h.api.SubmitJob(ctx, t, j)
}

// Usage returns tenant t's usage figures: its latest event sequence number
// (two readings give the event rate), open real-time connections, jobs,
// datasets, files and state sizes. A core older than this call answers
// ErrUnimplemented.
func (h *Host) Usage(ctx context.Context, t Tenant) (Usage, error) {
	return h.api.Usage(ctx, t)
}
