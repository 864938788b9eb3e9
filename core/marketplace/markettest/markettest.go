// Package markettest builds signed plugin catalogs for tests: compile a
// plugin, pack it into a catalog directory and sign it with a throwaway
// publisher key, exactly as `switchyard plugin pack` and `sign` do.
package markettest

import (
	"context"
	"crypto/ed25519"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/switchyard/switchyard/core/marketplace"
)

// Build compiles the main package pkg into a new file under dir, passing
// ldflags (may be empty), and returns its path.
func Build(tb testing.TB, pkg, dir, ldflags string) string {
	tb.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	out := filepath.Join(dir, strings.NewReplacer("/", "_", ".", "_").Replace(pkg)+fmt.Sprintf("-%d", time.Now().UnixNano()))
	args := []string{"build", "-o", out}
	if ldflags != "" {
		args = append(args, "-ldflags", ldflags)
	}
	cmd := exec.CommandContext(ctx, "go", append(args, pkg)...) //nolint:gosec // the test names its package
	cmd.Stdout = io.Discard
	var stderr strings.Builder
	cmd.Stderr = &stderr
	if err := cmd.Run(); err != nil {
		tb.Fatalf("go build %s: %v\n%s", pkg, err, stderr.String())
	}
	return out
}

// Catalog is a catalog directory and the key that signs it.
type Catalog struct {
	Dir string
	Key ed25519.PrivateKey
}

// New makes an empty catalog in a temporary directory with a new key.
func New(tb testing.TB) *Catalog {
	tb.Helper()
	dir := tb.TempDir()
	key, err := marketplace.GenerateKeyFile(filepath.Join(tb.TempDir(), "publisher.key"))
	if err != nil {
		tb.Fatal(err)
	}
	if err := marketplace.WriteCatalogDir(dir, &marketplace.Catalog{SchemaVersion: marketplace.SchemaVersion}); err != nil {
		tb.Fatal(err)
	}
	return &Catalog{Dir: dir, Key: key}
}

// PublicKey is the signing key's text form (for SWITCHYARD_TRUSTED_KEYS).
func (c *Catalog) PublicKey() string {
	return marketplace.EncodePublicKey(c.Key.Public().(ed25519.PublicKey))
}

// Add packs binary into the catalog and signs its release.
func (c *Catalog) Add(tb testing.TB, binary string) *marketplace.Release {
	tb.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	rel, err := marketplace.Pack(ctx, c.Dir, binary, marketplace.PackOptions{})
	if err != nil {
		tb.Fatalf("pack %s: %v", binary, err)
	}
	if _, err := marketplace.SignCatalogDir(c.Dir, c.Key, func(r *marketplace.Release) bool {
		return r.Name == rel.Name && r.Version == rel.Version
	}); err != nil {
		tb.Fatalf("sign: %v", err)
	}
	return rel
}

// Edit rewrites catalog.json through fn (bypassing signing), for tests of
// tampered catalogs.
func (c *Catalog) Edit(tb testing.TB, fn func(*marketplace.Catalog)) {
	tb.Helper()
	cat, err := marketplace.ReadCatalogDir(c.Dir)
	if err != nil {
		tb.Fatal(err)
	}
	fn(cat)
	if err := marketplace.WriteCatalogDir(c.Dir, cat); err != nil {
		tb.Fatal(err)
	}
	// Make sure a reader notices the change even within one mtime tick.
	future := time.Now().Add(time.Duration(time.Now().UnixNano()%1000+1) * time.Millisecond)
	_ = os.Chtimes(filepath.Join(c.Dir, marketplace.CatalogFile), future, future)
}

// Release returns the catalog's release of name at version.
func (c *Catalog) Release(tb testing.TB, name, version string) *marketplace.Release {
	tb.Helper()
	cat, err := marketplace.ReadCatalogDir(c.Dir)
	if err != nil {
		tb.Fatal(err)
	}
	r, err := cat.Find(name, version)
	if err != nil {
		tb.Fatal(err)
	}
	return r
}
