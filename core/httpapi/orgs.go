package httpapi

import (
	"net/http"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/switchyard/switchyard/core/rbac"
	"github.com/switchyard/switchyard/tenants"
)

// OrgView is an organization as its members see it.
type OrgView struct {
	ID          string          `json:"id"`
	Slug        string          `json:"slug"`
	Name        string          `json:"name"`
	CreatedAt   time.Time       `json:"created_at"`
	Suspended   bool            `json:"suspended"`
	Role        tenants.Role    `json:"role,omitempty"`
	Permissions []string        `json:"permissions,omitempty"`
	Quotas      *tenants.Quotas `json:"quotas,omitempty"`
}

func orgView(o *tenants.Organization, role tenants.Role) OrgView {
	return OrgView{ID: o.ID, Slug: o.Slug, Name: o.Name, CreatedAt: o.CreatedAt, Suspended: o.Suspended(), Role: role}
}

type createOrgRequest struct {
	Slug string `json:"slug" validate:"required,max=63"`
	Name string `json:"name" validate:"required,max=100"`
}

type updateOrgRequest struct {
	Name string `json:"name" validate:"required,max=100"`
}

func (a *API) bindOrgs(r *router) {
	r.add(Route{Method: "GET", Path: "/orgs", Tag: "organizations", Summary: "Organizations the user belongs to",
		Access: SignedIn, Query: pageQuery, Resp: List[OrgView]{}, Handler: a.listOrgs})
	r.add(Route{Method: "POST", Path: "/orgs", Tag: "organizations", Summary: "Create an organization (the creator becomes its owner)",
		Access: SignedIn, Body: createOrgRequest{}, Status: http.StatusCreated, Resp: OrgView{}, Handler: a.createOrg})
	r.add(Route{Method: "GET", Path: "/orgs/:org", Tag: "organizations", Summary: "One organization, with the caller's role and permissions",
		Access: InOrg, Perm: rbac.OrgRead, Resp: OrgView{}, Handler: a.getOrg})
	r.add(Route{Method: "PATCH", Path: "/orgs/:org", Tag: "organizations", Summary: "Rename an organization",
		Access: InOrg, Perm: rbac.OrgUpdate, Body: updateOrgRequest{}, Resp: OrgView{}, Handler: a.updateOrg})
	r.add(Route{Method: "DELETE", Path: "/orgs/:org", Tag: "organizations", Summary: "Delete an organization and everything in it",
		Access: InOrg, Perm: rbac.OrgDelete, Status: http.StatusNoContent, Handler: a.deleteOrg})
}

func (a *API) listOrgs(c *fiber.Ctx) error {
	p, err := page(c)
	if err != nil {
		return err
	}
	orgs, next, err := a.d.Tenants.OrgsOf(c.UserContext(), identityOf(c).UserID, p)
	if err != nil {
		return err
	}
	out := make([]OrgView, 0, len(orgs))
	for i := range orgs {
		out = append(out, orgView(&orgs[i].Organization, orgs[i].Role))
	}
	return c.JSON(list(out, next))
}

func (a *API) createOrg(c *fiber.Ctx) error {
	var req createOrgRequest
	if err := a.decodeJSON(c, &req); err != nil {
		return err
	}
	id := identityOf(c)
	org, err := a.d.Tenants.CreateOrg(c.UserContext(), id.UserID, req.Slug, req.Name)
	if err != nil {
		return err
	}
	v := orgView(org, tenants.RoleOwner)
	v.Permissions = permissionNames(rbac.PermissionsOf(tenants.RoleOwner))
	return c.Status(http.StatusCreated).JSON(v)
}

func (a *API) getOrg(c *fiber.Ctx) error {
	s := scopeOf(c)
	v := orgView(s.Org, s.Role)
	var perms []string
	for _, g := range rbac.Grants() {
		if a.d.RBAC.Can(s.Subject, s.Org.Slug, g.Permission) {
			perms = append(perms, string(g.Permission))
		}
	}
	v.Permissions = perms
	q := s.Org.Quotas(a.d.Tenants.DefaultQuotas())
	v.Quotas = &q
	return c.JSON(v)
}

func (a *API) updateOrg(c *fiber.Ctx) error {
	var req updateOrgRequest
	if err := a.decodeJSON(c, &req); err != nil {
		return err
	}
	s := scopeOf(c)
	org, err := a.d.Tenants.RenameOrg(c.UserContext(), s.Org, identityOf(c).UserID, req.Name)
	if err != nil {
		return err
	}
	return c.JSON(orgView(org, s.Role))
}

func (a *API) deleteOrg(c *fiber.Ctx) error {
	s := scopeOf(c)
	if err := a.d.Tenants.DeleteOrg(c.UserContext(), s.Org, identityOf(c).UserID); err != nil {
		return err
	}
	return c.SendStatus(http.StatusNoContent)
}

func permissionNames(ps []rbac.Permission) []string {
	out := make([]string, len(ps))
	for i, p := range ps {
		out[i] = string(p)
	}
	return out
}
