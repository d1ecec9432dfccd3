package testcode

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/codeprobe/codeprobe/diagnose/address"
)

// rfcSecret is the HOTP secret of RFC 4226 Appendix D.
var rfcSecret = []byte("12345678901234567890")

// rfcCodes are HOTP(rfcSecret, 1…9) from RFC 4226 Appendix D.
var rfcCodes = []string{"287082", "359152", "969429", "338314", "254676", "287922", "162583", "399871", "520489"}

// stepClock is a clock the test moves by hand.
type stepClock struct {
	mu sync.Mutex
	t  time.Time
}

func newStepClock() *stepClock {
	return &stepClock{t: time.Date(2026, 3, 2, 14, 0, 0, 0, time.UTC)}
}

func (c *stepClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *stepClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// fixedSession opens session id for addr in the Issuer's store with the
// given secret, so that its codes are known in advance, and issues n codes
// one minute apart.
func fixedSession(t testing.TB, iss *Issuer, clock *stepClock, id, addr string, secret []byte, n int) []Code {
	t.Helper()
	ctx := context.Background()
	key, err := CanonicalAddress(addr)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := iss.Store.OpenSession(ctx, Session{ID: id, Address: key, Secret: secret, Digits: 6, CreatedAt: clock.Now()}); err != nil {
		t.Fatal(err)
	}
	var codes []Code
	for range n {
		c, err := iss.Issue(ctx, id, addr)
		if err != nil {
			t.Fatal(err)
		}
		codes = append(codes, c)
		clock.Advance(time.Minute)
	}
	return codes
}

// rfcSession is fixedSession with the RFC 4226 secret: its codes are
// rfcCodes.
func rfcSession(t testing.TB, iss *Issuer, clock *stepClock, id, addr string, n int) []Code {
	t.Helper()
	codes := fixedSession(t, iss, clock, id, addr, rfcSecret, n)
	for k, c := range codes {
		if c.Value != rfcCodes[k] {
			t.Fatalf("code %d = %s, want %s (RFC 4226 Appendix D)", k+1, c.Value, rfcCodes[k])
		}
	}
	return codes
}

// Secrets of other sessions in the tests; their codes are fixed too.
var (
	secretB = []byte("ABCDEFGHIJKLMNOPQRST")
	secretC = []byte("abcdefghijklmnopqrst")
)

func TestHOTPMatchesRFC4226(t *testing.T) {
	for k, want := range rfcCodes {
		got, err := hotpValue(rfcSecret, k+1, 6)
		if err != nil || got != want {
			t.Errorf("hotpValue(counter %d) = %q, %v; want %q", k+1, got, err, want)
		}
	}
	// RFC 4226 Appendix D lists the 31-bit values; 8 digits keep more of
	// counter 1's 1094287082.
	if got, _ := hotpValue(rfcSecret, 1, 8); got != "94287082" {
		t.Errorf("8-digit code 1 = %q, want 94287082", got)
	}
}

func TestIssue(t *testing.T) {
	clock := newStepClock()
	store := &MemoryCodeStore{}
	iss := &Issuer{Store: store, Now: clock.Now, TTL: 7 * time.Minute}
	ctx := context.Background()
	tokens := make(map[string]bool)
	for k := 1; k <= 3; k++ {
		c, err := iss.Issue(ctx, "s1", "Ann@Example.COM")
		if err != nil {
			t.Fatal(err)
		}
		if c.Ordinal != k || len(c.Value) != 6 || !ValidToken(c.Token) || tokens[c.Token] {
			t.Fatalf("code %d: ordinal %d, value length %d, token %q", k, c.Ordinal, len(c.Value), c.Token)
		}
		tokens[c.Token] = true
		if !c.IssuedAt.Equal(clock.Now()) || c.ExpiresAt.Sub(c.IssuedAt) != 7*time.Minute {
			t.Errorf("code %d issued %v expires %v", k, c.IssuedAt, c.ExpiresAt)
		}
		clock.Advance(time.Second)
	}
	s, err := store.Session(ctx, "s1", "ann@example.com")
	if err != nil {
		t.Fatal(err)
	}
	if len(s.Secret) != 20 || bytes.Equal(s.Secret, make([]byte, 20)) || len(s.Issues) != 3 || s.Digits != 6 {
		t.Fatalf("stored session: %d-byte secret, %d issues, %d digits", len(s.Secret), len(s.Issues), s.Digits)
	}
	for k, is := range s.Issues {
		if is.Ordinal != k+1 || !tokens[is.Token] {
			t.Errorf("issue %d: ordinal %d token %q", k, is.Ordinal, is.Token)
		}
	}
	// A second session of the same address has its own secret.
	if _, err := iss.Issue(ctx, "s2", "ann@example.com"); err != nil {
		t.Fatal(err)
	}
	s2, _ := store.Session(ctx, "s2", "ann@example.com")
	if bytes.Equal(s.Secret, s2.Secret) {
		t.Error("two sessions share a secret")
	}
}

func TestIssueErrors(t *testing.T) {
	ctx := context.Background()
	store := &MemoryCodeStore{}
	tests := []struct {
		name     string
		iss      *Issuer
		id, addr string
		want     error
	}{
		{"no store", &Issuer{}, "s", "a@example.com", ErrNoStore},
		{"empty session", &Issuer{Store: store}, "", "a@example.com", ErrSessionID},
		{"session with space", &Issuer{Store: store}, "a b", "a@example.com", ErrSessionID},
		{"session too long", &Issuer{Store: store}, strings.Repeat("x", 129), "a@example.com", ErrSessionID},
		{"bad address", &Issuer{Store: store}, "s", "a@@example.com", address.ErrSyntax},
		{"bad address sentinel", &Issuer{Store: store}, "s", "nobody", ErrAddress},
		{"5 digits", &Issuer{Store: store, Digits: 5}, "s", "a@example.com", ErrDigits},
		{"9 digits", &Issuer{Store: store, Digits: 9}, "s", "a@example.com", ErrDigits},
	}
	for _, tc := range tests {
		if _, err := tc.iss.Issue(ctx, tc.id, tc.addr); !errors.Is(err, tc.want) {
			t.Errorf("%s: err = %v, want %v", tc.name, err, tc.want)
		}
	}
	iss := &Issuer{Store: store, MaxCodes: 2}
	for k := range 3 {
		_, err := iss.Issue(ctx, "capped", "a@example.com")
		if (k < 2) != (err == nil) || (k == 2 && !errors.Is(err, ErrTooManyCodes)) {
			t.Errorf("code %d: err = %v", k+1, err)
		}
	}
	c, err := (&Issuer{Store: store, Digits: 8}).Issue(ctx, "eight", "a@example.com")
	if err != nil || len(c.Value) != 8 {
		t.Errorf("8-digit code: %q, %v", c.Value, err)
	}
}

func TestConcurrentIssueAndCheck(t *testing.T) {
	const n = 64
	clock := newStepClock()
	store := &MemoryCodeStore{}
	iss := &Issuer{Store: store, Now: clock.Now, MaxCodes: n, MaxAttempts: 10 * n}
	ctx := context.Background()
	var wg sync.WaitGroup
	got := make([]Code, n)
	errs := make([]error, 2*n)
	for k := range n {
		wg.Go(func() { got[k], errs[k] = iss.Issue(ctx, "s", "ann@example.com") })
		wg.Go(func() { _, errs[n+k] = iss.Check(ctx, "s", "ann@example.com", "000000") })
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		t.Fatal(err)
	}
	sess, err := store.Session(ctx, "s", "ann@example.com")
	if err != nil {
		t.Fatal(err)
	}
	seen := make(map[int]bool)
	for _, c := range got {
		if c.Ordinal < 1 || c.Ordinal > n || seen[c.Ordinal] {
			t.Fatalf("ordinal %d given twice or out of range", c.Ordinal)
		}
		seen[c.Ordinal] = true
		want, _ := hotpValue(sess.Secret, c.Ordinal, 6)
		if c.Value != want || sess.Issues[c.Ordinal-1].Token != c.Token {
			t.Errorf("code %d does not match the stored session", c.Ordinal)
		}
	}
	attempts := 0
	for _, is := range sess.Issues {
		attempts += is.Attempts
	}
	// Checks made before any code existed count nowhere.
	if attempts > n || len(sess.Issues) != n {
		t.Errorf("%d issues, %d attempts counted", len(sess.Issues), attempts)
	}
	if _, err := iss.Issue(ctx, "s", "ann@example.com"); !errors.Is(err, ErrTooManyCodes) {
		t.Errorf("code %d: %v, want ErrTooManyCodes", n+1, err)
	}
}
