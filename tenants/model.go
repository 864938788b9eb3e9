package tenants

import "time"

// Organization is a tenant.
type Organization struct {
	ID            string     `gorm:"primaryKey" json:"id"`
	Slug          string     `json:"slug"`
	Name          string     `json:"name"`
	CreatedAt     time.Time  `json:"created_at"`
	UpdatedAt     time.Time  `json:"updated_at"`
	SuspendedAt   *time.Time `json:"suspended_at,omitempty"`
	SuspendReason string     `json:"suspend_reason,omitempty"`

	QuotaMembers      *int `json:"-"`
	QuotaPlugins      *int `json:"-"`
	QuotaSockets      *int `json:"-"`
	QuotaEventsPerSec *int `json:"-"`
}

// TableName is the organizations table.
func (Organization) TableName() string { return "organizations" }

// Suspended reports whether the platform suspended the organization.
func (o *Organization) Suspended() bool { return o.SuspendedAt != nil }

// Membership ties a user to an organization with a role.
type Membership struct {
	OrgID     string `gorm:"primaryKey"`
	UserID    string `gorm:"primaryKey"`
	Role      Role
	CreatedAt time.Time
	UpdatedAt time.Time
}

// TableName is the memberships table.
func (Membership) TableName() string { return "memberships" }

// Member is a membership with the user's public profile.
type Member struct {
	UserID   string    `json:"user_id"`
	Email    string    `json:"email"`
	Name     string    `json:"name"`
	Role     Role      `json:"role"`
	JoinedAt time.Time `json:"joined_at"`
}

// OrgWithRole is an organization as one of its members sees it.
type OrgWithRole struct {
	Organization
	Role Role `json:"role"`
}

// TenantSummary is an organization as the platform admin sees it.
type TenantSummary struct {
	Organization
	Members int `json:"members"`
}

// Invitation asks someone, by email, to join an organization with a role.
// Only a hash of its token is stored.
type Invitation struct {
	ID         string     `gorm:"primaryKey" json:"id"`
	OrgID      string     `json:"-"`
	Email      string     `json:"email"`
	Role       Role       `json:"role"`
	TokenHash  string     `json:"-"`
	InvitedBy  string     `json:"invited_by"`
	CreatedAt  time.Time  `json:"created_at"`
	ExpiresAt  time.Time  `json:"expires_at"`
	AcceptedAt *time.Time `json:"accepted_at,omitempty"`
	AcceptedBy *string    `json:"accepted_by,omitempty"`
	RevokedAt  *time.Time `json:"-"`
}

// TableName is the invitations table.
func (Invitation) TableName() string { return "invitations" }

// Quotas bound what one organization may use. Zero means no limit.
type Quotas struct {
	Members      int `json:"members"`
	Plugins      int `json:"plugins"`
	Sockets      int `json:"sockets"`
	EventsPerSec int `json:"events_per_sec"`
}

// DefaultQuotas are the platform defaults when the operator sets none.
var DefaultQuotas = Quotas{Members: 100, Plugins: 20, Sockets: 1000, EventsPerSec: 1000}

// Quotas resolves the organization's effective quotas over defaults.
func (o *Organization) Quotas(defaults Quotas) Quotas {
	q := defaults
	if o.QuotaMembers != nil {
		q.Members = *o.QuotaMembers
	}
	if o.QuotaPlugins != nil {
		q.Plugins = *o.QuotaPlugins
	}
	if o.QuotaSockets != nil {
		q.Sockets = *o.QuotaSockets
	}
	if o.QuotaEventsPerSec != nil {
		q.EventsPerSec = *o.QuotaEventsPerSec
	}
	return q
}

// Page asks for one page of a list. Cursor is the opaque value a previous
// page returned; Limit is clamped to 1..200 (default 50).
type Page struct {
	Limit  int
	Cursor string
}

func (p Page) limit() int {
	switch {
	case p.Limit <= 0:
		return 50
	case p.Limit > 200:
		return 200
	}
	return p.Limit
}
