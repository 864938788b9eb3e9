package tenants

import "testing"

// FuzzValidSlug checks the slug grammar against a second, plain reading of
// it: ^[a-z0-9][a-z0-9-]{1,62}$. A slug that passes is safe as a policy
// domain, a bus subject token and a log field.
func FuzzValidSlug(f *testing.F) {
	for _, s := range []string{"acme", "a", "ab", "-ab", "a-b", "A", "a b", "a.b", "a*", "a>", "ä", "a\n", string(make([]byte, 63)), "0123456789012345678901234567890123456789012345678901234567890123"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		want := len(s) >= 2 && len(s) <= 63
		for i := 0; want && i < len(s); i++ {
			c := s[i]
			ok := (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || (c == '-' && i > 0)
			want = ok
		}
		if got := ValidSlug(s); got != want {
			t.Fatalf("ValidSlug(%q) = %v, want %v", s, got, want)
		}
	})
}
