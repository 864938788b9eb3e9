package marketplace

import (
	"errors"
	"fmt"
)

// Errors of the marketplace; each error returned wraps one and says what
// was wrong with which release.
var (
	// ErrNoCatalog: no catalog is configured (SWITCHYARD_CATALOG).
	ErrNoCatalog = errors.New("no plugin catalog is configured")
	// ErrCatalog: the catalog could not be read or is malformed.
	ErrCatalog = errors.New("the plugin catalog is unavailable or invalid")
	// ErrUnknownPlugin: the catalog has no plugin of that name.
	ErrUnknownPlugin = errors.New("unknown plugin")
	// ErrUnknownVersion: the catalog has no such version of the plugin.
	ErrUnknownVersion = errors.New("unknown plugin version")
	// ErrNoPlatform: the release has no binary for this platform.
	ErrNoPlatform = errors.New("no binary for this platform")
	// ErrUnsigned: the release carries no signature.
	ErrUnsigned = errors.New("release is not signed")
	// ErrBadSignature: the signature does not verify.
	ErrBadSignature = errors.New("bad release signature")
	// ErrUntrustedKey: the signature is by a key the platform does not trust.
	ErrUntrustedKey = errors.New("release signed by an untrusted key")
	// ErrChecksum: the binary's SHA-256 differs from the signed one.
	ErrChecksum = errors.New("plugin binary checksum mismatch")
	// ErrTampered: a stored binary no longer matches its recorded SHA-256.
	ErrTampered = errors.New("stored plugin binary was changed on disk")
	// ErrDowngrade: the organization has a newer version installed.
	ErrDowngrade = errors.New("installing an older version is refused")
	// ErrAlreadyInstalled: that version is installed already.
	ErrAlreadyInstalled = errors.New("plugin version is already installed")
)

// Error carries a kind above and a message naming the release.
type Error struct {
	Kind error
	Msg  string
}

func (e *Error) Error() string { return e.Msg }

// Unwrap returns the kind.
func (e *Error) Unwrap() error { return e.Kind }

func errorf(kind error, format string, args ...any) error {
	return &Error{Kind: kind, Msg: fmt.Sprintf(format, args...)}
}

// FieldError is a request field that is not well-formed.
type FieldError struct{ Field, Message string }

func (e *FieldError) Error() string { return e.Field + " " + e.Message }

// InvalidField names the field (the HTTP layer's shape).
func (e *FieldError) InvalidField() (string, string) { return e.Field, e.Message }
