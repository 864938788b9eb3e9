package app

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/switchyard/switchyard/core/events"
	"github.com/switchyard/switchyard/core/hub"
	"github.com/switchyard/switchyard/core/rbac"
	"github.com/switchyard/switchyard/tenants"
)

// newHub builds the real-time hub and connects it to the journal (events
// in), the authorizer (subscribe checks) and the change reactions (sockets
// that lose their right to exist are closed).
func (a *App) newHub() *hub.Hub {
	h := hub.New(hub.Config{}, hub.Deps{
		Journal: a.Journal,
		CanRead: func(userID, orgSlug string) bool { return a.RBAC.Can(userID, orgSlug, rbac.EventsRead) },
		// Jobs are built after the hub; the closure reads them when asked.
		SyncStatus: func(ctx context.Context, orgID string) ([]hub.SyncTask, error) {
			if a.Jobs == nil {
				return nil, nil
			}
			ts, err := a.Jobs.SyncTasks(ctx, orgID)
			out := make([]hub.SyncTask, len(ts))
			for i, t := range ts {
				out[i] = hub.SyncTask(t)
			}
			return out, err
		},
		Presence: func(orgID, userID string, online bool) {
			// Presence is published off the hub's locks and never delays it.
			go a.publishCore(context.Background(), orgID, events.Draft{Type: events.UserPresence,
				Data: mustJSON(map[string]any{"user_id": userID, "online": online})})
		},
		Log:     a.Log.With("component", "hub"),
		Metrics: hub.NewMetrics(a.Registry),
	})
	a.Journal.Tail(h.Publish)
	a.onSessionRevoked = append(a.onSessionRevoked, func(sessionID string) { h.DisconnectSession(sessionID) })
	a.onMemberChange = append(a.onMemberChange, func(orgID, userID string, kind tenants.ChangeKind) {
		if kind == tenants.MemberRemoved {
			h.DisconnectUser(orgID, userID)
		}
	})
	a.onCatchUp = append(a.onCatchUp, func(ctx context.Context) {
		n := h.Recheck(func(orgID, userID string) bool {
			org, err := a.Resolver.ByID(ctx, orgID)
			switch {
			case errors.Is(err, tenants.ErrNotFound):
				return false
			case err != nil:
				return true // only a certain answer closes a socket, never a failed query
			}
			return !org.Suspended() && a.RBAC.Can(userID, org.Slug, rbac.EventsRead)
		}, "access changed while this replica was away")
		if n > 0 {
			a.Log.Info("catch-up: closed sockets that lost their access", "sockets", n)
		}
	})
	a.onOrgChange = append(a.onOrgChange, func(orgID string, kind tenants.ChangeKind) {
		switch kind {
		case tenants.OrgSuspended:
			h.DisconnectOrg(orgID, "organization suspended")
		case tenants.OrgDeleted:
			h.DisconnectOrg(orgID, "organization deleted")
			h.Forget(orgID)
		}
	})
	return h
}

// publishCore publishes an event the core itself produces; a failure is
// logged, never passed to the change that caused it.
func (a *App) publishCore(ctx context.Context, orgID string, drafts ...events.Draft) {
	for i := range drafts {
		drafts[i].Source = "core"
	}
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
	defer cancel()
	if _, err := a.Events.Publish(ctx, orgID, drafts); err != nil {
		a.Log.Warn("core event not published", "type", drafts[0].Type, "error", err)
	}
}

func mustJSON(v any) json.RawMessage {
	raw, err := json.Marshal(v)
	if err != nil {
		return json.RawMessage("null")
	}
	return raw
}

// announceChanges turns membership and organization changes into
// user.activity events for the organization's feed, and tells a member
// whose role changed.
func (a *App) announceChanges() {
	a.Tenants.Observe(func(ctx context.Context, c tenants.Change) {
		name := func(userID string) string {
			if userID == "" {
				return ""
			}
			if u, err := a.Auth.User(ctx, userID); err == nil {
				return u.Name
			}
			return ""
		}
		act := map[string]any{"actor_id": c.ActorID, "actor_name": name(c.ActorID)}
		var drafts []events.Draft
		switch c.Kind {
		case tenants.MemberAdded:
			act["action"], act["user_id"], act["user_name"], act["role"] = "member.joined", c.UserID, name(c.UserID), c.Role
		case tenants.MemberRoleChanged:
			act["action"], act["user_id"], act["user_name"], act["role"], act["previous_role"] = "member.role_changed", c.UserID, name(c.UserID), c.Role, c.PreviousRole
			drafts = append(drafts, events.Draft{Type: events.Notification, Target: c.UserID, Data: mustJSON(events.NotificationData{
				Kind: "info", Title: "Your role changed", Message: fmt.Sprintf("You are now %s of %s (was %s).", article(c.Role), c.OrgSlug, c.PreviousRole),
			})})
		case tenants.MemberRemoved:
			act["action"], act["user_id"], act["user_name"], act["previous_role"] = "member.removed", c.UserID, name(c.UserID), c.PreviousRole
		case tenants.OrgUpdated:
			act["action"] = "org.updated"
		case tenants.OrgDeleted:
			// Only the replica that deleted the organization drops its history.
			if err := a.Journal.DropOrg(ctx, c.OrgID); err != nil {
				a.Log.Warn("history of a deleted organization not dropped", "error", err)
			}
			return
		default:
			return
		}
		drafts = append([]events.Draft{{Type: events.UserActivity, Data: mustJSON(act)}}, drafts...)
		a.publishCore(ctx, c.OrgID, drafts...)
	})
}

func article(r tenants.Role) string {
	if r == tenants.RoleOwner || r == tenants.RoleAdmin {
		return "an " + string(r)
	}
	return "a " + string(r)
}
