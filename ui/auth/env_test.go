package auth

import (
	"bytes"
	"context"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/codeprobe/codeprobe/store"
)

// clock is the injected clock of a test: it moves only when told.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// cheap are Argon2id parameters that keep tests fast; tests of the
// default parameters use DefaultParams explicitly.
var cheap = Params{Memory: 64, Time: 1, Threads: 1, SaltLen: 16, KeyLen: 32}

// env is a Manager over a real SQLite store in a temporary directory,
// sharing one clock, with its log captured.
type env struct {
	t     *testing.T
	dir   string
	clock *clock
	st    *store.SQLite
	m     *Manager
	logs  *bytes.Buffer
}

const (
	alice   = "alice"
	alicePW = "correct horse battery"
)

func newEnv(t *testing.T, edit func(*Options)) *env {
	t.Helper()
	e := &env{t: t, dir: t.TempDir(), logs: new(bytes.Buffer),
		clock: &clock{t: time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)}}
	st, err := store.OpenSQLite(filepath.Join(e.dir, "web.db"), &store.SQLiteOptions{Now: e.clock.Now})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	e.st = st
	o := &Options{Now: e.clock.Now, Params: cheap, Secure: true,
		Logger: slog.New(slog.NewJSONHandler(e.logs, &slog.HandlerOptions{Level: slog.LevelDebug}))}
	if edit != nil {
		edit(o)
	}
	if e.m, err = New(e.st, o); err != nil {
		t.Fatal(err)
	}
	if err := e.m.AddUser(context.Background(), alice, alicePW); err != nil {
		t.Fatal(err)
	}
	return e
}

// login signs alice in and returns her session and cookie.
func (e *env) login() (*Session, *http.Cookie) {
	e.t.Helper()
	s, c, err := e.m.Login(context.Background(), alice, alicePW, "192.0.2.7")
	if err != nil {
		e.t.Fatalf("Login: %v", err)
	}
	return s, c
}

// ok is the handler behind Require in tests: it answers with the user
// of the session in the context.
var ok = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
	s, found := FromContext(r.Context())
	if !found {
		http.Error(w, "no session in context", http.StatusInternalServerError)
		return
	}
	w.Write([]byte("hello " + s.User))
})

// do sends r through Require(ok).
func (e *env) do(r *http.Request) *httptest.ResponseRecorder {
	w := httptest.NewRecorder()
	e.m.Require(ok).ServeHTTP(w, r)
	return w
}
