package outbound_test

import (
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/switchyard/switchyard/sdk/outbound"
)

func TestClassify(t *testing.T) {
	cases := []struct {
		addr   string
		public bool
	}{
		{"8.8.8.8", true},
		{"1.1.1.1", true},
		{"2606:4700:4700::1111", true},
		{"127.0.0.1", false},
		{"127.255.0.9", false},
		{"::1", false},
		{"10.0.0.1", false},
		{"172.16.5.4", false},
		{"192.168.1.1", false},
		{"169.254.169.254", false}, // cloud metadata
		{"fe80::1", false},
		{"fc00::1", false},
		{"0.0.0.0", false},
		{"::", false},
		{"100.64.0.1", false},
		{"224.0.0.1", false},
		{"255.255.255.255", false},
		{"::ffff:127.0.0.1", false},  // IPv4-mapped loopback
		{"64:ff9b::7f00:1", false},   // NAT64 of 127.0.0.1
		{"64:ff9b::808:808", true},   // NAT64 of 8.8.8.8
		{"2002:c0a8:0101::1", false}, // 6to4 of 192.168.1.1
		{"198.18.0.1", false},
		{"240.0.0.1", false},
	}
	for _, tc := range cases {
		t.Run(tc.addr, func(t *testing.T) {
			reason := outbound.Classify(netip.MustParseAddr(tc.addr))
			if (reason == "") != tc.public {
				t.Fatalf("Classify(%s) = %q, want public=%v", tc.addr, reason, tc.public)
			}
		})
	}
}

func TestParse(t *testing.T) {
	p, err := outbound.Parse([]string{" 10.1.0.0/16", "192.168.7.7", "db.internal", "*.corp.example", ""})
	if err != nil {
		t.Fatal(err)
	}
	for addr, ok := range map[string]bool{"10.1.2.3": true, "10.2.0.1": false, "192.168.7.7": true, "192.168.7.8": false, "8.8.8.8": true} {
		err := p.CheckAddr(netip.MustParseAddr(addr))
		if (err == nil) != ok {
			t.Errorf("CheckAddr(%s) = %v, want allowed=%v", addr, err, ok)
		}
	}
	for _, bad := range []string{"not a host", "http://x", "a..b", "-x.com"} {
		if _, err := outbound.Parse([]string{bad}); err == nil {
			t.Errorf("Parse(%q) accepted", bad)
		}
	}
}

func newServer(t *testing.T) *httptest.Server {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		_, _ = io.WriteString(w, "ok")
	}))
	t.Cleanup(srv.Close)
	return srv
}

// TestLoopbackRefusedUnlessAllowed is the rule plugins rely on: a source on
// loopback is refused with an error that says how to allow it, and reached
// once the operator lists it.
func TestLoopbackRefusedUnlessAllowed(t *testing.T) {
	srv := newServer(t)
	_, port, _ := net.SplitHostPort(strings.TrimPrefix(srv.URL, "http://"))

	_, err := outbound.Public().HTTPClient(5 * time.Second).Get(srv.URL)
	if !errors.Is(err, outbound.ErrRefused) {
		t.Fatalf("public-only policy reached %s: %v", srv.URL, err)
	}
	if !strings.Contains(err.Error(), "loopback") || !strings.Contains(err.Error(), outbound.EnvAllow) {
		t.Fatalf("error does not explain itself: %v", err)
	}

	// The name "localhost" resolves to loopback at connect time: refused
	// too, whatever the name looked like.
	_, err = outbound.Public().HTTPClient(5 * time.Second).Get("http://localhost:" + port)
	if !errors.Is(err, outbound.ErrRefused) {
		t.Fatalf("localhost was reached: %v", err)
	}

	for _, allow := range []string{"127.0.0.1", "127.0.0.0/8", "localhost"} {
		p, err := outbound.ParseList(allow + ",::1")
		if err != nil {
			t.Fatal(err)
		}
		target := srv.URL
		if allow == "localhost" {
			target = "http://localhost:" + port
		}
		resp, err := p.HTTPClient(5 * time.Second).Get(target)
		if err != nil {
			t.Fatalf("allow %s: %v", allow, err)
		}
		_ = resp.Body.Close()
	}
}

// TestRedirectToLoopbackRefused: a public-looking server cannot bounce the
// client into the private network: every hop dials through the guard.
func TestRedirectToLoopbackRefused(t *testing.T) {
	target := newServer(t)
	redirector := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, target.URL, http.StatusFound)
	}))
	defer redirector.Close()
	// Allow the redirector's port only by allowing nothing but checking the
	// second hop: both are loopback here, so allow the first by name.
	p, err := outbound.Parse([]string{"redirector.test"})
	if err != nil {
		t.Fatal(err)
	}
	c := p.HTTPClient(5 * time.Second)
	_, err = c.Get(redirector.URL)
	if !errors.Is(err, outbound.ErrRefused) {
		t.Fatalf("redirect chain reached loopback: %v", err)
	}
}

func TestUnixSocketsRefused(t *testing.T) {
	p, _ := outbound.ParseList("127.0.0.1")
	_, err := p.DialContext(t.Context(), "unix", "/var/run/postgresql/.s.PGSQL.5432")
	if !errors.Is(err, outbound.ErrRefused) {
		t.Fatalf("unix dial: %v", err)
	}
}

func FuzzParse(f *testing.F) {
	for _, s := range []string{"10.0.0.0/8,db.internal", "*.x.y", "::1", "a,b,,c", "300.1.1.1"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		p, err := outbound.ParseList(s)
		if err != nil {
			return
		}
		// Whatever the list, loopback stays refused unless an entry covers it.
		_ = p.CheckAddr(netip.MustParseAddr("127.0.0.1"))
	})
}
