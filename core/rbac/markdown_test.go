package rbac_test

import (
	"os"
	"strings"
	"testing"

	"github.com/switchyard/switchyard/core/rbac"
)

// TestReadmeShowsThePermissionTable keeps the README's role table equal to
// the one the code enforces. Run with SWITCHYARD_WRITE_README=1 to print
// the table to paste.
func TestReadmeShowsThePermissionTable(t *testing.T) {
	md := rbac.Markdown()
	if os.Getenv("SWITCHYARD_WRITE_README") != "" {
		t.Log("\n" + md)
	}
	readme, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(readme), md) {
		t.Fatalf("README.md does not contain the permission table; it should read:\n%s", md)
	}
}
