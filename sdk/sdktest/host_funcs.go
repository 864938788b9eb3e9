package sdktest

import (
	"context"

	"github.com/switchyard/switchyard/sdk/grpcplugin"
)

// HostFuncs is a host API whose methods are function fields: set the ones a
// test needs (to fail a call, count calls, block); a nil field answers
// ErrUnimplemented. Use it with sdk.NewHost to unit-test code that takes a
// *sdk.Host, or as Options.Host of a harness. It is as safe for concurrent
// use as the functions it holds.
type HostFuncs struct {
	EmitFunc          func(ctx context.Context, events []grpcplugin.Event) (grpcplugin.EmitResult, error)
	StateGetFunc      func(ctx context.Context, t grpcplugin.Tenant, key string) ([]byte, bool, error)
	StatePutFunc      func(ctx context.Context, t grpcplugin.Tenant, key string, value []byte) error
	StateDeleteFunc   func(ctx context.Context, t grpcplugin.Tenant, key string) error
	StateListFunc     func(ctx context.Context, t grpcplugin.Tenant, prefix string, page grpcplugin.PageRequest) (grpcplugin.StatePage, error)
	DatasetAppendFunc func(ctx context.Context, t grpcplugin.Tenant, dataset string, records []grpcplugin.Record) (grpcplugin.AppendResult, error)
	DatasetQueryFunc  func(ctx context.Context, t grpcplugin.Tenant, dataset string, page grpcplugin.PageRequest) (grpcplugin.RecordPage, error)
	DatasetListFunc   func(ctx context.Context, t grpcplugin.Tenant) ([]grpcplugin.DatasetInfo, error)
	JobUpdateFunc     func(ctx context.Context, u grpcplugin.JobUpdate) error
	LogFunc           func(ctx context.Context, e grpcplugin.LogEntry) error
	// Since the host API grew DatasetChanges, EventsSince, Usage and SubmitJob.
	DatasetChangesFunc func(ctx context.Context, t grpcplugin.Tenant, dataset string, page grpcplugin.PageRequest) (grpcplugin.ChangePage, error)
	EventsSinceFunc    func(ctx context.Context, t grpcplugin.Tenant, q grpcplugin.EventsQuery) (grpcplugin.EventPage, error)
	UsageFunc          func(ctx context.Context, t grpcplugin.Tenant) (grpcplugin.Usage, error)
	SubmitJobFunc      func(ctx context.Context, t grpcplugin.Tenant, j grpcplugin.JobSubmission) (string, error)
}

var _ grpcplugin.HostServer = (*HostFuncs)(nil)

var errUnset = grpcplugin.NewError(grpcplugin.CodeUnimplemented, "sdktest: HostFuncs field not set")

// Emit calls EmitFunc.
func (f *HostFuncs) Emit(ctx context.Context, events []grpcplugin.Event) (grpcplugin.EmitResult, error) {
	if f.EmitFunc == nil {
		return grpcplugin.EmitResult{}, errUnset
	}
	return f.EmitFunc(ctx, events)
}

// StateGet calls StateGetFunc.
func (f *HostFuncs) StateGet(ctx context.Context, t grpcplugin.Tenant, key string) ([]byte, bool, error) {
	if f.StateGetFunc == nil {
		return nil, false, errUnset
	}
	return f.StateGetFunc(ctx, t, key)
}

// StatePut calls StatePutFunc.
func (f *HostFuncs) StatePut(ctx context.Context, t grpcplugin.Tenant, key string, value []byte) error {
	if f.StatePutFunc == nil {
		return errUnset
	}
	return f.StatePutFunc(ctx, t, key, value)
}

// StateDelete calls StateDeleteFunc.
func (f *HostFuncs) StateDelete(ctx context.Context, t grpcplugin.Tenant, key string) error {
	if f.StateDeleteFunc == nil {
		return errUnset
	}
	return f.StateDeleteFunc(ctx, t, key)
}

// StateList calls StateListFunc.
func (f *HostFuncs) StateList(ctx context.Context, t grpcplugin.Tenant, prefix string, page grpcplugin.PageRequest) (grpcplugin.StatePage, error) {
	if f.StateListFunc == nil {
		return grpcplugin.StatePage{}, errUnset
	}
	return f.StateListFunc(ctx, t, prefix, page)
}

// DatasetAppend calls DatasetAppendFunc.
func (f *HostFuncs) DatasetAppend(ctx context.Context, t grpcplugin.Tenant, dataset string, records []grpcplugin.Record) (grpcplugin.AppendResult, error) {
	if f.DatasetAppendFunc == nil {
		return grpcplugin.AppendResult{}, errUnset
	}
	return f.DatasetAppendFunc(ctx, t, dataset, records)
}

// DatasetQuery calls DatasetQueryFunc.
func (f *HostFuncs) DatasetQuery(ctx context.Context, t grpcplugin.Tenant, dataset string, page grpcplugin.PageRequest) (grpcplugin.RecordPage, error) {
	if f.DatasetQueryFunc == nil {
		return grpcplugin.RecordPage{}, errUnset
	}
	return f.DatasetQueryFunc(ctx, t, dataset, page)
}

// DatasetList calls DatasetListFunc.
func (f *HostFuncs) DatasetList(ctx context.Context, t grpcplugin.Tenant) ([]grpcplugin.DatasetInfo, error) {
	if f.DatasetListFunc == nil {
		return nil, errUnset
	}
	return f.DatasetListFunc(ctx, t)
}

// JobUpdate calls JobUpdateFunc.
func (f *HostFuncs) JobUpdate(ctx context.Context, u grpcplugin.JobUpdate) error {
	if f.JobUpdateFunc == nil {
		return errUnset
	}
	return f.JobUpdateFunc(ctx, u)
}

// Log calls LogFunc.
func (f *HostFuncs) Log(ctx context.Context, e grpcplugin.LogEntry) error {
	if f.LogFunc == nil {
		return errUnset
	}
	return f.LogFunc(ctx, e)
}

// DatasetChanges calls DatasetChangesFunc.
func (f *HostFuncs) DatasetChanges(ctx context.Context, t grpcplugin.Tenant, dataset string, page grpcplugin.PageRequest) (grpcplugin.ChangePage, error) {
	if f.DatasetChangesFunc == nil {
		return grpcplugin.ChangePage{}, errUnset
	}
	return f.DatasetChangesFunc(ctx, t, dataset, page)
}

// EventsSince calls EventsSinceFunc.
func (f *HostFuncs) EventsSince(ctx context.Context, t grpcplugin.Tenant, q grpcplugin.EventsQuery) (grpcplugin.EventPage, error) {
	if f.EventsSinceFunc == nil {
		return grpcplugin.EventPage{}, errUnset
	}
	return f.EventsSinceFunc(ctx, t, q)
}

// Usage calls UsageFunc.
func (f *HostFuncs) Usage(ctx context.Context, t grpcplugin.Tenant) (grpcplugin.Usage, error) {
	if f.UsageFunc == nil {
		return grpcplugin.Usage{}, errUnset
	}
	return f.UsageFunc(ctx, t)
}

// SubmitJob calls SubmitJobFunc.
func (f *HostFuncs) SubmitJob(ctx context.Context, t grpcplugin.Tenant, j grpcplugin.JobSubmission) (string, error) {
	if f.SubmitJobFunc == nil {
		return "", errUnset
	}
	return f.SubmitJobFunc(ctx, t, j)
}
