package auth

import "errors"

// Errors returned by this package; the HTTP layer maps each to a status.
var (
	// ErrInvalidCredentials: unknown email or wrong password (never says which).
	ErrInvalidCredentials = errors.New("invalid email or password")
	// ErrEmailTaken: an account with this email exists.
	ErrEmailTaken = errors.New("an account with this email already exists")
	// ErrTokenInvalid: a token is malformed, forged, expired or revoked.
	ErrTokenInvalid = errors.New("token is invalid or expired")
	// ErrRefreshReused: a consumed refresh token came back; its session is revoked.
	ErrRefreshReused = errors.New("refresh token was already used; the session has been revoked")
	// ErrNotFound: no such user or API key.
	ErrNotFound = errors.New("not found")
	// ErrBusy: too many password hashes are running; try again shortly.
	ErrBusy = errors.New("server busy, try again")
)

// ErrInvalid is matched by every FieldError.
var ErrInvalid = errors.New("invalid input")

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
