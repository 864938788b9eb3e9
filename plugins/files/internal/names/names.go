package names

import (
	"errors"
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// MaxLen is the longest name in bytes, after normalization.
const MaxLen = 255

// MaxDepth is the most components a path may have.
const MaxDepth = 64

// ErrInvalid is wrapped by every error of this package.
var ErrInvalid = errors.New("invalid name")

// reserved are the device names Windows reserves, with or without an
// extension.
var reserved = map[string]bool{
	"CON": true, "PRN": true, "AUX": true, "NUL": true,
	"COM1": true, "COM2": true, "COM3": true, "COM4": true, "COM5": true, "COM6": true, "COM7": true, "COM8": true, "COM9": true,
	"LPT1": true, "LPT2": true, "LPT3": true, "LPT4": true, "LPT5": true, "LPT6": true, "LPT7": true, "LPT8": true, "LPT9": true,
}

// Clean returns name normalized to NFC, or an error saying why it cannot be
// stored.
func Clean(name string) (string, error) {
	if !utf8.ValidString(name) {
		return "", fmt.Errorf("%w: not valid UTF-8", ErrInvalid)
	}
	n := norm.NFC.String(name)
	switch {
	case n == "":
		return "", fmt.Errorf("%w: empty", ErrInvalid)
	case n == "." || n == "..":
		return "", fmt.Errorf("%w: %q is not allowed", ErrInvalid, n)
	case len(n) > MaxLen:
		return "", fmt.Errorf("%w: longer than %d bytes", ErrInvalid, MaxLen)
	case strings.ContainsAny(n, `/\`):
		return "", fmt.Errorf("%w: %q holds a slash", ErrInvalid, n)
	case strings.HasPrefix(n, " ") || strings.HasSuffix(n, " "):
		return "", fmt.Errorf("%w: %q starts or ends with a space", ErrInvalid, n)
	case strings.HasSuffix(n, "."):
		return "", fmt.Errorf("%w: %q ends with a dot", ErrInvalid, n)
	}
	for _, r := range n {
		if unicode.IsControl(r) || unicode.Is(unicode.Cf, r) || r == utf8.RuneError {
			return "", fmt.Errorf("%w: %q holds the control character %U", ErrInvalid, n, r)
		}
	}
	stem, _, _ := strings.Cut(n, ".")
	if reserved[strings.ToUpper(strings.TrimRight(stem, " "))] {
		return "", fmt.Errorf("%w: %q is a reserved device name", ErrInvalid, n)
	}
	return n, nil
}

// SplitPath parses a slash-separated path ("reports/2026/q1.csv"; a
// leading slash is allowed) into cleaned names. Empty components, "." and
// ".." are refused, so a path never climbs out of the tree.
func SplitPath(p string) ([]string, error) {
	p = strings.TrimPrefix(p, "/")
	if p == "" {
		return nil, nil
	}
	parts := strings.Split(p, "/")
	if len(parts) > MaxDepth {
		return nil, fmt.Errorf("%w: deeper than %d folders", ErrInvalid, MaxDepth)
	}
	out := make([]string, 0, len(parts))
	for i, part := range parts {
		if part == "" {
			return nil, fmt.Errorf("%w: component %d of the path is empty", ErrInvalid, i+1)
		}
		c, err := Clean(part)
		if err != nil {
			return nil, fmt.Errorf("path component %d: %w", i+1, err)
		}
		out = append(out, c)
	}
	return out, nil
}
