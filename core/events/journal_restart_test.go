package events_test

import (
	"context"
	"errors"
	"log/slog"
	"sync"
	"testing"
	"time"

	"github.com/nats-io/nats.go"

	"github.com/switchyard/switchyard/core/events"
	"github.com/switchyard/switchyard/core/events/natstest"
)

// TestJetStreamJournalAcrossANATSRestart takes the NATS server of two
// replicas down and back up over the same store, as an operator restarting
// it would. While it is down an append fails at once with ErrUnavailable
// and is never stored later (the NATS client would otherwise keep it and
// send it on reconnecting, after its caller had been told it failed); once
// the server is back both replicas append again without being restarted
// themselves, every acknowledged event reaches the other replica's tail in
// order exactly once, numbering goes on without reuse and the epoch stays.
func TestJetStreamJournalAcrossANATSRestart(t *testing.T) {
	srv := natstest.Embedded(t)
	stream, prefix := natstest.Names()
	connect := func() *nats.Conn {
		nc, err := events.ConnectNATS(srv.URL(), nats.ReconnectWait(50*time.Millisecond))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(nc.Close)
		return nc
	}
	open := func(nc *nats.Conn) *events.JetStreamJournal {
		j, err := events.NewJetStreamJournal(context.Background(), nc, events.JetStreamOptions{Stream: stream, Prefix: prefix},
			slog.New(slog.DiscardHandler))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = j.Close() })
		return j
	}
	ncA, ncB := connect(), connect()
	a, b := open(ncA), open(ncB)

	var mu sync.Mutex
	var tailed []events.Event
	b.Tail(func(e events.Event) {
		mu.Lock()
		tailed = append(tailed, e)
		mu.Unlock()
	})
	var acked []events.Event
	appendOK := func(j events.Journal, n int) {
		t.Helper()
		for range n {
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			evs, err := j.Append(ctx, "a", drafts(1, "test.thing"))
			cancel()
			if err != nil {
				t.Fatalf("append: %v", err)
			}
			acked = append(acked, evs...)
		}
	}
	waitTail := func(n int) []events.Event {
		t.Helper()
		deadline := time.Now().Add(10 * time.Second)
		for {
			mu.Lock()
			got := append([]events.Event(nil), tailed...)
			mu.Unlock()
			if len(got) >= n || time.Now().After(deadline) {
				return got
			}
			time.Sleep(10 * time.Millisecond)
		}
	}

	appendOK(b, 5)
	appendOK(a, 10)
	if got := waitTail(15); len(got) != 15 {
		t.Fatalf("before the restart the tail saw %d of 15 events", len(got))
	}
	before, err := a.Head(context.Background(), "a")
	if err != nil {
		t.Fatal(err)
	}

	srv.Stop()
	for ncA.Status() == nats.CONNECTED {
		time.Sleep(5 * time.Millisecond)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	start := time.Now()
	evs, err := a.Append(ctx, "a", drafts(1, "test.thing"))
	cancel()
	if !errors.Is(err, events.ErrUnavailable) || len(evs) != 0 {
		t.Fatalf("append with NATS down: %d events, %v", len(evs), err)
	}
	if waited := time.Since(start); waited > time.Second {
		t.Fatalf("append with NATS down took %v to fail", waited)
	}

	srv.Start()
	deadline := time.Now().Add(10 * time.Second)
	for ncA.Status() != nats.CONNECTED || ncB.Status() != nats.CONNECTED {
		if time.Now().After(deadline) {
			t.Fatalf("not reconnected: %v %v", ncA.Status(), ncB.Status())
		}
		time.Sleep(10 * time.Millisecond)
	}
	// What the failed append sent, had it been kept, would be stored now.
	time.Sleep(200 * time.Millisecond)
	appendOK(b, 5)
	appendOK(a, 10)

	// Nothing acknowledged is lost and nothing is numbered twice.
	got, head, err := a.Since(context.Background(), "a", 0, 1000)
	if err != nil {
		t.Fatal(err)
	}
	if head.Epoch != before.Epoch {
		t.Fatalf("epoch changed across the restart: %s -> %s", before.Epoch, head.Epoch)
	}
	stored := map[string]events.Event{}
	for i, e := range got {
		if i > 0 && (e.Seq <= got[i-1].Seq || e.Prev != got[i-1].Seq) {
			t.Fatalf("history breaks at %d: seq %d prev %d after seq %d", i, e.Seq, e.Prev, got[i-1].Seq)
		}
		stored[e.ID] = e
	}
	for _, e := range acked {
		if s, ok := stored[e.ID]; !ok || s.Seq != e.Seq {
			t.Fatalf("acknowledged event %s (seq %d) is not in the history", e.ID, e.Seq)
		}
	}
	// The append that failed while NATS was down was never stored.
	if len(got) != len(acked) {
		t.Fatalf("history holds %d events, %d were acknowledged", len(got), len(acked))
	}

	// The other replica's tail resumed by itself and saw every event once,
	// in order.
	tail := waitTail(len(got))
	if len(tail) != len(got) {
		t.Fatalf("the tail saw %d of %d events after the restart", len(tail), len(got))
	}
	for i := range tail {
		if tail[i].ID != got[i].ID {
			t.Fatalf("tail differs from history at %d: %s vs %s", i, tail[i].ID, got[i].ID)
		}
	}
}
