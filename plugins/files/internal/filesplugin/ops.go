package filesplugin

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"time"

	"github.com/switchyard/switchyard/plugins/files/internal/names"
	"github.com/switchyard/switchyard/sdk"
)

func actorID(ctx context.Context) string {
	if a, ok := sdk.ActorFrom(ctx); ok {
		return a.UserID
	}
	return ""
}

func cleanName(field, name string) (string, error) {
	n, err := names.Clean(name)
	if err != nil {
		return "", fieldErr(field, err)
	}
	return n, nil
}

func splitPath(field, path string) ([]string, error) {
	parts, err := names.SplitPath(path)
	if err != nil {
		return nil, fieldErr(field, err)
	}
	return parts, nil
}

// list returns a folder (by id or path) and its children.
func (p *Plugin) list(ctx context.Context, ts *tenant, parent, path string) (map[string]any, error) {
	tr := p.tree(ts)
	var folder Entry
	var err error
	if path != "" {
		parts, perr := splitPath("path", path)
		if perr != nil {
			return nil, perr
		}
		folder, err = tr.lookupPath(ctx, parts)
		if err == nil && folder.Kind != KindFolder {
			err = fieldErr("path", fmt.Errorf("%q is a file, not a folder", folder.Name))
		}
	} else {
		folder, err = tr.folder(ctx, parent, "parent")
	}
	if err != nil {
		return nil, err
	}
	folderPath, err := tr.path(ctx, folder)
	if err != nil {
		return nil, err
	}
	kids, err := tr.children(ctx, folder.ID)
	if err != nil {
		return nil, err
	}
	items := make([]view, 0, len(kids))
	for _, k := range kids {
		items = append(items, k.view(joinPath(folderPath, k.Name)))
	}
	return map[string]any{"folder": folder.view(folderPath), "items": items}, nil
}

func joinPath(dir, name string) string {
	if dir == "/" {
		return "/" + name
	}
	return dir + "/" + name
}

func (p *Plugin) stat(ctx context.Context, ts *tenant, id string) (view, error) {
	e, path, err := p.tree(ts).live(ctx, id)
	if err != nil {
		return view{}, err
	}
	return e.view(path), nil
}

// mkdir creates a folder: name in parent, or every missing folder of path
// (below parent).
func (p *Plugin) mkdir(ctx context.Context, ts *tenant, parent, name, path string) (view, error) {
	var parts []string
	var err error
	switch {
	case path != "" && name != "":
		return view{}, fieldErr("name", errors.New("give a name or a path, not both"))
	case path != "":
		parts, err = splitPath("path", path)
	default:
		var n string
		n, err = cleanName("name", name)
		parts = []string{n}
	}
	if err != nil {
		return view{}, err
	}
	if len(parts) == 0 {
		return view{}, fieldErr("path", errors.New("the root exists already"))
	}
	ts.mu.Lock()
	defer ts.mu.Unlock()
	if err := p.load(ctx, ts); err != nil {
		return view{}, err
	}
	tr := p.tree(ts)
	if path == "" {
		if existing, ok, err := tr.child(ctx, parent, parts[0]); err != nil {
			return view{}, err
		} else if ok {
			return view{}, sdk.Errorf(sdk.ErrConflict, "%s %q exists already", existing.Kind, existing.Name)
		}
	}
	e, err := p.mkdirAll(ctx, ts, tr, parent, parts, actorID(ctx))
	if err != nil {
		return view{}, err
	}
	fp, err := tr.path(ctx, e)
	if err != nil {
		return view{}, err
	}
	return e.view(fp), nil
}

// rename renames and/or moves an entry.
func (p *Plugin) rename(ctx context.Context, ts *tenant, id string, name, parent *string) (view, error) {
	ts.mu.Lock()
	defer ts.mu.Unlock()
	tr := p.tree(ts)
	e, oldPath, err := tr.live(ctx, id)
	if err != nil {
		return view{}, err
	}
	newName, newParent := e.Name, e.Parent
	if name != nil {
		if newName, err = cleanName("name", *name); err != nil {
			return view{}, err
		}
	}
	if parent != nil {
		newParent = *parent
		if _, err := tr.folder(ctx, newParent, "parent"); err != nil {
			return view{}, err
		}
		// A folder cannot move into itself or below itself.
		for cur := newParent; cur != "" && e.Kind == KindFolder; {
			if cur == e.ID {
				return view{}, fieldErr("parent", errors.New("a folder cannot move into itself"))
			}
			pe, err := tr.get(ctx, cur)
			if err != nil {
				return view{}, err
			}
			cur = pe.Parent
		}
	}
	if newName == e.Name && newParent == e.Parent {
		return e.view(oldPath), nil
	}
	if other, ok, err := tr.child(ctx, newParent, newName); err != nil {
		return view{}, err
	} else if ok && other.ID != e.ID {
		return view{}, sdk.Errorf(sdk.ErrConflict, "%s %q exists already there", other.Kind, other.Name)
	}
	// New index first, then the entry, then the old index: a crash in
	// between leaves an index the entry does not match, which reads ignore.
	if err := tr.st.Put(ctx, childKey(newParent, newName), []byte(e.ID)); err != nil {
		return view{}, err
	}
	oldParent, oldName := e.Parent, e.Name
	e.Name, e.Parent, e.UpdatedAt = newName, newParent, tr.now().UTC()
	if err := tr.put(ctx, e); err != nil {
		return view{}, err
	}
	if err := tr.st.Delete(ctx, childKey(oldParent, oldName)); err != nil {
		return view{}, err
	}
	path, err := tr.path(ctx, e)
	if err != nil {
		return view{}, err
	}
	p.operation(ctx, ts, "renamed", e, path, oldPath)
	return e.view(path), nil
}

// trashItem is the trash's record of a deleted entry.
type trashItem struct {
	DeletedAt time.Time `json:"deleted_at"`
	Path      string    `json:"path"`
}

// remove moves an entry (a folder with everything below it) to the trash.
func (p *Plugin) remove(ctx context.Context, ts *tenant, id string) (view, error) {
	ts.mu.Lock()
	defer ts.mu.Unlock()
	tr := p.tree(ts)
	e, path, err := tr.live(ctx, id)
	if err != nil {
		return view{}, err
	}
	now := tr.now().UTC()
	e.DeletedAt, e.DeletedBy, e.UpdatedAt = &now, actorID(ctx), now
	if err := tr.put(ctx, e); err != nil {
		return view{}, err
	}
	raw, _ := json.Marshal(trashItem{DeletedAt: now, Path: path})
	if err := tr.st.Put(ctx, trashKey(e.ID), raw); err != nil {
		return view{}, err
	}
	if err := tr.st.Delete(ctx, childKey(e.Parent, e.Name)); err != nil {
		return view{}, err
	}
	p.operation(ctx, ts, "deleted", e, path, "")
	v := e.view(path)
	purge := now.Add(ts.cfg.retention)
	v.PurgeAt = &purge
	return v, nil
}

// restore brings an entry back from the trash: into its folder unless
// another parent is given (the root when its folder is gone), under its
// name unless another is given.
func (p *Plugin) restore(ctx context.Context, ts *tenant, id string, name, parent *string) (view, error) {
	ts.mu.Lock()
	defer ts.mu.Unlock()
	tr := p.tree(ts)
	e, err := tr.get(ctx, id)
	if err != nil {
		return view{}, err
	}
	if e.DeletedAt == nil {
		return view{}, sdk.Errorf(sdk.ErrConflict, "%q is not in the trash", e.Name)
	}
	target := e.Parent
	if parent != nil {
		target = *parent
		if _, err := tr.folder(ctx, target, "parent"); err != nil {
			return view{}, err
		}
	} else if _, err := tr.folder(ctx, target, "parent"); err != nil {
		target = "" // its folder is gone or in the trash
	}
	newName := e.Name
	if name != nil {
		if newName, err = cleanName("name", *name); err != nil {
			return view{}, err
		}
	}
	if other, ok, err := tr.child(ctx, target, newName); err != nil {
		return view{}, err
	} else if ok {
		return view{}, sdk.Errorf(sdk.ErrConflict, "%s %q exists already there; restore under another name", other.Kind, other.Name)
	}
	if err := tr.st.Put(ctx, childKey(target, newName), []byte(e.ID)); err != nil {
		return view{}, err
	}
	e.Name, e.Parent, e.DeletedAt, e.DeletedBy, e.UpdatedAt = newName, target, nil, "", tr.now().UTC()
	if err := tr.put(ctx, e); err != nil {
		return view{}, err
	}
	if err := tr.st.Delete(ctx, trashKey(e.ID)); err != nil {
		return view{}, err
	}
	path, err := tr.path(ctx, e)
	if err != nil {
		return view{}, err
	}
	p.operation(ctx, ts, "restored", e, path, "")
	return e.view(path), nil
}

// purge deletes an entry of the trash for good, with everything below it.
func (p *Plugin) purge(ctx context.Context, ts *tenant, id string) (map[string]any, error) {
	ts.mu.Lock()
	defer ts.mu.Unlock()
	if err := p.load(ctx, ts); err != nil {
		return nil, err
	}
	tr := p.tree(ts)
	e, err := tr.get(ctx, id)
	if err != nil {
		return nil, err
	}
	if e.DeletedAt == nil {
		return nil, sdk.Errorf(sdk.ErrConflict, "%q is not in the trash: delete it first", e.Name)
	}
	files, bytes, err := p.destroy(ctx, ts, tr, e)
	if err != nil {
		return nil, err
	}
	if err := tr.st.Delete(ctx, trashKey(e.ID)); err != nil {
		return nil, err
	}
	p.operation(ctx, ts, "purged", e, "", "")
	return map[string]any{"id": e.ID, "files": files, "bytes": bytes}, nil
}

// destroy removes e and everything below it: blobs first, then entries
// and indexes. ts.mu is held.
func (p *Plugin) destroy(ctx context.Context, ts *tenant, tr tree, e Entry) (files, bytes int64, err error) {
	if e.Kind == KindFolder {
		err := tr.scan(ctx, childPrefix(e.ID), func(key string, value []byte) error {
			child, err := tr.get(ctx, string(value))
			if errors.Is(err, sdk.ErrNotFound) {
				return tr.st.Delete(ctx, key)
			}
			if err != nil {
				return err
			}
			if child.Parent == e.ID {
				f, b, err := p.destroy(ctx, ts, tr, child)
				files, bytes = files+f, bytes+b
				if err != nil {
					return err
				}
			}
			return tr.st.Delete(ctx, key)
		})
		if err != nil {
			return files, bytes, err
		}
		ts.folders--
	} else {
		if e.Blob != "" {
			if err := ts.store.Delete(ctx, e.Blob); err != nil {
				return files, bytes, fmt.Errorf("deleting %q: %w", e.Name, err)
			}
		}
		files, bytes = files+1, bytes+e.Size
		ts.used -= e.Size
		ts.files--
	}
	if err := tr.st.Delete(ctx, entryKey(e.ID)); err != nil {
		return files, bytes, err
	}
	if e.DeletedAt != nil {
		_ = tr.st.Delete(ctx, trashKey(e.ID))
	}
	return files, bytes, nil
}

// trash lists the trash, most recently deleted first.
func (p *Plugin) trash(ctx context.Context, ts *tenant) (map[string]any, error) {
	tr := p.tree(ts)
	var items []view
	err := tr.scan(ctx, "t/", func(key string, raw []byte) error {
		var ti trashItem
		_ = json.Unmarshal(raw, &ti)
		e, err := tr.get(ctx, key[len("t/"):])
		if errors.Is(err, sdk.ErrNotFound) {
			return nil
		}
		if err != nil {
			return err
		}
		if e.DeletedAt == nil {
			return nil
		}
		v := e.view(ti.Path)
		purge := e.DeletedAt.Add(ts.cfg.retention)
		v.PurgeAt = &purge
		items = append(items, v)
		return nil
	})
	if err != nil {
		return nil, err
	}
	sort.Slice(items, func(i, j int) bool { return items[i].DeletedAt.After(*items[j].DeletedAt) })
	if items == nil {
		items = []view{}
	}
	return map[string]any{"items": items, "retention": ts.cfg.retention.String()}, nil
}

// Usage is an organization's use of its quota.
type Usage struct {
	UsedBytes     int64 `json:"used_bytes"`
	ReservedBytes int64 `json:"reserved_bytes"`
	QuotaBytes    int64 `json:"quota_bytes"`
	MaxFileBytes  int64 `json:"max_file_bytes"`
	Files         int64 `json:"files"`
	Folders       int64 `json:"folders"`
}

func (p *Plugin) usage(ctx context.Context, ts *tenant) (Usage, error) {
	ts.mu.Lock()
	defer ts.mu.Unlock()
	if err := p.load(ctx, ts); err != nil {
		return Usage{}, err
	}
	return Usage{UsedBytes: ts.used, ReservedBytes: ts.reserved, QuotaBytes: ts.cfg.QuotaBytes, MaxFileBytes: ts.cfg.MaxFileBytes,
		Files: ts.files, Folders: ts.folders}, nil
}

// Invoke implements sdk.Plugin: the actions.
func (p *Plugin) Invoke(ctx context.Context, req sdk.Request) (json.RawMessage, error) {
	ts, err := p.tenant(req.Tenant)
	if err != nil {
		return nil, err
	}
	var in struct {
		ID     string  `json:"id"`
		Parent *string `json:"parent"`
		Name   *string `json:"name"`
		Path   string  `json:"path"`
	}
	if err := json.Unmarshal(req.Input, &in); err != nil {
		return nil, sdk.Errorf(sdk.ErrInvalidInput, "input: %v", err)
	}
	str := func(s *string) string {
		if s == nil {
			return ""
		}
		return *s
	}
	var out any
	switch req.Action {
	case "list":
		out, err = p.list(ctx, ts, str(in.Parent), in.Path)
	case "stat":
		out, err = p.stat(ctx, ts, in.ID)
	case "mkdir":
		out, err = p.mkdir(ctx, ts, str(in.Parent), str(in.Name), in.Path)
	case "rename":
		if in.Name == nil && in.Parent == nil {
			return nil, fieldErr("name", errors.New("give a new name, a new parent or both"))
		}
		out, err = p.rename(ctx, ts, in.ID, in.Name, in.Parent)
	case "delete":
		out, err = p.remove(ctx, ts, in.ID)
	case "restore":
		out, err = p.restore(ctx, ts, in.ID, in.Name, in.Parent)
	case "purge":
		out, err = p.purge(ctx, ts, in.ID)
	case "trash":
		out, err = p.trash(ctx, ts)
	case "usage":
		out, err = p.usage(ctx, ts)
	default:
		return nil, sdk.Errorf(sdk.ErrNotFound, "no action %q", req.Action)
	}
	if err != nil {
		return nil, err
	}
	return json.Marshal(out)
}
