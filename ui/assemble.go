package ui

import (
	"log/slog"
	"net/http"
	"net/netip"
	"time"

	"github.com/codeprobe/codeprobe/diagnose"
	"github.com/codeprobe/codeprobe/ratelimit"
	"github.com/codeprobe/codeprobe/store"
	"github.com/codeprobe/codeprobe/testcode"
	"github.com/codeprobe/codeprobe/ui/agent"
	"github.com/codeprobe/codeprobe/ui/api"
	"github.com/codeprobe/codeprobe/ui/auth"
	"github.com/codeprobe/codeprobe/ui/dashboard"
	"github.com/codeprobe/codeprobe/ui/wizard"
)

// Config is what [New] makes the site from. Store, Checker and Sender are
// required; zero fields take the defaults of the parts.
type Config struct {
	Store   store.Store
	Checker *diagnose.Checker
	// Sender sends test codes; its Issuer checks the codes users type.
	Sender *testcode.Dispatcher
	// FromDomain is our sending domain, whose health the dashboard shows;
	// "" shows none.
	FromDomain string
	// SecureCookies marks cookies Secure (the site is reached over
	// HTTPS); HSTS sends Strict-Transport-Security.
	SecureCookies, HSTS bool
	// ClientIP gives a request's client address; nil means the
	// connection's.
	ClientIP func(*http.Request) netip.Addr
	// PublicMetrics serves /metrics to any client, not only to loopback.
	PublicMetrics bool
	// Issuer names the authenticator test enrolment.
	Issuer string
	// CheckTimeout bounds an address check.
	CheckTimeout time.Duration
	// AlertBelow is the dashboard's inbox-rate threshold.
	AlertBelow float64
	Demo       bool
	// Now is the clock of sessions, limits and pages; nil means time.Now.
	// The store's clock should be the same.
	Now    func() time.Time
	Logger *slog.Logger
}

// New assembles the site: the rate limits (persisted in the store), the
// agents' login, the wizard, the console, the dashboard and the API.
func New(c Config) (*Server, error) {
	limits, err := ratelimit.New(c.Store, ratelimit.DefaultLimits(), &ratelimit.Options{Now: c.Now})
	if err != nil {
		return nil, err
	}
	throttle, err := limits.Throttle(ratelimit.LoginIP)
	if err != nil {
		return nil, err
	}
	am, err := auth.New(c.Store, &auth.Options{Now: c.Now, Secure: c.SecureCookies, Throttle: throttle, Logger: c.Logger})
	if err != nil {
		return nil, err
	}
	wz := &wizard.Handler{Store: c.Store, Checker: c.Checker, Sender: c.Sender, Codes: c.Sender.Issuer, Limits: limits,
		CheckTimeout: c.CheckTimeout, ClientIP: c.ClientIP, SecureCookies: c.SecureCookies, Demo: c.Demo,
		Issuer: c.Issuer, Now: c.Now, Logger: c.Logger}
	ag := &agent.Handler{Auth: am, Store: c.Store, Reports: c.Store, Checker: c.Checker, Sender: c.Sender, Limits: limits,
		ClientIP: c.ClientIP, Demo: c.Demo, Now: c.Now, Logger: c.Logger}
	db := &dashboard.Handler{Auth: am, Source: c.Store, Sender: c.Checker, FromDomain: c.FromDomain,
		AlertBelow: c.AlertBelow, Demo: c.Demo, Now: c.Now, Logger: c.Logger}
	ap := &api.Handler{Require: am.RequireAPI, Store: c.Store, Checker: c.Checker, Sender: c.Sender, Limits: limits,
		Agent: ag, Dashboard: http.HandlerFunc(db.ServeJSON), CheckTimeout: c.CheckTimeout, Logger: c.Logger,
		AgentName: func(r *http.Request) string {
			s, _ := auth.FromContext(r.Context())
			return s.User
		}}
	return &Server{Store: c.Store, Auth: am, Limits: limits, Wizard: wz, Agent: ag, Dashboard: db, API: ap,
		HSTS: c.HSTS, ClientIP: c.ClientIP, PublicMetrics: c.PublicMetrics, Logger: c.Logger}, nil
}
