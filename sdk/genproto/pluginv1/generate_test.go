package pluginv1_test

import (
	"os/exec"
	"path/filepath"
	"testing"
)

// TestGeneratedCodeIsCurrent regenerates the code from the .proto files into
// a temporary directory (sdk/proto/generate.sh --check) and fails when it
// differs from the committed code. It needs protoc and installs the pinned
// generators with the go command; without protoc it skips.
func TestGeneratedCodeIsCurrent(t *testing.T) {
	if testing.Short() {
		t.Skip("installs the protoc generators; skipped with -short")
	}
	if _, err := exec.LookPath("protoc"); err != nil {
		t.Skip("protoc is not installed (Debian: apt-get install -y protobuf-compiler); the generated-code check did not run")
	}
	if _, err := exec.LookPath("bash"); err != nil {
		t.Skip("bash is not installed; the generated-code check did not run")
	}
	script, err := filepath.Abs(filepath.Join("..", "..", "proto", "generate.sh"))
	if err != nil {
		t.Fatal(err)
	}
	out, err := exec.CommandContext(t.Context(), "bash", script, "--check").CombinedOutput() //nolint:gosec // the repository's own script
	if err != nil {
		t.Fatalf("sdk/genproto is stale or cannot be regenerated: %v\n%s", err, out)
	}
}
