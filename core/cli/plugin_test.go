package cli

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func run(t *testing.T, args ...string) (string, int) {
	t.Helper()
	var out, errb bytes.Buffer
	code := Execute(context.Background(), args, &out, &errb)
	return out.String() + errb.String(), code
}

// TestPluginPublishing walks a publisher's commands: a key, a packed
// binary, a signed catalog that verifies with that key and not another.
func TestPluginPublishing(t *testing.T) {
	dir := t.TempDir()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	bin := filepath.Join(dir, "echo")
	if out, err := exec.CommandContext(ctx, "go", "build", "-o", bin, "github.com/switchyard/switchyard/sdk/examples/echo").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	key, cat := filepath.Join(dir, "keys", "publisher.key"), filepath.Join(dir, "catalog")

	pub, code := run(t, "plugin", "keygen", "--out", key)
	if code != 0 || len(strings.TrimSpace(pub)) != 44 {
		t.Fatalf("keygen: %d %q", code, pub)
	}
	if st, err := os.Stat(key); err != nil || st.Mode().Perm() != 0o600 {
		t.Fatalf("key file: %v %v", st, err)
	}
	if out, code := run(t, "plugin", "keygen", "--out", key); code == 0 {
		t.Fatalf("keygen overwrote a key: %s", out)
	}
	if again, code := run(t, "plugin", "keygen", "--out", key, "--if-missing"); code != 0 || again != pub {
		t.Fatalf("keygen --if-missing: %d %q", code, again)
	}
	if out, code := run(t, "plugin", "pack", "--catalog", cat, "--binary", bin); code != 0 || !strings.Contains(out, "packed echo 1.0.0") {
		t.Fatalf("pack: %d %s", code, out)
	}
	if out, code := run(t, "plugin", "verify", "--catalog", cat, "--key", key); code == 0 || !strings.Contains(out, "not signed") {
		t.Fatalf("verify before signing: %d %s", code, out)
	}
	if out, code := run(t, "plugin", "sign", "--catalog", cat, "--key", key); code != 0 || !strings.Contains(out, "signed 1") {
		t.Fatalf("sign: %d %s", code, out)
	}
	if out, code := run(t, "plugin", "verify", "--catalog", cat, "--trusted-key", strings.TrimSpace(pub)); code != 0 || !strings.Contains(out, "1 releases verified") {
		t.Fatalf("verify: %d %s", code, out)
	}
	other, _ := run(t, "plugin", "keygen", "--out", filepath.Join(dir, "other.key"))
	if out, code := run(t, "plugin", "verify", "--catalog", cat, "--trusted-key", strings.TrimSpace(other)); code == 0 || !strings.Contains(out, "does not trust") {
		t.Fatalf("verify with another key: %d %s", code, out)
	}
	// A binary changed after signing fails verification.
	packed := filepath.Join(cat, "echo", "1.0.0")
	entries, _ := os.ReadDir(packed)
	target := filepath.Join(packed, entries[0].Name(), "echo")
	if err := os.WriteFile(target, []byte("not the plugin"), 0o755); err != nil {
		t.Fatal(err)
	}
	if out, code := run(t, "plugin", "verify", "--catalog", cat, "--key", key); code == 0 || !strings.Contains(out, "hashes to") {
		t.Fatalf("verify of a swapped binary: %d %s", code, out)
	}
}
