package source

import (
	"bufio"
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// FileConfig describes a CSV or JSONL file source: a path inside the
// organization's files directory, or an http(s) URL.
type FileConfig struct {
	Path string `json:"path,omitempty"`
	URL  string `json:"url,omitempty"`
	// Format is "csv" (a header row, then records) or "jsonl" (one JSON
	// object per line); empty: from the name's extension.
	Format string `json:"format,omitempty"`
}

// MaxDownload bounds a file fetched from a URL.
const MaxDownload = 1 << 30

type fileReader struct {
	f      *os.File
	tmp    string // a downloaded copy to remove
	format string
	key    string
	batch  int
	line   int64
	csv    *csv.Reader
	header []string
	jsonl  *bufio.Scanner
}

// NewFile opens a file source. A path is resolved inside env.FilesRoot
// with os.Root: it cannot leave it, by "..", an absolute path or a
// symbolic link.
func NewFile(ctx context.Context, cfg FileConfig, key string, env Env) (Reader, error) {
	format := strings.ToLower(cfg.Format)
	name := cfg.Path
	if name == "" {
		name = cfg.URL
	}
	if format == "" {
		switch strings.ToLower(filepath.Ext(strings.SplitN(name, "?", 2)[0])) {
		case ".csv":
			format = "csv"
		case ".jsonl", ".ndjson":
			format = "jsonl"
		}
	}
	if format != "csv" && format != "jsonl" {
		return nil, fmt.Errorf("%w: file.format: want csv or jsonl", ErrConfig)
	}
	r := &fileReader{format: format, key: key, batch: 500}
	switch {
	case cfg.Path != "" && cfg.URL != "":
		return nil, fmt.Errorf("%w: file: give a path or a url, not both", ErrConfig)
	case cfg.Path != "":
		f, err := openInside(env.FilesRoot, cfg.Path)
		if err != nil {
			return nil, err
		}
		r.f = f
	case cfg.URL != "":
		f, err := download(ctx, cfg.URL, env)
		if err != nil {
			return nil, err
		}
		r.f, r.tmp = f, f.Name()
	default:
		return nil, fmt.Errorf("%w: file: give a path or a url", ErrConfig)
	}
	return r, nil
}

// openInside opens name inside root, refusing anything outside it.
func openInside(root, name string) (*os.File, error) {
	if root == "" {
		return nil, fmt.Errorf("%w: file sources need the organization's files directory (SWITCHYARD_FILES_DIR)", ErrConfig)
	}
	if err := os.MkdirAll(root, 0o700); err != nil {
		return nil, fmt.Errorf("file source: %w", err)
	}
	dir, err := os.OpenRoot(root)
	if err != nil {
		return nil, fmt.Errorf("file source: %w", err)
	}
	defer func() { _ = dir.Close() }()
	f, err := dir.Open(filepath.FromSlash(strings.TrimPrefix(name, "./")))
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return nil, fmt.Errorf("file source: %q does not exist in the organization's files", name)
		}
		return nil, fmt.Errorf("file source: %q is not a file inside the organization's files directory: %w", name, err)
	}
	if st, err := f.Stat(); err != nil || !st.Mode().IsRegular() {
		_ = f.Close()
		return nil, fmt.Errorf("file source: %q is not a regular file", name)
	}
	return f, nil
}

// download fetches a URL through the outbound policy into a temporary file.
func download(ctx context.Context, u string, env Env) (*os.File, error) {
	if !strings.HasPrefix(u, "http://") && !strings.HasPrefix(u, "https://") {
		return nil, fmt.Errorf("%w: file.url must be http(s)", ErrConfig)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return nil, fmt.Errorf("%w: file.url: %v", ErrConfig, err)
	}
	resp, err := env.Policy.HTTPClient(10 * time.Minute).Do(req)
	if err != nil {
		return nil, fmt.Errorf("file source: GET %s: %w", redact(u), unwrapURL(err))
	}
	defer func() { _ = resp.Body.Close() }()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("file source: GET %s: %s", redact(u), resp.Status)
	}
	f, err := os.CreateTemp(env.TempDir, "sync-download-*")
	if err != nil {
		return nil, fmt.Errorf("file source: %w", err)
	}
	n, err := io.Copy(f, io.LimitReader(resp.Body, MaxDownload+1))
	if err == nil && n > MaxDownload {
		err = fmt.Errorf("larger than %d bytes", MaxDownload)
	}
	if err == nil {
		_, err = f.Seek(0, io.SeekStart)
	}
	if err != nil {
		_ = f.Close()
		_ = os.Remove(f.Name())
		return nil, fmt.Errorf("file source: GET %s: %w", redact(u), err)
	}
	return f, nil
}

// Total counts the records with a first pass over the file.
func (r *fileReader) Total(context.Context) (int64, error) {
	if _, err := r.f.Seek(0, io.SeekStart); err != nil {
		return 0, err
	}
	var n int64
	switch r.format {
	case "csv":
		cr := csv.NewReader(bufio.NewReader(r.f))
		cr.ReuseRecord = true
		cr.FieldsPerRecord = -1
		for {
			_, err := cr.Read()
			if errors.Is(err, io.EOF) {
				break
			}
			if err != nil {
				return 0, fmt.Errorf("file source: %w", err)
			}
			n++
		}
		n = max(n-1, 0) // the header
	default:
		sc := bufio.NewScanner(r.f)
		sc.Buffer(make([]byte, 64<<10), 16<<20)
		for sc.Scan() {
			if len(bytes.TrimSpace(sc.Bytes())) > 0 {
				n++
			}
		}
		if err := sc.Err(); err != nil {
			return 0, fmt.Errorf("file source: %w", err)
		}
	}
	if _, err := r.f.Seek(0, io.SeekStart); err != nil {
		return 0, err
	}
	return n, nil
}

func (r *fileReader) Next(ctx context.Context) ([]Record, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if r.csv == nil && r.jsonl == nil {
		if r.format == "csv" {
			r.csv = csv.NewReader(bufio.NewReader(r.f))
			header, err := r.csv.Read()
			if errors.Is(err, io.EOF) {
				return nil, io.EOF
			}
			if err != nil {
				return nil, fmt.Errorf("file source: header: %w", err)
			}
			r.header = append([]string(nil), header...)
			r.line = 1
			found := false
			for _, h := range r.header {
				found = found || h == r.key
			}
			if !found {
				return nil, fmt.Errorf("file source: the CSV header has no key column %q", r.key)
			}
		} else {
			r.jsonl = bufio.NewScanner(r.f)
			r.jsonl.Buffer(make([]byte, 64<<10), 16<<20)
		}
	}
	out := make([]Record, 0, r.batch)
	for len(out) < r.batch {
		rec, err := r.one()
		if errors.Is(err, io.EOF) {
			if len(out) == 0 {
				return nil, io.EOF
			}
			return out, nil
		}
		if err != nil {
			return nil, err
		}
		if rec != nil {
			out = append(out, *rec)
		}
	}
	return out, nil
}

// one reads one record (nil for a blank JSONL line).
func (r *fileReader) one() (*Record, error) {
	r.line++
	if r.format == "csv" {
		row, err := r.csv.Read()
		if err != nil {
			if errors.Is(err, io.EOF) {
				return nil, io.EOF
			}
			return nil, fmt.Errorf("file source: line %d: %w", r.line, err)
		}
		obj := make(map[string]string, len(r.header))
		key := ""
		for i, h := range r.header {
			if i < len(row) {
				obj[h] = row[i]
				if h == r.key {
					key = row[i]
				}
			}
		}
		if key == "" || len(key) > MaxKeyLen {
			return nil, fmt.Errorf("file source: line %d has no value in the key column %q", r.line, r.key)
		}
		raw, err := json.Marshal(obj)
		if err != nil {
			return nil, err
		}
		return &Record{Key: key, Data: raw}, nil
	}
	if !r.jsonl.Scan() {
		if err := r.jsonl.Err(); err != nil {
			return nil, fmt.Errorf("file source: line %d: %w", r.line, err)
		}
		return nil, io.EOF
	}
	line := bytes.TrimSpace(r.jsonl.Bytes())
	if len(line) == 0 {
		return nil, nil
	}
	rec, rerr := recordOf(append(json.RawMessage(nil), line...), r.key)
	if rerr != nil {
		return nil, fmt.Errorf("file source: line %d %v", r.line, rerr)
	}
	return &rec, nil
}

func (r *fileReader) Close() error {
	err := r.f.Close()
	if r.tmp != "" {
		_ = os.Remove(r.tmp)
	}
	return err
}
