package main

import (
	"bufio"
	"context"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/switchyard/switchyard/plugins/files/internal/filestest"
	"github.com/switchyard/switchyard/sdk/grpcplugin"
	"github.com/switchyard/switchyard/sdk/sdktest"
)

// binary is the plugin built once for these tests.
var binary string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "files-plugin-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	binary, err = sdktest.Build(ctx, ".", dir)
	cancel()
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	code := m.Run()
	_ = os.RemoveAll(dir)
	os.Exit(code)
}

// proc starts the plugin binary as the core does, with the files directory
// in its environment, against host (a RecordingHost kept across restarts).
func proc(t *testing.T, filesDir string, host *sdktest.RecordingHost, config any) (*sdktest.Harness, *filestest.Client) {
	t.Helper()
	h, err := sdktest.StartBinary(t.Context(), binary, sdktest.Options{Host: host, Env: []string{"SWITCHYARD_FILES_DIR=" + filesDir}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = h.Close() })
	acme := sdktest.Tenant("acme")
	if err := h.Install(t.Context(), acme, config); err != nil {
		t.Fatal(err)
	}
	return h, &filestest.Client{H: h, Tenant: acme, Actor: grpcplugin.Actor{UserID: "u1", Role: "member"}}
}

// peakRSS reads the process's peak resident set size (VmHWM) in bytes.
func peakRSS(t *testing.T, pid int) int64 {
	t.Helper()
	f, err := os.Open(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = f.Close() }()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if rest, ok := strings.CutPrefix(sc.Text(), "VmHWM:"); ok {
			kb, err := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(rest), " kB"), 10, 64)
			if err != nil {
				t.Fatal(err)
			}
			return kb << 10
		}
	}
	t.Fatal("no VmHWM in /proc status")
	return 0
}

// TestLargeUploadFlatMemory: a 200 MiB file goes up and comes back down
// through the plugin process with its memory flat: the process's peak
// resident size grows by far less than the file (bound: 48 MiB), because
// the body streams from the request to the disk in small chunks.
func TestLargeUploadFlatMemory(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("reads the plugin process's memory from /proc")
	}
	const size = 200 << 20
	dir := t.TempDir()
	h, c := proc(t, dir, sdktest.NewRecordingHost(), map[string]any{})
	// Warm up (the first upload loads the handlers' code and buffers).
	c.Do(t, filestest.Request{Method: "POST", Path: "/files", Query: url.Values{"name": {"warm.bin"}}, Body: filestest.NewPattern(9, 4<<20), Length: 4 << 20}).Must(t, 201)
	before := peakRSS(t, h.Pid())
	began := time.Now()
	f := c.Do(t, filestest.Request{Method: "POST", Path: "/files", Query: url.Values{"path": {"big/200MiB.bin"}},
		Body: filestest.NewPattern(42, size), Length: size}).Must(t, 201).JSON()
	took := time.Since(began)
	want := filestest.SHA256(42, size)
	if f["sha256"] != want || f["size"] != float64(size) {
		t.Fatalf("stored %v, want sha256 %s", f, want)
	}
	if n, sum := c.DownloadSHA256(t, f["id"].(string)); n != size || sum != want {
		t.Fatalf("downloaded %d bytes, sha256 %s", n, sum)
	}
	after := peakRSS(t, h.Pid())
	growth := after - before
	t.Logf("200 MiB upload in %v (%.0f MiB/s); plugin peak RSS %d MiB -> %d MiB (+%d MiB) across upload and download",
		took.Round(time.Millisecond), float64(size>>20)/took.Seconds(), before>>20, after>>20, growth>>20)
	if growth > 48<<20 {
		t.Fatalf("the plugin's peak memory grew by %d MiB for a 200 MiB file", growth>>20)
	}
	// The progress of the upload was reported, at a bounded rate.
	n := 0
	for _, ev := range h.Host.Events() {
		if ev.Type == "file.upload.progress" && strings.Contains(string(ev.Data), `"status":"running"`) {
			n++
		}
	}
	if limit := int(took/(250*time.Millisecond)) + 4; n == 0 || n > limit {
		t.Fatalf("%d upload progress events in %v (at most %d)", n, took, limit)
	}
}

// TestInterruptedUploadResumedAcrossRestart: a chunked upload is cut off
// midway, the plugin process is restarted, and the client resumes from
// the offset the plugin reports; the file is whole and its digest right.
func TestInterruptedUploadResumedAcrossRestart(t *testing.T) {
	const size = 24 << 20
	dir := t.TempDir()
	host := sdktest.NewRecordingHost()
	h, c := proc(t, dir, host, map[string]any{})
	id := c.Do(t, filestest.Request{Method: "POST", Path: "/uploads", JSON: map[string]any{"path": "in/parts.bin", "size": size, "sha256": filestest.SHA256(5, size)}}).
		Must(t, 201).JSON()["id"].(string)
	patch := func(c *filestest.Client, off int64, body *filestest.Pattern, n int64) (*filestest.Response, error) {
		return c.Send(t.Context(), filestest.Request{Method: "PATCH", Path: "/uploads/" + id,
			Header: http.Header{"Upload-Offset": {strconv.FormatInt(off, 10)}}, Body: body, Length: n})
	}
	// First chunk whole, second cut off after 3 MiB of 8.
	if r, err := patch(c, 0, filestest.NewPattern(5, 8<<20), 8<<20); err != nil || r.Status != 200 {
		t.Fatalf("chunk 1: %v %v", r, err)
	}
	second := filestest.NewPattern(5, size)
	second.Skip(8 << 20)
	second.FailAfter = 11 << 20
	if _, err := patch(c, 8<<20, second, 8<<20); err == nil {
		t.Fatal("a cut-off chunk succeeded")
	}
	time.Sleep(200 * time.Millisecond) // let the plugin finish writing what it got
	if err := h.Close(); err != nil {
		t.Fatal(err)
	}

	_, c = proc(t, dir, host, map[string]any{})
	r := c.Do(t, filestest.Request{Method: "GET", Path: "/uploads/" + id}).Must(t, 200)
	off, _ := strconv.ParseInt(r.Header.Get("Upload-Offset"), 10, 64)
	if off < 8<<20 || off > 11<<20 {
		t.Fatalf("offset after the restart %d, want between 8 and 11 MiB", off)
	}
	rest := filestest.NewPattern(5, size)
	rest.Skip(off)
	if r, err := patch(c, off, rest, size-off); err != nil || r.Status != 200 {
		t.Fatalf("resume from %d: %v %v", off, r, err)
	}
	f := c.Do(t, filestest.Request{Method: "POST", Path: "/uploads/" + id + "/complete"}).Must(t, 201).JSON()
	if f["sha256"] != filestest.SHA256(5, size) || f["path"] != "/in/parts.bin" {
		t.Fatalf("file = %v", f)
	}
	if n, sum := c.DownloadSHA256(t, f["id"].(string)); n != size || sum != f["sha256"] {
		t.Fatalf("downloaded %d bytes, %s", n, sum)
	}
}

// TestTraversalAndQuotaRefused: through the real process, a traversal
// name is refused and an upload over the quota is refused with nothing
// written to disk.
func TestTraversalAndQuotaRefused(t *testing.T) {
	dir := t.TempDir()
	_, c := proc(t, dir, sdktest.NewRecordingHost(), map[string]any{"quota_bytes": 1 << 20})
	r := c.Do(t, filestest.Request{Method: "POST", Path: "/files", Query: url.Values{"path": {"../../etc/passwd"}},
		Body: strings.NewReader("root:x:0:0"), Length: 10}).Must(t, 400)
	if r.ErrorField() != "path" || !strings.Contains(string(r.Body), `\"..\" is not allowed`) {
		t.Fatalf("traversal: %s", r.Body)
	}
	r = c.Do(t, filestest.Request{Method: "POST", Path: "/files", Query: url.Values{"name": {"big.bin"}},
		Body: filestest.NewPattern(1, 3<<20), Length: -1}).Must(t, 413)
	if !strings.Contains(string(r.Body), "storage quota exceeded") {
		t.Fatalf("quota: %s", r.Body)
	}
	var left []string
	_ = filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			left = append(left, p)
		}
		return nil
	})
	if len(left) != 0 {
		t.Fatalf("refused uploads left files: %v", left)
	}
	u := c.Do(t, filestest.Request{Method: "GET", Path: "/usage"}).Must(t, 200).JSON()
	if u["used_bytes"] != float64(0) || u["reserved_bytes"] != float64(0) {
		t.Fatalf("usage = %v", u)
	}
}
