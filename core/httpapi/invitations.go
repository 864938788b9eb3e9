package httpapi

import (
	"net/http"
	"strings"

	"github.com/gofiber/fiber/v2"

	"github.com/switchyard/switchyard/core/rbac"
	"github.com/switchyard/switchyard/tenants"
)

type inviteRequest struct {
	Email string       `json:"email" validate:"required,max=254"`
	Role  tenants.Role `json:"role" validate:"required,oneof=owner admin member viewer"`
}

// InvitationView is a new invitation: the token appears in this response
// only, with the link to send.
type InvitationView struct {
	tenants.Invitation
	Token     string `json:"token"`
	AcceptURL string `json:"accept_url"`
}

// AcceptedView is what accepting an invitation returns.
type AcceptedView struct {
	Org  OrgView      `json:"org"`
	Role tenants.Role `json:"role"`
}

func (a *API) bindInvitations(r *router) {
	r.add(Route{Method: "POST", Path: "/orgs/:org/invitations", Tag: "members", Summary: "Invite someone by email with a role",
		Access: InOrg, Perm: rbac.MembersInvite, Body: inviteRequest{}, Status: http.StatusCreated, Resp: InvitationView{}, Handler: a.invite})
	r.add(Route{Method: "GET", Path: "/orgs/:org/invitations", Tag: "members", Summary: "Pending invitations",
		Access: InOrg, Perm: rbac.MembersInvite, Query: pageQuery, Resp: List[tenants.Invitation]{}, Handler: a.listInvitations})
	r.add(Route{Method: "DELETE", Path: "/orgs/:org/invitations/:id", Tag: "members", Summary: "Withdraw a pending invitation",
		Access: InOrg, Perm: rbac.MembersInvite, Status: http.StatusNoContent, Handler: a.revokeInvitation})
	r.add(Route{Method: "POST", Path: "/invitations/:token/accept", Tag: "members", Summary: "Accept an invitation (as the invited email)",
		Access: SignedIn, Resp: AcceptedView{}, Handler: a.acceptInvitation})
}

func (a *API) invite(c *fiber.Ctx) error {
	var req inviteRequest
	if err := a.decodeJSON(c, &req); err != nil {
		return err
	}
	s, id := scopeOf(c), identityOf(c)
	if id.Key != nil {
		return errKeyNotAllowed
	}
	inv, err := a.d.Tenants.Invite(c.UserContext(), s.Org, s.Actor(id), req.Email, req.Role)
	if err != nil {
		return err
	}
	base := strings.TrimRight(a.d.Config.PublicURL, "/")
	if base == "" {
		base = c.BaseURL()
	}
	return c.Status(http.StatusCreated).JSON(InvitationView{
		Invitation: inv.Invitation, Token: inv.Token, AcceptURL: base + "/invite/" + inv.Token,
	})
}

func (a *API) listInvitations(c *fiber.Ctx) error {
	p, err := page(c)
	if err != nil {
		return err
	}
	invs, next, err := a.d.Tenants.Invitations(c.UserContext(), scopeOf(c).Org.ID, p)
	if err != nil {
		return err
	}
	return c.JSON(list(invs, next))
}

func (a *API) revokeInvitation(c *fiber.Ctx) error {
	if err := a.d.Tenants.RevokeInvitation(c.UserContext(), scopeOf(c).Org.ID, param(c, "id")); err != nil {
		return err
	}
	return c.SendStatus(http.StatusNoContent)
}

func (a *API) acceptInvitation(c *fiber.Ctx) error {
	token := param(c, "token")
	if len(token) == 0 || len(token) > 128 {
		return apiErr(http.StatusNotFound, "not_found", "invitation not found")
	}
	id := identityOf(c)
	u, err := a.d.Auth.User(c.UserContext(), id.UserID)
	if err != nil {
		return err
	}
	org, role, err := a.d.Tenants.Accept(c.UserContext(), token, u.ID, u.Email)
	if err != nil {
		return err
	}
	return c.JSON(AcceptedView{Org: orgView(org, role), Role: role})
}
