// Package apptest starts real Switchyard servers for tests: a whole App on
// a loopback port, on SQLite or (when configured) PostgreSQL, with cheap
// password hashing, and a small JSON client to drive it.
package apptest

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/switchyard/switchyard/core/app"
	"github.com/switchyard/switchyard/core/auth"
	"github.com/switchyard/switchyard/core/config"
	"github.com/switchyard/switchyard/core/events/natstest"
	"github.com/switchyard/switchyard/core/store"
	"github.com/switchyard/switchyard/core/store/storetest"
)

// CheapPasswords make argon2id fast enough for tests that register many users.
var CheapPasswords = auth.PasswordParams{Memory: 64, Iterations: 1, Parallelism: 1, SaltLength: 16, KeyLength: 32}

// Server is a running App.
type Server struct {
	App  *app.App
	URL  string
	stop context.CancelFunc
	done chan error
}

// Config returns a test configuration for engine: its own data directory
// or PostgreSQL schema, a fixed JWT secret, quiet logs.
func Config(t testing.TB, engine store.Engine) config.Config {
	t.Helper()
	cfg := config.Default()
	opts := storetest.Options(t, engine)
	cfg.DataDir = t.TempDir()
	cfg.DatabaseURL = opts.URL
	if engine == store.SQLite {
		cfg.DataDir = opts.DataDir
	}
	cfg.Addr = "127.0.0.1:0"
	cfg.JWTSecret = "test-secret-test-secret-test-secret-0123456789"
	cfg.LogLevel = "warn"
	cfg.LoginPerIP = 10_000
	cfg.LoginPerAccount = 10_000
	return cfg
}

// ReplicaConfig is Config for a core that shares PostgreSQL and NATS with
// other replicas: a JetStream stream and subject prefix of the test's own,
// the stream deleted when the test ends. Give each further replica its
// own DataDir.
func ReplicaConfig(t testing.TB) config.Config {
	t.Helper()
	cfg := Config(t, store.Postgres)
	cfg.NATSURL = natstest.URL(t)
	cfg.NATSStream, cfg.NATSPrefix = natstest.Names()
	t.Cleanup(func() {
		if nc, err := nats.Connect(cfg.NATSURL); err == nil {
			if js, err := jetstream.New(nc); err == nil {
				_ = js.DeleteStream(context.Background(), cfg.NATSStream)
			}
			nc.Close()
		}
	})
	return cfg
}

// Start runs an App with cfg until the test ends.
func Start(t testing.TB, cfg config.Config) *Server {
	t.Helper()
	log := slog.New(slog.NewTextHandler(testWriter{t}, &slog.HandlerOptions{Level: slog.LevelWarn}))
	a, err := app.New(context.Background(), cfg, log, app.Options{Password: CheapPasswords})
	if err != nil {
		t.Fatalf("start app: %v", err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	s := &Server{App: a, URL: "http://" + ln.Addr().String(), stop: cancel, done: make(chan error, 1)}
	go func() { s.done <- a.RunListener(ctx, ln) }()
	t.Cleanup(s.Stop)
	waitReady(t, s.URL)
	return s
}

// StartEngine starts an App on engine with the test defaults.
func StartEngine(t testing.TB, engine store.Engine) *Server {
	t.Helper()
	return Start(t, Config(t, engine))
}

// Stop shuts the server down (idempotent).
func (s *Server) Stop() {
	if s.stop == nil {
		return
	}
	s.stop()
	s.stop = nil
	<-s.done
}

func waitReady(t testing.TB, url string) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		resp, err := http.Get(url + "/readyz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return
			}
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatalf("server at %s never became ready", url)
}

type testWriter struct{ t testing.TB }

func (w testWriter) Write(p []byte) (int, error) {
	w.t.Log(strings.TrimRight(string(p), "\n"))
	return len(p), nil
}

// Client talks JSON to a Server, optionally with a bearer token.
type Client struct {
	Base  string
	Token string
	HTTP  *http.Client
}

// Client returns an anonymous client.
func (s *Server) Client() *Client {
	return &Client{Base: s.URL, HTTP: &http.Client{Timeout: 30 * time.Second}}
}

// As returns a copy of c that sends token.
func (c *Client) As(token string) *Client {
	cp := *c
	cp.Token = token
	return &cp
}

// Response is a decoded reply.
type Response struct {
	Status int
	Header http.Header
	Body   []byte
}

// JSON decodes the body into a map.
func (r *Response) JSON() map[string]any {
	var m map[string]any
	_ = json.Unmarshal(r.Body, &m)
	return m
}

// Decode decodes the body into v.
func (r *Response) Decode(t testing.TB, v any) {
	t.Helper()
	if err := json.Unmarshal(r.Body, v); err != nil {
		t.Fatalf("decode %s: %v", r.Body, err)
	}
}

// ErrorCode is error.code of an error reply ("" when there is none).
func (r *Response) ErrorCode() string {
	m := r.JSON()
	e, _ := m["error"].(map[string]any)
	code, _ := e["code"].(string)
	return code
}

// Do sends a request; body is marshalled as JSON unless it is a []byte or nil.
func (c *Client) Do(t testing.TB, method, path string, body any) *Response {
	t.Helper()
	var rd io.Reader
	switch b := body.(type) {
	case nil:
	case []byte:
		rd = bytes.NewReader(b)
	case string:
		rd = strings.NewReader(b)
	default:
		raw, err := json.Marshal(b)
		if err != nil {
			t.Fatal(err)
		}
		rd = bytes.NewReader(raw)
	}
	req, err := http.NewRequest(method, c.Base+path, rd)
	if err != nil {
		t.Fatal(err)
	}
	if rd != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if c.Token != "" {
		req.Header.Set("Authorization", "Bearer "+c.Token)
	}
	return c.Send(t, req)
}

// Send sends a prepared request.
func (c *Client) Send(t testing.TB, req *http.Request) *Response {
	t.Helper()
	resp, err := c.HTTP.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", req.Method, req.URL.Path, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return &Response{Status: resp.StatusCode, Header: resp.Header, Body: b}
}

// Must fails the test unless the reply has status want.
func (r *Response) Must(t testing.TB, want int) *Response {
	t.Helper()
	if r.Status != want {
		t.Fatalf("status %d, want %d: %s", r.Status, want, r.Body)
	}
	return r
}

// User is a registered account and its tokens.
type User struct {
	ID, Email, Access, Refresh string
}

var seq atomic.Int64

// Register creates a user with a unique email built from name.
func (s *Server) Register(t testing.TB, name string) *User {
	t.Helper()
	email := fmt.Sprintf("%s-%d@example.com", name, seq.Add(1))
	r := s.Client().Do(t, "POST", "/api/v1/auth/register", map[string]string{
		"email": email, "password": "correct horse battery", "name": name,
	}).Must(t, http.StatusCreated)
	var out struct {
		User struct {
			ID string `json:"id"`
		} `json:"user"`
		AccessToken  string `json:"access_token"`
		RefreshToken string `json:"refresh_token"`
	}
	r.Decode(t, &out)
	return &User{ID: out.User.ID, Email: email, Access: out.AccessToken, Refresh: out.RefreshToken}
}

// As is a client acting as u.
func (s *Server) As(u *User) *Client { return s.Client().As(u.Access) }

// CreateOrg creates an organization owned by u.
func (s *Server) CreateOrg(t testing.TB, u *User, slug string) {
	t.Helper()
	s.As(u).Do(t, "POST", "/api/v1/orgs", map[string]string{"slug": slug, "name": slug}).Must(t, http.StatusCreated)
}

// Join invites u into org with role (as owner) and accepts.
func (s *Server) Join(t testing.TB, owner *User, org string, u *User, role string) {
	t.Helper()
	r := s.As(owner).Do(t, "POST", "/api/v1/orgs/"+org+"/invitations", map[string]string{"email": u.Email, "role": role}).Must(t, http.StatusCreated)
	token, _ := r.JSON()["token"].(string)
	s.As(u).Do(t, "POST", "/api/v1/invitations/"+token+"/accept", nil).Must(t, http.StatusOK)
}
