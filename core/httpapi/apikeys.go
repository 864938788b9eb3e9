package httpapi

import (
	"net/http"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/switchyard/switchyard/core/auth"
	"github.com/switchyard/switchyard/core/rbac"
)

type createKeyRequest struct {
	Name        string     `json:"name" validate:"required,max=100"`
	Permissions []string   `json:"permissions" validate:"required,min=1,max=32,dive,max=64"`
	ExpiresAt   *time.Time `json:"expires_at,omitempty"`
}

// APIKeyView is an API key without its secret.
type APIKeyView struct {
	ID          string     `json:"id"`
	Name        string     `json:"name"`
	Prefix      string     `json:"prefix"`
	Permissions []string   `json:"permissions"`
	CreatedBy   string     `json:"created_by"`
	CreatedAt   time.Time  `json:"created_at"`
	LastUsedAt  *time.Time `json:"last_used_at"`
	ExpiresAt   *time.Time `json:"expires_at"`
}

// CreatedKeyView carries the secret, shown this once.
type CreatedKeyView struct {
	APIKeyView
	Key string `json:"key"`
}

func keyView(k *auth.APIKey) APIKeyView {
	return APIKeyView{ID: k.ID, Name: k.Name, Prefix: k.Prefix, Permissions: k.PermissionList(),
		CreatedBy: k.CreatedBy, CreatedAt: k.CreatedAt, LastUsedAt: k.LastUsedAt, ExpiresAt: k.ExpiresAt}
}

func (a *API) bindAPIKeys(r *router) {
	r.add(Route{Method: "GET", Path: "/orgs/:org/api-keys", Tag: "api-keys", Summary: "The organization's API keys (without secrets)",
		Access: InOrg, Perm: rbac.APIKeysRead, Resp: List[APIKeyView]{}, Handler: a.listKeys})
	r.add(Route{Method: "POST", Path: "/orgs/:org/api-keys", Tag: "api-keys", Summary: "Create an API key; its secret is returned once",
		Access: InOrg, Perm: rbac.APIKeysManage, Body: createKeyRequest{}, Status: http.StatusCreated, Resp: CreatedKeyView{}, Handler: a.createKey})
	r.add(Route{Method: "DELETE", Path: "/orgs/:org/api-keys/:id", Tag: "api-keys", Summary: "Revoke an API key",
		Access: InOrg, Perm: rbac.APIKeysManage, Status: http.StatusNoContent, Handler: a.revokeKey})
}

func (a *API) listKeys(c *fiber.Ctx) error {
	keys, err := a.d.Auth.APIKeys(c.UserContext(), scopeOf(c).Org.ID)
	if err != nil {
		return err
	}
	out := make([]APIKeyView, 0, len(keys))
	for i := range keys {
		out = append(out, keyView(&keys[i]))
	}
	return c.JSON(list(out, ""))
}

func (a *API) createKey(c *fiber.Ctx) error {
	var req createKeyRequest
	if err := a.decodeJSON(c, &req); err != nil {
		return err
	}
	s, id := scopeOf(c), identityOf(c)
	if id.Key != nil {
		return errKeyNotAllowed
	}
	perms, err := rbac.ParseKeyPermissions(req.Permissions)
	if err != nil {
		return err
	}
	// Nobody hands a key more than they hold themselves.
	for _, p := range perms {
		if !a.d.RBAC.Can(s.Subject, s.Org.Slug, p) {
			return &Error{Status: http.StatusForbidden, Code: "role_escalation", Field: "permissions",
				Message: "you cannot give a key " + string(p) + ", which your role does not hold"}
		}
	}
	k, secret, err := a.d.Auth.CreateAPIKey(c.UserContext(), auth.NewAPIKey{
		OrgID: s.Org.ID, OrgSlug: s.Org.Slug, Name: req.Name, Permissions: permissionNames(perms),
		CreatedBy: id.UserID, ExpiresAt: req.ExpiresAt,
	})
	if err != nil {
		return err
	}
	return c.Status(http.StatusCreated).JSON(CreatedKeyView{APIKeyView: keyView(k), Key: secret})
}

func (a *API) revokeKey(c *fiber.Ctx) error {
	s := scopeOf(c)
	if err := a.d.Auth.RevokeAPIKey(c.UserContext(), s.Org.ID, s.Org.Slug, param(c, "id")); err != nil {
		return err
	}
	return c.SendStatus(http.StatusNoContent)
}
