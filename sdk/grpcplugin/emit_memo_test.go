package grpcplugin

import (
	"context"
	"errors"
	"fmt"
	"net"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/status"

	"github.com/switchyard/switchyard/sdk/genproto/pluginv1"
)

// storingHost stores what Emit is given, once per call; fail makes a call
// fail as a whole (storing nothing), wait holds calls until it is closed.
type storingHost struct {
	HostServer
	mu     sync.Mutex
	stored []string
	calls  atomic.Int32
	fail   atomic.Bool
	wait   chan struct{}
}

func (h *storingHost) Emit(_ context.Context, evs []Event) (EmitResult, error) {
	h.calls.Add(1)
	if h.wait != nil {
		<-h.wait
	}
	if h.fail.Load() {
		return EmitResult{}, NewError(CodeUnavailable, "journal unavailable")
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	for _, e := range evs {
		h.stored = append(h.stored, string(e.Data))
	}
	return EmitResult{Accepted: len(evs)}, nil
}

func memoEvents(n int, ids bool) []Event {
	out := make([]Event, n)
	for i := range out {
		out[i] = Event{Tenant: Tenant{ID: "org-1", Slug: "acme"}, Type: "sync.update", Data: []byte(fmt.Sprint(i))}
		if ids {
			out[i].ID = fmt.Sprintf("00000000-0000-7000-8000-%012d", i)
		}
	}
	return out
}

// serveHost serves the host service on loopback gRPC; the first Emit
// answer is lost after the call ran when loseFirst is set.
func serveHost(t *testing.T, impl HostServer, loseFirst bool) *HostClient {
	t.Helper()
	var lost atomic.Bool
	lose := func(ctx context.Context, req any, info *grpc.UnaryServerInfo, handler grpc.UnaryHandler) (any, error) {
		resp, err := handler(ctx, req)
		if loseFirst && info.FullMethod == pluginv1.Host_Emit_FullMethodName && lost.CompareAndSwap(false, true) {
			return nil, status.Error(codes.Unavailable, "connection lost")
		}
		return resp, err
	}
	s := grpc.NewServer(append(ServerOptions(nil), grpc.ChainUnaryInterceptor(lose))...)
	pluginv1.RegisterHostServer(s, &hostService{impl: impl})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go func() { _ = s.Serve(ln) }()
	t.Cleanup(s.Stop)
	conn, err := grpc.NewClient(ln.Addr().String(), grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = conn.Close() })
	return NewHostClient(conn)
}

// A batch whose answer was lost is sent again: it gets the first call's
// answer and is stored once. A part of it sent again (the events the core
// could not store yet) is a batch of its own.
func TestEmitRetriedAfterALostAnswerIsStoredOnce(t *testing.T) {
	impl := &storingHost{}
	c := serveHost(t, impl, true)
	ctx := t.Context()
	evs := memoEvents(5, true)
	if _, err := c.Emit(ctx, evs); !errors.Is(err, ErrUnavailable) {
		t.Fatalf("first call: %v, want its answer lost", err)
	}
	res, err := c.Emit(ctx, evs)
	if err != nil || res.Accepted != 5 {
		t.Fatalf("retry: %+v, %v", res, err)
	}
	if n := len(impl.stored); n != 5 || impl.calls.Load() != 1 {
		t.Fatalf("stored %d events in %d calls, want 5 in 1", n, impl.calls.Load())
	}
	if res, err := c.Emit(ctx, evs[1:3]); err != nil || res.Accepted != 2 || len(impl.stored) != 7 {
		t.Fatalf("a part sent again: %+v, %v, %d stored", res, err, len(impl.stored))
	}
	// Without ids there is nothing to recognize a batch by.
	plain := memoEvents(2, false)
	for range 2 {
		if _, err := c.Emit(ctx, plain); err != nil {
			t.Fatal(err)
		}
	}
	if len(impl.stored) != 11 {
		t.Fatalf("%d stored, want batches without ids stored each time", len(impl.stored))
	}
}

// A retry that arrives while the first call still runs waits for its
// answer; a call that failed as a whole stored nothing, so its retry runs.
func TestEmitRetryWaitsForTheFirstCall(t *testing.T) {
	impl := &storingHost{wait: make(chan struct{})}
	s := &hostService{impl: impl}
	req := &pluginv1.EmitRequest{}
	for _, e := range memoEvents(3, true) {
		req.Events = append(req.Events, eventToProto(e))
	}
	answers := make(chan *pluginv1.EmitResponse, 2)
	for range 2 {
		go func() {
			resp, err := s.Emit(t.Context(), req)
			if err != nil {
				t.Error(err)
			}
			answers <- resp
		}()
	}
	time.Sleep(50 * time.Millisecond)
	close(impl.wait)
	a, b := <-answers, <-answers
	if a.GetAccepted() != 3 || b.GetAccepted() != 3 || impl.calls.Load() != 1 || len(impl.stored) != 3 {
		t.Fatalf("answers %v %v after %d calls, %d stored", a, b, impl.calls.Load(), len(impl.stored))
	}

	failing := &storingHost{}
	failing.fail.Store(true)
	s = &hostService{impl: failing}
	if _, err := s.Emit(t.Context(), req); err == nil {
		t.Fatal("a failing call succeeded")
	}
	failing.fail.Store(false)
	if resp, err := s.Emit(t.Context(), req); err != nil || resp.GetAccepted() != 3 || failing.calls.Load() != 2 {
		t.Fatalf("retry after a failed call: %v, %v after %d calls", resp, err, failing.calls.Load())
	}
}

// Answers are kept for emitMemoTTL and at most emitMemoSize of them.
func TestEmitMemoForgets(t *testing.T) {
	now := time.Unix(0, 0)
	m := &emitMemo{now: func() time.Time { return now }}
	runs := 0
	run := func() (*pluginv1.EmitResponse, error) { runs++; return &pluginv1.EmitResponse{}, nil }
	_, _ = m.do(t.Context(), "a", run)
	_, _ = m.do(t.Context(), "a", run)
	now = now.Add(emitMemoTTL)
	_, _ = m.do(t.Context(), "a", run)
	if runs != 2 {
		t.Fatalf("%d runs, want the answer forgotten after %v", runs, emitMemoTTL)
	}
	for i := range 3 * emitMemoSize {
		_, _ = m.do(t.Context(), fmt.Sprint(i), run)
	}
	if len(m.entries) > emitMemoSize || len(m.order) > 2*emitMemoSize+1 {
		t.Fatalf("%d answers and %d keys kept", len(m.entries), len(m.order))
	}
}
