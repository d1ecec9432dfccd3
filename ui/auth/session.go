package auth

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"time"

	"github.com/codeprobe/codeprobe/store"
)

// Names of the session cookie: with the "__Host-" prefix when Secure
// (draft-ietf-httpbis-rfc6265bis §4.1.3.2: Secure, Path=/, no Domain),
// without it for the plain-HTTP loopback demo.
const (
	SessionCookie         = "__Host-codeprobe_agent"
	InsecureSessionCookie = "codeprobe_agent"
)

// tokenLen is the number of random bytes in a session token, and
// tokenChars their length in unpadded base64url.
const (
	tokenLen   = 32
	tokenChars = 43
)

// touchEvery is how stale LastSeen may be before a request writes it
// again: the idle timeout slides by at most this much less than the full
// idle time, and a busy agent does not cause a write per request.
const touchEvery = time.Minute

// Session is a signed-in agent's session. Its String, GoString and
// LogValue show only the user and the times: the token and the CSRF
// secret are not printable.
type Session struct {
	User     string
	Created  time.Time
	Expires  time.Time // the end of the session unless it is used again
	LastSeen time.Time
	id       string // hex SHA-256 of the cookie's token
	csrf     string // hex secret the CSRF token derives from
}

// String describes the session without its secrets.
func (s *Session) String() string {
	return fmt.Sprintf("session of %s until %s", s.User, s.Expires.UTC().Format(time.RFC3339))
}

// GoString is String, so that %#v shows no secret either.
func (s *Session) GoString() string { return s.String() }

// LogValue logs the user and the times only.
func (s *Session) LogValue() slog.Value {
	return slog.GroupValue(slog.String("user", s.User),
		slog.Time("created", s.Created), slog.Time("expires", s.Expires))
}

// sessionID is the store's ID of a token: hex SHA-256.
func sessionID(token string) string {
	sum := sha256.Sum256([]byte(token))
	return hex.EncodeToString(sum[:])
}

// tokenFromCookie returns the token of a well-formed session cookie
// value: exactly tokenLen bytes in canonical unpadded base64url.
func tokenFromCookie(v string) (string, bool) {
	if len(v) != tokenChars {
		return "", false
	}
	b, err := base64.RawURLEncoding.Strict().DecodeString(v)
	if err != nil || len(b) != tokenLen {
		return "", false
	}
	return v, true
}

func (m *Manager) cookieName() string {
	if m.secure {
		return SessionCookie
	}
	return InsecureSessionCookie
}

func (m *Manager) cookie(name, value string) *http.Cookie {
	return &http.Cookie{Name: name, Value: value, Path: "/", Secure: m.secure,
		HttpOnly: true, SameSite: http.SameSiteStrictMode}
}

// expiry is when a session created at created and last used at seen
// ends: idle time after seen, but never after its absolute life.
func (m *Manager) expiry(created, seen time.Time) time.Time {
	end := created.Add(m.ttl)
	if idle := seen.Add(m.idle); idle.Before(end) {
		return idle
	}
	return end
}

// newSession stores a new session for user and returns it with its
// cookie.
func (m *Manager) newSession(ctx context.Context, user string) (*Session, *http.Cookie, error) {
	var raw [tokenLen]byte
	var secret [32]byte
	if _, err := rand.Read(raw[:]); err != nil {
		return nil, nil, fmt.Errorf("auth: reading random token: %w", err)
	}
	if _, err := rand.Read(secret[:]); err != nil {
		return nil, nil, fmt.Errorf("auth: reading random secret: %w", err)
	}
	token := base64.RawURLEncoding.EncodeToString(raw[:])
	now := m.now()
	ws := &store.WebSession{ID: sessionID(token), User: user, CSRF: hex.EncodeToString(secret[:]),
		Created: now, LastSeen: now, Expires: m.expiry(now, now)}
	if err := m.st.PutWebSession(ctx, ws); err != nil {
		return nil, nil, fmt.Errorf("auth: storing session of %q: %w", user, err)
	}
	return fromStore(ws), m.cookie(m.cookieName(), token), nil
}

func fromStore(ws *store.WebSession) *Session {
	return &Session{User: ws.User, Created: ws.Created, Expires: ws.Expires,
		LastSeen: ws.LastSeen, id: ws.ID, csrf: ws.CSRF}
}

// Session returns the live session named by the request's cookie, or
// [ErrNoSession]. Using a session slides its idle timeout (the store is
// written at most once a minute per session); its absolute end never
// moves.
func (m *Manager) Session(r *http.Request) (*Session, error) {
	c, err := r.Cookie(m.cookieName())
	if err != nil {
		return nil, ErrNoSession
	}
	token, ok := tokenFromCookie(c.Value)
	if !ok {
		return nil, ErrNoSession
	}
	ctx := r.Context()
	ws, err := m.st.WebSession(ctx, sessionID(token))
	if errors.Is(err, store.ErrNotFound) {
		return nil, ErrNoSession
	}
	if err != nil {
		return nil, fmt.Errorf("auth: reading session: %w", err)
	}
	now := m.now()
	if !now.Before(ws.Expires) || !now.Before(m.expiry(ws.Created, ws.LastSeen)) {
		return nil, ErrNoSession
	}
	s := fromStore(ws)
	if now.Sub(ws.LastSeen) >= touchEvery {
		s.LastSeen, s.Expires = now, m.expiry(ws.Created, now)
		err := m.st.TouchWebSession(ctx, ws.ID, s.Expires)
		if errors.Is(err, store.ErrNotFound) {
			return nil, ErrNoSession
		}
		if err != nil {
			return nil, fmt.Errorf("auth: touching session: %w", err)
		}
	}
	return s, nil
}

// Logout ends the request's session, if any, and tells the browser to
// drop its cookie.
func (m *Manager) Logout(w http.ResponseWriter, r *http.Request) error {
	clear := m.cookie(m.cookieName(), "")
	clear.MaxAge = -1
	http.SetCookie(w, clear)
	c, err := r.Cookie(m.cookieName())
	if err != nil {
		return nil
	}
	token, ok := tokenFromCookie(c.Value)
	if !ok {
		return nil
	}
	if err := m.st.DeleteWebSession(r.Context(), sessionID(token)); err != nil {
		return fmt.Errorf("auth: deleting session: %w", err)
	}
	m.log.InfoContext(r.Context(), "logout")
	return nil
}

// Prune deletes the sessions that have expired and reports how many; the
// web server calls it now and then.
func (m *Manager) Prune(ctx context.Context) (int64, error) {
	n, err := m.st.PruneWebSessions(ctx, m.now())
	if err != nil {
		return 0, fmt.Errorf("auth: pruning sessions: %w", err)
	}
	return n, nil
}
