package events

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"golang.org/x/time/rate"
	"gorm.io/gorm"
)

// Config tunes a Service.
type Config struct {
	// Keep is how many events each organization's history keeps (default 10,000).
	Keep int
	// MaxAge is how long events stay in history (default 7 days).
	MaxAge time.Duration
	// ActivityKeep is how many activity entries each organization keeps (default 1,000).
	ActivityKeep int
	// RatePerSec returns an organization's events-per-second quota (0: no limit).
	RatePerSec func(orgID string) int
}

// Service validates, journals and distributes events, and keeps
// notifications and the activity feed.
type Service struct {
	j   Journal
	db  *gorm.DB
	cfg Config
	log *slog.Logger

	mu       sync.Mutex
	limiters map[string]*orgLimiter

	published *prometheus.CounterVec
	dropped   *prometheus.CounterVec
}

type orgLimiter struct {
	lim   *rate.Limiter
	limit int
}

// NewService returns a Service over a journal; db stores notifications and
// the activity feed. reg receives its metrics.
func NewService(j Journal, db *gorm.DB, cfg Config, log *slog.Logger, reg prometheus.Registerer) *Service {
	if cfg.Keep <= 0 {
		cfg.Keep = 10_000
	}
	if cfg.MaxAge <= 0 {
		cfg.MaxAge = 7 * 24 * time.Hour
	}
	if cfg.ActivityKeep <= 0 {
		cfg.ActivityKeep = 1000
	}
	s := &Service{j: j, db: db, cfg: cfg, log: log, limiters: map[string]*orgLimiter{},
		published: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: "switchyard", Subsystem: "events", Name: "published_total",
			Help: "Events journaled, by source kind (core, api, plugin).",
		}, []string{"source"}),
		dropped: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: "switchyard", Subsystem: "events", Name: "dropped_total",
			Help: "Events refused before the journal, by reason.",
		}, []string{"reason"}),
	}
	reg.MustRegister(s.published, s.dropped)
	return s
}

// Journal returns the journal behind the service.
func (s *Service) Journal() Journal { return s.j }

// Dropped counts an event refused for reason (plugins' emit path uses it too).
func (s *Service) Dropped(reason string, n int) { s.dropped.WithLabelValues(reason).Add(float64(n)) }

// Publish validates drafts, checks the organization's rate quota and
// journals them. It returns once they are durable, numbered.
func (s *Service) Publish(ctx context.Context, orgID string, drafts []Draft) ([]Event, error) {
	if len(drafts) == 0 {
		return nil, nil
	}
	if len(drafts) > MaxBatch {
		s.Dropped("batch_too_large", len(drafts))
		return nil, fmt.Errorf("%w: at most %d events per batch", ErrInvalid, MaxBatch)
	}
	for i := range drafts {
		if err := drafts[i].Validate(); err != nil {
			s.Dropped("invalid", len(drafts))
			if len(drafts) > 1 {
				return nil, fmt.Errorf("event %d: %w", i, err)
			}
			return nil, err
		}
	}
	if !s.allow(orgID, len(drafts)) {
		s.Dropped("rate_limited", len(drafts))
		return nil, ErrRateLimited
	}
	evs, err := s.j.Append(ctx, orgID, drafts)
	if err != nil {
		return nil, err
	}
	s.published.WithLabelValues(sourceKind(drafts[0].Source)).Add(float64(len(evs)))
	s.project(ctx, evs)
	return evs, nil
}

func sourceKind(src string) string {
	switch {
	case src == "api":
		return "api"
	case len(src) > 7 && src[:7] == "plugin:":
		return "plugin"
	}
	return "core"
}

// allow takes n tokens from the organization's bucket (its quota per
// second, with a burst of one second's worth).
func (s *Service) allow(orgID string, n int) bool {
	if s.cfg.RatePerSec == nil {
		return true
	}
	limit := s.cfg.RatePerSec(orgID)
	if limit <= 0 {
		return true
	}
	s.mu.Lock()
	l, ok := s.limiters[orgID]
	if !ok || l.limit != limit {
		l = &orgLimiter{lim: rate.NewLimiter(rate.Limit(limit), limit), limit: limit}
		s.limiters[orgID] = l
	}
	s.mu.Unlock()
	return l.lim.AllowN(time.Now(), n)
}

// project stores notifications and activity entries of journaled events.
// A failure here is logged, not returned: the events themselves are safe.
func (s *Service) project(ctx context.Context, evs []Event) {
	var notes []notificationRow
	var acts []activityRow
	for _, e := range evs {
		if e.Type == Notification {
			var n NotificationData
			if json.Unmarshal(e.Data, &n) == nil {
				var user *string
				if e.Target != "" {
					t := e.Target
					user = &t
				}
				notes = append(notes, notificationRow{ID: e.ID, OrgID: e.OrgID, UserID: user, Seq: e.Seq,
					Kind: n.Kind, Title: n.Title, Message: n.Message, CreatedAt: e.Time})
			}
		}
		if Activity(e.Type) {
			acts = append(acts, activityRow{OrgID: e.OrgID, Seq: e.Seq, ID: e.ID, Type: e.Type, Source: e.Source,
				TargetUserID: e.Target, Data: string(e.Data), CreatedAt: e.Time})
		}
	}
	if len(notes) == 0 && len(acts) == 0 {
		return
	}
	err := s.db.WithContext(context.WithoutCancel(ctx)).Transaction(func(tx *gorm.DB) error {
		if len(notes) > 0 {
			if err := tx.Create(&notes).Error; err != nil {
				return err
			}
		}
		if len(acts) > 0 {
			return tx.Create(&acts).Error
		}
		return nil
	})
	if err != nil {
		s.log.Error("storing notifications and activity failed", "error", err)
	}
}

// History returns events after seq that userID may see, optionally only
// of the given type patterns.
func (s *Service) History(ctx context.Context, orgID, userID string, after uint64, patterns []string, limit int) ([]Event, Head, error) {
	if limit <= 0 || limit > 1000 {
		limit = 1000
	}
	var out []Event
	cursor := after
	for {
		evs, head, err := s.j.Since(ctx, orgID, cursor, limit)
		if err != nil {
			return nil, head, err
		}
		for _, e := range evs {
			if Visible(e, userID, patterns) {
				out = append(out, e)
			}
		}
		if len(evs) < limit || len(out) >= limit {
			if len(out) > limit {
				out = out[:limit]
			}
			return out, head, nil
		}
		cursor = evs[len(evs)-1].Seq
	}
}

// Visible reports whether userID may see e and whether it matches the
// patterns (none: every type).
func Visible(e Event, userID string, patterns []string) bool {
	if e.Target != "" && e.Target != userID {
		return false
	}
	if len(patterns) == 0 {
		return true
	}
	for _, p := range patterns {
		if Match(p, e.Type) {
			return true
		}
	}
	return false
}

type notificationRow struct {
	ID        string
	OrgID     string
	UserID    *string
	Seq       uint64
	Kind      string
	Title     string
	Message   string
	CreatedAt time.Time
}

func (notificationRow) TableName() string { return "notifications" }

type activityRow struct {
	OrgID        string
	Seq          uint64
	ID           string
	Type         string
	Source       string
	TargetUserID string
	Data         string
	CreatedAt    time.Time
}

func (activityRow) TableName() string { return "activity" }

// StoredNotification is a notification as its reader sees it.
type StoredNotification struct {
	ID        string     `json:"id"`
	Seq       uint64     `json:"seq"`
	Kind      string     `json:"kind"`
	Title     string     `json:"title"`
	Message   string     `json:"message"`
	CreatedAt time.Time  `json:"created_at"`
	ReadAt    *time.Time `json:"read_at"`
}

// Notifications lists the notifications userID may see, newest first, and
// how many are unread.
func (s *Service) Notifications(ctx context.Context, orgID, userID string, unreadOnly bool, limit int) ([]StoredNotification, int, error) {
	if limit <= 0 || limit > 200 {
		limit = 50
	}
	db := s.db.WithContext(ctx)
	base := db.Table("notifications AS n").
		Joins("LEFT JOIN notification_reads r ON r.notification_id = n.id AND r.user_id = ?", userID).
		Where("n.org_id = ? AND (n.user_id IS NULL OR n.user_id = ?)", orgID, userID)
	var unread int64
	if err := base.Session(&gorm.Session{}).Where("r.read_at IS NULL").Count(&unread).Error; err != nil {
		return nil, 0, fmt.Errorf("events: notifications: %w", err)
	}
	q := base.Session(&gorm.Session{}).Select("n.id, n.seq, n.kind, n.title, n.message, n.created_at, r.read_at").
		Order("n.created_at DESC, n.seq DESC").Limit(limit)
	if unreadOnly {
		q = q.Where("r.read_at IS NULL")
	}
	var out []StoredNotification
	if err := q.Scan(&out).Error; err != nil {
		return nil, 0, fmt.Errorf("events: notifications: %w", err)
	}
	if out == nil {
		out = []StoredNotification{}
	}
	return out, int(unread), nil
}

// ErrNotFound: no such notification for this reader.
var ErrNotFound = errors.New("not found")

// MarkRead marks one notification read for userID.
func (s *Service) MarkRead(ctx context.Context, orgID, userID, id string) error {
	var n int64
	if err := s.db.WithContext(ctx).Table("notifications").
		Where("id = ? AND org_id = ? AND (user_id IS NULL OR user_id = ?)", id, orgID, userID).Count(&n).Error; err != nil {
		return fmt.Errorf("events: mark read: %w", err)
	}
	if n == 0 {
		return ErrNotFound
	}
	err := s.db.WithContext(ctx).Exec(`INSERT INTO notification_reads (notification_id, user_id, read_at) VALUES (?, ?, ?)
		ON CONFLICT (notification_id, user_id) DO NOTHING`, id, userID, time.Now().UTC()).Error
	if err != nil {
		return fmt.Errorf("events: mark read: %w", err)
	}
	return nil
}

// MarkAllRead marks every notification userID may see in the organization read.
func (s *Service) MarkAllRead(ctx context.Context, orgID, userID string) error {
	err := s.db.WithContext(ctx).Exec(`INSERT INTO notification_reads (notification_id, user_id, read_at)
		SELECT n.id, ?, ? FROM notifications n
		WHERE n.org_id = ? AND (n.user_id IS NULL OR n.user_id = ?)
		ON CONFLICT (notification_id, user_id) DO NOTHING`, userID, time.Now().UTC(), orgID, userID).Error
	if err != nil {
		return fmt.Errorf("events: mark all read: %w", err)
	}
	return nil
}

// Activity returns the newest activity entries userID may see.
func (s *Service) Activity(ctx context.Context, orgID, userID string, limit int) ([]Event, error) {
	if limit <= 0 || limit > 200 {
		limit = 50
	}
	var rows []activityRow
	if err := s.db.WithContext(ctx).Where("org_id = ? AND (target_user_id = '' OR target_user_id = ?)", orgID, userID).
		Order("seq DESC").Limit(limit).Find(&rows).Error; err != nil {
		return nil, fmt.Errorf("events: activity: %w", err)
	}
	out := make([]Event, len(rows))
	for i, r := range rows {
		out[i] = Event{ID: r.ID, OrgID: r.OrgID, Seq: r.Seq, Type: r.Type, Time: r.CreatedAt.UTC(), Source: r.Source,
			Target: r.TargetUserID, Data: []byte(r.Data)}
	}
	return out, nil
}

// RunRetention prunes history every interval, and the activity feed
// every tenth, until ctx ends. History pruning is cheap when there is
// little to remove (an index range and one row per organization), and
// removes a chunk per transaction when there is much; the activity feed's
// pass counts every organization's entries, hence the slower pace.
func (s *Service) RunRetention(ctx context.Context, interval time.Duration) {
	t := time.NewTicker(interval)
	defer t.Stop()
	for n := 0; ; n++ {
		s.pruneHistory(ctx)
		if n%10 == 0 {
			s.pruneActivity(ctx)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

func (s *Service) pruneHistory(ctx context.Context) {
	if n, err := s.j.Prune(ctx, s.cfg.Keep, s.cfg.MaxAge); err != nil {
		s.log.Warn("event retention failed", "error", err)
	} else if n > 0 {
		s.log.Debug("event retention", "removed", n)
	}
}

// pruneActivity keeps the newest ActivityKeep entries per organization.
func (s *Service) pruneActivity(ctx context.Context) {
	db := s.db.WithContext(ctx)
	var orgs []string
	if err := db.Raw(`SELECT org_id FROM activity GROUP BY org_id HAVING COUNT(*) > ?`, s.cfg.ActivityKeep).
		Scan(&orgs).Error; err != nil {
		s.log.Warn("activity retention failed", "error", err)
		return
	}
	for _, org := range orgs {
		var cutoff []uint64
		if err := db.Raw(`SELECT seq FROM activity WHERE org_id = ? ORDER BY seq DESC LIMIT 1 OFFSET ?`, org, s.cfg.ActivityKeep).
			Scan(&cutoff).Error; err != nil || len(cutoff) == 0 {
			continue
		}
		if err := db.Exec(`DELETE FROM activity WHERE org_id = ? AND seq <= ?`, org, cutoff[0]).Error; err != nil {
			s.log.Warn("activity retention failed", "error", err)
		}
	}
}
