package pluginhost

import (
	"errors"
	"fmt"

	"github.com/switchyard/switchyard/sdk/grpcplugin"
)

// Errors of the plugin host. Each wraps the grpcplugin sentinel of its code,
// so grpcplugin.CodeOf and HTTPStatus classify them; the errors returned
// carry a message that names the plugin and what to do.
//
//	ErrNotInstalled   the organization has not installed the plugin (404)
//	ErrUnavailable    the plugin's process is not running: starting too long, crashed, disabled (503)
//	ErrNotConfigured  the plugin refused, or has not yet received, the organization's config (409)
//	ErrUnknownAction  the manifest declares no such action, or it is of the other kind (404)
//	ErrNoHTTP         the plugin serves no HTTP routes (404)
//	ErrChecksum       the binary no longer hashes to the checksum recorded at install
var (
	ErrNotInstalled  = fmt.Errorf("plugin is not installed in this organization: %w", grpcplugin.ErrNotFound)
	ErrUnavailable   = fmt.Errorf("plugin is unavailable: %w", grpcplugin.ErrUnavailable)
	ErrNotConfigured = fmt.Errorf("plugin is not configured: %w", grpcplugin.ErrConflict)
	ErrUnknownAction = fmt.Errorf("plugin has no such action: %w", grpcplugin.ErrNotFound)
	ErrNoHTTP        = fmt.Errorf("plugin serves no HTTP routes: %w", grpcplugin.ErrNotFound)
	ErrChecksum      = errors.New("plugin binary does not match its recorded SHA-256")
)

// Error is an error of a kind above with a specific message.
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

// FieldError is an input or config that fails its JSON Schema; Field is a
// dotted path to the offending value ("config.sources.0.url").
type FieldError struct {
	Field   string
	Message string
}

func (e *FieldError) Error() string { return e.Field + ": " + e.Message }

// InvalidField names the field and the problem (the HTTP layer's shape).
func (e *FieldError) InvalidField() (field, message string) { return e.Field, e.Message }

// Unwrap makes a FieldError an invalid input.
func (e *FieldError) Unwrap() error { return grpcplugin.ErrInvalidInput }
