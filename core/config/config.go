// Package config holds Switchyard's configuration: every setting, its
// environment variable, its flag and its default, in one struct.
//
// Environment variables are read first (SWITCHYARD_*); command-line flags,
// which mirror them one to one, override them. Validate reports every
// problem at once, naming the variable to fix.
package config

import (
	"crypto/ed25519"
	"encoding/base64"
	"errors"
	"fmt"
	"net"
	"net/url"
	"path/filepath"
	"reflect"
	"strings"
	"time"

	"github.com/caarlos0/env/v11"
	"github.com/spf13/pflag"
)

// Config is the whole configuration. The zero value is not useful; start
// from Load or Default.
type Config struct {
	// Addr is where the HTTP server listens.
	Addr string `env:"ADDR" envDefault:":8080" flag:"addr" help:"HTTP listen address"`
	// DataDir holds the SQLite database, the generated JWT secret, the
	// installed plugin binaries and the instance's signing key.
	DataDir string `env:"DATA_DIR" envDefault:"./data" flag:"data-dir" help:"data directory"`
	// DatabaseURL empty means SQLite in DataDir; postgres://… selects PostgreSQL.
	DatabaseURL string `env:"DATABASE_URL" flag:"database-url" help:"database URL (empty: SQLite in the data dir)"`
	// NATSURL empty means the in-process event bus (one replica).
	NATSURL string `env:"NATS_URL" flag:"nats-url" help:"NATS URL (empty: in-process bus)"`
	// NATSStream and NATSPrefix name the JetStream stream and the subject
	// prefix, so several platforms can share one NATS.
	NATSStream string `env:"NATS_STREAM" envDefault:"SWITCHYARD_EVENTS" flag:"nats-stream" help:"JetStream stream of the event journal"`
	NATSPrefix string `env:"NATS_PREFIX" envDefault:"switchyard" flag:"nats-prefix" help:"NATS subject prefix"`
	// PluginDir holds plugin binaries found at start; empty means DataDir/plugins.
	PluginDir string `env:"PLUGIN_DIR" flag:"plugin-dir" help:"plugin directory (empty: DATA_DIR/plugins)"`
	// Catalog is a directory or http(s) URL holding catalog.json.
	Catalog string `env:"CATALOG" flag:"catalog" help:"plugin catalog directory or URL"`
	// JWTSecret signs access tokens; empty means one generated once and kept in DataDir.
	JWTSecret string `env:"JWT_SECRET" flag:"jwt-secret" help:"JWT signing secret (empty: generated and kept in the data dir)"`
	// AllowedOrigins may call the API from a browser and open sockets;
	// empty means same-origin only.
	AllowedOrigins []string `env:"ALLOWED_ORIGINS" envSeparator:"," flag:"allowed-origins" help:"browser origins allowed for CORS and WebSocket"`
	// TrustedKeys are base64 ed25519 public keys of plugin publishers.
	TrustedKeys []string `env:"TRUSTED_KEYS" envSeparator:"," flag:"trusted-keys" help:"trusted plugin publisher keys (base64 ed25519)"`
	// OutboundAllow lists hosts or CIDRs plugins may reach besides the public internet.
	OutboundAllow []string `env:"OUTBOUND_ALLOW" envSeparator:"," flag:"outbound-allow" help:"private hosts/CIDRs plugins may reach"`
	// MetricsAddr, when set, serves /metrics there without authentication.
	MetricsAddr string `env:"METRICS_ADDR" flag:"metrics-addr" help:"separate listen address for /metrics"`
	// PublicURL is the address users reach the dashboard at (invitation links).
	PublicURL string `env:"PUBLIC_URL" flag:"public-url" help:"public base URL of the dashboard"`

	LogLevel  string `env:"LOG_LEVEL" envDefault:"info" flag:"log-level" help:"debug, info, warn or error"`
	LogFormat string `env:"LOG_FORMAT" envDefault:"text" flag:"log-format" help:"text or json"`

	AccessTokenTTL  time.Duration `env:"ACCESS_TOKEN_TTL" envDefault:"15m" flag:"access-token-ttl" help:"access token lifetime"`
	RefreshTokenTTL time.Duration `env:"REFRESH_TOKEN_TTL" envDefault:"720h" flag:"refresh-token-ttl" help:"session lifetime without use"`
	InvitationTTL   time.Duration `env:"INVITATION_TTL" envDefault:"168h" flag:"invitation-ttl" help:"invitation lifetime"`

	BodyLimit       int           `env:"BODY_LIMIT" envDefault:"1048576" flag:"body-limit" help:"largest request body, bytes"`
	ReadTimeout     time.Duration `env:"READ_TIMEOUT" envDefault:"15s" flag:"read-timeout" help:"time to read a request"`
	WriteTimeout    time.Duration `env:"WRITE_TIMEOUT" envDefault:"30s" flag:"write-timeout" help:"time to write a response"`
	IdleTimeout     time.Duration `env:"IDLE_TIMEOUT" envDefault:"120s" flag:"idle-timeout" help:"keep-alive idle time"`
	ShutdownTimeout time.Duration `env:"SHUTDOWN_TIMEOUT" envDefault:"20s" flag:"shutdown-timeout" help:"grace period for in-flight work at shutdown"`

	LoginPerIP      int `env:"LOGIN_PER_IP" envDefault:"20" flag:"login-per-ip" help:"sign-in attempts per IP per minute"`
	LoginPerAccount int `env:"LOGIN_PER_ACCOUNT" envDefault:"10" flag:"login-per-account" help:"sign-in attempts per account per 15 minutes"`

	QuotaMembers      int `env:"QUOTA_MEMBERS" envDefault:"100" flag:"quota-members" help:"default members per organization (0: unlimited)"`
	QuotaPlugins      int `env:"QUOTA_PLUGINS" envDefault:"20" flag:"quota-plugins" help:"default installed plugins per organization"`
	QuotaSockets      int `env:"QUOTA_SOCKETS" envDefault:"1000" flag:"quota-sockets" help:"default concurrent sockets per organization"`
	QuotaEventsPerSec int `env:"QUOTA_EVENTS_PER_SEC" envDefault:"1000" flag:"quota-events-per-sec" help:"default events per second per organization"`

	// EventsKeep and EventsMaxAge bound each organization's event history:
	// what a reconnecting socket can resume from and GET /events serves.
	EventsKeep   int           `env:"EVENTS_KEEP" envDefault:"10000" flag:"events-keep" help:"events kept per organization for resume and history"`
	EventsMaxAge time.Duration `env:"EVENTS_MAX_AGE" envDefault:"168h" flag:"events-max-age" help:"how long events stay in an organization's history"`
}

// Prefix starts every environment variable.
const Prefix = "SWITCHYARD_"

// Load reads the environment into a Config with defaults filled in.
func Load() (Config, error) {
	var c Config
	if err := env.ParseWithOptions(&c, env.Options{Prefix: Prefix}); err != nil {
		return c, fmt.Errorf("config: %w", err)
	}
	return c, nil
}

// Default is the configuration with no environment at all.
func Default() Config {
	var c Config
	_ = env.ParseWithOptions(&c, env.Options{Prefix: Prefix, Environment: map[string]string{}})
	return c
}

// Engine names the database the configuration selects.
func (c *Config) Engine() string {
	if c.DatabaseURL == "" {
		return "sqlite"
	}
	return "postgres"
}

// PluginPath is where plugin binaries live.
func (c *Config) PluginPath() string {
	if c.PluginDir != "" {
		return c.PluginDir
	}
	return filepath.Join(c.DataDir, "plugins")
}

// Validate reports every invalid setting.
func (c *Config) Validate() error {
	var errs []error
	bad := func(name, format string, args ...any) {
		errs = append(errs, fmt.Errorf("%s%s: %s", Prefix, name, fmt.Sprintf(format, args...)))
	}
	if _, _, err := net.SplitHostPort(c.Addr); err != nil {
		bad("ADDR", "%q is not host:port", c.Addr)
	}
	if c.MetricsAddr != "" {
		if _, _, err := net.SplitHostPort(c.MetricsAddr); err != nil {
			bad("METRICS_ADDR", "%q is not host:port", c.MetricsAddr)
		}
	}
	if c.DataDir == "" {
		bad("DATA_DIR", "is required")
	}
	if u := c.DatabaseURL; u != "" && !strings.HasPrefix(u, "postgres://") && !strings.HasPrefix(u, "postgresql://") {
		bad("DATABASE_URL", "must be a postgres:// URL, or empty for SQLite")
	}
	if u := c.NATSURL; u != "" && !strings.HasPrefix(u, "nats://") && !strings.HasPrefix(u, "tls://") {
		bad("NATS_URL", "must be a nats:// URL, or empty for the in-process bus")
	}
	if c.JWTSecret != "" && len(c.JWTSecret) < 32 {
		bad("JWT_SECRET", "must be at least 32 characters")
	}
	for _, o := range c.AllowedOrigins {
		u, err := url.Parse(o)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.Path != "" {
			bad("ALLOWED_ORIGINS", "%q is not an origin like https://app.example.com", o)
		}
	}
	for _, k := range c.TrustedKeys {
		raw, err := base64.StdEncoding.DecodeString(strings.TrimSpace(k))
		if err != nil || len(raw) != ed25519.PublicKeySize {
			bad("TRUSTED_KEYS", "%q is not a base64 ed25519 public key", k)
		}
	}
	for _, h := range c.OutboundAllow {
		if _, _, err := net.ParseCIDR(h); err != nil && strings.ContainsAny(h, "/ ") {
			bad("OUTBOUND_ALLOW", "%q is neither a host nor a CIDR", h)
		}
	}
	if c.PublicURL != "" {
		if u, err := url.Parse(c.PublicURL); err != nil || u.Host == "" {
			bad("PUBLIC_URL", "%q is not an absolute URL", c.PublicURL)
		}
	}
	switch c.LogLevel {
	case "debug", "info", "warn", "error":
	default:
		bad("LOG_LEVEL", "must be debug, info, warn or error")
	}
	switch c.LogFormat {
	case "text", "json":
	default:
		bad("LOG_FORMAT", "must be text or json")
	}
	positive := map[string]time.Duration{
		"ACCESS_TOKEN_TTL": c.AccessTokenTTL, "REFRESH_TOKEN_TTL": c.RefreshTokenTTL,
		"INVITATION_TTL": c.InvitationTTL, "READ_TIMEOUT": c.ReadTimeout, "WRITE_TIMEOUT": c.WriteTimeout,
		"IDLE_TIMEOUT": c.IdleTimeout, "SHUTDOWN_TIMEOUT": c.ShutdownTimeout,
	}
	for name, d := range positive {
		if d <= 0 {
			bad(name, "must be a positive duration")
		}
	}
	if c.EventsKeep < 1 || c.EventsKeep > 10_000_000 {
		bad("EVENTS_KEEP", "must be between 1 and 10000000 events")
	}
	if c.EventsMaxAge < time.Minute {
		bad("EVENTS_MAX_AGE", "must be at least 1m")
	}
	if c.AccessTokenTTL > time.Hour {
		bad("ACCESS_TOKEN_TTL", "must be at most 1h: access tokens are meant to be short-lived")
	}
	if c.BodyLimit < 1024 || c.BodyLimit > 64<<20 {
		bad("BODY_LIMIT", "must be between 1024 and 67108864 bytes")
	}
	for name, v := range map[string]int{"LOGIN_PER_IP": c.LoginPerIP, "LOGIN_PER_ACCOUNT": c.LoginPerAccount} {
		if v < 1 {
			bad(name, "must be at least 1")
		}
	}
	for name, v := range map[string]int{"QUOTA_MEMBERS": c.QuotaMembers, "QUOTA_PLUGINS": c.QuotaPlugins,
		"QUOTA_SOCKETS": c.QuotaSockets, "QUOTA_EVENTS_PER_SEC": c.QuotaEventsPerSec} {
		if v < 0 {
			bad(name, "must not be negative")
		}
	}
	return errors.Join(errs...)
}

// BindFlags registers a flag for every setting on fs (the struct's flag
// and help tags), defaulting to the value already in c (the environment),
// so a flag given on the command line overrides its variable.
func BindFlags(fs *pflag.FlagSet, c *Config) {
	v := reflect.ValueOf(c).Elem()
	t := v.Type()
	for i := range t.NumField() {
		f := t.Field(i)
		name := f.Tag.Get("flag")
		if name == "" {
			continue
		}
		usage := f.Tag.Get("help") + " (" + Prefix + f.Tag.Get("env") + ")"
		switch p := v.Field(i).Addr().Interface().(type) {
		case *string:
			fs.StringVar(p, name, *p, usage)
		case *[]string:
			fs.StringSliceVar(p, name, *p, usage)
		case *int:
			fs.IntVar(p, name, *p, usage)
		case *time.Duration:
			fs.DurationVar(p, name, *p, usage)
		default:
			panic("config: no flag type for field " + f.Name) // a programming error caught by the tests
		}
	}
}
