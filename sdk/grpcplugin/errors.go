package grpcplugin

import (
	"context"
	"errors"
	"net/http"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/switchyard/switchyard/sdk/genproto/pluginv1"
)

// Code classifies an error that crosses the plugin boundary. It travels in
// the gRPC status (as a gRPC code and, exactly, in an ErrorDetail) and tells
// the core which HTTP status to answer with.
type Code string

// The error codes, with their gRPC code and the HTTP status the core uses.
const (
	CodeInvalidInput      Code = "invalid_input"      // InvalidArgument, 400
	CodeNotFound          Code = "not_found"          // NotFound, 404
	CodePermission        Code = "permission_denied"  // PermissionDenied, 403
	CodeConflict          Code = "conflict"           // Aborted, 409
	CodeResourceExhausted Code = "resource_exhausted" // ResourceExhausted, 429
	CodeUnavailable       Code = "unavailable"        // Unavailable, 503 (retry later)
	CodeUnimplemented     Code = "unimplemented"      // Unimplemented, 501
	CodeCanceled          Code = "canceled"           // Canceled, 499
	CodeDeadlineExceeded  Code = "deadline_exceeded"  // DeadlineExceeded, 504
	CodeInternal          Code = "internal"           // Internal, 500
)

// Sentinel errors, one per Code. Match them with errors.Is: an error a plugin
// returns as Errorf(ErrNotFound, ...) arrives in the core as an error for
// which errors.Is(err, ErrNotFound) holds, with the plugin's message.
//
//	ErrInvalidInput      the input, config or request is malformed or fails its schema
//	ErrNotFound          the thing asked for does not exist (for this tenant)
//	ErrPermission        the actor may not do this
//	ErrConflict          the request conflicts with the current state
//	ErrResourceExhausted a quota or rate limit was hit
//	ErrUnavailable       temporarily unable to serve; retrying later may work
//	ErrUnimplemented     the plugin does not offer this capability
//	ErrInternal          a bug or unexpected failure
//
// context.Canceled and context.DeadlineExceeded map to CodeCanceled and
// CodeDeadlineExceeded; any other error maps to CodeInternal.
var (
	ErrInvalidInput      error = &codeError{code: CodeInvalidInput, msg: "invalid input"}
	ErrNotFound          error = &codeError{code: CodeNotFound, msg: "not found"}
	ErrPermission        error = &codeError{code: CodePermission, msg: "permission denied"}
	ErrConflict          error = &codeError{code: CodeConflict, msg: "conflict"}
	ErrResourceExhausted error = &codeError{code: CodeResourceExhausted, msg: "resource exhausted"}
	ErrUnavailable       error = &codeError{code: CodeUnavailable, msg: "unavailable"}
	ErrUnimplemented     error = &codeError{code: CodeUnimplemented, msg: "unimplemented"}
	ErrInternal          error = &codeError{code: CodeInternal, msg: "internal error"}
)

// Source says whose fault an error is.
type Source string

// Error sources.
const (
	// SourcePlugin is the default: the plugin (or the core) itself failed.
	SourcePlugin Source = "plugin"
	// SourceDownstream marks a failure of a system the plugin depends on (a
	// sync source, a model store), so the core can tell the two apart in
	// metrics and messages.
	SourceDownstream Source = "downstream"
)

// codeError is the type of the sentinels.
type codeError struct {
	code Code
	msg  string
}

func (e *codeError) Error() string { return e.msg }

// Code returns the error's code.
func (e *codeError) Code() Code { return e.code }

// sentinel returns the sentinel error of c, or nil for codes without one.
func sentinel(c Code) error {
	switch c {
	case CodeInvalidInput:
		return ErrInvalidInput
	case CodeNotFound:
		return ErrNotFound
	case CodePermission:
		return ErrPermission
	case CodeConflict:
		return ErrConflict
	case CodeResourceExhausted:
		return ErrResourceExhausted
	case CodeUnavailable:
		return ErrUnavailable
	case CodeUnimplemented:
		return ErrUnimplemented
	case CodeInternal:
		return ErrInternal
	}
	return nil
}

// codedError is an error with a code, a message and a source: what Errorf
// builds and what arrives from the other side of the boundary.
type codedError struct {
	code   Code
	msg    string
	source Source
	// wrapped is the error chain on the side that created the error; it is
	// nil for an error that arrived over the wire.
	wrapped error
}

func (e *codedError) Error() string { return e.msg }
func (e *codedError) Code() Code    { return e.code }
func (e *codedError) Unwrap() error { return e.wrapped }

// Is matches the sentinel of the error's code, and the context errors for
// CodeCanceled and CodeDeadlineExceeded.
func (e *codedError) Is(target error) bool {
	switch e.code {
	case CodeCanceled:
		return target == context.Canceled
	case CodeDeadlineExceeded:
		return target == context.DeadlineExceeded
	}
	s := sentinel(e.code)
	return s != nil && target == s
}

// NewError returns an error with code c and message msg.
func NewError(c Code, msg string) error {
	return &codedError{code: c, msg: msg, source: SourcePlugin}
}

// WithSource returns err marked as coming from src. It returns nil for a nil err.
func WithSource(err error, src Source) error {
	if err == nil {
		return nil
	}
	return &codedError{code: CodeOf(err), msg: err.Error(), source: src, wrapped: err}
}

// CodeOf returns the code of err: the code of the first coded error in its
// chain, the code of a sentinel it wraps, CodeCanceled or CodeDeadlineExceeded
// for context errors, and CodeInternal otherwise. CodeOf(nil) is "".
func CodeOf(err error) Code {
	if err == nil {
		return ""
	}
	var c interface{ Code() Code }
	if errors.As(err, &c) {
		return c.Code()
	}
	switch {
	case errors.Is(err, context.Canceled):
		return CodeCanceled
	case errors.Is(err, context.DeadlineExceeded):
		return CodeDeadlineExceeded
	}
	if st, ok := status.FromError(err); ok && st.Code() != codes.OK {
		return codeFromGRPC(st.Code())
	}
	return CodeInternal
}

// SourceOf returns the source recorded in err, SourcePlugin when none is.
func SourceOf(err error) Source {
	var ce *codedError
	if errors.As(err, &ce) && ce.source != "" {
		return ce.source
	}
	return SourcePlugin
}

// GRPCCode returns the gRPC code that carries c.
func (c Code) GRPCCode() codes.Code {
	switch c {
	case CodeInvalidInput:
		return codes.InvalidArgument
	case CodeNotFound:
		return codes.NotFound
	case CodePermission:
		return codes.PermissionDenied
	case CodeConflict:
		return codes.Aborted
	case CodeResourceExhausted:
		return codes.ResourceExhausted
	case CodeUnavailable:
		return codes.Unavailable
	case CodeUnimplemented:
		return codes.Unimplemented
	case CodeCanceled:
		return codes.Canceled
	case CodeDeadlineExceeded:
		return codes.DeadlineExceeded
	}
	return codes.Internal
}

// HTTPStatus returns the HTTP status the core answers with for c.
func (c Code) HTTPStatus() int {
	switch c {
	case CodeInvalidInput:
		return http.StatusBadRequest
	case CodeNotFound:
		return http.StatusNotFound
	case CodePermission:
		return http.StatusForbidden
	case CodeConflict:
		return http.StatusConflict
	case CodeResourceExhausted:
		return http.StatusTooManyRequests
	case CodeUnavailable:
		return http.StatusServiceUnavailable
	case CodeUnimplemented:
		return http.StatusNotImplemented
	case CodeCanceled:
		return 499 // client closed request
	case CodeDeadlineExceeded:
		return http.StatusGatewayTimeout
	}
	return http.StatusInternalServerError
}

// HTTPStatus returns the HTTP status for err; see Code.HTTPStatus.
func HTTPStatus(err error) int { return CodeOf(err).HTTPStatus() }

func codeFromGRPC(c codes.Code) Code {
	switch c {
	case codes.InvalidArgument, codes.OutOfRange, codes.FailedPrecondition:
		return CodeInvalidInput
	case codes.NotFound:
		return CodeNotFound
	case codes.PermissionDenied, codes.Unauthenticated:
		return CodePermission
	case codes.Aborted, codes.AlreadyExists:
		return CodeConflict
	case codes.ResourceExhausted:
		return CodeResourceExhausted
	case codes.Unavailable:
		return CodeUnavailable
	case codes.Unimplemented:
		return CodeUnimplemented
	case codes.Canceled:
		return CodeCanceled
	case codes.DeadlineExceeded:
		return CodeDeadlineExceeded
	}
	return CodeInternal
}

// knownCode reports whether c is one of the codes above.
func knownCode(c Code) bool {
	return sentinel(c) != nil || c == CodeCanceled || c == CodeDeadlineExceeded
}

// ToStatus converts err into the gRPC status that carries it across the
// boundary. It returns nil for a nil err.
func ToStatus(err error) error {
	if err == nil {
		return nil
	}
	code := CodeOf(err)
	st := status.New(code.GRPCCode(), err.Error())
	if withDetail, derr := st.WithDetails(&pluginv1.ErrorDetail{Code: string(code), Source: string(SourceOf(err))}); derr == nil {
		st = withDetail
	}
	return st.Err()
}

// FromStatus converts an error returned by a gRPC call into an error whose
// code, message and source are the ones the other side sent. Errors that are
// not gRPC statuses are returned unchanged; nil stays nil.
func FromStatus(err error) error {
	if err == nil {
		return nil
	}
	st, ok := status.FromError(err)
	if !ok {
		return err
	}
	code := codeFromGRPC(st.Code())
	src := SourcePlugin
	for _, d := range st.Details() {
		if ed, ok := d.(*pluginv1.ErrorDetail); ok {
			if c := Code(ed.GetCode()); knownCode(c) {
				code = c
			}
			if ed.GetSource() == string(SourceDownstream) {
				src = SourceDownstream
			}
		}
	}
	return &codedError{code: code, msg: st.Message(), source: src}
}
