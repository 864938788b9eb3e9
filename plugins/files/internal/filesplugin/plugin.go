package filesplugin

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/switchyard/switchyard/plugins/files/internal/storage"
	"github.com/switchyard/switchyard/sdk"
)

// Version is the plugin's version.
const Version = "1.0.0"

// Defaults of the per-organization config.
const (
	DefaultQuota          = 5 << 30
	DefaultTrashRetention = 30 * 24 * time.Hour
	DefaultUploadExpiry   = 24 * time.Hour
)

// Options are the plugin's surroundings; main fills them from the
// environment the core gives it.
type Options struct {
	// FilesDir holds one directory per organization id
	// (SWITCHYARD_FILES_DIR); an organization's files are stored under
	// FilesDir/<org id>/.switchyard-files. Required unless NewStorage is set.
	FilesDir string
	// NewStorage, when set, returns the Storage of an organization and the
	// local directory its resumable uploads are staged in (instead of the
	// local disk under FilesDir).
	NewStorage func(orgID string) (storage.Storage, string, error)
	// SweepInterval is how often the trash, expired uploads and orphaned
	// blobs are cleaned up (10m).
	SweepInterval time.Duration
	// ProgressInterval is the least time between two progress events of a
	// transfer (250ms).
	ProgressInterval time.Duration
	// Now returns the current time (time.Now); tests move it.
	Now func() time.Time
}

// Plugin is the files plugin.
type Plugin struct {
	opts Options
	host *sdk.Host

	mu      sync.Mutex
	tenants map[string]*tenant

	loops sdk.Loops // the trash sweeper
}

var (
	_ sdk.Plugin        = (*Plugin)(nil)
	_ sdk.HTTPHandler   = (*Plugin)(nil)
	_ sdk.Initializer   = (*Plugin)(nil)
	_ sdk.TenantRemover = (*Plugin)(nil)
	_ sdk.Shutdowner    = (*Plugin)(nil)
)

// New returns the plugin.
func New(o Options) *Plugin {
	if o.SweepInterval <= 0 {
		o.SweepInterval = 10 * time.Minute
	}
	if o.ProgressInterval <= 0 {
		o.ProgressInterval = 250 * time.Millisecond
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.NewStorage == nil {
		dir := o.FilesDir
		o.NewStorage = func(orgID string) (storage.Storage, string, error) {
			if dir == "" {
				return nil, "", sdk.Errorf(sdk.ErrUnavailable, "no files directory is configured (SWITCHYARD_FILES_DIR)")
			}
			root := filepath.Join(dir, orgID, ".switchyard-files")
			st, err := storage.NewLocal(filepath.Join(root, "store"))
			if err != nil {
				return nil, "", err
			}
			return st, filepath.Join(root, "staging"), nil
		}
	}
	return &Plugin{opts: o, tenants: map[string]*tenant{}}
}

// Config is an organization's configuration of the files plugin.
type Config struct {
	// QuotaBytes bounds the bytes the organization stores, trash
	// included (DefaultQuota when absent).
	QuotaBytes int64 `json:"quota_bytes,omitempty"`
	// MaxFileBytes bounds one file (the quota when absent).
	MaxFileBytes int64 `json:"max_file_bytes,omitempty"`
	// TrashRetention is how long deleted entries can be restored ("720h").
	TrashRetention string `json:"trash_retention,omitempty"`
	// UploadExpiry is how long an unfinished resumable upload is kept
	// after its last chunk ("24h").
	UploadExpiry string `json:"upload_expiry,omitempty"`

	retention, expiry time.Duration
}

const configSchema = `{
  "type": "object",
  "additionalProperties": false,
  "properties": {
    "quota_bytes": {"type": "integer", "minimum": 1},
    "max_file_bytes": {"type": "integer", "minimum": 1},
    "trash_retention": {"type": "string", "pattern": "^([0-9]+(ms|s|m|h))+$"},
    "upload_expiry": {"type": "string", "pattern": "^([0-9]+(ms|s|m|h))+$"}
  }
}`

func parseConfig(raw json.RawMessage) (Config, error) {
	var c Config
	if len(raw) > 0 && string(raw) != "null" {
		if err := json.Unmarshal(raw, &c); err != nil {
			return Config{}, sdk.Errorf(sdk.ErrInvalidInput, "config: %v", err)
		}
	}
	if c.QuotaBytes <= 0 {
		c.QuotaBytes = DefaultQuota
	}
	if c.MaxFileBytes <= 0 || c.MaxFileBytes > c.QuotaBytes {
		c.MaxFileBytes = c.QuotaBytes
	}
	var err error
	if c.retention, err = duration(c.TrashRetention, DefaultTrashRetention); err != nil {
		return Config{}, fieldErr("config.trash_retention", err)
	}
	if c.expiry, err = duration(c.UploadExpiry, DefaultUploadExpiry); err != nil {
		return Config{}, fieldErr("config.upload_expiry", err)
	}
	return c, nil
}

func duration(s string, def time.Duration) (time.Duration, error) {
	if s == "" {
		return def, nil
	}
	d, err := time.ParseDuration(s)
	if err != nil || d <= 0 {
		return 0, fmt.Errorf("%q is not a positive duration", s)
	}
	return d, nil
}

func schema(s string) json.RawMessage { return json.RawMessage(s) }

// Manifest implements sdk.Plugin.
func (p *Plugin) Manifest() sdk.Manifest {
	idOnly := `{"type":"object","additionalProperties":false,"required":["id"],"properties":{"id":{"type":"string","minLength":1,"maxLength":64}}}`
	obj := `{"type":"object"}`
	return sdk.Manifest{
		Name:        "files",
		Version:     Version,
		Description: "Files and folders for the organization: streamed and resumable uploads, downloads, SHA-256, quota, trash.",
		Publisher:   "Switchyard",
		HTTP:        true,
		Actions: []sdk.Action{
			{Name: "list", Description: "List a folder (by id, or by path; the root when neither is given).",
				Input:  schema(`{"type":"object","additionalProperties":false,"properties":{"parent":{"type":"string","maxLength":64},"path":{"type":"string","maxLength":4096}}}`),
				Output: schema(obj)},
			{Name: "stat", Description: "One file or folder, with its path.", Input: schema(idOnly), Output: schema(obj)},
			{Name: "mkdir", Description: "Create a folder (and missing parents when a path is given).",
				Input:  schema(`{"type":"object","additionalProperties":false,"properties":{"parent":{"type":"string","maxLength":64},"name":{"type":"string","maxLength":1024},"path":{"type":"string","maxLength":4096}}}`),
				Output: schema(obj)},
			{Name: "rename", Description: "Rename or move a file or folder.",
				Input:  schema(`{"type":"object","additionalProperties":false,"required":["id"],"properties":{"id":{"type":"string","maxLength":64},"name":{"type":"string","maxLength":1024},"parent":{"type":"string","maxLength":64}}}`),
				Output: schema(obj)},
			{Name: "delete", Description: "Move a file or folder to the trash.", Input: schema(idOnly), Output: schema(obj)},
			{Name: "restore", Description: "Restore an entry from the trash (into its folder, or the one given).",
				Input:  schema(`{"type":"object","additionalProperties":false,"required":["id"],"properties":{"id":{"type":"string","maxLength":64},"name":{"type":"string","maxLength":1024},"parent":{"type":"string","maxLength":64}}}`),
				Output: schema(obj)},
			{Name: "purge", Description: "Delete an entry of the trash for good.", Input: schema(idOnly), Output: schema(obj), Permission: "plugins:configure"},
			{Name: "trash", Description: "List the trash.", Input: schema(`{"type":"object","additionalProperties":false}`), Output: schema(obj)},
			{Name: "usage", Description: "Bytes used, reserved and allowed.", Input: schema(`{"type":"object","additionalProperties":false}`), Output: schema(obj)},
		},
		EventTypes:   []string{"file.upload.progress", "file.download.progress", "file.operation"},
		ConfigSchema: schema(configSchema),
	}
}

// Init implements sdk.Initializer: it keeps the host and starts the
// sweeper.
func (p *Plugin) Init(_ context.Context, h *sdk.Host) error {
	p.host = h
	p.loops.Start("sweeper", p.sweepLoop)
	return nil
}

// Configure implements sdk.Plugin.
func (p *Plugin) Configure(_ context.Context, t sdk.Tenant, raw json.RawMessage) error {
	cfg, err := parseConfig(raw)
	if err != nil {
		return err
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if ts := p.tenants[t.ID]; ts != nil {
		ts.mu.Lock()
		ts.t, ts.cfg = t, cfg
		ts.mu.Unlock()
		return nil
	}
	st, staging, err := p.opts.NewStorage(t.ID)
	if err != nil {
		return fmt.Errorf("files: storage of %s: %w", t.Slug, err)
	}
	p.tenants[t.ID] = &tenant{t: t, cfg: cfg, store: st, staging: staging, busy: map[string]bool{}}
	return nil
}

// RemoveTenant implements sdk.TenantRemover: uninstalling deletes the
// organization's files. The core removes the plugin's state, which holds
// the tree, so the blobs and staged uploads would name nothing.
func (p *Plugin) RemoveTenant(ctx context.Context, t sdk.Tenant) error {
	p.mu.Lock()
	ts := p.tenants[t.ID]
	delete(p.tenants, t.ID)
	p.mu.Unlock()
	if ts == nil {
		return nil
	}
	var keys []string
	err := ts.store.Walk(ctx, "blobs/", func(o storage.Object) error {
		keys = append(keys, o.Key)
		return nil
	})
	for _, k := range keys {
		if derr := ts.store.Delete(ctx, k); derr != nil && err == nil {
			err = derr
		}
	}
	if rerr := os.RemoveAll(ts.staging); rerr != nil && err == nil {
		err = rerr
	}
	if err != nil {
		return fmt.Errorf("files: removing the files of %s: %w", t.Slug, err)
	}
	return nil
}

// Shutdown implements sdk.Shutdowner.
func (p *Plugin) Shutdown(ctx context.Context) error {
	return p.loops.Shutdown(ctx)
}

func (p *Plugin) tenant(t sdk.Tenant) (*tenant, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	ts := p.tenants[t.ID]
	if ts == nil {
		return nil, sdk.Errorf(sdk.ErrUnavailable, "organization %q is not configured", t.Slug)
	}
	return ts, nil
}

func (p *Plugin) tenantList() []*tenant {
	p.mu.Lock()
	defer p.mu.Unlock()
	out := make([]*tenant, 0, len(p.tenants))
	for _, ts := range p.tenants {
		out = append(out, ts)
	}
	return out
}

// HTTPHandler implements sdk.HTTPHandler.
func (p *Plugin) HTTPHandler() http.Handler { return p.routes() }
