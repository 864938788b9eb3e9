package grpcplugin

import (
	"context"
	"math"
	"sort"

	"github.com/switchyard/switchyard/sdk/genproto/pluginv1"
)

// hostService serves the generated Host service on the core's side: it checks
// each request's shape, converts it and hands it to the core's HostServer.
type hostService struct {
	pluginv1.UnimplementedHostServer
	impl  HostServer
	emits emitMemo
}

var _ pluginv1.HostServer = (*hostService)(nil)

// Emit answers a batch sent again with the answer it got (see emitMemo).
func (s *hostService) Emit(ctx context.Context, req *pluginv1.EmitRequest) (*pluginv1.EmitResponse, error) {
	if key := emitKey(req); key != "" && len(req.GetEvents()) <= MaxBatchEvents {
		return s.emits.do(ctx, key, func() (*pluginv1.EmitResponse, error) { return s.emit(ctx, req) })
	}
	return s.emit(ctx, req)
}

func (s *hostService) emit(ctx context.Context, req *pluginv1.EmitRequest) (*pluginv1.EmitResponse, error) {
	in := req.GetEvents()
	if len(in) > MaxBatchEvents {
		return nil, ToStatus(NewError(CodeInvalidInput, "emit: batch larger than 1000 events"))
	}
	good := make([]Event, 0, len(in))
	index := make([]int, 0, len(in)) // index[i] is good[i]'s position in the request
	var rejected []Rejection
	for i, pe := range in {
		e := eventFromProto(pe)
		if err := ValidateEvent(e); err != nil {
			rejected = append(rejected, Rejection{Index: i, Code: CodeOf(err), Reason: err.Error()})
			continue
		}
		good = append(good, e)
		index = append(index, i)
	}
	accepted := 0
	if len(good) > 0 {
		res, err := s.impl.Emit(ctx, good)
		if err != nil {
			return nil, ToStatus(err)
		}
		accepted = res.Accepted
		for _, r := range res.Rejected {
			if r.Index < 0 || r.Index >= len(index) {
				continue
			}
			r.Index = index[r.Index]
			rejected = append(rejected, r)
		}
	}
	sort.Slice(rejected, func(i, j int) bool { return rejected[i].Index < rejected[j].Index })
	resp := &pluginv1.EmitResponse{Accepted: int32Of(accepted)}
	for _, r := range rejected {
		resp.Rejected = append(resp.Rejected, &pluginv1.EmitRejection{Index: int32Of(r.Index), Code: string(r.Code), Reason: r.Reason})
	}
	return resp, nil
}

func (s *hostService) StateGet(ctx context.Context, req *pluginv1.StateGetRequest) (*pluginv1.StateGetResponse, error) {
	t := tenantFromProto(req.GetTenant())
	if err := firstErr(ValidateTenant(t), ValidateStateKey(req.GetKey())); err != nil {
		return nil, ToStatus(err)
	}
	v, found, err := s.impl.StateGet(ctx, t, req.GetKey())
	if err != nil {
		return nil, ToStatus(err)
	}
	return &pluginv1.StateGetResponse{Found: found, Value: v}, nil
}

func (s *hostService) StatePut(ctx context.Context, req *pluginv1.StatePutRequest) (*pluginv1.StatePutResponse, error) {
	t := tenantFromProto(req.GetTenant())
	if err := firstErr(ValidateTenant(t), ValidateStateKey(req.GetKey())); err != nil {
		return nil, ToStatus(err)
	}
	if len(req.GetValue()) > MaxStateValueSize {
		return nil, ToStatus(NewError(CodeResourceExhausted, "state value larger than 1 MiB"))
	}
	if err := s.impl.StatePut(ctx, t, req.GetKey(), req.GetValue()); err != nil {
		return nil, ToStatus(err)
	}
	return &pluginv1.StatePutResponse{}, nil
}

func (s *hostService) StateDelete(ctx context.Context, req *pluginv1.StateDeleteRequest) (*pluginv1.StateDeleteResponse, error) {
	t := tenantFromProto(req.GetTenant())
	if err := firstErr(ValidateTenant(t), ValidateStateKey(req.GetKey())); err != nil {
		return nil, ToStatus(err)
	}
	if err := s.impl.StateDelete(ctx, t, req.GetKey()); err != nil {
		return nil, ToStatus(err)
	}
	return &pluginv1.StateDeleteResponse{}, nil
}

func (s *hostService) StateList(ctx context.Context, req *pluginv1.StateListRequest) (*pluginv1.StateListResponse, error) {
	t := tenantFromProto(req.GetTenant())
	page := PageRequest{Cursor: req.GetCursor(), Limit: int(req.GetLimit())}
	if err := firstErr(ValidateTenant(t), ValidatePage(page)); err != nil {
		return nil, ToStatus(err)
	}
	if len(req.GetPrefix()) > MaxStateKeyLen {
		return nil, ToStatus(NewError(CodeInvalidInput, "state prefix longer than a key"))
	}
	res, err := s.impl.StateList(ctx, t, req.GetPrefix(), page)
	if err != nil {
		return nil, ToStatus(err)
	}
	resp := &pluginv1.StateListResponse{NextCursor: res.NextCursor, Items: make([]*pluginv1.StateItem, 0, len(res.Items))}
	for _, it := range res.Items {
		resp.Items = append(resp.Items, &pluginv1.StateItem{Key: it.Key, Value: it.Value})
	}
	return resp, nil
}

func (s *hostService) DatasetAppend(ctx context.Context, req *pluginv1.DatasetAppendRequest) (*pluginv1.DatasetAppendResponse, error) {
	t := tenantFromProto(req.GetTenant())
	if err := firstErr(ValidateTenant(t), ValidateDatasetName(req.GetDataset())); err != nil {
		return nil, ToStatus(err)
	}
	if len(req.GetRecords()) > MaxAppendRecords {
		return nil, ToStatus(NewError(CodeInvalidInput, "dataset append: more than 1000 records"))
	}
	records := make([]Record, 0, len(req.GetRecords()))
	for _, r := range req.GetRecords() {
		rec := Record{Key: r.GetKey(), Data: r.GetDataJson()}
		if err := ValidateRecord(rec); err != nil {
			return nil, ToStatus(err)
		}
		records = append(records, rec)
	}
	res, err := s.impl.DatasetAppend(ctx, t, req.GetDataset(), records)
	if err != nil {
		return nil, ToStatus(err)
	}
	return &pluginv1.DatasetAppendResponse{Inserted: int32Of(res.Inserted), Updated: int32Of(res.Updated)}, nil
}

func (s *hostService) DatasetQuery(ctx context.Context, req *pluginv1.DatasetQueryRequest) (*pluginv1.DatasetQueryResponse, error) {
	t := tenantFromProto(req.GetTenant())
	page := PageRequest{Cursor: req.GetCursor(), Limit: int(req.GetLimit())}
	if err := firstErr(ValidateTenant(t), ValidateDatasetName(req.GetDataset()), ValidatePage(page)); err != nil {
		return nil, ToStatus(err)
	}
	res, err := s.impl.DatasetQuery(ctx, t, req.GetDataset(), page)
	if err != nil {
		return nil, ToStatus(err)
	}
	resp := &pluginv1.DatasetQueryResponse{NextCursor: res.NextCursor, Records: make([]*pluginv1.Record, 0, len(res.Records))}
	for _, r := range res.Records {
		resp.Records = append(resp.Records, &pluginv1.Record{Key: r.Key, DataJson: r.Data})
	}
	return resp, nil
}

func (s *hostService) DatasetList(ctx context.Context, req *pluginv1.DatasetListRequest) (*pluginv1.DatasetListResponse, error) {
	t := tenantFromProto(req.GetTenant())
	if err := ValidateTenant(t); err != nil {
		return nil, ToStatus(err)
	}
	res, err := s.impl.DatasetList(ctx, t)
	if err != nil {
		return nil, ToStatus(err)
	}
	resp := &pluginv1.DatasetListResponse{Datasets: make([]*pluginv1.DatasetInfo, 0, len(res))}
	for _, d := range res {
		resp.Datasets = append(resp.Datasets, &pluginv1.DatasetInfo{Name: d.Name, Records: d.Records})
	}
	return resp, nil
}

func (s *hostService) JobUpdate(ctx context.Context, req *pluginv1.JobUpdateRequest) (*pluginv1.JobUpdateResponse, error) {
	u := JobUpdate{
		Tenant:         tenantFromProto(req.GetTenant()),
		JobID:          req.GetJobId(),
		Status:         jobStatusFromProto(req.GetStatus()),
		Progress:       int(req.GetProgress()),
		ProcessedItems: req.GetProcessedItems(),
		TotalItems:     req.GetTotalItems(),
		Error:          req.GetError(),
		ErrorCode:      Code(req.GetErrorCode()),
		Result:         req.GetResultJson(),
	}
	if err := ValidateJobUpdate(u); err != nil {
		return nil, ToStatus(err)
	}
	if err := s.impl.JobUpdate(ctx, u); err != nil {
		return nil, ToStatus(err)
	}
	return &pluginv1.JobUpdateResponse{}, nil
}

func (s *hostService) Log(ctx context.Context, req *pluginv1.LogRequest) (*pluginv1.LogResponse, error) {
	e := LogEntry{
		Level:   logLevelFromProto(req.GetLevel()),
		Message: req.GetMessage(),
		Tenant:  tenantFromProto(req.GetTenant()),
	}
	if e.Tenant != (Tenant{}) {
		if err := ValidateTenant(e.Tenant); err != nil {
			return nil, ToStatus(err)
		}
	}
	for _, f := range req.GetFields() {
		e.Fields = append(e.Fields, LogField{Key: f.GetKey(), Value: f.GetValue()})
	}
	if err := s.impl.Log(ctx, e); err != nil {
		return nil, ToStatus(err)
	}
	return &pluginv1.LogResponse{}, nil
}

// int32Of converts n for the wire, clamping it to the int32 range.
func int32Of(n int) int32 {
	return int32(max(min(n, math.MaxInt32), math.MinInt32))
}

func firstErr(errs ...error) error {
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}

func (s *hostService) DatasetChanges(ctx context.Context, req *pluginv1.DatasetChangesRequest) (*pluginv1.DatasetChangesResponse, error) {
	t := tenantFromProto(req.GetTenant())
	page := PageRequest{Cursor: req.GetCursor(), Limit: int(req.GetLimit())}
	if err := firstErr(ValidateTenant(t), ValidateDatasetName(req.GetDataset()), ValidatePage(page)); err != nil {
		return nil, ToStatus(err)
	}
	res, err := s.impl.DatasetChanges(ctx, t, req.GetDataset(), page)
	if err != nil {
		return nil, ToStatus(err)
	}
	resp := &pluginv1.DatasetChangesResponse{Cursor: res.Cursor, More: res.More, Records: make([]*pluginv1.Record, 0, len(res.Records))}
	for _, r := range res.Records {
		resp.Records = append(resp.Records, &pluginv1.Record{Key: r.Key, DataJson: r.Data})
	}
	return resp, nil
}

func (s *hostService) EventsSince(ctx context.Context, req *pluginv1.EventsSinceRequest) (*pluginv1.EventsSinceResponse, error) {
	t := tenantFromProto(req.GetTenant())
	q := EventsQuery{After: req.GetAfterSeq(), Types: req.GetTypes(), Limit: int(req.GetLimit())}
	if err := firstErr(ValidateTenant(t), ValidateEventsQuery(q)); err != nil {
		return nil, ToStatus(err)
	}
	res, err := s.impl.EventsSince(ctx, t, q)
	if err != nil {
		return nil, ToStatus(err)
	}
	resp := &pluginv1.EventsSinceResponse{HeadSeq: res.Head, Epoch: res.Epoch, Gap: res.Gap, NextAfterSeq: res.Next,
		Events: make([]*pluginv1.HistoryEvent, 0, len(res.Events))}
	for _, e := range res.Events {
		resp.Events = append(resp.Events, historyEventToProto(e))
	}
	return resp, nil
}

func (s *hostService) SubmitJob(ctx context.Context, req *pluginv1.SubmitJobRequest) (*pluginv1.SubmitJobResponse, error) {
	t := tenantFromProto(req.GetTenant())
	j := JobSubmission{Kind: req.GetKind(), Input: req.GetInputJson(), Reason: req.GetReason()}
	if err := ValidateJobSubmission(t, j); err != nil {
		return nil, ToStatus(err)
	}
	id, err := s.impl.SubmitJob(ctx, t, j)
	if err != nil {
		return nil, ToStatus(err)
	}
	return &pluginv1.SubmitJobResponse{JobId: id}, nil
}

func (s *hostService) Usage(ctx context.Context, req *pluginv1.UsageRequest) (*pluginv1.UsageResponse, error) {
	t := tenantFromProto(req.GetTenant())
	if err := ValidateTenant(t); err != nil {
		return nil, ToStatus(err)
	}
	u, err := s.impl.Usage(ctx, t)
	if err != nil {
		return nil, ToStatus(err)
	}
	return usageToProto(u), nil
}
