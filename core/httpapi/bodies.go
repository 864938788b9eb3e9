package httpapi

import (
	"io"
	"net/http"
	"regexp"

	"github.com/gofiber/fiber/v2"
)

// The server streams request bodies (fiber's StreamRequestBody) so that
// uploads to a plugin's HTTP routes can be of any size. Every other route
// keeps SWITCHYARD_BODY_LIMIT: boundBodies reads their body, at most that
// many bytes, before they see it.

// pluginHTTPPath matches the plugin passthrough, whose bodies stream.
var pluginHTTPPath = regexp.MustCompile(`^/api/v1/orgs/[^/]+/plugins/[^/]+/http(/|$)`)

var errBodyTooLarge = apiErr(http.StatusRequestEntityTooLarge, "body_too_large", "the request body is larger than the server accepts")

// boundBodies enforces the body limit on streamed request bodies outside
// the plugin passthrough.
func (a *API) boundBodies(c *fiber.Ctx) error {
	req := c.Request()
	if !req.IsBodyStream() || pluginHTTPPath.MatchString(c.Path()) {
		return c.Next()
	}
	limit := a.d.Config.BodyLimit
	if n := req.Header.ContentLength(); n > limit {
		// Read and drop a body of moderate size before answering, so the
		// client, still sending, is sure to receive the 413 (closing on a
		// sender resets the connection and loses the answer). Past that,
		// the connection is closed rather than read.
		if n <= transportBodyLimit {
			_, _ = io.Copy(io.Discard, io.LimitReader(req.BodyStream(), int64(n)))
		} else {
			c.Context().SetConnectionClose()
		}
		return errBodyTooLarge
	}
	body, err := io.ReadAll(io.LimitReader(req.BodyStream(), int64(limit)+1))
	if err != nil {
		c.Context().SetConnectionClose()
		return apiErr(http.StatusBadRequest, "bad_request", "the request body could not be read")
	}
	if len(body) > limit {
		c.Context().SetConnectionClose()
		return errBodyTooLarge
	}
	req.SetBody(body)
	return c.Next()
}
