package marketplace

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/switchyard/switchyard/sdk/outbound"
)

// source reads a catalog and its binaries from a directory or a URL.
type source struct {
	dir  string   // a directory, or
	base *url.URL // the catalog.json URL
	http *http.Client
	ttl  time.Duration

	mu      sync.Mutex
	cached  *Catalog
	at      time.Time
	modTime time.Time
	size    int64
}

// newSource interprets loc: an http(s) URL (of catalog.json, or of the
// directory holding it) or a local directory. Outbound fetches go through
// policy.
func newSource(loc string, policy *outbound.Policy) (*source, error) {
	if strings.HasPrefix(loc, "http://") || strings.HasPrefix(loc, "https://") {
		u, err := url.Parse(loc)
		if err != nil || u.Host == "" || u.User != nil {
			return nil, fmt.Errorf("catalog URL %q: want http(s)://host/path without credentials", loc)
		}
		if !strings.HasSuffix(u.Path, ".json") {
			u.Path = strings.TrimSuffix(u.Path, "/") + "/" + CatalogFile
		}
		if policy == nil {
			policy = outbound.Public()
		}
		return &source{base: u, http: policy.HTTPClient(2 * time.Minute), ttl: time.Minute}, nil
	}
	dir, err := filepath.Abs(loc)
	if err != nil {
		return nil, err
	}
	return &source{dir: dir, ttl: time.Second}, nil
}

func (s *source) String() string {
	if s.base != nil {
		return s.base.Redacted()
	}
	return s.dir
}

// catalog returns the catalog, re-reading it when it may have changed (a
// directory's file changed; a URL's copy is older than a minute).
func (s *source) catalog(ctx context.Context) (*Catalog, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.dir != "" {
		st, err := os.Stat(filepath.Join(s.dir, CatalogFile))
		if err != nil {
			return nil, errorf(ErrCatalog, "plugin catalog %s: %v", s.dir, err)
		}
		if s.cached != nil && st.ModTime().Equal(s.modTime) && st.Size() == s.size {
			return s.cached, nil
		}
		raw, err := readLimited(openIn(s.dir, CatalogFile), MaxCatalogSize)
		if err != nil {
			return nil, errorf(ErrCatalog, "plugin catalog %s: %v", s.dir, err)
		}
		c, err := ParseCatalog(raw)
		if err != nil {
			return nil, errorf(ErrCatalog, "plugin catalog %s: %v", s.dir, err)
		}
		s.cached, s.modTime, s.size = c, st.ModTime(), st.Size()
		return c, nil
	}
	if s.cached != nil && time.Since(s.at) < s.ttl {
		return s.cached, nil
	}
	body, err := s.get(ctx, s.base.String(), MaxCatalogSize)
	if err != nil {
		return nil, errorf(ErrCatalog, "plugin catalog %s: %v", s.String(), err)
	}
	defer body.Close()
	raw, err := readLimited(func() (io.ReadCloser, error) { return body, nil }, MaxCatalogSize)
	if err != nil {
		return nil, errorf(ErrCatalog, "plugin catalog %s: %v", s.String(), err)
	}
	c, err := ParseCatalog(raw)
	if err != nil {
		return nil, errorf(ErrCatalog, "plugin catalog %s: %v", s.String(), err)
	}
	s.cached, s.at = c, time.Now()
	return c, nil
}

// open opens a release binary at loc (relative to the catalog, or an
// absolute URL). A relative path of a directory catalog cannot leave the
// directory, even through symbolic links.
func (s *source) open(ctx context.Context, loc string, limit int64) (io.ReadCloser, error) {
	if err := checkLocation(loc); err != nil {
		return nil, err
	}
	if strings.Contains(loc, "://") {
		return s.get(ctx, loc, limit)
	}
	if s.dir != "" {
		return openIn(s.dir, loc)()
	}
	ref, err := url.Parse(loc)
	if err != nil {
		return nil, err
	}
	return s.get(ctx, s.base.ResolveReference(ref).String(), limit)
}

// openIn opens name inside dir with os.Root: no escape by "..", absolute
// paths or symbolic links pointing outside.
func openIn(dir, name string) func() (io.ReadCloser, error) {
	return func() (io.ReadCloser, error) {
		root, err := os.OpenRoot(dir)
		if err != nil {
			return nil, err
		}
		defer func() { _ = root.Close() }()
		return root.Open(filepath.FromSlash(name))
	}
}

func (s *source) get(ctx context.Context, u string, limit int64) (io.ReadCloser, error) {
	if s.http == nil {
		return nil, fmt.Errorf("%s: this catalog is a directory; URLs need an http(s) catalog or a public location", u)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return nil, err
	}
	resp, err := s.http.Do(req)
	if err != nil {
		return nil, err
	}
	if resp.StatusCode != http.StatusOK {
		_ = resp.Body.Close()
		return nil, fmt.Errorf("GET %s: %s", redact(u), resp.Status)
	}
	if resp.ContentLength > limit {
		_ = resp.Body.Close()
		return nil, fmt.Errorf("GET %s: %d bytes, at most %d", redact(u), resp.ContentLength, limit)
	}
	return resp.Body, nil
}

func readLimited(open func() (io.ReadCloser, error), limit int64) ([]byte, error) {
	rc, err := open()
	if err != nil {
		return nil, err
	}
	defer func() { _ = rc.Close() }()
	raw, err := io.ReadAll(io.LimitReader(rc, limit+1))
	if err != nil {
		return nil, err
	}
	if int64(len(raw)) > limit {
		return nil, fmt.Errorf("larger than %d bytes", limit)
	}
	return raw, nil
}

func redact(u string) string {
	p, err := url.Parse(u)
	if err != nil {
		return "(url)"
	}
	p.RawQuery = ""
	return p.Redacted()
}
