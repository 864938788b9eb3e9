package storage

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

// Local is a Storage on the local disk under one root directory.
type Local struct {
	root string
}

var _ Storage = (*Local)(nil)

// NewLocal returns a Local storing objects under root, which it creates.
func NewLocal(root string) (*Local, error) {
	if err := os.MkdirAll(root, 0o700); err != nil {
		return nil, fmt.Errorf("storage: %w", err)
	}
	return &Local{root: root}, nil
}

// Root returns the directory objects are kept in.
func (l *Local) Root() string { return l.root }

func (l *Local) path(key string) (string, error) {
	if err := ValidKey(key); err != nil {
		return "", err
	}
	return filepath.Join(l.root, filepath.FromSlash(key)), nil
}

// Put implements Storage.
func (l *Local) Put(ctx context.Context, key string, r io.Reader) (Object, error) {
	dst, err := l.path(key)
	if err != nil {
		return Object{}, err
	}
	dir := filepath.Dir(dst)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return Object{}, fmt.Errorf("storage: %w", err)
	}
	tmp, err := os.CreateTemp(dir, ".put-*")
	if err != nil {
		return Object{}, fmt.Errorf("storage: %w", err)
	}
	ok := false
	defer func() {
		if !ok {
			_ = tmp.Close()
			_ = os.Remove(tmp.Name())
		}
	}()
	buf := make([]byte, 64<<10)
	n, err := io.CopyBuffer(tmp, readerFunc(func(p []byte) (int, error) {
		if err := ctx.Err(); err != nil {
			return 0, err
		}
		return r.Read(p)
	}), buf)
	if err != nil {
		return Object{}, fmt.Errorf("storage: writing %s: %w", key, err)
	}
	if err := tmp.Sync(); err != nil {
		return Object{}, fmt.Errorf("storage: %w", err)
	}
	if err := tmp.Close(); err != nil {
		return Object{}, fmt.Errorf("storage: %w", err)
	}
	if err := os.Rename(tmp.Name(), dst); err != nil {
		return Object{}, fmt.Errorf("storage: %w", err)
	}
	ok = true
	if err := syncDir(dir); err != nil {
		return Object{}, err
	}
	return l.stat(key, dst, n)
}

// Import implements Storage: a rename when path is on the same file
// system, a copy otherwise.
func (l *Local) Import(ctx context.Context, key, path string) (Object, error) {
	dst, err := l.path(key)
	if err != nil {
		return Object{}, err
	}
	dir := filepath.Dir(dst)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return Object{}, fmt.Errorf("storage: %w", err)
	}
	f, err := os.Open(path) //nolint:gosec // a staging file of ours
	if err != nil {
		return Object{}, fmt.Errorf("storage: %w", err)
	}
	syncErr := f.Sync()
	_ = f.Close()
	if syncErr != nil {
		return Object{}, fmt.Errorf("storage: %w", syncErr)
	}
	if err := os.Rename(path, dst); err != nil {
		// Another file system: copy, then drop the staged file.
		src, oerr := os.Open(path) //nolint:gosec // a staging file of ours
		if oerr != nil {
			return Object{}, fmt.Errorf("storage: %w", errors.Join(err, oerr))
		}
		defer func() { _ = src.Close() }()
		obj, perr := l.Put(ctx, key, src)
		if perr != nil {
			return Object{}, perr
		}
		_ = os.Remove(path)
		return obj, nil
	}
	if err := syncDir(dir); err != nil {
		return Object{}, err
	}
	return l.stat(key, dst, -1)
}

func (l *Local) stat(key, path string, size int64) (Object, error) {
	fi, err := os.Stat(path)
	if err != nil {
		return Object{}, fmt.Errorf("storage: %w", err)
	}
	if size >= 0 && fi.Size() != size {
		return Object{}, fmt.Errorf("storage: %s holds %d bytes, %d were written", key, fi.Size(), size)
	}
	return Object{Key: key, Size: fi.Size(), ModTime: fi.ModTime()}, nil
}

// Open implements Storage.
func (l *Local) Open(_ context.Context, key string) (Object, io.ReadSeekCloser, error) {
	p, err := l.path(key)
	if err != nil {
		return Object{}, nil, err
	}
	f, err := os.Open(p) //nolint:gosec // the key was checked
	if errors.Is(err, fs.ErrNotExist) {
		return Object{}, nil, fmt.Errorf("%w: %s", ErrNotFound, key)
	}
	if err != nil {
		return Object{}, nil, fmt.Errorf("storage: %w", err)
	}
	fi, err := f.Stat()
	if err != nil {
		_ = f.Close()
		return Object{}, nil, fmt.Errorf("storage: %w", err)
	}
	return Object{Key: key, Size: fi.Size(), ModTime: fi.ModTime()}, f, nil
}

// Delete implements Storage.
func (l *Local) Delete(_ context.Context, key string) error {
	p, err := l.path(key)
	if err != nil {
		return err
	}
	if err := os.Remove(p); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("storage: %w", err)
	}
	return nil
}

// Walk implements Storage. Temporary files of unfinished writes are not
// objects and are skipped.
func (l *Local) Walk(ctx context.Context, prefix string, fn func(Object) error) error {
	return filepath.WalkDir(l.root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			if errors.Is(err, fs.ErrNotExist) {
				return nil
			}
			return err
		}
		if cerr := ctx.Err(); cerr != nil {
			return cerr
		}
		if d.IsDir() || strings.HasPrefix(d.Name(), ".") {
			return nil
		}
		rel, err := filepath.Rel(l.root, p)
		if err != nil {
			return err
		}
		key := filepath.ToSlash(rel)
		if !strings.HasPrefix(key, prefix) || ValidKey(key) != nil {
			return nil
		}
		info, err := d.Info()
		if err != nil {
			return nil //nolint:nilerr // removed meanwhile
		}
		return fn(Object{Key: key, Size: info.Size(), ModTime: info.ModTime()})
	})
}

func syncDir(dir string) error {
	d, err := os.Open(dir) //nolint:gosec // our own directory
	if err != nil {
		return fmt.Errorf("storage: %w", err)
	}
	defer func() { _ = d.Close() }()
	if err := d.Sync(); err != nil {
		return fmt.Errorf("storage: sync %s: %w", dir, err)
	}
	return nil
}

type readerFunc func([]byte) (int, error)

func (f readerFunc) Read(p []byte) (int, error) { return f(p) }
