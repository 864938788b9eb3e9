package sdktest

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/switchyard/switchyard/sdk/grpcplugin"
)

func TestRecordingHostEnforcesInstallAndDeclaredTypes(t *testing.T) {
	ctx := t.Context()
	h := NewRecordingHost()
	acme, globex := Tenant("acme"), Tenant("globex")
	ev := func(tn grpcplugin.Tenant, typ string) grpcplugin.Event {
		return grpcplugin.Event{Tenant: tn, Type: typ, Data: json.RawMessage(`{}`)}
	}

	res, err := h.Emit(ctx, []grpcplugin.Event{ev(acme, "sync.update")})
	if err != nil || res.Accepted != 0 || res.Rejected[0].Code != grpcplugin.CodeUnavailable {
		t.Fatalf("before the manifest is known: %+v, %v", res, err)
	}
	h.SetManifest(grpcplugin.Manifest{Name: "p1", Version: "1.0.0", EventTypes: []string{"sync.update"}})
	h.Install(acme)
	res, err = h.Emit(ctx, []grpcplugin.Event{ev(acme, "sync.update"), ev(acme, "alert"), ev(globex, "sync.update")})
	if err != nil {
		t.Fatal(err)
	}
	if res.Accepted != 1 || len(res.Rejected) != 2 ||
		res.Rejected[0].Index != 1 || res.Rejected[0].Code != grpcplugin.CodeInvalidInput ||
		res.Rejected[1].Index != 2 || res.Rejected[1].Code != grpcplugin.CodePermission {
		t.Fatalf("result = %+v", res)
	}
	if len(h.Events()) != 1 || len(h.Refused()) != 3 {
		t.Fatalf("events %d refused %d", len(h.Events()), len(h.Refused()))
	}
	if err := h.StatePut(ctx, globex, "k", []byte("v")); !errors.Is(err, grpcplugin.ErrPermission) {
		t.Fatalf("state of a tenant without the plugin: err = %v", err)
	}
	if err := h.StatePut(ctx, acme, "k", []byte("v")); err != nil {
		t.Fatal(err)
	}
	h.Uninstall(acme)
	if _, ok := h.StateValue(acme, "k"); ok {
		t.Fatal("uninstall kept the tenant's state")
	}
}

func TestRecordingHostWaits(t *testing.T) {
	h := NewRecordingHost()
	acme := Tenant("acme")
	h.SetManifest(grpcplugin.Manifest{Name: "p1", Version: "1.0.0", EventTypes: []string{"a.b"}})
	h.Install(acme)

	ctx, cancel := context.WithTimeout(t.Context(), 50*time.Millisecond)
	defer cancel()
	if _, err := h.WaitEvent(ctx, nil); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("wait without events: err = %v", err)
	}

	go func() {
		time.Sleep(10 * time.Millisecond)
		for i := 0; i < 3; i++ {
			_, _ = h.Emit(t.Context(), []grpcplugin.Event{{Tenant: acme, Type: "a.b", Data: json.RawMessage(fmt.Sprint(i))}})
		}
		_ = h.JobUpdate(t.Context(), grpcplugin.JobUpdate{Tenant: acme, JobID: "j", Status: grpcplugin.JobRunning})
		_ = h.JobUpdate(t.Context(), grpcplugin.JobUpdate{Tenant: acme, JobID: "j", Status: grpcplugin.JobSucceeded})
	}()
	wctx, wcancel := context.WithTimeout(t.Context(), 5*time.Second)
	defer wcancel()
	e, err := h.WaitEvent(wctx, func(e grpcplugin.Event) bool { return string(e.Data) == "2" })
	if err != nil || string(e.Data) != "2" {
		t.Fatalf("event = %+v, %v", e, err)
	}
	u, err := h.WaitJob(wctx, acme, "j")
	if err != nil || u.Status != grpcplugin.JobSucceeded {
		t.Fatalf("job = %+v, %v", u, err)
	}
	// An event that already arrived is found at once.
	if e, err := h.WaitEvent(wctx, func(e grpcplugin.Event) bool { return string(e.Data) == "0" }); err != nil || string(e.Data) != "0" {
		t.Fatalf("earlier event = %+v, %v", e, err)
	}
}

func TestRecordingHostRetention(t *testing.T) {
	h := NewRecordingHost()
	acme := Tenant("acme")
	h.SetManifest(grpcplugin.Manifest{Name: "p1", Version: "1.0.0", EventTypes: []string{"a.b"}})
	h.Install(acme)
	h.SetMaxEvents(10)
	for i := 0; i < 35; i++ {
		_, _ = h.Emit(t.Context(), []grpcplugin.Event{{Tenant: acme, Type: "a.b", Data: json.RawMessage(fmt.Sprint(i))}})
	}
	evs := h.Events()
	if h.EventCount() != 35 || len(evs) < 10 || len(evs) > 20 || string(evs[len(evs)-1].Data) != "34" {
		t.Fatalf("count %d, kept %d, last %s", h.EventCount(), len(evs), evs[len(evs)-1].Data)
	}
}

func TestHostFuncsUnsetFieldIsUnimplemented(t *testing.T) {
	var f HostFuncs
	if _, err := f.Emit(t.Context(), nil); !errors.Is(err, grpcplugin.ErrUnimplemented) {
		t.Fatalf("err = %v", err)
	}
	f.StatePutFunc = func(context.Context, grpcplugin.Tenant, string, []byte) error { return grpcplugin.ErrConflict }
	if err := f.StatePut(t.Context(), Tenant("acme"), "k", nil); !errors.Is(err, grpcplugin.ErrConflict) {
		t.Fatalf("err = %v", err)
	}
}
