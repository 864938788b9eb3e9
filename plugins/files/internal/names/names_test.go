package names

import (
	"errors"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

func TestClean(t *testing.T) {
	for _, tc := range []struct {
		name, in, want string
		ok             bool
	}{
		{"plain", "report.csv", "report.csv", true},
		{"spaces inside", "Q1 report (final).xlsx", "Q1 report (final).xlsx", true},
		{"unicode", "Données été.txt", "Données été.txt", true},
		{"NFD becomes NFC", "e\u0301te\u0301.txt", "été.txt", true},
		{"dot file", ".env", ".env", true},
		{"empty", "", "", false},
		{"dot", ".", "", false},
		{"dot dot", "..", "", false},
		{"slash", "a/b", "", false},
		{"backslash", `a\b`, "", false},
		{"NUL", "a\x00b", "", false},
		{"newline", "a\nb", "", false},
		{"bidi override", "invoice\u202Efdp.exe", "", false},
		{"leading space", " a", "", false},
		{"trailing space", "a ", "", false},
		{"trailing dot", "a.", "", false},
		{"device", "CON", "", false},
		{"device with extension", "nul.txt", "", false},
		{"too long", strings.Repeat("a", 256), "", false},
		{"longest", strings.Repeat("a", 255), strings.Repeat("a", 255), true},
		{"invalid UTF-8", "a\xffb", "", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := Clean(tc.in)
			if tc.ok != (err == nil) || got != tc.want {
				t.Fatalf("Clean(%q) = %q, %v", tc.in, got, err)
			}
			if err != nil && !errors.Is(err, ErrInvalid) {
				t.Fatalf("error %v does not wrap ErrInvalid", err)
			}
		})
	}
}

func TestSplitPath(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want []string
		ok   bool
	}{
		{"reports/2026/q1.csv", []string{"reports", "2026", "q1.csv"}, true},
		{"/a", []string{"a"}, true},
		{"", nil, true},
		{"../../etc/passwd", nil, false},
		{"a/../b", nil, false},
		{"a//b", nil, false},
		{"a/./b", nil, false},
		{"a/", nil, false},
	} {
		got, err := SplitPath(tc.in)
		if tc.ok != (err == nil) || strings.Join(got, "|") != strings.Join(tc.want, "|") {
			t.Errorf("SplitPath(%q) = %q, %v", tc.in, got, err)
		}
	}
}

// FuzzClean: whatever Clean accepts is safe to store.
func FuzzClean(f *testing.F) {
	for _, s := range []string{"a.txt", "..", "a/b", "\x00", "e\u0301", "CON.txt", " x", "\u202E"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		n, err := Clean(in)
		if err != nil {
			return
		}
		if n == "" || n == "." || n == ".." || len(n) > MaxLen || strings.ContainsAny(n, `/\`) || !utf8.ValidString(n) || !norm.NFC.IsNormalString(n) {
			t.Fatalf("Clean(%q) accepted %q", in, n)
		}
		for _, r := range n {
			if unicode.IsControl(r) || unicode.Is(unicode.Cf, r) {
				t.Fatalf("Clean(%q) accepted control character %U", in, r)
			}
		}
		if again, err := Clean(n); err != nil || again != n {
			t.Fatalf("Clean is not idempotent on %q: %q, %v", n, again, err)
		}
	})
}
