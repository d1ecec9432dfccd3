package auth

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/codeprobe/codeprobe/store"
)

// API tokens let scripts call the JSON API with
// "Authorization: Bearer cpt_…". A token is a stored session of its own
// kind: its ID is the SHA-256 of "api:" and the token, so a cookie's
// token is never a valid bearer token nor the reverse; it has no idle
// timeout, only the end it was given; and, carried in a header no browser
// sends by itself, it needs no CSRF token.

// TokenPrefix starts every API token, so that secret scanners know them.
const TokenPrefix = "cpt_"

// MaxTokenTTL bounds an API token's life.
const MaxTokenTTL = 366 * 24 * time.Hour

// ErrBadToken: the Authorization header holds no live API token.
var ErrBadToken = errors.New("auth: invalid or expired API token")

func tokenID(token string) string { return sessionID("api:" + token) }

// IssueToken makes an API token for the account, valid for ttl (at most
// MaxTokenTTL), and returns it; it is shown once and stored only as a
// hash. ErrNotFound (from the store) when there is no such account.
func (m *Manager) IssueToken(ctx context.Context, user string, ttl time.Duration) (string, time.Time, error) {
	if ttl <= 0 || ttl > MaxTokenTTL {
		return "", time.Time{}, fmt.Errorf("auth: a token's life must be between 0 and %s", MaxTokenTTL)
	}
	var raw [tokenLen]byte
	var secret [32]byte
	if _, err := rand.Read(raw[:]); err != nil {
		return "", time.Time{}, err
	}
	if _, err := rand.Read(secret[:]); err != nil {
		return "", time.Time{}, err
	}
	token := TokenPrefix + base64.RawURLEncoding.EncodeToString(raw[:])
	now := m.now()
	ws := &store.WebSession{ID: tokenID(token), User: user, CSRF: hex.EncodeToString(secret[:]),
		Created: now, LastSeen: now, Expires: now.Add(ttl)}
	if err := m.st.PutWebSession(ctx, ws); err != nil {
		return "", time.Time{}, fmt.Errorf("auth: storing a token of %q: %w", user, err)
	}
	m.log.InfoContext(ctx, "API token issued", "user", user, "expires", ws.Expires)
	return token, ws.Expires, nil
}

// bearer returns the session of the request's API token: nil, nil when
// the request carries none.
func (m *Manager) bearer(r *http.Request) (*Session, error) {
	h := r.Header.Get("Authorization")
	if h == "" {
		return nil, nil
	}
	scheme, token, ok := strings.Cut(h, " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") || !strings.HasPrefix(token, TokenPrefix) {
		return nil, ErrBadToken
	}
	if _, ok := tokenFromCookie(strings.TrimPrefix(token, TokenPrefix)); !ok {
		return nil, ErrBadToken
	}
	ws, err := m.st.WebSession(r.Context(), tokenID(token))
	if errors.Is(err, store.ErrNotFound) {
		return nil, ErrBadToken
	}
	if err != nil {
		return nil, fmt.Errorf("auth: reading token: %w", err)
	}
	if !m.now().Before(ws.Expires) {
		return nil, ErrBadToken
	}
	return fromStore(ws), nil
}

// RequireAPI lets through requests with an API token, or with a browser
// session (and, for unsafe methods, its CSRF token, as [Manager.Require]
// asks). Others get a JSON error: 401 without credentials or with a bad
// token, 403 for a failed CSRF check.
func (m *Manager) RequireAPI(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s, err := m.bearer(r)
		if err == nil && s == nil {
			s, err = m.Session(r)
			if err == nil && !safeMethod(r.Method) {
				if cerr := m.CheckCSRF(r, s); cerr != nil {
					apiError(w, http.StatusForbidden, "the request failed the CSRF check: send the X-CSRF-Token header, or use an API token")
					return
				}
			}
		}
		switch {
		case errors.Is(err, ErrBadToken):
			w.Header().Set("WWW-Authenticate", `Bearer error="invalid_token"`)
			apiError(w, http.StatusUnauthorized, "invalid or expired API token")
			return
		case errors.Is(err, ErrNoSession):
			w.Header().Set("WWW-Authenticate", `Bearer realm="codeprobe"`)
			apiError(w, http.StatusUnauthorized, "sign in, or send an API token: Authorization: Bearer cpt_…")
			return
		case err != nil:
			m.log.ErrorContext(r.Context(), "API authentication failed", "err", err)
			apiError(w, http.StatusInternalServerError, "internal error")
			return
		}
		w.Header().Set("Cache-Control", "no-store")
		next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), ctxKey{}, s)))
	})
}

func safeMethod(m string) bool {
	return m == http.MethodGet || m == http.MethodHead || m == http.MethodOptions
}

func apiError(w http.ResponseWriter, code int, msg string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	json.NewEncoder(w).Encode(map[string]string{"error": msg})
}
