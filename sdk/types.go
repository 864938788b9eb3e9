package sdk

import (
	"encoding/json"

	"github.com/switchyard/switchyard/sdk/grpcplugin"
)

// Tenant names an organization that installed the plugin.
type Tenant = grpcplugin.Tenant

// Actor is the user a call is made for; the zero Actor is the core itself.
type Actor = grpcplugin.Actor

// Manifest describes a plugin; see grpcplugin.Manifest for its fields and
// rules.
type Manifest = grpcplugin.Manifest

// Action is one action of a Manifest.
type Action = grpcplugin.Action

// Record is one dataset entry, upserted by Key.
type Record = grpcplugin.Record

// EmitResult is the host's answer to a batch of events.
type EmitResult = grpcplugin.EmitResult

// Rejection says why the host refused one event of a batch.
type Rejection = grpcplugin.Rejection

// DatasetInfo describes one dataset.
type DatasetInfo = grpcplugin.DatasetInfo

// Request is one call of an action.
type Request struct {
	Tenant Tenant
	Actor  Actor
	Action string
	// Input is the action's JSON input, valid against its input schema.
	Input json.RawMessage
	// Config is the tenant's current config.
	Config json.RawMessage
}

// Job is one run of a job kind.
type Job struct {
	// ID is assigned by the core and unique within the tenant.
	ID string
	// Kind is the name of the job's action.
	Kind   string
	Tenant Tenant
	Actor  Actor
	// Input is the job's JSON input, valid against its action's input schema.
	Input json.RawMessage
	// Config is the tenant's config when the job started.
	Config json.RawMessage
}

// Event is one event for a tenant's dashboards and subscribers.
type Event struct {
	// Type is one of the manifest's EventTypes, such as "sync.update".
	Type string
	// Target, when set, is the id of the only user who receives the event.
	Target string
	// Data is the payload, encoded with encoding/json when the event is
	// emitted (a json.RawMessage is sent as it is).
	Data any
}

// Progress reports a job's progress. The sdk sends at most one report per
// ServeOpts.ProgressInterval (10 per second by default) per job, always the
// latest values, and the final counts with the job's end. Its methods are
// cheap and safe for concurrent use.
type Progress interface {
	// Report sets the processed and total item counts; total <= 0 keeps the
	// total unchanged.
	Report(processed, total int64)
	// SetTotal sets the total item count.
	SetTotal(total int64)
	// Add adds n to the processed count.
	Add(n int64)
}

// ChangePage is one page of a dataset's change feed (Datasets.Changes).
type ChangePage = grpcplugin.ChangePage

// EventsQuery asks for a tenant's event history (Events.Since).
type EventsQuery = grpcplugin.EventsQuery

// HistoryEvent is one event of a tenant's history.
type HistoryEvent = grpcplugin.HistoryEvent

// EventPage is one page of a tenant's event history.
type EventPage = grpcplugin.EventPage

// JobSubmission is a job a plugin asks the core to run (Host.SubmitJob).
type JobSubmission = grpcplugin.JobSubmission

// Usage is what the core knows of a tenant's use of the platform.
type Usage = grpcplugin.Usage
