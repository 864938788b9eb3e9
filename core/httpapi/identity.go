package httpapi

import (
	"net/http"
	"strings"

	"github.com/gofiber/fiber/v2"

	"github.com/switchyard/switchyard/core/auth"
	"github.com/switchyard/switchyard/core/rbac"
	"github.com/switchyard/switchyard/tenants"
)

// Identity is who is calling: a user (by access token or link ticket) or
// an API key.
type Identity struct {
	UserID    string
	SessionID string
	Claims    *auth.Claims
	Key       *auth.APIKey
	// Link is set when a link ticket stood in for the access token.
	Link bool
}

// Subject is the policy subject of the caller.
func (id *Identity) Subject() string {
	if id.Key != nil {
		return rbac.KeySubject(id.Key.ID)
	}
	return id.UserID
}

// OrgScope is the organization an InOrg route acts on, and the caller's
// standing in it.
type OrgScope struct {
	Org     *tenants.Organization
	Role    tenants.Role // empty for an API key
	Subject string
}

// Actor is the caller as the tenancy rules see them.
func (s *OrgScope) Actor(id *Identity) tenants.Actor {
	return tenants.Actor{UserID: id.UserID, Role: s.Role}
}

type localKey int

const (
	identityKey localKey = iota
	scopeKey
	requestIDKey
)

func identityOf(c *fiber.Ctx) *Identity {
	id, _ := c.Locals(identityKey).(*Identity)
	return id
}

func scopeOf(c *fiber.Ctx) *OrgScope {
	s, _ := c.Locals(scopeKey).(*OrgScope)
	return s
}

var (
	errNoCredentials = apiErr(http.StatusUnauthorized, "unauthenticated", "sign in: send Authorization: Bearer <access token or API key>")
	errKeyNotAllowed = apiErr(http.StatusForbidden, "forbidden", "API keys cannot call this endpoint; use a user's access token")
)

// authenticate reads the bearer credential: an API key (sy_…) or an access
// token. It puts the Identity in the context or answers 401.
func (a *API) authenticate(c *fiber.Ctx) error {
	h := c.Get(fiber.HeaderAuthorization)
	scheme, token, ok := strings.Cut(h, " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") || token == "" {
		c.Set(fiber.HeaderWWWAuthenticate, `Bearer realm="switchyard"`)
		return errNoCredentials
	}
	token = strings.TrimSpace(token)
	if strings.HasPrefix(token, auth.APIKeyPrefix) {
		key, err := a.d.Auth.VerifyAPIKey(c.UserContext(), token)
		if err != nil {
			return err
		}
		c.Locals(identityKey, &Identity{Key: key})
		return c.Next()
	}
	claims, err := a.d.Auth.VerifyAccess(token)
	if err != nil {
		c.Set(fiber.HeaderWWWAuthenticate, `Bearer realm="switchyard", error="invalid_token"`)
		return err
	}
	c.Locals(identityKey, &Identity{UserID: claims.Subject, SessionID: claims.SessionID, Claims: claims})
	return c.Next()
}

func (a *API) requireUser(c *fiber.Ctx) error {
	if identityOf(c).Key != nil {
		return errKeyNotAllowed
	}
	return c.Next()
}

// orgGuard resolves the path's organization and checks the caller's
// permission in it. Outsiders get 404 (the organization's existence is not
// revealed); members without the permission get 403; a suspended
// organization refuses its members.
func (a *API) orgGuard(perm rbac.Permission) fiber.Handler {
	return func(c *fiber.Ctx) error {
		id := identityOf(c)
		org, err := a.resolver.BySlug(c.UserContext(), c.Params("org"))
		if err != nil {
			if isNotFound(err) {
				return errNotFoundOrg
			}
			return err
		}
		scope := &OrgScope{Org: org, Subject: id.Subject()}
		if id.Key != nil {
			if id.Key.OrgID == nil || *id.Key.OrgID != org.ID {
				return errNotFoundOrg
			}
		} else {
			role, member := a.d.RBAC.RoleOf(id.UserID, org.Slug)
			if !member {
				return errNotFoundOrg
			}
			scope.Role = role
		}
		if org.Suspended() {
			return apiErr(http.StatusForbidden, "org_suspended", "this organization is suspended; contact the platform operator")
		}
		if !a.d.RBAC.Can(scope.Subject, org.Slug, perm) {
			who := "this API key"
			if scope.Role != "" {
				who = "your role (" + string(scope.Role) + ")"
			}
			return apiErr(http.StatusForbidden, "forbidden", who+" does not allow "+string(perm))
		}
		c.Locals(scopeKey, scope)
		return c.Next()
	}
}

// requirePlatform admits platform admins and platform API keys.
func (a *API) requirePlatform(c *fiber.Ctx) error {
	id := identityOf(c)
	if id.Key != nil {
		if !id.Key.Platform() {
			return apiErr(http.StatusForbidden, "forbidden", "this endpoint needs a platform API key")
		}
		return c.Next()
	}
	u, err := a.d.Auth.User(c.UserContext(), id.UserID)
	if err != nil {
		if isNotFound(err) {
			return errNoCredentials
		}
		return err
	}
	if !u.PlatformAdmin {
		return apiErr(http.StatusForbidden, "forbidden", "this endpoint is for platform admins")
	}
	return c.Next()
}
