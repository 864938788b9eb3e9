package app_test

import (
	"context"
	"errors"
	"log/slog"
	"net"
	"testing"
	"time"

	"github.com/switchyard/switchyard/core/app"
	"github.com/switchyard/switchyard/core/app/apptest"
	"github.com/switchyard/switchyard/core/store"
	"github.com/switchyard/switchyard/core/store/storetest"
)

// runningJob records a job the replica is running, as if one of its
// plugin processes had it, and returns its id.
func runningJob(t *testing.T, s *apptest.Server, orgSlug string) string {
	t.Helper()
	var orgID string
	if err := s.App.DB.Raw("SELECT id FROM organizations WHERE slug = ?", orgSlug).Scan(&orgID).Error; err != nil {
		t.Fatal(err)
	}
	id := "job-" + s.App.Replica()
	now := time.Now().UTC()
	if err := s.App.DB.Exec(`INSERT INTO jobs (id, org_id, plugin, kind, status, input, created_by, runner, replica, created_at, updated_at)
		VALUES (?, ?, 'sync', 'sync', 'running', '{}', 'test', 'proc-1', ?, ?, ?)`, id, orgID, s.App.Replica(), now, now).Error; err != nil {
		t.Fatal(err)
	}
	return id
}

func jobStatus(t *testing.T, db *store.DB, id string) string {
	t.Helper()
	var status string
	if err := db.Raw("SELECT status FROM jobs WHERE id = ?", id).Scan(&status).Error; err != nil {
		t.Fatal(err)
	}
	return status
}

// TestCommandsLeaveAServersJobsAlone: a command run beside a serving
// core (`switchyard migrate`, `switchyard admin …` build an App too) does
// not fail the jobs that core is running; the next serving process does,
// once the first one is gone.
func TestCommandsLeaveAServersJobsAlone(t *testing.T) {
	cfg := apptest.Config(t, store.SQLite)
	s := apptest.Start(t, cfg)
	owner := s.Register(t, "owner")
	s.CreateOrg(t, owner, "acme")
	job := runningJob(t, s, "acme")

	cmd, err := app.New(context.Background(), cfg, slog.New(slog.DiscardHandler), app.Options{Password: apptest.CheapPasswords})
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Close(); err != nil {
		t.Fatal(err)
	}
	if st := jobStatus(t, s.App.DB, job); st != "running" {
		t.Fatalf("a command beside the server left its job %s", st)
	}

	s.Stop()
	next := apptest.Start(t, cfg)
	if st := jobStatus(t, next.App.DB, job); st != "failed" {
		t.Fatalf("the next serving process left the earlier one's job %s", st)
	}
}

// TestReplicaStartLeavesOthersJobsAlone: a replica starting (or
// restarting) beside a running one fails none of the running one's jobs;
// when that one stops, the other fails them as retryable within a lease
// sweep.
func TestReplicaStartLeavesOthersJobsAlone(t *testing.T) {
	cfg := apptest.ReplicaConfig(t)
	a := apptest.Start(t, cfg)
	owner := a.Register(t, "owner")
	a.CreateOrg(t, owner, "acme")
	job := runningJob(t, a, "acme")

	cfgB := cfg
	cfgB.DataDir = t.TempDir()
	b := apptest.Start(t, cfgB)
	time.Sleep(100 * time.Millisecond)
	if st := jobStatus(t, b.App.DB, job); st != "running" {
		t.Fatalf("a replica starting beside another left its job %s", st)
	}
	a.Stop()
	// B sweeps every LeaseTTL/2; A gave its lease up when it stopped.
	deadline := time.Now().Add(30 * time.Second)
	for jobStatus(t, b.App.DB, job) != "failed" {
		if time.Now().After(deadline) {
			t.Fatal("the stopped replica's job is still running after 30 s")
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// TestOneCorePerDatabaseWithoutNATS: a second core serving from the same
// database without NATS would serve stale permissions and miss the first
// one's events; it refuses to start, naming the cause, and starts once
// the first has stopped.
func TestOneCorePerDatabaseWithoutNATS(t *testing.T) {
	for _, engine := range storetest.Engines() {
		t.Run(string(engine), func(t *testing.T) { oneCorePerDatabase(t, engine) })
	}
}

func oneCorePerDatabase(t *testing.T, engine store.Engine) {
	cfg := apptest.Config(t, engine)
	first := apptest.Start(t, cfg)

	second, err := app.New(context.Background(), cfg, slog.New(slog.DiscardHandler), app.Options{Password: apptest.CheapPasswords})
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := second.RunListener(ctx, ln); !errors.Is(err, store.ErrInUse) {
		t.Fatalf("a second core on the same database: %v", err)
	}

	first.Stop()
	apptest.Start(t, cfg) // the claim went with the first core
}
