package httpapi

import (
	"encoding/json"
	"net/http"
	"regexp"
	"strings"

	"github.com/gofiber/fiber/v2"
	"github.com/invopop/jsonschema"

	"github.com/switchyard/switchyard/core/version"
)

// OpenAPI builds the OpenAPI 3.1 document of every declared route, plus
// the operational endpoints. Schemas are reflected from the Go types the
// handlers decode and encode, so they cannot drift from the code.
func (a *API) OpenAPI() map[string]any {
	ref := &jsonschema.Reflector{DoNotReference: true, Anonymous: true, AllowAdditionalProperties: false}
	schema := func(v any) any {
		s := ref.Reflect(v)
		s.Version = ""
		return s
	}
	errorSchema := schema(errorBody{})
	errResp := func(desc string) map[string]any {
		return map[string]any{"description": desc, "content": map[string]any{"application/json": map[string]any{"schema": map[string]any{"$ref": "#/components/schemas/Error"}}}}
	}

	paths := map[string]map[string]any{}
	for _, r := range a.routes.routes {
		p := openAPIPath(a.routes.prefix, r.Path)
		op := map[string]any{
			"summary":     r.Summary,
			"tags":        []string{r.Tag},
			"operationId": operationID(r.Method, r.Path),
		}
		var params []any
		for _, name := range pathParams(r.Path) {
			params = append(params, map[string]any{"name": name, "in": "path", "required": true, "schema": map[string]any{"type": "string"}})
		}
		for _, q := range r.Query {
			params = append(params, map[string]any{"name": q.Name, "in": "query", "description": q.Description, "schema": map[string]any{"type": q.Type}})
		}
		if len(params) > 0 {
			op["parameters"] = params
		}
		if r.Body != nil {
			op["requestBody"] = map[string]any{"required": true, "content": map[string]any{"application/json": map[string]any{"schema": schema(r.Body)}}}
		}
		ok := map[string]any{"description": http.StatusText(r.Status)}
		if r.Resp != nil {
			ok["content"] = map[string]any{"application/json": map[string]any{"schema": schema(r.Resp)}}
		}
		responses := map[string]any{itoa(r.Status): ok, "400": errResp("Invalid input"), "default": errResp("Error")}
		switch r.Access {
		case Public:
			op["security"] = []any{}
		case SignedIn, Platform:
			responses["401"] = errResp("Not signed in")
			responses["403"] = errResp("Not allowed")
		case InOrg:
			responses["401"] = errResp("Not signed in")
			responses["403"] = errResp("Member without the permission " + string(r.Perm) + ", or organization suspended")
			responses["404"] = errResp("No such organization, or not a member")
			op["x-permission"] = string(r.Perm)
		}
		op["responses"] = responses
		if paths[p] == nil {
			paths[p] = map[string]any{}
		}
		paths[p][strings.ToLower(r.Method)] = op
	}
	plain := func(summary string) map[string]any {
		return map[string]any{"get": map[string]any{"summary": summary, "tags": []string{"operations"}, "security": []any{},
			"responses": map[string]any{"200": map[string]any{"description": "OK"}, "503": map[string]any{"description": "Not ready"}}}}
	}
	paths["/healthz"] = plain("Liveness: the process answers")
	paths["/readyz"] = plain("Readiness: the database and components answer")
	paths["/metrics"] = map[string]any{"get": map[string]any{"summary": "Prometheus metrics (a platform API key, or SWITCHYARD_METRICS_ADDR)", "tags": []string{"operations"},
		"responses": map[string]any{"200": map[string]any{"description": "Prometheus text format"}}}}
	paths["/api/openapi.json"] = plain("This document")

	return map[string]any{
		"openapi": "3.1.0",
		"info": map[string]any{
			"title":       "Switchyard API",
			"version":     version.Get().Version,
			"description": "Self-hosted, plugin-based, multi-tenant real-time platform. Errors are {\"error\":{\"code\",\"message\",\"field\"}}.",
		},
		"servers":  []any{map[string]any{"url": "/"}},
		"security": []any{map[string]any{"bearer": []any{}}},
		"paths":    paths,
		"components": map[string]any{
			"securitySchemes": map[string]any{"bearer": map[string]any{
				"type": "http", "scheme": "bearer",
				"description": "An access token (JWT from /auth/login) or an API key (sy_…).",
			}},
			"schemas": map[string]any{"Error": errorSchema},
		},
	}
}

func (a *API) serveOpenAPI(c *fiber.Ctx) error {
	a.openapiOnce.Do(func() {
		a.openapiDoc, a.openapiErr = json.Marshal(a.OpenAPI())
	})
	if a.openapiErr != nil {
		return a.openapiErr
	}
	c.Type("json")
	return c.Send(a.openapiDoc)
}

var pathParam = regexp.MustCompile(`:([a-zA-Z_]+)`)

func pathParams(p string) []string {
	var out []string
	for _, m := range pathParam.FindAllStringSubmatch(p, -1) {
		out = append(out, m[1])
	}
	if strings.HasSuffix(p, "/*") {
		out = append(out, "path")
	}
	return out
}

func operationID(method, path string) string {
	parts := []string{strings.ToLower(method)}
	for _, seg := range strings.Split(strings.Trim(path, "/"), "/") {
		seg = strings.TrimPrefix(seg, ":")
		seg = strings.NewReplacer("-", "_", "*", "path").Replace(seg)
		parts = append(parts, seg)
	}
	return strings.Join(parts, "_")
}
