package filesplugin

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"

	"github.com/switchyard/switchyard/sdk"
)

// errQuota marks a refusal for lack of quota; HTTP answers it 413.
var errQuota = errors.New("storage quota exceeded")

// fieldError is an invalid-input error that names the field at fault.
type fieldError struct {
	field string
	err   error
}

func (e *fieldError) Error() string { return e.field + ": " + e.err.Error() }

func (e *fieldError) Unwrap() []error { return []error{e.err, sdk.ErrInvalidInput} }

func fieldErr(field string, err error) error { return &fieldError{field: field, err: err} }

// quotaError is a refusal for lack of quota.
type quotaError struct{ msg string }

func (e *quotaError) Error() string { return e.msg }

func (e *quotaError) Unwrap() []error { return []error{errQuota, sdk.ErrResourceExhausted} }

func quotaErr(format string, args ...any) error {
	return &quotaError{msg: "storage quota exceeded: " + fmt.Sprintf(format, args...)}
}

// writeError answers err as {"error":{"code","message","field"}} with the
// status its code maps to (413 for a quota refusal).
func writeError(w http.ResponseWriter, err error) {
	status := sdk.CodeOf(err).HTTPStatus()
	code := string(sdk.CodeOf(err))
	if errors.Is(err, errQuota) {
		status, code = http.StatusRequestEntityTooLarge, "quota_exceeded"
	}
	body := map[string]any{"code": code, "message": err.Error()}
	var fe *fieldError
	if errors.As(err, &fe) {
		body["field"] = fe.field
	}
	writeJSON(w, status, map[string]any{"error": body})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}
