package jobs

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"time"

	"github.com/google/uuid"
	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/switchyard/switchyard/core/store"
	"github.com/switchyard/switchyard/sdk/grpcplugin"
)

// Status is a job's state: queued, running, succeeded, failed or cancelled.
type Status = grpcplugin.JobStatus

// The job states.
const (
	Queued    = grpcplugin.JobQueued
	Running   = grpcplugin.JobRunning
	Succeeded = grpcplugin.JobSucceeded
	Failed    = grpcplugin.JobFailed
	Cancelled = grpcplugin.JobCancelled
)

// SyncKind is the job kind SyncTasks reports (with every job of the sync
// plugin).
const SyncKind = "sync"

// Errors of this package; match them with errors.Is.
var (
	// ErrNotFound: no such job in the organization.
	ErrNotFound = errors.New("job not found")
	// ErrFinished: the job already ended, so it cannot be cancelled.
	ErrFinished = errors.New("job has already finished")
	// ErrNotRetryable: the job is unfinished, or failed in a way retrying
	// cannot fix (its input was refused).
	ErrNotRetryable = errors.New("job cannot be retried")
	// ErrNoRunner: the Service was used before SetRunner.
	ErrNoRunner = errors.New("jobs: no runner configured")
)

// Job is one job as the API shows it.
type Job struct {
	ID              string          `json:"id"`
	OrgID           string          `json:"-"`
	Plugin          string          `json:"plugin"`
	PluginVersion   string          `json:"plugin_version,omitempty"`
	Kind            string          `json:"kind"`
	Status          Status          `json:"status"`
	Progress        int             `json:"progress"`
	ProcessedItems  int64           `json:"processed_items"`
	TotalItems      int64           `json:"total_items"`
	Attempts        int             `json:"attempts"`
	Error           string          `json:"error"`
	ErrorCode       string          `json:"error_code,omitempty"`
	Retryable       bool            `json:"retryable"`
	CancelRequested bool            `json:"cancel_requested,omitempty"`
	Result          json.RawMessage `json:"result,omitempty"`
	Input           json.RawMessage `json:"input"`
	CreatedBy       string          `json:"created_by"`
	CreatedAt       time.Time       `json:"created_at"`
	UpdatedAt       time.Time       `json:"updated_at"`
	StartedAt       *time.Time      `json:"started_at,omitempty"`
	FinishedAt      *time.Time      `json:"finished_at,omitempty"`
}

// Task is a sync job as the real-time hub's get_sync_status reports it.
type Task struct {
	TaskID         string `json:"task_id"`
	Status         string `json:"status"`
	Progress       int    `json:"progress"`
	ProcessedItems int64  `json:"processed_items"`
	TotalItems     int64  `json:"total_items"`
}

// Placement says where the plugin side of a job runs.
type Placement struct {
	// Version is the plugin version that took the job.
	Version string
	// Runner identifies the plugin process; only its reports count.
	Runner string
}

// Runner reaches the plugin side of jobs. The plugin host implements it.
type Runner interface {
	// RunJob hands the job to the plugin installed in orgID and returns
	// once the plugin accepted it.
	RunJob(ctx context.Context, orgID, plugin string, req grpcplugin.JobRequest) (Placement, error)
	// CancelJob asks the plugin to stop the job; grpcplugin.ErrNotFound
	// means it is not running there.
	CancelJob(ctx context.Context, orgID, plugin string, t grpcplugin.Tenant, jobID string) error
}

// StartRequest describes a new job.
type StartRequest struct {
	Tenant grpcplugin.Tenant
	Plugin string
	Kind   string
	Input  json.RawMessage
	Actor  grpcplugin.Actor
	// CreatedBy names who started it: "user:<id>", "key:<id>", "core" or,
	// for a job the plugin submitted itself, "plugin:<name>[:<reason>]".
	CreatedBy string
}

// Filter narrows List.
type Filter struct {
	Plugin string
	Status Status
}

// Service keeps jobs. It is safe for concurrent use.
type Service struct {
	db      *store.DB
	log     *slog.Logger
	now     func() time.Time
	replica string // the core process this Service launches jobs from

	mu     sync.RWMutex
	runner Runner
}

// New returns a Service over db for the core process replica (a name no
// other process uses). Call SetRunner before starting jobs.
func New(db *store.DB, log *slog.Logger, replica string) *Service {
	return &Service{db: db, log: log, replica: replica, now: func() time.Time { return time.Now().UTC() }}
}

// SetRunner connects the Service to the plugin host. The host and the
// Service refer to each other, so one of them is connected after both
// exist; call it once, before serving.
func (s *Service) SetRunner(r Runner) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.runner = r
}

func (s *Service) getRunner() (Runner, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	if s.runner == nil {
		return nil, ErrNoRunner
	}
	return s.runner, nil
}

type row struct {
	ID              string `gorm:"primaryKey"`
	OrgID           string
	Plugin          string
	PluginVersion   string
	Kind            string
	Status          string
	Progress        int
	ProcessedItems  int64
	TotalItems      int64
	Attempts        int
	Error           string
	ErrorCode       string
	Retryable       bool
	CancelRequested bool
	Result          *string
	Input           string
	CreatedBy       string
	Runner          string
	Replica         string
	CreatedAt       time.Time
	UpdatedAt       time.Time
	StartedAt       *time.Time
	FinishedAt      *time.Time
}

func (row) TableName() string { return "jobs" }

func (r *row) job() *Job {
	j := &Job{
		ID: r.ID, OrgID: r.OrgID, Plugin: r.Plugin, PluginVersion: r.PluginVersion, Kind: r.Kind,
		Status: Status(r.Status), Progress: r.Progress, ProcessedItems: r.ProcessedItems, TotalItems: r.TotalItems,
		Attempts: r.Attempts, Error: r.Error, ErrorCode: r.ErrorCode, Retryable: r.Retryable,
		CancelRequested: r.CancelRequested, Input: json.RawMessage(r.Input), CreatedBy: r.CreatedBy,
		CreatedAt: r.CreatedAt.UTC(), UpdatedAt: r.UpdatedAt.UTC(), StartedAt: utcPtr(r.StartedAt), FinishedAt: utcPtr(r.FinishedAt),
	}
	if r.Result != nil {
		j.Result = json.RawMessage(*r.Result)
	}
	return j
}

func utcPtr(t *time.Time) *time.Time {
	if t == nil {
		return nil
	}
	u := t.UTC()
	return &u
}

var active = []string{string(Queued), string(Running)}

// retryableFailure reports whether a job that failed with code may be
// retried as it is: everything except a refusal of its input or rights.
func retryableFailure(code grpcplugin.Code) bool {
	switch code {
	case grpcplugin.CodeInvalidInput, grpcplugin.CodePermission, grpcplugin.CodeNotFound, grpcplugin.CodeUnimplemented:
		return false
	}
	return true
}

// Start records a job and hands it to its plugin. When the plugin cannot
// take it, the job is recorded as failed (retryable when the plugin was
// unavailable) and returned together with the error.
func (s *Service) Start(ctx context.Context, req StartRequest) (*Job, error) {
	now := s.now()
	input := req.Input
	if len(input) == 0 {
		input = json.RawMessage("null")
	}
	r := row{
		ID: uuid.Must(uuid.NewV7()).String(), OrgID: req.Tenant.ID, Plugin: req.Plugin, Kind: req.Kind,
		Status: string(Queued), Attempts: 1, Input: string(input), CreatedBy: req.CreatedBy,
		Replica: s.replica, CreatedAt: now, UpdatedAt: now,
	}
	if err := s.db.WithContext(ctx).Create(&r).Error; err != nil {
		return nil, fmt.Errorf("jobs: start: %w", err)
	}
	return s.launch(ctx, &r, req.Tenant, req.Actor)
}

// launch hands a queued attempt to the plugin.
func (s *Service) launch(ctx context.Context, r *row, t grpcplugin.Tenant, actor grpcplugin.Actor) (*Job, error) {
	runner, err := s.getRunner()
	if err == nil {
		var p Placement
		p, err = runner.RunJob(ctx, r.OrgID, r.Plugin, grpcplugin.JobRequest{
			Tenant: t, Actor: actor, ID: r.ID, Kind: r.Kind, Input: json.RawMessage(r.Input),
		})
		if err == nil {
			// The plugin may have reported "running" already, binding the
			// runner; bind it here otherwise.
			uerr := s.db.WithContext(context.WithoutCancel(ctx)).Model(&row{}).
				Where("id = ? AND runner IN ?", r.ID, []string{"", p.Runner}).
				Updates(map[string]any{"runner": p.Runner, "plugin_version": p.Version}).Error
			if uerr != nil {
				s.log.Error("job runner not recorded", "job_id", r.ID, "error", uerr)
			}
			return s.Get(context.WithoutCancel(ctx), r.OrgID, r.ID)
		}
	}
	code := grpcplugin.CodeOf(err)
	now := s.now()
	uerr := s.db.WithContext(context.WithoutCancel(ctx)).Model(&row{}).
		Where("id = ? AND status = ? AND runner = ''", r.ID, string(Queued)).
		Updates(map[string]any{
			"status": string(Failed), "error": clip(err.Error(), 4096), "error_code": string(code),
			"retryable": retryableFailure(code), "finished_at": now, "updated_at": now,
		}).Error
	if uerr != nil {
		s.log.Error("job failure not recorded", "job_id", r.ID, "error", uerr)
	}
	j, gerr := s.Get(context.WithoutCancel(ctx), r.OrgID, r.ID)
	if gerr != nil {
		return nil, errors.Join(err, gerr)
	}
	return j, fmt.Errorf("jobs: start %s job of %s: %w", r.Kind, r.Plugin, err)
}

// Get returns a job of the organization.
func (s *Service) Get(ctx context.Context, orgID, id string) (*Job, error) {
	var r row
	err := s.db.WithContext(ctx).Where("id = ? AND org_id = ?", id, orgID).Take(&r).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return nil, fmt.Errorf("job %q: %w", clip(id, 64), ErrNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("jobs: get: %w", err)
	}
	return r.job(), nil
}

// List returns the organization's jobs, newest first, a page at a time
// (cursor: the last id of the previous page).
func (s *Service) List(ctx context.Context, orgID string, f Filter, limit int, cursor string) ([]Job, string, error) {
	if limit <= 0 || limit > 200 {
		limit = 50
	}
	q := s.db.WithContext(ctx).Where("org_id = ?", orgID)
	if f.Plugin != "" {
		q = q.Where("plugin = ?", f.Plugin)
	}
	if f.Status != "" {
		q = q.Where("status = ?", string(f.Status))
	}
	if cursor != "" {
		q = q.Where("id < ?", cursor)
	}
	var rows []row
	if err := q.Order("id DESC").Limit(limit + 1).Find(&rows).Error; err != nil {
		return nil, "", fmt.Errorf("jobs: list: %w", err)
	}
	next := ""
	if len(rows) > limit {
		rows = rows[:limit]
		next = rows[limit-1].ID
	}
	out := make([]Job, 0, len(rows))
	for i := range rows {
		out = append(out, *rows[i].job())
	}
	return out, next, nil
}

// SyncTasks returns the organization's recent sync jobs (kind "sync", or
// any job of the sync plugin) for the real-time hub's get_sync_status:
// every unfinished one and those finished within the last hour, newest
// first, at most 100.
func (s *Service) SyncTasks(ctx context.Context, orgID string) ([]Task, error) {
	var rows []row
	since := s.now().Add(-time.Hour)
	err := s.db.WithContext(ctx).
		Select("id", "status", "progress", "processed_items", "total_items").
		Where("org_id = ? AND (kind = ? OR plugin = ?) AND (status IN ? OR updated_at > ?)", orgID, SyncKind, SyncKind, active, since).
		Order("id DESC").Limit(100).Find(&rows).Error
	if err != nil {
		return nil, fmt.Errorf("jobs: sync tasks: %w", err)
	}
	out := make([]Task, 0, len(rows))
	for _, r := range rows {
		out = append(out, Task{TaskID: r.ID, Status: r.Status, Progress: r.Progress, ProcessedItems: r.ProcessedItems, TotalItems: r.TotalItems})
	}
	return out, nil
}

// Update applies a report from the plugin process runner about one of its
// jobs. Reports about a job that ended, or from a process that no longer
// runs the job, are ignored; a job the plugin's tenant does not have is
// grpcplugin.ErrNotFound.
func (s *Service) Update(ctx context.Context, plugin, runner string, u grpcplugin.JobUpdate) error {
	now := s.now()
	set := map[string]any{
		"status": string(u.Status), "progress": u.Progress, "processed_items": u.ProcessedItems,
		"total_items": u.TotalItems, "runner": runner, "updated_at": now,
	}
	switch {
	case u.Status == Running:
		set["started_at"] = gorm.Expr("COALESCE(started_at, ?)", now)
	case u.Status.Terminal():
		set["finished_at"] = now
		set["error"] = clip(u.Error, 4096)
		set["error_code"] = string(u.ErrorCode)
		set["retryable"] = u.Status == Cancelled || (u.Status == Failed && retryableFailure(u.ErrorCode))
		if u.Status == Succeeded {
			set["progress"] = 100
			if len(u.Result) > 0 {
				set["result"] = string(u.Result)
			}
		}
	}
	res := s.db.WithContext(ctx).Model(&row{}).
		Where("id = ? AND org_id = ? AND plugin = ? AND status IN ? AND runner IN ?", u.JobID, u.Tenant.ID, plugin, active, []string{"", runner}).
		Updates(set)
	if res.Error != nil {
		return fmt.Errorf("jobs: update: %w", res.Error)
	}
	if res.RowsAffected > 0 {
		return nil
	}
	var n int64
	if err := s.db.WithContext(ctx).Model(&row{}).Where("id = ? AND org_id = ? AND plugin = ?", u.JobID, u.Tenant.ID, plugin).Count(&n).Error; err != nil {
		return fmt.Errorf("jobs: update: %w", err)
	}
	if n == 0 {
		return fmt.Errorf("job %q of tenant %q: %w", clip(u.JobID, 64), u.Tenant.Slug, grpcplugin.ErrNotFound)
	}
	return nil // a stale report: the job ended or moved on
}

// Interrupt fails, as retryable, every unfinished job the plugin process
// runner was running (it exited, hung or was stopped). It returns how many.
func (s *Service) Interrupt(ctx context.Context, plugin, runner, reason string) (int, error) {
	now := s.now()
	res := s.db.WithContext(ctx).Model(&row{}).
		Where("plugin = ? AND runner = ? AND status IN ?", plugin, runner, active).
		Updates(map[string]any{
			"status": string(Failed), "error": clip(reason, 4096), "error_code": string(grpcplugin.CodeUnavailable),
			"retryable": true, "finished_at": now, "updated_at": now,
		})
	if res.Error != nil {
		return 0, fmt.Errorf("jobs: interrupt: %w", res.Error)
	}
	return int(res.RowsAffected), nil
}

// Abandon cancels the organization's unfinished jobs of plugin (it was
// uninstalled). It returns how many.
func (s *Service) Abandon(ctx context.Context, orgID, plugin, reason string) (int, error) {
	now := s.now()
	res := s.db.WithContext(ctx).Model(&row{}).
		Where("org_id = ? AND plugin = ? AND status IN ?", orgID, plugin, active).
		Updates(map[string]any{
			"status": string(Cancelled), "error": clip(reason, 4096), "retryable": false,
			"finished_at": now, "updated_at": now,
		})
	if res.Error != nil {
		return 0, fmt.Errorf("jobs: abandon: %w", res.Error)
	}
	return int(res.RowsAffected), nil
}

// RecoverInterrupted fails, as retryable, every unfinished job another
// core process launched: on a single node, those an earlier process left
// when it ended (their plugin processes died with it). Replicas sharing a
// database use RecoverAbandoned instead.
func (s *Service) RecoverInterrupted(ctx context.Context) (int, error) {
	return s.recover(ctx, s.db.WithContext(ctx).Model(&row{}).Where("status IN ? AND replica <> ?", active, s.replica),
		"interrupted: the core restarted while the job ran; retry it")
}

// RecoverAbandoned fails, as retryable, the unfinished jobs of replicas
// whose lease has lapsed (stopped or crashed; see KeepAlive), and never
// those of a live one, nor this replica's own (its lease may have lapsed
// only because the database was out of reach).
func (s *Service) RecoverAbandoned(ctx context.Context) (int, error) {
	live := s.db.WithContext(ctx).Model(&replicaLease{}).Select("id").Where("seen_at > ?", s.now().Add(-LeaseTTL))
	return s.recover(ctx, s.db.WithContext(ctx).Model(&row{}).
		Where("status IN ? AND replica <> ? AND replica NOT IN (?)", active, s.replica, live),
		"interrupted: the core process running the job stopped; retry it")
}

func (s *Service) recover(ctx context.Context, q *gorm.DB, reason string) (int, error) {
	now := s.now()
	res := q.Updates(map[string]any{
		"status": string(Failed), "error": reason,
		"error_code": string(grpcplugin.CodeUnavailable), "retryable": true, "finished_at": now, "updated_at": now,
	})
	if res.Error != nil {
		return 0, fmt.Errorf("jobs: recover: %w", res.Error)
	}
	return int(res.RowsAffected), nil
}

// LeaseTTL is how long a replica's lease lasts without renewal; KeepAlive
// renews it every third of that.
const LeaseTTL = 30 * time.Second

type replicaLease struct {
	ID     string `gorm:"primaryKey"`
	SeenAt time.Time
}

func (replicaLease) TableName() string { return "core_replicas" }

// KeepAlive holds this replica's lease until ctx ends, then gives it up,
// and meanwhile fails the jobs of replicas whose lease lapsed (every
// LeaseTTL/2). A replica that stops cleanly gives its lease up at once; one
// that crashed is known gone after LeaseTTL.
func (s *Service) KeepAlive(ctx context.Context) {
	renew := time.NewTicker(LeaseTTL / 3)
	defer renew.Stop()
	sweep := time.NewTicker(LeaseTTL / 2)
	defer sweep.Stop()
	s.renew(ctx)
	for {
		select {
		case <-ctx.Done():
			done, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
			defer cancel()
			if err := s.db.WithContext(done).Delete(&replicaLease{ID: s.replica}).Error; err != nil {
				s.log.Warn("replica lease not given up; it lapses by itself", "error", err)
			}
			return
		case <-renew.C:
			s.renew(ctx)
		case <-sweep.C:
			if n, err := s.RecoverAbandoned(ctx); err != nil {
				s.log.Warn("abandoned jobs not recovered", "error", err)
			} else if n > 0 {
				s.log.Warn("jobs of a core process that stopped are marked failed and retryable", "jobs", n)
			}
		}
	}
}

func (s *Service) renew(ctx context.Context) {
	err := s.db.WithContext(ctx).Clauses(clause.OnConflict{Columns: []clause.Column{{Name: "id"}},
		DoUpdates: clause.AssignmentColumns([]string{"seen_at"})}).
		Create(&replicaLease{ID: s.replica, SeenAt: s.now()}).Error
	if err != nil && ctx.Err() == nil {
		s.log.Warn("replica lease not renewed", "error", err)
	}
}

// Cancel stops a job. A plugin that runs it is asked to stop and reports
// "cancelled" once it has (the job returned meanwhile shows
// cancel_requested); a job its plugin is not running (any more, or not
// yet) is cancelled at once.
func (s *Service) Cancel(ctx context.Context, t grpcplugin.Tenant, id string) (*Job, error) {
	j, err := s.Get(ctx, t.ID, id)
	if err != nil {
		return nil, err
	}
	if j.Status.Terminal() {
		return nil, fmt.Errorf("job %s %s: %w", j.ID, j.Status, ErrFinished)
	}
	if err := s.db.WithContext(ctx).Model(&row{}).Where("id = ? AND status IN ?", id, active).
		Update("cancel_requested", true).Error; err != nil {
		return nil, fmt.Errorf("jobs: cancel: %w", err)
	}
	runner, err := s.getRunner()
	if err != nil {
		return nil, err
	}
	err = runner.CancelJob(ctx, t.ID, j.Plugin, t, id)
	switch code := grpcplugin.CodeOf(err); {
	case err == nil:
	case code == grpcplugin.CodeNotFound, code == grpcplugin.CodeUnavailable:
		// The plugin does not run it (it ended, never started, or the
		// plugin is down): the core ends it.
		now := s.now()
		if uerr := s.db.WithContext(ctx).Model(&row{}).Where("id = ? AND status IN ?", id, active).
			Updates(map[string]any{
				"status": string(Cancelled), "error": "cancelled", "retryable": true,
				"finished_at": now, "updated_at": now,
			}).Error; uerr != nil {
			return nil, fmt.Errorf("jobs: cancel: %w", uerr)
		}
	default:
		return nil, fmt.Errorf("jobs: cancel %s: %w", id, err)
	}
	return s.Get(ctx, t.ID, id)
}

// Retry starts a new attempt of a failed or cancelled job, with the same
// id and input.
func (s *Service) Retry(ctx context.Context, t grpcplugin.Tenant, id string, actor grpcplugin.Actor) (*Job, error) {
	j, err := s.Get(ctx, t.ID, id)
	if err != nil {
		return nil, err
	}
	if !j.Status.Terminal() || j.Status == Succeeded || !j.Retryable {
		why := "it is " + string(j.Status)
		if j.Status == Failed {
			why = "its input or rights were refused (" + j.ErrorCode + "); start a new job"
		}
		return nil, fmt.Errorf("job %s: %s: %w", j.ID, why, ErrNotRetryable)
	}
	now := s.now()
	res := s.db.WithContext(ctx).Model(&row{}).
		Where("id = ? AND org_id = ? AND status IN ? AND retryable = ?", id, t.ID, []string{string(Failed), string(Cancelled)}, true).
		Updates(map[string]any{
			"status": string(Queued), "attempts": gorm.Expr("attempts + 1"), "progress": 0,
			"processed_items": 0, "total_items": 0, "error": "", "error_code": "", "retryable": false,
			"cancel_requested": false, "result": nil, "runner": "", "replica": s.replica, "started_at": nil,
			"finished_at": nil, "updated_at": now,
		})
	if res.Error != nil {
		return nil, fmt.Errorf("jobs: retry: %w", res.Error)
	}
	if res.RowsAffected == 0 {
		return nil, fmt.Errorf("job %s changed meanwhile: %w", id, ErrNotRetryable)
	}
	var r row
	if err := s.db.WithContext(ctx).Where("id = ?", id).Take(&r).Error; err != nil {
		return nil, fmt.Errorf("jobs: retry: %w", err)
	}
	return s.launch(ctx, &r, t, actor)
}

func clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return strings.ToValidUTF8(s[:n], "")
}

// Counts returns how many of the organization's jobs are queued and running.
func (s *Service) Counts(ctx context.Context, orgID string) (queued, running int, err error) {
	var rows []struct {
		Status string
		N      int
	}
	if err := s.db.WithContext(ctx).Model(&row{}).Select("status, COUNT(*) AS n").
		Where("org_id = ? AND status IN ?", orgID, active).Group("status").Scan(&rows).Error; err != nil {
		return 0, 0, fmt.Errorf("jobs: counts: %w", err)
	}
	for _, r := range rows {
		switch Status(r.Status) {
		case Queued:
			queued = r.N
		case Running:
			running = r.N
		}
	}
	return queued, running, nil
}
