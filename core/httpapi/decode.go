package httpapi

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"reflect"
	"strconv"
	"strings"
	"sync"

	"github.com/go-playground/validator/v10"
	"github.com/gofiber/fiber/v2"

	"github.com/switchyard/switchyard/core/auth"
	"github.com/switchyard/switchyard/tenants"
)

var (
	validateOnce sync.Once
	validate     *validator.Validate
)

// validatorFor returns the shared validator, reporting fields by their
// JSON names.
func validatorFor() *validator.Validate {
	validateOnce.Do(func() {
		validate = validator.New(validator.WithRequiredStructEnabled())
		validate.RegisterTagNameFunc(func(f reflect.StructField) string {
			name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
			if name == "-" {
				return ""
			}
			return name
		})
	})
	return validate
}

// decodeJSON reads the request body into dst strictly: JSON content type,
// one object, no unknown fields, nothing after it; then it runs the
// struct's validate tags. Every failure names what is wrong and where.
func (a *API) decodeJSON(c *fiber.Ctx, dst any) error {
	return decodeBody(c.Get(fiber.HeaderContentType), c.Body(), dst)
}

// decodeBody is decodeJSON without Fiber, for fuzzing.
func decodeBody(contentType string, body []byte, dst any) error {
	if len(bytes.TrimSpace(body)) == 0 {
		return apiErr(http.StatusBadRequest, "invalid_json", "a JSON body is required")
	}
	mt, _, _ := mime.ParseMediaType(contentType)
	if mt != fiber.MIMEApplicationJSON {
		return apiErr(http.StatusUnsupportedMediaType, "unsupported_media_type", "send the body as application/json")
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(dst); err != nil {
		return jsonError(err)
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return apiErr(http.StatusBadRequest, "invalid_json", "unexpected data after the JSON object")
	}
	return validateStruct(dst)
}

func jsonError(err error) error {
	var syn *json.SyntaxError
	var typ *json.UnmarshalTypeError
	switch {
	case errors.As(err, &syn):
		return apiErr(http.StatusBadRequest, "invalid_json", fmt.Sprintf("malformed JSON at byte %d", syn.Offset))
	case errors.As(err, &typ):
		field := typ.Field
		if field == "" {
			return apiErr(http.StatusBadRequest, "invalid_json", "the body must be a JSON object")
		}
		return fieldErr(field, "must be "+jsonKind(typ.Type))
	case errors.Is(err, io.ErrUnexpectedEOF), errors.Is(err, io.EOF):
		return apiErr(http.StatusBadRequest, "invalid_json", "the JSON body ends too early")
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		name := strings.Trim(strings.TrimPrefix(err.Error(), "json: unknown field "), `"`)
		if len(name) > 64 {
			name = name[:64]
		}
		return &Error{Status: http.StatusBadRequest, Code: "unknown_field", Message: "unknown field " + strconv.Quote(name), Field: name}
	}
	return apiErr(http.StatusBadRequest, "invalid_json", "the body is not valid JSON")
}

func jsonKind(t reflect.Type) string {
	switch t.Kind() {
	case reflect.String:
		return "a string"
	case reflect.Bool:
		return "true or false"
	case reflect.Int, reflect.Int64, reflect.Int32, reflect.Uint, reflect.Uint64, reflect.Float64:
		return "a number"
	case reflect.Slice, reflect.Array:
		return "an array"
	case reflect.Map, reflect.Struct:
		return "an object"
	}
	return "of another type"
}

func validateStruct(v any) error {
	err := validatorFor().Struct(v)
	if err == nil {
		return nil
	}
	var verrs validator.ValidationErrors
	if !errors.As(err, &verrs) || len(verrs) == 0 {
		return err
	}
	fe := verrs[0]
	field := fe.Namespace()
	if i := strings.IndexByte(field, '.'); i >= 0 {
		field = field[i+1:]
	}
	var msg string
	switch fe.Tag() {
	case "required":
		msg = "is required"
	case "max":
		msg = "must be at most " + fe.Param() + " characters"
		if fe.Kind() == reflect.Slice {
			msg = "must have at most " + fe.Param() + " items"
		}
	case "min":
		msg = "must be at least " + fe.Param() + " characters"
		if fe.Kind() == reflect.Slice {
			msg = "must have at least " + fe.Param() + " items"
		}
	case "email":
		msg = "must be an email address"
	case "oneof":
		msg = "must be one of " + strings.ReplaceAll(fe.Param(), " ", ", ")
	default:
		msg = "is invalid (" + fe.Tag() + ")"
	}
	return fieldErr(field, msg)
}

// page reads ?limit= and ?cursor=.
func page(c *fiber.Ctx) (tenants.Page, error) {
	p := tenants.Page{Cursor: strings.Clone(c.Query("cursor"))}
	if l := c.Query("limit"); l != "" {
		n, err := strconv.Atoi(l)
		if err != nil || n < 1 || n > 200 {
			return p, fieldErr("limit", "must be a whole number from 1 to 200")
		}
		p.Limit = n
	}
	if len(p.Cursor) > 700 {
		return p, fieldErr("cursor", "is not a cursor this list returned")
	}
	return p, nil
}

// List is the shape of every paginated list response.
type List[T any] struct {
	Items      []T    `json:"items"`
	NextCursor string `json:"next_cursor"`
}

func list[T any](items []T, next string) List[T] {
	if items == nil {
		items = []T{}
	}
	return List[T]{Items: items, NextCursor: next}
}

func isNotFound(err error) bool {
	return errors.Is(err, tenants.ErrNotFound) || errors.Is(err, auth.ErrNotFound)
}

// param returns a path parameter detached from Fiber's reused buffers, so
// it may be kept past the handler (observers, events, goroutines).
func param(c *fiber.Ctx, name string) string { return strings.Clone(c.Params(name)) }
