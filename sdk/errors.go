package sdk

import (
	"fmt"

	"github.com/switchyard/switchyard/sdk/grpcplugin"
)

// Code classifies an error for the core, which answers with the matching
// HTTP status.
type Code = grpcplugin.Code

// The errors a plugin returns to tell the core what went wrong. Wrap them
// with Errorf (or fmt.Errorf and %w); the core receives the message and the
// code, and answers the user with the HTTP status in brackets:
//
//	ErrInvalidInput      the input, config or request is wrong            [400]
//	ErrNotFound          the thing asked for does not exist for the tenant [404]
//	ErrPermission        the actor may not do this                         [403]
//	ErrConflict          the request conflicts with the current state      [409]
//	ErrResourceExhausted a quota or rate limit was hit                     [429]
//	ErrUnavailable       temporarily unable; retrying later may work       [503]
//	ErrUnimplemented     the plugin does not offer this                    [501]
//	ErrInternal          a bug or unexpected failure                       [500]
//
// Any other error is reported as ErrInternal. Errors from the Host come back
// with the code the core sent, so errors.Is(err, ErrNotFound) works on them.
var (
	ErrInvalidInput      = grpcplugin.ErrInvalidInput
	ErrNotFound          = grpcplugin.ErrNotFound
	ErrPermission        = grpcplugin.ErrPermission
	ErrConflict          = grpcplugin.ErrConflict
	ErrResourceExhausted = grpcplugin.ErrResourceExhausted
	ErrUnavailable       = grpcplugin.ErrUnavailable
	ErrUnimplemented     = grpcplugin.ErrUnimplemented
	ErrInternal          = grpcplugin.ErrInternal
)

// Errorf returns an error with the message format%args, followed by ": " and
// the code error's text, that matches code with errors.Is. code is one of
// the Err* values above.
//
//	return nil, sdk.Errorf(sdk.ErrNotFound, "dataset %q", name)
func Errorf(code error, format string, args ...any) error {
	return fmt.Errorf(format+": %w", append(args, code)...)
}

// Downstream marks err as the failure of a system the plugin depends on (a
// sync source, a remote API) rather than of the plugin itself. The code is
// kept; the core tells the two apart in its metrics and messages.
func Downstream(err error) error {
	return grpcplugin.WithSource(err, grpcplugin.SourceDownstream)
}

// CodeOf returns the code of err ("" for nil, internal for an error without
// one).
func CodeOf(err error) Code { return grpcplugin.CodeOf(err) }
