package main

import (
	"os/exec"
	"strings"
	"testing"
)

// TestPluginsImportOnlyTheSDK enforces the dependency rule of DESIGN.md for
// every first-party plugin: plugins import the sdk, never core or tenants.
func TestPluginsImportOnlyTheSDK(t *testing.T) {
	goBin, err := exec.LookPath("go")
	if err != nil {
		t.Skip("the go command is not on PATH")
	}
	const module = "github.com/switchyard/switchyard/"
	out, err := exec.Command(goBin, "list", "-deps", "-test", module+"plugins/...").CombinedOutput() //nolint:gosec // the go command from PATH
	if err != nil {
		t.Fatalf("go list: %v\n%s", err, out)
	}
	for _, pkg := range strings.Fields(string(out)) {
		pkg = strings.TrimSuffix(strings.Trim(pkg, "[]"), ".test")
		if strings.HasPrefix(pkg, module) && !strings.HasPrefix(pkg, module+"sdk") && !strings.HasPrefix(pkg, module+"plugins/") {
			t.Errorf("a plugin depends on %s", pkg)
		}
	}
}
