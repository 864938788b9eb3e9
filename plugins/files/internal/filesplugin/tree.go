package filesplugin

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/google/uuid"

	"github.com/switchyard/switchyard/plugins/files/internal/names"
	"github.com/switchyard/switchyard/plugins/files/internal/storage"
	"github.com/switchyard/switchyard/sdk"
)

// Entry kinds.
const (
	KindFile   = "file"
	KindFolder = "folder"
)

// Entry is a file or folder. Parent is the folder's id; "" is the root.
type Entry struct {
	ID          string     `json:"id"`
	Kind        string     `json:"kind"`
	Name        string     `json:"name"`
	Parent      string     `json:"parent"`
	Size        int64      `json:"size"`
	SHA256      string     `json:"sha256,omitempty"`
	ContentType string     `json:"content_type,omitempty"`
	Blob        string     `json:"blob,omitempty"`
	CreatedAt   time.Time  `json:"created_at"`
	CreatedBy   string     `json:"created_by,omitempty"`
	UpdatedAt   time.Time  `json:"updated_at"`
	DeletedAt   *time.Time `json:"deleted_at,omitempty"`
	DeletedBy   string     `json:"deleted_by,omitempty"`
}

// view is an entry as the API shows it: without its blob key, with its path.
type view struct {
	ID          string     `json:"id"`
	Kind        string     `json:"kind"`
	Name        string     `json:"name"`
	Parent      string     `json:"parent"`
	Path        string     `json:"path,omitempty"`
	Size        int64      `json:"size"`
	SHA256      string     `json:"sha256,omitempty"`
	ContentType string     `json:"content_type,omitempty"`
	CreatedAt   time.Time  `json:"created_at"`
	CreatedBy   string     `json:"created_by,omitempty"`
	UpdatedAt   time.Time  `json:"updated_at"`
	DeletedAt   *time.Time `json:"deleted_at,omitempty"`
	PurgeAt     *time.Time `json:"purge_at,omitempty"`
}

func (e Entry) view(path string) view {
	return view{ID: e.ID, Kind: e.Kind, Name: e.Name, Parent: e.Parent, Path: path, Size: e.Size, SHA256: e.SHA256,
		ContentType: e.ContentType, CreatedAt: e.CreatedAt, CreatedBy: e.CreatedBy, UpdatedAt: e.UpdatedAt, DeletedAt: e.DeletedAt}
}

// State keys. Entries are the truth; a child key is the index of a
// folder's live children, checked against the entry it names on read, so
// an index left behind by a crash is ignored.
func entryKey(id string) string  { return "e/" + id }
func trashKey(id string) string  { return "t/" + id }
func uploadKey(id string) string { return "u/" + id }
func childPrefix(parent string) string {
	if parent == "" {
		parent = "root"
	}
	return "c/" + parent + "/"
}
func childKey(parent, name string) string { return childPrefix(parent) + name }

func blobKey(id string) string {
	shard := strings.ReplaceAll(id, "-", "")
	return "blobs/" + shard[len(shard)-2:] + "/" + id
}

// tenant is one organization's files: its storage and usage, and the lock
// its tree changes under.
type tenant struct {
	t       sdk.Tenant
	cfg     Config
	store   storage.Storage
	staging string

	// mu serializes changes of the tree and the usage figures below.
	mu       sync.Mutex
	loaded   bool
	used     int64 // bytes of every file entry, trash included
	reserved int64 // bytes held for uploads in progress
	files    int64
	folders  int64
	busy     map[string]bool // resumable uploads a chunk is being written to
}

// tree is one organization's tree in the plugin's state.
type tree struct {
	st  sdk.State
	now func() time.Time
}

func (p *Plugin) tree(ts *tenant) tree { return tree{st: p.host.State(ts.t), now: p.opts.Now} }

func (tr tree) get(ctx context.Context, id string) (Entry, error) {
	if id == "" {
		return Entry{Kind: KindFolder}, nil
	}
	if len(id) > 64 {
		return Entry{}, sdk.Errorf(sdk.ErrNotFound, "entry %q", id)
	}
	raw, err := tr.st.Get(ctx, entryKey(id))
	if err != nil {
		if errors.Is(err, sdk.ErrNotFound) {
			return Entry{}, sdk.Errorf(sdk.ErrNotFound, "entry %q", id)
		}
		return Entry{}, fmt.Errorf("reading entry %s: %w", id, err)
	}
	var e Entry
	if err := json.Unmarshal(raw, &e); err != nil {
		return Entry{}, fmt.Errorf("entry %s is corrupt: %w", id, err)
	}
	return e, nil
}

func (tr tree) put(ctx context.Context, e Entry) error {
	raw, err := json.Marshal(e)
	if err != nil {
		return err
	}
	if err := tr.st.Put(ctx, entryKey(e.ID), raw); err != nil {
		return fmt.Errorf("storing entry %s: %w", e.ID, err)
	}
	return nil
}

// live returns an entry that is not in the trash, nor below a folder that
// is, with its path.
func (tr tree) live(ctx context.Context, id string) (Entry, string, error) {
	e, err := tr.get(ctx, id)
	if err != nil {
		return Entry{}, "", err
	}
	if e.DeletedAt != nil {
		return Entry{}, "", sdk.Errorf(sdk.ErrNotFound, "entry %q is in the trash", id)
	}
	path, err := tr.path(ctx, e)
	return e, path, err
}

// path returns e's path from the root; an ancestor in the trash makes e
// not found.
func (tr tree) path(ctx context.Context, e Entry) (string, error) {
	if e.ID == "" {
		return "/", nil
	}
	parts := []string{e.Name}
	parent := e.Parent
	for depth := 0; parent != ""; depth++ {
		if depth > names.MaxDepth*2 {
			return "", fmt.Errorf("entry %s: the folder chain does not end", e.ID)
		}
		pe, err := tr.get(ctx, parent)
		if err != nil {
			return "", err
		}
		if pe.DeletedAt != nil {
			return "", sdk.Errorf(sdk.ErrNotFound, "entry %q is in a folder in the trash", e.ID)
		}
		parts = append(parts, pe.Name)
		parent = pe.Parent
	}
	for i, j := 0, len(parts)-1; i < j; i, j = i+1, j-1 {
		parts[i], parts[j] = parts[j], parts[i]
	}
	return "/" + strings.Join(parts, "/"), nil
}

// child returns the live child of folder parent named name.
func (tr tree) child(ctx context.Context, parent, name string) (Entry, bool, error) {
	raw, err := tr.st.Get(ctx, childKey(parent, name))
	if errors.Is(err, sdk.ErrNotFound) {
		return Entry{}, false, nil
	}
	if err != nil {
		return Entry{}, false, fmt.Errorf("reading folder: %w", err)
	}
	e, err := tr.get(ctx, string(raw))
	if errors.Is(err, sdk.ErrNotFound) {
		return Entry{}, false, nil
	}
	if err != nil {
		return Entry{}, false, err
	}
	if e.Parent != parent || e.Name != name || e.DeletedAt != nil {
		return Entry{}, false, nil // a stale index
	}
	return e, true, nil
}

// children lists the live children of folder parent, folders first, then
// by name.
func (tr tree) children(ctx context.Context, parent string) ([]Entry, error) {
	var out []Entry
	cursor := ""
	prefix := childPrefix(parent)
	for {
		items, next, err := tr.st.List(ctx, prefix, sdk.Page{Cursor: cursor, Limit: 1000})
		if err != nil {
			return nil, fmt.Errorf("listing folder: %w", err)
		}
		for _, it := range items {
			e, err := tr.get(ctx, string(it.Value))
			if errors.Is(err, sdk.ErrNotFound) {
				continue
			}
			if err != nil {
				return nil, err
			}
			if e.Parent == parent && childKey(parent, e.Name) == it.Key && e.DeletedAt == nil {
				out = append(out, e)
			}
		}
		if next == "" {
			break
		}
		cursor = next
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Kind != out[j].Kind {
			return out[i].Kind == KindFolder
		}
		return out[i].Name < out[j].Name
	})
	return out, nil
}

// folder checks that id is a live folder ("" is the root).
func (tr tree) folder(ctx context.Context, id, field string) (Entry, error) {
	if id == "" {
		return Entry{Kind: KindFolder}, nil
	}
	e, _, err := tr.live(ctx, id)
	if errors.Is(err, sdk.ErrNotFound) {
		return Entry{}, &fieldError{field: field, err: fmt.Errorf("no folder %q", id)}
	}
	if err != nil {
		return Entry{}, err
	}
	if e.Kind != KindFolder {
		return Entry{}, fieldErr(field, fmt.Errorf("%q is a file, not a folder", e.Name))
	}
	return e, nil
}

// lookupPath resolves a path of names to a live entry.
func (tr tree) lookupPath(ctx context.Context, parts []string) (Entry, error) {
	cur := Entry{Kind: KindFolder}
	for i, name := range parts {
		e, ok, err := tr.child(ctx, cur.ID, name)
		if err != nil {
			return Entry{}, err
		}
		if !ok || (i < len(parts)-1 && e.Kind != KindFolder) {
			return Entry{}, sdk.Errorf(sdk.ErrNotFound, "path /%s", strings.Join(parts[:i+1], "/"))
		}
		cur = e
	}
	return cur, nil
}

func newID() string { return uuid.Must(uuid.NewV7()).String() }

// link records a new entry and its index. ts.mu is held.
func (tr tree) link(ctx context.Context, e Entry) error {
	if err := tr.put(ctx, e); err != nil {
		return err
	}
	if err := tr.st.Put(ctx, childKey(e.Parent, e.Name), []byte(e.ID)); err != nil {
		return fmt.Errorf("indexing entry %s: %w", e.ID, err)
	}
	return nil
}

// mkdirAll returns the folder at parts below parent, creating the missing
// ones. ts.mu is held.
func (p *Plugin) mkdirAll(ctx context.Context, ts *tenant, tr tree, parent string, parts []string, actor string) (Entry, error) {
	cur, err := tr.folder(ctx, parent, "parent")
	if err != nil {
		return Entry{}, err
	}
	for _, name := range parts {
		e, ok, err := tr.child(ctx, cur.ID, name)
		if err != nil {
			return Entry{}, err
		}
		if ok {
			if e.Kind != KindFolder {
				return Entry{}, fieldErr("path", fmt.Errorf("%q is a file, not a folder", name))
			}
			cur = e
			continue
		}
		now := tr.now().UTC()
		e = Entry{ID: newID(), Kind: KindFolder, Name: name, Parent: cur.ID, CreatedAt: now, UpdatedAt: now, CreatedBy: actor}
		if err := tr.link(ctx, e); err != nil {
			return Entry{}, err
		}
		ts.folders++
		p.operation(ctx, ts, "created", e, "", "")
		cur = e
	}
	return cur, nil
}

// load computes the organization's usage from its state once per process.
// ts.mu is held.
func (p *Plugin) load(ctx context.Context, ts *tenant) error {
	if ts.loaded {
		return nil
	}
	tr := p.tree(ts)
	var used, reserved, files, folders int64
	err := tr.scan(ctx, "e/", func(_ string, raw []byte) error {
		var e Entry
		if json.Unmarshal(raw, &e) != nil {
			return nil
		}
		if e.Kind == KindFile {
			used += e.Size
			files++
		} else {
			folders++
		}
		return nil
	})
	if err == nil {
		err = tr.scan(ctx, "u/", func(_ string, raw []byte) error {
			var u upload
			if json.Unmarshal(raw, &u) == nil {
				reserved += u.Size
			}
			return nil
		})
	}
	if err != nil {
		return fmt.Errorf("loading usage: %w", err)
	}
	ts.used, ts.reserved, ts.files, ts.folders, ts.loaded = used, reserved, files, folders, true
	return nil
}

// scan calls fn for every state item whose key starts with prefix.
func (tr tree) scan(ctx context.Context, prefix string, fn func(key string, value []byte) error) error {
	cursor := ""
	for {
		items, next, err := tr.st.List(ctx, prefix, sdk.Page{Cursor: cursor, Limit: 1000})
		if err != nil {
			return err
		}
		for _, it := range items {
			if err := fn(it.Key, it.Value); err != nil {
				return err
			}
		}
		if next == "" {
			return nil
		}
		cursor = next
	}
}

// reserve holds n bytes of the quota for an upload. ts.mu is held.
func (ts *tenant) reserve(n int64) error {
	if n > ts.cfg.MaxFileBytes {
		return quotaErr("a file may hold at most %d bytes, this one has %d", ts.cfg.MaxFileBytes, n)
	}
	if free := ts.cfg.QuotaBytes - ts.used - ts.reserved; n > free {
		return quotaErr("%d bytes do not fit: %d of %d bytes are used or reserved (the trash counts until it is emptied)",
			n, ts.used+ts.reserved, ts.cfg.QuotaBytes)
	}
	ts.reserved += n
	return nil
}

// operation emits a file.operation event.
func (p *Plugin) operation(ctx context.Context, ts *tenant, op string, e Entry, path, oldPath string) {
	d := map[string]any{"op": op, "id": e.ID, "kind": e.Kind, "name": e.Name, "parent": e.Parent}
	if path != "" {
		d["path"] = path
	}
	if oldPath != "" {
		d["old_path"] = oldPath
	}
	if e.Kind == KindFile {
		d["size"], d["sha256"], d["content_type"] = e.Size, e.SHA256, e.ContentType
	}
	if a, ok := sdk.ActorFrom(ctx); ok && a.UserID != "" {
		d["actor_id"] = a.UserID
	}
	if err := p.host.Emit(context.WithoutCancel(ctx), ts.t, sdk.Event{Type: "file.operation", Data: d}); err != nil {
		p.host.Logger().WarnContext(ctx, "file.operation not sent", "error", err.Error())
	}
}
