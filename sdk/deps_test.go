package sdk_test

import (
	"os/exec"
	"strings"
	"testing"
)

// TestSDKImportsNothingOfTheRepo enforces the dependency rule of DESIGN.md:
// sdk imports nothing of ours outside sdk/ (no core, tenants, plugins, web).
func TestSDKImportsNothingOfTheRepo(t *testing.T) {
	goBin, err := exec.LookPath("go")
	if err != nil {
		t.Skip("the go command is not on PATH")
	}
	const module = "github.com/switchyard/switchyard/"
	out, err := exec.Command(goBin, "list", "-deps", "-test", module+"sdk/...").CombinedOutput() //nolint:gosec // the go command from PATH
	if err != nil {
		t.Fatalf("go list: %v\n%s", err, out)
	}
	for _, pkg := range strings.Fields(string(out)) {
		pkg = strings.TrimSuffix(strings.Trim(pkg, "[]"), ".test")
		pkg = strings.TrimSuffix(pkg, "_test") // external test packages
		if strings.HasPrefix(pkg, module) && pkg != module+"sdk" && !strings.HasPrefix(pkg, module+"sdk/") {
			t.Errorf("sdk depends on %s", pkg)
		}
	}
}
