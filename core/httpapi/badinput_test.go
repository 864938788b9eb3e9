package httpapi_test

import (
	"bytes"
	"compress/gzip"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/switchyard/switchyard/core/app/apptest"
	"github.com/switchyard/switchyard/core/store"
	"github.com/switchyard/switchyard/core/store/storetest"
)

const testSecret = "test-secret-test-secret-test-secret-0123456789"

func signed(t *testing.T, method jwt.SigningMethod, key any, claims jwt.MapClaims) string {
	t.Helper()
	s, err := jwt.NewWithClaims(method, claims).SignedString(key)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// TestBadInput sends the malformed, oversized, forged and tricky requests a
// hostile or buggy client sends. Each gets a clear 4xx JSON error, and
// afterwards nothing has changed.
func TestBadInput(t *testing.T) {
	for _, engine := range storetest.Engines() {
		t.Run(string(engine), func(t *testing.T) { badInput(t, engine) })
	}
}

func badInput(t *testing.T, engine store.Engine) {
	s := apptest.StartEngine(t, engine)
	owner := s.Register(t, "owner")
	s.CreateOrg(t, owner, "acme")
	c := s.Client()
	now := time.Now()
	base := jwt.MapClaims{"iss": "switchyard", "sub": "someone", "sid": "s", "iat": now.Unix(), "exp": now.Add(time.Hour).Unix()}
	with := func(k string, v any) jwt.MapClaims {
		m := jwt.MapClaims{}
		for kk, vv := range base {
			m[kk] = vv
		}
		if v == nil {
			delete(m, k)
		} else {
			m[k] = v
		}
		return m
	}
	// A real access token's claims, re-signed in the ways an attacker would.
	realClaims := with("sub", owner.ID)
	none := signed(t, jwt.SigningMethodNone, jwt.UnsafeAllowNoneSignatureType, realClaims)
	otherKey := signed(t, jwt.SigningMethodHS256, []byte("another-secret-another-secret-another-secret"), realClaims)
	expired := signed(t, jwt.SigningMethodHS256, []byte(testSecret), with("exp", now.Add(-time.Hour).Unix()))
	noExp := signed(t, jwt.SigningMethodHS256, []byte(testSecret), with("exp", nil))
	wrongIss := signed(t, jwt.SigningMethodHS256, []byte(testSecret), with("iss", "someone-else"))
	hs512 := signed(t, jwt.SigningMethodHS512, []byte(testSecret), realClaims)

	var gz bytes.Buffer
	zw := gzip.NewWriter(&gz)
	_, _ = zw.Write(bytes.Repeat([]byte(" "), 50<<20))
	_ = zw.Close()

	big := bytes.Repeat([]byte("a"), 10<<20)
	bigJSON := append(append([]byte(`{"email":"`), big...), []byte(`","password":"x","name":"x"}`)...)

	type req struct {
		name   string
		method string
		path   string
		token  string
		body   []byte
		header map[string]string
		status int
		code   string
		field  string
	}
	reg := "/api/v1/auth/register"
	cases := []req{
		{name: "malformed JSON", method: "POST", path: reg, body: []byte(`{"email":`), status: 400, code: "invalid_json"},
		{name: "not an object", method: "POST", path: reg, body: []byte(`[1,2]`), status: 400, code: "invalid_json"},
		{name: "trailing data", method: "POST", path: reg, body: []byte(`{"email":"a@b.co","password":"password1","name":"a"} {}`), status: 400, code: "invalid_json"},
		{name: "missing field", method: "POST", path: reg, body: []byte(`{"email":"a@b.co","password":"password1"}`), status: 400, code: "invalid_input", field: "name"},
		{name: "wrong type", method: "POST", path: reg, body: []byte(`{"email":5,"password":"password1","name":"a"}`), status: 400, code: "invalid_input", field: "email"},
		{name: "unknown field", method: "POST", path: reg, body: []byte(`{"email":"a@b.co","password":"password1","name":"a","admin":true}`), status: 400, code: "unknown_field", field: "admin"},
		{name: "oversized field", method: "POST", path: reg, body: []byte(`{"email":"a@b.co","password":"password1","name":"` + strings.Repeat("n", 101) + `"}`), status: 400, code: "invalid_input", field: "name"},
		{name: "short password", method: "POST", path: reg, body: []byte(`{"email":"a@b.co","password":"short","name":"a"}`), status: 400, code: "invalid_input", field: "password"},
		{name: "bad email", method: "POST", path: reg, body: []byte(`{"email":"not-an-email","password":"password1","name":"a"}`), status: 400, code: "invalid_input", field: "email"},
		{name: "wrong content type", method: "POST", path: reg, body: []byte(`email=a`), header: map[string]string{"Content-Type": "application/x-www-form-urlencoded"}, status: 415, code: "unsupported_media_type"},
		{name: "10 MiB body", method: "POST", path: reg, body: bigJSON, status: 413, code: "body_too_large"},
		{name: "gzip bomb", method: "POST", path: reg, body: gz.Bytes(), header: map[string]string{"Content-Encoding": "gzip"}, status: 415, code: "unsupported_media_type"},
		{name: "empty body", method: "POST", path: "/api/v1/orgs", token: owner.Access, status: 400, code: "invalid_json"},
		{name: "bad slug", method: "POST", path: "/api/v1/orgs", token: owner.Access, body: []byte(`{"slug":"Bad Slug","name":"x"}`), status: 400, code: "invalid_input", field: "slug"},
		{name: "bad role", method: "POST", path: "/api/v1/orgs/acme/invitations", token: owner.Access, body: []byte(`{"email":"x@example.com","role":"god"}`), status: 400, code: "invalid_input", field: "role"},
		{name: "bad limit", method: "GET", path: "/api/v1/orgs/acme/members?limit=abc", token: owner.Access, status: 400, code: "invalid_input", field: "limit"},
		{name: "bad cursor", method: "GET", path: "/api/v1/orgs/acme/members?cursor=***", token: owner.Access, status: 400, code: "invalid_input", field: "cursor"},
		{name: "no token", method: "GET", path: "/api/v1/me", status: 401, code: "unauthenticated"},
		{name: "not bearer", method: "GET", path: "/api/v1/me", header: map[string]string{"Authorization": "Basic YTpi"}, status: 401, code: "unauthenticated"},
		{name: "alg none", method: "GET", path: "/api/v1/me", token: none, status: 401, code: "invalid_token"},
		{name: "another key", method: "GET", path: "/api/v1/me", token: otherKey, status: 401, code: "invalid_token"},
		{name: "HS512", method: "GET", path: "/api/v1/me", token: hs512, status: 401, code: "invalid_token"},
		{name: "expired", method: "GET", path: "/api/v1/me", token: expired, status: 401, code: "invalid_token"},
		{name: "no exp", method: "GET", path: "/api/v1/me", token: noExp, status: 401, code: "invalid_token"},
		{name: "wrong issuer", method: "GET", path: "/api/v1/me", token: wrongIss, status: 401, code: "invalid_token"},
		{name: "refresh token as access token", method: "GET", path: "/api/v1/me", token: owner.Refresh, status: 401, code: "invalid_token"},
		{name: "garbage token", method: "GET", path: "/api/v1/me", token: "a.b.c", status: 401, code: "invalid_token"},
		{name: "unknown API key", method: "GET", path: "/api/v1/orgs/acme", token: "sy_nope", status: 401, code: "invalid_token"},
		{name: "unknown refresh token", method: "POST", path: "/api/v1/auth/refresh", body: []byte(`{"refresh_token":"nope"}`), status: 401, code: "invalid_token"},
		{name: "double slash to admin", method: "GET", path: "//api/v1/admin/tenants", token: owner.Access, status: 400, code: "bad_path"},
		{name: "inner double slash", method: "GET", path: "/api/v1//admin/tenants", token: owner.Access, status: 400, code: "bad_path"},
		{name: "encoded dot-dot into another org", method: "GET", path: "/api/v1/orgs/other/%2e%2e/acme/members", token: owner.Access, status: 400, code: "bad_path"},
		{name: "encoded dot-dot to admin", method: "GET", path: "/api/v1/orgs/acme/%2E%2E/%2e%2e/admin/tenants", token: owner.Access, status: 400, code: "bad_path"},
		{name: "encoded slash", method: "GET", path: "/api/v1/orgs/acme%2fmembers", token: owner.Access, status: 400, code: "bad_path"},
		{name: "upper case path", method: "GET", path: "/API/V1/ADMIN/TENANTS", token: owner.Access, status: 404, code: "not_found"},
		{name: "upper case slug", method: "GET", path: "/api/v1/orgs/ACME/members", token: owner.Access, status: 404, code: "not_found"},
		{name: "trailing slash", method: "GET", path: "/api/v1/orgs/acme/members/", token: owner.Access, status: 200},
		{name: "unknown endpoint", method: "GET", path: "/api/v1/nope", status: 404, code: "not_found"},
		{name: "wrong method", method: "PUT", path: "/api/v1/auth/login", status: 404, code: "not_found"},
		{name: "long slug", method: "GET", path: "/api/v1/orgs/" + strings.Repeat("a", 300) + "/members", token: owner.Access, status: 404, code: "not_found"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r, err := http.NewRequest(tc.method, s.URL+tc.path, bytes.NewReader(tc.body))
			if err != nil {
				t.Fatal(err)
			}
			if tc.body != nil {
				r.Header.Set("Content-Type", "application/json")
			}
			if tc.token != "" {
				r.Header.Set("Authorization", "Bearer "+tc.token)
			}
			for k, v := range tc.header {
				r.Header.Set(k, v)
			}
			resp := c.Send(t, r)
			if resp.Status != tc.status {
				t.Fatalf("status %d, want %d: %s", resp.Status, tc.status, resp.Body)
			}
			if tc.status >= 400 {
				if ct := resp.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
					t.Fatalf("error content type %q: %s", ct, resp.Body)
				}
				if got := resp.ErrorCode(); got != tc.code {
					t.Fatalf("code %q, want %q: %s", got, tc.code, resp.Body)
				}
				e := resp.JSON()["error"].(map[string]any)
				if msg, _ := e["message"].(string); msg == "" {
					t.Fatalf("error without a message: %s", resp.Body)
				}
				if tc.field != "" && e["field"] != tc.field {
					t.Fatalf("field %v, want %q: %s", e["field"], tc.field, resp.Body)
				}
			}
		})
	}

	// Nothing above created a user or an organization.
	var users, orgs int64
	s.App.DB.Table("users").Count(&users)
	s.App.DB.Table("organizations").Count(&orgs)
	if users != 1 || orgs != 1 {
		t.Fatalf("bad input changed state: %d users, %d orgs", users, orgs)
	}
}

// TestSQLMetacharacters puts SQL in every string field of every write the
// foundation offers. Injection never executes: each request is either
// refused with a 4xx or stores the text literally, and the tables survive.
func TestSQLMetacharacters(t *testing.T) {
	payloads := []string{`'; DROP TABLE users; --`, `" OR 1=1 --`, `\'; DELETE FROM organizations; --`, "a\x00b", `%_*`}
	for _, engine := range storetest.Engines() {
		t.Run(string(engine), func(t *testing.T) {
			s := apptest.StartEngine(t, engine)
			owner := s.Register(t, "owner")
			s.CreateOrg(t, owner, "acme")
			c := s.As(owner)
			for i, p := range payloads {
				writes := []struct {
					method, path string
					body         map[string]any
				}{
					{"POST", "/api/v1/auth/register", map[string]any{"email": p, "password": "password1", "name": "x"}},
					{"POST", "/api/v1/auth/register", map[string]any{"email": "sql" + itoa(i) + "@example.com", "password": p + "-long-enough", "name": p}},
					{"POST", "/api/v1/auth/login", map[string]any{"email": p, "password": p}},
					{"POST", "/api/v1/orgs", map[string]any{"slug": p, "name": "x"}},
					{"POST", "/api/v1/orgs", map[string]any{"slug": "sql-" + itoa(i), "name": p}},
					{"PATCH", "/api/v1/orgs/acme", map[string]any{"name": p}},
					{"POST", "/api/v1/orgs/acme/invitations", map[string]any{"email": p, "role": "viewer"}},
					{"POST", "/api/v1/orgs/acme/invitations", map[string]any{"email": "i" + itoa(i) + "@example.com", "role": p}},
					{"PATCH", "/api/v1/orgs/acme/members/" + urlEscape(p), map[string]any{"role": "viewer"}},
					{"POST", "/api/v1/orgs/acme/api-keys", map[string]any{"name": p, "permissions": []string{p}}},
					{"POST", "/api/v1/auth/refresh", map[string]any{"refresh_token": p}},
				}
				for _, w := range writes {
					r := c.Do(t, w.method, w.path, w.body)
					if r.Status >= 500 {
						t.Fatalf("%s %s with %q: %d %s", w.method, w.path, p, r.Status, r.Body)
					}
				}
			}
			// The tables are intact and literal text round-trips.
			var users int64
			if err := s.App.DB.Table("users").Count(&users).Error; err != nil || users == 0 {
				t.Fatalf("users table damaged: %d %v", users, err)
			}
			org := c.Do(t, "GET", "/api/v1/orgs/acme", nil).Must(t, http.StatusOK).JSON()
			if org["name"] != payloads[len(payloads)-1] {
				t.Fatalf("name stored as %q", org["name"])
			}
		})
	}
}

// TestSuspension checks that a suspended organization refuses its members
// and keys, and that only a platform admin suspends and resumes.
func TestSuspension(t *testing.T) {
	s := apptest.StartEngine(t, store.SQLite)
	owner := s.Register(t, "owner")
	s.CreateOrg(t, owner, "acme")
	admin := s.Register(t, "operator")
	if err := s.App.Auth.SetPlatformAdmin(t.Context(), admin.ID, true); err != nil {
		t.Fatal(err)
	}
	s.As(owner).Do(t, "POST", "/api/v1/admin/tenants/acme/suspend", nil).Must(t, http.StatusForbidden)
	s.As(admin).Do(t, "POST", "/api/v1/admin/tenants/acme/suspend", map[string]string{"reason": "unpaid invoice"}).Must(t, http.StatusOK)
	r := s.As(owner).Do(t, "GET", "/api/v1/orgs/acme/members", nil)
	if r.Status != http.StatusForbidden || r.ErrorCode() != "org_suspended" {
		t.Fatalf("suspended org answered %d %s", r.Status, r.Body)
	}
	list := s.As(admin).Do(t, "GET", "/api/v1/admin/tenants", nil).Must(t, http.StatusOK).JSON()
	items := list["items"].([]any)
	if len(items) != 1 || items[0].(map[string]any)["suspended"] != true || items[0].(map[string]any)["members"].(float64) != 1 {
		t.Fatalf("tenants = %v", items)
	}
	s.As(admin).Do(t, "POST", "/api/v1/admin/tenants/acme/resume", nil).Must(t, http.StatusOK)
	s.As(owner).Do(t, "GET", "/api/v1/orgs/acme/members", nil).Must(t, http.StatusOK)
	s.As(admin).Do(t, "POST", "/api/v1/admin/tenants/nope/suspend", nil).Must(t, http.StatusNotFound)
	sys := s.As(admin).Do(t, "GET", "/api/v1/admin/system", nil).Must(t, http.StatusOK).JSON()
	if sys["database"] != "sqlite" || sys["database_ok"] != true {
		t.Fatalf("system = %v", sys)
	}
}

// TestLoginThrottleAndEnumeration: the answer for an unknown email is the
// same as for a wrong password, and repeated attempts are throttled per
// account whether or not it exists.
func TestLoginThrottleAndEnumeration(t *testing.T) {
	cfg := apptest.Config(t, store.SQLite)
	cfg.LoginPerAccount = 3
	s := apptest.Start(t, cfg)
	u := s.Register(t, "target")
	wrong := s.Client().Do(t, "POST", "/api/v1/auth/login", map[string]string{"email": u.Email, "password": "wrong password"})
	unknown := s.Client().Do(t, "POST", "/api/v1/auth/login", map[string]string{"email": "ghost@example.com", "password": "wrong password"})
	if wrong.Status != 401 || unknown.Status != 401 || string(wrong.Body) != string(unknown.Body) {
		t.Fatalf("wrong password %d %s vs unknown email %d %s", wrong.Status, wrong.Body, unknown.Status, unknown.Body)
	}
	for _, email := range []string{u.Email, "ghost@example.com"} {
		var last *apptest.Response
		for range 4 {
			last = s.Client().Do(t, "POST", "/api/v1/auth/login", map[string]string{"email": email, "password": "wrong password"})
		}
		if last.Status != http.StatusTooManyRequests || last.Header.Get("Retry-After") == "" {
			t.Fatalf("%s: attempt 5 answered %d %s", email, last.Status, last.Body)
		}
	}
}
