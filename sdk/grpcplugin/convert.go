package grpcplugin

import (
	"log/slog"
	"net/http"
	"time"

	"github.com/switchyard/switchyard/sdk/genproto/pluginv1"
)

// This file converts between the generated protobuf types and the Go types
// of this package. Nothing outside grpcplugin sees protobuf types.

func tenantToProto(t Tenant) *pluginv1.Tenant {
	return &pluginv1.Tenant{Id: t.ID, Slug: t.Slug}
}

func tenantFromProto(t *pluginv1.Tenant) Tenant {
	return Tenant{ID: t.GetId(), Slug: t.GetSlug()}
}

func actorToProto(a Actor) *pluginv1.Actor {
	return &pluginv1.Actor{UserId: a.UserID, Role: a.Role}
}

func actorFromProto(a *pluginv1.Actor) Actor {
	return Actor{UserID: a.GetUserId(), Role: a.GetRole()}
}

func manifestToProto(m Manifest) *pluginv1.Manifest {
	pm := &pluginv1.Manifest{
		Name:         m.Name,
		Version:      m.Version,
		Description:  m.Description,
		Publisher:    m.Publisher,
		EventTypes:   m.EventTypes,
		ConfigSchema: m.ConfigSchema,
		Http:         m.HTTP,
	}
	for _, a := range m.Actions {
		pm.Actions = append(pm.Actions, &pluginv1.Action{
			Name:         a.Name,
			Description:  a.Description,
			InputSchema:  a.Input,
			OutputSchema: a.Output,
			Permission:   a.Permission,
			Job:          a.Job,
		})
	}
	return pm
}

func manifestFromProto(pm *pluginv1.Manifest) Manifest {
	m := Manifest{
		Name:         pm.GetName(),
		Version:      pm.GetVersion(),
		Description:  pm.GetDescription(),
		Publisher:    pm.GetPublisher(),
		EventTypes:   pm.GetEventTypes(),
		ConfigSchema: pm.GetConfigSchema(),
		HTTP:         pm.GetHttp(),
	}
	for _, a := range pm.GetActions() {
		m.Actions = append(m.Actions, Action{
			Name:        a.GetName(),
			Description: a.GetDescription(),
			Input:       a.GetInputSchema(),
			Output:      a.GetOutputSchema(),
			Permission:  a.GetPermission(),
			Job:         a.GetJob(),
		})
	}
	return m
}

func eventToProto(e Event) *pluginv1.Event {
	return &pluginv1.Event{
		Tenant:       tenantToProto(e.Tenant),
		Type:         e.Type,
		TargetUserId: e.Target,
		DataJson:     e.Data,
		Id:           e.ID,
	}
}

func eventFromProto(e *pluginv1.Event) Event {
	return Event{
		Tenant: tenantFromProto(e.GetTenant()),
		Type:   e.GetType(),
		Target: e.GetTargetUserId(),
		Data:   e.GetDataJson(),
		ID:     e.GetId(),
	}
}

func jobStatusToProto(s JobStatus) pluginv1.JobStatus {
	switch s {
	case JobQueued:
		return pluginv1.JobStatus_JOB_STATUS_QUEUED
	case JobRunning:
		return pluginv1.JobStatus_JOB_STATUS_RUNNING
	case JobSucceeded:
		return pluginv1.JobStatus_JOB_STATUS_SUCCEEDED
	case JobFailed:
		return pluginv1.JobStatus_JOB_STATUS_FAILED
	case JobCancelled:
		return pluginv1.JobStatus_JOB_STATUS_CANCELLED
	}
	return pluginv1.JobStatus_JOB_STATUS_UNSPECIFIED
}

func jobStatusFromProto(s pluginv1.JobStatus) JobStatus {
	switch s {
	case pluginv1.JobStatus_JOB_STATUS_QUEUED:
		return JobQueued
	case pluginv1.JobStatus_JOB_STATUS_RUNNING:
		return JobRunning
	case pluginv1.JobStatus_JOB_STATUS_SUCCEEDED:
		return JobSucceeded
	case pluginv1.JobStatus_JOB_STATUS_FAILED:
		return JobFailed
	case pluginv1.JobStatus_JOB_STATUS_CANCELLED:
		return JobCancelled
	}
	return ""
}

func logLevelToProto(l slog.Level) pluginv1.LogLevel {
	switch {
	case l >= slog.LevelError:
		return pluginv1.LogLevel_LOG_LEVEL_ERROR
	case l >= slog.LevelWarn:
		return pluginv1.LogLevel_LOG_LEVEL_WARN
	case l >= slog.LevelInfo:
		return pluginv1.LogLevel_LOG_LEVEL_INFO
	}
	return pluginv1.LogLevel_LOG_LEVEL_DEBUG
}

func logLevelFromProto(l pluginv1.LogLevel) slog.Level {
	switch l {
	case pluginv1.LogLevel_LOG_LEVEL_ERROR:
		return slog.LevelError
	case pluginv1.LogLevel_LOG_LEVEL_WARN:
		return slog.LevelWarn
	case pluginv1.LogLevel_LOG_LEVEL_DEBUG:
		return slog.LevelDebug
	}
	return slog.LevelInfo
}

func headersToProto(h http.Header) []*pluginv1.HTTPHeader {
	out := make([]*pluginv1.HTTPHeader, 0, len(h))
	for k, v := range h {
		out = append(out, &pluginv1.HTTPHeader{Name: k, Values: v})
	}
	return out
}

func headersFromProto(hs []*pluginv1.HTTPHeader) http.Header {
	h := make(http.Header, len(hs))
	for _, kv := range hs {
		k := http.CanonicalHeaderKey(kv.GetName())
		h[k] = append(h[k], kv.GetValues()...)
	}
	return h
}

func historyEventToProto(e HistoryEvent) *pluginv1.HistoryEvent {
	pe := &pluginv1.HistoryEvent{Seq: e.Seq, Id: e.ID, Type: e.Type, Source: e.Source, DataJson: e.Data}
	if !e.Time.IsZero() {
		pe.TimeUnixNano = e.Time.UnixNano()
	}
	return pe
}

func historyEventFromProto(pe *pluginv1.HistoryEvent) HistoryEvent {
	e := HistoryEvent{Seq: pe.GetSeq(), ID: pe.GetId(), Type: pe.GetType(), Source: pe.GetSource(), Data: pe.GetDataJson()}
	if ns := pe.GetTimeUnixNano(); ns != 0 {
		e.Time = time.Unix(0, ns).UTC()
	}
	return e
}

func usageToProto(u Usage) *pluginv1.UsageResponse {
	r := &pluginv1.UsageResponse{
		EventsSeq: u.EventsSeq, EventsEpoch: u.EventsEpoch,
		Sockets: int32Of(u.Sockets), JobsQueued: int32Of(u.JobsQueued), JobsRunning: int32Of(u.JobsRunning),
		Datasets: int32Of(u.Datasets), DatasetRecords: u.DatasetRecords, DatasetBytes: u.DatasetBytes,
		FilesBytes: u.FilesBytes, StateBytes: u.StateBytes,
	}
	if !u.MeasuredAt.IsZero() {
		r.MeasuredUnixNano = u.MeasuredAt.UnixNano()
	}
	return r
}

func usageFromProto(r *pluginv1.UsageResponse) Usage {
	u := Usage{
		EventsSeq: r.GetEventsSeq(), EventsEpoch: r.GetEventsEpoch(),
		Sockets: int(r.GetSockets()), JobsQueued: int(r.GetJobsQueued()), JobsRunning: int(r.GetJobsRunning()),
		Datasets: int(r.GetDatasets()), DatasetRecords: r.GetDatasetRecords(), DatasetBytes: r.GetDatasetBytes(),
		FilesBytes: r.GetFilesBytes(), StateBytes: r.GetStateBytes(),
	}
	if ns := r.GetMeasuredUnixNano(); ns != 0 {
		u.MeasuredAt = time.Unix(0, ns).UTC()
	}
	return u
}
