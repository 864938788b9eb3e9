package tenants

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"net/mail"
	"strings"
	"sync"
	"time"

	"github.com/google/uuid"
	"gorm.io/gorm"
	"gorm.io/gorm/clause"
)

// Grants mirrors roles into the permission store. Its writes run inside the
// Service's transaction, so a membership and its policy commit together.
type Grants interface {
	// WriteRole gives userID exactly role in org (the slug); an empty role
	// removes every role the user holds there.
	WriteRole(tx *gorm.DB, org, userID string, role Role) error
	// DropOrg removes every policy of the organization.
	DropOrg(tx *gorm.DB, org string) error
}

// ChangeKind names a committed change.
type ChangeKind string

// The changes a Service reports to its observers.
const (
	OrgCreated        ChangeKind = "org.created"
	OrgUpdated        ChangeKind = "org.updated"
	OrgDeleted        ChangeKind = "org.deleted"
	OrgSuspended      ChangeKind = "org.suspended"
	OrgResumed        ChangeKind = "org.resumed"
	MemberAdded       ChangeKind = "member.added"
	MemberRoleChanged ChangeKind = "member.role_changed"
	MemberRemoved     ChangeKind = "member.removed"
)

// Change describes a committed change, for the parts of the platform that
// react to one (policy caches, open sockets, the activity feed).
type Change struct {
	Kind         ChangeKind
	OrgID        string
	OrgSlug      string
	UserID       string // the member concerned, if any
	Role         Role   // the member's role after the change
	PreviousRole Role   // the member's role before it
	ActorID      string // who made the change
}

// Actor is the member acting on an organization.
type Actor struct {
	UserID string
	Role   Role
}

// Config tunes a Service.
type Config struct {
	// Quotas are the defaults for organizations without overrides;
	// the zero value means DefaultQuotas.
	Quotas Quotas
	// InvitationTTL is how long an invitation stays valid; zero means 7 days.
	InvitationTTL time.Duration
	// Now returns the current time; nil means time.Now.
	Now func() time.Time
}

// Service manages organizations, memberships and invitations.
type Service struct {
	db     *gorm.DB
	grants Grants
	cfg    Config

	mu        sync.RWMutex
	observers []func(context.Context, Change)
	members   *memberCache
}

// NewService returns a Service over db; grants receives every role change.
func NewService(db *gorm.DB, grants Grants, cfg Config) *Service {
	if cfg.Quotas == (Quotas{}) {
		cfg.Quotas = DefaultQuotas
	}
	if cfg.InvitationTTL <= 0 {
		cfg.InvitationTTL = 7 * 24 * time.Hour
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	return &Service{db: db, grants: grants, cfg: cfg, members: newMemberCache(30 * time.Second)}
}

// Observe registers fn to run after every committed change, in order, on
// the goroutine that made it. fn must not block for long.
func (s *Service) Observe(fn func(context.Context, Change)) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.observers = append(s.observers, fn)
}

func (s *Service) notify(ctx context.Context, c Change) {
	switch c.Kind {
	case MemberAdded, MemberRoleChanged, MemberRemoved, OrgDeleted:
		s.members.forget(c.OrgID)
	}
	s.mu.RLock()
	obs := s.observers
	s.mu.RUnlock()
	for _, fn := range obs {
		fn(ctx, c)
	}
}

func (s *Service) now() time.Time { return s.cfg.Now().UTC() }

// DefaultQuotas returns the quotas organizations get without overrides.
func (s *Service) DefaultQuotas() Quotas { return s.cfg.Quotas }

// CreateOrg creates an organization whose creator becomes its owner.
func (s *Service) CreateOrg(ctx context.Context, creatorID, slug, name string) (*Organization, error) {
	if err := checkSlug(slug); err != nil {
		return nil, err
	}
	name, err := checkName("name", name)
	if err != nil {
		return nil, err
	}
	now := s.now()
	org := &Organization{ID: uuid.Must(uuid.NewV7()).String(), Slug: slug, Name: name, CreatedAt: now, UpdatedAt: now}
	err = s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if err := tx.Create(org).Error; err != nil {
			if errors.Is(err, gorm.ErrDuplicatedKey) {
				return ErrSlugTaken
			}
			return err
		}
		m := Membership{OrgID: org.ID, UserID: creatorID, Role: RoleOwner, CreatedAt: now, UpdatedAt: now}
		if err := tx.Create(&m).Error; err != nil {
			return err
		}
		return s.grants.WriteRole(tx, org.Slug, creatorID, RoleOwner)
	})
	if err != nil {
		return nil, wrap("create organization", err)
	}
	s.notify(ctx, Change{Kind: OrgCreated, OrgID: org.ID, OrgSlug: slug, UserID: creatorID, Role: RoleOwner, ActorID: creatorID})
	return org, nil
}

// OrgBySlug finds an organization by slug.
func (s *Service) OrgBySlug(ctx context.Context, slug string) (*Organization, error) {
	if !ValidSlug(slug) {
		return nil, ErrNotFound
	}
	var org Organization
	err := s.db.WithContext(ctx).Where("slug = ?", slug).Take(&org).Error
	if err != nil {
		return nil, wrap("find organization", err)
	}
	return &org, nil
}

// OrgByID finds an organization by ID.
func (s *Service) OrgByID(ctx context.Context, id string) (*Organization, error) {
	var org Organization
	if err := s.db.WithContext(ctx).Where("id = ?", id).Take(&org).Error; err != nil {
		return nil, wrap("find organization", err)
	}
	return &org, nil
}

// OrgsOf lists the organizations userID belongs to, by slug.
func (s *Service) OrgsOf(ctx context.Context, userID string, p Page) ([]OrgWithRole, string, error) {
	after, err := decodeCursor(p.Cursor)
	if err != nil {
		return nil, "", err
	}
	var rows []OrgWithRole
	q := s.db.WithContext(ctx).Table("organizations AS o").
		Select("o.*, m.role AS role").
		Joins("JOIN memberships m ON m.org_id = o.id AND m.user_id = ?", userID).
		Order("o.slug").Limit(p.limit() + 1)
	if after != "" {
		q = q.Where("o.slug > ?", after)
	}
	if err := q.Scan(&rows).Error; err != nil {
		return nil, "", wrap("list organizations", err)
	}
	rows, next := paginate(rows, p.limit(), func(o OrgWithRole) string { return o.Slug })
	return rows, next, nil
}

// ListTenants lists every organization with its member count, by slug (the
// platform admin's view).
func (s *Service) ListTenants(ctx context.Context, p Page) ([]TenantSummary, string, error) {
	after, err := decodeCursor(p.Cursor)
	if err != nil {
		return nil, "", err
	}
	var rows []TenantSummary
	q := s.db.WithContext(ctx).Table("organizations AS o").
		Select("o.*, (SELECT COUNT(*) FROM memberships m WHERE m.org_id = o.id) AS members").
		Order("o.slug").Limit(p.limit() + 1)
	if after != "" {
		q = q.Where("o.slug > ?", after)
	}
	if err := q.Scan(&rows).Error; err != nil {
		return nil, "", wrap("list tenants", err)
	}
	rows, next := paginate(rows, p.limit(), func(o TenantSummary) string { return o.Slug })
	return rows, next, nil
}

// RenameOrg changes an organization's display name.
func (s *Service) RenameOrg(ctx context.Context, org *Organization, actorID, name string) (*Organization, error) {
	name, err := checkName("name", name)
	if err != nil {
		return nil, err
	}
	now := s.now()
	res := s.db.WithContext(ctx).Model(&Organization{}).Where("id = ?", org.ID).
		Updates(map[string]any{"name": name, "updated_at": now})
	if res.Error != nil {
		return nil, wrap("rename organization", res.Error)
	}
	if res.RowsAffected == 0 {
		return nil, ErrNotFound
	}
	updated := *org
	updated.Name, updated.UpdatedAt = name, now
	s.notify(ctx, Change{Kind: OrgUpdated, OrgID: org.ID, OrgSlug: org.Slug, ActorID: actorID})
	return &updated, nil
}

// DeleteOrg removes an organization with its memberships, invitations,
// API keys and policies.
func (s *Service) DeleteOrg(ctx context.Context, org *Organization, actorID string) error {
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		res := tx.Where("id = ?", org.ID).Delete(&Organization{})
		if res.Error != nil {
			return res.Error
		}
		if res.RowsAffected == 0 {
			return ErrNotFound
		}
		return s.grants.DropOrg(tx, org.Slug)
	})
	if err != nil {
		return wrap("delete organization", err)
	}
	s.notify(ctx, Change{Kind: OrgDeleted, OrgID: org.ID, OrgSlug: org.Slug, ActorID: actorID})
	return nil
}

// SetSuspended suspends or resumes an organization. A suspended
// organization's API calls and sockets are refused.
func (s *Service) SetSuspended(ctx context.Context, slug string, suspended bool, reason, actorID string) (*Organization, error) {
	org, err := s.OrgBySlug(ctx, slug)
	if err != nil {
		return nil, err
	}
	updates := map[string]any{"suspended_at": nil, "suspend_reason": "", "updated_at": s.now()}
	kind := OrgResumed
	if suspended {
		if reason, err = checkReason(reason); err != nil {
			return nil, err
		}
		updates["suspended_at"], updates["suspend_reason"] = s.now(), reason
		kind = OrgSuspended
	}
	if err := s.db.WithContext(ctx).Model(&Organization{}).Where("id = ?", org.ID).Updates(updates).Error; err != nil {
		return nil, wrap("suspend organization", err)
	}
	s.notify(ctx, Change{Kind: kind, OrgID: org.ID, OrgSlug: org.Slug, ActorID: actorID})
	return s.OrgBySlug(ctx, slug)
}

func checkReason(s string) (string, error) {
	s = strings.TrimSpace(s)
	if len(s) > 500 {
		return "", invalid("reason", "must be at most 500 characters")
	}
	return s, nil
}

// Membership returns userID's membership in org, or ErrNotFound.
func (s *Service) Membership(ctx context.Context, orgID, userID string) (*Membership, error) {
	var m Membership
	if err := s.db.WithContext(ctx).Where("org_id = ? AND user_id = ?", orgID, userID).Take(&m).Error; err != nil {
		return nil, wrap("find membership", err)
	}
	return &m, nil
}

// ForgetMembers drops the cached member list of an organization (another
// replica changed its memberships).
func (s *Service) ForgetMembers(orgID string) { s.members.forget(orgID) }

// Members lists an organization's members by email. The first page of the
// default size is served from a cache kept exact by membership changes.
func (s *Service) Members(ctx context.Context, orgID string, p Page) ([]Member, string, error) {
	after, err := decodeCursor(p.Cursor)
	if err != nil {
		return nil, "", err
	}
	firstPage := after == "" && p.limit() == (Page{}).limit()
	var gen uint64
	if firstPage {
		now := s.now()
		var rows []Member
		var next string
		var hit bool
		if rows, next, gen, hit = s.members.get(orgID, now); hit {
			return rows, next, nil
		}
	}
	var rows []Member
	q := s.db.WithContext(ctx).Table("memberships AS m").
		Select("m.user_id, u.email, u.name, m.role, m.created_at AS joined_at").
		Joins("JOIN users u ON u.id = m.user_id").
		Where("m.org_id = ?", orgID).
		Order("u.email").Limit(p.limit() + 1)
	if after != "" {
		q = q.Where("u.email > ?", after)
	}
	if err := q.Scan(&rows).Error; err != nil {
		return nil, "", wrap("list members", err)
	}
	rows, next := paginate(rows, p.limit(), func(m Member) string { return m.Email })
	if firstPage {
		s.members.put(orgID, gen, rows, next, s.now())
	}
	return rows, next, nil
}

// Member returns one member of an organization.
func (s *Service) Member(ctx context.Context, orgID, userID string) (*Member, error) {
	var m Member
	res := s.db.WithContext(ctx).Table("memberships AS m").
		Select("m.user_id, u.email, u.name, m.role, m.created_at AS joined_at").
		Joins("JOIN users u ON u.id = m.user_id").
		Where("m.org_id = ? AND m.user_id = ?", orgID, userID).Limit(1).Scan(&m)
	if res.Error != nil {
		return nil, wrap("find member", res.Error)
	}
	if res.RowsAffected == 0 {
		return nil, ErrNotFound
	}
	return &m, nil
}

// ChangeRole gives a member a new role, under the rules: nobody grants a
// role above their own or raises their own, an admin cannot change an
// owner, and the last owner cannot step down.
func (s *Service) ChangeRole(ctx context.Context, org *Organization, actor Actor, userID string, role Role) (*Member, error) {
	if _, err := ParseRole(string(role)); err != nil {
		return nil, err
	}
	if !actor.Role.AtLeast(role) {
		return nil, ErrRoleEscalation
	}
	var previous Role
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		var m Membership
		if err := lockMembership(tx, org.ID, userID, &m); err != nil {
			return err
		}
		previous = m.Role
		if m.Role == role {
			return nil
		}
		if userID == actor.UserID && !actor.Role.AtLeast(role) {
			return ErrRoleEscalation
		}
		if m.Role == RoleOwner && actor.Role != RoleOwner {
			return ErrOwnerProtected
		}
		if m.Role == RoleOwner {
			if err := keepAnOwner(tx, org.ID, userID); err != nil {
				return err
			}
		}
		if err := tx.Model(&Membership{}).Where("org_id = ? AND user_id = ?", org.ID, userID).
			Updates(map[string]any{"role": role, "updated_at": s.now()}).Error; err != nil {
			return err
		}
		return s.grants.WriteRole(tx, org.Slug, userID, role)
	})
	if err != nil {
		return nil, wrap("change role", err)
	}
	if previous != role {
		s.notify(ctx, Change{Kind: MemberRoleChanged, OrgID: org.ID, OrgSlug: org.Slug, UserID: userID, Role: role, PreviousRole: previous, ActorID: actor.UserID})
	}
	return s.Member(ctx, org.ID, userID)
}

// RemoveMember removes a member (or lets a member leave, when actor is the
// member). An admin cannot remove an owner; the last owner cannot leave.
func (s *Service) RemoveMember(ctx context.Context, org *Organization, actor Actor, userID string) error {
	var previous Role
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		var m Membership
		if err := lockMembership(tx, org.ID, userID, &m); err != nil {
			return err
		}
		previous = m.Role
		if m.Role == RoleOwner && actor.Role != RoleOwner {
			return ErrOwnerProtected
		}
		if m.Role == RoleOwner {
			if err := keepAnOwner(tx, org.ID, userID); err != nil {
				return err
			}
		}
		if err := tx.Where("org_id = ? AND user_id = ?", org.ID, userID).Delete(&Membership{}).Error; err != nil {
			return err
		}
		return s.grants.WriteRole(tx, org.Slug, userID, "")
	})
	if err != nil {
		return wrap("remove member", err)
	}
	s.notify(ctx, Change{Kind: MemberRemoved, OrgID: org.ID, OrgSlug: org.Slug, UserID: userID, PreviousRole: previous, ActorID: actor.UserID})
	return nil
}

// lockMembership reads a membership inside tx, locking its row on engines
// that lock rows (SQLite's immediate transactions already serialize writers).
func lockMembership(tx *gorm.DB, orgID, userID string, m *Membership) error {
	q := tx.Where("org_id = ? AND user_id = ?", orgID, userID)
	if tx.Name() == "postgres" {
		q = q.Clauses(clause.Locking{Strength: "UPDATE"})
	}
	return q.Take(m).Error
}

// keepAnOwner fails unless an owner other than userID remains. On PostgreSQL
// it locks the owners' rows so two owners cannot both step down at once.
func keepAnOwner(tx *gorm.DB, orgID, userID string) error {
	var others []Membership
	q := tx.Select("user_id").Where("org_id = ? AND role = ? AND user_id <> ?", orgID, RoleOwner, userID)
	if tx.Name() == "postgres" {
		q = q.Clauses(clause.Locking{Strength: "UPDATE"})
	}
	if err := q.Find(&others).Error; err != nil {
		return err
	}
	if len(others) == 0 {
		return ErrLastOwner
	}
	return nil
}

// InvitationCreated is a new invitation with the one copy of its token.
type InvitationCreated struct {
	Invitation
	Token string `json:"token"`
}

// Invite invites email to org with role. The token is returned once; only
// its hash is kept. A pending invitation for the same email is replaced.
func (s *Service) Invite(ctx context.Context, org *Organization, actor Actor, email string, role Role) (*InvitationCreated, error) {
	email, err := NormalizeEmail(email)
	if err != nil {
		return nil, err
	}
	if _, err := ParseRole(string(role)); err != nil {
		return nil, err
	}
	if !actor.Role.AtLeast(role) {
		return nil, ErrRoleEscalation
	}
	token, hash := newToken()
	now := s.now()
	inv := Invitation{
		ID: uuid.Must(uuid.NewV7()).String(), OrgID: org.ID, Email: email, Role: role,
		TokenHash: hash, InvitedBy: actor.UserID, CreatedAt: now, ExpiresAt: now.Add(s.cfg.InvitationTTL),
	}
	err = s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		var n int64
		if err := tx.Table("memberships AS m").Joins("JOIN users u ON u.id = m.user_id").
			Where("m.org_id = ? AND u.email = ?", org.ID, email).Count(&n).Error; err != nil {
			return err
		}
		if n > 0 {
			return ErrAlreadyMember
		}
		if err := tx.Model(&Invitation{}).
			Where("org_id = ? AND email = ? AND accepted_at IS NULL AND revoked_at IS NULL", org.ID, email).
			Update("revoked_at", now).Error; err != nil {
			return err
		}
		return tx.Create(&inv).Error
	})
	if err != nil {
		return nil, wrap("invite", err)
	}
	return &InvitationCreated{Invitation: inv, Token: token}, nil
}

// Invitations lists an organization's pending invitations, oldest first.
func (s *Service) Invitations(ctx context.Context, orgID string, p Page) ([]Invitation, string, error) {
	after, err := decodeCursor(p.Cursor)
	if err != nil {
		return nil, "", err
	}
	var rows []Invitation
	q := s.db.WithContext(ctx).
		Where("org_id = ? AND accepted_at IS NULL AND revoked_at IS NULL AND expires_at > ?", orgID, s.now()).
		Order("id").Limit(p.limit() + 1)
	if after != "" {
		q = q.Where("id > ?", after)
	}
	if err := q.Find(&rows).Error; err != nil {
		return nil, "", wrap("list invitations", err)
	}
	rows, next := paginate(rows, p.limit(), func(i Invitation) string { return i.ID })
	return rows, next, nil
}

// RevokeInvitation withdraws a pending invitation.
func (s *Service) RevokeInvitation(ctx context.Context, orgID, id string) error {
	res := s.db.WithContext(ctx).Model(&Invitation{}).
		Where("id = ? AND org_id = ? AND accepted_at IS NULL AND revoked_at IS NULL", id, orgID).
		Update("revoked_at", s.now())
	if res.Error != nil {
		return wrap("revoke invitation", res.Error)
	}
	if res.RowsAffected == 0 {
		return ErrNotFound
	}
	return nil
}

// Accept redeems an invitation token for the signed-in user, whose email
// must be the invited one. A token works once.
func (s *Service) Accept(ctx context.Context, token, userID, userEmail string) (*Organization, Role, error) {
	var inv Invitation
	var org Organization
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if err := tx.Where("token_hash = ? AND revoked_at IS NULL", hashToken(token)).Take(&inv).Error; err != nil {
			return err
		}
		switch {
		case inv.AcceptedAt != nil:
			return ErrInvitationUsed
		case !s.now().Before(inv.ExpiresAt):
			return ErrInvitationExpired
		case !strings.EqualFold(inv.Email, strings.TrimSpace(userEmail)):
			return ErrInvitationEmail
		}
		if err := tx.Where("id = ?", inv.OrgID).Take(&org).Error; err != nil {
			return err
		}
		var existing int64
		if err := tx.Model(&Membership{}).Where("org_id = ? AND user_id = ?", org.ID, userID).Count(&existing).Error; err != nil {
			return err
		}
		if existing > 0 {
			return ErrAlreadyMember
		}
		if q := org.Quotas(s.cfg.Quotas); q.Members > 0 {
			var n int64
			if err := tx.Model(&Membership{}).Where("org_id = ?", org.ID).Count(&n).Error; err != nil {
				return err
			}
			if int(n) >= q.Members {
				return &QuotaError{Quota: "members", Limit: q.Members}
			}
		}
		// Single use even against a concurrent accept: only one UPDATE
		// finds the row still unaccepted.
		now := s.now()
		res := tx.Model(&Invitation{}).Where("id = ? AND accepted_at IS NULL", inv.ID).
			Updates(map[string]any{"accepted_at": now, "accepted_by": userID})
		if res.Error != nil {
			return res.Error
		}
		if res.RowsAffected != 1 {
			return ErrInvitationUsed
		}
		m := Membership{OrgID: org.ID, UserID: userID, Role: inv.Role, CreatedAt: now, UpdatedAt: now}
		if err := tx.Create(&m).Error; err != nil {
			if errors.Is(err, gorm.ErrDuplicatedKey) {
				return ErrAlreadyMember
			}
			return err
		}
		return s.grants.WriteRole(tx, org.Slug, userID, inv.Role)
	})
	if err != nil {
		return nil, "", wrap("accept invitation", err)
	}
	s.notify(ctx, Change{Kind: MemberAdded, OrgID: org.ID, OrgSlug: org.Slug, UserID: userID, Role: inv.Role, ActorID: userID})
	return &org, inv.Role, nil
}

// NormalizeEmail validates a bare email address and lower-cases it.
func NormalizeEmail(s string) (string, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return "", invalid("email", "is required")
	}
	addr, err := mail.ParseAddress(s)
	if err != nil || addr.Address != s || len(s) > 254 || addr.Name != "" {
		return "", invalid("email", "must be a plain email address such as ada@example.com")
	}
	return strings.ToLower(s), nil
}

func newToken() (token, hash string) {
	var b [32]byte
	if _, err := rand.Read(b[:]); err != nil {
		panic("tenants: crypto/rand failed: " + err.Error()) // the OS RNG never fails on supported platforms
	}
	token = base64.RawURLEncoding.EncodeToString(b[:])
	return token, hashToken(token)
}

func hashToken(token string) string {
	sum := sha256.Sum256([]byte(token))
	return hex.EncodeToString(sum[:])
}

func paginate[T any](rows []T, limit int, key func(T) string) ([]T, string) {
	if len(rows) <= limit {
		return rows, ""
	}
	rows = rows[:limit]
	return rows, base64.RawURLEncoding.EncodeToString([]byte(key(rows[len(rows)-1])))
}

func decodeCursor(c string) (string, error) {
	if c == "" {
		return "", nil
	}
	b, err := base64.RawURLEncoding.DecodeString(c)
	if err != nil || len(b) > 512 {
		return "", invalid("cursor", "is not a cursor this list returned")
	}
	return string(b), nil
}

// wrap maps "no row" to ErrNotFound and keeps the Service's own errors
// comparable with errors.Is.
func wrap(op string, err error) error {
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return fmt.Errorf("tenants: %s: %w", op, ErrNotFound)
	}
	return fmt.Errorf("tenants: %s: %w", op, err)
}
