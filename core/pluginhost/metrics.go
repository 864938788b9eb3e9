package pluginhost

import "github.com/prometheus/client_golang/prometheus"

// metrics are the host's Prometheus series. Labels name plugins and
// reasons, never tenants.
type metrics struct {
	accepted *prometheus.CounterVec // plugin
	dropped  *prometheus.CounterVec // plugin, reason
	restarts *prometheus.CounterVec // plugin
	status   *prometheus.GaugeVec   // plugin, version, status
	calls    *prometheus.HistogramVec
}

func newMetrics(reg prometheus.Registerer) *metrics {
	m := &metrics{
		accepted: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: "switchyard", Subsystem: "plugin", Name: "events_accepted_total",
			Help: "Events plugins emitted that the host accepted and journaled.",
		}, []string{"plugin"}),
		dropped: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: "switchyard", Subsystem: "plugin", Name: "events_dropped_total",
			Help: "Events plugins emitted that the host dropped, by reason (not_installed, undeclared_type, too_large, invalid, rate_limited, unavailable).",
		}, []string{"plugin", "reason"}),
		restarts: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: "switchyard", Subsystem: "plugin", Name: "restarts_total",
			Help: "Plugin processes restarted after they exited or hung.",
		}, []string{"plugin"}),
		status: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Namespace: "switchyard", Subsystem: "plugin", Name: "status",
			Help: "1 for the current status of each plugin process.",
		}, []string{"plugin", "version", "status"}),
		calls: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Namespace: "switchyard", Subsystem: "plugin", Name: "call_seconds",
			Help:    "Calls into plugins, by plugin, method and result code.",
			Buckets: []float64{.0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 30},
		}, []string{"plugin", "method", "code"}),
	}
	if reg != nil {
		reg.MustRegister(m.accepted, m.dropped, m.restarts, m.status, m.calls)
	}
	return m
}
