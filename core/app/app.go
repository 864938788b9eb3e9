// Package app is Switchyard's composition root: it turns a Config into a
// running server — database, migrations, identity, tenancy, permissions,
// HTTP API — wires the parts' change notifications together, and shuts it
// all down in order.
//
// Nothing here is global: every component is built in New and owned by the
// App, so tests run several Apps in one process.
package app

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"net"
	"net/http"
	"net/http/pprof"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/google/uuid"
	"github.com/nats-io/nats.go"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"

	"github.com/switchyard/switchyard/core/auth"
	"github.com/switchyard/switchyard/core/config"
	"github.com/switchyard/switchyard/core/events"
	"github.com/switchyard/switchyard/core/httpapi"
	"github.com/switchyard/switchyard/core/hub"
	"github.com/switchyard/switchyard/core/jobs"
	"github.com/switchyard/switchyard/core/marketplace"
	"github.com/switchyard/switchyard/core/pluginhost"
	"github.com/switchyard/switchyard/core/rbac"
	"github.com/switchyard/switchyard/core/store"
	"github.com/switchyard/switchyard/tenants"
)

// Options are the parts of an App that are not configuration: tests use
// them to make password hashing cheap or to serve no dashboard.
type Options struct {
	// Password are the argon2id costs; zero means auth.DefaultPasswordParams.
	Password auth.PasswordParams
	// Web is the dashboard to serve; nil serves a note instead.
	Web fs.FS
}

// App is a configured Switchyard server.
type App struct {
	Config   config.Config
	Log      *slog.Logger
	DB       *store.DB
	Auth     *auth.Service
	Tenants  *tenants.Service
	Resolver *tenants.Resolver
	RBAC     *rbac.Authorizer
	Registry *prometheus.Registry
	Bus      events.Bus
	Journal  events.Journal
	Events   *events.Service
	Hub      *hub.Hub
	Jobs     *jobs.Service
	Plugins  *pluginhost.Manager
	Market   *marketplace.Service
	API      *httpapi.API

	nc         *nats.Conn // the journal's
	busNC      *nats.Conn // the bus's
	catchUps   chan struct{}
	metricsSrv *http.Server
	unclaim    func()          // gives up the single-node claim (serving without NATS)
	bg         context.Context // ends when the App closes
	background context.CancelFunc
	bgWG       sync.WaitGroup

	// replica names this process among the replicas sharing a bus.
	replica string

	// Reactions to changes that reach this replica (made here or, through
	// the bus, elsewhere).
	onOrgChange      []func(orgID string, kind tenants.ChangeKind)
	onMemberChange   []func(orgID, userID string, kind tenants.ChangeKind)
	onSessionRevoked []func(sessionID string)
	onCatchUp        []func(ctx context.Context)
}

// New opens the database, applies migrations and builds every component.
func New(ctx context.Context, cfg config.Config, log *slog.Logger, opts Options) (*App, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	a := &App{Config: cfg, Log: log, replica: uuid.Must(uuid.NewV7()).String(), catchUps: make(chan struct{}, 1)}
	db, err := store.Open(ctx, store.Options{URL: cfg.DatabaseURL, DataDir: cfg.DataDir})
	if err != nil {
		return nil, err
	}
	a.DB = db
	ok := false
	defer func() {
		if !ok {
			_ = db.Close()
		}
	}()
	n, err := db.Migrate(ctx, log.With("component", "migrate"))
	if err != nil {
		return nil, err
	}
	if n > 0 {
		log.Info("database migrated", "engine", db.Engine, "applied", n)
	}

	secret, err := jwtSecret(cfg, log)
	if err != nil {
		return nil, err
	}
	if a.RBAC, err = rbac.New(db.DB); err != nil {
		return nil, err
	}
	a.Auth, err = auth.NewService(db.DB, auth.Config{
		Secret: secret, AccessTTL: cfg.AccessTokenTTL, RefreshTTL: cfg.RefreshTokenTTL, Password: opts.Password,
	}, a.RBAC)
	if err != nil {
		return nil, err
	}
	if _, err := a.Auth.LoadRevocations(ctx); err != nil {
		return nil, err
	}
	a.Tenants = tenants.NewService(db.DB, a.RBAC, tenants.Config{
		Quotas: tenants.Quotas{
			Members: cfg.QuotaMembers, Plugins: cfg.QuotaPlugins,
			Sockets: cfg.QuotaSockets, EventsPerSec: cfg.QuotaEventsPerSec,
		},
		InvitationTTL: cfg.InvitationTTL,
	})
	a.Resolver = tenants.NewResolver(a.Tenants, 30*time.Second)

	a.Registry = prometheus.NewRegistry()
	a.Registry.MustRegister(
		collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
		collectors.NewDBStatsCollector(db.SQL(), "switchyard"),
	)

	if err := a.openEvents(ctx); err != nil {
		return nil, err
	}
	a.Events = events.NewService(a.Journal, db.DB, events.Config{
		RatePerSec: a.eventQuota, Keep: cfg.EventsKeep, MaxAge: cfg.EventsMaxAge,
	}, log.With("component", "events"), a.Registry)
	if err := a.wireChanges(); err != nil {
		return nil, err
	}
	a.Hub = a.newHub()
	a.announceChanges()
	if err := a.newPlugins(ctx); err != nil {
		return nil, err
	}
	a.API = httpapi.New(httpapi.Deps{
		Config: cfg, Log: log, DB: db, Auth: a.Auth, Tenants: a.Tenants, Resolver: a.Resolver,
		RBAC: a.RBAC, Registry: a.Registry, Web: opts.Web, Events: a.Events, Hub: a.Hub,
		Plugins: a.Plugins, Market: a.Market, Jobs: a.Jobs,
		Ready: a.readyChecks(),
	})

	a.bg, a.background = context.WithCancel(context.Background())
	a.bgWG.Add(2)
	go func() {
		defer a.bgWG.Done()
		a.runCatchUps(a.bg)
	}()
	go func() {
		defer a.bgWG.Done()
		a.Events.RunRetention(a.bg, time.Minute)
	}()
	ok = true
	return a, nil
}

// Replica names this core process among those sharing the database.
func (a *App) Replica() string { return a.replica }

// eventQuota is an organization's events-per-second quota.
func (a *App) eventQuota(orgID string) int {
	org, err := a.Resolver.ByID(context.Background(), orgID)
	if err != nil {
		return a.Config.QuotaEventsPerSec
	}
	return org.Quotas(a.Tenants.DefaultQuotas()).EventsPerSec
}

// Run serves until ctx is cancelled, then shuts down within the
// configured grace period.
func (a *App) Run(ctx context.Context) error {
	ln, err := net.Listen("tcp", a.Config.Addr)
	if err != nil {
		return fmt.Errorf("listen %s: %w", a.Config.Addr, err)
	}
	return a.RunListener(ctx, ln)
}

// RunListener is Run on a listener the caller opened (tests use port 0).
func (a *App) RunListener(ctx context.Context, ln net.Listener) error {
	if a.nc == nil {
		// Serving alone: no other core may serve from this database.
		release, err := a.DB.ClaimSingleNode(ctx, a.Log)
		if err != nil {
			_ = ln.Close()
			return errors.Join(err, a.Close())
		}
		a.unclaim = release // Close gives it up
	}
	a.keepJobs(ctx)
	errc := make(chan error, 2)
	go func() { errc <- a.API.App().Listener(ln) }()
	if a.Config.MetricsAddr != "" {
		// The metrics listener is the operator's: it also serves Go's
		// profiler, which must never be reachable from the public port.
		mux := http.NewServeMux()
		mux.Handle("/metrics", a.API.MetricsHandler())
		mux.HandleFunc("/debug/pprof/", pprof.Index)
		mux.HandleFunc("/debug/pprof/profile", pprof.Profile)
		mux.HandleFunc("/debug/pprof/trace", pprof.Trace)
		mux.HandleFunc("/debug/pprof/symbol", pprof.Symbol)
		a.metricsSrv = &http.Server{Addr: a.Config.MetricsAddr, Handler: mux, ReadHeaderTimeout: 5 * time.Second}
		go func() {
			if err := a.metricsSrv.ListenAndServe(); err != nil && !errors.Is(err, http.ErrServerClosed) {
				errc <- fmt.Errorf("metrics listener: %w", err)
			}
		}()
	}
	a.Log.Info("switchyard serving", "addr", ln.Addr().String(), "database", a.DB.Engine, "data_dir", a.Config.DataDir)

	var runErr error
	select {
	case <-ctx.Done():
	case runErr = <-errc:
	}
	shutdownCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), a.Config.ShutdownTimeout)
	defer cancel()
	return errors.Join(runErr, a.Shutdown(shutdownCtx))
}

// Shutdown stops accepting requests, lets in-flight ones finish until ctx
// ends, and closes the database.
func (a *App) Shutdown(ctx context.Context) error {
	a.Log.Info("shutting down")
	var errs []error
	// Sockets first: clients are told to go elsewhere (1001) and resume.
	if err := a.Hub.Shutdown(ctx); err != nil {
		errs = append(errs, fmt.Errorf("hub: %w", err))
	}
	if err := a.API.Shutdown(ctx); err != nil {
		errs = append(errs, fmt.Errorf("http: %w", err))
	}
	if a.metricsSrv != nil {
		errs = append(errs, a.metricsSrv.Shutdown(ctx))
	}
	errs = append(errs, a.Close())
	return errors.Join(errs...)
}

// Close stops background work and releases the journal, the bus and the
// database.
func (a *App) Close() error {
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	_ = a.Hub.Shutdown(ctx)
	if err := a.stopPlugins(); err != nil {
		a.Log.Warn("plugins did not stop cleanly", "error", err)
	}
	a.background()
	a.bgWG.Wait()
	a.Auth.Wait()
	if a.unclaim != nil {
		a.unclaim()
	}
	err := errors.Join(a.Journal.Close(), a.Bus.Close())
	if a.nc != nil {
		a.nc.Close()
		a.busNC.Close()
	}
	return errors.Join(err, a.DB.Close())
}

// openEvents picks the journal and the bus: the database and an in-process
// bus on one node, JetStream and NATS subjects when replicas share NATS.
func (a *App) openEvents(ctx context.Context) error {
	if a.Config.NATSURL == "" {
		a.Bus = events.NewMemoryBus()
		a.Journal = events.NewSQLJournal(a.DB.DB)
		return nil
	}
	logged := func(what string, extra ...nats.Option) []nats.Option {
		return append([]nats.Option{nats.Name("switchyard " + what),
			nats.DisconnectErrHandler(func(_ *nats.Conn, err error) {
				a.Log.Warn("NATS disconnected; reconnecting", "connection", what, "error", err)
			})}, extra...)
	}
	// Neither connection sends anything late (see ConnectNATS). A control
	// message that could not be sent, or was written into a connection
	// not yet known to be dead, is lost, and so is whatever the other
	// replicas sent meanwhile: each reconnect of the bus makes this replica
	// catch up from the database and ask the others to do the same.
	nc, err := events.ConnectNATS(a.Config.NATSURL, logged("journal",
		nats.ReconnectHandler(func(*nats.Conn) { a.Log.Info("NATS reconnected", "connection", "journal") }))...)
	if err != nil {
		return fmt.Errorf("connect to NATS: %w", err)
	}
	busNC, err := events.ConnectNATS(a.Config.NATSURL, logged("bus",
		nats.ReconnectHandler(func(*nats.Conn) {
			a.Log.Info("NATS reconnected; catching up on changes made meanwhile", "connection", "bus")
			a.reconnected()
		}))...)
	if err != nil {
		nc.Close()
		return fmt.Errorf("connect to NATS: %w", err)
	}
	j, err := events.NewJetStreamJournal(ctx, nc, events.JetStreamOptions{
		Stream: a.Config.NATSStream, Prefix: a.Config.NATSPrefix, Keep: a.Config.EventsKeep, MaxAge: a.Config.EventsMaxAge,
	}, a.Log.With("component", "journal"))
	if err != nil {
		nc.Close()
		busNC.Close()
		return err
	}
	a.nc, a.busNC, a.Journal, a.Bus = nc, busNC, j, events.NewNATSBus(busNC, a.Config.NATSPrefix)
	return nil
}

// readyChecks are the components /readyz asks about besides the database.
func (a *App) readyChecks() []httpapi.ReadyCheck {
	if a.nc == nil {
		return nil
	}
	return []httpapi.ReadyCheck{{Name: "nats", Check: func(context.Context) error {
		for _, nc := range []*nats.Conn{a.nc, a.busNC} {
			if s := nc.Status(); s != nats.CONNECTED {
				return fmt.Errorf("NATS is %s", s)
			}
		}
		return nil
	}}}
}

// jwtSecret returns the configured secret, or the one kept in the data
// directory, generating it on first start.
func jwtSecret(cfg config.Config, log *slog.Logger) ([]byte, error) {
	if cfg.JWTSecret != "" {
		return []byte(cfg.JWTSecret), nil
	}
	if err := os.MkdirAll(cfg.DataDir, 0o700); err != nil {
		return nil, fmt.Errorf("data dir: %w", err)
	}
	path := filepath.Join(cfg.DataDir, "jwt.secret")
	raw, err := os.ReadFile(path)
	if err == nil {
		s := strings.TrimSpace(string(raw))
		if len(s) < 32 {
			return nil, fmt.Errorf("%s holds fewer than 32 characters; delete it to generate a new one", path)
		}
		return []byte(s), nil
	}
	if !errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("read JWT secret: %w", err)
	}
	var b [48]byte
	if _, err := rand.Read(b[:]); err != nil {
		return nil, err
	}
	s := base64.RawURLEncoding.EncodeToString(b[:])
	if err := os.WriteFile(path, []byte(s+"\n"), 0o600); err != nil {
		return nil, fmt.Errorf("write JWT secret: %w", err)
	}
	if cfg.DatabaseURL != "" {
		log.Warn("generated a JWT secret in the data directory; replicas sharing this database must share it: set SWITCHYARD_JWT_SECRET")
	}
	return []byte(s), nil
}
