package store

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"sync"
	"time"

	_ "github.com/glebarez/go-sqlite" // registers "sqlite"
)

// SQLite lets one transaction write at a time, and every transaction here
// writes (they begin IMMEDIATE). A transaction that finds the lock taken
// is retried by SQLite's busy handler after sleeps growing to 100 ms, so
// under a steady writer, the event journal committing hundreds of times a
// second, any other writer could lose every retry and wait for half a
// second or more. The pool below makes transactions, and statements that
// run outside one (a raw Exec, a prepared statement's Exec), queue for the
// lock in Go instead, in arrival order, and start the moment it is free.
//
// A transaction that waits longer than gateWait goes ahead without the
// gate and meets SQLite's own lock and busy timeout, as it would without
// the gate: nothing can wait on the gate forever.
const gateWait = 10 * time.Second

// openGatedSQLite opens a pool over the SQLite file whose transactions
// take turns through one gate.
func openGatedSQLite(dsn string) *sql.DB {
	return sql.OpenDB(&gatedConnector{dsn: dsn, drv: sqliteDriver(), gate: make(chan struct{}, 1)})
}

// sqliteDriver is the driver the SQLite package registered (with the
// functions registered on it).
func sqliteDriver() driver.Driver {
	db, _ := sql.Open("sqlite", "") // never fails for a registered name; opens no connection
	defer db.Close()
	return db.Driver()
}

type gatedConnector struct {
	dsn  string
	drv  driver.Driver
	gate chan struct{}
}

func (c *gatedConnector) Connect(context.Context) (driver.Conn, error) {
	conn, err := c.drv.Open(c.dsn)
	if err != nil {
		return nil, err
	}
	inner, ok := conn.(sqliteConn)
	if !ok {
		_ = conn.Close()
		return nil, errors.New("store: the SQLite driver's connection lacks the context methods")
	}
	return &gatedConn{sqliteConn: inner, gate: c.gate}, nil
}

func (c *gatedConnector) Driver() driver.Driver { return c.drv }

// sqliteConn is what the SQLite driver's connection offers.
type sqliteConn interface {
	driver.Conn
	driver.ConnBeginTx
	driver.ConnPrepareContext
	driver.ExecerContext
	driver.QueryerContext
	driver.Pinger
}

// gatedConn is used by one goroutine at a time (database/sql sees to it),
// so inTx needs no lock.
type gatedConn struct {
	sqliteConn
	gate chan struct{}
	inTx bool // a transaction holds the gate; its statements pass
}

func (c *gatedConn) Begin() (driver.Tx, error) {
	return c.BeginTx(context.Background(), driver.TxOptions{})
}

func (c *gatedConn) BeginTx(ctx context.Context, opts driver.TxOptions) (driver.Tx, error) {
	release, err := c.enter(ctx)
	if err != nil {
		return nil, err
	}
	tx, err := c.sqliteConn.BeginTx(ctx, opts)
	if err != nil {
		release()
		return nil, err
	}
	c.inTx = true
	return &gatedTx{Tx: tx, release: func() { c.inTx = false; release() }}, nil
}

// ExecContext runs a statement outside a transaction through the gate: in
// SQLite it is a transaction of its own, which writes.
func (c *gatedConn) ExecContext(ctx context.Context, query string, args []driver.NamedValue) (driver.Result, error) {
	if c.inTx {
		return c.sqliteConn.ExecContext(ctx, query, args)
	}
	release, err := c.enter(ctx)
	if err != nil {
		return nil, err
	}
	defer release()
	return c.sqliteConn.ExecContext(ctx, query, args)
}

// PrepareContext gates the prepared statement's Exec the same way.
func (c *gatedConn) PrepareContext(ctx context.Context, query string) (driver.Stmt, error) {
	st, err := c.sqliteConn.PrepareContext(ctx, query)
	if err != nil {
		return nil, err
	}
	inner, ok := st.(sqliteStmt)
	if !ok {
		_ = st.Close()
		return nil, errors.New("store: the SQLite driver's statement lacks the context methods")
	}
	return &gatedStmt{sqliteStmt: inner, conn: c}, nil
}

func (c *gatedConn) Prepare(query string) (driver.Stmt, error) {
	return c.PrepareContext(context.Background(), query)
}

// sqliteStmt is what the SQLite driver's statement offers.
type sqliteStmt interface {
	driver.Stmt
	driver.StmtExecContext
	driver.StmtQueryContext
}

type gatedStmt struct {
	sqliteStmt
	conn *gatedConn
}

func (s *gatedStmt) ExecContext(ctx context.Context, args []driver.NamedValue) (driver.Result, error) {
	if s.conn.inTx {
		return s.sqliteStmt.ExecContext(ctx, args)
	}
	release, err := s.conn.enter(ctx)
	if err != nil {
		return nil, err
	}
	defer release()
	return s.sqliteStmt.ExecContext(ctx, args)
}

// enter waits for the gate; the returned func opens it again.
func (c *gatedConn) enter(ctx context.Context) (func(), error) {
	t := time.NewTimer(gateWait)
	defer t.Stop()
	select {
	case c.gate <- struct{}{}:
		return func() { <-c.gate }, nil
	case <-t.C:
		return func() {}, nil
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

type gatedTx struct {
	driver.Tx
	release func()
	once    sync.Once
}

func (t *gatedTx) Commit() error {
	defer t.once.Do(t.release)
	return t.Tx.Commit()
}

func (t *gatedTx) Rollback() error {
	defer t.once.Do(t.release)
	return t.Tx.Rollback()
}
