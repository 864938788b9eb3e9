package httpapi

import (
	"net/url"
	"strings"
	"testing"
)

// FuzzValidLinkPath: a path a download link may name is an absolute URL
// path that needs no escaping and climbs nowhere, so it is compared byte
// for byte when the link is opened.
func FuzzValidLinkPath(f *testing.F) {
	for _, p := range []string{"/files/1/content", "/a/b%20c", "/", "/a/../b", "/a//b", "/a b", "/a?b", "/%zz", "/%2e%2e/x", "/é"} {
		f.Add(p)
	}
	f.Fuzz(func(t *testing.T, p string) {
		if !validLinkPath(p) {
			return
		}
		u, err := url.ParseRequestURI(p)
		if err != nil || u.RawQuery != "" || u.Fragment != "" || strings.ContainsAny(p, " ?#\\\x00") {
			t.Fatalf("accepted %q: %v %+v", p, err, u)
		}
		for _, seg := range strings.Split(p[1:], "/") {
			if seg == "" || seg == "." || seg == ".." {
				t.Fatalf("accepted %q: segment %q", p, seg)
			}
		}
		if u.EscapedPath() != p && u.Path != p {
			t.Fatalf("accepted %q, which a URL writes as %q", p, u.EscapedPath())
		}
	})
}
