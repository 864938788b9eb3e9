package grpcplugin

import (
	"encoding/json"
	"log/slog"
	"time"
)

// Tenant names the organization (tenant) a call is about. Every call into a
// plugin and every call from a plugin back to the host carries one.
type Tenant struct {
	// ID is the organization's stable id.
	ID string `json:"id"`
	// Slug is the organization's URL name, ^[a-z0-9][a-z0-9-]{1,62}$.
	Slug string `json:"slug"`
}

// Actor is the user on whose behalf the core calls a plugin. The zero Actor
// means the core itself (a restart, scheduled work).
type Actor struct {
	UserID string `json:"user_id,omitempty"`
	// Role is the user's role in the tenant: owner, admin, member or viewer.
	Role string `json:"role,omitempty"`
}

// IsSystem reports whether the call was made by the core rather than a user.
func (a Actor) IsSystem() bool { return a.UserID == "" }

// Event is one event a plugin emits for a tenant. The core stamps it with a
// sequence number and routes it to the tenant's subscribers.
type Event struct {
	Tenant Tenant
	// Type is a declared event type such as "sync.update".
	Type string
	// Target, when set, is the id of the only user the event is delivered to.
	Target string
	// Data is the event's JSON payload.
	Data json.RawMessage
	// ID is a plugin-assigned UUID that lets the core drop a duplicate of a
	// retried batch. The sdk fills it in.
	ID string
}

// EmitResult is the host's answer to a batch of events.
type EmitResult struct {
	// Accepted counts the events the host took.
	Accepted int
	// Rejected lists the others, in batch order.
	Rejected []Rejection
}

// Rejection says why the event at Index of a batch was not accepted.
type Rejection struct {
	Index  int
	Code   Code
	Reason string
}

// PageRequest asks for one page of a listing.
type PageRequest struct {
	// Cursor is empty for the first page, then the previous page's NextCursor.
	Cursor string
	// Limit is the page size; 0 lets the host choose. Hosts cap it at MaxPageSize.
	Limit int
}

// StateItem is one key/value pair of a plugin's per-tenant state.
type StateItem struct {
	Key   string
	Value []byte
}

// StatePage is one page of a state listing.
type StatePage struct {
	Items []StateItem
	// NextCursor is empty on the last page.
	NextCursor string
}

// Record is one entry of a dataset, identified by Key: appending a record
// whose key exists replaces it, so a re-synced record is stored once.
type Record struct {
	Key  string          `json:"key"`
	Data json.RawMessage `json:"data"`
}

// RecordPage is one page of a dataset query.
type RecordPage struct {
	Records []Record
	// NextCursor is empty on the last page.
	NextCursor string
}

// AppendResult counts what a DatasetAppend did.
type AppendResult struct {
	Inserted int
	Updated  int
}

// DatasetInfo describes one dataset of a tenant.
type DatasetInfo struct {
	Name    string `json:"name"`
	Records int64  `json:"records"`
}

// JobStatus is the state of a job.
type JobStatus string

// The job states. A job moves from queued (recorded by the core) to running,
// then ends in exactly one of succeeded, failed or cancelled.
const (
	JobQueued    JobStatus = "queued"
	JobRunning   JobStatus = "running"
	JobSucceeded JobStatus = "succeeded"
	JobFailed    JobStatus = "failed"
	JobCancelled JobStatus = "cancelled"
)

// Terminal reports whether s ends a job.
func (s JobStatus) Terminal() bool {
	return s == JobSucceeded || s == JobFailed || s == JobCancelled
}

// Valid reports whether s is one of the job states.
func (s JobStatus) Valid() bool {
	switch s {
	case JobQueued, JobRunning, JobSucceeded, JobFailed, JobCancelled:
		return true
	}
	return false
}

// JobUpdate is a job's report to the host.
type JobUpdate struct {
	Tenant Tenant
	JobID  string
	Status JobStatus
	// Progress is a percentage, 0 to 100.
	Progress       int
	ProcessedItems int64
	TotalItems     int64
	// Error and ErrorCode describe a failed job. ErrorCode CodeUnavailable
	// marks a job interrupted by a plugin shutdown: it is worth retrying.
	Error     string
	ErrorCode Code
	// Result is the job's JSON result, set when it succeeded.
	Result json.RawMessage
}

// LogEntry is one log line a plugin sends to the host.
type LogEntry struct {
	Level   slog.Level
	Message string
	Fields  []LogField
	// Tenant is set when the line is about one tenant.
	Tenant Tenant
}

// LogField is one key/value attribute of a LogEntry.
type LogField struct {
	Key   string
	Value string
}

// InvokeRequest is one action call.
type InvokeRequest struct {
	Tenant Tenant
	Actor  Actor
	Action string
	Input  json.RawMessage
}

// JobRequest starts one job.
type JobRequest struct {
	Tenant Tenant
	Actor  Actor
	// ID is assigned by the core and unique within the tenant.
	ID string
	// Kind is the name of an action declared with Job set.
	Kind  string
	Input json.RawMessage
}

// HealthState is the coarse health of a plugin.
type HealthState string

// Health states.
const (
	HealthOK    HealthState = "ok"
	HealthError HealthState = "error"
)

// Health is a plugin's answer to a health check.
type Health struct {
	State       HealthState
	Message     string
	RunningJobs int
	Tenants     int
}

// ChangePage is one page of a dataset's change feed (DatasetChanges).
type ChangePage struct {
	// Records were written after the request's cursor, oldest write first.
	Records []Record
	// Cursor continues the feed; it is set on every page, also an empty one.
	Cursor string
	// More is true when further records were already written.
	More bool
}

// EventsQuery asks for a tenant's event history (EventsSince).
type EventsQuery struct {
	// After is the last sequence number the reader has; 0 reads from the
	// oldest event kept.
	After uint64
	// Types are event type patterns ("sync.*", "custom.*"); none means all.
	Types []string
	// Limit is the most events returned; 0 lets the host choose. Hosts cap
	// it at MaxPageSize.
	Limit int
}

// HistoryEvent is one event of a tenant's history.
type HistoryEvent struct {
	Seq    uint64          `json:"seq"`
	ID     string          `json:"id"`
	Type   string          `json:"type"`
	Source string          `json:"source"`
	Time   time.Time       `json:"timestamp"`
	Data   json.RawMessage `json:"data"`
}

// EventPage is one page of a tenant's event history.
type EventPage struct {
	Events []HistoryEvent
	// Head is the tenant's latest sequence number and Epoch names its
	// history.
	Head  uint64
	Epoch string
	// Gap is true when events after the query's After are no longer kept:
	// Events start at the oldest one kept.
	Gap bool
	// Next is the After of the next query: the last sequence number
	// examined.
	Next uint64
}

// JobSubmission is a plugin's request for a job of its own: Kind is one of
// its job actions, Input that action's input, Reason (optional) why, kept
// with the job as its creator ("plugin:<name>:<reason>").
type JobSubmission struct {
	Kind   string
	Input  json.RawMessage
	Reason string
}

// Usage is what the core knows of a tenant's use of the platform.
type Usage struct {
	// EventsSeq is the tenant's latest event sequence number; the difference
	// of two readings counts the events published in between.
	EventsSeq   uint64 `json:"events_seq"`
	EventsEpoch string `json:"events_epoch"`
	// Sockets counts open real-time connections on the core serving the
	// plugin process.
	Sockets        int   `json:"sockets"`
	JobsQueued     int   `json:"jobs_queued"`
	JobsRunning    int   `json:"jobs_running"`
	Datasets       int   `json:"datasets"`
	DatasetRecords int64 `json:"dataset_records"`
	DatasetBytes   int64 `json:"dataset_bytes"`
	// FilesBytes is the size of the tenant's files directory.
	FilesBytes int64 `json:"files_bytes"`
	// StateBytes is the size of every plugin's state in the tenant.
	StateBytes int64     `json:"state_bytes"`
	MeasuredAt time.Time `json:"measured_at"`
}
