package httpapi_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/switchyard/switchyard/core/app/apptest"
	"github.com/switchyard/switchyard/core/store"
)

func TestMetricsNeedAPlatformKey(t *testing.T) {
	s := apptest.StartEngine(t, store.SQLite)
	u := s.Register(t, "user")
	s.CreateOrg(t, u, "acme")
	s.Client().Do(t, "GET", "/metrics", nil).Must(t, http.StatusUnauthorized)
	s.As(u).Do(t, "GET", "/metrics", nil).Must(t, http.StatusForbidden)

	_, key, err := s.App.Auth.CreateAPIKey(t.Context(), platformKey())
	if err != nil {
		t.Fatal(err)
	}
	body := string(s.Client().As(key).Do(t, "GET", "/metrics", nil).Must(t, http.StatusOK).Body)
	for _, want := range []string{
		`switchyard_http_requests_total{method="POST",route="/api/v1/orgs",status="201"} 1`,
		"switchyard_http_request_duration_seconds_bucket",
		`go_sql_max_open_connections{db_name="switchyard"}`,
		"go_goroutines",
	} {
		if !strings.Contains(body, want) {
			t.Errorf("metrics lack %q", want)
		}
	}
	// Labels carry route templates, never a tenant's slug.
	if strings.Contains(body, "acme") {
		t.Error("metrics carry a tenant slug")
	}
}

func TestHealthAndReadiness(t *testing.T) {
	s := apptest.StartEngine(t, store.SQLite)
	s.Client().Do(t, "GET", "/healthz", nil).Must(t, http.StatusOK)
	r := s.Client().Do(t, "GET", "/readyz", nil).Must(t, http.StatusOK)
	if r.JSON()["checks"].(map[string]any)["database"] != "ok" {
		t.Fatalf("readyz = %s", r.Body)
	}
	if r.Header.Get("X-Request-ID") == "" || r.Header.Get("X-Content-Type-Options") != "nosniff" {
		t.Fatalf("missing request id or security headers: %v", r.Header)
	}
	_ = s.App.DB.Close()
	s.Client().Do(t, "GET", "/readyz", nil).Must(t, http.StatusServiceUnavailable)
}
