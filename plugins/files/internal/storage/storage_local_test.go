package storage

import (
	"bytes"
	"errors"
	"io"
	"os"
	"path/filepath"
	"testing"
)

type failingReader struct {
	left int
}

func (f *failingReader) Read(p []byte) (int, error) {
	if f.left <= 0 {
		return 0, errors.New("connection reset")
	}
	n := min(len(p), f.left)
	for i := range p[:n] {
		p[i] = 'x'
	}
	f.left -= n
	return n, nil
}

func TestLocal(t *testing.T) {
	ctx := t.Context()
	root := t.TempDir()
	l, err := NewLocal(root)
	if err != nil {
		t.Fatal(err)
	}
	obj, err := l.Put(ctx, "blobs/ab/one", bytes.NewReader([]byte("hello")))
	if err != nil || obj.Size != 5 {
		t.Fatalf("Put = %+v, %v", obj, err)
	}
	_, rc, err := l.Open(ctx, "blobs/ab/one")
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(rc)
	_ = rc.Close()
	if string(b) != "hello" {
		t.Fatalf("read %q", b)
	}

	// A failing reader leaves nothing, not even a temporary file.
	if _, err := l.Put(ctx, "blobs/ab/two", &failingReader{left: 100 << 10}); err == nil {
		t.Fatal("Put from a failing reader succeeded")
	}
	entries, _ := os.ReadDir(filepath.Join(root, "blobs", "ab"))
	if len(entries) != 1 || entries[0].Name() != "one" {
		t.Fatalf("left behind: %v", entries)
	}
	if _, _, err := l.Open(ctx, "blobs/ab/two"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("Open of a failed Put: %v", err)
	}

	// Import moves a staged file in.
	staged := filepath.Join(root, "staged")
	if err := os.WriteFile(staged, []byte("staged bytes"), 0o600); err != nil {
		t.Fatal(err)
	}
	if obj, err := l.Import(ctx, "blobs/cd/three", staged); err != nil || obj.Size != 12 {
		t.Fatalf("Import = %+v, %v", obj, err)
	}
	if _, err := os.Stat(staged); !os.IsNotExist(err) {
		t.Fatalf("the staged file is still there: %v", err)
	}

	var keys []string
	if err := l.Walk(ctx, "blobs/", func(o Object) error { keys = append(keys, o.Key); return nil }); err != nil {
		t.Fatal(err)
	}
	if len(keys) != 2 {
		t.Fatalf("Walk = %v", keys)
	}
	if err := l.Delete(ctx, "blobs/ab/one"); err != nil {
		t.Fatal(err)
	}
	if err := l.Delete(ctx, "blobs/ab/one"); err != nil {
		t.Fatalf("deleting a missing object: %v", err)
	}
	for _, bad := range []string{"../x", "a/../../x", "/etc/passwd", "A", "a//b", ""} {
		if _, err := l.Put(ctx, bad, bytes.NewReader(nil)); err == nil {
			t.Errorf("Put(%q) accepted", bad)
		}
	}
}
