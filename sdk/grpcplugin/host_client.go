package grpcplugin

import (
	"context"

	"google.golang.org/grpc"

	"github.com/switchyard/switchyard/sdk/genproto/pluginv1"
)

// HostClient is the plugin side's client of the host API. It implements
// HostServer, so code written against HostServer runs the same against the
// real core and against an in-memory fake. Errors come back with the code and
// message the core sent (see FromStatus). It is safe for concurrent use.
type HostClient struct {
	rpc pluginv1.HostClient
}

var _ HostServer = (*HostClient)(nil)

// NewHostClient returns a HostClient over conn, a connection to a server of
// the Host service (in a plugin, the broker connection the core offered in
// Init).
func NewHostClient(conn grpc.ClientConnInterface) *HostClient {
	return &HostClient{rpc: pluginv1.NewHostClient(conn)}
}

// Emit implements HostServer.
func (c *HostClient) Emit(ctx context.Context, events []Event) (EmitResult, error) {
	req := &pluginv1.EmitRequest{Events: make([]*pluginv1.Event, len(events))}
	for i, e := range events {
		req.Events[i] = eventToProto(e)
	}
	resp, err := c.rpc.Emit(ctx, req)
	if err != nil {
		return EmitResult{}, FromStatus(err)
	}
	res := EmitResult{Accepted: int(resp.GetAccepted())}
	for _, r := range resp.GetRejected() {
		res.Rejected = append(res.Rejected, Rejection{Index: int(r.GetIndex()), Code: Code(r.GetCode()), Reason: r.GetReason()})
	}
	return res, nil
}

// StateGet implements HostServer.
func (c *HostClient) StateGet(ctx context.Context, t Tenant, key string) ([]byte, bool, error) {
	resp, err := c.rpc.StateGet(ctx, &pluginv1.StateGetRequest{Tenant: tenantToProto(t), Key: key})
	if err != nil {
		return nil, false, FromStatus(err)
	}
	return resp.GetValue(), resp.GetFound(), nil
}

// StatePut implements HostServer.
func (c *HostClient) StatePut(ctx context.Context, t Tenant, key string, value []byte) error {
	_, err := c.rpc.StatePut(ctx, &pluginv1.StatePutRequest{Tenant: tenantToProto(t), Key: key, Value: value})
	return FromStatus(err)
}

// StateDelete implements HostServer.
func (c *HostClient) StateDelete(ctx context.Context, t Tenant, key string) error {
	_, err := c.rpc.StateDelete(ctx, &pluginv1.StateDeleteRequest{Tenant: tenantToProto(t), Key: key})
	return FromStatus(err)
}

// StateList implements HostServer.
func (c *HostClient) StateList(ctx context.Context, t Tenant, prefix string, page PageRequest) (StatePage, error) {
	resp, err := c.rpc.StateList(ctx, &pluginv1.StateListRequest{
		Tenant: tenantToProto(t), Prefix: prefix, Cursor: page.Cursor, Limit: int32Of(page.Limit),
	})
	if err != nil {
		return StatePage{}, FromStatus(err)
	}
	out := StatePage{NextCursor: resp.GetNextCursor(), Items: make([]StateItem, 0, len(resp.GetItems()))}
	for _, it := range resp.GetItems() {
		out.Items = append(out.Items, StateItem{Key: it.GetKey(), Value: it.GetValue()})
	}
	return out, nil
}

// DatasetAppend implements HostServer.
func (c *HostClient) DatasetAppend(ctx context.Context, t Tenant, dataset string, records []Record) (AppendResult, error) {
	req := &pluginv1.DatasetAppendRequest{Tenant: tenantToProto(t), Dataset: dataset, Records: make([]*pluginv1.Record, len(records))}
	for i, r := range records {
		req.Records[i] = &pluginv1.Record{Key: r.Key, DataJson: r.Data}
	}
	resp, err := c.rpc.DatasetAppend(ctx, req)
	if err != nil {
		return AppendResult{}, FromStatus(err)
	}
	return AppendResult{Inserted: int(resp.GetInserted()), Updated: int(resp.GetUpdated())}, nil
}

// DatasetQuery implements HostServer.
func (c *HostClient) DatasetQuery(ctx context.Context, t Tenant, dataset string, page PageRequest) (RecordPage, error) {
	resp, err := c.rpc.DatasetQuery(ctx, &pluginv1.DatasetQueryRequest{
		Tenant: tenantToProto(t), Dataset: dataset, Cursor: page.Cursor, Limit: int32Of(page.Limit),
	})
	if err != nil {
		return RecordPage{}, FromStatus(err)
	}
	out := RecordPage{NextCursor: resp.GetNextCursor(), Records: make([]Record, 0, len(resp.GetRecords()))}
	for _, r := range resp.GetRecords() {
		out.Records = append(out.Records, Record{Key: r.GetKey(), Data: r.GetDataJson()})
	}
	return out, nil
}

// DatasetList implements HostServer.
func (c *HostClient) DatasetList(ctx context.Context, t Tenant) ([]DatasetInfo, error) {
	resp, err := c.rpc.DatasetList(ctx, &pluginv1.DatasetListRequest{Tenant: tenantToProto(t)})
	if err != nil {
		return nil, FromStatus(err)
	}
	out := make([]DatasetInfo, 0, len(resp.GetDatasets()))
	for _, d := range resp.GetDatasets() {
		out = append(out, DatasetInfo{Name: d.GetName(), Records: d.GetRecords()})
	}
	return out, nil
}

// JobUpdate implements HostServer.
func (c *HostClient) JobUpdate(ctx context.Context, u JobUpdate) error {
	_, err := c.rpc.JobUpdate(ctx, &pluginv1.JobUpdateRequest{
		Tenant:         tenantToProto(u.Tenant),
		JobId:          u.JobID,
		Status:         jobStatusToProto(u.Status),
		Progress:       int32Of(u.Progress),
		ProcessedItems: u.ProcessedItems,
		TotalItems:     u.TotalItems,
		Error:          u.Error,
		ErrorCode:      string(u.ErrorCode),
		ResultJson:     u.Result,
	})
	return FromStatus(err)
}

// Log implements HostServer.
func (c *HostClient) Log(ctx context.Context, e LogEntry) error {
	req := &pluginv1.LogRequest{Level: logLevelToProto(e.Level), Message: e.Message}
	if e.Tenant != (Tenant{}) {
		req.Tenant = tenantToProto(e.Tenant)
	}
	for _, f := range e.Fields {
		req.Fields = append(req.Fields, &pluginv1.LogField{Key: f.Key, Value: f.Value})
	}
	_, err := c.rpc.Log(ctx, req)
	return FromStatus(err)
}

// DatasetChanges implements HostServer.
func (c *HostClient) DatasetChanges(ctx context.Context, t Tenant, dataset string, page PageRequest) (ChangePage, error) {
	resp, err := c.rpc.DatasetChanges(ctx, &pluginv1.DatasetChangesRequest{
		Tenant: tenantToProto(t), Dataset: dataset, Cursor: page.Cursor, Limit: int32Of(page.Limit),
	})
	if err != nil {
		return ChangePage{}, FromStatus(err)
	}
	out := ChangePage{Cursor: resp.GetCursor(), More: resp.GetMore(), Records: make([]Record, 0, len(resp.GetRecords()))}
	for _, r := range resp.GetRecords() {
		out.Records = append(out.Records, Record{Key: r.GetKey(), Data: r.GetDataJson()})
	}
	return out, nil
}

// EventsSince implements HostServer.
func (c *HostClient) EventsSince(ctx context.Context, t Tenant, q EventsQuery) (EventPage, error) {
	resp, err := c.rpc.EventsSince(ctx, &pluginv1.EventsSinceRequest{
		Tenant: tenantToProto(t), AfterSeq: q.After, Types: q.Types, Limit: int32Of(q.Limit),
	})
	if err != nil {
		return EventPage{}, FromStatus(err)
	}
	out := EventPage{Head: resp.GetHeadSeq(), Epoch: resp.GetEpoch(), Gap: resp.GetGap(), Next: resp.GetNextAfterSeq(),
		Events: make([]HistoryEvent, 0, len(resp.GetEvents()))}
	for _, e := range resp.GetEvents() {
		out.Events = append(out.Events, historyEventFromProto(e))
	}
	return out, nil
}

// SubmitJob implements HostServer.
func (c *HostClient) SubmitJob(ctx context.Context, t Tenant, j JobSubmission) (string, error) {
	resp, err := c.rpc.SubmitJob(ctx, &pluginv1.SubmitJobRequest{Tenant: tenantToProto(t), Kind: j.Kind,
		InputJson: j.Input, Reason: j.Reason})
	if err != nil {
		return "", FromStatus(err)
	}
	return resp.GetJobId(), nil
}

// Usage implements HostServer.
func (c *HostClient) Usage(ctx context.Context, t Tenant) (Usage, error) {
	resp, err := c.rpc.Usage(ctx, &pluginv1.UsageRequest{Tenant: tenantToProto(t)})
	if err != nil {
		return Usage{}, FromStatus(err)
	}
	return usageFromProto(resp), nil
}
