package grpcplugin

import (
	"context"
	"testing"

	"github.com/switchyard/switchyard/sdk/genproto/pluginv1"
)

// rejectSecond accepts every event but the second one it is given.
type rejectSecond struct {
	HostServer
	got []Event
}

func (h *rejectSecond) Emit(_ context.Context, events []Event) (EmitResult, error) {
	h.got = events
	return EmitResult{Accepted: len(events) - 1, Rejected: []Rejection{{Index: 1, Code: CodePermission, Reason: "not installed"}}}, nil
}

func TestHostEmitChecksShapeAndKeepsIndexes(t *testing.T) {
	impl := &rejectSecond{}
	s := &hostService{impl: impl}
	tenant := &pluginv1.Tenant{Id: "org-1", Slug: "acme"}
	resp, err := s.Emit(t.Context(), &pluginv1.EmitRequest{Events: []*pluginv1.Event{
		{Tenant: tenant, Type: "sync.update", DataJson: []byte(`{}`)},      // 0: to the core, accepted
		{Tenant: tenant, Type: "Sync Update", DataJson: []byte(`{}`)},      // 1: bad type, never reaches the core
		{Tenant: tenant, Type: "sync.update", DataJson: []byte(`{"a":1}`)}, // 2: the core rejects it (its index 1)
		{Tenant: tenant, Type: "sync.update", DataJson: []byte(`{`)},       // 3: not JSON
	}})
	if err != nil {
		t.Fatal(err)
	}
	if len(impl.got) != 2 || string(impl.got[1].Data) != `{"a":1}` {
		t.Fatalf("the core got %+v", impl.got)
	}
	want := []struct {
		index int32
		code  Code
	}{{1, CodeInvalidInput}, {2, CodePermission}, {3, CodeInvalidInput}}
	if resp.GetAccepted() != 1 || len(resp.GetRejected()) != len(want) {
		t.Fatalf("response = %v", resp)
	}
	for i, w := range want {
		r := resp.GetRejected()[i]
		if r.GetIndex() != w.index || Code(r.GetCode()) != w.code {
			t.Errorf("rejection %d = %v, want index %d code %s", i, r, w.index, w.code)
		}
	}
	_, err = s.Emit(t.Context(), &pluginv1.EmitRequest{Events: make([]*pluginv1.Event, MaxBatchEvents+1)})
	if CodeOf(FromStatus(err)) != CodeInvalidInput {
		t.Fatalf("oversized batch: err = %v", err)
	}
}
