package seeds

import (
	"net/http"
	"strings"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// Metrics are the seed runs' Prometheus metrics. Labels are seed names,
// provider IDs, folder roles and verdict words: never an address, a token
// or a credential.
type Metrics struct {
	reg        *prometheus.Registry
	placements *prometheus.CounterVec
	latency    *prometheus.HistogramVec
	auth       *prometheus.CounterVec
	errors     *prometheus.CounterVec
	lastRun    *prometheus.GaugeVec
}

// NewMetrics makes the metrics, in a registry of their own with the Go
// and process collectors.
func NewMetrics() *Metrics {
	m := &Metrics{
		reg: prometheus.NewRegistry(),
		placements: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: "codeprobe", Subsystem: "seed", Name: "placements_total",
			Help: "Test codes found in seed mailboxes, by provider, seed and placement (inbox, junk, other, missing, error).",
		}, []string{"provider", "seed", "placement"}),
		latency: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Namespace: "codeprobe", Subsystem: "seed", Name: "delivery_latency_seconds",
			Help:    "Time from sending a test code to the seed probe seeing it in the mailbox, by provider.",
			Buckets: []float64{1, 2, 5, 10, 20, 30, 60, 120, 300, 600},
		}, []string{"provider"}),
		auth: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: "codeprobe", Subsystem: "seed", Name: "receiver_auth_total",
			Help: "The receiving provider's verdicts on our test codes (Authentication-Results), by method and result.",
		}, []string{"provider", "method", "result"}),
		errors: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: "codeprobe", Subsystem: "seed", Name: "probe_errors_total",
			Help: "Seed probes that failed, by provider and stage (send, imap).",
		}, []string{"provider", "stage"}),
		lastRun: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Namespace: "codeprobe", Subsystem: "seed", Name: "last_run_timestamp_seconds",
			Help: "When each seed was last probed.",
		}, []string{"seed"}),
	}
	m.reg.MustRegister(m.placements, m.latency, m.auth, m.errors, m.lastRun,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return m
}

// Handler serves the metrics in the Prometheus exposition format.
func (m *Metrics) Handler() http.Handler {
	return promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{Registry: m.reg})
}

// Registry is where the metrics are registered, for a server that serves
// more.
func (m *Metrics) Registry() *prometheus.Registry { return m.reg }

// Observe counts one seed's result; a nil Metrics observes nothing.
func (m *Metrics) Observe(r *Result) {
	if m == nil {
		return
	}
	provider := r.Provider
	if provider == "" {
		provider = "unknown"
	}
	m.placements.WithLabelValues(provider, r.Seed, string(r.Placement)).Inc()
	m.lastRun.WithLabelValues(r.Seed).Set(float64(r.Sent.Unix()))
	switch {
	case r.Placement == Error && r.Token == "" || r.Placement == Error && r.SendStatus != "accepted":
		m.errors.WithLabelValues(provider, "send").Inc()
	case r.Placement == Error:
		m.errors.WithLabelValues(provider, "imap").Inc()
	}
	if !r.Seen.IsZero() {
		m.latency.WithLabelValues(provider).Observe(max(r.Latency.Seconds(), 0))
	}
	if v := r.Receiver; v != nil {
		for _, mr := range []struct{ method, result string }{
			{"spf", v.Auth.SPF.Result}, {"dmarc", v.Auth.DMARC.Result}, {"arc", v.Auth.ARC.Result},
		} {
			if mr.result != "" {
				m.auth.WithLabelValues(provider, mr.method, label(mr.result)).Inc()
			}
		}
		for _, d := range v.Auth.DKIM {
			m.auth.WithLabelValues(provider, "dkim", label(d.Result)).Inc()
		}
	}
}

// verdicts are the results of RFC 8601 §2.7 (and Microsoft's
// bestguesspass) that become label values; any other word is "other", so
// that a header cannot grow the label space.
var verdicts = map[string]bool{
	"pass": true, "fail": true, "softfail": true, "neutral": true, "none": true, "temperror": true,
	"permerror": true, "policy": true, "hardfail": true, "bestguesspass": true,
}

func label(s string) string {
	s = strings.ToLower(s)
	if verdicts[s] {
		return s
	}
	return "other"
}
