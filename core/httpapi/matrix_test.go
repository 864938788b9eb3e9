package httpapi_test

import (
	"net/http"
	"sort"
	"strings"
	"testing"

	"github.com/switchyard/switchyard/core/app/apptest"
	"github.com/switchyard/switchyard/core/httpapi"
	"github.com/switchyard/switchyard/core/store"
	"github.com/switchyard/switchyard/core/store/storetest"
)

// minRole is, for every organization-scoped route, the least role that may
// call it. It is written here by hand, apart from the permission table, so
// that a change to either shows up as a failure. A route missing from it
// fails the test.
var minRole = map[string]string{
	"GET /orgs/:org":                         "viewer",
	"PATCH /orgs/:org":                       "admin",
	"DELETE /orgs/:org":                      "owner",
	"GET /orgs/:org/members":                 "viewer",
	"PATCH /orgs/:org/members/:user_id":      "admin",
	"DELETE /orgs/:org/members/:user_id":     "admin",
	"POST /orgs/:org/invitations":            "admin",
	"GET /orgs/:org/invitations":             "admin",
	"DELETE /orgs/:org/invitations/:id":      "admin",
	"GET /orgs/:org/api-keys":                "admin",
	"POST /orgs/:org/api-keys":               "admin",
	"DELETE /orgs/:org/api-keys/:id":         "admin",
	"GET /orgs/:org/events":                  "viewer",
	"POST /orgs/:org/events":                 "admin",
	"GET /orgs/:org/notifications":           "viewer",
	"POST /orgs/:org/notifications/read-all": "viewer",
	"POST /orgs/:org/notifications/:id/read": "viewer",
	"GET /orgs/:org/activity":                "viewer",
	"POST /orgs/:org/ws-ticket":              "viewer",

	// The plugin platform.
	"GET /orgs/:org/plugins":                        "viewer",
	"POST /orgs/:org/plugins":                       "admin",
	"DELETE /orgs/:org/plugins/:name":               "admin",
	"GET /orgs/:org/plugins/:name/config":           "admin",
	"PUT /orgs/:org/plugins/:name/config":           "admin",
	"POST /orgs/:org/plugins/:name/actions/:action": "member",
	"POST /orgs/:org/plugins/:name/jobs":            "member",
	"GET /orgs/:org/plugins/:name/http/*":           "member",
	"POST /orgs/:org/plugins/:name/links":           "member",
	"POST /orgs/:org/plugins/:name/http/*":          "member",
	"PUT /orgs/:org/plugins/:name/http/*":           "member",
	"PATCH /orgs/:org/plugins/:name/http/*":         "member",
	"DELETE /orgs/:org/plugins/:name/http/*":        "member",
	"GET /orgs/:org/jobs":                           "viewer",
	"GET /orgs/:org/jobs/:id":                       "viewer",
	"POST /orgs/:org/jobs/:id/cancel":               "member",
	"POST /orgs/:org/jobs/:id/retry":                "member",
}

var roleRank = map[string]int{"viewer": 1, "member": 2, "admin": 3, "owner": 4}

// TestPermissionMatrix calls every organization-scoped route as every kind
// of caller. Anonymous callers get 401; outsiders (members of another
// organization) get 404 and never another organization's data; members
// below the route's role get 403; the rest get past authorization. Bodies
// are empty objects and IDs do not exist, so an authorized call fails
// validation or finds nothing, and changes nothing, except the owner's
// DELETE of the organization, which runs last.
func TestPermissionMatrix(t *testing.T) {
	for _, engine := range storetest.Engines() {
		t.Run(string(engine), func(t *testing.T) { permissionMatrix(t, engine) })
	}
}

func permissionMatrix(t *testing.T, engine store.Engine) {
	s := apptest.StartEngine(t, engine)
	owner := s.Register(t, "owner")
	s.CreateOrg(t, owner, "acme")
	callers := map[string]*apptest.Client{"anonymous": s.Client(), "owner": s.As(owner)}
	for _, role := range []string{"admin", "member", "viewer"} {
		u := s.Register(t, role)
		s.Join(t, owner, "acme", u, role)
		callers[role] = s.As(u)
	}
	outsider := s.Register(t, "outsider")
	s.CreateOrg(t, outsider, "other")
	callers["outsider"] = s.As(outsider)

	var routes []httpapi.Route
	for _, r := range s.App.API.Routes() {
		if r.Access == httpapi.InOrg {
			routes = append(routes, r)
		}
	}
	sort.SliceStable(routes, func(i, j int) bool {
		// The organization's deletion goes last.
		return !(routes[i].Method == "DELETE" && routes[i].Path == "/orgs/:org") &&
			(routes[j].Method == "DELETE" && routes[j].Path == "/orgs/:org")
	})
	order := []string{"anonymous", "outsider", "viewer", "member", "admin", "owner"}
	for _, r := range routes {
		key := r.Method + " " + r.Path
		need, ok := minRole[key]
		if !ok {
			t.Errorf("route %s has no expected role in the matrix; add it", key)
			continue
		}
		path := "/api/v1" + strings.NewReplacer(":org", "acme", ":user_id", "no-such-user", ":id", "no-such-id").Replace(r.Path)
		var body any
		if r.Body != nil {
			body = map[string]any{}
		}
		for _, who := range order {
			resp := callers[who].Do(t, r.Method, path, body)
			notOrg := !(resp.Status == http.StatusNotFound && strings.Contains(string(resp.Body), "organization not found"))
			switch {
			case who == "anonymous":
				if resp.Status != http.StatusUnauthorized {
					t.Errorf("%s as %s: %d, want 401: %s", key, who, resp.Status, resp.Body)
				}
			case who == "outsider":
				if notOrg {
					t.Errorf("%s as %s: %d, want 404 organization not found: %s", key, who, resp.Status, resp.Body)
				}
				if strings.Contains(string(resp.Body), owner.Email) {
					t.Errorf("%s as %s leaked a member's email", key, who)
				}
			case roleRank[who] < roleRank[need]:
				if resp.Status != http.StatusForbidden {
					t.Errorf("%s as %s: %d, want 403: %s", key, who, resp.Status, resp.Body)
				}
			default:
				if resp.Status == http.StatusUnauthorized || resp.Status == http.StatusForbidden || !notOrg || resp.Status >= 500 {
					t.Errorf("%s as %s: %d, want authorized: %s", key, who, resp.Status, resp.Body)
				}
			}
		}
	}
	for key := range minRole {
		found := false
		for _, r := range routes {
			found = found || r.Method+" "+r.Path == key
		}
		if !found {
			t.Errorf("matrix names %s, which is not a route", key)
		}
	}
}

// TestAPIKeyScope checks that an organization key acts only within its
// permissions and its organization, and never on user-only routes.
func TestAPIKeyScope(t *testing.T) {
	s := apptest.StartEngine(t, store.SQLite)
	owner := s.Register(t, "owner")
	s.CreateOrg(t, owner, "acme")
	s.CreateOrg(t, owner, "beta")
	viewer := s.Register(t, "viewer")
	s.Join(t, owner, "acme", viewer, "viewer")

	created := s.As(owner).Do(t, "POST", "/api/v1/orgs/acme/api-keys", map[string]any{
		"name": "backend", "permissions": []string{"members:read", "events:read"},
	}).Must(t, http.StatusCreated).JSON()
	key := created["key"].(string)
	if !strings.HasPrefix(key, "sy_") || created["prefix"] == "" {
		t.Fatalf("created key = %v", created)
	}
	listed := s.As(owner).Do(t, "GET", "/api/v1/orgs/acme/api-keys", nil).Must(t, http.StatusOK)
	if strings.Contains(string(listed.Body), key) {
		t.Fatal("the key's secret is listed")
	}
	k := s.Client().As(key)
	k.Do(t, "GET", "/api/v1/orgs/acme/members", nil).Must(t, http.StatusOK)
	k.Do(t, "POST", "/api/v1/orgs/acme/invitations", map[string]string{"email": "x@example.com", "role": "viewer"}).Must(t, http.StatusForbidden)
	k.Do(t, "GET", "/api/v1/orgs/beta/members", nil).Must(t, http.StatusNotFound)
	k.Do(t, "GET", "/api/v1/me", nil).Must(t, http.StatusForbidden)
	k.Do(t, "GET", "/api/v1/admin/tenants", nil).Must(t, http.StatusForbidden)

	// Nobody gives a key more than they hold, and some permissions are never for keys.
	s.As(viewer).Do(t, "POST", "/api/v1/orgs/acme/api-keys", map[string]any{"name": "x", "permissions": []string{"events:read"}}).
		Must(t, http.StatusForbidden)
	bad := s.As(owner).Do(t, "POST", "/api/v1/orgs/acme/api-keys", map[string]any{"name": "x", "permissions": []string{"members:invite"}})
	if bad.Status != http.StatusBadRequest || bad.JSON()["error"].(map[string]any)["field"] != "permissions" {
		t.Fatalf("non-grantable permission: %d %s", bad.Status, bad.Body)
	}

	s.As(owner).Do(t, "DELETE", "/api/v1/orgs/acme/api-keys/"+created["id"].(string), nil).Must(t, http.StatusNoContent)
	k.Do(t, "GET", "/api/v1/orgs/acme/members", nil).Must(t, http.StatusUnauthorized)
}
