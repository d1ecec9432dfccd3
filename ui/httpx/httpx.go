// Package httpx holds the small HTTP helpers the site's handlers share:
// writing a rendered page, finding the client's address, and running
// test sends in the background so that a page answers at once.
package httpx

import (
	"context"
	"log/slog"
	"net/http"
	"net/netip"
	"sync"
	"time"

	"github.com/a-h/templ"
)

// Render writes a page with the status code; pages are personal, so they
// are never cached. It returns the error of rendering, after the header
// is written.
func Render(w http.ResponseWriter, r *http.Request, code int, c templ.Component) error {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(code)
	return c.Render(r.Context(), w)
}

// ClientIP returns the request's client address: override's answer when
// it is set (behind a proxy, from its header), else the connection's,
// IPv4-mapped addresses unmapped. The zero Addr when there is none.
func ClientIP(r *http.Request, override func(*http.Request) netip.Addr) netip.Addr {
	if override != nil {
		return override(r)
	}
	ap, err := netip.ParseAddrPort(r.RemoteAddr)
	if err != nil {
		return netip.Addr{}
	}
	return ap.Addr().Unmap()
}

// Background runs work that outlives the request that started it, such
// as a test send, each under its own deadline; Wait waits for all of it.
// The zero value is ready.
type Background struct {
	wg sync.WaitGroup
}

// Go runs f on a goroutine with a context that ends after d (0 means 2
// minutes).
func (b *Background) Go(d time.Duration, f func(ctx context.Context)) {
	if d <= 0 {
		d = 2 * time.Minute
	}
	b.wg.Add(1)
	go func() {
		defer b.wg.Done()
		ctx, cancel := context.WithTimeout(context.Background(), d)
		defer cancel()
		f(ctx)
	}()
}

// Wait waits for everything Go started.
func (b *Background) Wait() { b.wg.Wait() }

// Now returns now(), or time.Now() when now is nil: the handlers' clock.
func Now(now func() time.Time) time.Time {
	if now != nil {
		return now()
	}
	return time.Now()
}

// Logger returns l, or a logger that discards everything when l is nil.
func Logger(l *slog.Logger) *slog.Logger {
	if l != nil {
		return l
	}
	return slog.New(slog.DiscardHandler)
}

// Waiting gives a request that waits for slow work (a test send, up to d,
// 0 meaning 2 minutes) more time to answer than the server's usual write
// timeout, and a context for the work that ends after d even if the
// client goes away, so that a send under way is finished and recorded.
func Waiting(w http.ResponseWriter, r *http.Request, d time.Duration) (context.Context, context.CancelFunc) {
	if d <= 0 {
		d = 2 * time.Minute
	}
	_ = http.NewResponseController(w).SetWriteDeadline(time.Now().Add(d + 30*time.Second))
	return context.WithTimeout(context.WithoutCancel(r.Context()), d)
}
