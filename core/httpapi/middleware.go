package httpapi

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"log/slog"
	"net/http"
	"regexp"
	"runtime/debug"
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"
)

var clientRequestID = regexp.MustCompile(`^[A-Za-z0-9._-]{8,64}$`)

// requestID tags each request with an ID (the client's, when it is
// well-formed; a new one otherwise) and echoes it in X-Request-ID.
func (a *API) requestID(c *fiber.Ctx) error {
	id := c.Get(fiber.HeaderXRequestID)
	if !clientRequestID.MatchString(id) {
		var b [12]byte
		_, _ = rand.Read(b[:])
		id = hex.EncodeToString(b[:])
	} else {
		id = string([]byte(id)) // detach from the request buffer
	}
	c.Locals(requestIDKey, id)
	c.Set(fiber.HeaderXRequestID, id)
	return c.Next()
}

func requestID(c *fiber.Ctx) string {
	id, _ := c.Locals(requestIDKey).(string)
	return id
}

// routePath is the matched route's template (/api/v1/orgs/:org), never the
// raw path, so logs and metrics carry no tenant names or IDs.
func routePath(c *fiber.Ctx) string {
	if r := c.Route(); r != nil && r.Path != "" && r.Path != "/" && r.Path != "/*" {
		return r.Path
	}
	return "unmatched"
}

// accessLog writes one structured line per request: method, route
// template, status, duration, size, request ID and client IP. It never
// logs headers, query strings or bodies, where tokens and passwords travel.
func (a *API) accessLog(c *fiber.Ctx) error {
	start := time.Now()
	err := c.Next()
	status := c.Response().StatusCode()
	if err != nil {
		if ae := toAPIError(err); ae != nil {
			status = ae.Status
		} else {
			status = http.StatusInternalServerError
		}
	}
	level := slog.LevelInfo
	if status >= 500 {
		level = slog.LevelError
	}
	// A streamed body (a plugin's response, a download) is not read here:
	// Body() would drain the whole stream into memory before a byte went
	// out. Its size is the length announced, or -1.
	size := c.Response().Header.ContentLength()
	if !c.Response().IsBodyStream() {
		size = len(c.Response().Body())
	}
	a.d.Log.LogAttrs(c.UserContext(), level, "request",
		slog.String("request_id", requestID(c)),
		slog.String("method", c.Method()),
		slog.String("route", routePath(c)),
		slog.Int("status", status),
		slog.Duration("duration", time.Since(start)),
		slog.Int("bytes", size),
		slog.String("ip", c.IP()),
	)
	return err
}

// recoverPanics turns a handler panic into a 500 and a logged stack.
func (a *API) recoverPanics(c *fiber.Ctx) (err error) {
	defer func() {
		if r := recover(); r != nil {
			a.d.Log.Error("handler panic", "request_id", requestID(c), "route", routePath(c),
				"panic", fmt.Sprint(r), "stack", string(debug.Stack()))
			err = apiErr(http.StatusInternalServerError, "internal", "internal error; quote request id "+requestID(c))
		}
	}()
	return c.Next()
}

// securityHeaders sets the headers every response carries.
func securityHeaders(c *fiber.Ctx) error {
	c.Set("X-Content-Type-Options", "nosniff")
	c.Set("X-Frame-Options", "DENY")
	c.Set("Referrer-Policy", "no-referrer")
	c.Set("Cross-Origin-Opener-Policy", "same-origin")
	c.Set("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
	c.Set("Content-Security-Policy", "default-src 'self'; connect-src 'self' ws: wss:; img-src 'self' data:; "+
		"style-src 'self' 'unsafe-inline'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'")
	return c.Next()
}

// canonicalPath refuses request paths that name a resource in more than one
// way: doubled slashes, dot segments, or percent-encoded dots, slashes and
// backslashes. Routing, authorization and logs then all see the one path.
func canonicalPath(c *fiber.Ctx) error {
	raw := string(c.Request().URI().PathOriginal())
	if i := strings.IndexByte(raw, '?'); i >= 0 {
		raw = raw[:i]
	}
	lower := strings.ToLower(raw)
	if strings.Contains(raw, "//") || strings.Contains(raw, "/./") || strings.Contains(raw, "/../") ||
		strings.HasSuffix(raw, "/.") || strings.HasSuffix(raw, "/..") || strings.Contains(raw, "\\") ||
		strings.Contains(lower, "%2e") || strings.Contains(lower, "%2f") || strings.Contains(lower, "%5c") || strings.Contains(lower, "%00") {
		return apiErr(http.StatusBadRequest, "bad_path", "the request path is not in canonical form")
	}
	return c.Next()
}

// refuseEncodedBodies answers 415 to a request body with a
// Content-Encoding: Fiber would inflate it without bound inside the body
// limit (a few KiB of gzip can become hundreds of MiB).
func refuseEncodedBodies(c *fiber.Ctx) error {
	if enc := c.Get(fiber.HeaderContentEncoding); enc != "" && enc != "identity" {
		return apiErr(http.StatusUnsupportedMediaType, "unsupported_media_type",
			"request bodies with a Content-Encoding are not accepted; send them uncompressed")
	}
	return c.Next()
}

func itoa(n int) string { return strconv.Itoa(n) }
