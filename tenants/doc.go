// Package tenants is Switchyard's tenancy model: organizations (the
// tenants), memberships with roles, invitations, and per-organization quotas.
//
// It is domain code without a web framework: the HTTP layer in core maps its
// sentinel errors to statuses. It imports neither core nor plugins. Storage
// goes through GORM; the permissions that roles grant live in core/rbac,
// which tenants reaches only through the Grants interface so that a role
// change and its policy are written in one transaction.
//
// The rules every caller relies on are enforced here, not in handlers:
// an organization always keeps at least one owner, nobody raises their own
// role or grants a role above their own, an admin cannot change or remove
// an owner, and an invitation is accepted once, before it expires, by the
// invited email only.
//
// A Service is safe for concurrent use.
package tenants
