package filesplugin_test

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/switchyard/switchyard/plugins/files/internal/filesplugin"
	"github.com/switchyard/switchyard/plugins/files/internal/filestest"
	"github.com/switchyard/switchyard/sdk/grpcplugin"
	"github.com/switchyard/switchyard/sdk/sdktest"
)

type clock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *clock) add(d time.Duration) {
	c.mu.Lock()
	c.now = c.now.Add(d)
	c.mu.Unlock()
}

type env struct {
	p     *filesplugin.Plugin
	h     *sdktest.Harness
	c     *filestest.Client
	clock *clock
	dir   string // the organization's storage root
}

func start(t *testing.T, config any) *env {
	t.Helper()
	files := t.TempDir()
	ck := &clock{now: time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)}
	p := filesplugin.New(filesplugin.Options{FilesDir: files, Now: ck.Now, ProgressInterval: 10 * time.Millisecond, SweepInterval: time.Hour})
	h := sdktest.Serve(t, p, sdktest.Options{})
	acme := sdktest.Tenant("acme")
	if err := h.Install(t.Context(), acme, config); err != nil {
		t.Fatal(err)
	}
	return &env{p: p, h: h, clock: ck, dir: filepath.Join(files, acme.ID, ".switchyard-files"),
		c: &filestest.Client{H: h, Tenant: acme, Actor: grpcplugin.Actor{UserID: "u1", Role: "member"}}}
}

func (e *env) put(t *testing.T, q url.Values, body []byte) *filestest.Response {
	t.Helper()
	return e.c.Do(t, filestest.Request{Method: "POST", Path: "/files", Query: q, Body: bytes.NewReader(body), Length: int64(len(body))})
}

func (e *env) ops() []string {
	var out []string
	for _, ev := range e.h.Host.Events() {
		if ev.Type == "file.operation" {
			var d map[string]any
			_ = json.Unmarshal(ev.Data, &d)
			out = append(out, d["op"].(string)+":"+d["name"].(string))
		}
	}
	return out
}

// blobs lists the files under the organization's store (blobs and any
// temporary file).
func (e *env) blobs(t *testing.T) []string {
	t.Helper()
	var out []string
	_ = filepath.WalkDir(filepath.Join(e.dir, "store"), func(p string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			out = append(out, p)
		}
		return nil
	})
	return out
}

var pngHeader = []byte("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x02\x00\x00\x00")

// TestTree: folders, uploads with SHA-256 and sniffed types, listing,
// rename and move, the trash and restore, purge, and the file.operation
// events of each change.
func TestTree(t *testing.T) {
	e := start(t, map[string]any{})
	folder := e.c.Do(t, filestest.Request{Method: "POST", Path: "/folders", JSON: map[string]string{"path": "reports/2026"}}).Must(t, 201).JSON()
	if folder["path"] != "/reports/2026" || folder["kind"] != "folder" {
		t.Fatalf("mkdir = %v", folder)
	}
	csv := []byte("id,total\n1,10\n")
	f := e.put(t, url.Values{"parent": {folder["id"].(string)}, "name": {"q1.json"}}, []byte(`{"a":1}`)).Must(t, 201).JSON()
	if f["content_type"] != "application/json" || f["path"] != "/reports/2026/q1.json" || f["size"] != float64(7) {
		t.Fatalf("upload = %v", f)
	}
	img := e.put(t, url.Values{"path": {"img/logo.bin"}}, pngHeader).Must(t, 201).JSON()
	if img["content_type"] != "image/png" {
		t.Fatalf("sniffed %v, want image/png", img["content_type"])
	}
	page := e.put(t, url.Values{"path": {"page.txt"}}, []byte("<html><script>alert(1)</script></html>")).Must(t, 201).JSON()
	if !strings.HasPrefix(page["content_type"].(string), "text/html") {
		t.Fatalf("sniffed %v, want text/html", page["content_type"])
	}
	data := e.put(t, url.Values{"path": {"data.csv"}}, csv).Must(t, 201).JSON()
	if sum := sha256.Sum256(csv); data["sha256"] != hex.EncodeToString(sum[:]) {
		t.Fatalf("sha256 = %v", data["sha256"])
	}
	// The same name again is a conflict unless overwriting.
	e.put(t, url.Values{"path": {"data.csv"}}, csv).Must(t, 409)
	over := e.put(t, url.Values{"path": {"data.csv"}, "overwrite": {"true"}}, []byte("id\n")).Must(t, 201).JSON()
	if over["id"] != data["id"] || over["size"] != float64(3) {
		t.Fatalf("overwrite = %v", over)
	}

	root := e.c.Do(t, filestest.Request{Method: "GET", Path: "/entries"}).Must(t, 200).JSON()
	var listed []string
	for _, it := range root["items"].([]any) {
		m := it.(map[string]any)
		listed = append(listed, m["kind"].(string)+":"+m["name"].(string))
	}
	if strings.Join(listed, ",") != "folder:img,folder:reports,file:data.csv,file:page.txt" {
		t.Fatalf("root = %v", listed)
	}
	// Download: attachment, nosniff, the bytes and digest stored.
	dl := e.c.Do(t, filestest.Request{Method: "GET", Path: "/files/" + page["id"].(string) + "/content", Query: url.Values{"inline": {"true"}}}).Must(t, 200)
	if !strings.HasPrefix(dl.Header.Get("Content-Disposition"), "attachment") || dl.Header.Get("X-Content-Type-Options") != "nosniff" {
		t.Fatalf("an HTML file is served inline: %v", dl.Header)
	}
	rng := e.c.Do(t, filestest.Request{Method: "GET", Path: "/files/" + img["id"].(string) + "/content", Header: http.Header{"Range": {"bytes=1-3"}}}).Must(t, 206)
	if string(rng.Body) != "PNG" {
		t.Fatalf("range = %q", rng.Body)
	}

	// Rename: bad names name the field; taken names conflict.
	id := f["id"].(string)
	for _, bad := range []string{"../x", "a/b", "", "CON", "x\x00"} {
		r := e.c.Do(t, filestest.Request{Method: "PATCH", Path: "/entries/" + id, JSON: map[string]string{"name": bad}}).Must(t, 400)
		if r.ErrorField() != "name" {
			t.Fatalf("rename to %q: field %q", bad, r.ErrorField())
		}
	}
	moved := e.c.Do(t, filestest.Request{Method: "PATCH", Path: "/entries/" + id, JSON: map[string]string{"name": "Q1 final.json", "parent": ""}}).Must(t, 200).JSON()
	if moved["path"] != "/Q1 final.json" {
		t.Fatalf("moved = %v", moved)
	}
	reports := e.c.Do(t, filestest.Request{Method: "GET", Path: "/entries", Query: url.Values{"path": {"reports"}}}).Must(t, 200).JSON()
	repID := reports["folder"].(map[string]any)["id"].(string)
	if r := e.c.Do(t, filestest.Request{Method: "PATCH", Path: "/entries/" + repID, JSON: map[string]string{"parent": folder["id"].(string)}}).Must(t, 400); r.ErrorField() != "parent" {
		t.Fatalf("a folder moved into itself: %s", r.Body)
	}

	// Delete a folder: it and what is inside leave the tree, into the trash.
	e.c.Do(t, filestest.Request{Method: "DELETE", Path: "/entries/" + repID}).Must(t, 200)
	e.c.Do(t, filestest.Request{Method: "GET", Path: "/entries", Query: url.Values{"path": {"reports/2026"}}}).Must(t, 404)
	trash := e.c.Do(t, filestest.Request{Method: "GET", Path: "/trash"}).Must(t, 200).JSON()["items"].([]any)
	if len(trash) != 1 || trash[0].(map[string]any)["path"] != "/reports" || trash[0].(map[string]any)["purge_at"] == nil {
		t.Fatalf("trash = %v", trash)
	}
	// A new folder takes the name; restoring then conflicts, or restores
	// under another name.
	e.c.Do(t, filestest.Request{Method: "POST", Path: "/folders", JSON: map[string]string{"name": "reports"}}).Must(t, 201)
	e.c.Do(t, filestest.Request{Method: "POST", Path: "/trash/" + repID + "/restore"}).Must(t, 409)
	back := e.c.Do(t, filestest.Request{Method: "POST", Path: "/trash/" + repID + "/restore", JSON: map[string]string{"name": "reports (old)"}}).Must(t, 200).JSON()
	if back["path"] != "/reports (old)" {
		t.Fatalf("restored = %v", back)
	}
	e.c.Do(t, filestest.Request{Method: "GET", Path: "/entries", Query: url.Values{"path": {"reports (old)/2026"}}}).Must(t, 200)

	// Purge: only from the trash, and the blob goes.
	before := len(e.blobs(t))
	imgID := img["id"].(string)
	admin := &filestest.Client{H: e.h, Tenant: e.c.Tenant, Actor: grpcplugin.Actor{UserID: "u2", Role: "admin"}}
	admin.Do(t, filestest.Request{Method: "DELETE", Path: "/trash/" + imgID}).Must(t, 409)
	e.c.Do(t, filestest.Request{Method: "DELETE", Path: "/entries/" + imgID}).Must(t, 200)
	e.c.Do(t, filestest.Request{Method: "DELETE", Path: "/trash/" + imgID}).Must(t, 403)
	purged := admin.Do(t, filestest.Request{Method: "DELETE", Path: "/trash/" + imgID}).Must(t, 200).JSON()
	if purged["files"] != float64(1) || len(e.blobs(t)) != before-1 {
		t.Fatalf("purge = %v, blobs %d -> %d", purged, before, len(e.blobs(t)))
	}
	use := e.c.Do(t, filestest.Request{Method: "GET", Path: "/usage"}).Must(t, 200).JSON()
	if use["used_bytes"] != float64(7+38+3) || use["files"] != float64(3) {
		t.Fatalf("usage = %v", use)
	}
	// Uninstalling deletes the organization's files.
	defer func() {
		if err := e.h.Uninstall(t.Context(), e.c.Tenant); err != nil {
			t.Fatal(err)
		}
		if b := e.blobs(t); len(b) != 0 {
			t.Fatalf("blobs left after uninstall: %v", b)
		}
	}()
	want := "created:reports,created:2026,created:q1.json,created:img,created:logo.bin,created:page.txt,created:data.csv,created:data.csv," +
		"renamed:Q1 final.json,deleted:reports,created:reports,restored:reports (old),deleted:logo.bin,purged:logo.bin"
	if got := strings.Join(e.ops(), ","); got != want {
		t.Fatalf("file.operation events:\n got %s\nwant %s", got, want)
	}
}

// TestActions: the same tree through actions.
func TestActions(t *testing.T) {
	e := start(t, map[string]any{})
	acme, a := e.c.Tenant, e.c.Actor
	out, err := e.h.Invoke(t.Context(), acme, a, "mkdir", map[string]string{"path": "a/b"})
	if err != nil {
		t.Fatal(err)
	}
	var b map[string]any
	_ = json.Unmarshal(out, &b)
	if _, err := e.h.Invoke(t.Context(), acme, a, "mkdir", map[string]string{"path": "../../etc/passwd"}); err == nil || grpcplugin.CodeOf(err) != grpcplugin.CodeInvalidInput || !strings.Contains(err.Error(), "path") {
		t.Fatalf("traversal through mkdir: %v", err)
	}
	if _, err := e.h.Invoke(t.Context(), acme, a, "rename", map[string]any{"id": b["id"], "name": "c"}); err != nil {
		t.Fatal(err)
	}
	out, err = e.h.Invoke(t.Context(), acme, a, "list", map[string]string{"path": "a"})
	if err != nil || !strings.Contains(string(out), `"path":"/a/c"`) {
		t.Fatalf("list = %s, %v", out, err)
	}
	if _, err := e.h.Invoke(t.Context(), acme, a, "delete", map[string]any{"id": b["id"]}); err != nil {
		t.Fatal(err)
	}
	out, _ = e.h.Invoke(t.Context(), acme, a, "trash", map[string]any{})
	if !strings.Contains(string(out), `"name":"c"`) {
		t.Fatalf("trash = %s", out)
	}
	if _, err := e.h.Invoke(t.Context(), acme, a, "restore", map[string]any{"id": b["id"]}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.h.Invoke(t.Context(), acme, a, "stat", map[string]any{"id": "nope"}); grpcplugin.CodeOf(err) != grpcplugin.CodeNotFound {
		t.Fatalf("stat of a missing id: %v", err)
	}
}

// TestTraversalRefused: names and paths that would climb out of the tree
// or smuggle separators are refused with the field named, and nothing is
// written.
func TestTraversalRefused(t *testing.T) {
	e := start(t, map[string]any{})
	for _, tc := range []struct {
		q     url.Values
		field string
	}{
		{url.Values{"path": {"../../etc/passwd"}}, "path"},
		{url.Values{"path": {"/a/../../b"}}, "path"},
		{url.Values{"path": {"a//b"}}, "path"},
		{url.Values{"name": {"../passwd"}}, "name"},
		{url.Values{"name": {".."}}, "name"},
		{url.Values{"name": {"a\\b"}}, "name"},
		{url.Values{"name": {"evil\u202Etxt.exe"}}, "name"},
		{url.Values{"parent": {"../../"}, "name": {"x"}}, "parent"},
	} {
		r := e.put(t, tc.q, []byte("root:x:0:0"))
		if r.Status != 400 || r.ErrorField() != tc.field {
			t.Errorf("%v: %d field %q %s", tc.q, r.Status, r.ErrorField(), r.Body)
		}
	}
	e.c.Do(t, filestest.Request{Method: "GET", Path: "/entries", Query: url.Values{"path": {"../.."}}}).Must(t, 400)
	if b := e.blobs(t); len(b) != 0 {
		t.Fatalf("files written: %v", b)
	}
}

// TestQuota: an upload that does not fit is refused with a clear error and
// leaves nothing behind, whether its length is declared (refused before
// reading) or not (refused midway).
func TestQuota(t *testing.T) {
	e := start(t, map[string]any{"quota_bytes": 1 << 20})
	r := e.c.Do(t, filestest.Request{Method: "POST", Path: "/files", Query: url.Values{"name": {"big.bin"}},
		Body: filestest.NewPattern(1, 2<<20), Length: 2 << 20}).Must(t, 413)
	if !strings.Contains(string(r.Body), "storage quota exceeded") {
		t.Fatalf("refusal = %s", r.Body)
	}
	r = e.c.Do(t, filestest.Request{Method: "POST", Path: "/files", Query: url.Values{"name": {"big.bin"}},
		Body: filestest.NewPattern(1, 2<<20), Length: -1}).Must(t, 413)
	if !strings.Contains(string(r.Body), "quota") {
		t.Fatalf("refusal = %s", r.Body)
	}
	if b := e.blobs(t); len(b) != 0 {
		t.Fatalf("a refused upload left %v", b)
	}
	e.c.Do(t, filestest.Request{Method: "POST", Path: "/files", Query: url.Values{"name": {"half.bin"}},
		Body: filestest.NewPattern(2, 600<<10), Length: -1}).Must(t, 201)
	e.c.Do(t, filestest.Request{Method: "POST", Path: "/uploads", JSON: map[string]any{"name": "more.bin", "size": 600 << 10}}).Must(t, 413)
	use := e.c.Do(t, filestest.Request{Method: "GET", Path: "/usage"}).Must(t, 200).JSON()
	if use["used_bytes"] != float64(600<<10) || use["reserved_bytes"] != float64(0) || use["files"] != float64(1) {
		t.Fatalf("usage = %v", use)
	}
	list := e.c.Do(t, filestest.Request{Method: "GET", Path: "/entries"}).Must(t, 200).JSON()["items"].([]any)
	if len(list) != 1 || len(e.blobs(t)) != 1 {
		t.Fatalf("entries %v, blobs %v", list, e.blobs(t))
	}
	// Failed uploads reported their end.
	failed := 0
	for _, ev := range e.h.Host.Events() {
		if ev.Type == "file.upload.progress" && strings.Contains(string(ev.Data), `"status":"failed"`) {
			failed++
		}
	}
	if failed != 1 { // the declared one was refused before it started
		t.Fatalf("%d failed upload events, want 1", failed)
	}
}

// TestResumableUpload: a chunk cut off midway keeps what arrived; the
// client asks for the offset and resumes; a chunk at a wrong offset is
// refused with the right one; the file's SHA-256 is the whole stream's.
func TestResumableUpload(t *testing.T) {
	e := start(t, map[string]any{})
	const size = 3<<20 + 12345
	up := e.c.Do(t, filestest.Request{Method: "POST", Path: "/uploads", JSON: map[string]any{"path": "big/data.bin", "size": size}}).Must(t, 201).JSON()
	id := up["id"].(string)
	patch := func(off int64, body *filestest.Pattern, n int64) (*filestest.Response, error) {
		return e.c.Send(t.Context(), filestest.Request{Method: "PATCH", Path: "/uploads/" + id,
			Header: http.Header{"Upload-Offset": {strconv.FormatInt(off, 10)}}, Body: body, Length: n})
	}
	first := filestest.NewPattern(7, size)
	first.FailAfter = 1 << 20
	if _, err := patch(0, first, 2<<20); err == nil {
		t.Fatal("a cut-off chunk succeeded")
	}
	offset := resumeOffset(t, e.c, id)
	if offset > 1<<20 {
		t.Fatalf("offset %d after 1 MiB was sent", offset)
	}
	if r, err := patch(offset+1, filestest.NewPattern(7, 10), 10); err != nil || r.Status != 409 || r.Header.Get("Upload-Offset") != strconv.FormatInt(offset, 10) {
		t.Fatalf("a chunk at a wrong offset: %v %v", r, err)
	}
	rest := filestest.NewPattern(7, size)
	rest.Skip(offset)
	r, err := patch(offset, rest, size-offset)
	if err != nil || r.Status != 200 || r.JSON()["offset"] != float64(size) {
		t.Fatalf("resume: %v %v", r, err)
	}
	f := e.c.Do(t, filestest.Request{Method: "POST", Path: "/uploads/" + id + "/complete"}).Must(t, 201).JSON()
	want := filestest.SHA256(7, size)
	if f["sha256"] != want || f["size"] != float64(size) || f["path"] != "/big/data.bin" {
		t.Fatalf("file = %v, want sha256 %s", f, want)
	}
	if n, sum := e.c.DownloadSHA256(t, f["id"].(string)); n != size || sum != want {
		t.Fatalf("downloaded %d bytes with %s", n, sum)
	}
	e.c.Do(t, filestest.Request{Method: "GET", Path: "/uploads/" + id}).Must(t, 404)

	// A declared digest that does not match discards the upload.
	bad := e.c.Do(t, filestest.Request{Method: "POST", Path: "/uploads", JSON: map[string]any{"name": "x.bin", "size": 10, "sha256": strings.Repeat("0", 64)}}).Must(t, 201).JSON()
	if r, err := e.c.Send(t.Context(), filestest.Request{Method: "PATCH", Path: "/uploads/" + bad["id"].(string),
		Header: http.Header{"Upload-Offset": {"0"}}, Body: filestest.NewPattern(1, 10), Length: 10}); err != nil || r.Status != 200 {
		t.Fatalf("chunk: %v %v", r, err)
	}
	if r := e.c.Do(t, filestest.Request{Method: "POST", Path: "/uploads/" + bad["id"].(string) + "/complete"}).Must(t, 400); r.ErrorField() != "sha256" {
		t.Fatalf("mismatch: %s", r.Body)
	}
	// A cancelled upload releases its reservation and staged bytes.
	c := e.c.Do(t, filestest.Request{Method: "POST", Path: "/uploads", JSON: map[string]any{"name": "y.bin", "size": 100}}).Must(t, 201).JSON()
	e.c.Do(t, filestest.Request{Method: "DELETE", Path: "/uploads/" + c["id"].(string)}).Must(t, 204)
	use := e.c.Do(t, filestest.Request{Method: "GET", Path: "/usage"}).Must(t, 200).JSON()
	if use["reserved_bytes"] != float64(0) || use["used_bytes"] != float64(size) {
		t.Fatalf("usage = %v", use)
	}
	if staged, _ := os.ReadDir(filepath.Join(e.dir, "staging")); len(staged) != 0 {
		t.Fatalf("staging files left: %v", staged)
	}
}

// resumeOffset asks for an upload's offset the way a client does after a
// broken chunk: the server may still be finishing that chunk, so a busy
// answer is retried.
func resumeOffset(t *testing.T, c *filestest.Client, id string) int64 {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		r := c.Do(t, filestest.Request{Method: "GET", Path: "/uploads/" + id}).Must(t, 200)
		off, err := strconv.ParseInt(r.Header.Get("Upload-Offset"), 10, 64)
		if err != nil {
			t.Fatalf("Upload-Offset %q", r.Header.Get("Upload-Offset"))
		}
		// A zero-length PATCH at that offset tells whether the writer is done.
		p, err := c.Send(t.Context(), filestest.Request{Method: "PATCH", Path: "/uploads/" + id,
			Header: http.Header{"Upload-Offset": {strconv.FormatInt(off, 10)}}})
		if err == nil && p.Status == 200 {
			return off
		}
		if time.Now().After(deadline) {
			t.Fatalf("the upload stayed busy: %v %v", p, err)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// TestTrashRetentionAndSweep: once the retention ends the sweeper purges
// the trash, and it drops expired uploads.
func TestTrashRetentionAndSweep(t *testing.T) {
	e := start(t, map[string]any{"trash_retention": "48h", "upload_expiry": "1h"})
	f := e.put(t, url.Values{"name": {"old.txt"}}, []byte("bye")).Must(t, 201).JSON()
	e.c.Do(t, filestest.Request{Method: "DELETE", Path: "/entries/" + f["id"].(string)}).Must(t, 200)
	e.c.Do(t, filestest.Request{Method: "POST", Path: "/uploads", JSON: map[string]any{"name": "never.bin", "size": 5}}).Must(t, 201)
	if err := e.p.Sweep(t.Context(), e.c.Tenant); err != nil {
		t.Fatal(err)
	}
	if len(e.blobs(t)) != 1 {
		t.Fatal("the sweeper purged within the retention")
	}
	e.clock.add(49 * time.Hour)
	if err := e.p.Sweep(t.Context(), e.c.Tenant); err != nil {
		t.Fatal(err)
	}
	if b := e.blobs(t); len(b) != 0 {
		t.Fatalf("blobs after the retention: %v", b)
	}
	use := e.c.Do(t, filestest.Request{Method: "GET", Path: "/usage"}).Must(t, 200).JSON()
	if use["used_bytes"] != float64(0) || use["reserved_bytes"] != float64(0) {
		t.Fatalf("usage = %v", use)
	}
	if trash := e.c.Do(t, filestest.Request{Method: "GET", Path: "/trash"}).Must(t, 200).JSON()["items"].([]any); len(trash) != 0 {
		t.Fatalf("trash = %v", trash)
	}
}

// TestDownloadProgress: a download reports its progress at a bounded rate
// and ends with the bytes sent.
func TestDownloadProgress(t *testing.T) {
	e := start(t, map[string]any{})
	const size = 4 << 20
	f := e.c.Do(t, filestest.Request{Method: "POST", Path: "/files", Query: url.Values{"name": {"d.bin"}}, Body: filestest.NewPattern(3, size), Length: size}).Must(t, 201).JSON()
	began := time.Now()
	if n, sum := e.c.DownloadSHA256(t, f["id"].(string)); n != size || sum != f["sha256"] {
		t.Fatalf("download %d %s", n, sum)
	}
	took := time.Since(began)
	var evs []map[string]any
	for _, ev := range e.h.Host.Events() {
		if ev.Type == "file.download.progress" {
			if ev.Target != "u1" {
				t.Fatalf("download progress sent to %q", ev.Target)
			}
			var d map[string]any
			_ = json.Unmarshal(ev.Data, &d)
			evs = append(evs, d)
		}
	}
	if len(evs) == 0 || evs[len(evs)-1]["status"] != "completed" || evs[len(evs)-1]["bytes"] != float64(size) {
		t.Fatalf("download events = %v", evs)
	}
	if limit := int(took/(10*time.Millisecond)) + 2; len(evs) > limit {
		t.Fatalf("%d progress events in %v, at most %d allowed", len(evs), took, limit)
	}
}
