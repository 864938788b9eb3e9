package app

import (
	"context"
	"encoding/json"
	"time"

	"github.com/switchyard/switchyard/core/auth"
	"github.com/switchyard/switchyard/core/events"
	"github.com/switchyard/switchyard/core/rbac"
	"github.com/switchyard/switchyard/tenants"
)

// Control messages carry committed changes to every replica (this one
// included). Each replica applies them idempotently: reload the policy
// memory, forget a cached organization, remember a revoked session, close
// sockets that lost their right to exist. The replica that made a change
// applies it at once as well, so its next request already sees it.

type sessionRevoked struct {
	SessionID string `json:"session_id"`
	UserID    string `json:"user_id"`
	Reason    string `json:"reason"`
}

type policyChanged struct {
	Org     string `json:"org"` // slug, the policy domain
	Subject string `json:"subject,omitempty"`
	Dropped bool   `json:"dropped,omitempty"`
}

type orgChanged struct {
	OrgID string             `json:"org_id"`
	Slug  string             `json:"slug"`
	Kind  tenants.ChangeKind `json:"kind"`
}

type memberChanged struct {
	OrgID  string             `json:"org_id"`
	Slug   string             `json:"slug"`
	UserID string             `json:"user_id"`
	Kind   tenants.ChangeKind `json:"kind"`
}

func (a *App) publishControl(topic string, v any) {
	raw, err := json.Marshal(v)
	if err != nil {
		return
	}
	if err := a.Bus.Publish(context.Background(), topic, raw); err != nil {
		a.Log.Error("control message not sent; the other replicas will be told to catch up once the bus is back", "topic", topic, "error", err)
	}
}

// catchUpRequest asks the other replicas to catch up: one of this
// replica's control messages was lost.
type catchUpRequest struct {
	From string `json:"from"` // the replica asking
}

// reconnected runs when the bus connection came back. Control messages
// are core NATS messages, kept by no one and sent by no one late: whatever
// the other replicas sent while this one was away is lost to it, so it
// catches up from the database; and whatever it sent meanwhile (failed, or
// written into the connection before it was known to be dead) is lost to
// them, so it asks them to do the same.
func (a *App) reconnected() {
	a.publishControl(events.TopicCatchUp, catchUpRequest{From: a.replica})
	a.requestCatchUp()
}

// requestCatchUp schedules a catch-up; requests made while one is waiting
// are one request.
func (a *App) requestCatchUp() {
	select {
	case a.catchUps <- struct{}{}:
	default:
	}
}

func (a *App) runCatchUps(ctx context.Context) {
	for {
		select {
		case <-ctx.Done():
			return
		case <-a.catchUps:
			a.catchUp(ctx)
		}
	}
}

// catchUp rebuilds from the database everything the control messages
// keep current: the policy memory, the sessions revoked (their sockets
// are closed), the organizations cached, the plugin installations this
// replica serves; then every reaction registered
// in onCatchUp runs (the hub closes the sockets that lost their right to
// exist).
func (a *App) catchUp(ctx context.Context) {
	ctx, cancel := context.WithTimeout(ctx, time.Minute)
	defer cancel()
	if err := a.RBAC.ReloadAll(); err != nil {
		a.Log.Error("catch-up: policy reload failed", "error", err)
	}
	revoked, err := a.Auth.LoadRevocations(ctx)
	if err != nil {
		a.Log.Error("catch-up: revoked sessions not loaded", "error", err)
	}
	for _, id := range revoked {
		for _, fn := range a.onSessionRevoked {
			fn(id)
		}
	}
	a.Resolver.EvictAll()
	if a.Market != nil {
		if err := a.Market.SyncAll(ctx); err != nil {
			a.Log.Error("catch-up: plugin installations not brought in line", "error", err)
		}
	}
	for _, fn := range a.onCatchUp {
		fn(ctx)
	}
	a.Log.Info("caught up with changes made while the bus was away", "sessions_revoked", len(revoked))
}

// wireChanges connects the parts' change notifications: locally at once,
// and to every replica through the bus.
func (a *App) wireChanges() error {
	a.Tenants.Observe(func(_ context.Context, c tenants.Change) {
		switch c.Kind {
		case tenants.OrgCreated, tenants.MemberAdded, tenants.MemberRoleChanged, tenants.MemberRemoved:
			p := policyChanged{Org: c.OrgSlug, Subject: c.UserID}
			a.applyPolicy(p)
			a.publishControl(events.TopicPolicyChanged, p)
			if c.Kind != tenants.OrgCreated {
				m := memberChanged{OrgID: c.OrgID, Slug: c.OrgSlug, UserID: c.UserID, Kind: c.Kind}
				a.applyMember(m)
				a.publishControl(events.TopicMemberChanged, m)
			}
		case tenants.OrgDeleted:
			p := policyChanged{Org: c.OrgSlug, Dropped: true}
			a.applyPolicy(p)
			a.publishControl(events.TopicPolicyChanged, p)
		}
		switch c.Kind {
		case tenants.OrgUpdated, tenants.OrgDeleted, tenants.OrgSuspended, tenants.OrgResumed:
			o := orgChanged{OrgID: c.OrgID, Slug: c.OrgSlug, Kind: c.Kind}
			a.applyOrg(o)
			a.publishControl(events.TopicOrgChanged, o)
		}
	})
	a.Auth.OnKeyChange(func(k auth.KeyChange) {
		p := policyChanged{Org: k.OrgSlug, Subject: rbac.KeySubject(k.KeyID)}
		a.applyPolicy(p)
		a.publishControl(events.TopicPolicyChanged, p)
	})
	a.Auth.OnRevoke(func(r auth.Revocation) {
		s := sessionRevoked{SessionID: r.SessionID, UserID: r.UserID, Reason: r.Reason}
		a.applySession(s)
		a.publishControl(events.TopicSessionRevoked, s)
	})

	subs := map[string]func([]byte){
		events.TopicPolicyChanged: func(raw []byte) {
			var p policyChanged
			if json.Unmarshal(raw, &p) == nil {
				a.applyPolicy(p)
			}
		},
		events.TopicOrgChanged: func(raw []byte) {
			var o orgChanged
			if json.Unmarshal(raw, &o) == nil {
				a.applyOrg(o)
			}
		},
		events.TopicMemberChanged: func(raw []byte) {
			var m memberChanged
			if json.Unmarshal(raw, &m) == nil {
				a.applyMember(m)
			}
		},
		events.TopicCatchUp: func(raw []byte) {
			var r catchUpRequest
			if json.Unmarshal(raw, &r) == nil && r.From != a.replica {
				a.requestCatchUp()
			}
		},
		events.TopicSessionRevoked: func(raw []byte) {
			var s sessionRevoked
			if json.Unmarshal(raw, &s) == nil {
				a.applySession(s)
			}
		},
	}
	for topic, fn := range subs {
		if _, err := a.Bus.Subscribe(topic, fn); err != nil {
			return err
		}
	}
	return nil
}

func (a *App) applyPolicy(p policyChanged) {
	if !tenants.ValidSlug(p.Org) {
		return
	}
	if id, ok := rbac.KeyID(p.Subject); ok {
		a.Auth.ForgetKey(id)
	}
	var err error
	if p.Dropped {
		err = a.RBAC.ForgetOrg(p.Org)
	} else {
		err = a.RBAC.Reload(p.Org, p.Subject)
	}
	if err != nil {
		// Memory now lags the database for this subject; a full reload is
		// the safe way back.
		a.Log.Error("policy reload failed; reloading all", "error", err)
		if err := a.RBAC.ReloadAll(); err != nil {
			a.Log.Error("policy reload failed", "error", err)
		}
	}
}

func (a *App) applyOrg(o orgChanged) {
	if !tenants.ValidSlug(o.Slug) {
		return
	}
	a.Resolver.Evict(o.Slug)
	for _, fn := range a.onOrgChange {
		fn(o.OrgID, o.Kind)
	}
}

func (a *App) applyMember(m memberChanged) {
	a.Tenants.ForgetMembers(m.OrgID)
	for _, fn := range a.onMemberChange {
		fn(m.OrgID, m.UserID, m.Kind)
	}
}

func (a *App) applySession(s sessionRevoked) {
	a.Auth.Remember(auth.Revocation{SessionID: s.SessionID, UserID: s.UserID, Reason: s.Reason})
	for _, fn := range a.onSessionRevoked {
		fn(s.SessionID)
	}
}
