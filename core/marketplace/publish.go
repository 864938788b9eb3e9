package marketplace

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"strings"

	"github.com/switchyard/switchyard/core/pluginhost"
	"github.com/switchyard/switchyard/sdk/grpcplugin"
	"github.com/switchyard/switchyard/sdk/outbound"
)

// This file serves publishers (switchyard plugin pack|sign|verify): it
// edits a catalog directory. Nothing here runs inside the server.

// ReadCatalogDir reads dir/catalog.json; a missing file is an empty catalog.
func ReadCatalogDir(dir string) (*Catalog, error) {
	raw, err := os.ReadFile(filepath.Join(dir, CatalogFile)) //nolint:gosec // the publisher's own catalog
	if errors.Is(err, fs.ErrNotExist) {
		return &Catalog{SchemaVersion: SchemaVersion, Releases: []Release{}}, nil
	}
	if err != nil {
		return nil, err
	}
	return ParseCatalog(raw)
}

// WriteCatalogDir writes c to dir/catalog.json atomically.
func WriteCatalogDir(dir string, c *Catalog) error {
	if c.Releases == nil {
		c.Releases = []Release{}
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	if err := enc.Encode(c); err != nil {
		return err
	}
	if _, err := ParseCatalog(buf.Bytes()); err != nil {
		return fmt.Errorf("refusing to write an invalid catalog: %w", err)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil { //nolint:gosec // a catalog is published, not secret
		return err
	}
	tmp, err := os.CreateTemp(dir, ".catalog-*.json")
	if err != nil {
		return err
	}
	defer func() { _ = os.Remove(tmp.Name()) }()
	if _, err := tmp.Write(buf.Bytes()); err != nil {
		_ = tmp.Close()
		return err
	}
	if err := tmp.Sync(); err != nil {
		_ = tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	if err := os.Chmod(tmp.Name(), 0o644); err != nil { //nolint:gosec // published
		return err
	}
	return os.Rename(tmp.Name(), filepath.Join(dir, CatalogFile))
}

// PackOptions describe a binary being packed.
type PackOptions struct {
	// OS and Arch name its platform; empty: this machine's.
	OS, Arch string
	// Manifest describes it; nil: read from the binary by running it (only
	// possible for this machine's platform).
	Manifest *grpcplugin.Manifest
}

// Pack copies a plugin binary into the catalog directory
// (<name>/<version>/<os>-<arch>/<name>) and adds or replaces its release and
// platform entry, unsigned. It returns the release as written.
func Pack(ctx context.Context, dir, binary string, o PackOptions) (*Release, error) {
	if o.OS == "" {
		o.OS = runtime.GOOS
	}
	if o.Arch == "" {
		o.Arch = runtime.GOARCH
	}
	var m grpcplugin.Manifest
	switch {
	case o.Manifest != nil:
		m = *o.Manifest
		if _, err := grpcplugin.CompileManifest(m); err != nil {
			return nil, err
		}
	case o.OS != runtime.GOOS || o.Arch != runtime.GOARCH:
		return nil, fmt.Errorf("a %s/%s binary cannot run here to report its manifest: pass its manifest", o.OS, o.Arch)
	default:
		var err error
		if m, err = pluginhost.ReadManifest(ctx, binary); err != nil {
			return nil, err
		}
	}
	c, err := ReadCatalogDir(dir)
	if err != nil {
		return nil, err
	}
	rel := Release{Name: m.Name, Version: m.Version, Description: m.Description, Publisher: m.Publisher, Manifest: SummaryOf(m)}
	for i := range c.Releases {
		if c.Releases[i].Name == m.Name && c.Releases[i].Version == m.Version {
			rel.Platforms = c.Releases[i].Platforms
		}
	}
	loc := m.Name + "/" + m.Version + "/" + o.OS + "-" + o.Arch + "/" + m.Name
	dst := filepath.Join(dir, filepath.FromSlash(loc))
	if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil { //nolint:gosec // published
		return nil, err
	}
	size, err := copyFile(binary, dst)
	if err != nil {
		return nil, err
	}
	sum, err := hashFile(dst)
	if err != nil {
		return nil, err
	}
	p := Platform{OS: o.OS, Arch: o.Arch, SHA256: sum, Size: size, URL: loc}
	replaced := false
	for i := range rel.Platforms {
		if rel.Platforms[i].Name() == p.Name() {
			rel.Platforms[i], replaced = p, true
		}
	}
	if !replaced {
		rel.Platforms = append(rel.Platforms, p)
	}
	c.Upsert(rel)
	if err := WriteCatalogDir(dir, c); err != nil {
		return nil, err
	}
	return &rel, nil
}

func copyFile(src, dst string) (int64, error) {
	in, err := os.Open(src) //nolint:gosec // the publisher's binary
	if err != nil {
		return 0, err
	}
	defer func() { _ = in.Close() }()
	tmp := dst + ".tmp"
	out, err := os.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o755) //nolint:gosec // an executable, published
	if err != nil {
		return 0, err
	}
	n, err := io.Copy(out, in)
	if err == nil {
		err = out.Sync()
	}
	if cerr := out.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		_ = os.Remove(tmp)
		return 0, err
	}
	return n, os.Rename(tmp, dst)
}

// SignCatalogDir signs the platform entries of the catalog in dir whose
// release match accepts (nil: all), after checking that each entry's file
// hashes to its recorded SHA-256. It returns how many it signed.
func SignCatalogDir(dir string, key ed25519.PrivateKey, match func(*Release) bool) (int, error) {
	c, err := ReadCatalogDir(dir)
	if err != nil {
		return 0, err
	}
	n := 0
	for i := range c.Releases {
		r := &c.Releases[i]
		if match != nil && !match(r) {
			continue
		}
		for j := range r.Platforms {
			p := &r.Platforms[j]
			if err := checkPlatformFile(dir, r, p); err != nil {
				return n, err
			}
			if err := Sign(key, r, p); err != nil {
				return n, err
			}
			n++
		}
	}
	if err := WriteCatalogDir(dir, c); err != nil {
		return n, err
	}
	return n, nil
}

// checkPlatformFile hashes a local platform entry's file against its
// SHA-256 (entries with URLs are left alone).
func checkPlatformFile(dir string, r *Release, p *Platform) error {
	if err := checkLocation(p.URL); err != nil {
		return fmt.Errorf("%s %s %s: %w", r.Name, r.Version, p.Name(), err)
	}
	if strings.Contains(p.URL, "://") {
		return nil
	}
	rc, err := openIn(dir, p.URL)()
	if err != nil {
		return fmt.Errorf("%s %s %s: %w", r.Name, r.Version, p.Name(), err)
	}
	defer func() { _ = rc.Close() }()
	sum, err := hashReader(rc)
	if err != nil {
		return err
	}
	if p.SHA256 != sum {
		return errorf(ErrChecksum, "%s %s %s: %s hashes to %s, the catalog says %s", r.Name, r.Version, p.Name(), p.URL, sum, p.SHA256)
	}
	return nil
}

// VerifyResult is the outcome for one platform entry of a catalog.
type VerifyResult struct {
	Name, Version, Platform string
	Err                     error
}

// VerifyCatalog checks every platform entry of the catalog at loc (a
// directory or URL): a signature by a trusted key over its name, version,
// platform and SHA-256, and a binary that hashes to that SHA-256.
func VerifyCatalog(ctx context.Context, loc string, keys *Keyring, policy *outbound.Policy) ([]VerifyResult, error) {
	src, err := newSource(loc, policy)
	if err != nil {
		return nil, err
	}
	c, err := src.catalog(ctx)
	if err != nil {
		return nil, err
	}
	var out []VerifyResult
	for i := range c.Releases {
		r := &c.Releases[i]
		for j := range r.Platforms {
			p := &r.Platforms[j]
			res := VerifyResult{Name: r.Name, Version: r.Version, Platform: p.Name()}
			if _, res.Err = keys.VerifyPlatform(r, p); res.Err == nil {
				res.Err = verifyBinary(ctx, src, r, p)
			}
			out = append(out, res)
		}
	}
	return out, nil
}

func verifyBinary(ctx context.Context, src *source, r *Release, p *Platform) error {
	rc, err := src.open(ctx, p.URL, 1<<30)
	if err != nil {
		return fmt.Errorf("fetching %s: %w", p.URL, err)
	}
	defer func() { _ = rc.Close() }()
	sum, err := hashReader(rc)
	if err != nil {
		return err
	}
	if sum != p.SHA256 {
		return errorf(ErrChecksum, "%s %s %s: the binary hashes to %s, the signed SHA-256 is %s", r.Name, r.Version, p.Name(), sum, p.SHA256)
	}
	return nil
}
