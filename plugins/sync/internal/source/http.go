package source

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// HTTPConfig describes an HTTP JSON API source.
type HTTPConfig struct {
	// URL is the first page's address (http or https).
	URL string `json:"url"`
	// Headers are sent with every request (an API token, say).
	Headers map[string]string `json:"headers,omitempty"`
	// ItemsPath is the dotted path of the records' array in a page;
	// empty: the page is the array.
	ItemsPath string `json:"items_path,omitempty"`
	// TotalPath is the dotted path of the total record count, if the API
	// reports one (progress is then exact).
	TotalPath  string     `json:"total_path,omitempty"`
	Pagination Pagination `json:"pagination,omitempty"`
	// MaxPages stops a runaway API (default 100,000).
	MaxPages int `json:"max_pages,omitempty"`
}

// Pagination says how to ask for the next page.
type Pagination struct {
	// Type is "none", "page" (page number) or "cursor".
	Type string `json:"type,omitempty"`
	// PageParam is the page number's query parameter ("page"), starting at
	// Start (1); SizeParam ("per_page") asks for Size records (100).
	PageParam string `json:"page_param,omitempty"`
	SizeParam string `json:"size_param,omitempty"`
	Size      int    `json:"size,omitempty"`
	Start     *int   `json:"start,omitempty"`
	// CursorParam ("cursor") carries the cursor found at CursorPath
	// ("next_cursor") of the previous page; an empty or missing cursor
	// ends the listing.
	CursorParam string `json:"cursor_param,omitempty"`
	CursorPath  string `json:"cursor_path,omitempty"`
}

// MaxPageBytes bounds one page of an HTTP source.
const MaxPageBytes = 32 << 20

type httpReader struct {
	cfg    HTTPConfig
	key    string
	client *http.Client
	base   *url.URL

	page    int
	pages   int
	cursor  string
	done    bool
	total   int64
	first   []Record // the first page, read by Total
	fetched bool
}

// NewHTTP returns a reader of an HTTP JSON API. key is the records' key
// field (a dotted path).
func NewHTTP(cfg HTTPConfig, key string, env Env) (Reader, error) {
	u, err := url.Parse(cfg.URL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("%w: http.url %q is not an http(s) URL", ErrConfig, cfg.URL)
	}
	if err := env.Policy.Allows(u.Hostname()); err != nil {
		return nil, err
	}
	p := &cfg.Pagination
	switch p.Type {
	case "", "none", "page", "cursor":
	default:
		return nil, fmt.Errorf("%w: http.pagination.type %q: want none, page or cursor", ErrConfig, p.Type)
	}
	if p.PageParam == "" {
		p.PageParam = "page"
	}
	if p.SizeParam == "" {
		p.SizeParam = "per_page"
	}
	if p.Size <= 0 {
		p.Size = 100
	}
	if p.Start == nil {
		one := 1
		p.Start = &one
	}
	if p.CursorParam == "" {
		p.CursorParam = "cursor"
	}
	if p.CursorPath == "" {
		p.CursorPath = "next_cursor"
	}
	if cfg.MaxPages <= 0 {
		cfg.MaxPages = 100_000
	}
	return &httpReader{cfg: cfg, key: key, client: env.Policy.HTTPClient(time.Minute), base: u, page: *p.Start, total: -1}, nil
}

// Total reads the first page to learn the total when the API reports one.
func (r *httpReader) Total(ctx context.Context) (int64, error) {
	if r.cfg.TotalPath == "" {
		return -1, nil
	}
	recs, err := r.fetch(ctx)
	if err != nil {
		return 0, err
	}
	r.first, r.fetched = recs, true
	return r.total, nil
}

func (r *httpReader) Next(ctx context.Context) ([]Record, error) {
	if r.fetched {
		r.fetched = false
		if len(r.first) == 0 {
			return nil, io.EOF
		}
		return r.first, nil
	}
	if r.done {
		return nil, io.EOF
	}
	recs, err := r.fetch(ctx)
	if err != nil {
		return nil, err
	}
	if len(recs) == 0 {
		return nil, io.EOF
	}
	return recs, nil
}

func (r *httpReader) Close() error {
	r.client.CloseIdleConnections()
	return nil
}

// fetch reads the next page and advances the pagination.
func (r *httpReader) fetch(ctx context.Context) ([]Record, error) {
	if r.pages >= r.cfg.MaxPages {
		return nil, fmt.Errorf("http source: stopped after %d pages (max_pages)", r.pages)
	}
	u := *r.base
	q := u.Query()
	p := r.cfg.Pagination
	switch p.Type {
	case "page":
		q.Set(p.PageParam, strconv.Itoa(r.page))
		q.Set(p.SizeParam, strconv.Itoa(p.Size))
	case "cursor":
		if r.cursor != "" {
			q.Set(p.CursorParam, r.cursor)
		}
	}
	u.RawQuery = q.Encode()
	body, err := r.get(ctx, u.String())
	if err != nil {
		return nil, fmt.Errorf("page %d: %w", r.pages+1, err)
	}
	r.pages++
	items, err := extract(body, r.cfg.ItemsPath)
	if err != nil {
		return nil, fmt.Errorf("http source: page %d: items_path %q: %w", r.pages, r.cfg.ItemsPath, err)
	}
	var arr []json.RawMessage
	if err := json.Unmarshal(items, &arr); err != nil {
		return nil, fmt.Errorf("http source: page %d: items are not a JSON array", r.pages)
	}
	recs := make([]Record, 0, len(arr))
	for i, raw := range arr {
		rec, err := recordOf(raw, r.key)
		if err != nil {
			return nil, fmt.Errorf("http source: page %d, record %d %v", r.pages, i+1, err)
		}
		recs = append(recs, rec)
	}
	if r.cfg.TotalPath != "" && r.total < 0 {
		if raw, err := extract(body, r.cfg.TotalPath); err == nil {
			var n json.Number
			if json.Unmarshal(raw, &n) == nil {
				if v, err := n.Int64(); err == nil && v >= 0 {
					r.total = v
				}
			}
		}
	}
	switch p.Type {
	case "page":
		r.page++
		if len(arr) < p.Size {
			r.done = true
		}
	case "cursor":
		next := ""
		if raw, err := extract(body, p.CursorPath); err == nil {
			var s any
			_ = json.Unmarshal(raw, &s)
			switch v := s.(type) {
			case string:
				next = v
			case float64:
				next = strconv.FormatFloat(v, 'f', -1, 64)
			}
		}
		if next == "" || next == r.cursor {
			r.done = true
		}
		r.cursor = next
	default:
		r.done = true
	}
	return recs, nil
}

// get fetches one page, retrying twice on 429 and 5xx answers.
func (r *httpReader) get(ctx context.Context, u string) ([]byte, error) {
	var lastErr error
	for attempt := 0; attempt < 3; attempt++ {
		if attempt > 0 {
			t := time.NewTimer(time.Duration(attempt) * 500 * time.Millisecond)
			select {
			case <-ctx.Done():
				t.Stop()
				return nil, ctx.Err()
			case <-t.C:
			}
		}
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
		if err != nil {
			return nil, err
		}
		req.Header.Set("Accept", "application/json")
		for k, v := range r.cfg.Headers {
			req.Header.Set(k, v)
		}
		resp, err := r.client.Do(req)
		if err != nil {
			return nil, fmt.Errorf("http source: GET %s: %w", redact(u), unwrapURL(err))
		}
		body, err := io.ReadAll(io.LimitReader(resp.Body, MaxPageBytes+1))
		_ = resp.Body.Close()
		if err != nil {
			return nil, fmt.Errorf("http source: GET %s: %w", redact(u), err)
		}
		switch {
		case resp.StatusCode == http.StatusOK:
			if len(body) > MaxPageBytes {
				return nil, fmt.Errorf("http source: GET %s: page larger than %d bytes", redact(u), MaxPageBytes)
			}
			return body, nil
		case resp.StatusCode == http.StatusTooManyRequests || resp.StatusCode >= 500:
			lastErr = fmt.Errorf("http source: GET %s: %s", redact(u), resp.Status)
			continue
		default:
			return nil, fmt.Errorf("http source: GET %s: %s", redact(u), resp.Status)
		}
	}
	return nil, lastErr
}

// unwrapURL drops net/url's "Get \"...\":" prefix; the caller names the URL.
func unwrapURL(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		return ue.Err
	}
	return err
}

// extract returns the JSON value at a dotted path ("" is the document).
func extract(doc []byte, path string) (json.RawMessage, error) {
	cur := json.RawMessage(bytes.TrimSpace(doc))
	if path == "" {
		return cur, nil
	}
	for _, seg := range strings.Split(path, ".") {
		var m map[string]json.RawMessage
		if err := json.Unmarshal(cur, &m); err != nil {
			return nil, fmt.Errorf("%q is not inside an object", seg)
		}
		next, ok := m[seg]
		if !ok {
			return nil, fmt.Errorf("no field %q", seg)
		}
		cur = next
	}
	return cur, nil
}

// redact drops credentials and the query from a URL for messages.
func redact(u string) string {
	p, err := url.Parse(u)
	if err != nil {
		return "(url)"
	}
	p.RawQuery = ""
	p.User = nil
	return p.String()
}
