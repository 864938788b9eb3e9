package sdk_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"runtime"
	"runtime/debug"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/switchyard/switchyard/sdk"
	"github.com/switchyard/switchyard/sdk/grpcplugin"
	"github.com/switchyard/switchyard/sdk/sdktest"
)

// pattern is an endless deterministic byte stream.
type pattern struct{ i byte }

func (p *pattern) Read(b []byte) (int, error) {
	for k := range b {
		b[k] = p.i
		p.i = p.i*31 + 7
	}
	return len(b), nil
}

func patternSHA(n int64) string {
	h := sha256.New()
	_, _ = io.Copy(h, io.LimitReader(&pattern{}, n))
	return hex.EncodeToString(h.Sum(nil))
}

func streamingPlugin() *httpPlugin {
	mux := http.NewServeMux()
	mux.HandleFunc("POST /upload", func(w http.ResponseWriter, r *http.Request) {
		h := sha256.New()
		n, err := io.Copy(h, r.Body)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		t, _ := sdk.TenantFrom(r.Context())
		w.Header().Set("X-Tenant", t.Slug)
		_, _ = fmt.Fprintf(w, "%d %x", n, h.Sum(nil))
	})
	mux.HandleFunc("GET /download", func(w http.ResponseWriter, r *http.Request) {
		n, _ := strconv.ParseInt(r.URL.Query().Get("n"), 10, 64)
		w.Header().Set("Content-Type", "application/octet-stream")
		_, _ = io.Copy(w, io.LimitReader(&pattern{}, n))
	})
	mux.HandleFunc("GET /teapot", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("X-Reason", "short and stout")
		w.WriteHeader(http.StatusTeapot)
	})
	m := manifest()
	m.HTTP = true
	return &httpPlugin{basePlugin: basePlugin{manifest: m}, handler: mux}
}

// peakHeap samples the heap while f runs and returns the peak growth over
// the heap in use before f. The collector runs eagerly meanwhile, so the
// figure tracks what is held rather than garbage awaiting collection.
func peakHeap(f func()) (growth uint64) {
	defer debug.SetGCPercent(debug.SetGCPercent(10))
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	base := ms.HeapAlloc
	var peak atomic.Uint64
	stop := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		var s runtime.MemStats
		for {
			runtime.ReadMemStats(&s)
			if s.HeapAlloc > peak.Load() {
				peak.Store(s.HeapAlloc)
			}
			select {
			case <-stop:
				return
			case <-time.After(2 * time.Millisecond):
			}
		}
	}()
	f()
	close(stop)
	wg.Wait()
	if p := peak.Load(); p > base {
		return p - base
	}
	return 0
}

// TestHTTPStreamsLargeBodiesInFlatMemory moves 50 MiB each way through the
// in-process harness (core client, gRPC stream, plugin handler, all in this
// process) and checks the heap never grows by more than a fraction of it.
// The growth is a constant (flow-control windows, pooled gRPC buffers):
// SDK_HTTP_TEST_MIB=200 shows the same figure as 10 or 50.
func TestHTTPStreamsLargeBodiesInFlatMemory(t *testing.T) {
	if testing.Short() {
		t.Skip("moves 100 MiB; skipped with -short")
	}
	size := int64(50 << 20)
	if s := os.Getenv("SDK_HTTP_TEST_MIB"); s != "" {
		n, _ := strconv.Atoi(s)
		size = int64(n) << 20
	}
	const maxGrowth = 20 << 20 // buffering the body would take at least 50 MiB
	h := serve(t, streamingPlugin(), sdktest.Options{})
	want := patternSHA(size)
	// What is asserted is memory, not speed: under -race, with the
	// collector run eagerly, on a busy 2-core machine, 50 MiB one way has
	// taken 20 s.
	bodyCtx := func(t *testing.T) context.Context {
		ctx, cancel := context.WithTimeout(t.Context(), 2*time.Minute)
		t.Cleanup(cancel)
		return ctx
	}

	t.Run("upload", func(t *testing.T) {
		ctx := bodyCtx(t)
		var body []byte
		var status int
		var tenant string
		growth := peakHeap(func() {
			resp, err := h.Client.RoundTrip(ctx, &grpcplugin.HTTPRequest{
				Tenant: acme, Actor: alice, Method: http.MethodPost, Path: "/upload",
				Body: io.LimitReader(&pattern{}, size), ContentLength: size,
			})
			if err != nil {
				t.Error(err)
				return
			}
			defer func() { _ = resp.Body.Close() }()
			status, tenant = resp.StatusCode, resp.Header.Get("X-Tenant")
			body, err = io.ReadAll(resp.Body)
			if err != nil {
				t.Error(err)
			}
		})
		if status != http.StatusOK || tenant != "acme" || string(body) != fmt.Sprintf("%d %s", size, want) {
			t.Fatalf("status %d tenant %q body %q", status, tenant, body)
		}
		t.Logf("upload of %d MiB: peak heap growth %.1f MiB", size>>20, float64(growth)/(1<<20))
		if growth > maxGrowth {
			t.Fatalf("heap grew by %d bytes for a %d-byte upload; the body is being buffered", growth, size)
		}
	})

	t.Run("download", func(t *testing.T) {
		ctx := bodyCtx(t)
		var n int64
		var sum string
		growth := peakHeap(func() {
			resp, err := h.Client.RoundTrip(ctx, &grpcplugin.HTTPRequest{
				Tenant: acme, Actor: alice, Method: http.MethodGet, Path: "/download", RawQuery: "n=" + strconv.FormatInt(size, 10),
			})
			if err != nil {
				t.Error(err)
				return
			}
			defer func() { _ = resp.Body.Close() }()
			hs := sha256.New()
			n, err = io.Copy(hs, resp.Body)
			if err != nil {
				t.Error(err)
			}
			sum = hex.EncodeToString(hs.Sum(nil))
		})
		if n != size || sum != want {
			t.Fatalf("downloaded %d bytes, sha %s", n, sum)
		}
		t.Logf("download of %d MiB: peak heap growth %.1f MiB", size>>20, float64(growth)/(1<<20))
		if growth > maxGrowth {
			t.Fatalf("heap grew by %d bytes for a %d-byte download; the body is being buffered", growth, size)
		}
	})
}

func TestHTTPStatusHeadersAndErrors(t *testing.T) {
	h := serve(t, streamingPlugin(), sdktest.Options{})
	ctx := testCtx(t)

	rec := &recorder{}
	if err := h.Client.ServeHTTP(ctx, rec, &grpcplugin.HTTPRequest{Tenant: acme, Method: "GET", Path: "/teapot"}); err != nil {
		t.Fatal(err)
	}
	if rec.status != http.StatusTeapot || rec.Header().Get("X-Reason") != "short and stout" {
		t.Fatalf("got %d %v", rec.status, rec.Header())
	}
	rec = &recorder{}
	if err := h.Client.ServeHTTP(ctx, rec, &grpcplugin.HTTPRequest{Tenant: acme, Method: "GET", Path: "/missing"}); err != nil {
		t.Fatal(err)
	}
	if rec.status != http.StatusNotFound {
		t.Fatalf("unknown route: %d", rec.status)
	}
	// A tenant the plugin was not configured for is refused before any byte.
	rec = &recorder{}
	err := h.Client.ServeHTTP(ctx, rec, &grpcplugin.HTTPRequest{Tenant: globex, Method: "GET", Path: "/teapot"})
	if !errors.Is(err, grpcplugin.ErrUnavailable) || rec.status != 0 {
		t.Fatalf("err = %v, status %d", err, rec.status)
	}
	// A body whose length nobody set is still sent.
	resp, err := h.Client.RoundTrip(ctx, &grpcplugin.HTTPRequest{Tenant: acme, Method: "POST", Path: "/upload", Body: strings.NewReader("abc")})
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	_ = resp.Body.Close()
	if !strings.HasPrefix(string(body), "3 ") {
		t.Fatalf("upload without a length: %q", body)
	}
	// A request body that fails to read aborts the exchange with that error.
	_, err = h.Client.RoundTrip(ctx, &grpcplugin.HTTPRequest{Tenant: acme, Method: "POST", Path: "/upload", Body: failingReader{}, ContentLength: -1})
	if err == nil || !strings.Contains(err.Error(), "disk on fire") {
		t.Fatalf("err = %v", err)
	}
}

func TestHTTPUnimplemented(t *testing.T) {
	h := serve(t, &basePlugin{manifest: manifest()}, sdktest.Options{})
	_, err := h.Client.RoundTrip(testCtx(t), &grpcplugin.HTTPRequest{Tenant: acme, Method: "GET", Path: "/"})
	if grpcplugin.CodeOf(err) != grpcplugin.CodeUnimplemented || grpcplugin.HTTPStatus(err) != http.StatusNotImplemented {
		t.Fatalf("err = %v", err)
	}
}

type failingReader struct{}

func (failingReader) Read([]byte) (int, error) { return 0, fmt.Errorf("disk on fire") }

type recorder struct {
	header http.Header
	status int
	body   []byte
}

func (r *recorder) Header() http.Header {
	if r.header == nil {
		r.header = make(http.Header)
	}
	return r.header
}
func (r *recorder) WriteHeader(code int) { r.status = code }
func (r *recorder) Write(p []byte) (int, error) {
	r.body = append(r.body, p...)
	return len(p), nil
}
