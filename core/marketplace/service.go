package marketplace

import (
	"context"
	"crypto/ed25519"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"path/filepath"
	"runtime"
	"sort"
	"sync"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/switchyard/switchyard/core/events"
	"github.com/switchyard/switchyard/core/pluginhost"
	"github.com/switchyard/switchyard/core/store"
	"github.com/switchyard/switchyard/sdk/grpcplugin"
	"github.com/switchyard/switchyard/sdk/outbound"
	"github.com/switchyard/switchyard/tenants"
)

// Config configures a Service.
type Config struct {
	// Catalog is a directory or http(s) URL holding catalog.json; empty:
	// the marketplace is empty.
	Catalog string
	// PluginDir is the binary store. Required.
	PluginDir string
	// DataDir holds the instance's own key (instance.key), generated on
	// first use. Required.
	DataDir string
	// TrustedKeys are the publishers' base64 ed25519 keys trusted besides
	// the instance's own.
	TrustedKeys []string
	// Outbound guards fetches from a catalog URL; nil allows public
	// addresses only.
	Outbound *outbound.Policy
	// Platform is GOOS/GOARCH; empty: this build's.
	Platform string
	// MaxBinarySize bounds a plugin binary (default 512 MiB).
	MaxBinarySize int64
}

// Publisher publishes the marketplace's activity events (*events.Service).
type Publisher interface {
	Publish(ctx context.Context, orgID string, drafts []events.Draft) ([]events.Event, error)
}

// Deps are the Service's collaborators; all are required.
type Deps struct {
	DB     *store.DB
	Host   *pluginhost.Manager
	Events Publisher
	// Quota returns an organization's installed-plugin quota (0: none).
	Quota func(*tenants.Organization) int
	Log   *slog.Logger
	// OnChange is told after an installation, upgrade, config change or
	// uninstall commits (other replicas then call Sync). It must not block
	// or call back into the Service synchronously.
	OnChange func(orgID, name string)
}

// Service is the marketplace. It is safe for concurrent use.
type Service struct {
	cfg         Config
	d           Deps
	log         *slog.Logger
	src         *source
	keys        *Keyring
	bins        *binStore
	instanceKey ed25519.PrivateKey
	locks       sync.Map // org id -> *sync.Mutex
}

// New builds the marketplace: it loads (or creates) the instance key and
// prepares the binary store. It does not touch the catalog yet.
func New(cfg Config, d Deps) (*Service, error) {
	if d.DB == nil || d.Host == nil || d.Events == nil || d.Quota == nil || d.Log == nil {
		return nil, errors.New("marketplace: DB, Host, Events, Quota and Log are required")
	}
	if cfg.PluginDir == "" || cfg.DataDir == "" {
		return nil, errors.New("marketplace: PluginDir and DataDir are required")
	}
	if cfg.Platform == "" {
		cfg.Platform = runtime.GOOS + "/" + runtime.GOARCH
	}
	if cfg.MaxBinarySize <= 0 {
		cfg.MaxBinarySize = 512 << 20
	}
	s := &Service{cfg: cfg, d: d, log: d.Log.With("component", "marketplace")}
	key, created, err := LoadOrGenerateKeyFile(filepath.Join(cfg.DataDir, InstanceKeyFile))
	if err != nil {
		return nil, fmt.Errorf("marketplace: instance key: %w", err)
	}
	if created {
		s.log.Info("generated this instance's plugin signing key", "file", filepath.Join(cfg.DataDir, InstanceKeyFile),
			"public_key", EncodePublicKey(key.Public().(ed25519.PublicKey)))
	}
	s.instanceKey = key
	trusted, err := ParsePublicKeys(cfg.TrustedKeys)
	if err != nil {
		return nil, fmt.Errorf("marketplace: %w", err)
	}
	s.keys = NewKeyring(append(trusted, key.Public().(ed25519.PublicKey))...)
	if s.bins, err = newBinStore(cfg.PluginDir); err != nil {
		return nil, fmt.Errorf("marketplace: %w", err)
	}
	if cfg.Catalog != "" {
		if s.src, err = newSource(cfg.Catalog, cfg.Outbound); err != nil {
			return nil, fmt.Errorf("marketplace: %w", err)
		}
	}
	return s, nil
}

// InstancePublicKey is the instance's own key, trusted by this instance.
func (s *Service) InstancePublicKey() ed25519.PublicKey {
	return s.instanceKey.Public().(ed25519.PublicKey)
}

func (s *Service) lock(orgID string) func() {
	v, _ := s.locks.LoadOrStore(orgID, &sync.Mutex{})
	mu := v.(*sync.Mutex)
	mu.Lock()
	return mu.Unlock
}

type installRow struct {
	OrgID       string `gorm:"primaryKey"`
	Name        string `gorm:"primaryKey"`
	Version     string
	Config      string
	InstalledBy string
	InstalledAt time.Time
	UpdatedAt   time.Time
}

func (installRow) TableName() string { return "plugin_installs" }

type releaseRow struct {
	Name      string `gorm:"primaryKey"`
	Version   string `gorm:"primaryKey"`
	Platform  string `gorm:"primaryKey"`
	SHA256    string `gorm:"column:sha256"`
	Signature string
	PublicKey string
	Source    string
	Summary   string
	StoredAt  time.Time
}

func (releaseRow) TableName() string { return "plugin_releases" }

// Listing is one plugin of the marketplace: its newest version for this
// platform, every version there is, and what it does.
type Listing struct {
	Name        string          `json:"name"`
	Version     string          `json:"version"`
	Versions    []string        `json:"versions"`
	Description string          `json:"description"`
	Publisher   string          `json:"publisher"`
	Manifest    ManifestSummary `json:"manifest"`
	// Trusted reports whether the newest version is signed by a key this
	// platform trusts (an untrusted one cannot be installed).
	Trusted bool `json:"trusted"`
}

// Listings is the marketplace: every plugin with a binary for this
// platform, by name. Without a catalog it is empty.
func (s *Service) Listings(ctx context.Context) ([]Listing, error) {
	if s.src == nil {
		return []Listing{}, nil
	}
	cat, err := s.src.catalog(ctx)
	if err != nil {
		return nil, err
	}
	byName := map[string]*Listing{}
	latest := map[string]*Release{}
	for i := range cat.Releases {
		r := &cat.Releases[i]
		if _, err := r.Platform(s.cfg.Platform); err != nil {
			continue
		}
		l := byName[r.Name]
		if l == nil {
			l = &Listing{Name: r.Name}
			byName[r.Name] = l
		}
		l.Versions = append(l.Versions, r.Version)
		if cur := latest[r.Name]; cur == nil || CompareVersions(r.Version, cur.Version) > 0 {
			latest[r.Name] = r
		}
	}
	out := make([]Listing, 0, len(byName))
	for name, l := range byName {
		r := latest[name]
		sortVersions(l.Versions)
		l.Version, l.Description, l.Publisher, l.Manifest = r.Version, r.Description, r.Publisher, r.Manifest
		if l.Manifest.Actions == nil {
			l.Manifest.Actions = []ActionSummary{}
		}
		if l.Manifest.EventTypes == nil {
			l.Manifest.EventTypes = []string{}
		}
		p, _ := r.Platform(s.cfg.Platform)
		_, verr := s.keys.VerifyPlatform(r, p)
		l.Trusted = verr == nil
		out = append(out, *l)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out, nil
}

// Installed is a plugin installed in an organization.
type Installed struct {
	Name    string `json:"name"`
	Version string `json:"version"`
	// Status is the plugin's status for the organization: starting,
	// running, crashed, disabled, or unconfigured.
	Status string `json:"status"`
	// Error says why it is not running (or not configured).
	Error string `json:"error,omitempty"`
	// Config is the organization's config; omitted for callers who may not
	// configure plugins.
	Config      json.RawMessage `json:"config,omitempty"`
	InstalledAt time.Time       `json:"installed_at"`
	UpdatedAt   time.Time       `json:"updated_at"`
}

func (s *Service) view(r installRow) Installed {
	st, why := s.d.Host.TenantStatus(r.OrgID, r.Name)
	return Installed{Name: r.Name, Version: r.Version, Status: string(st), Error: why, Config: json.RawMessage(r.Config),
		InstalledAt: r.InstalledAt.UTC(), UpdatedAt: r.UpdatedAt.UTC()}
}

// Installed lists the organization's plugins by name.
func (s *Service) Installed(ctx context.Context, orgID string) ([]Installed, error) {
	var rows []installRow
	if err := s.d.DB.WithContext(ctx).Where("org_id = ?", orgID).Order("name").Find(&rows).Error; err != nil {
		return nil, fmt.Errorf("marketplace: installed: %w", err)
	}
	out := make([]Installed, 0, len(rows))
	for _, r := range rows {
		out = append(out, s.view(r))
	}
	return out, nil
}

// Get returns one installed plugin.
func (s *Service) Get(ctx context.Context, orgID, name string) (*Installed, error) {
	r, err := s.row(ctx, s.d.DB.DB, orgID, name)
	if err != nil {
		return nil, err
	}
	v := s.view(*r)
	return &v, nil
}

func (s *Service) row(ctx context.Context, db *gorm.DB, orgID, name string) (*installRow, error) {
	var r installRow
	err := db.WithContext(ctx).Where("org_id = ? AND name = ?", orgID, name).Take(&r).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return nil, &pluginhost.Error{Kind: pluginhost.ErrNotInstalled, Msg: fmt.Sprintf("plugin %s is not installed in this organization", clip(name))}
	}
	if err != nil {
		return nil, fmt.Errorf("marketplace: %w", err)
	}
	return &r, nil
}

func (s *Service) quota(ctx context.Context, db *gorm.DB, org *tenants.Organization) error {
	q := s.d.Quota(org)
	if q <= 0 {
		return nil
	}
	var n int64
	if err := db.WithContext(ctx).Model(&installRow{}).Where("org_id = ?", org.ID).Count(&n).Error; err != nil {
		return fmt.Errorf("marketplace: quota: %w", err)
	}
	if n >= int64(q) {
		return &tenants.QuotaError{Quota: "plugins", Limit: q}
	}
	return nil
}

// Install installs (or upgrades to) version of plugin name in org: the
// release is looked up, its signature verified, its binary fetched into the
// store and checked against the signed SHA-256, the plugin started and the
// organization configured (with its previous config on an upgrade, {} on a
// first install), and only then the installation recorded. On any error
// nothing of it remains.
func (s *Service) Install(ctx context.Context, org *tenants.Organization, actorID, name, version string) (*Installed, error) {
	if !grpcplugin.ValidPluginName(name) {
		return nil, &FieldError{"name", "must match ^[a-z][a-z0-9-]{1,62}$"}
	}
	if version != "" && !ValidVersion(version) {
		return nil, &FieldError{"version", "must be a semantic version such as 1.2.0"}
	}
	defer s.lock(org.ID)()
	if s.src == nil {
		return nil, errorf(ErrNoCatalog, "no plugin catalog is configured (SWITCHYARD_CATALOG)")
	}
	cat, err := s.src.catalog(ctx)
	if err != nil {
		return nil, err
	}
	rel, err := cat.Find(name, version)
	if err != nil {
		return nil, err
	}
	version = rel.Version
	plat, err := rel.Platform(s.cfg.Platform)
	if err != nil {
		return nil, err
	}
	pub, err := s.keys.VerifyPlatform(rel, plat)
	if err != nil {
		return nil, err
	}
	db := s.d.DB.DB
	cur, err := s.row(ctx, db, org.ID, name)
	switch {
	case err == nil:
		switch c := CompareVersions(version, cur.Version); {
		case c == 0:
			return nil, errorf(ErrAlreadyInstalled, "plugin %s %s is already installed", name, version)
		case c < 0:
			return nil, errorf(ErrDowngrade, "plugin %s %s is installed; installing the older %s is refused", name, cur.Version, version)
		}
	case errors.Is(err, pluginhost.ErrNotInstalled):
		cur = nil
		if err := s.quota(ctx, db, org); err != nil {
			return nil, err
		}
	default:
		return nil, err
	}

	created, err := s.fetch(ctx, rel, plat)
	if err != nil {
		return nil, err
	}
	summary, _ := json.Marshal(rel.Manifest)
	rr := releaseRow{Name: name, Version: version, Platform: s.cfg.Platform, SHA256: plat.SHA256, Signature: plat.Signature,
		PublicKey: EncodePublicKey(pub), Source: s.src.String(), Summary: string(summary), StoredAt: time.Now().UTC()}
	if err := db.WithContext(ctx).Clauses(clause.OnConflict{UpdateAll: true}).Create(&rr).Error; err != nil {
		s.discard(name, version, created)
		return nil, fmt.Errorf("marketplace: record release: %w", err)
	}

	config := json.RawMessage(`{}`)
	if cur != nil {
		config = json.RawMessage(cur.Config)
	}
	inst := pluginhost.Installation{Tenant: grpcplugin.Tenant{ID: org.ID, Slug: org.Slug}, Name: name, Version: version,
		Binary: s.bins.path(name, version), SHA256: plat.SHA256, Config: config}
	if err := s.d.Host.Attach(ctx, inst); err != nil {
		s.discard(name, version, created)
		return nil, fmt.Errorf("plugin %s %s could not be started: %w", name, version, err)
	}

	now := time.Now().UTC()
	row := installRow{OrgID: org.ID, Name: name, Version: version, Config: string(config), InstalledBy: actorID, InstalledAt: now, UpdatedAt: now}
	err = db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if cur == nil {
			q := tx.Model(&tenants.Organization{}).Where("id = ?", org.ID)
			if tx.Name() == "postgres" {
				q = q.Clauses(clause.Locking{Strength: "UPDATE"})
			}
			var o tenants.Organization
			if err := q.Take(&o).Error; err != nil {
				return err
			}
			if err := s.quota(ctx, tx, org); err != nil {
				return err
			}
			return tx.Create(&row).Error
		}
		row.InstalledAt = cur.InstalledAt
		return tx.Model(&installRow{}).Where("org_id = ? AND name = ?", org.ID, name).
			Updates(map[string]any{"version": version, "installed_by": actorID, "updated_at": now}).Error
	})
	if err != nil {
		s.undoAttach(context.WithoutCancel(ctx), org, name, cur)
		s.discard(name, version, created)
		return nil, fmt.Errorf("marketplace: install %s %s: %w", name, version, err)
	}
	act := map[string]any{"action": "plugin.installed", "actor_id": actorID, "plugin": name, "version": version}
	if cur != nil {
		act["action"], act["previous_version"] = "plugin.upgraded", cur.Version
	}
	s.activity(ctx, org.ID, act)
	s.changed(org.ID, name)
	v := s.view(row)
	return &v, nil
}

// fetch makes sure the release's binary is in the store, verified.
func (s *Service) fetch(ctx context.Context, rel *Release, plat *Platform) (bool, error) {
	err := s.bins.check(rel.Name, rel.Version, plat.SHA256)
	switch {
	case err == nil:
		return false, nil
	case !errors.Is(err, fs.ErrNotExist):
		return false, err
	}
	rc, err := s.src.open(ctx, plat.URL, s.cfg.MaxBinarySize)
	if err != nil {
		return false, errorf(ErrCatalog, "plugin %s %s: fetching the binary from %s: %v", rel.Name, rel.Version, clip(plat.URL), err)
	}
	defer func() { _ = rc.Close() }()
	return s.bins.put(rel.Name, rel.Version, plat.SHA256, rc, s.cfg.MaxBinarySize)
}

// discard removes a binary this install added, unless something uses it.
func (s *Service) discard(name, version string, created bool) {
	if !created {
		return
	}
	var n int64
	if err := s.d.DB.Model(&installRow{}).Where("name = ? AND version = ?", name, version).Count(&n).Error; err != nil || n > 0 {
		return
	}
	if err := s.bins.remove(name, version); err != nil {
		s.log.Warn("binary of a failed install not removed", "plugin", name, "version", version, "error", err)
	}
	_ = s.d.DB.Where("name = ? AND version = ? AND platform = ?", name, version, s.cfg.Platform).Delete(&releaseRow{}).Error
}

// undoAttach puts the host back as it was before a failed install.
func (s *Service) undoAttach(ctx context.Context, org *tenants.Organization, name string, cur *installRow) {
	if cur == nil {
		if err := s.d.Host.Detach(ctx, org.ID, name); err != nil {
			s.log.Warn("failed install not detached", "plugin", name, "error", err)
		}
		return
	}
	inst, err := s.installation(ctx, org.ID, org.Slug, *cur)
	if err == nil {
		err = s.d.Host.Attach(ctx, inst)
	}
	if err != nil {
		s.log.Error("previous version not restored after a failed upgrade", "plugin", name, "version", cur.Version, "error", err)
	}
}

// installation builds the host's view of an installation row.
func (s *Service) installation(ctx context.Context, orgID, slug string, r installRow) (pluginhost.Installation, error) {
	var rr releaseRow
	err := s.d.DB.WithContext(ctx).Where("name = ? AND version = ? AND platform = ?", r.Name, r.Version, s.cfg.Platform).Take(&rr).Error
	if err != nil {
		return pluginhost.Installation{}, fmt.Errorf("marketplace: release %s %s for %s: %w", r.Name, r.Version, s.cfg.Platform, err)
	}
	return pluginhost.Installation{Tenant: grpcplugin.Tenant{ID: orgID, Slug: slug}, Name: r.Name, Version: r.Version,
		Binary: s.bins.path(r.Name, r.Version), SHA256: rr.SHA256, Config: json.RawMessage(r.Config)}, nil
}

// Uninstall removes plugin name from org: the plugin forgets the tenant
// (its jobs are cancelled) and its state in the organization goes; the
// organization's datasets stay.
func (s *Service) Uninstall(ctx context.Context, org *tenants.Organization, actorID, name string) error {
	defer s.lock(org.ID)()
	r, err := s.row(ctx, s.d.DB.DB, org.ID, name)
	if err != nil {
		return err
	}
	if err := s.d.Host.Detach(ctx, org.ID, name); err != nil && !errors.Is(err, pluginhost.ErrNotInstalled) {
		s.log.Warn("plugin detach failed during uninstall", "plugin", name, "error", err)
	}
	if err := s.d.DB.WithContext(ctx).Where("org_id = ? AND name = ?", org.ID, name).Delete(&installRow{}).Error; err != nil {
		return fmt.Errorf("marketplace: uninstall: %w", err)
	}
	s.activity(ctx, org.ID, map[string]any{"action": "plugin.uninstalled", "actor_id": actorID, "plugin": name, "version": r.Version})
	s.changed(org.ID, name)
	return nil
}

// Config returns the organization's config of plugin name.
func (s *Service) Config(ctx context.Context, orgID, name string) (json.RawMessage, error) {
	r, err := s.row(ctx, s.d.DB.DB, orgID, name)
	if err != nil {
		return nil, err
	}
	return json.RawMessage(r.Config), nil
}

// MaxConfigSize bounds a plugin config.
const MaxConfigSize = 256 << 10

// Configure replaces the organization's config of plugin name: it must
// match the plugin's config schema (the error names the field), and the
// running plugin must accept it.
func (s *Service) Configure(ctx context.Context, org *tenants.Organization, actorID, name string, config json.RawMessage) error {
	if len(config) > MaxConfigSize || !json.Valid(config) {
		return &FieldError{"config", fmt.Sprintf("must be JSON of at most %d bytes", MaxConfigSize)}
	}
	defer s.lock(org.ID)()
	r, err := s.row(ctx, s.d.DB.DB, org.ID, name)
	if err != nil {
		return err
	}
	err = s.d.Host.ValidateConfig(org.ID, name, config)
	if errors.Is(err, pluginhost.ErrUnavailable) || errors.Is(err, pluginhost.ErrNotInstalled) {
		// The plugin never started: check against the catalog's schema.
		err = s.validateBySummary(ctx, *r, config)
	}
	if err != nil {
		return err
	}
	if err := s.d.Host.Configure(ctx, org.ID, name, config); err != nil && !errors.Is(err, pluginhost.ErrNotInstalled) {
		return err
	}
	if err := s.d.DB.WithContext(ctx).Model(&installRow{}).Where("org_id = ? AND name = ?", org.ID, name).
		Updates(map[string]any{"config": string(config), "updated_at": time.Now().UTC()}).Error; err != nil {
		return fmt.Errorf("marketplace: configure: %w", err)
	}
	s.activity(ctx, org.ID, map[string]any{"action": "plugin.configured", "actor_id": actorID, "plugin": name, "version": r.Version})
	s.changed(org.ID, name)
	return nil
}

// changed tells the OnChange hook (other replicas) about a committed change.
// It runs with the organization's lock held, so the hook must not call back
// into the Service synchronously.
func (s *Service) changed(orgID, name string) {
	if s.d.OnChange != nil {
		s.d.OnChange(orgID, name)
	}
}

func (s *Service) validateBySummary(ctx context.Context, r installRow, config json.RawMessage) error {
	var rr releaseRow
	if err := s.d.DB.WithContext(ctx).Where("name = ? AND version = ? AND platform = ?", r.Name, r.Version, s.cfg.Platform).Take(&rr).Error; err != nil {
		return fmt.Errorf("marketplace: release of %s: %w", r.Name, err)
	}
	var sum ManifestSummary
	if err := json.Unmarshal([]byte(rr.Summary), &sum); err != nil {
		return fmt.Errorf("marketplace: release summary of %s: %w", r.Name, err)
	}
	return pluginhost.ValidateJSON(sum.ConfigSchema, "config", config)
}

func (s *Service) activity(ctx context.Context, orgID string, act map[string]any) {
	raw, _ := json.Marshal(act)
	if _, err := s.d.Events.Publish(context.WithoutCancel(ctx), orgID, []events.Draft{{Type: events.UserActivity, Source: "core", Data: raw}}); err != nil {
		s.log.Warn("plugin activity not published", "action", act["action"], "error", err)
	}
}

// Start registers every installation with the plugin host (their
// processes start in the background). A binary missing from the store is
// fetched again from the catalog and verified against the SHA-256 recorded
// at install; one that cannot be restored leaves its plugin disabled.
func (s *Service) Start(ctx context.Context) error {
	// A named, embedded field: gorm skips an anonymous field of an
	// unexported type, which would leave every column but slug unread.
	type instRow struct {
		Row  installRow `gorm:"embedded"`
		Slug string
	}
	var rows []instRow
	err := s.d.DB.WithContext(ctx).Table("plugin_installs AS i").Select("i.*, o.slug AS slug").
		Joins("JOIN organizations o ON o.id = i.org_id").Order("i.name, i.version").Scan(&rows).Error
	if err != nil {
		return fmt.Errorf("marketplace: load installations: %w", err)
	}
	for _, ir := range rows {
		r := ir.Row
		inst, err := s.installation(ctx, r.OrgID, ir.Slug, r)
		if err != nil {
			s.log.Error("installation without a stored release", "plugin", r.Name, "version", r.Version, "error", err)
			continue
		}
		if err := s.bins.check(r.Name, r.Version, inst.SHA256); errors.Is(err, fs.ErrNotExist) {
			s.restore(ctx, r.Name, r.Version, inst.SHA256)
		}
		if err := s.d.Host.Register(inst); err != nil {
			s.log.Error("installation not registered", "plugin", r.Name, "error", err)
		}
	}
	return nil
}

// restore fetches a missing binary again from the catalog.
func (s *Service) restore(ctx context.Context, name, version, sum string) {
	if s.src == nil {
		return
	}
	cat, err := s.src.catalog(ctx)
	if err == nil {
		var rel *Release
		if rel, err = cat.Find(name, version); err == nil {
			var plat *Platform
			if plat, err = rel.Platform(s.cfg.Platform); err == nil {
				if plat.SHA256 != sum {
					err = errorf(ErrChecksum, "the catalog now lists SHA-256 %s, the installation recorded %s", plat.SHA256, sum)
				} else {
					_, err = s.fetch(ctx, rel, plat)
				}
			}
		}
	}
	if err != nil {
		s.log.Error("missing plugin binary not restored", "plugin", name, "version", version, "error", err)
		return
	}
	s.log.Info("missing plugin binary restored from the catalog", "plugin", name, "version", version)
}

// Sync brings this replica's plugin host in line with the stored
// installation of plugin name in orgID: after another replica installed,
// upgraded, reconfigured or uninstalled it. It is idempotent.
func (s *Service) Sync(ctx context.Context, orgID, name string) {
	defer s.lock(orgID)()
	db := s.d.DB.DB
	r, err := s.row(ctx, db, orgID, name)
	if errors.Is(err, pluginhost.ErrNotInstalled) {
		if err := s.d.Host.Detach(ctx, orgID, name); err != nil && !errors.Is(err, pluginhost.ErrNotInstalled) {
			s.log.Warn("plugin detach after a change elsewhere failed", "plugin", name, "error", err)
		}
		return
	}
	if err != nil {
		s.log.Error("plugin installation not read after a change elsewhere", "plugin", name, "error", err)
		return
	}
	var org tenants.Organization
	if err := db.WithContext(ctx).Select("id", "slug").Where("id = ?", orgID).Take(&org).Error; err != nil {
		return
	}
	inst, err := s.installation(ctx, orgID, org.Slug, *r)
	if err != nil {
		s.log.Error("installation without a stored release", "plugin", name, "version", r.Version, "error", err)
		return
	}
	if err := s.bins.check(name, r.Version, inst.SHA256); errors.Is(err, fs.ErrNotExist) {
		s.restore(ctx, name, r.Version, inst.SHA256)
	}
	if v, ok := s.d.Host.BoundVersion(orgID, name); ok && v == r.Version {
		err = s.d.Host.Configure(ctx, orgID, name, inst.Config)
	} else {
		err = s.d.Host.Attach(ctx, inst)
	}
	if err != nil {
		s.log.Warn("plugin not brought in line with a change made elsewhere", "plugin", name, "error", err)
	}
}

// SyncAll brings every installation in line with the database: those
// stored and those this replica's host serves (for a replica that may
// have missed news of installs, upgrades, configuration changes and
// uninstalls made elsewhere).
func (s *Service) SyncAll(ctx context.Context) error {
	type key struct{ org, name string }
	var stored []struct {
		OrgID string
		Name  string
	}
	if err := s.d.DB.WithContext(ctx).Table("plugin_installs").Select("org_id, name").Scan(&stored).Error; err != nil {
		return fmt.Errorf("marketplace: sync: %w", err)
	}
	seen := map[key]bool{}
	for _, r := range stored {
		seen[key{r.OrgID, r.Name}] = true
	}
	for _, b := range s.d.Host.Bindings() {
		seen[key{b.OrgID, b.Name}] = true
	}
	for k := range seen {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		s.Sync(ctx, k.org, k.name)
	}
	return nil
}

// OrgDeleted forgets a deleted organization's plugins in the host (the
// database rows went with the organization).
func (s *Service) OrgDeleted(ctx context.Context, orgID string) {
	s.d.Host.DetachOrg(ctx, orgID)
}
