package marketplace_test

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/switchyard/switchyard/core/events"
	"github.com/switchyard/switchyard/core/marketplace"
	"github.com/switchyard/switchyard/core/marketplace/markettest"
	"github.com/switchyard/switchyard/core/pluginhost"
	"github.com/switchyard/switchyard/core/store"
	"github.com/switchyard/switchyard/core/store/storetest"
	"github.com/switchyard/switchyard/sdk/grpcplugin"
	"github.com/switchyard/switchyard/tenants"
)

// Binaries built once: versioned 1.0.0, 1.1.0 and echo.
var bins struct{ v100, v110, echo string }

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "marketplace-test-")
	if err != nil {
		panic(err)
	}
	tb := &mainTB{}
	bins.v100 = markettest.Build(tb, "./testdata/versioned", dir, "")
	bins.v110 = markettest.Build(tb, "./testdata/versioned", dir, "-X main.version=1.1.0")
	bins.echo = markettest.Build(tb, "github.com/switchyard/switchyard/sdk/examples/echo", dir, "")
	code := m.Run()
	_ = os.RemoveAll(dir)
	os.Exit(code)
}

// mainTB lets TestMain use the test helpers.
type mainTB struct{ testing.TB }

func (mainTB) Helper() {}
func (mainTB) Fatalf(format string, args ...any) {
	fmt.Fprintf(os.Stderr, format+"\n", args...)
	os.Exit(1)
}

type publisher struct {
	mu  sync.Mutex
	got []events.Draft
}

func (p *publisher) Publish(_ context.Context, _ string, d []events.Draft) ([]events.Event, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.got = append(p.got, d...)
	return nil, nil
}
func (p *publisher) Dropped(string, int) {}

func (p *publisher) activity(action string) int {
	p.mu.Lock()
	defer p.mu.Unlock()
	n := 0
	for _, d := range p.got {
		if d.Type == events.UserActivity && strings.Contains(string(d.Data), `"action":"`+action+`"`) {
			n++
		}
	}
	return n
}

type fixture struct {
	svc    *marketplace.Service
	host   *pluginhost.Manager
	db     *store.DB
	cat    *markettest.Catalog
	pub    *publisher
	store  string
	acme   *tenants.Organization
	quota  int
	mu     sync.Mutex
	quotaF func() int
}

func newFixture(t *testing.T, engine store.Engine) *fixture {
	t.Helper()
	f := &fixture{db: storetest.Open(t, engine), cat: markettest.New(t), pub: &publisher{}, store: filepath.Join(t.TempDir(), "plugins")}
	now := time.Now().UTC()
	f.acme = &tenants.Organization{ID: "org-acme", Slug: "acme"}
	if err := f.db.Exec("INSERT INTO organizations (id, slug, name, created_at, updated_at) VALUES (?, ?, ?, ?, ?)", "org-acme", "acme", "Acme", now, now).Error; err != nil {
		t.Fatal(err)
	}
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	host, err := pluginhost.New(pluginhost.Config{DataDir: t.TempDir(), FilesDir: t.TempDir()},
		pluginhost.Deps{DB: f.db, Events: f.pub, Log: log})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
		defer cancel()
		_ = host.Shutdown(ctx)
	})
	f.host = host
	f.svc, err = marketplace.New(marketplace.Config{Catalog: f.cat.Dir, PluginDir: f.store, DataDir: t.TempDir(), TrustedKeys: []string{f.cat.PublicKey()}},
		marketplace.Deps{DB: f.db, Host: host, Events: f.pub, Log: log, Quota: func(*tenants.Organization) int {
			f.mu.Lock()
			defer f.mu.Unlock()
			return f.quota
		}})
	if err != nil {
		t.Fatal(err)
	}
	return f
}

func (f *fixture) setQuota(n int) {
	f.mu.Lock()
	f.quota = n
	f.mu.Unlock()
}

// nothingInstalled asserts that no trace of name@version is left: no
// installation, no stored binary, no process.
func (f *fixture) nothingInstalled(t *testing.T, name, version string) {
	t.Helper()
	if _, err := f.svc.Get(t.Context(), f.acme.ID, name); !errors.Is(err, pluginhost.ErrNotInstalled) {
		t.Errorf("%s is installed: %v", name, err)
	}
	if _, err := os.Stat(filepath.Join(f.store, name, version)); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("%s %s left a binary in the store: %v", name, version, err)
	}
	for _, p := range f.host.Status() {
		if p.Name == name && p.Version == version {
			t.Errorf("%s %s left a process: %+v", name, version, p)
		}
	}
	entries, _ := os.ReadDir(f.store)
	for _, e := range entries {
		if strings.HasPrefix(e.Name(), ".staging") {
			t.Errorf("staging directory left behind: %s", e.Name())
		}
	}
}

func TestInstallUpgradeUninstall(t *testing.T) {
	for _, engine := range storetest.Engines() {
		t.Run(string(engine), func(t *testing.T) {
			f := newFixture(t, engine)
			f.cat.Add(t, bins.v100)
			f.cat.Add(t, bins.v110)
			f.cat.Add(t, bins.echo)

			list, err := f.svc.Listings(t.Context())
			if err != nil || len(list) != 2 {
				t.Fatalf("listings = %+v, %v", list, err)
			}
			v := list[1]
			if v.Name != "versioned" || v.Version != "1.1.0" || strings.Join(v.Versions, ",") != "1.1.0,1.0.0" || !v.Trusted ||
				len(v.Manifest.Actions) != 1 || v.Manifest.Actions[0].Permission != "plugins:invoke" || string(v.Manifest.ConfigSchema) == "" {
				t.Fatalf("listing = %+v", v)
			}

			inst, err := f.svc.Install(t.Context(), f.acme, "u1", "versioned", "1.0.0")
			if err != nil {
				t.Fatal(err)
			}
			if inst.Status != "running" || inst.Version != "1.0.0" || string(inst.Config) != "{}" {
				t.Fatalf("installed = %+v", inst)
			}
			st, err := os.Stat(filepath.Join(f.store, "versioned", "1.0.0", "plugin"))
			if err != nil || st.Mode().Perm() != 0o500 {
				t.Fatalf("stored binary = %v, %v", st, err)
			}
			if err := f.svc.Configure(t.Context(), f.acme, "u1", "versioned", json.RawMessage(`{"label":"blue"}`)); err != nil {
				t.Fatal(err)
			}
			err = f.svc.Configure(t.Context(), f.acme, "u1", "versioned", json.RawMessage(`{"label":7}`))
			var fe interface{ InvalidField() (string, string) }
			if !errors.As(err, &fe) {
				t.Fatalf("bad config: %v", err)
			}
			if field, _ := fe.InvalidField(); field != "config.label" {
				t.Fatalf("field = %q", field)
			}

			// Upgrade keeps the config.
			up, err := f.svc.Install(t.Context(), f.acme, "u1", "versioned", "1.1.0")
			if err != nil || up.Version != "1.1.0" || string(up.Config) != `{"label":"blue"}` {
				t.Fatalf("upgrade = %+v, %v", up, err)
			}
			out, err := f.host.Invoke(t.Context(), f.acme.ID, "versioned", grpcplugin.Actor{}, "version", json.RawMessage(`{}`))
			if err != nil || !strings.Contains(string(out), `"version":"1.1.0"`) || !strings.Contains(string(out), "blue") {
				t.Fatalf("after upgrade: %s, %v", out, err)
			}
			if procs := f.host.Status(); len(procs) != 1 || procs[0].Version != "1.1.0" {
				t.Fatalf("processes after upgrade: %+v", procs)
			}
			// Rolling back to the older version is refused.
			if _, err := f.svc.Install(t.Context(), f.acme, "u1", "versioned", "1.0.0"); !errors.Is(err, marketplace.ErrDowngrade) {
				t.Fatalf("downgrade: %v", err)
			}
			if _, err := f.svc.Install(t.Context(), f.acme, "u1", "versioned", "1.1.0"); !errors.Is(err, marketplace.ErrAlreadyInstalled) {
				t.Fatalf("reinstall: %v", err)
			}

			if err := f.svc.Uninstall(t.Context(), f.acme, "u1", "versioned"); err != nil {
				t.Fatal(err)
			}
			if _, err := f.svc.Get(t.Context(), f.acme.ID, "versioned"); !errors.Is(err, pluginhost.ErrNotInstalled) {
				t.Fatalf("after uninstall: %v", err)
			}
			if len(f.host.Status()) != 0 {
				t.Fatalf("processes after uninstall: %+v", f.host.Status())
			}
			for _, a := range []string{"plugin.installed", "plugin.upgraded", "plugin.configured", "plugin.uninstalled"} {
				if f.pub.activity(a) == 0 {
					t.Errorf("no %s activity", a)
				}
			}
		})
	}
}

// TestInstallRefusals: every way a release can be wrong is refused with a
// clear error, and leaves nothing behind.
func TestInstallRefusals(t *testing.T) {
	other, err := marketplace.GenerateKeyFile(filepath.Join(t.TempDir(), "other.key"))
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name    string
		version string
		edit    func(t *testing.T, f *fixture)
		want    error
		message string
	}{
		{name: "unknown version", version: "9.9.9", want: marketplace.ErrUnknownVersion, message: "1.1.0, 1.0.0"},
		{name: "wrong checksum", version: "1.0.0", want: marketplace.ErrChecksum, message: "signed SHA-256",
			edit: func(t *testing.T, f *fixture) {
				// The publisher signs a SHA-256 the binary does not have.
				f.cat.Edit(t, func(c *marketplace.Catalog) {
					r, _ := c.Find("versioned", "1.0.0")
					r.Platforms[0].SHA256 = strings.Repeat("0", 64)
					_ = marketplace.Sign(f.cat.Key, r, &r.Platforms[0])
				})
			}},
		{name: "binary swapped after signing", version: "1.0.0", want: marketplace.ErrBadSignature, message: "does not match",
			edit: func(t *testing.T, f *fixture) {
				v110 := f.cat.Release(t, "versioned", "1.1.0").Platforms[0]
				f.cat.Edit(t, func(c *marketplace.Catalog) {
					r, _ := c.Find("versioned", "1.0.0")
					r.Platforms[0].SHA256, r.Platforms[0].URL = v110.SHA256, v110.URL
				})
			}},
		{name: "bad signature", version: "1.0.0", want: marketplace.ErrBadSignature,
			edit: func(t *testing.T, f *fixture) {
				f.cat.Edit(t, func(c *marketplace.Catalog) {
					r, _ := c.Find("versioned", "1.0.0")
					sig, _ := base64.StdEncoding.DecodeString(r.Platforms[0].Signature)
					sig[10] ^= 0xff
					r.Platforms[0].Signature = base64.StdEncoding.EncodeToString(sig)
				})
			}},
		{name: "untrusted signature", version: "1.0.0", want: marketplace.ErrUntrustedKey, message: "SWITCHYARD_TRUSTED_KEYS",
			edit: func(t *testing.T, f *fixture) {
				f.cat.Edit(t, func(c *marketplace.Catalog) {
					r, _ := c.Find("versioned", "1.0.0")
					_ = marketplace.Sign(other, r, &r.Platforms[0])
				})
			}},
		{name: "unsigned", version: "1.0.0", want: marketplace.ErrUnsigned,
			edit: func(t *testing.T, f *fixture) {
				f.cat.Edit(t, func(c *marketplace.Catalog) {
					r, _ := c.Find("versioned", "1.0.0")
					r.Platforms[0].Signature, r.Platforms[0].PublicKey = "", ""
				})
			}},
		{name: "rollback: the old build relabelled as a new version", version: "2.0.0", want: marketplace.ErrBadSignature,
			edit: func(t *testing.T, f *fixture) {
				f.cat.Edit(t, func(c *marketplace.Catalog) {
					old, _ := c.Find("versioned", "1.0.0")
					r := *old
					r.Version = "2.0.0"
					r.Platforms = append([]marketplace.Platform(nil), old.Platforms...)
					c.Upsert(r)
				})
			}},
		{name: "binary whose manifest disagrees", version: "3.0.0", want: pluginhost.ErrUnavailable, message: "installed as versioned 3.0.0",
			edit: func(t *testing.T, f *fixture) {
				// Correctly signed, but the binary says it is 1.0.0.
				f.cat.Edit(t, func(c *marketplace.Catalog) {
					old, _ := c.Find("versioned", "1.0.0")
					r := *old
					r.Version = "3.0.0"
					r.Platforms = append([]marketplace.Platform(nil), old.Platforms...)
					_ = marketplace.Sign(f.cat.Key, &r, &r.Platforms[0])
					c.Upsert(r)
				})
			}},
		{name: "no binary for this platform", version: "1.0.0", want: marketplace.ErrNoPlatform,
			edit: func(t *testing.T, f *fixture) {
				f.cat.Edit(t, func(c *marketplace.Catalog) {
					r, _ := c.Find("versioned", "1.0.0")
					r.Platforms[0].OS = "plan9"
					_ = marketplace.Sign(f.cat.Key, r, &r.Platforms[0])
				})
			}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			f := newFixture(t, store.SQLite)
			f.cat.Add(t, bins.v100)
			f.cat.Add(t, bins.v110)
			if tc.edit != nil {
				tc.edit(t, f)
			}
			_, err := f.svc.Install(t.Context(), f.acme, "u1", "versioned", tc.version)
			if !errors.Is(err, tc.want) {
				t.Fatalf("err = %v, want %v", err, tc.want)
			}
			if !strings.Contains(err.Error(), tc.message) {
				t.Fatalf("error %q does not say %q", err, tc.message)
			}
			f.nothingInstalled(t, "versioned", tc.version)
		})
	}
	t.Run("unknown plugin", func(t *testing.T) {
		f := newFixture(t, store.SQLite)
		if _, err := f.svc.Install(t.Context(), f.acme, "u1", "nope", "1.0.0"); !errors.Is(err, marketplace.ErrUnknownPlugin) {
			t.Fatalf("err = %v", err)
		}
	})
}

// TestQuota: an organization at its installed-plugin quota cannot install
// another plugin (an upgrade is not another plugin).
func TestQuota(t *testing.T) {
	for _, engine := range storetest.Engines() {
		t.Run(string(engine), func(t *testing.T) {
			f := newFixture(t, engine)
			f.cat.Add(t, bins.v100)
			f.cat.Add(t, bins.v110)
			f.cat.Add(t, bins.echo)
			f.setQuota(1)
			if _, err := f.svc.Install(t.Context(), f.acme, "u1", "versioned", "1.0.0"); err != nil {
				t.Fatal(err)
			}
			_, err := f.svc.Install(t.Context(), f.acme, "u1", "echo", "1.0.0")
			var qe *tenants.QuotaError
			if !errors.As(err, &qe) || qe.Quota != "plugins" || !errors.Is(err, tenants.ErrQuotaExceeded) {
				t.Fatalf("over quota: %v", err)
			}
			f.nothingInstalled(t, "echo", "1.0.0")
			if _, err := f.svc.Install(t.Context(), f.acme, "u1", "versioned", "1.1.0"); err != nil {
				t.Fatalf("upgrade at quota: %v", err)
			}
		})
	}
}

// TestStoredBinaryTampered: a stored binary changed on disk is refused for
// new installations, and the running installation will not restart.
func TestStoredBinaryTampered(t *testing.T) {
	f := newFixture(t, store.SQLite)
	f.cat.Add(t, bins.v100)
	if _, err := f.svc.Install(t.Context(), f.acme, "u1", "versioned", "1.0.0"); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(f.store, "versioned", "1.0.0", "plugin")
	dir := filepath.Dir(path)
	_ = os.Chmod(dir, 0o700)
	raw, _ := os.ReadFile(path)
	if err := os.WriteFile(path+".x", append(raw, 0), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(path+".x", path); err != nil {
		t.Fatal(err)
	}
	// Another organization installing the same version is refused.
	now := time.Now().UTC()
	if err := f.db.Exec("INSERT INTO organizations (id, slug, name, created_at, updated_at) VALUES ('org-beta', 'beta', 'Beta', ?, ?)", now, now).Error; err != nil {
		t.Fatal(err)
	}
	beta := &tenants.Organization{ID: "org-beta", Slug: "beta"}
	if _, err := f.svc.Install(t.Context(), beta, "u2", "versioned", "1.0.0"); !errors.Is(err, marketplace.ErrTampered) {
		t.Fatalf("install over a tampered binary: %v", err)
	}
}

// TestInstallWithoutVersionTakesNewest: an install that names no version
// gets the catalog's newest release, and records that version.
func TestInstallWithoutVersionTakesNewest(t *testing.T) {
	f := newFixture(t, store.SQLite)
	f.cat.Add(t, bins.v100)
	f.cat.Add(t, bins.v110)
	inst, err := f.svc.Install(t.Context(), f.acme, "u1", "versioned", "")
	if err != nil {
		t.Fatal(err)
	}
	if inst.Version != "1.1.0" {
		t.Fatalf("installed %s, want the newest, 1.1.0", inst.Version)
	}
	got, err := f.svc.Get(t.Context(), f.acme.ID, "versioned")
	if err != nil || got.Version != "1.1.0" {
		t.Fatalf("recorded = %+v, %v", got, err)
	}
	if _, err := f.svc.Install(t.Context(), f.acme, "u1", "versioned", ""); !errors.Is(err, marketplace.ErrAlreadyInstalled) {
		t.Fatalf("second install of the newest: %v", err)
	}
}

// TestStartRegistersInstallations: a core that starts over an existing
// database registers every installation with its plugin host again (its
// name, version and organization read back from the rows).
func TestStartRegistersInstallations(t *testing.T) {
	f := newFixture(t, store.SQLite)
	f.cat.Add(t, bins.v100)
	if _, err := f.svc.Install(t.Context(), f.acme, "u1", "versioned", "1.0.0"); err != nil {
		t.Fatal(err)
	}
	// The next core process: a new host and service over the same database and store.
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	host, err := pluginhost.New(pluginhost.Config{DataDir: t.TempDir(), FilesDir: t.TempDir()}, pluginhost.Deps{DB: f.db, Events: f.pub, Log: log})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
		defer cancel()
		_ = host.Shutdown(ctx)
	})
	svc, err := marketplace.New(marketplace.Config{Catalog: f.cat.Dir, PluginDir: f.store, DataDir: t.TempDir(), TrustedKeys: []string{f.cat.PublicKey()}},
		marketplace.Deps{DB: f.db, Host: host, Events: f.pub, Log: log, Quota: func(*tenants.Organization) int { return 0 }})
	if err != nil {
		t.Fatal(err)
	}
	if err := svc.Start(t.Context()); err != nil {
		t.Fatal(err)
	}
	if v, ok := host.BoundVersion(f.acme.ID, "versioned"); !ok || v != "1.0.0" {
		t.Fatalf("after a restart the host has versioned = %q, %v; want 1.0.0 bound to acme", v, ok)
	}
}
