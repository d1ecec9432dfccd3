// Package api is the JSON API behind the site (`/api/v1/…`), for agents'
// tools and scripts: check an address, send a test code and follow what
// happens to it, read a wizard session or a stored report, the dashboard's
// figures and the rules catalogue. Every endpoint but the catalogue needs
// an agent: a browser session (with its CSRF token on POST) or an API
// token (`Authorization: Bearer …`, from `codeprobe users token`).
//
// Errors are JSON objects {"error": "…"} with a fitting status code.
package api

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/codeprobe/codeprobe/ratelimit"
	"github.com/codeprobe/codeprobe/rules"
	"github.com/codeprobe/codeprobe/store"
	"github.com/codeprobe/codeprobe/testcode"
	"github.com/codeprobe/codeprobe/ui/httpx"
	"github.com/codeprobe/codeprobe/ui/wizard"
)

// Sender sends a test code and waits for the receiving server's answer:
// *testcode.Dispatcher.
type Sender interface {
	Send(ctx context.Context, session, to string) (*testcode.Dispatched, error)
}

// Guard lets a request through as an agent, or answers it: the auth
// Manager's RequireAPI.
type Guard func(http.Handler) http.Handler

// Handler serves the API. Every field but Now and Logger is required.
type Handler struct {
	Require Guard
	Store   store.Store
	Checker wizard.Checker
	Sender  Sender
	Limits  wizard.Limiter
	// Agent answers the endpoints the console also serves as downloads:
	// /api/v1/wizard/{ref} and /api/v1/reports/{id}.
	Agent interface {
		RefExport(ctx context.Context, ref string) (any, error)
		ReportExport(ctx context.Context, id string) (any, error)
	}
	// Dashboard answers /api/v1/dashboard.
	Dashboard http.Handler
	// CheckTimeout bounds a check; SendTimeout a send. Zero means 30
	// seconds and 2 minutes.
	CheckTimeout, SendTimeout time.Duration
	Logger                    *slog.Logger
	// AgentName returns the signed-in agent of a request let through.
	AgentName func(*http.Request) string
}

func (h *Handler) log() *slog.Logger { return httpx.Logger(h.Logger) }

// Routes registers the API on mux.
func (h *Handler) Routes(mux *http.ServeMux) {
	mux.HandleFunc("GET /api/v1/rules", h.getRules)
	in := func(pattern string, fn http.HandlerFunc) { mux.Handle(pattern, h.Require(fn)) }
	in("GET /api/v1/check", h.getCheck)
	in("POST /api/v1/sends", h.postSend)
	in("GET /api/v1/sends/{token}", h.getSend)
	in("GET /api/v1/events", h.getEvents)
	in("GET /api/v1/wizard/{ref}", h.getWizard)
	in("GET /api/v1/reports/{id}", h.getReport)
	mux.Handle("GET /api/v1/dashboard", h.Require(h.Dashboard))
}

// CodeSession is the code session of a test send made by an agent (kind
// "agent") or an API caller ("api"): one per user and UTC day, so that the
// per-session cap on codes (testcode.DefaultMaxCodes) is a daily one.
func CodeSession(kind, user string, now time.Time) string {
	return kind + ":" + user + ":" + now.UTC().Format("2006-01-02")
}

func writeJSON(w http.ResponseWriter, code int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(code)
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.Encode(v)
}

func writeError(w http.ResponseWriter, code int, msg string) {
	writeJSON(w, code, map[string]string{"error": msg})
}

func (h *Handler) internal(w http.ResponseWriter, r *http.Request, err error) {
	h.log().Error("api", "path", r.URL.Path, "err", err)
	writeError(w, http.StatusInternalServerError, "internal error; see the server's log")
}

func (h *Handler) getRules(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, rules.All())
}

func (h *Handler) getCheck(w http.ResponseWriter, r *http.Request) {
	addr := strings.TrimSpace(r.URL.Query().Get("address"))
	if addr == "" || len(addr) > 320 {
		writeError(w, http.StatusBadRequest, "give the address to check: ?address=ann@example.com")
		return
	}
	d := h.CheckTimeout
	if d <= 0 {
		d = 30 * time.Second
	}
	ctx, cancel := context.WithTimeout(r.Context(), d)
	defer cancel()
	writeJSON(w, http.StatusOK, h.Checker.Check(ctx, addr))
}

// sendRequest is the body of POST /api/v1/sends.
type sendRequest struct {
	Address string `json:"address"`
}

// postSend sends a test code and answers when the receiving server has
// answered (or SendTimeout passed). The recipient's rate limits apply.
func (h *Handler) postSend(w http.ResponseWriter, r *http.Request) {
	var req sendRequest
	if err := json.NewDecoder(http.MaxBytesReader(w, r.Body, 4096)).Decode(&req); err != nil || req.Address == "" {
		writeError(w, http.StatusBadRequest, `send {"address": "ann@example.com"} as JSON`)
		return
	}
	addr, err := testcode.CanonicalAddress(req.Address)
	if err != nil {
		writeError(w, http.StatusUnprocessableEntity, "that is not a valid email address")
		return
	}
	d, err := h.Limits.Allow(r.Context(), ratelimit.RecipientKeys(addr)...)
	if err != nil {
		h.internal(w, r, err)
		return
	}
	if !d.OK {
		w.Header().Set("Retry-After", strconv.Itoa(max(1, int(d.RetryAfter().Seconds()+0.5))))
		writeJSON(w, http.StatusTooManyRequests, map[string]any{"error": "too many test codes to this recipient", "retry_at": d.RetryAt})
		return
	}
	// The answer waits for the receiving server.
	ctx, cancel := httpx.Waiting(w, r, h.SendTimeout)
	defer cancel()
	sent, err := h.Sender.Send(ctx, CodeSession("api", h.AgentName(r), time.Now()), addr)
	if errors.Is(err, testcode.ErrTooManyCodes) {
		writeError(w, http.StatusTooManyRequests, "this caller has sent today's most test codes to this address")
		return
	}
	if err != nil {
		h.internal(w, r, err)
		return
	}
	s, err := h.Store.Send(r.Context(), sent.Code.Token)
	if err != nil {
		h.internal(w, r, err)
		return
	}
	writeJSON(w, http.StatusCreated, s.Summary(nil))
}

func (h *Handler) getSend(w http.ResponseWriter, r *http.Request) {
	token := strings.ToLower(r.PathValue("token"))
	s, err := h.Store.Send(r.Context(), token)
	if errors.Is(err, store.ErrNotFound) || errors.Is(err, store.ErrInvalid) {
		writeError(w, http.StatusNotFound, "no send has that token")
		return
	}
	if err != nil {
		h.internal(w, r, err)
		return
	}
	rets, err := h.Store.ReturnsByToken(r.Context(), token, store.MaxLimit)
	if err != nil {
		h.internal(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, s.Summary(rets))
}

func (h *Handler) getEvents(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	f := store.Filter{Token: strings.ToLower(q.Get("token")), Address: q.Get("address")}
	if f.Token == "" && f.Address == "" {
		writeError(w, http.StatusBadRequest, "give ?address=… or ?token=…")
		return
	}
	if f.Address != "" {
		a, err := testcode.CanonicalAddress(f.Address)
		if err != nil {
			writeError(w, http.StatusBadRequest, "that is not a valid email address")
			return
		}
		f.Address = a
	}
	f.Limit, _ = strconv.Atoi(q.Get("limit"))
	evs, err := h.Store.Events(r.Context(), f)
	if err != nil {
		h.internal(w, r, err)
		return
	}
	out := make([]store.EventSummary, 0, len(evs))
	for _, e := range evs {
		out = append(out, e.Summary())
	}
	writeJSON(w, http.StatusOK, out)
}

func (h *Handler) export(w http.ResponseWriter, r *http.Request, v any, err error, what string) {
	switch {
	case errors.Is(err, store.ErrNotFound) || errors.Is(err, store.ErrInvalid):
		writeError(w, http.StatusNotFound, "no "+what+" has that name")
	case err != nil:
		h.internal(w, r, err)
	default:
		writeJSON(w, http.StatusOK, v)
	}
}

func (h *Handler) getWizard(w http.ResponseWriter, r *http.Request) {
	v, err := h.Agent.RefExport(r.Context(), r.PathValue("ref"))
	h.export(w, r, v, err, "wizard session")
}

func (h *Handler) getReport(w http.ResponseWriter, r *http.Request) {
	v, err := h.Agent.ReportExport(r.Context(), r.PathValue("id"))
	h.export(w, r, v, err, "report")
}
