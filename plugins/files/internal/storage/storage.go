package storage

import (
	"context"
	"errors"
	"fmt"
	"io"
	"regexp"
	"time"
)

// Storage keeps objects by key.
type Storage interface {
	// Put stores the bytes of r under key, replacing any object there. The
	// object appears only once r was read to its end and the bytes are
	// durable; when r fails (its error is returned, wrapped) nothing is
	// left.
	Put(ctx context.Context, key string, r io.Reader) (Object, error)
	// Import moves the local file at path into the store under key (a
	// staged upload), removing the file.
	Import(ctx context.Context, key, path string) (Object, error)
	// Open returns the object's content; it supports Seek, so ranges can
	// be served. Close it.
	Open(ctx context.Context, key string) (Object, io.ReadSeekCloser, error)
	// Delete removes the object; a missing object is not an error.
	Delete(ctx context.Context, key string) error
	// Walk calls fn for every object whose key starts with prefix.
	Walk(ctx context.Context, prefix string, fn func(Object) error) error
}

// Object describes a stored object.
type Object struct {
	Key     string
	Size    int64
	ModTime time.Time
}

// ErrNotFound: no object has the key.
var ErrNotFound = errors.New("storage: object not found")

var keyRE = regexp.MustCompile(`^[a-z0-9][a-z0-9_-]*(/[a-z0-9][a-z0-9_-]*)*$`)

// ValidKey checks a key's shape.
func ValidKey(key string) error {
	if len(key) > 512 || !keyRE.MatchString(key) {
		return fmt.Errorf("storage: invalid key %q", key)
	}
	return nil
}
