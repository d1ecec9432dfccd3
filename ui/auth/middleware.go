package auth

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"strings"
)

// DefaultNext is where a login goes when it was given no safe page to
// return to.
const DefaultNext = "/agent"

// maxNext bounds the length of a return path.
const maxNext = 2048

type ctxKey struct{}

// FromContext returns the session [Manager.Require] put in the context of
// the request it let through.
func FromContext(ctx context.Context) (*Session, bool) {
	s, ok := ctx.Value(ctxKey{}).(*Session)
	return s, ok
}

// Require lets through only requests with a live session. Without one, a
// GET or HEAD is sent (303 See Other) to the login page with the page it
// asked for in the "next" parameter, and any other method gets 401. With
// one, every method but GET, HEAD and OPTIONS must pass [Manager.CheckCSRF], or
// gets 403. The handler finds the session with [FromContext]; responses
// are marked not to be cached.
func (m *Manager) Require(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s, err := m.Session(r)
		if err != nil {
			if !errors.Is(err, ErrNoSession) {
				m.log.ErrorContext(r.Context(), "session look-up failed", "err", err)
				http.Error(w, "internal error", http.StatusInternalServerError)
				return
			}
			if r.Method == http.MethodGet || r.Method == http.MethodHead {
				to := m.loginPath + "?next=" + url.QueryEscape(SafeNext(r.URL.RequestURI()))
				http.Redirect(w, r, to, http.StatusSeeOther)
				return
			}
			http.Error(w, "not signed in", http.StatusUnauthorized)
			return
		}
		switch r.Method {
		case http.MethodGet, http.MethodHead, http.MethodOptions:
		default:
			if err := m.CheckCSRF(r, s); err != nil {
				m.log.WarnContext(r.Context(), "request refused", "user", s.User, "method", r.Method,
					"path", r.URL.Path, "err", err)
				http.Error(w, "Forbidden: the form was stale or came from another site; reload the page and try again.", http.StatusForbidden)
				return
			}
		}
		w.Header().Set("Cache-Control", "no-store")
		next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), ctxKey{}, s)))
	})
}

// SafeNext returns next if it is a path on this site to send a browser to
// after login, and [DefaultNext] if not. Only a local absolute path of
// printable ASCII is safe: not "//host" or "/\host" (which browsers read
// as another host), nor anything with a scheme, a backslash, a control
// character or a space.
func SafeNext(next string) string {
	if len(next) < 1 || len(next) > maxNext || next[0] != '/' {
		return DefaultNext
	}
	if len(next) > 1 && (next[1] == '/' || next[1] == '\\') {
		return DefaultNext
	}
	for i := 0; i < len(next); i++ {
		if c := next[i]; c <= ' ' || c >= 0x7f || c == '\\' {
			return DefaultNext
		}
	}
	u, err := url.Parse(next)
	if err != nil || u.Scheme != "" || u.Host != "" || u.User != nil || !strings.HasPrefix(u.Path, "/") {
		return DefaultNext
	}
	return next
}
