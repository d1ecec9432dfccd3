package ui

import (
	"compress/gzip"
	"io"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"
)

// contentSecurityPolicy lets pages load only the site's own styles,
// scripts and images (and the QR code's data: URI), and be framed by
// nobody. No inline script or style is ever needed.
const contentSecurityPolicy = "default-src 'none'; style-src 'self'; script-src 'self'; img-src 'self' data:; " +
	"connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"

// secureHeaders sets the headers every response carries.
func secureHeaders(next http.Handler, hsts bool) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("Content-Security-Policy", contentSecurityPolicy)
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Referrer-Policy", "same-origin")
		h.Set("X-Frame-Options", "DENY")
		h.Set("Cross-Origin-Opener-Policy", "same-origin")
		h.Set("Permissions-Policy", "camera=(), microphone=(), geolocation=(), interest-cohort=()")
		if hsts {
			h.Set("Strict-Transport-Security", "max-age=31536000")
		}
		next.ServeHTTP(w, r)
	})
}

var gzipWriters = sync.Pool{New: func() any {
	// BestSpeed: the site's pages are a few kilobytes, on which the best
	// compression saves some hundred bytes and costs the most time.
	zw, _ := gzip.NewWriterLevel(io.Discard, gzip.BestSpeed)
	return zw
}}

// gzipResponse compresses text responses for clients that accept gzip.
type gzipResponse struct {
	http.ResponseWriter
	zw      *gzip.Writer
	decided bool
}

func (g *gzipResponse) WriteHeader(code int) {
	if !g.decided {
		g.decided = true
		h := g.Header()
		ct := h.Get("Content-Type")
		// A partial response (206) is a byte range of the uncompressed
		// body: compressing it would break the range.
		if h.Get("Content-Encoding") == "" && code != http.StatusNoContent && code != http.StatusNotModified &&
			code != http.StatusPartialContent && h.Get("Content-Range") == "" &&
			(strings.HasPrefix(ct, "text/") || strings.HasPrefix(ct, "application/json") || strings.HasPrefix(ct, "image/svg")) {
			h.Del("Content-Length")
			h.Set("Content-Encoding", "gzip")
			// The compressed bytes differ from the ones the ETag names.
			if et := h.Get("ETag"); et != "" && !strings.HasPrefix(et, "W/") {
				h.Set("ETag", "W/"+et)
			}
			zw := gzipWriters.Get().(*gzip.Writer)
			zw.Reset(g.ResponseWriter)
			g.zw = zw
		}
	}
	g.ResponseWriter.WriteHeader(code)
}

func (g *gzipResponse) Write(b []byte) (int, error) {
	if !g.decided {
		if g.Header().Get("Content-Type") == "" {
			g.Header().Set("Content-Type", http.DetectContentType(b))
		}
		g.WriteHeader(http.StatusOK)
	}
	if g.zw != nil {
		return g.zw.Write(b)
	}
	return g.ResponseWriter.Write(b)
}

// Unwrap lets http.ResponseController reach the connection (to extend a
// deadline, say).
func (g *gzipResponse) Unwrap() http.ResponseWriter { return g.ResponseWriter }

func (g *gzipResponse) close() {
	if g.zw != nil {
		g.zw.Close()
		gzipWriters.Put(g.zw)
	}
}

func compress(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Add("Vary", "Accept-Encoding")
		if !acceptsGzip(r) || r.Method == http.MethodHead {
			next.ServeHTTP(w, r)
			return
		}
		g := &gzipResponse{ResponseWriter: w}
		defer g.close()
		next.ServeHTTP(g, r)
	})
}

func acceptsGzip(r *http.Request) bool {
	for _, part := range strings.Split(r.Header.Get("Accept-Encoding"), ",") {
		enc, params, _ := strings.Cut(strings.TrimSpace(part), ";")
		if !strings.EqualFold(strings.TrimSpace(enc), "gzip") {
			continue
		}
		q := 1.0
		if v, ok := strings.CutPrefix(strings.ReplaceAll(params, " ", ""), "q="); ok {
			if f, err := strconv.ParseFloat(v, 64); err == nil {
				q = f
			}
		}
		return q > 0 // RFC 9110 §12.4.2: q=0 (0.0, 0.000) means "not acceptable"
	}
	return false
}

// statusRecorder remembers the status code for the access log.
type statusRecorder struct {
	http.ResponseWriter
	code int
}

func (s *statusRecorder) WriteHeader(code int) {
	if s.code == 0 {
		s.code = code
	}
	s.ResponseWriter.WriteHeader(code)
}

// Unwrap lets http.ResponseController reach the connection.
func (s *statusRecorder) Unwrap() http.ResponseWriter { return s.ResponseWriter }

func (s *statusRecorder) Write(b []byte) (int, error) {
	if s.code == 0 {
		s.code = http.StatusOK
	}
	return s.ResponseWriter.Write(b)
}

// logRequests logs one line per request, without its query (which may
// carry a reference code) or any cookie, and turns a panic into a 500.
func logRequests(next http.Handler, log *slog.Logger, observe func(route string, code int, d time.Duration)) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		rec := &statusRecorder{ResponseWriter: w}
		defer func() {
			if p := recover(); p != nil {
				if p == http.ErrAbortHandler {
					panic(p)
				}
				log.Error("panic serving a request", "method", r.Method, "path", r.URL.Path, "panic", p)
				if rec.code != 0 {
					// Part of the page is out: abort the connection so the
					// client sees a broken response, not a short one.
					panic(http.ErrAbortHandler)
				}
				http.Error(rec, "internal error", http.StatusInternalServerError)
			}
			d := time.Since(start)
			log.Debug("request", "method", r.Method, "path", r.URL.Path, "status", rec.code, "duration", d)
			if observe != nil {
				observe(r.Pattern, rec.code, d)
			}
		}()
		next.ServeHTTP(rec, r)
	})
}

// maxBody bounds every request body: the site's forms and API requests
// are a few hundred bytes, and the login form is parsed before anyone is
// known.
const maxBody = 64 << 10

// limitBodies refuses request bodies longer than maxBody (the handler's
// form parsing fails, and the server answers 413 for an oversized read).
func limitBodies(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Body != nil && r.Body != http.NoBody {
			r.Body = http.MaxBytesReader(w, r.Body, maxBody)
		}
		next.ServeHTTP(w, r)
	})
}
