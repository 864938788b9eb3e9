package filestest

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"testing"

	"github.com/switchyard/switchyard/sdk/grpcplugin"
	"github.com/switchyard/switchyard/sdk/sdktest"
)

// Client sends HTTP requests to the plugin for one tenant and actor.
type Client struct {
	H      *sdktest.Harness
	Tenant grpcplugin.Tenant
	Actor  grpcplugin.Actor
}

// Response is a whole response.
type Response struct {
	Status int
	Header http.Header
	Body   []byte
}

// JSON decodes the body as an object.
func (r *Response) JSON() map[string]any {
	var m map[string]any
	_ = json.Unmarshal(r.Body, &m)
	return m
}

// ErrorField is the field an error response names.
func (r *Response) ErrorField() string {
	e, _ := r.JSON()["error"].(map[string]any)
	f, _ := e["field"].(string)
	return f
}

// Request is one request; Body may stream (Length -1: unknown).
type Request struct {
	Method string
	Path   string
	Query  url.Values
	Header http.Header
	Body   io.Reader
	Length int64
	JSON   any
}

// Send performs req and reads the whole response; a transport error is
// returned as it is (a cut body, a plugin gone).
func (c *Client) Send(ctx context.Context, req Request) (*Response, error) {
	hr := &grpcplugin.HTTPRequest{Tenant: c.Tenant, Actor: c.Actor, Method: req.Method, Path: req.Path,
		Header: req.Header, Body: req.Body, ContentLength: req.Length}
	if hr.Header == nil {
		hr.Header = http.Header{}
	}
	if req.Query != nil {
		hr.RawQuery = req.Query.Encode()
	}
	if req.JSON != nil {
		raw, _ := json.Marshal(req.JSON)
		hr.Body, hr.ContentLength = bytes.NewReader(raw), int64(len(raw))
		hr.Header.Set("Content-Type", "application/json")
	}
	resp, err := c.H.Client.RoundTrip(ctx, hr)
	if err != nil {
		return nil, err
	}
	defer func() { _ = resp.Body.Close() }()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, err
	}
	return &Response{Status: resp.StatusCode, Header: resp.Header, Body: body}, nil
}

// Do is Send that fails t on a transport error.
func (c *Client) Do(t testing.TB, req Request) *Response {
	t.Helper()
	r, err := c.Send(t.Context(), req)
	if err != nil {
		t.Fatalf("%s %s: %v", req.Method, req.Path, err)
	}
	return r
}

// Must checks the status.
func (r *Response) Must(t testing.TB, status int) *Response {
	t.Helper()
	if r.Status != status {
		t.Fatalf("status %d, want %d: %s", r.Status, status, r.Body)
	}
	return r
}

// DownloadSHA256 streams a file's content and returns its size and
// SHA-256 without keeping it.
func (c *Client) DownloadSHA256(t testing.TB, id string) (int64, string) {
	t.Helper()
	resp, err := c.H.Client.RoundTrip(t.Context(), &grpcplugin.HTTPRequest{Tenant: c.Tenant, Actor: c.Actor, Method: "GET",
		Path: "/files/" + id + "/content", Header: http.Header{}})
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = resp.Body.Close() }()
	if resp.StatusCode != 200 {
		b, _ := io.ReadAll(resp.Body)
		t.Fatalf("download: %d %s", resp.StatusCode, b)
	}
	h := sha256.New()
	n, err := io.Copy(h, resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return n, hex.EncodeToString(h.Sum(nil))
}

// Pattern is a deterministic stream of n pseudo-random bytes that never
// sits in memory whole; two Patterns of one seed give the same bytes. Byte
// o of the stream is byte o%8 of splitmix64(seed+o/8).
type Pattern struct {
	n, off int64
	seed   uint64
	// FailAfter, when > 0, makes Read fail once that many bytes were read
	// (a connection cut midway).
	FailAfter int64
}

// NewPattern returns n bytes of the stream seed.
func NewPattern(seed uint64, n int64) *Pattern { return &Pattern{n: n, seed: seed} }

func splitmix64(x uint64) uint64 {
	x += 0x9e3779b97f4a7c15
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9
	x = (x ^ (x >> 27)) * 0x94d049bb133111eb
	return x ^ (x >> 31)
}

// Read implements io.Reader.
func (p *Pattern) Read(b []byte) (int, error) {
	if p.FailAfter > 0 && p.off >= p.FailAfter {
		return 0, io.ErrUnexpectedEOF
	}
	if p.off >= p.n {
		return 0, io.EOF
	}
	want := int64(len(b))
	if left := p.n - p.off; want > left {
		want = left
	}
	if p.FailAfter > 0 && p.off+want > p.FailAfter {
		want = p.FailAfter - p.off
	}
	b = b[:want]
	o := p.off
	i := 0
	for ; i < len(b) && (o+int64(i))%8 != 0; i++ {
		pos := o + int64(i)
		b[i] = byte(splitmix64(p.seed+uint64(pos/8)) >> (8 * (pos % 8)))
	}
	for ; i+8 <= len(b); i += 8 {
		binary.LittleEndian.PutUint64(b[i:], splitmix64(p.seed+uint64((o+int64(i))/8)))
	}
	for ; i < len(b); i++ {
		pos := o + int64(i)
		b[i] = byte(splitmix64(p.seed+uint64(pos/8)) >> (8 * (pos % 8)))
	}
	p.off += want
	return int(want), nil
}

// Skip advances the stream by n bytes.
func (p *Pattern) Skip(n int64) { p.off = min(p.off+n, p.n) }

// SHA256 returns the SHA-256 of n bytes of stream seed.
func SHA256(seed uint64, n int64) string {
	h := sha256.New()
	_, _ = io.Copy(h, NewPattern(seed, n))
	return hex.EncodeToString(h.Sum(nil))
}
