// Package agent is the agent console (`/agent`), behind login: look up an
// address, a phone number or a wizard reference code; run the full check;
// send a test code; see every send with its transcript, the returns with
// their classification, the seed placement at the provider, and the likely
// causes ranked with a reply to paste into the ticket. Each check is kept
// as a report with a permanent link and a JSON export.
package agent

import (
	"context"
	"log/slog"
	"net/http"
	"net/netip"
	"time"

	"github.com/a-h/templ"

	"github.com/codeprobe/codeprobe/store"
	"github.com/codeprobe/codeprobe/ui/auth"
	"github.com/codeprobe/codeprobe/ui/httpx"
	"github.com/codeprobe/codeprobe/ui/layout"
	"github.com/codeprobe/codeprobe/ui/wizard"
)

// ReportStore keeps the agents' reports; *store.SQLite implements it.
type ReportStore interface {
	PutReport(ctx context.Context, r *store.Report) error
	Report(ctx context.Context, id string) (*store.Report, error)
	ReportsByAddress(ctx context.Context, address string, limit int) ([]*store.Report, error)
}

// Handler serves the agent console. Every field but Demo, Now and Logger
// is required.
type Handler struct {
	Auth    *auth.Manager
	Store   store.Store
	Reports ReportStore
	Checker wizard.Checker
	Sender  wizard.Sender
	Limits  wizard.Limiter
	// CheckTimeout bounds a full check; 0 means 30 seconds.
	CheckTimeout time.Duration
	// SendTimeout bounds a test send in the background; 0 means 2 minutes.
	SendTimeout time.Duration
	// ClientIP gives the client's address (behind a proxy, from its
	// header) for the login throttle; nil means the connection's.
	ClientIP func(*http.Request) netip.Addr
	Demo     bool
	Now      func() time.Time
	Logger   *slog.Logger
}

func (h *Handler) now() time.Time { return httpx.Now(h.Now) }

func (h *Handler) log() *slog.Logger { return httpx.Logger(h.Logger) }

// Routes registers the console on mux. Every page but the login page is
// behind [auth.Manager.Require].
func (h *Handler) Routes(mux *http.ServeMux) {
	mux.HandleFunc("GET /agent/login", h.getLogin)
	mux.HandleFunc("POST /agent/login", h.postLogin)
	in := func(pattern string, fn http.HandlerFunc) { mux.Handle(pattern, h.Auth.Require(fn)) }
	in("POST /agent/logout", h.postLogout)
	in("GET /agent", h.getLookup)
	in("GET /agent/address/{address}", h.getAddress)
	in("POST /agent/address/{address}/check", h.postCheck)
	in("POST /agent/address/{address}/send", h.postSend)
	in("GET /agent/reports/{id}", h.getReport)
	in("GET /agent/reports/{id}/json", h.getReportJSON)
	in("GET /agent/ref/{ref}", h.getRef)
	in("GET /agent/ref/{ref}/json", h.getRefJSON)
	in("GET /agent/returns/{id}", h.getReturn)
}

func (h *Handler) page(r *http.Request, title, back string) layout.Page {
	p := layout.Page{Title: title, Back: back, Section: "agent", Demo: h.Demo}
	if s, ok := auth.FromContext(r.Context()); ok {
		p.User, p.CSRF = s.User, auth.CSRFToken(s)
	}
	return p
}

func (h *Handler) render(w http.ResponseWriter, r *http.Request, code int, c templ.Component) {
	if err := httpx.Render(w, r, code, c); err != nil {
		h.log().Warn("rendering an agent page", "path", r.URL.Path, "err", err)
	}
}

func (h *Handler) fail(w http.ResponseWriter, r *http.Request, err error) {
	h.log().Error("agent console", "path", r.URL.Path, "err", err)
	h.render(w, r, http.StatusInternalServerError, messagePage(h.page(r, "Something went wrong", "/agent"),
		"Something went wrong", "The console could not finish this request. The error is in the server's log."))
}

func (h *Handler) notFound(w http.ResponseWriter, r *http.Request, what string) {
	h.render(w, r, http.StatusNotFound, messagePage(h.page(r, "Not found", "/agent"), "Not found", what))
}
