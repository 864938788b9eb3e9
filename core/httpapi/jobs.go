package httpapi

import (
	"net/http"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/switchyard/switchyard/core/jobs"
	"github.com/switchyard/switchyard/core/rbac"
	"github.com/switchyard/switchyard/sdk/grpcplugin"
)

// JobItem is a job in a list.
type JobItem struct {
	ID             string      `json:"id"`
	Plugin         string      `json:"plugin"`
	Kind           string      `json:"kind"`
	Status         jobs.Status `json:"status"`
	Progress       int         `json:"progress"`
	ProcessedItems int64       `json:"processed_items"`
	TotalItems     int64       `json:"total_items"`
	Error          string      `json:"error"`
	Attempts       int         `json:"attempts"`
	Retryable      bool        `json:"retryable"`
	CreatedAt      time.Time   `json:"created_at"`
	UpdatedAt      time.Time   `json:"updated_at"`
}

func (a *API) bindJobs(r *router) {
	r.add(Route{Method: "GET", Path: "/orgs/:org/jobs", Tag: "jobs", Summary: "The organization's jobs, newest first",
		Access: InOrg, Perm: rbac.JobsRead, Resp: List[JobItem]{}, Handler: a.listJobs,
		Query: append([]QueryParam{
			{"plugin", "only this plugin's jobs", "string"},
			{"status", "only jobs in this status: queued, running, succeeded, failed or cancelled", "string"},
		}, pageQuery...)})
	r.add(Route{Method: "GET", Path: "/orgs/:org/jobs/:id", Tag: "jobs", Summary: "One job, with its input and result",
		Access: InOrg, Perm: rbac.JobsRead, Resp: jobs.Job{}, Handler: a.getJob})
	r.add(Route{Method: "POST", Path: "/orgs/:org/jobs/:id/cancel", Tag: "jobs", Summary: "Cancel a job (it reports cancelled once its plugin stopped it)",
		Access: InOrg, Perm: rbac.JobsRun, Resp: jobs.Job{}, Handler: a.cancelJob})
	r.add(Route{Method: "POST", Path: "/orgs/:org/jobs/:id/retry", Tag: "jobs", Summary: "Start a new attempt of a failed or cancelled job",
		Access: InOrg, Perm: rbac.JobsRun, Status: http.StatusAccepted, Resp: jobs.Job{}, Handler: a.retryJob})
}

func (a *API) listJobs(c *fiber.Ctx) error {
	p, err := page(c)
	if err != nil {
		return err
	}
	f := jobs.Filter{Plugin: c.Query("plugin"), Status: jobs.Status(c.Query("status"))}
	if f.Status != "" && !f.Status.Valid() {
		return fieldErr("status", "must be queued, running, succeeded, failed or cancelled")
	}
	if len(f.Plugin) > 63 {
		return fieldErr("plugin", "is not a plugin name")
	}
	list0, next, err := a.d.Jobs.List(c.UserContext(), scopeOf(c).Org.ID, f, p.Limit, p.Cursor)
	if err != nil {
		return err
	}
	items := make([]JobItem, 0, len(list0))
	for _, j := range list0 {
		items = append(items, JobItem{ID: j.ID, Plugin: j.Plugin, Kind: j.Kind, Status: j.Status, Progress: j.Progress,
			ProcessedItems: j.ProcessedItems, TotalItems: j.TotalItems, Error: j.Error, Attempts: j.Attempts,
			Retryable: j.Retryable, CreatedAt: j.CreatedAt, UpdatedAt: j.UpdatedAt})
	}
	return c.JSON(list(items, next))
}

func (a *API) getJob(c *fiber.Ctx) error {
	j, err := a.d.Jobs.Get(c.UserContext(), scopeOf(c).Org.ID, param(c, "id"))
	if err != nil {
		return err
	}
	return c.JSON(j)
}

// requireJobPermission checks, besides jobs:run, the permission the job's
// action names in its plugin's manifest (when the plugin has started).
func (a *API) requireJobPermission(c *fiber.Ctx, s *OrgScope, id string) error {
	j, err := a.d.Jobs.Get(c.UserContext(), s.Org.ID, id)
	if err != nil {
		return err
	}
	pl, err := a.d.Plugins.Manifest(s.Org.ID, j.Plugin)
	if err != nil {
		return nil // not installed or not started: jobs:run decides
	}
	if act, ok := pl.Action(j.Kind); ok {
		return a.requireActionPermission(s, j.Plugin, act)
	}
	return nil
}

func (a *API) cancelJob(c *fiber.Ctx) error {
	s := scopeOf(c)
	if err := a.requireJobPermission(c, s, param(c, "id")); err != nil {
		return err
	}
	j, err := a.d.Jobs.Cancel(c.UserContext(), grpcplugin.Tenant{ID: s.Org.ID, Slug: s.Org.Slug}, param(c, "id"))
	if err != nil {
		return err
	}
	return c.JSON(j)
}

func (a *API) retryJob(c *fiber.Ctx) error {
	s, id := scopeOf(c), identityOf(c)
	if err := a.requireJobPermission(c, s, param(c, "id")); err != nil {
		return err
	}
	j, err := a.d.Jobs.Retry(c.UserContext(), grpcplugin.Tenant{ID: s.Org.ID, Slug: s.Org.Slug}, param(c, "id"), pluginActor(id, s))
	if err != nil {
		return err
	}
	return c.Status(http.StatusAccepted).JSON(j)
}
