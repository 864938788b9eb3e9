package config_test

import (
	"strings"
	"testing"
	"time"

	"github.com/spf13/pflag"

	"github.com/switchyard/switchyard/core/config"
)

func TestDefaultsAreValid(t *testing.T) {
	c := config.Default()
	if err := c.Validate(); err != nil {
		t.Fatalf("defaults invalid: %v", err)
	}
	if c.Addr != ":8080" || c.DataDir != "./data" || c.Engine() != "sqlite" || c.AccessTokenTTL != 15*time.Minute {
		t.Fatalf("unexpected defaults: %+v", c)
	}
}

func TestEnvironmentThenFlags(t *testing.T) {
	t.Setenv("SWITCHYARD_ADDR", "127.0.0.1:9000")
	t.Setenv("SWITCHYARD_ALLOWED_ORIGINS", "http://a.example,https://b.example")
	t.Setenv("SWITCHYARD_QUOTA_SOCKETS", "7")
	c, err := config.Load()
	if err != nil {
		t.Fatal(err)
	}
	if c.Addr != "127.0.0.1:9000" || len(c.AllowedOrigins) != 2 || c.QuotaSockets != 7 {
		t.Fatalf("environment not read: %+v", c)
	}
	fs := pflag.NewFlagSet("serve", pflag.ContinueOnError)
	config.BindFlags(fs, &c)
	if err := fs.Parse([]string{"--addr", ":7000", "--access-token-ttl", "5m"}); err != nil {
		t.Fatal(err)
	}
	if c.Addr != ":7000" || c.AccessTokenTTL != 5*time.Minute || c.QuotaSockets != 7 {
		t.Fatalf("flags did not override: %+v", c)
	}
}

func TestValidateNamesEveryBadVariable(t *testing.T) {
	c := config.Default()
	c.Addr = "nonsense"
	c.DatabaseURL = "mysql://x"
	c.JWTSecret = "short"
	c.AllowedOrigins = []string{"not a url"}
	c.TrustedKeys = []string{"abc"}
	c.AccessTokenTTL = 48 * time.Hour
	c.BodyLimit = 1
	c.EventsKeep = 0
	c.EventsMaxAge = time.Second
	err := c.Validate()
	if err == nil {
		t.Fatal("invalid config accepted")
	}
	for _, name := range []string{"ADDR", "DATABASE_URL", "JWT_SECRET", "ALLOWED_ORIGINS", "TRUSTED_KEYS", "ACCESS_TOKEN_TTL", "BODY_LIMIT", "EVENTS_KEEP", "EVENTS_MAX_AGE"} {
		if !strings.Contains(err.Error(), "SWITCHYARD_"+name) {
			t.Errorf("error does not name SWITCHYARD_%s: %v", name, err)
		}
	}
}
