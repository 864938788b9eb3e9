package tenants

import "errors"

// Errors returned by the Service. Callers compare with errors.Is; the HTTP
// layer maps each to a status.
var (
	// ErrNotFound: no such organization, member or invitation (or the caller
	// may not know it exists).
	ErrNotFound = errors.New("not found")
	// ErrSlugTaken: another organization already uses the slug.
	ErrSlugTaken = errors.New("organization slug is already taken")
	// ErrInvalid: an input failed validation; wrapped in a FieldError.
	ErrInvalid = errors.New("invalid input")
	// ErrLastOwner: the change would leave the organization without an owner.
	ErrLastOwner = errors.New("an organization must keep at least one owner")
	// ErrRoleEscalation: the actor tried to grant a role above their own.
	ErrRoleEscalation = errors.New("you cannot grant a role above your own")
	// ErrOwnerProtected: an admin tried to change or remove an owner.
	ErrOwnerProtected = errors.New("only an owner can change or remove an owner")
	// ErrAlreadyMember: the user already belongs to the organization.
	ErrAlreadyMember = errors.New("user is already a member")
	// ErrInvitationExpired: the invitation's time ran out.
	ErrInvitationExpired = errors.New("invitation has expired")
	// ErrInvitationUsed: the invitation was accepted already.
	ErrInvitationUsed = errors.New("invitation was already used")
	// ErrInvitationEmail: the invitation is for another email address.
	ErrInvitationEmail = errors.New("invitation is for a different email address")
	// ErrQuotaExceeded: the organization is at one of its quotas.
	ErrQuotaExceeded = errors.New("organization quota exceeded")
)

// FieldError names the input field that failed validation.
type FieldError struct {
	Field   string
	Message string
}

func (e *FieldError) Error() string { return e.Field + ": " + e.Message }

// InvalidField names the field and the problem, for the HTTP layer.
func (e *FieldError) InvalidField() (field, message string) { return e.Field, e.Message }

// Unwrap makes every FieldError match ErrInvalid.
func (e *FieldError) Unwrap() error { return ErrInvalid }

func invalid(field, msg string) error { return &FieldError{Field: field, Message: msg} }

// QuotaError says which quota was hit.
type QuotaError struct {
	Quota string
	Limit int
}

func (e *QuotaError) Error() string {
	return "organization quota exceeded: " + e.Quota
}

// Unwrap makes every QuotaError match ErrQuotaExceeded.
func (e *QuotaError) Unwrap() error { return ErrQuotaExceeded }
