package filesplugin

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"

	"github.com/switchyard/switchyard/sdk"
)

var errNotAFile = errors.New("the entry is a folder, not a file")

// routes serves the plugin's HTTP API, below
// /api/v1/orgs/{org}/plugins/files/http:
//
//	GET    /entries?parent=ID|path=P     a folder and its children
//	GET    /entries/{id}                 one entry
//	PATCH  /entries/{id}                 {name?, parent?}: rename or move
//	DELETE /entries/{id}                 to the trash
//	POST   /folders                      {parent?, name | path}
//	POST   /files?parent=ID&name=N|path=P[&overwrite=true]   the body is the file
//	GET    /files/{id}/content[?inline=true]                 download (ranges)
//	GET    /trash; POST /trash/{id}/restore {name?, parent?}; DELETE /trash/{id}
//	GET    /usage
//	POST   /uploads {parent?, name | path, size, sha256?, overwrite?}   resumable upload
//	GET    /uploads/{id}                 its offset (also in Upload-Offset)
//	PATCH  /uploads/{id}                 a chunk at the Upload-Offset header
//	POST   /uploads/{id}/complete        the file
//	DELETE /uploads/{id}                 cancel
func (p *Plugin) routes() http.Handler {
	mux := http.NewServeMux()
	h := func(pattern string, fn func(w http.ResponseWriter, r *http.Request, ts *tenant) error) {
		mux.HandleFunc(pattern, func(w http.ResponseWriter, r *http.Request) {
			t, ok := sdk.TenantFrom(r.Context())
			if !ok {
				writeError(w, sdk.Errorf(sdk.ErrPermission, "no tenant"))
				return
			}
			ts, err := p.tenant(t)
			if err == nil {
				err = fn(w, r, ts)
			}
			if err != nil {
				var oe *offsetError
				if errors.As(err, &oe) {
					w.Header().Set("Upload-Offset", strconv.FormatInt(oe.Offset, 10))
				}
				writeError(w, err)
			}
		})
	}
	ok := func(w http.ResponseWriter, status int) func(any, error) error {
		return func(v any, err error) error {
			if err != nil {
				return err
			}
			writeJSON(w, status, v)
			return nil
		}
	}
	h("GET /entries", func(w http.ResponseWriter, r *http.Request, ts *tenant) error {
		q := r.URL.Query()
		return ok(w, 200)(p.list(r.Context(), ts, q.Get("parent"), q.Get("path")))
	})
	h("GET /entries/{id}", func(w http.ResponseWriter, r *http.Request, ts *tenant) error {
		return ok(w, 200)(p.stat(r.Context(), ts, r.PathValue("id")))
	})
	h("PATCH /entries/{id}", func(w http.ResponseWriter, r *http.Request, ts *tenant) error {
		var in struct {
			Name   *string `json:"name"`
			Parent *string `json:"parent"`
		}
		if err := decode(r, &in); err != nil {
			return err
		}
		if in.Name == nil && in.Parent == nil {
			return fieldErr("name", errors.New("give a new name, a new parent or both"))
		}
		return ok(w, 200)(p.rename(r.Context(), ts, r.PathValue("id"), in.Name, in.Parent))
	})
	h("DELETE /entries/{id}", func(w http.ResponseWriter, r *http.Request, ts *tenant) error {
		return ok(w, 200)(p.remove(r.Context(), ts, r.PathValue("id")))
	})
	h("POST /folders", func(w http.ResponseWriter, r *http.Request, ts *tenant) error {
		var in struct{ Parent, Name, Path string }
		if err := decode(r, &in); err != nil {
			return err
		}
		return ok(w, 201)(p.mkdir(r.Context(), ts, in.Parent, in.Name, in.Path))
	})
	h("POST /files", func(w http.ResponseWriter, r *http.Request, ts *tenant) error {
		q := r.URL.Query()
		t, err := parseTarget(q.Get("parent"), q.Get("name"), q.Get("path"), q.Get("overwrite") == "true")
		if err != nil {
			return err
		}
		return ok(w, 201)(p.upload(r.Context(), ts, t, r))
	})
	h("GET /files/{id}/content", func(w http.ResponseWriter, r *http.Request, ts *tenant) error {
		return p.download(w, r, ts, r.PathValue("id"))
	})
	h("GET /trash", func(w http.ResponseWriter, r *http.Request, ts *tenant) error {
		return ok(w, 200)(p.trash(r.Context(), ts))
	})
	h("POST /trash/{id}/restore", func(w http.ResponseWriter, r *http.Request, ts *tenant) error {
		var in struct {
			Name   *string `json:"name"`
			Parent *string `json:"parent"`
		}
		if err := decode(r, &in); err != nil {
			return err
		}
		return ok(w, 200)(p.restore(r.Context(), ts, r.PathValue("id"), in.Name, in.Parent))
	})
	h("DELETE /trash/{id}", func(w http.ResponseWriter, r *http.Request, ts *tenant) error {
		if a, _ := sdk.ActorFrom(r.Context()); a.Role != "owner" && a.Role != "admin" && !a.IsSystem() && a.Role != "" {
			return sdk.Errorf(sdk.ErrPermission, "only owners and admins empty the trash")
		}
		return ok(w, 200)(p.purge(r.Context(), ts, r.PathValue("id")))
	})
	h("GET /usage", func(w http.ResponseWriter, r *http.Request, ts *tenant) error {
		return ok(w, 200)(p.usage(r.Context(), ts))
	})
	h("POST /uploads", func(w http.ResponseWriter, r *http.Request, ts *tenant) error {
		var in struct {
			Parent, Name, Path, SHA256 string
			Size                       *int64
			Overwrite                  bool
		}
		if err := decode(r, &in); err != nil {
			return err
		}
		if in.Size == nil {
			return fieldErr("size", errors.New("is required: the file's length in bytes"))
		}
		t, err := parseTarget(in.Parent, in.Name, in.Path, in.Overwrite)
		if err != nil {
			return err
		}
		u, err := p.createUpload(r.Context(), ts, t, *in.Size, in.SHA256)
		if err != nil {
			return err
		}
		w.Header().Set("Location", "uploads/"+u.ID)
		w.Header().Set("Upload-Offset", "0")
		w.Header().Set("Upload-Length", strconv.FormatInt(u.Size, 10))
		writeJSON(w, 201, u)
		return nil
	})
	h("GET /uploads/{id}", func(w http.ResponseWriter, r *http.Request, ts *tenant) error {
		u, err := p.getUpload(r.Context(), ts, r.PathValue("id"))
		if err != nil {
			return err
		}
		cur, err := ts.offset(u.ID)
		if err != nil {
			return err
		}
		w.Header().Set("Upload-Offset", strconv.FormatInt(cur, 10))
		w.Header().Set("Upload-Length", strconv.FormatInt(u.Size, 10))
		writeJSON(w, 200, u.view(cur))
		return nil
	})
	h("PATCH /uploads/{id}", func(w http.ResponseWriter, r *http.Request, ts *tenant) error {
		off, err := strconv.ParseInt(r.Header.Get("Upload-Offset"), 10, 64)
		if err != nil || off < 0 {
			return fieldErr("Upload-Offset", errors.New("the header must hold the byte offset the chunk starts at"))
		}
		v, err := p.writeChunk(r.Context(), ts, r.PathValue("id"), off, r.Body)
		w.Header().Set("Upload-Offset", strconv.FormatInt(v.Offset, 10))
		if err != nil {
			return err
		}
		writeJSON(w, 200, v)
		return nil
	})
	h("POST /uploads/{id}/complete", func(w http.ResponseWriter, r *http.Request, ts *tenant) error {
		return ok(w, 201)(p.completeUpload(r.Context(), ts, r.PathValue("id")))
	})
	h("DELETE /uploads/{id}", func(w http.ResponseWriter, r *http.Request, ts *tenant) error {
		if err := p.cancelUpload(r.Context(), ts, r.PathValue("id")); err != nil {
			return err
		}
		w.WriteHeader(http.StatusNoContent)
		return nil
	})
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		writeError(w, sdk.Errorf(sdk.ErrNotFound, "no route %s %s", r.Method, r.URL.Path))
	})
	return mux
}

// decode reads a small JSON body into v, refusing unknown fields; an empty
// body leaves v as it is.
func decode(r *http.Request, v any) error {
	raw, err := io.ReadAll(io.LimitReader(r.Body, 64<<10+1))
	if err != nil {
		return fmt.Errorf("reading the body: %w", err)
	}
	if len(raw) > 64<<10 {
		return sdk.Errorf(sdk.ErrInvalidInput, "the JSON body is larger than 64 KiB")
	}
	if len(raw) == 0 {
		return nil
	}
	dec := json.NewDecoder(bytesReader(raw))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return sdk.Errorf(sdk.ErrInvalidInput, "body: %v", err)
	}
	return nil
}
