package httpapi

import (
	"net/http"
	"net/url"
	"strings"

	"github.com/gofiber/contrib/websocket"
	"github.com/gofiber/fiber/v2"

	"github.com/switchyard/switchyard/core/hub"
	"github.com/switchyard/switchyard/core/rbac"
)

// TicketView is a WebSocket ticket: single use, valid for expires_in seconds.
type TicketView struct {
	Ticket    string `json:"ticket"`
	ExpiresIn int    `json:"expires_in"`
	URL       string `json:"url"`
}

// wsLocal carries the pre-upgrade decision into the upgraded connection.
const wsLocal = "switchyard.ws"

type wsDecision struct {
	session hub.Session
	code    int
	reason  string
}

func (a *API) bindRealtime(r *router) {
	r.add(Route{Method: "POST", Path: "/orgs/:org/ws-ticket", Tag: "real-time", Summary: "A single-use ticket for opening the organization's socket",
		Access: InOrg, Perm: rbac.RealtimeConnect, Status: http.StatusCreated, Resp: TicketView{}, Handler: a.issueTicket})
	r.add(Route{Method: "GET", Path: "/orgs/:org/ws", Tag: "real-time",
		Summary: "The organization's WebSocket (?ticket=…); see DESIGN.md for the protocol. Refusals close with 1008 (auth, origin) or 1013 (quota).",
		Access:  Public, Raw: true, Status: http.StatusSwitchingProtocols, Query: []QueryParam{{"ticket", "from POST /ws-ticket", "string"}},
		Handler: a.wsGate(websocket.New(a.serveSocket, websocket.Config{
			ReadBufferSize:  256,
			WriteBufferSize: 1024,
			WriteBufferPool: a.wsPool,
		}))})
}

func (a *API) issueTicket(c *fiber.Ctx) error {
	s, id := scopeOf(c), identityOf(c)
	if id.Key != nil {
		return errKeyNotAllowed
	}
	t, ttl, err := a.d.Auth.IssueTicket(id.UserID, id.SessionID, s.Org.ID)
	if err != nil {
		return err
	}
	return c.Status(http.StatusCreated).JSON(TicketView{Ticket: t, ExpiresIn: int(ttl.Seconds()),
		URL: Prefix + "/orgs/" + s.Org.Slug + "/ws?ticket=" + url.QueryEscape(t)})
}

// wsGate decides before the upgrade whether the connection may stay, and
// records the decision for serveSocket. Refusals still upgrade, so that a
// browser learns why (a close code and reason) instead of a bare failure.
func (a *API) wsGate(upgrade fiber.Handler) fiber.Handler {
	return func(c *fiber.Ctx) error {
		if !websocket.IsWebSocketUpgrade(c) {
			return apiErr(http.StatusUpgradeRequired, "upgrade_required", "this endpoint speaks WebSocket only")
		}
		d := a.decide(c)
		if d.code != 0 {
			a.d.Hub.Refused(d.reason)
		}
		c.Locals(wsLocal, d)
		return upgrade(c)
	}
}

func (a *API) decide(c *fiber.Ctx) *wsDecision {
	refuse := func(code int, reason string) *wsDecision { return &wsDecision{code: code, reason: reason} }
	// The ticket is used up first: one presented from a foreign origin is
	// burnt, not left for a second try.
	t, err := a.d.Auth.RedeemTicket(c.Query("ticket"))
	if err != nil {
		return refuse(hub.ClosePolicy, "invalid, expired or used ticket")
	}
	if !a.originAllowed(c) {
		return refuse(hub.ClosePolicy, "origin not allowed")
	}
	org, err := a.resolver.BySlug(c.UserContext(), c.Params("org"))
	if err != nil || org.ID != t.OrgID {
		return refuse(hub.ClosePolicy, "ticket is for another organization")
	}
	if _, member := a.d.RBAC.RoleOf(t.UserID, org.Slug); !member || !a.d.RBAC.Can(t.UserID, org.Slug, rbac.RealtimeConnect) {
		return refuse(hub.ClosePolicy, "not a member of this organization")
	}
	if org.Suspended() {
		return refuse(hub.ClosePolicy, "organization suspended")
	}
	if a.d.Auth.IsRevoked(t.SessionID) {
		return refuse(hub.ClosePolicy, "session ended")
	}
	if err := a.d.Hub.Prepare(c.UserContext(), org.ID); err != nil {
		a.d.Log.Error("history head unavailable", "error", err)
		return refuse(hub.CloseTryLater, "history unavailable; try again")
	}
	return &wsDecision{session: hub.Session{OrgID: org.ID, OrgSlug: org.Slug, UserID: t.UserID, SessionID: t.SessionID,
		SocketQuota: org.Quotas(a.d.Tenants.DefaultQuotas()).Sockets}}
}

// originAllowed checks the browser's Origin: one of the allowed origins, or
// the server's own when none are configured. Clients that send no Origin
// (not browsers) are not subject to cross-site attacks and pass.
func (a *API) originAllowed(c *fiber.Ctx) bool {
	origin := c.Get(fiber.HeaderOrigin)
	if origin == "" {
		return true
	}
	for _, o := range a.d.Config.AllowedOrigins {
		if strings.EqualFold(o, origin) {
			return true
		}
	}
	u, err := url.Parse(origin)
	return err == nil && len(a.d.Config.AllowedOrigins) == 0 && strings.EqualFold(u.Host, c.Hostname())
}

func (a *API) serveSocket(conn *websocket.Conn) {
	d, _ := conn.Locals(wsLocal).(*wsDecision)
	if d == nil || d.code != 0 {
		reason := "refused"
		code := hub.ClosePolicy
		if d != nil {
			code, reason = d.code, d.reason
		}
		hub.Refuse(conn.Conn, code, reason)
		return
	}
	a.d.Hub.Serve(conn.Conn, d.session)
}
