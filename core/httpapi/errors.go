package httpapi

import (
	"context"
	"errors"
	"log/slog"
	"net/http"

	"github.com/gofiber/fiber/v2"

	"github.com/switchyard/switchyard/core/auth"
	"github.com/switchyard/switchyard/core/events"
	"github.com/switchyard/switchyard/core/jobs"
	"github.com/switchyard/switchyard/core/marketplace"
	"github.com/switchyard/switchyard/core/pluginhost"
	"github.com/switchyard/switchyard/core/rbac"
	"github.com/switchyard/switchyard/core/store"
	"github.com/switchyard/switchyard/sdk/grpcplugin"
	"github.com/switchyard/switchyard/tenants"
)

// Error is an API error: an HTTP status, a stable machine-readable code, a
// message for people and, for validation errors, the field at fault.
type Error struct {
	Status  int    `json:"-"`
	Code    string `json:"code"`
	Message string `json:"message"`
	Field   string `json:"field,omitempty"`
	// RetryAfter, in seconds, is sent as a Retry-After header when set.
	RetryAfter int `json:"-"`
}

func (e *Error) Error() string { return e.Code + ": " + e.Message }

// errorBody is the JSON shape of every error response.
type errorBody struct {
	Error *Error `json:"error"`
}

func apiErr(status int, code, msg string) *Error {
	return &Error{Status: status, Code: code, Message: msg}
}

func fieldErr(field, msg string) *Error {
	return &Error{Status: http.StatusBadRequest, Code: "invalid_input", Message: field + " " + msg, Field: field}
}

var errNotFoundOrg = apiErr(http.StatusNotFound, "not_found", "organization not found")

// domainErrors maps the domain packages' sentinels to API errors.
var domainErrors = []struct {
	err    error
	status int
	code   string
	field  string
}{
	{tenants.ErrNotFound, http.StatusNotFound, "not_found", ""},
	{auth.ErrNotFound, http.StatusNotFound, "not_found", ""},
	{tenants.ErrSlugTaken, http.StatusConflict, "slug_taken", "slug"},
	{tenants.ErrAlreadyMember, http.StatusConflict, "already_member", ""},
	{tenants.ErrLastOwner, http.StatusConflict, "last_owner", ""},
	{tenants.ErrRoleEscalation, http.StatusForbidden, "role_escalation", ""},
	{tenants.ErrOwnerProtected, http.StatusForbidden, "owner_protected", ""},
	{tenants.ErrInvitationExpired, http.StatusGone, "invitation_expired", ""},
	{tenants.ErrInvitationUsed, http.StatusConflict, "invitation_used", ""},
	{tenants.ErrInvitationEmail, http.StatusForbidden, "invitation_email_mismatch", ""},
	{tenants.ErrQuotaExceeded, http.StatusForbidden, "quota_exceeded", ""},
	{auth.ErrInvalidCredentials, http.StatusUnauthorized, "invalid_credentials", "password"},
	{auth.ErrEmailTaken, http.StatusConflict, "email_taken", "email"},
	{auth.ErrRefreshReused, http.StatusUnauthorized, "refresh_token_reused", ""},
	{auth.ErrTokenInvalid, http.StatusUnauthorized, "invalid_token", ""},
	{auth.ErrBusy, http.StatusServiceUnavailable, "busy", ""},
}

// detailedErrors map the plugin platform's sentinels to API errors whose
// message is the error's own: it names the plugin, release or job and what
// to do, which the sentinel's text alone would not.
var detailedErrors = []struct {
	err    error
	status int
	code   string
}{
	{pluginhost.ErrNotInstalled, http.StatusNotFound, "plugin_not_installed"},
	{pluginhost.ErrUnavailable, http.StatusServiceUnavailable, "plugin_unavailable"},
	{pluginhost.ErrNotConfigured, http.StatusConflict, "plugin_not_configured"},
	{pluginhost.ErrUnknownAction, http.StatusNotFound, "unknown_action"},
	{pluginhost.ErrNoHTTP, http.StatusNotFound, "plugin_has_no_http"},
	{marketplace.ErrNoCatalog, http.StatusServiceUnavailable, "no_catalog"},
	{marketplace.ErrCatalog, http.StatusBadGateway, "catalog_unavailable"},
	{marketplace.ErrUnknownPlugin, http.StatusNotFound, "unknown_plugin"},
	{marketplace.ErrUnknownVersion, http.StatusNotFound, "unknown_version"},
	{marketplace.ErrNoPlatform, http.StatusUnprocessableEntity, "no_platform"},
	{marketplace.ErrUnsigned, http.StatusUnprocessableEntity, "unsigned_release"},
	{marketplace.ErrBadSignature, http.StatusUnprocessableEntity, "bad_signature"},
	{marketplace.ErrUntrustedKey, http.StatusUnprocessableEntity, "untrusted_key"},
	{marketplace.ErrChecksum, http.StatusUnprocessableEntity, "checksum_mismatch"},
	{marketplace.ErrTampered, http.StatusConflict, "binary_tampered"},
	{marketplace.ErrDowngrade, http.StatusConflict, "downgrade_refused"},
	{marketplace.ErrAlreadyInstalled, http.StatusConflict, "already_installed"},
	{jobs.ErrNotFound, http.StatusNotFound, "job_not_found"},
	{jobs.ErrFinished, http.StatusConflict, "job_finished"},
	{jobs.ErrNotRetryable, http.StatusConflict, "job_not_retryable"},
}

// detailedError maps the plugin platform's errors, and errors a plugin
// returned (their code decides the status), or returns nil.
func detailedError(err error) *Error {
	for _, d := range detailedErrors {
		if errors.Is(err, d.err) {
			return apiErr(d.status, d.code, err.Error())
		}
	}
	var coded interface{ Code() grpcplugin.Code }
	if errors.As(err, &coded) {
		c := coded.Code()
		return apiErr(c.HTTPStatus(), "plugin_"+string(c), err.Error())
	}
	return nil
}

// fieldError is what the domain packages' validation errors implement.
type fieldError interface {
	InvalidField() (field, message string)
}

// toAPIError turns any error a handler returns into the error to send.
func toAPIError(err error) *Error {
	var ae *Error
	if errors.As(err, &ae) {
		return ae
	}
	var fe fieldError
	if errors.As(err, &fe) {
		field, msg := fe.InvalidField()
		return fieldErr(field, msg)
	}
	if errors.Is(err, rbac.ErrBadPermission) {
		return &Error{Status: http.StatusBadRequest, Code: "invalid_input", Message: err.Error(), Field: "permissions"}
	}
	if e := detailedError(err); e != nil {
		return e
	}
	if errors.Is(err, events.ErrUnavailable) {
		return &Error{Status: http.StatusServiceUnavailable, Code: "journal_unavailable", RetryAfter: 1,
			Message: "events cannot be stored right now (the event journal is unreachable); nothing was stored, send again"}
	}
	if store.Unavailable(err) {
		return &Error{Status: http.StatusServiceUnavailable, Code: "database_unavailable", RetryAfter: 1,
			Message: "the database cannot be reached right now; try again"}
	}
	for _, d := range domainErrors {
		if errors.Is(err, d.err) {
			e := apiErr(d.status, d.code, d.err.Error())
			e.Field = d.field
			return e
		}
	}
	var fe2 *fiber.Error
	if errors.As(err, &fe2) {
		return apiErr(fe2.Code, fiberCode(fe2.Code), fe2.Message)
	}
	if errors.Is(err, context.DeadlineExceeded) {
		return apiErr(http.StatusServiceUnavailable, "timeout", "the request took too long")
	}
	return nil
}

func fiberCode(status int) string {
	switch status {
	case http.StatusNotFound:
		return "not_found"
	case http.StatusMethodNotAllowed:
		return "method_not_allowed"
	case http.StatusRequestEntityTooLarge:
		return "body_too_large"
	case http.StatusRequestTimeout:
		return "timeout"
	case http.StatusUnsupportedMediaType:
		return "unsupported_media_type"
	case http.StatusBadRequest:
		return "bad_request"
	case http.StatusTooManyRequests:
		return "rate_limited"
	}
	if status >= 500 {
		return "internal"
	}
	return "error"
}

// errorHandler is the Fiber ErrorHandler: the one place errors become responses.
func errorHandler(log *slog.Logger) fiber.ErrorHandler {
	return func(c *fiber.Ctx, err error) error {
		ae := toAPIError(err)
		if ae == nil {
			log.ErrorContext(c.UserContext(), "request failed",
				"request_id", requestID(c), "method", c.Method(), "route", routePath(c), "error", err)
			ae = apiErr(http.StatusInternalServerError, "internal", "internal error; quote request id "+requestID(c))
		} else if direct := (*Error)(nil); ae.Status >= 500 && !errors.As(err, &direct) {
			// An outage (database, journal): the client is told to retry,
			// the operator what failed.
			log.WarnContext(c.UserContext(), "request failed", "request_id", requestID(c), "method", c.Method(),
				"route", routePath(c), "code", ae.Code, "error", err)
		}
		if ae.RetryAfter > 0 {
			c.Set(fiber.HeaderRetryAfter, itoa(ae.RetryAfter))
		}
		return c.Status(ae.Status).JSON(errorBody{Error: ae})
	}
}
