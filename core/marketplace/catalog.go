package marketplace

import (
	"bytes"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/url"
	"path"
	"regexp"
	"sort"
	"strings"
	"unicode/utf8"

	"github.com/switchyard/switchyard/core/pluginhost"
	"github.com/switchyard/switchyard/sdk/grpcplugin"
)

// CatalogFile is the catalog's file name in a directory or under a URL.
const CatalogFile = "catalog.json"

// SchemaVersion is the catalog format this build reads and writes.
const SchemaVersion = 1

// Limits on a catalog (it comes from outside the platform).
const (
	MaxCatalogSize     = 16 << 20
	MaxReleases        = 10_000
	MaxPlatforms       = 32
	MaxDescriptionSize = 1024
)

// Catalog is a catalog.json:
//
//	{"schema_version": 1, "releases": [Release, ...]}
type Catalog struct {
	SchemaVersion int       `json:"schema_version"`
	Releases      []Release `json:"releases"`
}

// Release is one version of one plugin.
type Release struct {
	Name        string          `json:"name"`
	Version     string          `json:"version"`
	Description string          `json:"description,omitempty"`
	Publisher   string          `json:"publisher,omitempty"`
	Manifest    ManifestSummary `json:"manifest"`
	Platforms   []Platform      `json:"platforms"`
}

// ManifestSummary describes a release to people choosing a plugin. It is
// not signed: the host reads the binary's own manifest.
type ManifestSummary struct {
	Actions      []ActionSummary `json:"actions"`
	EventTypes   []string        `json:"event_types"`
	ConfigSchema json.RawMessage `json:"config_schema,omitempty"`
	HTTP         bool            `json:"http,omitempty"`
}

// ActionSummary is one action of a ManifestSummary; Permission is the one
// the core enforces.
type ActionSummary struct {
	Name        string          `json:"name"`
	Description string          `json:"description,omitempty"`
	InputSchema json.RawMessage `json:"input_schema,omitempty"`
	Permission  string          `json:"permission"`
	Job         bool            `json:"job"`
}

// Platform is a release's binary for one GOOS/GOARCH.
type Platform struct {
	OS   string `json:"os"`
	Arch string `json:"arch"`
	// SHA256 is the binary's hash, 64 lower-case hex digits.
	SHA256 string `json:"sha256"`
	Size   int64  `json:"size,omitempty"`
	// URL locates the binary: a path relative to the catalog (inside its
	// directory, or resolved against its URL) or an absolute http(s) URL.
	URL string `json:"url"`
	// Signature is base64 ed25519 over SignedMessage; PublicKey (base64)
	// names the signer.
	Signature string `json:"signature,omitempty"`
	PublicKey string `json:"public_key,omitempty"`
}

// Name is "os/arch".
func (p Platform) Name() string { return p.OS + "/" + p.Arch }

// SummaryOf describes a manifest for the catalog.
func SummaryOf(m grpcplugin.Manifest) ManifestSummary {
	s := ManifestSummary{EventTypes: append([]string{}, m.EventTypes...), ConfigSchema: m.ConfigSchema, HTTP: m.HTTP}
	s.Actions = []ActionSummary{}
	for _, a := range m.Actions {
		s.Actions = append(s.Actions, ActionSummary{
			Name: a.Name, Description: a.Description, InputSchema: a.Input,
			Permission: pluginhost.ActionPermission(a), Job: a.Job,
		})
	}
	return s
}

var (
	platformPartRE = regexp.MustCompile(`^[a-z0-9_]{1,32}$`)
	hexSHA256RE    = regexp.MustCompile(`^[0-9a-f]{64}$`)
)

// ParseCatalog reads a catalog strictly: known fields only, nothing after
// the object, every release well-formed, no duplicate (name, version) or
// platform. Signatures are not checked here (see VerifyPlatform).
func ParseCatalog(raw []byte) (*Catalog, error) {
	if len(raw) > MaxCatalogSize {
		return nil, fmt.Errorf("catalog is %d bytes, at most %d", len(raw), MaxCatalogSize)
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	var c Catalog
	if err := dec.Decode(&c); err != nil {
		return nil, fmt.Errorf("catalog: %w", err)
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return nil, errors.New("catalog: data after the JSON object")
	}
	if c.SchemaVersion != SchemaVersion {
		return nil, fmt.Errorf("catalog: schema_version %d, this build reads %d", c.SchemaVersion, SchemaVersion)
	}
	if len(c.Releases) > MaxReleases {
		return nil, fmt.Errorf("catalog: %d releases, at most %d", len(c.Releases), MaxReleases)
	}
	seen := map[string]bool{}
	for i, r := range c.Releases {
		if err := r.validate(); err != nil {
			return nil, fmt.Errorf("catalog: releases[%d]: %w", i, err)
		}
		key := r.Name + "@" + r.Version
		if seen[key] {
			return nil, fmt.Errorf("catalog: %s %s is listed twice", r.Name, r.Version)
		}
		seen[key] = true
	}
	return &c, nil
}

func (r *Release) validate() error {
	if !grpcplugin.ValidPluginName(r.Name) {
		return fmt.Errorf("name %q: want ^[a-z][a-z0-9-]{1,62}$", clip(r.Name))
	}
	if !ValidVersion(r.Version) {
		return fmt.Errorf("%s: version %q is not a semantic version", r.Name, clip(r.Version))
	}
	if len(r.Description) > MaxDescriptionSize || !utf8.ValidString(r.Description) {
		return fmt.Errorf("%s %s: description: at most %d bytes of UTF-8", r.Name, r.Version, MaxDescriptionSize)
	}
	if len(r.Publisher) > 256 || !utf8.ValidString(r.Publisher) {
		return fmt.Errorf("%s %s: publisher: at most 256 bytes of UTF-8", r.Name, r.Version)
	}
	if len(r.Manifest.Actions) > grpcplugin.MaxActions || len(r.Manifest.EventTypes) > grpcplugin.MaxEventTypes ||
		len(r.Manifest.ConfigSchema) > grpcplugin.MaxSchemaSize {
		return fmt.Errorf("%s %s: manifest summary too large", r.Name, r.Version)
	}
	for _, a := range r.Manifest.Actions {
		if len(a.InputSchema) > grpcplugin.MaxSchemaSize || len(a.Name) > 64 || len(a.Description) > MaxDescriptionSize || len(a.Permission) > 128 {
			return fmt.Errorf("%s %s: manifest summary: action %q too large", r.Name, r.Version, clip(a.Name))
		}
	}
	if len(r.Platforms) == 0 || len(r.Platforms) > MaxPlatforms {
		return fmt.Errorf("%s %s: want 1-%d platforms", r.Name, r.Version, MaxPlatforms)
	}
	seen := map[string]bool{}
	for _, p := range r.Platforms {
		if !platformPartRE.MatchString(p.OS) || !platformPartRE.MatchString(p.Arch) {
			return fmt.Errorf("%s %s: platform %q/%q: want GOOS/GOARCH such as linux/amd64", r.Name, r.Version, clip(p.OS), clip(p.Arch))
		}
		if seen[p.Name()] {
			return fmt.Errorf("%s %s: platform %s listed twice", r.Name, r.Version, p.Name())
		}
		seen[p.Name()] = true
		if p.SHA256 != "" && !hexSHA256RE.MatchString(p.SHA256) {
			return fmt.Errorf("%s %s %s: sha256 must be 64 lower-case hex digits", r.Name, r.Version, p.Name())
		}
		if err := checkLocation(p.URL); err != nil {
			return fmt.Errorf("%s %s %s: url: %w", r.Name, r.Version, p.Name(), err)
		}
		if p.Size < 0 {
			return fmt.Errorf("%s %s %s: negative size", r.Name, r.Version, p.Name())
		}
		if p.Signature != "" {
			if b, err := base64.StdEncoding.DecodeString(p.Signature); err != nil || len(b) != 64 {
				return fmt.Errorf("%s %s %s: signature is not base64 of 64 bytes", r.Name, r.Version, p.Name())
			}
		}
		if p.PublicKey != "" {
			if _, err := ParsePublicKey(p.PublicKey); err != nil {
				return fmt.Errorf("%s %s %s: public_key: %w", r.Name, r.Version, p.Name(), err)
			}
		}
	}
	return nil
}

// checkLocation accepts an absolute http(s) URL or a relative path that
// stays below its base (no "..", no leading "/", no backslash).
func checkLocation(loc string) error {
	if loc == "" || len(loc) > 2048 || !utf8.ValidString(loc) || strings.ContainsAny(loc, "\x00\\") {
		return errors.New("want a relative path or an http(s) URL")
	}
	if strings.Contains(loc, "://") {
		u, err := url.Parse(loc)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.User != nil {
			return errors.New("want an http(s) URL without credentials")
		}
		return nil
	}
	if strings.HasPrefix(loc, "/") || strings.Contains(loc, ":") {
		return errors.New("a relative path must not be absolute or carry a scheme")
	}
	for _, seg := range strings.Split(loc, "/") {
		if seg == ".." || seg == "." || seg == "" {
			return errors.New("a relative path must not contain empty, . or .. segments")
		}
	}
	if path.Clean(loc) != loc {
		return errors.New("a relative path must be clean")
	}
	return nil
}

// Find returns the release of name at version; an empty version means
// the newest release (the newest pre-release only when there is no other).
func (c *Catalog) Find(name, version string) (*Release, error) {
	if version == "" {
		return c.latest(name)
	}
	var versions []string
	for i := range c.Releases {
		r := &c.Releases[i]
		if r.Name != name {
			continue
		}
		if r.Version == version {
			return r, nil
		}
		versions = append(versions, r.Version)
	}
	if versions == nil {
		return nil, errorf(ErrUnknownPlugin, "the catalog has no plugin %q", name)
	}
	sortVersions(versions)
	return nil, errorf(ErrUnknownVersion, "the catalog has no version %q of plugin %s (it has %s)", clip(version), name, strings.Join(versions, ", "))
}

func (c *Catalog) latest(name string) (*Release, error) {
	var best *Release
	for i := range c.Releases {
		r := &c.Releases[i]
		if r.Name != name {
			continue
		}
		if best == nil {
			best = r
			continue
		}
		bestPre, rPre := strings.Contains(best.Version, "-"), strings.Contains(r.Version, "-")
		if (bestPre && !rPre) || (bestPre == rPre && CompareVersions(r.Version, best.Version) > 0) {
			best = r
		}
	}
	if best == nil {
		return nil, errorf(ErrUnknownPlugin, "the catalog has no plugin %q", name)
	}
	return best, nil
}

// Platform returns the release's entry for platform ("linux/amd64").
func (r *Release) Platform(platform string) (*Platform, error) {
	for i := range r.Platforms {
		if r.Platforms[i].Name() == platform {
			return &r.Platforms[i], nil
		}
	}
	return nil, errorf(ErrNoPlatform, "plugin %s %s has no binary for %s", r.Name, r.Version, platform)
}

// Upsert adds r, replacing a release of the same name and version.
func (c *Catalog) Upsert(r Release) {
	for i := range c.Releases {
		if c.Releases[i].Name == r.Name && c.Releases[i].Version == r.Version {
			c.Releases[i] = r
			return
		}
	}
	c.Releases = append(c.Releases, r)
	sort.SliceStable(c.Releases, func(i, j int) bool {
		if c.Releases[i].Name != c.Releases[j].Name {
			return c.Releases[i].Name < c.Releases[j].Name
		}
		return CompareVersions(c.Releases[i].Version, c.Releases[j].Version) < 0
	})
}

// sortVersions sorts newest first.
func sortVersions(vs []string) {
	sort.Slice(vs, func(i, j int) bool { return CompareVersions(vs[i], vs[j]) > 0 })
}

func decodeSHA256(s string) ([]byte, error) {
	if !hexSHA256RE.MatchString(s) {
		return nil, errors.New("sha256 must be 64 lower-case hex digits")
	}
	return hex.DecodeString(s)
}

func clip(s string) string {
	if len(s) > 80 {
		return strings.ToValidUTF8(s[:80], "") + "…"
	}
	return s
}
