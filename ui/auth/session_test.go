package auth

import (
	"bytes"
	"errors"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/codeprobe/codeprobe/store"
)

// get is a GET of /agent carrying the cookie.
func get(c *http.Cookie) *http.Request {
	r := httptest.NewRequest(http.MethodGet, "/agent", nil)
	if c != nil {
		r.AddCookie(c)
	}
	return r
}

func TestSessionCookieAttributes(t *testing.T) {
	for _, secure := range []bool{true, false} {
		e := newEnv(t, func(o *Options) { o.Secure = secure })
		_, c := e.login()
		w := httptest.NewRecorder()
		http.SetCookie(w, c)
		line := w.Header().Get("Set-Cookie")
		parsed, err := http.ParseSetCookie(line)
		if err != nil {
			t.Fatal(err)
		}
		wantName := InsecureSessionCookie
		if secure {
			wantName = SessionCookie
		}
		if parsed.Name != wantName || !parsed.HttpOnly || parsed.SameSite != http.SameSiteStrictMode ||
			parsed.Path != "/" || parsed.Domain != "" || parsed.Secure != secure {
			t.Errorf("Secure=%v: Set-Cookie %q; want %s, HttpOnly, SameSite=Strict, Path=/, no Domain, Secure=%v",
				secure, line, wantName, secure)
		}
		if len(parsed.Value) != tokenChars {
			t.Errorf("token %d characters, want %d (32 bytes base64url)", len(parsed.Value), tokenChars)
		}
	}
}

func TestSessionTokenNotStoredInClear(t *testing.T) {
	e := newEnv(t, nil)
	s, c := e.login()
	if _, err := e.st.WebSession(ctx, c.Value); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("the store finds a session under the clear token: %v", err)
	}
	ws, err := e.st.WebSession(ctx, sessionID(c.Value))
	if err != nil {
		t.Fatalf("the store has no session under the token's SHA-256: %v", err)
	}
	if ws.ID == c.Value || ws.User != alice || ws.CSRF != s.csrf {
		t.Errorf("stored session %q for %q; want the token's hash for alice", ws.ID, ws.User)
	}
	// Nowhere in the database files (main file, WAL) is the token.
	files, _ := filepath.Glob(filepath.Join(e.dir, "web.db*"))
	if len(files) == 0 {
		t.Fatal("no database files")
	}
	var hashSeen bool
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		if bytes.Contains(b, []byte(c.Value)) {
			t.Errorf("%s holds the session token in clear", filepath.Base(f))
		}
		hashSeen = hashSeen || bytes.Contains(b, []byte(ws.ID))
	}
	if !hashSeen {
		t.Error("the token's hash is in no database file either: the scan looked in the wrong place")
	}
}

func TestIdleTimeoutSlides(t *testing.T) {
	e := newEnv(t, nil)
	_, c := e.login()
	for i := 0; i < 5; i++ {
		e.clock.Advance(59 * time.Minute)
		if _, err := e.m.Session(get(c)); err != nil {
			t.Fatalf("use %d, 59 minutes after the last: %v; want the session alive", i, err)
		}
	}
	e.clock.Advance(time.Hour)
	if _, err := e.m.Session(get(c)); !errors.Is(err, ErrNoSession) {
		t.Errorf("an hour idle: %v; want ErrNoSession", err)
	}
}

func TestTouchWritesAtMostOncePerMinute(t *testing.T) {
	e := newEnv(t, nil)
	s0, c := e.login()
	e.clock.Advance(59 * time.Second)
	s, err := e.m.Session(get(c))
	if err != nil {
		t.Fatal(err)
	}
	ws, _ := e.st.WebSession(ctx, sessionID(c.Value))
	if !ws.LastSeen.Equal(s0.LastSeen) || !s.Expires.Equal(s0.Expires) {
		t.Errorf("use within a minute moved LastSeen to %v; want it kept at %v", ws.LastSeen, s0.LastSeen)
	}
	e.clock.Advance(time.Second)
	if _, err := e.m.Session(get(c)); err != nil {
		t.Fatal(err)
	}
	ws, _ = e.st.WebSession(ctx, sessionID(c.Value))
	if !ws.LastSeen.Equal(e.clock.Now()) || !ws.Expires.Equal(e.clock.Now().Add(time.Hour)) {
		t.Errorf("use after a minute: LastSeen %v, Expires %v; want now and now+1h", ws.LastSeen, ws.Expires)
	}
}

func TestAbsoluteExpiryNeverExtends(t *testing.T) {
	e := newEnv(t, nil)
	s, c := e.login()
	end := s.Created.Add(12 * time.Hour)
	for e.clock.Now().Add(30 * time.Minute).Before(end) {
		e.clock.Advance(30 * time.Minute)
		got, err := e.m.Session(get(c))
		if err != nil {
			t.Fatalf("at %v: %v; want the session alive", e.clock.Now(), err)
		}
		if got.Expires.After(end) {
			t.Fatalf("Expires %v is past the absolute end %v", got.Expires, end)
		}
	}
	e.clock.Advance(end.Sub(e.clock.Now()))
	if _, err := e.m.Session(get(c)); !errors.Is(err, ErrNoSession) {
		t.Errorf("12 h after login, in constant use: %v; want ErrNoSession", err)
	}
}

func TestLogoutEndsSessionAndClearsCookie(t *testing.T) {
	e := newEnv(t, nil)
	_, c := e.login()
	w := httptest.NewRecorder()
	if err := e.m.Logout(w, get(c)); err != nil {
		t.Fatal(err)
	}
	cleared, err := http.ParseSetCookie(w.Header().Get("Set-Cookie"))
	if err != nil || cleared.Name != SessionCookie || cleared.MaxAge >= 0 || cleared.Value != "" {
		t.Errorf("Set-Cookie after logout = %q; want %s cleared", w.Header().Get("Set-Cookie"), SessionCookie)
	}
	if _, err := e.m.Session(get(c)); !errors.Is(err, ErrNoSession) {
		t.Errorf("the old cookie after logout: %v; want ErrNoSession", err)
	}
}

func TestSessionRejectsForgedCookies(t *testing.T) {
	e := newEnv(t, nil)
	_, c := e.login()
	for _, v := range []string{"", "x", c.Value + "A", strings.ToUpper(c.Value), c.Value[:42] + "=", tamper(c.Value), sessionID(c.Value)} {
		if _, err := e.m.Session(get(&http.Cookie{Name: SessionCookie, Value: v})); !errors.Is(err, ErrNoSession) {
			t.Errorf("cookie %q: %v; want ErrNoSession", v, err)
		}
	}
	// The insecure cookie name is not read by a Secure manager.
	if _, err := e.m.Session(get(&http.Cookie{Name: InsecureSessionCookie, Value: c.Value})); !errors.Is(err, ErrNoSession) {
		t.Errorf("token under %s: %v; want ErrNoSession", InsecureSessionCookie, err)
	}
}

func TestPruneDeletesExpiredSessions(t *testing.T) {
	e := newEnv(t, nil)
	e.login()
	e.clock.Advance(30 * time.Minute)
	e.login()
	e.clock.Advance(31 * time.Minute)
	n, err := e.m.Prune(ctx)
	if err != nil || n != 1 {
		t.Errorf("Prune = %d, %v; want 1 (the first session only)", n, err)
	}
}
