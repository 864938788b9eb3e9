package httpapi_test

import (
	"encoding/json"
	"net/http"
	"regexp"
	"strings"
	"testing"

	"github.com/switchyard/switchyard/core/app/apptest"
	"github.com/switchyard/switchyard/core/store"
)

var fiberParam = regexp.MustCompile(`:([a-zA-Z_]+)`)

// TestOpenAPICoversEveryRoute compares Fiber's route table with the served
// OpenAPI document: a route registered without a declaration, or a
// declaration without a route, fails here.
func TestOpenAPICoversEveryRoute(t *testing.T) {
	s := apptest.StartEngine(t, store.SQLite)
	resp := s.Client().Do(t, "GET", "/api/openapi.json", nil).Must(t, http.StatusOK)
	var doc struct {
		OpenAPI string                                `json:"openapi"`
		Paths   map[string]map[string]json.RawMessage `json:"paths"`
	}
	if err := json.Unmarshal(resp.Body, &doc); err != nil {
		t.Fatal(err)
	}
	if doc.OpenAPI != "3.1.0" {
		t.Fatalf("openapi = %q", doc.OpenAPI)
	}
	seen := map[string]bool{}
	for _, r := range s.App.API.App().GetRoutes(true) {
		if r.Method == "HEAD" || r.Method == "USE" || !(strings.HasPrefix(r.Path, "/api/") || r.Path == "/healthz" || r.Path == "/readyz" || r.Path == "/metrics") {
			continue
		}
		p := fiberParam.ReplaceAllString(r.Path, "{$1}")
		if strings.HasSuffix(p, "/*") {
			p = strings.TrimSuffix(p, "/*") + "/{path}"
		}
		ops, ok := doc.Paths[p]
		if !ok {
			t.Errorf("route %s %s is not in the OpenAPI document", r.Method, r.Path)
			continue
		}
		if _, ok := ops[strings.ToLower(r.Method)]; !ok {
			t.Errorf("OpenAPI path %s lacks %s", p, r.Method)
		}
		seen[strings.ToLower(r.Method)+" "+p] = true
	}
	for p, ops := range doc.Paths {
		for m := range ops {
			if !seen[m+" "+p] {
				t.Errorf("OpenAPI documents %s %s, which no route serves", m, p)
			}
		}
	}
}
