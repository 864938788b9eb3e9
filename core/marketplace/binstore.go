package marketplace

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sync"
)

// BinaryName is the file name of a stored plugin binary.
const BinaryName = "plugin"

// binStore keeps verified plugin binaries at dir/<name>/<version>/plugin.
// Nothing else writes there: directories are 0700, binaries 0500, and a
// binary appears only by an atomic rename of a fully verified copy.
type binStore struct {
	dir string
	mu  sync.Mutex // serializes changes to the store
}

func newBinStore(dir string) (*binStore, error) {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return nil, err
	}
	if err := os.MkdirAll(abs, 0o700); err != nil {
		return nil, fmt.Errorf("plugin directory: %w", err)
	}
	return &binStore{dir: abs}, nil
}

// path is where name@version's binary lives. name and version are valid
// (plugin-name grammar and semver: no separators, no "..").
func (b *binStore) path(name, version string) string {
	return filepath.Join(b.dir, name, version, BinaryName)
}

// check verifies the stored binary against sum. A missing binary is
// fs.ErrNotExist; one that differs is ErrTampered.
func (b *binStore) check(name, version, sum string) error {
	got, err := hashFile(b.path(name, version))
	if err != nil {
		return err
	}
	if got != sum {
		return errorf(ErrTampered, "the stored binary of plugin %s %s (%s) no longer matches its SHA-256 %s (it hashes to %s); delete %s to have it fetched again",
			name, version, b.path(name, version), sum, got, filepath.Dir(b.path(name, version)))
	}
	return nil
}

// put stores the binary read from r as name@version, verifying that it
// hashes to sum (and is at most limit bytes) before it becomes visible. It
// reports whether it created the binary (false: an identical one was
// there already).
func (b *binStore) put(name, version, sum string, r io.Reader, limit int64) (bool, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	switch err := b.check(name, version, sum); {
	case err == nil:
		return false, nil
	case !errors.Is(err, fs.ErrNotExist):
		return false, err
	}
	staging, err := os.MkdirTemp(b.dir, ".staging-")
	if err != nil {
		return false, fmt.Errorf("plugin store: %w", err)
	}
	defer func() { _ = removeAll(staging) }()
	tmp := filepath.Join(staging, BinaryName)
	f, err := os.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o700)
	if err != nil {
		return false, fmt.Errorf("plugin store: %w", err)
	}
	h := sha256.New()
	n, err := io.Copy(io.MultiWriter(f, h), io.LimitReader(r, limit+1))
	if err == nil && n > limit {
		err = fmt.Errorf("the binary is larger than %d bytes", limit)
	}
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return false, fmt.Errorf("plugin %s %s: copying the binary: %w", name, version, err)
	}
	if got := hex.EncodeToString(h.Sum(nil)); got != sum {
		return false, errorf(ErrChecksum, "plugin %s %s: the binary hashes to %s, but its signed SHA-256 is %s; refusing it", name, version, got, sum)
	}
	if err := os.Chmod(tmp, 0o500); err != nil {
		return false, err
	}
	parent := filepath.Join(b.dir, name)
	if err := os.MkdirAll(parent, 0o700); err != nil {
		return false, fmt.Errorf("plugin store: %w", err)
	}
	final := filepath.Join(parent, version)
	if err := os.Rename(staging, final); err != nil {
		return false, fmt.Errorf("plugin store: %w", err)
	}
	if err := os.Chmod(final, 0o500); err != nil {
		return false, err
	}
	syncDir(parent)
	return true, nil
}

// remove deletes name@version's binary (after a failed install).
func (b *binStore) remove(name, version string) error {
	b.mu.Lock()
	defer b.mu.Unlock()
	return removeAll(filepath.Join(b.dir, name, version))
}

// removeAll removes a tree whose directories may be read-only.
func removeAll(p string) error {
	_ = filepath.WalkDir(p, func(path string, d fs.DirEntry, err error) error {
		if err == nil && d.IsDir() {
			_ = os.Chmod(path, 0o700)
		}
		return nil
	})
	return os.RemoveAll(p)
}

func syncDir(dir string) {
	if d, err := os.Open(dir); err == nil { //nolint:gosec // our own store directory
		_ = d.Sync()
		_ = d.Close()
	}
}

func hashFile(path string) (string, error) {
	f, err := os.Open(path) //nolint:gosec // a binary in our store
	if err != nil {
		return "", err
	}
	defer func() { _ = f.Close() }()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return "", err
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

func hashReader(r io.Reader) (string, error) {
	h := sha256.New()
	if _, err := io.Copy(h, r); err != nil {
		return "", err
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}
