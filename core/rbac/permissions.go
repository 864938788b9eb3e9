package rbac

import (
	"fmt"
	"strings"

	"github.com/switchyard/switchyard/tenants"
)

// Permission is "resource:action".
type Permission string

// Resource and Action split a permission.
func (p Permission) split() (resource, action string) {
	resource, action, _ = strings.Cut(string(p), ":")
	return resource, action
}

// The permissions of an organization.
const (
	OrgRead           Permission = "org:read"
	OrgUpdate         Permission = "org:update"
	OrgDelete         Permission = "org:delete"
	MembersRead       Permission = "members:read"
	MembersInvite     Permission = "members:invite"
	MembersUpdate     Permission = "members:update"
	MembersRemove     Permission = "members:remove"
	APIKeysRead       Permission = "apikeys:read"
	APIKeysManage     Permission = "apikeys:manage"
	PluginsRead       Permission = "plugins:read"
	PluginsInstall    Permission = "plugins:install"
	PluginsConfigure  Permission = "plugins:configure"
	PluginsInvoke     Permission = "plugins:invoke"
	JobsRead          Permission = "jobs:read"
	JobsRun           Permission = "jobs:run"
	EventsRead        Permission = "events:read"
	EventsPublish     Permission = "events:publish"
	NotificationsRead Permission = "notifications:read"
	RealtimeConnect   Permission = "realtime:connect"
)

// Grant says which roles hold a permission.
type Grant struct {
	Permission  Permission
	Description string
	Roles       []tenants.Role
	// KeyGrantable: an API key may be given this permission.
	KeyGrantable bool
}

var (
	everyone  = []tenants.Role{tenants.RoleOwner, tenants.RoleAdmin, tenants.RoleMember, tenants.RoleViewer}
	members   = []tenants.Role{tenants.RoleOwner, tenants.RoleAdmin, tenants.RoleMember}
	admins    = []tenants.Role{tenants.RoleOwner, tenants.RoleAdmin}
	ownerOnly = []tenants.Role{tenants.RoleOwner}
)

// Grants is the permission table: what each role may do. It is the single
// source; policies, the README table and the API's permission lists all
// derive from it.
func Grants() []Grant {
	return []Grant{
		{OrgRead, "see the organization", everyone, true},
		{OrgUpdate, "rename the organization", admins, false},
		{OrgDelete, "delete the organization", ownerOnly, false},
		{MembersRead, "list members", everyone, true},
		{MembersInvite, "invite people (up to the inviter's own role)", admins, false},
		{MembersUpdate, "change members' roles (an admin cannot touch an owner)", admins, false},
		{MembersRemove, "remove members (an admin cannot remove an owner)", admins, false},
		{APIKeysRead, "list API keys", admins, false},
		{APIKeysManage, "create and revoke API keys", admins, false},
		{PluginsRead, "see installed plugins and the marketplace", everyone, true},
		{PluginsInstall, "install, upgrade and uninstall plugins", admins, false},
		{PluginsConfigure, "change a plugin's configuration", admins, true},
		{PluginsInvoke, "invoke plugin actions and plugin pages", members, true},
		{JobsRead, "see jobs and their progress", everyone, true},
		{JobsRun, "start, cancel and retry jobs", members, true},
		{EventsRead, "read event history and activity", everyone, true},
		{EventsPublish, "publish custom.*, notification and alert events", admins, true},
		{NotificationsRead, "read and mark notifications", everyone, false},
		{RealtimeConnect, "open the real-time socket", everyone, false},
	}
}

// Lookup returns the grant of a permission.
func Lookup(p Permission) (Grant, bool) {
	for _, g := range Grants() {
		if g.Permission == p {
			return g, true
		}
	}
	return Grant{}, false
}

// RoleHas reports whether role holds p according to the table.
func RoleHas(role tenants.Role, p Permission) bool {
	g, ok := Lookup(p)
	if !ok {
		return false
	}
	for _, r := range g.Roles {
		if r == role {
			return true
		}
	}
	return false
}

// PermissionsOf lists what role may do, in table order.
func PermissionsOf(role tenants.Role) []Permission {
	var out []Permission
	for _, g := range Grants() {
		if RoleHas(role, g.Permission) {
			out = append(out, g.Permission)
		}
	}
	return out
}

// ParseKeyPermissions validates the permissions requested for an API key.
func ParseKeyPermissions(in []string) ([]Permission, error) {
	if len(in) == 0 {
		return nil, fmt.Errorf("%w: at least one permission is required", ErrBadPermission)
	}
	seen := map[Permission]bool{}
	var out []Permission
	for _, s := range in {
		p := Permission(s)
		g, ok := Lookup(p)
		if !ok || !g.KeyGrantable {
			return nil, fmt.Errorf("%w: %q cannot be given to an API key", ErrBadPermission, truncate(s, 40))
		}
		if !seen[p] {
			seen[p] = true
			out = append(out, p)
		}
	}
	return out, nil
}

// Markdown renders the permission table for the README.
func Markdown() string {
	var b strings.Builder
	b.WriteString("| permission | what it allows | owner | admin | member | viewer | API key |\n")
	b.WriteString("| --- | --- | :-: | :-: | :-: | :-: | :-: |\n")
	mark := func(ok bool) string {
		if ok {
			return "✓"
		}
		return ""
	}
	for _, g := range Grants() {
		fmt.Fprintf(&b, "| `%s` | %s |", g.Permission, g.Description)
		for _, r := range tenants.Roles {
			fmt.Fprintf(&b, " %s |", mark(RoleHas(r, g.Permission)))
		}
		fmt.Fprintf(&b, " %s |\n", mark(g.KeyGrantable))
	}
	return b.String()
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}
