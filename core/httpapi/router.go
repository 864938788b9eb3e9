package httpapi

import (
	"net/http"
	"regexp"
	"strings"

	"github.com/gofiber/fiber/v2"

	"github.com/switchyard/switchyard/core/rbac"
)

// Access says who may call a route.
type Access int

// The kinds of access.
const (
	// Public routes need no credentials.
	Public Access = iota
	// Signed-in routes need a user's access token (API keys are refused).
	SignedIn
	// InOrg routes need a member of the path's organization, or a key of
	// it, holding the route's permission.
	InOrg
	// Platform routes need a platform admin or a platform API key.
	Platform
)

// Route declares one endpoint: the router builds its middleware chain and
// its OpenAPI operation from this one value.
type Route struct {
	Method  string
	Path    string // Fiber syntax under /api/v1, e.g. /orgs/:org/members
	Summary string
	Tag     string
	Access  Access
	// Perm is the permission an InOrg route requires.
	Perm rbac.Permission
	// Body is the request body type (a zero value), nil when there is none.
	Body any
	// Query documents the query parameters.
	Query []QueryParam
	// Status is the success status; 0 means 200.
	Status int
	// Resp is the response body type, nil for an empty response.
	Resp any
	// Raw marks a route whose body is not JSON (WebSocket, proxy, metrics).
	Raw bool
	// Link lets a GET be opened with a link ticket (?ticket=) instead of an
	// Authorization header; see authenticateLink.
	Link    bool
	Handler fiber.Handler
}

// QueryParam documents one query parameter.
type QueryParam struct {
	Name, Description string
	Type              string // "string" or "integer"
}

var pageQuery = []QueryParam{
	{"limit", "page size, 1-200 (default 50)", "integer"},
	{"cursor", "the next_cursor of the previous page", "string"},
}

// router registers routes on a Fiber group and remembers them for the
// OpenAPI document.
type router struct {
	api    *API
	group  fiber.Router
	prefix string
	routes []Route
}

// add registers r with the chain its Access asks for.
func (rt *router) add(r Route) {
	if r.Status == 0 {
		r.Status = http.StatusOK
	}
	if r.Access == InOrg && r.Perm == "" {
		panic("httpapi: org route without a permission: " + r.Path) // a programming error, caught at start
	}
	chain := []fiber.Handler{}
	switch r.Access {
	case SignedIn:
		chain = append(chain, rt.api.authenticate, rt.api.requireUser)
	case InOrg:
		authn := rt.api.authenticate
		if r.Link {
			authn = rt.api.authenticateLink
		}
		chain = append(chain, authn, rt.api.orgGuard(r.Perm))
	case Platform:
		chain = append(chain, rt.api.authenticate, rt.api.requirePlatform)
	}
	chain = append(chain, r.Handler)
	rt.group.Add(r.Method, r.Path, chain...)
	rt.routes = append(rt.routes, r)
}

var fiberParam = regexp.MustCompile(`:([a-zA-Z_]+)\??`)

// openAPIPath turns /orgs/:org into /orgs/{org}.
func openAPIPath(prefix, p string) string {
	if strings.HasSuffix(p, "/*") {
		p = strings.TrimSuffix(p, "/*") + "/{path}"
	}
	return prefix + fiberParam.ReplaceAllString(p, "{$1}")
}
