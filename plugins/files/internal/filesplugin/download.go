package filesplugin

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"strings"
)

// inlineTypes are the content types a browser may show in place
// (?inline=true); anything else, HTML and SVG above all, is served as an
// attachment so a stored file never runs as a page of the dashboard.
var inlineTypes = map[string]bool{
	"image/png": true, "image/jpeg": true, "image/gif": true, "image/webp": true,
	"application/pdf": true, "text/plain": true, "text/csv": true, "application/json": true,
}

// download streams a file (GET /files/{id}/content), with ranges, and
// reports its progress.
func (p *Plugin) download(w http.ResponseWriter, r *http.Request, ts *tenant, id string) error {
	ctx := r.Context()
	e, path, err := p.tree(ts).live(ctx, id)
	if err != nil {
		return err
	}
	if e.Kind != KindFile {
		return fieldErr("id", errNotAFile)
	}
	_, rs, err := ts.store.Open(ctx, e.Blob)
	if err != nil {
		return err
	}
	defer func() { _ = rs.Close() }()
	h := w.Header()
	ct := e.ContentType
	if ct == "" {
		ct = "application/octet-stream"
	}
	h.Set("Content-Type", ct)
	h.Set("ETag", `"`+e.SHA256+`"`)
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Content-Security-Policy", "sandbox")
	h.Set("Cache-Control", "private, no-cache")
	h.Set("X-Checksum-SHA256", e.SHA256)
	disposition := "attachment"
	base, _, _ := strings.Cut(ct, ";")
	if r.URL.Query().Get("inline") == "true" && inlineTypes[strings.TrimSpace(base)] {
		disposition = "inline"
	}
	h.Set("Content-Disposition", disposition+"; filename*=UTF-8''"+url.PathEscape(e.Name))
	pr := p.newProgress(ts, "file.download.progress", e.Size, map[string]any{"file_id": e.ID, "name": e.Name, "path": path})
	pw := &progressWriter{ResponseWriter: w, ctx: ctx, pr: pr}
	http.ServeContent(pw, r, "", e.UpdatedAt, rs)
	status := "completed"
	switch {
	case pw.status >= 300 && pw.status != http.StatusNotModified:
		return nil // a refused range: nothing was sent
	case pw.status == http.StatusNotModified:
		return nil
	case pw.failed || (pw.expect >= 0 && pw.n < pw.expect):
		status = "cancelled"
	}
	pr.done(ctx, status, nil)
	return nil
}

// progressWriter counts the bytes of a response body for progress events.
type progressWriter struct {
	http.ResponseWriter
	ctx    context.Context
	pr     *progress
	status int
	expect int64 // the body's length, -1 when unknown
	n      int64
	failed bool
}

func (pw *progressWriter) WriteHeader(code int) {
	pw.status = code
	pw.expect = -1
	if n, err := strconv.ParseInt(pw.Header().Get("Content-Length"), 10, 64); err == nil {
		pw.expect = n
		pw.pr.total = n
	}
	pw.ResponseWriter.WriteHeader(code)
}

func (pw *progressWriter) Write(b []byte) (int, error) {
	if pw.status == 0 {
		pw.WriteHeader(http.StatusOK)
	}
	n, err := pw.ResponseWriter.Write(b)
	pw.n += int64(n)
	if err != nil {
		pw.failed = true
	}
	pw.pr.at(pw.ctx, pw.n)
	return n, err
}

// Flush passes flushes on, so bytes leave as they are written.
func (pw *progressWriter) Flush() {
	if f, ok := pw.ResponseWriter.(http.Flusher); ok {
		f.Flush()
	}
}
