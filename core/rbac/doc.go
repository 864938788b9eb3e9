// Package rbac decides what a member or an API key may do in an
// organization, with Casbin: RBAC with domains, one domain per organization
// (its slug), policies stored in the casbin_rule table through the GORM
// adapter.
//
// Permissions.go is the one place that lists what each role may do; the
// README renders that table (a test keeps them equal). Role permissions are
// domain-free policies (p, role, resource, action); a membership is a
// grouping rule (g, user, role, org). An API key holds individual
// permissions: each permission is also a role named "perm:<permission>", so
// a key is grouped into the permission roles it holds, in its own
// organization only. The policy set therefore stays small (roles ×
// permissions), however many organizations, members and keys there are; the
// grouping rules live in Casbin's role manager, a hash map.
//
// Writes happen inside the caller's transaction (WriteRole, DropOrg,
// WriteKeyPermissions, RemoveKey), through an adapter bound to that
// transaction, so a membership and its policy commit together. The
// in-memory enforcer changes only after the commit, when the owner of the
// change calls Reload (on this replica directly, on others through the
// bus); a rolled-back change therefore never grants anything.
//
// An Authorizer is safe for concurrent use.
package rbac
