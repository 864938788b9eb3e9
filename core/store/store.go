package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/glebarez/sqlite"
	"gorm.io/driver/postgres"
	"gorm.io/gorm"
	"gorm.io/gorm/logger"
)

// Engine names the database engine behind a DB.
type Engine string

// The engines Switchyard runs on.
const (
	SQLite   Engine = "sqlite"
	Postgres Engine = "postgres"
)

// Options says where the database lives and how it is pooled.
type Options struct {
	// URL selects the engine: empty means SQLite at DataDir/switchyard.db;
	// postgres:// or postgresql:// selects PostgreSQL.
	URL string
	// DataDir holds the SQLite file. Created if missing.
	DataDir string
	// MaxOpenConns caps the pool; zero picks a default per engine.
	MaxOpenConns int
	// Logger receives slow-query warnings; nil discards them.
	Logger logger.Interface
}

// DB is an open database: the GORM handle plus what it runs on.
type DB struct {
	*gorm.DB
	Engine Engine
	sql    *sql.DB
	path   string // the SQLite file
}

// Open connects to the database Options name. It does not migrate; call
// Migrate for that.
func Open(ctx context.Context, o Options) (*DB, error) {
	engine, dialector, path, err := dialectorFor(o)
	if err != nil {
		return nil, err
	}
	gl := o.Logger
	if gl == nil {
		gl = logger.Discard
	}
	gdb, err := gorm.Open(dialector, &gorm.Config{
		Logger:                                   gl,
		NowFunc:                                  func() time.Time { return time.Now().UTC() },
		PrepareStmt:                              true,
		DisableForeignKeyConstraintWhenMigrating: true,
		TranslateError:                           true,
	})
	if err != nil {
		return nil, fmt.Errorf("store: open %s: %w", engine, err)
	}
	sqlDB, err := gdb.DB()
	if err != nil {
		return nil, fmt.Errorf("store: %w", err)
	}
	maxConns := o.MaxOpenConns
	if maxConns == 0 {
		maxConns = 16
		if engine == SQLite {
			maxConns = 8
		}
	}
	sqlDB.SetMaxOpenConns(maxConns)
	sqlDB.SetMaxIdleConns(maxConns)
	sqlDB.SetConnMaxIdleTime(5 * time.Minute)

	pingCtx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	if err := sqlDB.PingContext(pingCtx); err != nil {
		_ = sqlDB.Close()
		return nil, fmt.Errorf("store: reach %s: %w", engine, err)
	}
	return &DB{DB: gdb, Engine: engine, sql: sqlDB, path: path}, nil
}

func dialectorFor(o Options) (Engine, gorm.Dialector, string, error) {
	switch {
	case o.URL == "":
		if o.DataDir == "" {
			return "", nil, "", errors.New("store: no database URL and no data directory")
		}
		if err := os.MkdirAll(o.DataDir, 0o700); err != nil {
			return "", nil, "", fmt.Errorf("store: create data dir: %w", err)
		}
		path := filepath.Join(o.DataDir, "switchyard.db")
		return SQLite, gatedSQLite(path), path, nil
	case strings.HasPrefix(o.URL, "postgres://"), strings.HasPrefix(o.URL, "postgresql://"):
		return Postgres, postgres.New(postgres.Config{DSN: o.URL}), "", nil
	case strings.HasPrefix(o.URL, "sqlite://"), strings.HasPrefix(o.URL, "file:"):
		path := strings.TrimPrefix(strings.TrimPrefix(o.URL, "sqlite://"), "file:")
		if i := strings.IndexByte(path, '?'); i >= 0 {
			path = path[:i]
		}
		return SQLite, gatedSQLite(path), path, nil
	default:
		u, _ := url.Parse(o.URL)
		scheme := "?"
		if u != nil {
			scheme = u.Scheme
		}
		return "", nil, "", fmt.Errorf("store: unsupported database URL scheme %q (use postgres:// or leave it empty for SQLite)", scheme)
	}
}

// gatedSQLite is the GORM dialector over a SQLite file whose write
// transactions queue in arrival order (sqlitegate.go).
func gatedSQLite(path string) gorm.Dialector {
	dsn := SQLiteDSN(path)
	return &sqlite.Dialector{DSN: dsn, Conn: openGatedSQLite(dsn)}
}

// SQLiteDSN is the connection string for a SQLite file: WAL journal with
// synchronous=FULL (each commit is fsynced before it returns), foreign keys
// on, a busy timeout so writers queue instead of failing, and transactions
// that take the write lock when they begin so two writers never deadlock on
// a lock upgrade.
func SQLiteDSN(path string) string {
	return "file:" + path +
		"?_pragma=journal_mode(WAL)" +
		"&_pragma=synchronous(FULL)" +
		"&_pragma=busy_timeout(10000)" +
		"&_pragma=foreign_keys(1)" +
		"&_pragma=mmap_size(268435456)" +
		"&_txlock=immediate"
	// No _time_format: the driver stops reading parameters after it (so
	// _txlock would be ignored), and its default already is SQLite's
	// "2006-01-02 15:04:05.999999999-07:00".
}

// Ping checks that the database answers.
func (db *DB) Ping(ctx context.Context) error {
	return db.sql.PingContext(ctx)
}

// SQL returns the pool under GORM, for migrations and pool metrics.
func (db *DB) SQL() *sql.DB { return db.sql }

// Close releases the pool.
func (db *DB) Close() error { return db.sql.Close() }

// IsUniqueViolation reports whether err is a unique-constraint failure on
// either engine (GORM translates both engines' codes to ErrDuplicatedKey).
func IsUniqueViolation(err error) bool { return errors.Is(err, gorm.ErrDuplicatedKey) }
