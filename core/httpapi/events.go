package httpapi

import (
	"bytes"
	"encoding/json"
	"errors"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/switchyard/switchyard/core/events"
	"github.com/switchyard/switchyard/core/rbac"
)

// EventView is an event in the REST history.
type EventView struct {
	ID        string          `json:"id"`
	Type      string          `json:"type"`
	Seq       uint64          `json:"seq"`
	Timestamp time.Time       `json:"timestamp"`
	Source    string          `json:"source"`
	Target    string          `json:"target_user_id,omitempty"`
	Data      json.RawMessage `json:"data"`
}

// HistoryView is GET /orgs/{org}/events.
type HistoryView struct {
	Items []EventView `json:"items"`
	Seq   uint64      `json:"seq"`
	Epoch string      `json:"epoch"`
}

type publishEvent struct {
	Type   string          `json:"type" validate:"required,max=64"`
	Data   json.RawMessage `json:"data,omitempty"`
	Target string          `json:"target_user_id,omitempty" validate:"max=64"`
}

type publishBatch struct {
	Events []publishEvent `json:"events" validate:"required,min=1,max=500,dive"`
}

// PublishedView lists the events a publish stored.
type PublishedView struct {
	Items []EventView `json:"items"`
}

// NotificationsView is GET /orgs/{org}/notifications.
type NotificationsView struct {
	Items  []events.StoredNotification `json:"items"`
	Unread int                         `json:"unread"`
}

func (a *API) bindEvents(r *router) {
	r.add(Route{Method: "GET", Path: "/orgs/:org/events", Tag: "events", Summary: "Event history after a seq (the REST fallback of the socket)",
		Access: InOrg, Perm: rbac.EventsRead, Resp: HistoryView{}, Query: []QueryParam{
			{"since", "return events with a greater seq (default: the latest limit events)", "integer"},
			{"types", "comma-separated type patterns such as sync.*,notification", "string"},
			{"limit", "at most this many events, 1-1000 (default 100)", "integer"},
		}, Handler: a.history})
	r.add(Route{Method: "POST", Path: "/orgs/:org/events", Tag: "events",
		Summary: "Publish custom.* events (or notification, alert) to the organization's dashboards: one event or {events:[…]}; answers once journaled",
		Access:  InOrg, Perm: rbac.EventsPublish, Body: publishBatch{}, Status: http.StatusCreated, Resp: PublishedView{}, Handler: a.publish})
	r.add(Route{Method: "GET", Path: "/orgs/:org/notifications", Tag: "events", Summary: "Your notifications, newest first, and how many are unread",
		Access: InOrg, Perm: rbac.NotificationsRead, Resp: NotificationsView{}, Query: []QueryParam{
			{"unread", "true: only unread ones", "string"}, {"limit", "1-200 (default 50)", "integer"},
		}, Handler: a.notifications})
	r.add(Route{Method: "POST", Path: "/orgs/:org/notifications/read-all", Tag: "events", Summary: "Mark all your notifications read",
		Access: InOrg, Perm: rbac.NotificationsRead, Status: http.StatusNoContent, Handler: a.readAll})
	r.add(Route{Method: "POST", Path: "/orgs/:org/notifications/:id/read", Tag: "events", Summary: "Mark one notification read",
		Access: InOrg, Perm: rbac.NotificationsRead, Status: http.StatusNoContent, Handler: a.readOne})
	r.add(Route{Method: "GET", Path: "/orgs/:org/activity", Tag: "events", Summary: "The activity feed: what people did and were told, newest first",
		Access: InOrg, Perm: rbac.EventsRead, Resp: List[EventView]{}, Query: []QueryParam{{"limit", "1-200 (default 50)", "integer"}},
		Handler: a.activity})
}

func eventView(e events.Event) EventView {
	return EventView{ID: e.ID, Type: e.Type, Seq: e.Seq, Timestamp: e.Time, Source: e.Source, Target: e.Target, Data: e.Data}
}

func intQuery(c *fiber.Ctx, name string, def, lo, hi int) (int, error) {
	v := c.Query(name)
	if v == "" {
		return def, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < lo || n > hi {
		return 0, fieldErr(name, "must be a whole number from "+strconv.Itoa(lo)+" to "+strconv.Itoa(hi))
	}
	return n, nil
}

func (a *API) history(c *fiber.Ctx) error {
	s, id := scopeOf(c), identityOf(c)
	limit, err := intQuery(c, "limit", 100, 1, 1000)
	if err != nil {
		return err
	}
	var patterns []string
	if t := c.Query("types"); t != "" {
		for _, p := range strings.Split(t, ",") {
			p = strings.TrimSpace(p)
			if !events.ValidPattern(p) {
				return fieldErr("types", "holds "+strconv.Quote(clipStr(p, 40))+", which is not a type pattern such as sync.* or notification")
			}
			patterns = append(patterns, strings.Clone(p))
		}
	}
	ctx := c.UserContext()
	var since uint64
	if v := c.Query("since"); v != "" {
		n, err := strconv.ParseUint(v, 10, 64)
		if err != nil {
			return fieldErr("since", "must be a seq (a whole number)")
		}
		since = n
	} else {
		head, err := a.d.Events.Journal().Head(ctx, s.Org.ID)
		if err != nil {
			return err
		}
		if head.Seq > uint64(limit) {
			since = head.Seq - uint64(limit)
		}
	}
	evs, head, err := a.d.Events.History(ctx, s.Org.ID, id.UserID, since, patterns, limit)
	if errors.Is(err, events.ErrHistoryGap) {
		if c.Query("since") == "" {
			// The latest events were pruned away: there is nothing to show.
			return c.JSON(HistoryView{Items: []EventView{}, Seq: head.Seq, Epoch: head.Epoch})
		}
		return &Error{Status: http.StatusGone, Code: "history_gap",
			Message: "events after that seq are no longer all in history (or the seq is from another epoch); reload the state and continue from seq " + strconv.FormatUint(head.Seq, 10)}
	}
	if err != nil {
		return err
	}
	out := make([]EventView, len(evs))
	for i, e := range evs {
		out[i] = eventView(e)
	}
	return c.JSON(HistoryView{Items: out, Seq: head.Seq, Epoch: head.Epoch})
}

// publishable reports whether an organization's backend may publish t.
func publishable(t string) bool {
	return strings.HasPrefix(t, "custom.") || t == events.Notification || t == events.Alert
}

func (a *API) publish(c *fiber.Ctx) error {
	var batch publishBatch
	body := bytes.TrimSpace(c.Body())
	if len(body) > 0 && body[0] == '{' && !bytes.Contains(body[:min(len(body), 64)], []byte(`"events"`)) {
		var one publishEvent
		if err := a.decodeJSON(c, &one); err != nil {
			return err
		}
		batch.Events = []publishEvent{one}
	} else if err := a.decodeJSON(c, &batch); err != nil {
		return err
	}
	source := "api"
	if id := identityOf(c); id.Key == nil {
		source = "user:" + id.UserID
	}
	drafts := make([]events.Draft, len(batch.Events))
	for i, e := range batch.Events {
		if !publishable(e.Type) {
			return &Error{Status: http.StatusBadRequest, Code: "invalid_input", Field: "type",
				Message: "type " + strconv.Quote(clipStr(e.Type, 64)) + " cannot be published here: use custom.*, notification or alert"}
		}
		drafts[i] = events.Draft{Type: e.Type, Source: source, Target: e.Target, Data: e.Data}
	}
	evs, err := a.d.Events.Publish(c.UserContext(), scopeOf(c).Org.ID, drafts)
	switch {
	case errors.Is(err, events.ErrRateLimited):
		return &Error{Status: http.StatusTooManyRequests, Code: "rate_limited", Message: err.Error(), RetryAfter: 1}
	case errors.Is(err, events.ErrInvalid):
		return &Error{Status: http.StatusBadRequest, Code: "invalid_input", Field: "events", Message: err.Error()}
	case err != nil:
		return err
	}
	out := make([]EventView, len(evs))
	for i, e := range evs {
		out[i] = eventView(e)
	}
	return c.Status(http.StatusCreated).JSON(PublishedView{Items: out})
}

func (a *API) notifications(c *fiber.Ctx) error {
	limit, err := intQuery(c, "limit", 50, 1, 200)
	if err != nil {
		return err
	}
	unreadOnly := c.Query("unread") == "true"
	list, unread, err := a.d.Events.Notifications(c.UserContext(), scopeOf(c).Org.ID, identityOf(c).UserID, unreadOnly, limit)
	if err != nil {
		return err
	}
	return c.JSON(NotificationsView{Items: list, Unread: unread})
}

func (a *API) readOne(c *fiber.Ctx) error {
	err := a.d.Events.MarkRead(c.UserContext(), scopeOf(c).Org.ID, identityOf(c).UserID, param(c, "id"))
	if errors.Is(err, events.ErrNotFound) {
		return apiErr(http.StatusNotFound, "not_found", "notification not found")
	}
	if err != nil {
		return err
	}
	return c.SendStatus(http.StatusNoContent)
}

func (a *API) readAll(c *fiber.Ctx) error {
	if err := a.d.Events.MarkAllRead(c.UserContext(), scopeOf(c).Org.ID, identityOf(c).UserID); err != nil {
		return err
	}
	return c.SendStatus(http.StatusNoContent)
}

func (a *API) activity(c *fiber.Ctx) error {
	limit, err := intQuery(c, "limit", 50, 1, 200)
	if err != nil {
		return err
	}
	evs, err := a.d.Events.Activity(c.UserContext(), scopeOf(c).Org.ID, identityOf(c).UserID, limit)
	if err != nil {
		return err
	}
	out := make([]EventView, len(evs))
	for i, e := range evs {
		out[i] = eventView(e)
	}
	return c.JSON(list(out, ""))
}

func clipStr(s string, n int) string {
	if len(s) > n {
		return s[:n] + "…"
	}
	return s
}
