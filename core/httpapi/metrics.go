package httpapi

import (
	"strconv"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/prometheus/client_golang/prometheus"
)

// httpMetrics counts requests by route template and status. Labels never
// hold a tenant's slug or an ID: route templates only.
type httpMetrics struct {
	requests *prometheus.CounterVec
	latency  *prometheus.HistogramVec
	inflight prometheus.Gauge
}

func newHTTPMetrics(reg prometheus.Registerer) *httpMetrics {
	m := &httpMetrics{
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: "switchyard", Subsystem: "http", Name: "requests_total",
			Help: "HTTP requests by method, route template and status.",
		}, []string{"method", "route", "status"}),
		latency: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Namespace: "switchyard", Subsystem: "http", Name: "request_duration_seconds",
			Help:    "HTTP request latency by method and route template.",
			Buckets: []float64{.0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5},
		}, []string{"method", "route"}),
		inflight: prometheus.NewGauge(prometheus.GaugeOpts{
			Namespace: "switchyard", Subsystem: "http", Name: "requests_in_flight",
			Help: "HTTP requests being served.",
		}),
	}
	reg.MustRegister(m.requests, m.latency, m.inflight)
	return m
}

func (m *httpMetrics) middleware(c *fiber.Ctx) error {
	start := time.Now()
	m.inflight.Inc()
	err := c.Next()
	m.inflight.Dec()
	status := c.Response().StatusCode()
	if err != nil {
		if ae := toAPIError(err); ae != nil {
			status = ae.Status
		} else {
			status = 500
		}
	}
	route := routePath(c)
	method := knownMethod(c.Method())
	m.requests.WithLabelValues(method, route, strconv.Itoa(status)).Inc()
	m.latency.WithLabelValues(method, route).Observe(time.Since(start).Seconds())
	return err
}

// knownMethod returns a constant copy of a standard method name (Fiber's
// string points into a reused buffer, and a label value outlives the
// request) or "OTHER".
func knownMethod(m string) string {
	for _, k := range []string{"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"} {
		if m == k {
			return k
		}
	}
	return "OTHER"
}
