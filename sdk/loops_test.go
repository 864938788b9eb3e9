package sdk_test

import (
	"context"
	"errors"
	"sync/atomic"
	"testing"
	"time"

	"github.com/switchyard/switchyard/sdk"
)

// TestLoops: one loop per key, replaced by Start, kept by EnsureStarted,
// cancelled by Stop, all cancelled and waited for by Shutdown.
func TestLoops(t *testing.T) {
	var l sdk.Loops
	first, second := make(chan struct{}), make(chan struct{})
	l.Start("acme", func(ctx context.Context) { <-ctx.Done(); close(first) })
	var ran atomic.Int32
	l.EnsureStarted("acme", func(ctx context.Context) { ran.Add(1) })
	l.Start("acme", func(ctx context.Context) { <-ctx.Done(); close(second) })
	wait(t, first, "Start did not cancel the loop it replaced")
	if ran.Load() != 0 {
		t.Fatal("EnsureStarted ran a second loop beside a running one")
	}
	l.Stop("acme")
	wait(t, second, "Stop did not cancel the loop")

	// A loop that returned by itself leaves room for a new one.
	done := make(chan struct{})
	l.EnsureStarted("beta", func(context.Context) { close(done) })
	wait(t, done, "EnsureStarted did not start a loop for a new key")
	deadline := time.Now().Add(2 * time.Second)
	for ran.Load() == 0 && time.Now().Before(deadline) {
		l.EnsureStarted("beta", func(context.Context) { ran.Add(1) })
		time.Sleep(5 * time.Millisecond)
	}
	if ran.Load() == 0 {
		t.Fatal("a loop that returned still counts as running")
	}

	var stopped atomic.Int32
	for _, k := range []string{"a", "b", "c"} {
		l.Start(k, func(ctx context.Context) { <-ctx.Done(); time.Sleep(10 * time.Millisecond); stopped.Add(1) })
	}
	if err := l.Shutdown(context.Background()); err != nil {
		t.Fatal(err)
	}
	if stopped.Load() != 3 {
		t.Fatalf("Shutdown returned with %d of 3 loops done", stopped.Load())
	}
	l.Start("late", func(context.Context) { t.Error("a loop started after Shutdown") })
}

// TestLoopsShutdownDeadline: a loop that ignores its context makes
// Shutdown give up when its own context ends.
func TestLoopsShutdownDeadline(t *testing.T) {
	var l sdk.Loops
	release := make(chan struct{})
	defer close(release)
	l.Start("stuck", func(context.Context) { <-release })
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	if err := l.Shutdown(ctx); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("Shutdown = %v, want the deadline", err)
	}
}

func wait(t *testing.T, ch <-chan struct{}, msg string) {
	t.Helper()
	select {
	case <-ch:
	case <-time.After(2 * time.Second):
		t.Fatal(msg)
	}
}
