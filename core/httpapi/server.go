package httpapi

import (
	"context"
	"errors"
	"io/fs"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/gofiber/fiber/v2/middleware/compress"
	"github.com/gofiber/fiber/v2/middleware/cors"
	"github.com/gofiber/fiber/v2/middleware/filesystem"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/switchyard/switchyard/core/auth"
	"github.com/switchyard/switchyard/core/config"
	"github.com/switchyard/switchyard/core/events"
	"github.com/switchyard/switchyard/core/hub"
	"github.com/switchyard/switchyard/core/jobs"
	"github.com/switchyard/switchyard/core/marketplace"
	"github.com/switchyard/switchyard/core/pluginhost"
	"github.com/switchyard/switchyard/core/rbac"
	"github.com/switchyard/switchyard/core/store"
	"github.com/switchyard/switchyard/tenants"
)

// Prefix is where the API lives.
const Prefix = "/api/v1"

// transportBodyLimit is the largest oversized body the server still reads
// (and drops) to answer 413 cleanly; past it the connection is closed.
const transportBodyLimit = 16 << 20

// Deps are what the API serves from. All are required except Web.
type Deps struct {
	Config   config.Config
	Log      *slog.Logger
	DB       *store.DB
	Auth     *auth.Service
	Tenants  *tenants.Service
	Resolver *tenants.Resolver
	RBAC     *rbac.Authorizer
	Events   *events.Service
	Hub      *hub.Hub
	Registry *prometheus.Registry
	// Web is the built dashboard (index.html at its root); nil serves a
	// note that the dashboard was not built.
	Web fs.FS
	// Ready reports other components' readiness for /readyz.
	Ready []ReadyCheck
	// Plugins, Market and Jobs serve the plugin platform's routes.
	Plugins *pluginhost.Manager
	Market  *marketplace.Service
	Jobs    *jobs.Service
}

// ReadyCheck is one dependency /readyz asks about.
type ReadyCheck struct {
	Name  string
	Check func(context.Context) error
}

// API is the HTTP server.
type API struct {
	d         Deps
	app       *fiber.App
	resolver  *tenants.Resolver
	metrics   *httpMetrics
	routes    *router
	ipLimit   *auth.Throttle
	acctLimit *auth.Throttle
	started   time.Time

	wsPool *sync.Pool

	openapiOnce sync.Once
	openapiDoc  []byte
	openapiErr  error
}

// New builds the API with every route bound.
func New(d Deps) *API {
	a := &API{d: d, resolver: d.Resolver, started: time.Now(), wsPool: &sync.Pool{}}
	a.metrics = newHTTPMetrics(d.Registry)
	a.ipLimit = auth.NewThrottle(d.Config.LoginPerIP, time.Minute/time.Duration(d.Config.LoginPerIP), 100_000)
	a.acctLimit = auth.NewThrottle(d.Config.LoginPerAccount, 15*time.Minute/time.Duration(d.Config.LoginPerAccount), 100_000)

	app := fiber.New(fiber.Config{
		AppName:               "switchyard",
		ServerHeader:          "",
		DisableStartupMessage: true,
		CaseSensitive:         true,
		BodyLimit:             d.Config.BodyLimit,
		ReadTimeout:           d.Config.ReadTimeout,
		WriteTimeout:          d.Config.WriteTimeout,
		IdleTimeout:           d.Config.IdleTimeout,
		ReadBufferSize:        4096,
		ErrorHandler:          errorHandler(d.Log),
		// Bodies stream so plugin uploads may be of any size; boundBodies
		// keeps every other route within BodyLimit.
		StreamRequestBody:            true,
		DisablePreParseMultipartForm: true,
	})
	a.app = app

	app.Use(a.recoverPanics, a.requestID, a.accessLog, a.metrics.middleware, securityHeaders, canonicalPath, refuseEncodedBodies)
	app.Use(a.boundBodies)
	if len(d.Config.AllowedOrigins) > 0 {
		app.Use(cors.New(cors.Config{
			AllowOrigins:     strings.Join(d.Config.AllowedOrigins, ","),
			AllowHeaders:     "Authorization, Content-Type, X-Request-ID",
			AllowMethods:     "GET,POST,PUT,PATCH,DELETE,OPTIONS",
			ExposeHeaders:    "X-Request-ID, Retry-After",
			AllowCredentials: false,
			MaxAge:           600,
		}))
	}

	a.bindOps(app)
	api := app.Group(Prefix)
	a.routes = &router{api: a, group: api, prefix: Prefix}
	a.bindAuth(a.routes)
	a.bindOrgs(a.routes)
	a.bindMembers(a.routes)
	a.bindInvitations(a.routes)
	a.bindAPIKeys(a.routes)
	a.bindAdmin(a.routes)
	a.bindEvents(a.routes)
	a.bindRealtime(a.routes)
	a.bindPlugins(a.routes)
	a.bindJobs(a.routes)
	app.Get("/api/openapi.json", a.serveOpenAPI)
	a.bindWeb(app)
	// Unknown API paths (in any letter case) answer JSON, never the dashboard.
	app.Use(func(c *fiber.Ctx) error {
		return apiErr(http.StatusNotFound, "not_found", "no such endpoint: "+c.Method()+" "+c.Path())
	})
	return a
}

// App exposes the Fiber app (tests drive it with app.Test).
func (a *API) App() *fiber.App { return a.app }

// Routes lists every declared API route.
func (a *API) Routes() []Route { return a.routes.routes }

// Serve accepts connections on addr until Shutdown.
func (a *API) Serve(addr string) error {
	err := a.app.Listen(addr)
	if errors.Is(err, http.ErrServerClosed) {
		return nil
	}
	return err
}

// Shutdown stops accepting connections and waits for in-flight requests
// until ctx ends.
func (a *API) Shutdown(ctx context.Context) error {
	return a.app.ShutdownWithContext(ctx)
}

var compressWeb = compress.New(compress.Config{Level: compress.LevelBestSpeed})

// isAPIPath reports whether the path is under /api in any letter case.
func isAPIPath(c *fiber.Ctx) bool {
	p := c.Path()
	return len(p) >= 4 && strings.EqualFold(p[:4], "/api") && (len(p) == 4 || p[4] == '/')
}

// bindWeb serves the dashboard with client-side routes falling back to
// index.html.
func (a *API) bindWeb(app *fiber.App) {
	if a.d.Web == nil {
		app.Get("/*", func(c *fiber.Ctx) error {
			if isAPIPath(c) {
				return c.Next()
			}
			c.Type("html")
			return c.Status(http.StatusOK).SendString(`<!doctype html><title>Switchyard</title>` +
				`<p>The Switchyard API is running at <code>/api/v1</code>. The dashboard was not built into this binary: run <code>make run</code> (or <code>make web build</code>).</p>`)
		})
		return
	}
	// The dashboard's files are compressed on the way out (the API's
	// responses are small JSON and stay as they are).
	app.Use("/", func(c *fiber.Ctx) error {
		if isAPIPath(c) {
			return c.Next()
		}
		return compressWeb(c)
	})
	app.Use("/", filesystem.New(filesystem.Config{
		Next:         isAPIPath,
		Root:         http.FS(a.d.Web),
		Index:        "index.html",
		NotFoundFile: "index.html",
		MaxAge:       0,
	}))
}
