package auth

import (
	"strings"
	"testing"
	"time"
)

// FuzzVerifyAccess feeds arbitrary strings to access-token verification:
// it never panics, and the only strings it accepts carry the claims of the
// token the issuer signed (a mutated token never verifies as someone else).
func FuzzVerifyAccess(f *testing.F) {
	iss, err := newIssuer([]byte(strings.Repeat("k", 32)), "switchyard", time.Hour)
	if err != nil {
		f.Fatal(err)
	}
	good, err := iss.sign("user-1", "session-1", time.Now())
	if err != nil {
		f.Fatal(err)
	}
	f.Add(good)
	f.Add(good + "x")
	f.Add(strings.Replace(good, ".", "..", 1))
	f.Add("eyJhbGciOiJub25lIn0.eyJzdWIiOiJ4In0.")
	f.Add("")
	f.Add("a.b.c")
	f.Fuzz(func(t *testing.T, token string) {
		c, err := iss.verify(token)
		if err != nil {
			if err != ErrTokenInvalid {
				t.Fatalf("unexpected error %v", err)
			}
			return
		}
		if c.Subject != "user-1" || c.SessionID != "session-1" || c.Issuer != "switchyard" {
			t.Fatalf("verified foreign claims %+v from %q", c, token)
		}
	})
}
