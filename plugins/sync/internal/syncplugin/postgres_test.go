package syncplugin_test

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"net/url"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/switchyard/switchyard/sdk/grpcplugin"
	"github.com/switchyard/switchyard/sdk/outbound"
)

// postgresURL returns the test server's URL, skipping the test without one
// (or failing it when SWITCHYARD_TEST_REQUIRE_SERVICES is set, as in CI).
// The plugin does not import the core, so this mirrors core/store/storetest.
func postgresURL(t *testing.T) string {
	t.Helper()
	u := os.Getenv("SWITCHYARD_TEST_POSTGRES_URL")
	if u == "" {
		if os.Getenv("SWITCHYARD_TEST_REQUIRE_SERVICES") != "" {
			t.Fatal("PostgreSQL tests need SWITCHYARD_TEST_POSTGRES_URL (required because SWITCHYARD_TEST_REQUIRE_SERVICES is set)")
		}
		t.Skip("PostgreSQL tests need SWITCHYARD_TEST_POSTGRES_URL")
	}
	return u
}

// seedTable creates a schema with a table of n rows and returns the
// qualified table name.
func seedTable(t *testing.T, base string, n int) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, base)
	if err != nil {
		t.Fatalf("connect %s: %v", redacted(base), err)
	}
	defer conn.Close(context.Background())
	var b [6]byte
	_, _ = rand.Read(b[:])
	schema := "sync_" + hex.EncodeToString(b[:])
	for _, q := range []string{
		"CREATE SCHEMA " + schema,
		"CREATE SEQUENCE " + schema + ".ids",
		"CREATE TABLE " + schema + ".customers (id BIGINT PRIMARY KEY, name TEXT NOT NULL, uid UUID NOT NULL, joined TIMESTAMPTZ NOT NULL, score NUMERIC(6,2))",
		"INSERT INTO " + schema + ".customers SELECT i, 'customer ' || i, gen_random_uuid(), now() - i * interval '1 minute', i / 7.0 FROM generate_series(1, $1) AS i",
	} {
		var err error
		if strings.HasPrefix(q, "INSERT") {
			_, err = conn.Exec(ctx, q, n)
		} else {
			_, err = conn.Exec(ctx, q)
		}
		if err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	t.Cleanup(func() {
		c, err := pgx.Connect(context.Background(), base)
		if err == nil {
			_, _ = c.Exec(context.Background(), "DROP SCHEMA "+schema+" CASCADE")
			_ = c.Close(context.Background())
		}
	})
	return schema + ".customers"
}

func redacted(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return "(url)"
	}
	return u.Redacted()
}

// TestPostgres syncs 10,000 rows of a query once each; without the
// allow-list the same server — on loopback, like the platform's own
// database — is refused.
func TestPostgres(t *testing.T) {
	base := postgresURL(t)
	table := seedTable(t, base, 10_000)
	cfg := map[string]any{"sources": []any{map[string]any{
		"name": "customers", "type": "postgres",
		"postgres": map[string]any{"url": base, "query": "SELECT id, name, uid, joined, score FROM " + table + " ORDER BY id"},
	}}}
	u, _ := url.Parse(base)

	e := start(t, u.Hostname(), cfg)
	res := e.sync(t, "job-1", "customers")
	if res.Status != grpcplugin.JobSucceeded || res.Progress != 100 || res.ProcessedItems != 10_000 || res.TotalItems != 10_000 {
		t.Fatalf("final update = %+v", res)
	}
	e.checkAllOnce(t, "customers", 10_000)
	var row map[string]any
	recs := e.h.Host.Dataset(e.acme, "customers")
	if err := json.Unmarshal(recs[0].Data, &row); err != nil || row["name"] == nil || len(row["uid"].(string)) != 36 {
		t.Fatalf("row = %s", recs[0].Data)
	}
	// The query runs read-only: a write is refused by the server.
	cfg["sources"].([]any)[0].(map[string]any)["postgres"].(map[string]any)["query"] = "SELECT nextval('" + strings.TrimSuffix(table, ".customers") + ".ids') AS id"
	if err := e.h.Install(t.Context(), e.acme, cfg); err != nil {
		t.Fatal(err)
	}
	if w := e.sync(t, "job-2", "customers"); w.Status != grpcplugin.JobFailed || !strings.Contains(w.Error, "read-only") {
		t.Fatalf("a write through the source: %+v", w)
	}

	// Without the allow-list.
	cfg["sources"].([]any)[0].(map[string]any)["postgres"].(map[string]any)["query"] = "SELECT id FROM " + table
	refused := start(t, "", cfg)
	r := refused.sync(t, "job-1", "customers")
	if r.Status != grpcplugin.JobFailed || !strings.Contains(r.Error, outbound.EnvAllow) || !strings.Contains(r.Error, "refused") {
		t.Fatalf("without the allow-list: %+v", r)
	}
	if len(refused.h.Host.Dataset(refused.acme, "customers")) != 0 {
		t.Fatal("rows were synced from a refused server")
	}
}
