package filesplugin

import (
	"bufio"
	"context"
	"crypto/sha256"
	"encoding"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"hash"
	"io"
	"mime"
	"net/http"
	"os"
	"path"
	"path/filepath"
	"strings"
	"time"

	"github.com/switchyard/switchyard/sdk"
)

// sniff returns the content type of a file from its first bytes
// (http.DetectContentType), refined by its extension when the bytes only
// say "some text" or "some bytes".
func sniff(head []byte, name string) string {
	ct := http.DetectContentType(head)
	if ct == "application/octet-stream" || strings.HasPrefix(ct, "text/plain") {
		if byExt := mime.TypeByExtension(strings.ToLower(path.Ext(name))); byExt != "" {
			if !strings.HasPrefix(byExt, "text/") || strings.HasPrefix(ct, "text/") {
				return byExt
			}
		}
	}
	return ct
}

// target is where an upload goes: a folder (existing, or a path of folders
// created when the upload succeeds) and a name.
type target struct {
	Parent    string   `json:"parent,omitempty"`
	Dirs      []string `json:"dirs,omitempty"`
	Name      string   `json:"name"`
	Overwrite bool     `json:"overwrite,omitempty"`
}

func parseTarget(parent, name, p string, overwrite bool) (target, error) {
	t := target{Parent: parent, Overwrite: overwrite}
	switch {
	case p != "" && name != "":
		return t, fieldErr("name", errors.New("give a name or a path, not both"))
	case p != "":
		parts, err := splitPath("path", p)
		if err != nil {
			return t, err
		}
		if len(parts) == 0 {
			return t, fieldErr("path", errors.New("the path names no file"))
		}
		t.Dirs, t.Name = parts[:len(parts)-1], parts[len(parts)-1]
	default:
		n, err := cleanName("name", name)
		if err != nil {
			return t, err
		}
		t.Name = n
	}
	return t, nil
}

// check refuses an upload that could not be stored: a missing folder, or a
// name taken (unless overwriting a file). It returns the file it would
// replace. ts.mu is held.
func (tr tree) check(ctx context.Context, t target) (*Entry, error) {
	dir, err := tr.folder(ctx, t.Parent, "parent")
	if err != nil {
		return nil, err
	}
	for _, name := range t.Dirs {
		e, ok, err := tr.child(ctx, dir.ID, name)
		if err != nil {
			return nil, err
		}
		if !ok {
			return nil, nil // created on success: nothing to collide with
		}
		if e.Kind != KindFolder {
			return nil, fieldErr("path", fmt.Errorf("%q is a file, not a folder", name))
		}
		dir = e
	}
	e, ok, err := tr.child(ctx, dir.ID, t.Name)
	if err != nil || !ok {
		return nil, err
	}
	if e.Kind != KindFile || !t.Overwrite {
		return nil, sdk.Errorf(sdk.ErrConflict, "%s %q exists already (overwrite=true replaces a file)", e.Kind, e.Name)
	}
	return &e, nil
}

// commit records a stored blob as the file t names, creating missing
// folders or replacing the file it overwrites. ts.mu is held.
func (p *Plugin) commit(ctx context.Context, ts *tenant, t target, f Entry) (Entry, string, error) {
	tr := p.tree(ts)
	if _, err := tr.check(ctx, t); err != nil {
		return Entry{}, "", err
	}
	dir, err := p.mkdirAll(ctx, ts, tr, t.Parent, t.Dirs, f.CreatedBy)
	if err != nil {
		return Entry{}, "", err
	}
	f.Parent, f.Name = dir.ID, t.Name
	old, ok, err := tr.child(ctx, dir.ID, t.Name)
	if err != nil {
		return Entry{}, "", err
	}
	if ok {
		// Overwrite: the entry keeps its id and gets the new content.
		oldBlob, oldSize := old.Blob, old.Size
		old.Blob, old.Size, old.SHA256, old.ContentType, old.UpdatedAt = f.Blob, f.Size, f.SHA256, f.ContentType, f.CreatedAt
		if err := tr.put(ctx, old); err != nil {
			return Entry{}, "", err
		}
		ts.used += f.Size - oldSize
		if err := ts.store.Delete(ctx, oldBlob); err != nil {
			p.host.Logger().WarnContext(ctx, "replaced blob not deleted", "error", err.Error())
		}
		f = old
	} else {
		if err := tr.link(ctx, f); err != nil {
			return Entry{}, "", err
		}
		ts.used += f.Size
		ts.files++
	}
	fp, err := tr.path(ctx, f)
	return f, fp, err
}

// quotaReader reads an upload's body, counting bytes, reserving quota as
// they arrive when the length was not declared, reporting progress.
type quotaReader struct {
	ctx      context.Context
	p        *Plugin
	ts       *tenant
	r        io.Reader
	n        int64
	declared int64 // -1: unknown
	held     int64 // quota reserved for this upload
	pr       *progress
}

const reserveStep = 8 << 20

func (q *quotaReader) Read(b []byte) (int, error) {
	n, err := q.r.Read(b)
	q.n += int64(n)
	if q.declared >= 0 && q.n > q.declared {
		return n, fieldErr("Content-Length", fmt.Errorf("the body is longer than the %d bytes declared", q.declared))
	}
	if q.n > q.held {
		q.ts.mu.Lock()
		step := max(q.n-q.held, min(int64(reserveStep), q.ts.cfg.MaxFileBytes-q.held))
		var rerr error
		if q.held+step > q.ts.cfg.MaxFileBytes {
			rerr = quotaErr("a file may hold at most %d bytes", q.ts.cfg.MaxFileBytes)
		} else if rerr = q.ts.reserve(step); rerr == nil {
			q.held += step
		}
		q.ts.mu.Unlock()
		if rerr != nil {
			return n, rerr
		}
	}
	q.pr.at(q.ctx, q.n)
	return n, err
}

func (q *quotaReader) release() {
	q.ts.mu.Lock()
	q.ts.reserved -= q.held
	q.held = 0
	q.ts.mu.Unlock()
}

// upload stores a request body as a file (POST /files).
func (p *Plugin) upload(ctx context.Context, ts *tenant, t target, r *http.Request) (view, error) {
	declared := r.ContentLength
	if declared < 0 {
		declared = -1
	}
	ts.mu.Lock()
	err := p.load(ctx, ts)
	if err == nil {
		_, err = p.tree(ts).check(ctx, t)
	}
	if err == nil && declared >= 0 {
		err = ts.reserve(declared)
	}
	ts.mu.Unlock()
	if err != nil {
		return view{}, err
	}
	id := newID()
	pr := p.newProgress(ts, "file.upload.progress", declared, map[string]any{"upload_id": id, "name": t.Name})
	q := &quotaReader{ctx: ctx, p: p, ts: ts, r: r.Body, declared: declared, pr: pr}
	if declared >= 0 {
		q.held = declared
	}
	defer q.release()

	br := bufio.NewReaderSize(q, 64<<10)
	head, _ := br.Peek(512)
	ct := sniff(head, t.Name)
	sum := sha256.New()
	blob := blobKey(id)
	obj, err := ts.store.Put(ctx, blob, io.TeeReader(br, sum))
	if err == nil && declared >= 0 && obj.Size != declared {
		_ = ts.store.Delete(ctx, blob)
		err = fieldErr("Content-Length", fmt.Errorf("the body has %d bytes, %d were declared", obj.Size, declared))
	}
	if err != nil {
		pr.done(ctx, "failed", map[string]any{"error": err.Error()})
		return view{}, unwrapStorage(err)
	}
	now := p.opts.Now().UTC()
	f := Entry{ID: id, Kind: KindFile, Size: obj.Size, SHA256: hex.EncodeToString(sum.Sum(nil)), ContentType: ct, Blob: blob,
		CreatedAt: now, UpdatedAt: now, CreatedBy: actorID(ctx)}
	ts.mu.Lock()
	ts.reserved -= q.held
	q.held = 0
	f, fp, err := p.commit(ctx, ts, t, f)
	ts.mu.Unlock()
	if err != nil {
		_ = ts.store.Delete(context.WithoutCancel(ctx), blob)
		pr.done(ctx, "failed", map[string]any{"error": err.Error()})
		return view{}, err
	}
	pr.done(ctx, "completed", map[string]any{"file_id": f.ID, "path": fp, "sha256": f.SHA256})
	p.operation(ctx, ts, "created", f, fp, "")
	return f.view(fp), nil
}

// unwrapStorage returns the error an upload's reader gave (a quota
// refusal, a bad length) when the storage failed because of it.
func unwrapStorage(err error) error {
	var qe *quotaError
	if errors.As(err, &qe) {
		return qe
	}
	var fe *fieldError
	if errors.As(err, &fe) {
		return fe
	}
	return err
}

// upload is a resumable upload session, kept in state under u/<id>. The
// bytes received so far are the staging file's; Hashed and HashState are
// the SHA-256 of its first Hashed bytes, so completing needs not read it
// all again.
type upload struct {
	ID          string    `json:"id"`
	Target      target    `json:"target"`
	Size        int64     `json:"size"`
	SHA256      string    `json:"sha256,omitempty"`
	CreatedAt   time.Time `json:"created_at"`
	CreatedBy   string    `json:"created_by,omitempty"`
	ExpiresAt   time.Time `json:"expires_at"`
	Hashed      int64     `json:"hashed"`
	HashState   []byte    `json:"hash_state,omitempty"`
	ContentType string    `json:"content_type,omitempty"`
}

type uploadView struct {
	ID        string    `json:"id"`
	Name      string    `json:"name"`
	Offset    int64     `json:"offset"`
	Size      int64     `json:"size"`
	ExpiresAt time.Time `json:"expires_at"`
}

func (u upload) view(offset int64) uploadView {
	return uploadView{ID: u.ID, Name: u.Target.Name, Offset: offset, Size: u.Size, ExpiresAt: u.ExpiresAt}
}

func (ts *tenant) stagingPath(id string) string { return filepath.Join(ts.staging, id) }

func (p *Plugin) getUpload(ctx context.Context, ts *tenant, id string) (upload, error) {
	if len(id) > 64 || strings.ContainsAny(id, `/\.`) {
		return upload{}, sdk.Errorf(sdk.ErrNotFound, "upload %q", id)
	}
	raw, err := p.host.State(ts.t).Get(ctx, uploadKey(id))
	if err != nil {
		if errors.Is(err, sdk.ErrNotFound) {
			return upload{}, sdk.Errorf(sdk.ErrNotFound, "upload %q (finished, cancelled or expired)", id)
		}
		return upload{}, err
	}
	var u upload
	if err := json.Unmarshal(raw, &u); err != nil {
		return upload{}, fmt.Errorf("upload %s is corrupt: %w", id, err)
	}
	return u, nil
}

func (p *Plugin) putUpload(ctx context.Context, ts *tenant, u upload) error {
	raw, err := json.Marshal(u)
	if err != nil {
		return err
	}
	return p.host.State(ts.t).Put(ctx, uploadKey(u.ID), raw)
}

// offset is how many bytes of the upload are staged.
func (ts *tenant) offset(id string) (int64, error) {
	fi, err := os.Stat(ts.stagingPath(id))
	if err != nil {
		return 0, fmt.Errorf("upload %s: staging file: %w", id, err)
	}
	return fi.Size(), nil
}

// createUpload opens a resumable upload of size bytes (POST /uploads); the
// size is reserved from the quota until it completes or ends.
func (p *Plugin) createUpload(ctx context.Context, ts *tenant, t target, size int64, wantSHA string) (uploadView, error) {
	if size < 0 {
		return uploadView{}, fieldErr("size", errors.New("must be at least 0"))
	}
	if wantSHA != "" {
		if b, err := hex.DecodeString(wantSHA); err != nil || len(b) != sha256.Size {
			return uploadView{}, fieldErr("sha256", errors.New("must be 64 hex digits"))
		}
		wantSHA = strings.ToLower(wantSHA)
	}
	ts.mu.Lock()
	defer ts.mu.Unlock()
	if err := p.load(ctx, ts); err != nil {
		return uploadView{}, err
	}
	if _, err := p.tree(ts).check(ctx, t); err != nil {
		return uploadView{}, err
	}
	if err := ts.reserve(size); err != nil {
		return uploadView{}, err
	}
	now := p.opts.Now().UTC()
	u := upload{ID: newID(), Target: t, Size: size, SHA256: wantSHA, CreatedAt: now, CreatedBy: actorID(ctx), ExpiresAt: now.Add(ts.cfg.expiry)}
	err := os.MkdirAll(ts.staging, 0o700)
	if err == nil {
		var f *os.File
		if f, err = os.OpenFile(ts.stagingPath(u.ID), os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o600); err == nil { //nolint:gosec // our id
			err = f.Close()
		}
	}
	if err == nil {
		err = p.putUpload(ctx, ts, u)
	}
	if err != nil {
		ts.reserved -= size
		_ = os.Remove(ts.stagingPath(u.ID))
		return uploadView{}, fmt.Errorf("creating upload: %w", err)
	}
	return u.view(0), nil
}

// claim marks an upload busy (one request writes to it at a time).
func (ts *tenant) claim(id string) error {
	ts.mu.Lock()
	defer ts.mu.Unlock()
	if ts.busy[id] {
		return sdk.Errorf(sdk.ErrConflict, "upload %s: another request is writing to it", id)
	}
	ts.busy[id] = true
	return nil
}

func (ts *tenant) unclaim(id string) {
	ts.mu.Lock()
	delete(ts.busy, id)
	ts.mu.Unlock()
}

// offsetError is a chunk sent at the wrong offset: the client resumes from
// Offset.
type offsetError struct{ Offset int64 }

func (e *offsetError) Error() string {
	return fmt.Sprintf("the upload holds %d bytes: send the chunk at Upload-Offset %d", e.Offset, e.Offset)
}
func (e *offsetError) Unwrap() error { return sdk.ErrConflict }

// countWriter counts what reaches the hash.
type countWriter struct {
	w io.Writer
	n int64
}

func (c *countWriter) Write(b []byte) (int, error) {
	n, err := c.w.Write(b)
	c.n += int64(n)
	return n, err
}

// hashAt returns the upload's hash of its first u.Hashed bytes.
func (u upload) hashAt() (hash.Hash, error) {
	h := sha256.New()
	if len(u.HashState) > 0 {
		if err := h.(encoding.BinaryUnmarshaler).UnmarshalBinary(u.HashState); err != nil {
			return nil, fmt.Errorf("upload %s: hash state: %w", u.ID, err)
		}
	}
	return h, nil
}

// catchUp hashes the staged bytes from u.Hashed to offset (bytes a crash
// left staged but not hashed).
func (ts *tenant) catchUp(u *upload, h hash.Hash, offset int64) error {
	if u.Hashed >= offset {
		return nil
	}
	f, err := os.Open(ts.stagingPath(u.ID))
	if err != nil {
		return err
	}
	defer func() { _ = f.Close() }()
	if _, err := f.Seek(u.Hashed, io.SeekStart); err != nil {
		return err
	}
	n, err := io.CopyN(h, f, offset-u.Hashed)
	u.Hashed += n
	return err
}

// writeChunk appends a chunk at offset (PATCH /uploads/{id}). Bytes that
// arrive before the connection breaks are kept: the client asks for the
// offset and resumes from there.
func (p *Plugin) writeChunk(ctx context.Context, ts *tenant, id string, offset int64, body io.Reader) (uploadView, error) {
	if err := ts.claim(id); err != nil {
		return uploadView{}, err
	}
	defer ts.unclaim(id)
	u, err := p.getUpload(ctx, ts, id)
	if err != nil {
		return uploadView{}, err
	}
	cur, err := ts.offset(id)
	if err != nil {
		return uploadView{}, err
	}
	if offset != cur {
		return uploadView{}, &offsetError{Offset: cur}
	}
	h, err := u.hashAt()
	if err != nil {
		return uploadView{}, err
	}
	if err := ts.catchUp(&u, h, cur); err != nil {
		return uploadView{}, err
	}
	f, err := os.OpenFile(ts.stagingPath(id), os.O_WRONLY|os.O_APPEND, 0o600) //nolint:gosec // our id
	if err != nil {
		return uploadView{}, err
	}
	pr := p.newProgress(ts, "file.upload.progress", u.Size, map[string]any{"upload_id": id, "name": u.Target.Name})
	hashed := &countWriter{w: h}
	left := u.Size - cur
	buf := make([]byte, 64<<10)
	var written int64
	var copyErr error
	for {
		if ctx.Err() != nil {
			copyErr = ctx.Err()
			break
		}
		n, rerr := body.Read(buf)
		if int64(n) > left-written {
			n = int(left - written)
			copyErr = fieldErr("body", fmt.Errorf("the chunk goes past the upload's size of %d bytes", u.Size))
		}
		if n > 0 {
			w, werr := f.Write(buf[:n])
			written += int64(w)
			_, _ = hashed.Write(buf[:w])
			if werr != nil {
				copyErr = werr
				break
			}
			pr.at(ctx, cur+written)
		}
		if copyErr != nil {
			break
		}
		if rerr == io.EOF {
			break
		}
		if rerr != nil {
			copyErr = fmt.Errorf("the chunk was cut off after %d bytes: %w", written, rerr)
			break
		}
	}
	// Whatever arrived is kept and made durable, even when the chunk was
	// cut off: the offset the client asks for next is what is on disk.
	syncErr := f.Sync()
	_ = f.Close()
	if syncErr == nil && hashed.n == written {
		u.Hashed = cur + written
		if st, err := h.(encoding.BinaryMarshaler).MarshalBinary(); err == nil {
			u.HashState = st
		}
	}
	u.ExpiresAt = p.opts.Now().UTC().Add(ts.cfg.expiry)
	if err := p.putUpload(context.WithoutCancel(ctx), ts, u); err != nil && copyErr == nil {
		copyErr = err
	}
	if syncErr != nil && copyErr == nil {
		copyErr = syncErr
	}
	if copyErr != nil {
		return u.view(cur + written), copyErr
	}
	return u.view(cur + written), nil
}

// completeUpload turns a fully staged upload into a file.
func (p *Plugin) completeUpload(ctx context.Context, ts *tenant, id string) (view, error) {
	if err := ts.claim(id); err != nil {
		return view{}, err
	}
	defer ts.unclaim(id)
	u, err := p.getUpload(ctx, ts, id)
	if err != nil {
		return view{}, err
	}
	cur, err := ts.offset(id)
	if err != nil {
		return view{}, err
	}
	if cur != u.Size {
		return view{}, &offsetError{Offset: cur}
	}
	h, err := u.hashAt()
	if err != nil {
		return view{}, err
	}
	if err := ts.catchUp(&u, h, cur); err != nil {
		return view{}, err
	}
	sum := hex.EncodeToString(h.Sum(nil))
	if u.SHA256 != "" && sum != u.SHA256 {
		p.abortUpload(ctx, ts, u, "failed")
		return view{}, fieldErr("sha256", fmt.Errorf("the bytes received hash to %s, not %s: the upload was discarded", sum, u.SHA256))
	}
	head := make([]byte, 512)
	if f, err := os.Open(ts.stagingPath(id)); err == nil { //nolint:gosec // our id
		n, _ := io.ReadFull(f, head)
		head = head[:n]
		_ = f.Close()
	}
	ts.mu.Lock()
	_, err = p.tree(ts).check(ctx, u.Target)
	ts.mu.Unlock()
	if err != nil {
		return view{}, err
	}
	fileID := newID()
	blob := blobKey(fileID)
	if _, err := ts.store.Import(ctx, blob, ts.stagingPath(id)); err != nil {
		return view{}, fmt.Errorf("storing upload %s: %w", id, err)
	}
	now := p.opts.Now().UTC()
	f := Entry{ID: fileID, Kind: KindFile, Size: u.Size, SHA256: sum, ContentType: sniff(head, u.Target.Name), Blob: blob,
		CreatedAt: now, UpdatedAt: now, CreatedBy: u.CreatedBy}
	ts.mu.Lock()
	f, fp, err := p.commit(ctx, ts, u.Target, f)
	ts.reserved -= u.Size
	ts.mu.Unlock()
	delErr := p.host.State(ts.t).Delete(context.WithoutCancel(ctx), uploadKey(id))
	pr := p.newProgress(ts, "file.upload.progress", u.Size, map[string]any{"upload_id": id, "name": u.Target.Name})
	pr.bytes = u.Size
	if err != nil {
		_ = ts.store.Delete(context.WithoutCancel(ctx), blob)
		pr.done(ctx, "failed", map[string]any{"error": err.Error()})
		return view{}, err
	}
	if delErr != nil {
		p.host.Logger().WarnContext(ctx, "finished upload session not removed", "error", delErr.Error())
	}
	pr.done(ctx, "completed", map[string]any{"file_id": f.ID, "path": fp, "sha256": f.SHA256})
	p.operation(ctx, ts, "created", f, fp, "")
	return f.view(fp), nil
}

// cancelUpload ends an upload and drops its bytes (DELETE /uploads/{id}).
func (p *Plugin) cancelUpload(ctx context.Context, ts *tenant, id string) error {
	if err := ts.claim(id); err != nil {
		return err
	}
	defer ts.unclaim(id)
	u, err := p.getUpload(ctx, ts, id)
	if err != nil {
		return err
	}
	p.abortUpload(ctx, ts, u, "cancelled")
	return nil
}

// abortUpload drops an upload's staged bytes, reservation and session.
func (p *Plugin) abortUpload(ctx context.Context, ts *tenant, u upload, status string) {
	ctx = context.WithoutCancel(ctx)
	cur, _ := ts.offset(u.ID)
	_ = os.Remove(ts.stagingPath(u.ID))
	ts.mu.Lock()
	if ts.loaded {
		ts.reserved -= u.Size
	}
	ts.mu.Unlock()
	if err := p.host.State(ts.t).Delete(ctx, uploadKey(u.ID)); err != nil {
		p.host.Logger().WarnContext(ctx, "upload session not removed", "upload", u.ID, "error", err.Error())
	}
	pr := p.newProgress(ts, "file.upload.progress", u.Size, map[string]any{"upload_id": u.ID, "name": u.Target.Name})
	pr.bytes = cur
	pr.done(ctx, status, nil)
}
