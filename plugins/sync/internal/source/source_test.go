package source

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/switchyard/switchyard/sdk/outbound"
)

func TestRecordKeys(t *testing.T) {
	cases := []struct {
		raw, path, key string
		ok             bool
	}{
		{`{"id": 42}`, "id", "42", true},
		{`{"id": 12345678901234567890}`, "id", "12345678901234567890", true}, // no float rounding
		{`{"id": "a-1"}`, "id", "a-1", true},
		{`{"user": {"email": "x@y"}}`, "user.email", "x@y", true},
		{`{"id": null}`, "id", "", false},
		{`{"id": ""}`, "id", "", false},
		{`{"id": {"x": 1}}`, "id", "", false},
		{`{"name": "no id"}`, "id", "", false},
		{`[1, 2]`, "id", "", false},
	}
	for _, tc := range cases {
		rec, err := recordOf(json.RawMessage(tc.raw), tc.path)
		if (err == nil) != tc.ok || rec.Key != tc.key {
			t.Errorf("recordOf(%s, %q) = %q, %v", tc.raw, tc.path, rec.Key, err)
		}
		if err == nil && string(rec.Data) != tc.raw {
			t.Errorf("record data changed: %s", rec.Data)
		}
	}
}

func TestExtract(t *testing.T) {
	doc := []byte(`{"data": {"items": [1, 2]}, "meta": {"total": 7}}`)
	if got, err := extract(doc, "data.items"); err != nil || string(got) != "[1, 2]" {
		t.Fatalf("extract = %s, %v", got, err)
	}
	if _, err := extract(doc, "data.nope"); err == nil {
		t.Fatal("a missing path was found")
	}
	if _, err := extract(doc, "meta.total.x"); err == nil {
		t.Fatal("a path through a number was followed")
	}
}

func TestConfigErrors(t *testing.T) {
	env := Env{Policy: outbound.Public(), FilesRoot: t.TempDir()}
	if _, err := NewHTTP(HTTPConfig{URL: "ftp://x"}, "id", env); !errors.Is(err, ErrConfig) {
		t.Errorf("ftp URL: %v", err)
	}
	if _, err := NewHTTP(HTTPConfig{URL: "https://example.com", Pagination: Pagination{Type: "offset"}}, "id", env); !errors.Is(err, ErrConfig) {
		t.Errorf("unknown pagination: %v", err)
	}
	if _, err := NewHTTP(HTTPConfig{URL: "http://10.0.0.1/x"}, "id", env); !errors.Is(err, outbound.ErrRefused) {
		t.Errorf("private address: %v", err)
	}
	if _, err := NewFile(context.Background(), FileConfig{Path: "x.txt"}, "id", env); !errors.Is(err, ErrConfig) {
		t.Errorf("unknown format: %v", err)
	}
	if _, err := NewPostgres(context.Background(), PostgresConfig{URL: "postgres://10.0.0.1/db", Query: "SELECT 1"}, "id", env); !errors.Is(err, outbound.ErrRefused) {
		t.Errorf("private database: %v", err)
	}
	if _, err := NewPostgres(context.Background(), PostgresConfig{URL: "postgres://db.example.com/db", Query: "SELECT 1; DROP TABLE x"}, "id", env); !errors.Is(err, ErrConfig) {
		t.Errorf("two statements: %v", err)
	}
}

func TestCSVMissingKeyColumn(t *testing.T) {
	root := t.TempDir()
	if err := os.WriteFile(filepath.Join(root, "a.csv"), []byte("name\nx\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	r, err := NewFile(context.Background(), FileConfig{Path: "a.csv"}, "id", Env{FilesRoot: root})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	if _, err := r.Next(context.Background()); err == nil {
		t.Fatal("a CSV without the key column was read")
	}
}
