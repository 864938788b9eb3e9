package hub

import (
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// Metrics are the hub's Prometheus series. Labels never carry tenant
// values: per-organization socket counts are in the admin API instead.
type Metrics struct {
	connections prometheus.Gauge
	in          prometheus.Counter
	out         prometheus.Counter
	dropped     *prometheus.CounterVec
	fanoutDur   prometheus.Histogram
	eventAge    prometheus.Histogram
}

// NewMetrics registers the hub's series on reg (nil: not registered).
func NewMetrics(reg prometheus.Registerer) *Metrics {
	m := &Metrics{
		connections: prometheus.NewGauge(prometheus.GaugeOpts{Namespace: "switchyard", Subsystem: "ws", Name: "connections",
			Help: "Open WebSocket connections on this replica."}),
		in: prometheus.NewCounter(prometheus.CounterOpts{Namespace: "switchyard", Subsystem: "ws", Name: "messages_in_total",
			Help: "Messages received from clients."}),
		out: prometheus.NewCounter(prometheus.CounterOpts{Namespace: "switchyard", Subsystem: "ws", Name: "messages_out_total",
			Help: "Event frames queued to clients."}),
		dropped: prometheus.NewCounterVec(prometheus.CounterOpts{Namespace: "switchyard", Subsystem: "ws", Name: "dropped_total",
			Help: "Connections and messages refused or cut, by reason."}, []string{"reason"}),
		fanoutDur: prometheus.NewHistogram(prometheus.HistogramOpts{Namespace: "switchyard", Subsystem: "ws", Name: "fanout_seconds",
			Help:    "Time to queue one event to every matching connection of its organization.",
			Buckets: []float64{.00001, .00005, .0001, .0005, .001, .005, .01, .05}}),
		eventAge: prometheus.NewHistogram(prometheus.HistogramOpts{Namespace: "switchyard", Subsystem: "ws", Name: "event_age_at_fanout_seconds",
			Help:    "Time from an event's acceptance to its fan-out (journal commit included).",
			Buckets: []float64{.0005, .001, .0025, .005, .01, .025, .05, .1, .25, 1}}),
	}
	if reg != nil {
		reg.MustRegister(m.connections, m.in, m.out, m.dropped, m.fanoutDur, m.eventAge)
	}
	return m
}

func (m *Metrics) fanout(start, accepted time.Time, delivered int) {
	m.out.Add(float64(delivered))
	now := time.Now()
	m.fanoutDur.Observe(now.Sub(start).Seconds())
	m.eventAge.Observe(now.Sub(accepted).Seconds())
}

// Refused counts a connection refused before it joined (reason: a short,
// fixed phrase, never a tenant value).
func (h *Hub) Refused(reason string) {
	h.d.Metrics.dropped.WithLabelValues("refused: " + reason).Inc()
}
