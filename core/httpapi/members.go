package httpapi

import (
	"net/http"

	"github.com/gofiber/fiber/v2"

	"github.com/switchyard/switchyard/core/rbac"
	"github.com/switchyard/switchyard/tenants"
)

type changeRoleRequest struct {
	Role tenants.Role `json:"role" validate:"required,oneof=owner admin member viewer"`
}

func (a *API) bindMembers(r *router) {
	r.add(Route{Method: "GET", Path: "/orgs/:org/members", Tag: "members", Summary: "Members of the organization, by email",
		Access: InOrg, Perm: rbac.MembersRead, Query: pageQuery, Resp: List[tenants.Member]{}, Handler: a.listMembers})
	r.add(Route{Method: "PATCH", Path: "/orgs/:org/members/:user_id", Tag: "members", Summary: "Change a member's role",
		Access: InOrg, Perm: rbac.MembersUpdate, Body: changeRoleRequest{}, Resp: tenants.Member{}, Handler: a.changeRole})
	// Leaving needs only membership; removing someone else needs
	// members:remove, checked in the handler.
	r.add(Route{Method: "DELETE", Path: "/orgs/:org/members/:user_id", Tag: "members", Summary: "Remove a member, or leave (your own user_id)",
		Access: InOrg, Perm: rbac.OrgRead, Status: http.StatusNoContent, Handler: a.removeMember})
}

func (a *API) listMembers(c *fiber.Ctx) error {
	p, err := page(c)
	if err != nil {
		return err
	}
	members, next, err := a.d.Tenants.Members(c.UserContext(), scopeOf(c).Org.ID, p)
	if err != nil {
		return err
	}
	return c.JSON(list(members, next))
}

func (a *API) changeRole(c *fiber.Ctx) error {
	var req changeRoleRequest
	if err := a.decodeJSON(c, &req); err != nil {
		return err
	}
	s, id := scopeOf(c), identityOf(c)
	if id.Key != nil {
		return errKeyNotAllowed
	}
	m, err := a.d.Tenants.ChangeRole(c.UserContext(), s.Org, s.Actor(id), param(c, "user_id"), req.Role)
	if err != nil {
		return err
	}
	return c.JSON(m)
}

func (a *API) removeMember(c *fiber.Ctx) error {
	s, id := scopeOf(c), identityOf(c)
	if id.Key != nil {
		return errKeyNotAllowed
	}
	target := param(c, "user_id")
	if target != id.UserID && !a.d.RBAC.Can(s.Subject, s.Org.Slug, rbac.MembersRemove) {
		return apiErr(http.StatusForbidden, "forbidden", "your role ("+string(s.Role)+") does not allow members:remove")
	}
	if err := a.d.Tenants.RemoveMember(c.UserContext(), s.Org, s.Actor(id), target); err != nil {
		return err
	}
	return c.SendStatus(http.StatusNoContent)
}
