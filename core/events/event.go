package events

import (
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"strings"
	"time"
)

// Event is one thing that happened in an organization.
type Event struct {
	// ID is unique across all organizations (UUIDv7).
	ID string `json:"id"`
	// OrgID is the organization's ID (never its slug, which could be reused).
	OrgID string `json:"-"`
	// Seq orders the organization's events; each is greater than the last.
	Seq uint64 `json:"seq"`
	// Prev is the Seq of the organization's previous event (0 for none):
	// a reader that finds Prev != the last seq it saw knows it missed some.
	Prev uint64 `json:"-"`
	// Type is dotted: domain.name (e.g. sync.update).
	Type string `json:"type"`
	// Time is when the platform accepted the event (UTC).
	Time time.Time `json:"timestamp"`
	// Source names the producer: "core", "api", "plugin:sync".
	Source string `json:"source"`
	// Target, when set, is the one user who may see the event.
	Target string `json:"target_user_id,omitempty"`
	// Data is the event's JSON payload.
	Data json.RawMessage `json:"data"`
}

// Draft is an event before the journal numbers it.
type Draft struct {
	Type   string
	Source string
	Target string
	Data   json.RawMessage
}

// Head describes an organization's history.
type Head struct {
	// Seq is the newest event's sequence (0 when there is none).
	Seq uint64 `json:"seq"`
	// Epoch names the history Seq belongs to.
	Epoch string `json:"epoch"`
}

// Errors of this package.
var (
	// ErrInvalid: an event failed validation (wrapped with the reason).
	ErrInvalid = errors.New("invalid event")
	// ErrRateLimited: the organization is over its events-per-second quota.
	ErrRateLimited = errors.New("organization is over its event rate quota")
	// ErrHistoryGap: the requested history is no longer (or not) continuous;
	// the client must reload its state.
	ErrHistoryGap = errors.New("history is not continuous from that point")
	// ErrClosed: the journal is shut down.
	ErrClosed = errors.New("event journal is closed")
	// ErrUnavailable: the journal cannot be reached (NATS is down or
	// reconnecting); nothing of the append was stored, so it is safe to
	// send again.
	ErrUnavailable = errors.New("event journal is unreachable; nothing was stored")
)

// Limits on events.
const (
	MaxTypeLen  = 64
	MaxDataSize = 64 << 10
	MaxBatch    = 500
)

var (
	typePattern    = regexp.MustCompile(`^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)+$`)
	segmentPattern = regexp.MustCompile(`^[a-z][a-z0-9_]*$`)
)

// ValidType reports whether t is a well-formed event type: lower-case
// dotted segments, domain.name or deeper, at most 64 characters.
func ValidType(t string) bool { return len(t) <= MaxTypeLen && typePattern.MatchString(t) }

// The core's own event types (DESIGN.md, "Real-time protocol").
const (
	SystemStatus       = "system.status"
	SystemMetrics      = "system.metrics"
	SystemHealth       = "system.health"
	SyncUpdate         = "sync.update"
	MLModelUpdate      = "ml.model.update"
	MLTrainingProgress = "ml.training.progress"
	MLPredictionResult = "ml.prediction.result"
	FileOperation      = "file.operation"
	FileUpload         = "file.upload.progress"
	FileDownload       = "file.download.progress"
	UserActivity       = "user.activity"
	UserPresence       = "user.presence"
	Notification       = "notification"
	Alert              = "alert"
	PluginUpdate       = "plugin.update"
	PluginStatus       = "plugin.status"
	AnalyticsUpdate    = "analytics.update"
	MetricsUpdate      = "metrics.update"
)

// knownTypes are the types DESIGN.md lists; "notification" and "alert" are
// single-segment and allowed by name.
var knownTypes = map[string]bool{
	SystemStatus: true, SystemMetrics: true, SystemHealth: true, SyncUpdate: true,
	MLModelUpdate: true, MLTrainingProgress: true, MLPredictionResult: true,
	FileOperation: true, FileUpload: true, FileDownload: true, UserActivity: true,
	UserPresence: true, Notification: true, Alert: true, PluginUpdate: true,
	PluginStatus: true, AnalyticsUpdate: true, MetricsUpdate: true,
}

// Known reports whether t is one of the platform's named event types.
func Known(t string) bool { return knownTypes[t] }

// Activity reports whether events of type t belong in the stored activity
// feed: things people did or were told (membership changes, notifications,
// alerts, plugin and file changes, models trained), as opposed to streams of
// measurements, progress and an organization's own custom events, which
// stay in the event history only.
func Activity(t string) bool {
	switch t {
	case UserActivity, Notification, Alert, PluginStatus, PluginUpdate, FileOperation, MLModelUpdate, SystemStatus:
		return true
	}
	return false
}

// Validate checks a draft: type grammar, JSON data (an object or null),
// size, and a target that is a plausible user ID.
func (d *Draft) Validate() error {
	if d.Type != Notification && d.Type != Alert && !ValidType(d.Type) {
		return fmt.Errorf("%w: type %q must be dotted lower-case segments such as custom.order_created", ErrInvalid, clip(d.Type, 80))
	}
	if len(d.Data) == 0 {
		d.Data = json.RawMessage("null")
	}
	if len(d.Data) > MaxDataSize {
		return fmt.Errorf("%w: data is %d bytes, the limit is %d", ErrInvalid, len(d.Data), MaxDataSize)
	}
	if !json.Valid(d.Data) {
		return fmt.Errorf("%w: data is not valid JSON", ErrInvalid)
	}
	if len(d.Target) > 64 {
		return fmt.Errorf("%w: target is not a user ID", ErrInvalid)
	}
	if d.Type == Notification {
		if err := validateNotification(d.Data); err != nil {
			return err
		}
	}
	return nil
}

// NotificationData is the payload of a notification event.
type NotificationData struct {
	Kind    string `json:"kind"`
	Title   string `json:"title"`
	Message string `json:"message"`
}

func validateNotification(raw json.RawMessage) error {
	var n NotificationData
	if err := json.Unmarshal(raw, &n); err != nil {
		return fmt.Errorf("%w: notification data must be {kind, title, message}", ErrInvalid)
	}
	switch n.Kind {
	case "success", "error", "warning", "info":
	default:
		return fmt.Errorf("%w: notification kind must be success, error, warning or info", ErrInvalid)
	}
	if strings.TrimSpace(n.Title) == "" || len(n.Title) > 200 || len(n.Message) > 2000 {
		return fmt.Errorf("%w: a notification needs a title (at most 200 characters) and a message of at most 2000", ErrInvalid)
	}
	return nil
}

// Match reports whether an event type matches a subscription pattern:
// "*" matches everything, "sync.*" matches every type under sync., and
// anything else matches exactly.
func Match(pattern, typ string) bool {
	if pattern == "*" {
		return true
	}
	if prefix, ok := strings.CutSuffix(pattern, ".*"); ok {
		return strings.HasPrefix(typ, prefix+".")
	}
	return pattern == typ
}

// ValidPattern reports whether p is a well-formed subscription pattern.
func ValidPattern(p string) bool {
	if p == "*" || p == Notification || p == Alert {
		return true
	}
	if prefix, ok := strings.CutSuffix(p, ".*"); ok {
		return len(p) <= MaxTypeLen && (ValidType(prefix) || segmentPattern.MatchString(prefix))
	}
	return ValidType(p)
}

func clip(s string, n int) string {
	if len(s) > n {
		return s[:n] + "…"
	}
	return s
}
