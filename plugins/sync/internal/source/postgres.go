package source

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
)

// PostgresConfig describes a PostgreSQL query source.
type PostgresConfig struct {
	// URL is a postgres:// connection URL.
	URL string `json:"url"`
	// Query is one SELECT; it runs in a read-only transaction.
	Query string `json:"query"`
	// TimeoutSeconds bounds the statement (default 300).
	TimeoutSeconds int `json:"timeout_seconds,omitempty"`
}

type pgReader struct {
	conn  *pgx.Conn
	tx    pgx.Tx
	rows  pgx.Rows
	cols  []string
	query string
	key   string
	keyAt int
	batch int
}

// NewPostgres connects (through env.Policy: a loopback or private server,
// the platform's own database included, is refused unless allowed) and
// prepares the query. key is the column that identifies a record.
func NewPostgres(ctx context.Context, cfg PostgresConfig, key string, env Env) (Reader, error) {
	if !strings.HasPrefix(cfg.URL, "postgres://") && !strings.HasPrefix(cfg.URL, "postgresql://") {
		return nil, fmt.Errorf("%w: postgres.url must be a postgres:// URL", ErrConfig)
	}
	q := strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(cfg.Query), ";"))
	if q == "" || strings.Contains(q, ";") {
		return nil, fmt.Errorf("%w: postgres.query must be one statement", ErrConfig)
	}
	pc, err := pgx.ParseConfig(cfg.URL)
	if err != nil {
		return nil, fmt.Errorf("%w: postgres.url: %v", ErrConfig, err)
	}
	if err := env.Policy.Allows(pc.Host); err != nil {
		return nil, fmt.Errorf("postgres source: %w", err)
	}
	pc.DialFunc = env.Policy.DialContext
	if pc.ConnectTimeout == 0 {
		pc.ConnectTimeout = 15 * time.Second
	}
	timeout := cfg.TimeoutSeconds
	if timeout <= 0 {
		timeout = 300
	}
	pc.RuntimeParams["statement_timeout"] = strconv.Itoa(timeout * 1000)
	pc.RuntimeParams["default_transaction_read_only"] = "on"
	pc.RuntimeParams["application_name"] = "switchyard-sync"
	conn, err := pgx.ConnectConfig(ctx, pc)
	if err != nil {
		return nil, fmt.Errorf("postgres source: connect to %s: %w", pc.Host, err)
	}
	tx, err := conn.BeginTx(ctx, pgx.TxOptions{AccessMode: pgx.ReadOnly})
	if err != nil {
		_ = conn.Close(context.WithoutCancel(ctx))
		return nil, fmt.Errorf("postgres source: %w", err)
	}
	return &pgReader{conn: conn, tx: tx, query: q, key: key, keyAt: -1, batch: 500}, nil
}

func (r *pgReader) Total(ctx context.Context) (int64, error) {
	var n int64
	if err := r.tx.QueryRow(ctx, "SELECT count(*) FROM ("+r.query+") AS switchyard_sync_count").Scan(&n); err != nil {
		return 0, fmt.Errorf("postgres source: counting the query's rows: %w", err)
	}
	return n, nil
}

func (r *pgReader) Next(ctx context.Context) ([]Record, error) {
	if r.rows == nil {
		rows, err := r.tx.Query(ctx, r.query)
		if err != nil {
			return nil, fmt.Errorf("postgres source: %w", err)
		}
		r.rows = rows
		for i, fd := range rows.FieldDescriptions() {
			r.cols = append(r.cols, fd.Name)
			if fd.Name == r.key {
				r.keyAt = i
			}
		}
		if r.keyAt < 0 {
			return nil, fmt.Errorf("postgres source: the query has no key column %q (columns: %s)", r.key, strings.Join(r.cols, ", "))
		}
	}
	out := make([]Record, 0, r.batch)
	for len(out) < r.batch && r.rows.Next() {
		vals, err := r.rows.Values()
		if err != nil {
			return nil, fmt.Errorf("postgres source: %w", err)
		}
		obj := make(map[string]any, len(vals))
		for i, v := range vals {
			obj[r.cols[i]] = jsonValue(v)
		}
		k := fmt.Sprint(obj[r.key])
		if vals[r.keyAt] == nil || k == "" || len(k) > MaxKeyLen {
			return nil, fmt.Errorf("postgres source: a row has no value in the key column %q", r.key)
		}
		raw, err := json.Marshal(obj)
		if err != nil {
			return nil, fmt.Errorf("postgres source: encoding a row: %w", err)
		}
		out = append(out, Record{Key: k, Data: raw})
	}
	if err := r.rows.Err(); err != nil {
		return nil, fmt.Errorf("postgres source: %w", err)
	}
	if len(out) == 0 {
		return nil, io.EOF
	}
	return out, nil
}

// jsonValue makes pgx's values JSON-friendly: UUIDs as strings, bytes as
// base64 (encoding/json's default), everything else as encoding/json does.
func jsonValue(v any) any {
	switch x := v.(type) {
	case [16]byte:
		return fmt.Sprintf("%x-%x-%x-%x-%x", x[0:4], x[4:6], x[6:8], x[8:10], x[10:16])
	case time.Time:
		return x.UTC().Format(time.RFC3339Nano)
	}
	return v
}

func (r *pgReader) Close() error {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if r.rows != nil {
		r.rows.Close()
	}
	err := r.tx.Rollback(ctx)
	if errors.Is(err, pgx.ErrTxClosed) {
		err = nil
	}
	return errors.Join(err, r.conn.Close(ctx))
}
