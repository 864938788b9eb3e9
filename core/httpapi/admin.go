package httpapi

import (
	"context"
	"runtime"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/switchyard/switchyard/core/version"
	"github.com/switchyard/switchyard/tenants"
)

type suspendRequest struct {
	Reason string `json:"reason,omitempty" validate:"max=500"`
}

// TenantView is an organization in the platform admin's list.
type TenantView struct {
	ID            string     `json:"id"`
	Slug          string     `json:"slug"`
	Name          string     `json:"name"`
	Members       int        `json:"members"`
	Suspended     bool       `json:"suspended"`
	SuspendedAt   *time.Time `json:"suspended_at,omitempty"`
	SuspendReason string     `json:"suspend_reason,omitempty"`
	CreatedAt     time.Time  `json:"created_at"`
}

// SystemView is GET /admin/system.
type SystemView struct {
	version.Info
	UptimeSeconds int64             `json:"uptime_seconds"`
	Database      string            `json:"database"`
	DatabaseOK    bool              `json:"database_ok"`
	Goroutines    int               `json:"goroutines"`
	HeapBytes     uint64            `json:"heap_bytes"`
	Users         int64             `json:"users"`
	Policies      map[string]int    `json:"policies"`
	Components    map[string]string `json:"components"`
}

func (a *API) bindAdmin(r *router) {
	r.add(Route{Method: "GET", Path: "/admin/tenants", Tag: "admin", Summary: "Every organization, with member counts",
		Access: Platform, Query: pageQuery, Resp: List[TenantView]{}, Handler: a.listTenants})
	r.add(Route{Method: "POST", Path: "/admin/tenants/:org/suspend", Tag: "admin", Summary: "Suspend an organization: its API calls and sockets are refused",
		Access: Platform, Body: suspendRequest{}, Resp: TenantView{}, Handler: a.suspendTenant(true)})
	r.add(Route{Method: "POST", Path: "/admin/tenants/:org/resume", Tag: "admin", Summary: "Lift a suspension",
		Access: Platform, Resp: TenantView{}, Handler: a.suspendTenant(false)})
	r.add(Route{Method: "GET", Path: "/admin/system", Tag: "admin", Summary: "Build, uptime and health of this replica",
		Access: Platform, Resp: SystemView{}, Handler: a.system})
}

func tenantView(o *tenants.Organization, members int) TenantView {
	return TenantView{ID: o.ID, Slug: o.Slug, Name: o.Name, Members: members, Suspended: o.Suspended(),
		SuspendedAt: o.SuspendedAt, SuspendReason: o.SuspendReason, CreatedAt: o.CreatedAt}
}

func (a *API) listTenants(c *fiber.Ctx) error {
	p, err := page(c)
	if err != nil {
		return err
	}
	rows, next, err := a.d.Tenants.ListTenants(c.UserContext(), p)
	if err != nil {
		return err
	}
	out := make([]TenantView, 0, len(rows))
	for i := range rows {
		out = append(out, tenantView(&rows[i].Organization, rows[i].Members))
	}
	return c.JSON(list(out, next))
}

func (a *API) suspendTenant(suspend bool) fiber.Handler {
	return func(c *fiber.Ctx) error {
		var req suspendRequest
		if suspend && len(c.Body()) > 0 {
			if err := a.decodeJSON(c, &req); err != nil {
				return err
			}
		}
		slug := param(c, "org")
		if !tenants.ValidSlug(slug) {
			return errNotFoundOrg
		}
		org, err := a.d.Tenants.SetSuspended(c.UserContext(), slug, suspend, req.Reason, identityOf(c).UserID)
		if err != nil {
			return err
		}
		return c.JSON(tenantView(org, 0))
	}
}

func (a *API) system(c *fiber.Ctx) error {
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	ctx, cancel := context.WithTimeout(c.UserContext(), 2*time.Second)
	defer cancel()
	users, _ := a.d.Auth.CountUsers(ctx)
	p, g := a.d.RBAC.PolicyCount()
	comps := map[string]string{}
	for _, rc := range a.d.Ready {
		if err := rc.Check(ctx); err != nil {
			comps[rc.Name] = err.Error()
		} else {
			comps[rc.Name] = "ok"
		}
	}
	return c.JSON(SystemView{
		Info: version.Get(), UptimeSeconds: int64(time.Since(a.started) / time.Second),
		Database: string(a.d.DB.Engine), DatabaseOK: a.d.DB.Ping(ctx) == nil,
		Goroutines: runtime.NumGoroutine(), HeapBytes: ms.HeapAlloc, Users: users,
		Policies: map[string]int{"role_policies": p, "grouping_rules": g}, Components: comps,
	})
}
