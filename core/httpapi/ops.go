package httpapi

import (
	"context"
	"net/http"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/gofiber/fiber/v2/middleware/adaptor"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// bindOps adds the operational endpoints outside /api/v1.
func (a *API) bindOps(app *fiber.App) {
	app.Get("/healthz", func(c *fiber.Ctx) error {
		return c.JSON(fiber.Map{"status": "ok"})
	})
	app.Get("/readyz", a.ready)
	if a.d.Config.MetricsAddr == "" {
		// Without a separate metrics listener, /metrics needs a platform key.
		app.Get("/metrics", a.authenticate, a.requirePlatformKey, adaptor.HTTPHandler(a.MetricsHandler()))
	}
}

// MetricsHandler serves the registry in the Prometheus text format.
func (a *API) MetricsHandler() http.Handler {
	return promhttp.HandlerFor(a.d.Registry, promhttp.HandlerOpts{Registry: a.d.Registry})
}

func (a *API) requirePlatformKey(c *fiber.Ctx) error {
	if id := identityOf(c); id.Key == nil || !id.Key.Platform() {
		return apiErr(http.StatusForbidden, "forbidden", "/metrics needs a platform API key (or set SWITCHYARD_METRICS_ADDR)")
	}
	return c.Next()
}

// ready answers 200 when the database and every registered component
// answer, 503 naming the failures otherwise.
func (a *API) ready(c *fiber.Ctx) error {
	ctx, cancel := context.WithTimeout(c.UserContext(), 2*time.Second)
	defer cancel()
	checks := map[string]string{}
	ok := true
	if err := a.d.DB.Ping(ctx); err != nil {
		checks["database"], ok = err.Error(), false
	} else {
		checks["database"] = "ok"
	}
	for _, rc := range a.d.Ready {
		if err := rc.Check(ctx); err != nil {
			checks[rc.Name], ok = err.Error(), false
		} else {
			checks[rc.Name] = "ok"
		}
	}
	status := http.StatusOK
	state := "ready"
	if !ok {
		status, state = http.StatusServiceUnavailable, "unavailable"
	}
	return c.Status(status).JSON(fiber.Map{"status": state, "checks": checks})
}
