package sdk_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/switchyard/switchyard/sdk"
	"github.com/switchyard/switchyard/sdk/grpcplugin"
	"github.com/switchyard/switchyard/sdk/sdktest"
)

// servedHost serves a plugin in-process and returns the Host it received.
func servedHost(t *testing.T) (*sdktest.Harness, *sdk.Host) {
	t.Helper()
	ch := make(chan *sdk.Host, 1)
	h := serve(t, &basePlugin{manifest: manifest(), host: ch}, sdktest.Options{})
	return h, hostOf(t, ch)
}

func TestEmit(t *testing.T) {
	h, host := servedHost(t)
	ctx := testCtx(t)

	if err := host.Emit(ctx, acme, sdk.Event{Type: "test.event", Target: "u-bob", Data: map[string]int{"n": 1}}); err != nil {
		t.Fatal(err)
	}
	e, err := h.Host.WaitEvent(ctx, func(e grpcplugin.Event) bool { return e.Type == "test.event" })
	if err != nil {
		t.Fatal(err)
	}
	if e.Tenant != acme || e.Target != "u-bob" || string(e.Data) != `{"n":1}` || len(e.ID) != 36 {
		t.Fatalf("event = %+v", e)
	}

	tests := []struct {
		name   string
		tenant grpcplugin.Tenant
		event  sdk.Event
		code   grpcplugin.Code
	}{
		{"undeclared type refused before sending", acme, sdk.Event{Type: "other.thing"}, grpcplugin.CodeInvalidInput},
		{"tenant without the plugin refused by the host", globex, sdk.Event{Type: "test.event"}, grpcplugin.CodePermission},
		{"data that cannot be encoded", acme, sdk.Event{Type: "test.event", Data: func() {}}, grpcplugin.CodeInvalidInput},
		{"invalid tenant", grpcplugin.Tenant{ID: "x", Slug: "Bad Slug"}, sdk.Event{Type: "test.event"}, grpcplugin.CodeInvalidInput},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := host.Emit(ctx, tc.tenant, tc.event)
			if grpcplugin.CodeOf(err) != tc.code {
				t.Fatalf("err = %v (code %q), want %q", err, grpcplugin.CodeOf(err), tc.code)
			}
		})
	}
	if n := len(h.Host.Refused()); n != 1 {
		t.Fatalf("the host saw %d refused events, want 1 (the others never left the plugin)", n)
	}

	res, err := host.EmitBatch(ctx, acme, []sdk.Event{{Type: "test.event", Data: 1}, {Type: "notification", Data: json.RawMessage(`{"kind":"info"}`)}})
	if err != nil || res.Accepted != 2 || len(res.Rejected) != 0 {
		t.Fatalf("batch = %+v, %v", res, err)
	}
}

func TestPublisher(t *testing.T) {
	h, host := servedHost(t)
	ctx := testCtx(t)

	var mu sync.Mutex
	var rejected []string
	pub := host.NewPublisher(ctx, sdk.PublisherOptions{
		MaxBatch: 100,
		Linger:   time.Hour, // only full batches and Flush send
		OnRejected: func(t sdk.Tenant, typ string, r sdk.Rejection) {
			mu.Lock()
			defer mu.Unlock()
			rejected = append(rejected, fmt.Sprintf("%s %s %s", t.Slug, typ, r.Code))
		},
	})
	const n = 2550
	for i := 0; i < n; i++ {
		tenant := acme
		if i == 7 {
			tenant = globex // not installed: the host refuses it
		}
		if err := pub.Publish(ctx, tenant, sdk.Event{Type: "test.event", Data: i}); err != nil {
			t.Fatal(err)
		}
	}
	if err := pub.Publish(ctx, acme, sdk.Event{Type: "undeclared"}); !errors.Is(err, sdk.ErrInvalidInput) {
		t.Fatalf("undeclared type: err = %v", err)
	}
	if err := pub.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	// Flush returned: everything published was answered, in order.
	evs := h.Host.Events()
	if len(evs) != n-1 {
		t.Fatalf("host has %d events after Flush, want %d", len(evs), n-1)
	}
	want := 0
	for _, e := range evs {
		if want == 7 {
			want++
		}
		if string(e.Data) != fmt.Sprint(want) {
			t.Fatalf("event %s out of order, want %d", e.Data, want)
		}
		want++
	}
	mu.Lock()
	if fmt.Sprint(rejected) != "[globex test.event permission_denied]" {
		t.Fatalf("rejected = %v", rejected)
	}
	mu.Unlock()
	st := pub.Stats()
	if st.Published != n || st.Accepted != n-1 || st.Rejected != 1 || st.Dropped != 0 {
		t.Fatalf("stats = %+v", st)
	}
	if err := pub.Close(ctx); err != nil {
		t.Fatal(err)
	}
	if err := pub.Publish(ctx, acme, sdk.Event{Type: "test.event"}); !errors.Is(err, sdk.ErrUnavailable) {
		t.Fatalf("publish after close: err = %v", err)
	}
}

func TestPublisherLingerAndBackpressure(t *testing.T) {
	release := make(chan struct{})
	var mu sync.Mutex
	var batches []int
	api := &sdktest.HostFuncs{EmitFunc: func(ctx context.Context, events []grpcplugin.Event) (grpcplugin.EmitResult, error) {
		<-release
		mu.Lock()
		batches = append(batches, len(events))
		mu.Unlock()
		return grpcplugin.EmitResult{Accepted: len(events)}, nil
	}}
	host := sdk.NewHost(api, sdk.HostOptions{Manifest: manifest()})
	ctx := testCtx(t)
	pub := host.NewPublisher(ctx, sdk.PublisherOptions{Buffer: 10, MaxBatch: 5, Linger: 10 * time.Millisecond})
	// The host is stuck: the sender holds one batch, the queue fills up, and
	// Publish then blocks until its context ends.
	var err error
	for i := 0; i < 30 && err == nil; i++ {
		pctx, cancel := context.WithTimeout(ctx, 200*time.Millisecond)
		err = pub.Publish(pctx, acme, sdk.Event{Type: "test.event", Data: i})
		cancel()
	}
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("Publish on a full queue: err = %v, want it to block until its deadline", err)
	}
	close(release)
	if err := pub.Close(ctx); err != nil {
		t.Fatal(err)
	}
	st := pub.Stats()
	if st.Accepted != st.Published || st.Published < 10 {
		t.Fatalf("stats = %+v", st)
	}
	mu.Lock()
	defer mu.Unlock()
	for _, b := range batches {
		if b > 5 {
			t.Fatalf("batch of %d, MaxBatch is 5", b)
		}
	}
}

// TestPublisherLingerSendsATrickle: events published one at a time, far
// apart, each go out within Linger, not when a batch fills or at Close.
func TestPublisherLingerSendsATrickle(t *testing.T) {
	got := make(chan int, 16)
	api := &sdktest.HostFuncs{EmitFunc: func(ctx context.Context, events []grpcplugin.Event) (grpcplugin.EmitResult, error) {
		got <- len(events)
		return grpcplugin.EmitResult{Accepted: len(events)}, nil
	}}
	host := sdk.NewHost(api, sdk.HostOptions{Manifest: manifest()})
	ctx := testCtx(t)
	pub := host.NewPublisher(ctx, sdk.PublisherOptions{Linger: 5 * time.Millisecond})
	defer pub.Close(ctx) //nolint:errcheck // the events were sent already
	for i := range 3 {
		if err := pub.Publish(ctx, acme, sdk.Event{Type: "test.event", Data: i}); err != nil {
			t.Fatal(err)
		}
		select {
		case n := <-got:
			if n != 1 {
				t.Fatalf("batch of %d, want the one event published", n)
			}
		case <-time.After(2 * time.Second):
			t.Fatalf("event %d not sent within 2 s with a 5 ms linger", i)
		}
	}
}

func TestPublisherDropsWhenHostFails(t *testing.T) {
	var calls int
	var mu sync.Mutex
	api := &sdktest.HostFuncs{EmitFunc: func(context.Context, []grpcplugin.Event) (grpcplugin.EmitResult, error) {
		mu.Lock()
		calls++
		mu.Unlock()
		return grpcplugin.EmitResult{}, sdk.Errorf(sdk.ErrUnavailable, "core restarting")
	}}
	host := sdk.NewHost(api, sdk.HostOptions{Manifest: manifest()})
	ctx := testCtx(t)
	var dropped int
	pub := host.NewPublisher(ctx, sdk.PublisherOptions{Retries: 2, Linger: time.Hour, OnError: func(err error, n int) {
		if errors.Is(err, sdk.ErrUnavailable) {
			dropped += n
		}
	}})
	for i := 0; i < 3; i++ {
		if err := pub.Publish(ctx, acme, sdk.Event{Type: "test.event"}); err != nil {
			t.Fatal(err)
		}
	}
	if err := pub.Close(ctx); err != nil {
		t.Fatal(err)
	}
	mu.Lock()
	defer mu.Unlock()
	if calls != 3 || dropped != 3 || pub.Stats().Dropped != 3 {
		t.Fatalf("calls %d (1 + 2 retries), dropped %d, stats %+v", calls, dropped, pub.Stats())
	}
}

// The core stored some events of a batch and answered the others
// unavailable: the Publisher sends those again, alone and in order, and
// every event is stored exactly once.
func TestPublisherResendsOnlyUnavailableEvents(t *testing.T) {
	var mu sync.Mutex
	var stored []string
	var calls [][]string
	api := &sdktest.HostFuncs{EmitFunc: func(_ context.Context, evs []grpcplugin.Event) (grpcplugin.EmitResult, error) {
		mu.Lock()
		defer mu.Unlock()
		var sent []string
		var res grpcplugin.EmitResult
		for i, e := range evs {
			sent = append(sent, string(e.Data))
			if len(calls) == 0 && i%2 == 1 { // the first call: every other event's journal is down
				res.Rejected = append(res.Rejected, grpcplugin.Rejection{Index: i, Code: grpcplugin.CodeUnavailable, Reason: "journal unavailable"})
				continue
			}
			stored = append(stored, string(e.Data))
			res.Accepted++
		}
		calls = append(calls, sent)
		return res, nil
	}}
	host := sdk.NewHost(api, sdk.HostOptions{Manifest: manifest()})
	ctx := testCtx(t)
	pub := host.NewPublisher(ctx, sdk.PublisherOptions{Linger: time.Hour})
	for i := range 6 {
		if err := pub.Publish(ctx, acme, sdk.Event{Type: "test.event", Data: json.RawMessage(strconv.Itoa(i))}); err != nil {
			t.Fatal(err)
		}
	}
	if err := pub.Close(ctx); err != nil {
		t.Fatal(err)
	}
	mu.Lock()
	defer mu.Unlock()
	if len(calls) != 2 || !slices.Equal(calls[1], []string{"1", "3", "5"}) {
		t.Fatalf("calls %v, want the batch and then the unavailable events alone", calls)
	}
	slices.Sort(stored)
	if !slices.Equal(stored, []string{"0", "1", "2", "3", "4", "5"}) {
		t.Fatalf("stored %v, want each event once", stored)
	}
	if st := pub.Stats(); st.Accepted != 6 || st.Rejected != 0 || st.Dropped != 0 {
		t.Fatalf("stats %+v", st)
	}
}

// A batch sent again after a call failed as a whole carries the same
// events, ids included: the core knows it by them when only the answer was
// lost (grpcplugin's emit memo), and answers instead of storing it twice.
func TestPublisherRetriesABatchWithItsIDs(t *testing.T) {
	var mu sync.Mutex
	var calls [][]string
	api := &sdktest.HostFuncs{EmitFunc: func(_ context.Context, evs []grpcplugin.Event) (grpcplugin.EmitResult, error) {
		mu.Lock()
		defer mu.Unlock()
		var ids []string
		for _, e := range evs {
			ids = append(ids, e.ID)
		}
		calls = append(calls, ids)
		if len(calls) == 1 {
			return grpcplugin.EmitResult{}, grpcplugin.ErrUnavailable
		}
		return grpcplugin.EmitResult{Accepted: len(evs)}, nil
	}}
	host := sdk.NewHost(api, sdk.HostOptions{Manifest: manifest()})
	ctx := testCtx(t)
	pub := host.NewPublisher(ctx, sdk.PublisherOptions{Linger: time.Hour})
	for i := range 3 {
		if err := pub.Publish(ctx, acme, sdk.Event{Type: "test.event", Data: i}); err != nil {
			t.Fatal(err)
		}
	}
	if err := pub.Close(ctx); err != nil {
		t.Fatal(err)
	}
	mu.Lock()
	defer mu.Unlock()
	if len(calls) != 2 || len(calls[0]) != 3 || !slices.Equal(calls[0], calls[1]) || calls[0][0] == "" || calls[0][0] == calls[0][1] {
		t.Fatalf("calls %v, want one batch of distinct ids sent twice alike", calls)
	}
}

func TestStateAndDatasets(t *testing.T) {
	_, host := servedHost(t)
	ctx := testCtx(t)
	st := host.State(acme)

	if _, err := st.Get(ctx, "missing"); !errors.Is(err, sdk.ErrNotFound) {
		t.Fatalf("missing key: err = %v", err)
	}
	for i := 0; i < 5; i++ {
		if err := st.Put(ctx, fmt.Sprintf("cursor/%d", i), []byte{byte('a' + i)}); err != nil {
			t.Fatal(err)
		}
	}
	if err := st.Put(ctx, "other", []byte("x")); err != nil {
		t.Fatal(err)
	}
	if v, err := st.Get(ctx, "cursor/2"); err != nil || string(v) != "c" {
		t.Fatalf("get = %q, %v", v, err)
	}
	var keys []string
	page := sdk.Page{Limit: 2}
	for {
		items, next, err := st.List(ctx, "cursor/", page)
		if err != nil {
			t.Fatal(err)
		}
		for _, it := range items {
			keys = append(keys, it.Key)
		}
		if next == "" {
			break
		}
		page.Cursor = next
	}
	if strings.Join(keys, ",") != "cursor/0,cursor/1,cursor/2,cursor/3,cursor/4" {
		t.Fatalf("listed %v", keys)
	}
	if err := st.Delete(ctx, "cursor/0"); err != nil {
		t.Fatal(err)
	}
	if _, err := st.Get(ctx, "cursor/0"); !errors.Is(err, sdk.ErrNotFound) {
		t.Fatalf("deleted key: err = %v", err)
	}
	if err := host.State(globex).Put(ctx, "k", nil); !errors.Is(err, sdk.ErrPermission) {
		t.Fatalf("tenant without the plugin: err = %v", err)
	}
	if err := st.Put(ctx, "", nil); !errors.Is(err, sdk.ErrInvalidInput) {
		t.Fatalf("empty key: err = %v", err)
	}

	ds := host.Datasets(acme)
	ins, upd, err := ds.Append(ctx, "contacts", sdk.Record{Key: "1", Data: json.RawMessage(`{"v":1}`)}, sdk.Record{Key: "2", Data: json.RawMessage(`{"v":1}`)})
	if err != nil || ins != 2 || upd != 0 {
		t.Fatalf("append = %d/%d, %v", ins, upd, err)
	}
	// A re-sync upserts: record 2 is stored once, with the new data.
	ins, upd, err = ds.Append(ctx, "contacts", sdk.Record{Key: "2", Data: json.RawMessage(`{"v":2}`)}, sdk.Record{Key: "3", Data: json.RawMessage(`{"v":1}`)})
	if err != nil || ins != 1 || upd != 1 {
		t.Fatalf("re-sync append = %d/%d, %v", ins, upd, err)
	}
	recs, next, err := ds.Query(ctx, "contacts", sdk.Page{Limit: 2})
	if err != nil || len(recs) != 2 || next == "" || string(recs[1].Data) != `{"v":2}` {
		t.Fatalf("query page 1 = %+v next %q, %v", recs, next, err)
	}
	recs, next, err = ds.Query(ctx, "contacts", sdk.Page{Cursor: next, Limit: 2})
	if err != nil || len(recs) != 1 || recs[0].Key != "3" || next != "" {
		t.Fatalf("query page 2 = %+v next %q, %v", recs, next, err)
	}
	if _, _, err := ds.Query(ctx, "nope", sdk.Page{}); !errors.Is(err, sdk.ErrNotFound) {
		t.Fatalf("missing dataset: err = %v", err)
	}
	if _, _, err := ds.Append(ctx, "Bad Name", sdk.Record{Key: "1", Data: json.RawMessage(`1`)}); !errors.Is(err, sdk.ErrInvalidInput) {
		t.Fatalf("bad dataset name: err = %v", err)
	}
	if _, _, err := ds.Append(ctx, "contacts", sdk.Record{Key: "1", Data: json.RawMessage(`{`)}); !errors.Is(err, sdk.ErrInvalidInput) {
		t.Fatalf("record that is not JSON: err = %v", err)
	}
	infos, err := ds.List(ctx)
	if err != nil || len(infos) != 1 || infos[0].Name != "contacts" || infos[0].Records != 3 {
		t.Fatalf("list = %+v, %v", infos, err)
	}
}

func TestLogger(t *testing.T) {
	ch := make(chan *sdk.Host, 1)
	p := &basePlugin{manifest: manifest(sdk.Action{Name: "work"}), host: ch}
	h := serve(t, p, sdktest.Options{})
	host := hostOf(t, ch)
	p.invoke = func(ctx context.Context, req sdk.Request) (json.RawMessage, error) {
		host.Logger().With("component", "sync").WithGroup("run").InfoContext(ctx, "working", "items", 3)
		host.Logger().DebugContext(ctx, "too detailed") // below the default level
		return nil, nil
	}
	if _, err := h.Invoke(testCtx(t), acme, alice, "work", nil); err != nil {
		t.Fatal(err)
	}
	logs := h.Host.Logs()
	if len(logs) != 1 {
		t.Fatalf("logs = %+v", logs)
	}
	l := logs[0]
	if l.Level != slog.LevelInfo || l.Message != "working" || l.Tenant != acme || fmt.Sprint(l.Fields) != "[{component sync} {run.items 3}]" {
		t.Fatalf("log = %+v", l)
	}
}
