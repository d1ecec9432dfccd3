// Package wizard is the self-help wizard for end users (`/`): one question
// per page, after the GOV.UK Design System's question pages, for codes
// expected by email, from an authenticator app or by text message. Every
// step a machine can check is checked (the address, its domain, a real
// test code, the phone's clock, the number's type) instead of asked.
//
// Every page works without JavaScript; the status page of a test send is
// refreshed by a small script when scripts run. The wizard's state lives
// on the server (store.WizardSession), found by an HttpOnly cookie; its
// reference code opens it in the agent console, never in a browser.
package wizard

import (
	"context"
	"log/slog"
	"net/http"
	"net/netip"
	"strings"
	"sync"
	"time"

	"github.com/a-h/templ"

	"github.com/codeprobe/codeprobe/diagnose"
	"github.com/codeprobe/codeprobe/ratelimit"
	"github.com/codeprobe/codeprobe/store"
	"github.com/codeprobe/codeprobe/testcode"
	"github.com/codeprobe/codeprobe/ui/httpx"
	"github.com/codeprobe/codeprobe/ui/layout"
)

// Checker checks an address: *diagnose.Checker.
type Checker interface {
	Check(ctx context.Context, address string) *diagnose.Report
}

// Sender sends a test code: *testcode.Dispatcher.
type Sender interface {
	Send(ctx context.Context, session, to string) (*testcode.Dispatched, error)
}

// CodeChecker says what a typed code is: *testcode.Issuer.
type CodeChecker interface {
	Check(ctx context.Context, sessionID, addr, typed string) (testcode.Verdict, error)
}

// Limiter rate-limits test sends: *ratelimit.Limiter.
type Limiter interface {
	Allow(ctx context.Context, keys ...ratelimit.Key) (ratelimit.Decision, error)
	Peek(ctx context.Context, keys ...ratelimit.Key) (ratelimit.Decision, error)
}

// Handler serves the wizard. Store, Checker, Sender, Codes and Limits are
// required.
type Handler struct {
	Store   store.Store
	Checker Checker
	Sender  Sender
	Codes   CodeChecker
	Limits  Limiter
	// SendTimeout bounds one test send in the background; 0 means 2
	// minutes.
	SendTimeout time.Duration
	// CheckTimeout bounds the address check a page waits for; 0 means 15
	// seconds.
	CheckTimeout time.Duration
	// ClientIP gives the client's address (behind a proxy, from its
	// header); nil means the connection's address.
	ClientIP func(*http.Request) netip.Addr
	// CrossOrigin decides which cross-origin form posts to refuse; nil
	// means net/http's default, which trusts only this host.
	CrossOrigin *http.CrossOriginProtection
	// SecureCookies marks cookies Secure (the site is served over HTTPS).
	SecureCookies bool
	// Demo marks pages as running on the demo world.
	Demo bool
	// Issuer names the service in the authenticator test enrolment.
	Issuer     string
	Now        func() time.Time
	Logger     *slog.Logger
	sends      httpx.Background // the test sends under way
	failures   sync.Map         // code session → sendFailure
	originOnce sync.Once
}

func (h *Handler) now() time.Time { return httpx.Now(h.Now) }

func (h *Handler) log() *slog.Logger { return httpx.Logger(h.Logger) }

// Routes registers the wizard's pages on mux.
func (h *Handler) Routes(mux *http.ServeMux) {
	mux.HandleFunc("GET /{$}", h.getStart)
	mux.HandleFunc("POST /{$}", h.postStart)
	mux.HandleFunc("GET /help/locked", h.getHelp("locked"))
	mux.HandleFunc("GET /help/unrequested", h.getHelp("unrequested"))
	mux.HandleFunc("GET /done", h.withSession(h.getDone))

	mux.HandleFunc("GET /email", h.withSession(h.getEmail))
	mux.HandleFunc("POST /email", h.withSession(h.postEmail))
	mux.HandleFunc("GET /email/suggestion", h.withSession(h.getSuggestion))
	mux.HandleFunc("POST /email/suggestion", h.withSession(h.postSuggestion))
	mux.HandleFunc("GET /email/result", h.withSession(h.getEmailResult))
	mux.HandleFunc("POST /email/send", h.withSession(h.postSend))
	mux.HandleFunc("GET /email/status", h.withSession(h.getStatus))
	mux.HandleFunc("GET /email/status.json", h.withSession(h.getStatusJSON))
	mux.HandleFunc("POST /email/code", h.withSession(h.postCode))
	mux.HandleFunc("GET /email/checklist", h.withSession(h.getChecklist))

	mux.HandleFunc("GET /app", h.withSession(h.getApp))
	mux.HandleFunc("POST /app", h.withSession(h.postApp))
	mux.HandleFunc("GET /app/qr.png", h.withSession(h.getAppQR))
	mux.HandleFunc("GET /app/result", h.withSession(h.getAppResult))

	mux.HandleFunc("GET /sms", h.withSession(h.getSMS))
	mux.HandleFunc("POST /sms", h.withSession(h.postSMS))
	mux.HandleFunc("GET /sms/result", h.withSession(h.getSMSResult))
}

// withSession loads the wizard session; without one a GET goes back to
// the start, and a POST is refused. A POST must carry the session's form
// token and come from this site.
func (h *Handler) withSession(fn func(http.ResponseWriter, *http.Request, *session)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		s, err := h.load(r)
		if err != nil {
			h.fail(w, r, err)
			return
		}
		if s == nil {
			if strings.HasSuffix(r.URL.Path, ".json") {
				w.Header().Set("Content-Type", "application/json")
				w.WriteHeader(http.StatusNotFound)
				w.Write([]byte(`{"error":"no wizard session"}` + "\n"))
				return
			}
			if r.Method == http.MethodGet || r.Method == http.MethodHead {
				http.Redirect(w, r, "/", http.StatusSeeOther)
				return
			}
			h.expired(w, r)
			return
		}
		if r.Method == http.MethodPost && (!h.sameSite(r) || !s.checkCSRF(r)) {
			h.forbidden(w, r)
			return
		}
		fn(w, r, s)
	}
}

// sameSite refuses requests a browser marks as sent by another site
// (Fetch Metadata), or whose Origin is not this host nor a trusted one,
// as the console's forms do (net/http.CrossOriginProtection).
func (h *Handler) sameSite(r *http.Request) bool {
	h.originOnce.Do(func() {
		if h.CrossOrigin == nil {
			h.CrossOrigin = http.NewCrossOriginProtection()
		}
	})
	return h.CrossOrigin.Check(r) == nil
}

func (h *Handler) page(s *session, title, back string) layout.Page {
	p := layout.Page{Title: title, Back: back, Section: "wizard", Demo: h.Demo}
	if s != nil {
		p.Ref = s.ref
	}
	return p
}

// render writes a page with status code.
func (h *Handler) render(w http.ResponseWriter, r *http.Request, code int, c templ.Component) {
	if err := httpx.Render(w, r, code, c); err != nil {
		h.log().Warn("rendering a wizard page", "path", r.URL.Path, "err", err)
	}
}

func (h *Handler) fail(w http.ResponseWriter, r *http.Request, err error) {
	h.log().Error("wizard", "path", r.URL.Path, "err", err)
	h.render(w, r, http.StatusInternalServerError, problemPage(h.page(nil, "Sorry, there is a problem", "/"),
		"Sorry, there is a problem with this service", "Try again in a few minutes."))
}

func (h *Handler) expired(w http.ResponseWriter, r *http.Request) {
	h.render(w, r, http.StatusBadRequest, problemPage(h.page(nil, "Your session has ended", ""),
		"Your session has ended", "We couldn't find your answers: they are kept for 7 days, and this browser may have cleared its cookies. Start again: it only takes a minute."))
}

func (h *Handler) forbidden(w http.ResponseWriter, r *http.Request) {
	h.render(w, r, http.StatusForbidden, problemPage(h.page(nil, "That form has expired", ""),
		"That form has expired", "Go back, reload the page and try again."))
}

// redirect answers a POST with 303 See Other, so reloading the next page
// does not post again.
func redirect(w http.ResponseWriter, r *http.Request, to string) {
	http.Redirect(w, r, to, http.StatusSeeOther)
}

func (h *Handler) saveAndGo(w http.ResponseWriter, r *http.Request, s *session, to string) {
	if err := h.save(r.Context(), s); err != nil {
		h.fail(w, r, err)
		return
	}
	redirect(w, r, to)
}
