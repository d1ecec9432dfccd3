// Package ui is codeprobe's web site (`codeprobe serve`): the self-help
// wizard for end users (package wizard), the agent console and the sender
// dashboard behind a login, the JSON API behind all three, /healthz and
// /metrics. Pages are rendered on the server with templ and work without
// JavaScript; assets are embedded (package static).
package ui

import (
	"context"
	"log/slog"
	"net/http"
	"net/netip"
	"strconv"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/codeprobe/codeprobe/ratelimit"
	"github.com/codeprobe/codeprobe/store"
	"github.com/codeprobe/codeprobe/ui/agent"
	"github.com/codeprobe/codeprobe/ui/api"
	"github.com/codeprobe/codeprobe/ui/auth"
	"github.com/codeprobe/codeprobe/ui/charts"
	"github.com/codeprobe/codeprobe/ui/dashboard"
	"github.com/codeprobe/codeprobe/ui/httpx"
	"github.com/codeprobe/codeprobe/ui/static"
	"github.com/codeprobe/codeprobe/ui/wizard"
)

var addChartCSS sync.Once

// Server is the web site; [New] assembles one. Store, Wizard and Agent
// are required.
type Server struct {
	Store store.Store
	// Auth signs agents in; Limits holds the rate limits. The server
	// itself does not use them: they are here for the caller (adding
	// accounts, pruning).
	Auth   *auth.Manager
	Limits *ratelimit.Limiter
	Wizard *wizard.Handler
	Agent  *agent.Handler
	// Dashboard and API are optional: nil leaves their routes out.
	Dashboard *dashboard.Handler
	API       *api.Handler
	// HSTS sends Strict-Transport-Security (the site is behind HTTPS).
	HSTS bool
	// ClientIP gives a request's client address (behind a proxy, from its
	// header); nil means the connection's. /metrics answers loopback
	// clients only, unless PublicMetrics.
	ClientIP      func(*http.Request) netip.Addr
	PublicMetrics bool
	// Registry collects /metrics; nil means a registry of the server's
	// own (with Go and process collectors).
	Registry *prometheus.Registry
	Logger   *slog.Logger

	once    sync.Once
	handler http.Handler
}

func (s *Server) log() *slog.Logger {
	if s.Logger != nil {
		return s.Logger
	}
	return slog.New(slog.DiscardHandler)
}

// ServeHTTP serves the site.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s.once.Do(s.build)
	s.handler.ServeHTTP(w, r)
}

func (s *Server) build() {
	addChartCSS.Do(func() { static.Append("site.css", charts.CSS) })
	reg := s.Registry
	if reg == nil {
		reg = prometheus.NewRegistry()
		reg.MustRegister(prometheus.NewGoCollector(), prometheus.NewProcessCollector(prometheus.ProcessCollectorOpts{}))
	}
	durations := prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name: "codeprobe_http_request_duration_seconds", Help: "Time to serve a request, by route and status.",
		Buckets: []float64{.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 10},
	}, []string{"route", "code"})
	reg.MustRegister(durations)

	mux := http.NewServeMux()
	mux.Handle("GET /static/", static.Handler())
	mux.HandleFunc("GET /healthz", s.healthz)
	metrics := promhttp.HandlerFor(reg, promhttp.HandlerOpts{})
	mux.HandleFunc("GET /metrics", func(w http.ResponseWriter, r *http.Request) {
		if !s.PublicMetrics && !httpx.ClientIP(r, s.ClientIP).IsLoopback() {
			http.NotFound(w, r) // scrape from the machine, or with --metrics-public
			return
		}
		metrics.ServeHTTP(w, r)
	})
	s.Wizard.Routes(mux)
	s.Agent.Routes(mux)
	if s.Dashboard != nil {
		s.Dashboard.Routes(mux)
	}
	if s.API != nil {
		s.API.Routes(mux)
	}

	observe := func(route string, code int, d time.Duration) {
		if route == "" {
			route = "unmatched"
		}
		durations.WithLabelValues(route, strconv.Itoa(code)).Observe(d.Seconds())
	}
	s.handler = logRequests(secureHeaders(compress(limitBodies(mux)), s.HSTS), s.log(), observe)
}

// healthz answers 200 when the store answers, 503 otherwise.
func (s *Server) healthz(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
	defer cancel()
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	if _, err := s.Store.Users(ctx); err != nil {
		s.log().Warn("health check", "err", err)
		w.WriteHeader(http.StatusServiceUnavailable)
		w.Write([]byte("store unavailable\n"))
		return
	}
	w.Write([]byte("ok\n"))
}

// Wait waits for background work (test sends) to finish.
func (s *Server) Wait() { s.Wizard.Wait() }
