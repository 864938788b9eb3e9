package grpcplugin

import (
	"context"
	"encoding/json"
	"fmt"
	"regexp"
	"unicode/utf8"
)

// HostServer is the host API: what a plugin can ask of the core. The core
// implements it, one value per plugin process, so the value knows which
// plugin is calling; it decides on every call whether that plugin may act for
// the tenant named in the call (installed there, event type declared, quota
// left) and answers ErrPermission, ErrNotFound or ErrResourceExhausted when
// not.
//
// grpcplugin checks the shape of every request before it reaches the core:
// tenants are well-formed, keys, dataset names and event types follow their
// grammar, sizes are within the limits below, JSON payloads are valid JSON.
// Events that fail these checks are rejected one by one and never reach Emit.
//
// The methods are called concurrently, from many goroutines; an
// implementation must be safe for concurrent use.
//
// HostClient, the plugin-side client of this API, implements HostServer too,
// and so does sdktest.RecordingHost.
type HostServer interface {
	// Emit publishes events (each names its tenant). It reports how many it
	// accepted and, for each rejected one, its index in events and why. An
	// error means the whole batch was refused.
	Emit(ctx context.Context, events []Event) (EmitResult, error)
	// StateGet returns the value stored under key, or found == false.
	StateGet(ctx context.Context, t Tenant, key string) (value []byte, found bool, err error)
	// StatePut stores value under key, replacing any previous value.
	StatePut(ctx context.Context, t Tenant, key string, value []byte) error
	// StateDelete removes key; removing a missing key is not an error.
	StateDelete(ctx context.Context, t Tenant, key string) error
	// StateList returns the keys starting with prefix, in key order, a page
	// at a time.
	StateList(ctx context.Context, t Tenant, prefix string, page PageRequest) (StatePage, error)
	// DatasetAppend upserts records by key into the tenant's dataset,
	// creating the dataset on first use.
	DatasetAppend(ctx context.Context, t Tenant, dataset string, records []Record) (AppendResult, error)
	// DatasetQuery returns the dataset's records a page at a time. A missing
	// dataset is ErrNotFound.
	DatasetQuery(ctx context.Context, t Tenant, dataset string, page PageRequest) (RecordPage, error)
	// DatasetList lists the tenant's datasets of this plugin.
	DatasetList(ctx context.Context, t Tenant) ([]DatasetInfo, error)
	// JobUpdate records a job's progress or end.
	JobUpdate(ctx context.Context, u JobUpdate) error
	// Log records a log line of the plugin.
	Log(ctx context.Context, e LogEntry) error
	// DatasetChanges returns the dataset's records written after the page's
	// cursor, oldest write first; the returned cursor continues the feed. A
	// missing dataset is ErrNotFound.
	DatasetChanges(ctx context.Context, t Tenant, dataset string, page PageRequest) (ChangePage, error)
	// EventsSince returns the tenant's events after q.After, oldest first,
	// leaving out events addressed to one user.
	EventsSince(ctx context.Context, t Tenant, q EventsQuery) (EventPage, error)
	// Usage reports the tenant's usage figures.
	Usage(ctx context.Context, t Tenant) (Usage, error)
	// SubmitJob records a job of one of the plugin's job actions for the
	// tenant, starts it and returns its id.
	SubmitJob(ctx context.Context, t Tenant, j JobSubmission) (string, error)
}

// Limits the host API enforces on requests before they reach a HostServer.
const (
	// MaxMessageSize is the largest gRPC message either side accepts.
	MaxMessageSize = 32 << 20
	// MaxBatchEvents is the most events one Emit call may carry.
	MaxBatchEvents = 1000
	// MaxEventDataSize is the largest JSON payload of one event.
	MaxEventDataSize = 256 << 10
	// MaxStateKeyLen is the longest state key.
	MaxStateKeyLen = 512
	// MaxStateValueSize is the largest state value.
	MaxStateValueSize = 1 << 20
	// MaxPageSize is the largest page a listing returns.
	MaxPageSize = 1000
	// MaxAppendRecords is the most records one DatasetAppend may carry.
	MaxAppendRecords = 1000
	// MaxRecordSize is the largest JSON payload of one record.
	MaxRecordSize = 1 << 20
	// MaxRecordKeyLen is the longest record key.
	MaxRecordKeyLen = 512
)

var datasetNameRE = regexp.MustCompile(`^[a-z][a-z0-9_-]{0,62}$`)

// ValidateEvent checks one event's shape: tenant, type grammar, target and
// id length, payload size and JSON validity. It does not check that the
// plugin declared the type; the host does that against the manifest.
func ValidateEvent(e Event) error {
	if err := ValidateTenant(e.Tenant); err != nil {
		return err
	}
	if err := ValidEventType(e.Type); err != nil {
		return fmt.Errorf("%w: %w", ErrInvalidInput, err)
	}
	if len(e.Target) > 128 || !utf8.ValidString(e.Target) {
		return fmt.Errorf("%w: event target must be at most 128 bytes of UTF-8", ErrInvalidInput)
	}
	if len(e.ID) > 64 || !utf8.ValidString(e.ID) {
		return fmt.Errorf("%w: event id must be at most 64 bytes of UTF-8", ErrInvalidInput)
	}
	if len(e.Data) > MaxEventDataSize {
		return fmt.Errorf("%w: event data is %d bytes, at most %d", ErrResourceExhausted, len(e.Data), MaxEventDataSize)
	}
	if len(e.Data) > 0 && !json.Valid(e.Data) {
		return fmt.Errorf("%w: event data is not valid JSON", ErrInvalidInput)
	}
	return nil
}

// ValidateStateKey checks a state key: 1 to MaxStateKeyLen bytes of UTF-8.
func ValidateStateKey(key string) error {
	if key == "" || len(key) > MaxStateKeyLen || !utf8.ValidString(key) {
		return fmt.Errorf("%w: state key must be 1-%d bytes of UTF-8", ErrInvalidInput, MaxStateKeyLen)
	}
	return nil
}

// ValidateDatasetName checks a dataset name: ^[a-z][a-z0-9_-]{0,62}$.
func ValidateDatasetName(name string) error {
	if !datasetNameRE.MatchString(name) {
		return fmt.Errorf("%w: dataset name %q does not match %s", ErrInvalidInput, name, datasetNameRE)
	}
	return nil
}

// ValidateRecord checks a dataset record: key length and JSON payload.
func ValidateRecord(r Record) error {
	if r.Key == "" || len(r.Key) > MaxRecordKeyLen || !utf8.ValidString(r.Key) {
		return fmt.Errorf("%w: record key must be 1-%d bytes of UTF-8", ErrInvalidInput, MaxRecordKeyLen)
	}
	if len(r.Data) > MaxRecordSize {
		return fmt.Errorf("%w: record %q is %d bytes, at most %d", ErrResourceExhausted, r.Key, len(r.Data), MaxRecordSize)
	}
	if !json.Valid(r.Data) {
		return fmt.Errorf("%w: record %q data is not valid JSON", ErrInvalidInput, r.Key)
	}
	return nil
}

// ValidatePage checks a page request.
func ValidatePage(p PageRequest) error {
	if p.Limit < 0 || p.Limit > MaxPageSize {
		return fmt.Errorf("%w: page limit %d, want 0-%d", ErrInvalidInput, p.Limit, MaxPageSize)
	}
	if len(p.Cursor) > 1024 {
		return fmt.Errorf("%w: cursor too long", ErrInvalidInput)
	}
	return nil
}

// ValidateJobUpdate checks a job update's shape.
func ValidateJobUpdate(u JobUpdate) error {
	if err := ValidateTenant(u.Tenant); err != nil {
		return err
	}
	if u.JobID == "" || len(u.JobID) > 128 || !utf8.ValidString(u.JobID) {
		return fmt.Errorf("%w: job id must be 1-128 bytes of UTF-8", ErrInvalidInput)
	}
	if !u.Status.Valid() {
		return fmt.Errorf("%w: job status %q", ErrInvalidInput, u.Status)
	}
	if u.Progress < 0 || u.Progress > 100 {
		return fmt.Errorf("%w: job progress %d, want 0-100", ErrInvalidInput, u.Progress)
	}
	if u.ProcessedItems < 0 || u.TotalItems < 0 {
		return fmt.Errorf("%w: job item counts must not be negative", ErrInvalidInput)
	}
	if len(u.Result) > 0 && !json.Valid(u.Result) {
		return fmt.Errorf("%w: job result is not valid JSON", ErrInvalidInput)
	}
	if len(u.Error) > 4096 {
		return fmt.Errorf("%w: job error longer than 4096 bytes", ErrInvalidInput)
	}
	return nil
}

var submitReasonRE = regexp.MustCompile(`^[a-z0-9][a-z0-9._-]{0,62}$`)

// MaxJobInputSize bounds a submitted job's input.
const MaxJobInputSize = 1 << 20

// ValidateJobSubmission checks a job submission's shape; whether the kind
// is a job action of the plugin is the core's to check.
func ValidateJobSubmission(t Tenant, j JobSubmission) error {
	if err := ValidateTenant(t); err != nil {
		return err
	}
	if j.Kind == "" || len(j.Kind) > 64 {
		return fmt.Errorf("%w: job kind must be 1-64 bytes", ErrInvalidInput)
	}
	if len(j.Input) > MaxJobInputSize {
		return fmt.Errorf("%w: job input larger than %d bytes", ErrInvalidInput, MaxJobInputSize)
	}
	if len(j.Input) > 0 && !json.Valid(j.Input) {
		return fmt.Errorf("%w: job input is not valid JSON", ErrInvalidInput)
	}
	if j.Reason != "" && !submitReasonRE.MatchString(j.Reason) {
		return fmt.Errorf("%w: job reason must match %s", ErrInvalidInput, submitReasonRE)
	}
	return nil
}

// ValidateEventsQuery checks an event history query: limit, and at most 32
// type patterns of at most 64 bytes each, made of lower-case segments
// joined by dots, the last of which may be "*".
func ValidateEventsQuery(q EventsQuery) error {
	if q.Limit < 0 || q.Limit > MaxPageSize {
		return fmt.Errorf("%w: events limit %d, want 0-%d", ErrInvalidInput, q.Limit, MaxPageSize)
	}
	if len(q.Types) > 32 {
		return fmt.Errorf("%w: at most 32 event type patterns", ErrInvalidInput)
	}
	for _, p := range q.Types {
		if !eventPatternRE.MatchString(p) || len(p) > 64 {
			return fmt.Errorf("%w: event type pattern %q", ErrInvalidInput, p)
		}
	}
	return nil
}

var eventPatternRE = regexp.MustCompile(`^(\*|[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)*(\.\*)?)$`)

// MatchEventType reports whether event type typ matches pattern p: equal,
// "*" for every type, or "a.*" for every type below "a".
func MatchEventType(p, typ string) bool {
	switch {
	case p == "*":
		return true
	case len(p) > 2 && p[len(p)-2:] == ".*":
		return len(typ) > len(p)-1 && typ[:len(p)-1] == p[:len(p)-1]
	}
	return p == typ
}
