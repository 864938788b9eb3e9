package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"
)

// ErrInUse: another core process is serving from this database as a
// single node.
var ErrInUse = errors.New("another Switchyard core is serving from this database; " +
	"several cores may share a database only as replicas sharing NATS (SWITCHYARD_NATS_URL)")

// errNoLocks: the filesystem holding the SQLite file cannot lock files.
var errNoLocks = errors.New("store: file locks unavailable")

// ClaimSingleNode makes this process the one core serving from the
// database until release is called, or fails with ErrInUse. A core that
// serves alone keeps state in memory that other cores would never hear
// of (its event tail, its policy cache), so a second one on the same
// database would silently serve stale permissions and miss events.
//
// On SQLite it is an exclusive lock on the file beside the database
// (<db>.lock), which the operating system drops when the process ends,
// however it ends. On PostgreSQL it is a session advisory lock named after
// the schema, held on a connection of its own, which the server drops when
// that connection ends; if the connection is lost (the server restarted)
// the claim is taken again on a new one, and log is told if another core
// took it meanwhile.
func (db *DB) ClaimSingleNode(ctx context.Context, log *slog.Logger) (release func(), err error) {
	if db.Engine == SQLite {
		release, err := lockFile(db.path + ".lock")
		if errors.Is(err, errNoLocks) {
			log.Warn("the data directory's filesystem cannot lock files: nothing stops a second core from serving from this database", "error", err)
			return func() {}, nil
		}
		return release, err
	}
	c := &pgClaim{db: db.sql, log: log, stop: make(chan struct{})}
	if err := c.take(ctx); err != nil {
		return nil, err
	}
	c.wg.Add(1)
	go c.keep()
	return c.release, nil
}

// pgClaim holds the advisory lock and takes it again after a lost
// connection.
type pgClaim struct {
	db   *sql.DB
	log  *slog.Logger
	conn *sql.Conn
	stop chan struct{}
	wg   sync.WaitGroup
	once sync.Once
}

const claimKey = `hashtextextended('switchyard single node ' || current_schema(), 0)`

func (c *pgClaim) take(ctx context.Context) error {
	conn, err := c.db.Conn(ctx)
	if err != nil {
		return fmt.Errorf("store: claim: %w", err)
	}
	var got bool
	if err := conn.QueryRowContext(ctx, `SELECT pg_try_advisory_lock(`+claimKey+`)`).Scan(&got); err != nil {
		_ = conn.Close()
		return fmt.Errorf("store: claim: %w", err)
	}
	if !got {
		_ = conn.Close()
		return ErrInUse
	}
	c.conn = conn
	return nil
}

func (c *pgClaim) keep() {
	defer c.wg.Done()
	tick := time.NewTicker(15 * time.Second)
	defer tick.Stop()
	for {
		select {
		case <-c.stop:
			return
		case <-tick.C:
		}
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		if c.conn != nil && c.conn.PingContext(ctx) != nil {
			_ = c.conn.Close() // the server ended the session: the lock went with it
			c.conn = nil
		}
		if c.conn == nil {
			switch err := c.take(ctx); {
			case errors.Is(err, ErrInUse):
				c.log.Error("another core took this database while the connection holding this one's claim was lost; " +
					"stop one of them (replicas must share NATS)")
			case err != nil:
				c.log.Warn("database claim not taken again yet", "error", err)
			}
		}
		cancel()
	}
}

func (c *pgClaim) release() {
	c.once.Do(func() {
		close(c.stop)
		c.wg.Wait()
		if c.conn != nil {
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			_, _ = c.conn.ExecContext(ctx, `SELECT pg_advisory_unlock(`+claimKey+`)`)
			_ = c.conn.Close()
		}
	})
}
