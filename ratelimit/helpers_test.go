package ratelimit_test

import (
	"context"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/codeprobe/codeprobe/ratelimit"
	"github.com/codeprobe/codeprobe/store"
)

// t0 is a whole minute, so the promised times below are exact.
var t0 = time.Date(2026, 11, 22, 10, 0, 0, 0, time.UTC)

// clock is a settable clock.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func newClock() *clock { return &clock{t: t0} }

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) Set(t time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = t
}

// addressLimit is SendAddressLimit: 2 at once, one more every 20 minutes.
var addressLimit = ratelimit.Limit{Name: "send/address", Every: 20 * time.Minute, Burst: 2}

var annKey = ratelimit.Key{Limit: "send/address", Subject: "ann@example.com"}

func newLimiter(t testing.TB, st ratelimit.Store, c *clock, opts *ratelimit.Options, limits ...ratelimit.Limit) *ratelimit.Limiter {
	t.Helper()
	o := ratelimit.Options{Now: c.Now}
	if opts != nil {
		o.CacheSize = opts.CacheSize
	}
	l, err := ratelimit.New(st, limits, &o)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	return l
}

// dbPath is a new database file in the test's directory.
func dbPath(t testing.TB) string {
	return filepath.Join(t.TempDir(), "ratelimit.db")
}

// openStore opens the SQLite database at path; it is closed when the
// test ends, or earlier by closeStore.
func openStore(t testing.TB, path string) *store.SQLite {
	t.Helper()
	st, err := store.OpenSQLite(path, nil)
	if err != nil {
		t.Fatalf("OpenSQLite(%s): %v", path, err)
	}
	t.Cleanup(func() { closeStore(t, st) })
	return st
}

func closeStore(t testing.TB, st *store.SQLite) {
	t.Helper()
	if err := st.Close(); err != nil {
		t.Errorf("Close: %v", err)
	}
}

func newStore(t testing.TB) *store.SQLite {
	return openStore(t, dbPath(t))
}

// faultyStore counts calls to a real store and can fail them.
type faultyStore struct {
	ratelimit.Store
	mu      sync.Mutex
	loadErr error
	saveErr error
	loads   int
	saves   int
}

func (f *faultyStore) RateBuckets(ctx context.Context, keys []string) (map[string]store.RateBucket, error) {
	f.mu.Lock()
	f.loads++
	err := f.loadErr
	f.mu.Unlock()
	if err != nil {
		return nil, err
	}
	return f.Store.RateBuckets(ctx, keys)
}

func (f *faultyStore) SaveRateBuckets(ctx context.Context, bs []store.RateBucket) error {
	f.mu.Lock()
	f.saves++
	err := f.saveErr
	f.mu.Unlock()
	if err != nil {
		return err
	}
	return f.Store.SaveRateBuckets(ctx, bs)
}

func (f *faultyStore) fail(load, save error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.loadErr, f.saveErr = load, save
}

func (f *faultyStore) loadCount() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.loads
}

// mustAllow calls Allow and fails the test on error.
func mustAllow(t testing.TB, l *ratelimit.Limiter, keys ...ratelimit.Key) ratelimit.Decision {
	t.Helper()
	d, err := l.Allow(context.Background(), keys...)
	if err != nil {
		t.Fatalf("Allow(%v): %v", keys, err)
	}
	return d
}

func mustPeek(t testing.TB, l *ratelimit.Limiter, keys ...ratelimit.Key) ratelimit.Decision {
	t.Helper()
	d, err := l.Peek(context.Background(), keys...)
	if err != nil {
		t.Fatalf("Peek(%v): %v", keys, err)
	}
	return d
}

// wantAllowed fails unless d is OK.
func wantAllowed(t testing.TB, what string, d ratelimit.Decision) {
	t.Helper()
	if !d.OK {
		t.Fatalf("%s: refused by %s until %v, want allowed", what, d.Denied, d.RetryAt.Format(time.TimeOnly))
	}
}

// wantRefused fails unless d refuses by the limit until retryAt.
func wantRefused(t testing.TB, what string, d ratelimit.Decision, limit string, retryAt time.Time) {
	t.Helper()
	if d.OK {
		t.Fatalf("%s: allowed, want refused by %s until %v", what, limit, retryAt.Format(time.TimeOnly))
	}
	if d.Denied != limit || !d.RetryAt.Equal(retryAt) {
		t.Fatalf("%s: refused by %s until %v, want by %s until %v", what,
			d.Denied, d.RetryAt.Format(time.TimeOnly), limit, retryAt.Format(time.TimeOnly))
	}
}
