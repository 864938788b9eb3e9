package tenants

import (
	"fmt"
	"regexp"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Role is a member's role in one organization.
type Role string

// The roles, from most to least powerful.
const (
	RoleOwner  Role = "owner"
	RoleAdmin  Role = "admin"
	RoleMember Role = "member"
	RoleViewer Role = "viewer"
)

// Roles lists every role, most powerful first.
var Roles = []Role{RoleOwner, RoleAdmin, RoleMember, RoleViewer}

// ParseRole accepts exactly one of the role names.
func ParseRole(s string) (Role, error) {
	switch r := Role(s); r {
	case RoleOwner, RoleAdmin, RoleMember, RoleViewer:
		return r, nil
	}
	return "", invalid("role", fmt.Sprintf("must be one of owner, admin, member, viewer (got %q)", truncate(s, 32)))
}

// rank orders roles; higher is more powerful. Unknown roles rank lowest.
func (r Role) rank() int {
	switch r {
	case RoleOwner:
		return 4
	case RoleAdmin:
		return 3
	case RoleMember:
		return 2
	case RoleViewer:
		return 1
	}
	return 0
}

// AtLeast reports whether r is as powerful as other or more.
func (r Role) AtLeast(other Role) bool { return r.rank() >= other.rank() }

var slugPattern = regexp.MustCompile(`^[a-z0-9][a-z0-9-]{1,62}$`)

// ValidSlug reports whether s is a well-formed organization slug:
// ^[a-z0-9][a-z0-9-]{1,62}$. Every slug taken from a request is checked with
// it before it reaches a policy domain, a bus subject or a log line.
func ValidSlug(s string) bool { return slugPattern.MatchString(s) }

func checkSlug(s string) error {
	if !ValidSlug(s) {
		return invalid("slug", "must be 2-63 characters of a-z, 0-9 and '-', starting with a letter or digit")
	}
	return nil
}

// checkName validates a display name: 1-100 characters, no control characters.
func checkName(field, s string) (string, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return "", invalid(field, "is required")
	}
	if !utf8.ValidString(s) || utf8.RuneCountInString(s) > 100 {
		return "", invalid(field, "must be valid text of at most 100 characters")
	}
	for _, r := range s {
		if unicode.IsControl(r) {
			return "", invalid(field, "must not contain control characters")
		}
	}
	return s, nil
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}
