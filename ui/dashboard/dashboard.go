// Package dashboard is the sender dashboard (`/dashboard`, behind the
// agent login): where our codes land at each mailbox provider over time,
// how long they take (percentiles), the receivers' SPF, DKIM and DMARC
// verdicts, our sending domain's own health, and recent bounces and
// challenges by reason. Charts are SVG rendered on the server (package
// charts), each with its numbers in a table.
package dashboard

import (
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/codeprobe/codeprobe/diagnose"
	"github.com/codeprobe/codeprobe/rules"
	"github.com/codeprobe/codeprobe/ui/auth"
	"github.com/codeprobe/codeprobe/ui/httpx"
	"github.com/codeprobe/codeprobe/ui/layout"
)

// SenderChecker checks our own sending domain: *diagnose.Checker.
type SenderChecker interface {
	CheckSender(ctx context.Context, domain string) *diagnose.SenderReport
}

// Handler serves the dashboard. Auth and Source are required.
type Handler struct {
	Auth   *auth.Manager
	Source PlacementSource
	// Sender and FromDomain check our sending domain's SPF, DKIM and
	// DMARC on each view; a zero FromDomain skips it.
	Sender     SenderChecker
	FromDomain string
	// AlertBelow is the inbox rate under which a provider is flagged
	// (and the seed watcher alerts); 0 means 0.8.
	AlertBelow float64
	Demo       bool
	Now        func() time.Time
	Logger     *slog.Logger

	mu          sync.Mutex
	senderUntil time.Time // when senderCache goes stale
	senderCache *diagnose.SenderReport
}

// senderTTL is how long a check of our sending domain is shown before it
// is run again: DNS records change slowly, and the check takes seconds.
const senderTTL = 5 * time.Minute

// sender returns the check of our sending domain, at most senderTTL old
// (a check that found DNS trouble is kept a minute only). One check runs
// at a time; it does not end with the request that started it, so a
// client that goes away does not leave a failed check in the cache.
func (h *Handler) sender(ctx context.Context) *diagnose.SenderReport {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.senderCache != nil && h.now().Before(h.senderUntil) {
		return h.senderCache
	}
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
	defer cancel()
	rep := h.Sender.CheckSender(ctx, h.FromDomain)
	ttl := senderTTL
	if diagnose.Worst(rep.Findings) == rules.Inconclusive {
		ttl = time.Minute
	}
	h.senderCache, h.senderUntil = rep, h.now().Add(ttl)
	return rep
}

func (h *Handler) now() time.Time { return httpx.Now(h.Now) }

func (h *Handler) log() *slog.Logger { return httpx.Logger(h.Logger) }

// Routes registers the dashboard on mux, behind the login.
func (h *Handler) Routes(mux *http.ServeMux) {
	mux.Handle("GET /dashboard", h.Auth.Require(http.HandlerFunc(h.get)))
	mux.Handle("GET /dashboard/json", h.Auth.Require(http.HandlerFunc(h.ServeJSON)))
}

// periods are the choices of the period, with their bucket widths.
var periods = []struct {
	days  int
	width time.Duration
	label string
}{{1, time.Hour, "Last day"}, {7, 6 * time.Hour, "Last 7 days"}, {30, 24 * time.Hour, "Last 30 days"}}

func period(r *http.Request) (int, time.Duration) {
	days, _ := strconv.Atoi(r.URL.Query().Get("days"))
	for _, p := range periods {
		if p.days == days {
			return p.days, p.width
		}
	}
	return 7, 6 * time.Hour
}

// View is the dashboard's data and the sender check.
type View struct {
	*Data
	Days       int                    `json:"days"`
	FromDomain string                 `json:"from_domain,omitempty"`
	Sender     *diagnose.SenderReport `json:"sender,omitempty"`
}

func (h *Handler) view(r *http.Request) (*View, error) {
	days, width := period(r)
	until := h.now().UTC()
	since := until.Add(-time.Duration(days) * 24 * time.Hour).Truncate(width)
	alert := h.AlertBelow
	if alert <= 0 {
		alert = 0.8
	}
	d, err := Build(r.Context(), h.Source, since, until, width, alert)
	if err != nil {
		return nil, err
	}
	v := &View{Data: d, Days: days, FromDomain: h.FromDomain}
	if h.Sender != nil && h.FromDomain != "" {
		v.Sender = h.sender(r.Context())
	}
	return v, nil
}

func (h *Handler) get(w http.ResponseWriter, r *http.Request) {
	v, err := h.view(r)
	if err != nil {
		h.log().Error("dashboard", "err", err)
		http.Error(w, "The dashboard could not be read; the error is in the server's log.", http.StatusInternalServerError)
		return
	}
	p := layout.Page{Title: "Sender dashboard", Section: "dashboard", Demo: h.Demo}
	if s, ok := auth.FromContext(r.Context()); ok {
		p.User, p.CSRF = s.User, auth.CSRFToken(s)
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	if err := page(p, v).Render(r.Context(), w); err != nil {
		h.log().Warn("rendering the dashboard", "err", err)
	}
}

// ServeJSON answers with the dashboard's figures as JSON (the caller has
// checked the agent), for ?days=1, 7 or 30.
func (h *Handler) ServeJSON(w http.ResponseWriter, r *http.Request) {
	v, err := h.view(r)
	if err != nil {
		h.log().Error("dashboard", "err", err)
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusInternalServerError)
		w.Write([]byte(`{"error":"the dashboard could not be read"}` + "\n"))
		return
	}
	w.Header().Set("Content-Type", "application/json")
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.Encode(v)
}
