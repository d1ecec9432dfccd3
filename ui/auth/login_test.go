package auth

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"golang.org/x/crypto/bcrypt"

	"github.com/codeprobe/codeprobe/store"
)

var ctx = context.Background()

func TestLoginStartsSessionForRightPassword(t *testing.T) {
	e := newEnv(t, nil)
	s, c := e.login()
	if s.User != alice {
		t.Errorf("session user = %q, want %q", s.User, alice)
	}
	if want := e.clock.Now().Add(time.Hour); !s.Expires.Equal(want) {
		t.Errorf("session expires %v, want %v (the idle time)", s.Expires, want)
	}
	if c.Value == "" || c.Name != SessionCookie {
		t.Errorf("cookie = %s=%q; want a token in %s", c.Name, c.Value, SessionCookie)
	}
	u, err := e.st.User(ctx, alice)
	if err != nil {
		t.Fatal(err)
	}
	if !u.LastLogin.Equal(e.clock.Now()) {
		t.Errorf("LastLogin = %v, want %v", u.LastLogin, e.clock.Now())
	}
	// Names are case-insensitive.
	if _, _, err := e.m.Login(ctx, "ALICE", alicePW, "192.0.2.7"); err != nil {
		t.Errorf("Login(ALICE) = %v", err)
	}
}

func TestLoginUnknownUserAndWrongPasswordLookAlike(t *testing.T) {
	e := newEnv(t, nil)
	_, _, wrong := e.m.Login(ctx, alice, "not the password", "192.0.2.7")
	_, _, unknown := e.m.Login(ctx, "mallory", alicePW, "192.0.2.7")
	_, _, invalid := e.m.Login(ctx, "no such; name", alicePW, "192.0.2.7")
	for _, err := range []error{wrong, unknown, invalid} {
		if !errors.Is(err, ErrBadCredentials) || err.Error() != ErrBadCredentials.Error() {
			t.Errorf("Login error = %v; want exactly ErrBadCredentials", err)
		}
	}
}

func TestLockoutAfterFiveFailuresAndUnlockAfterLockFor(t *testing.T) {
	e := newEnv(t, nil)
	for i := 1; i <= 5; i++ {
		e.clock.Advance(time.Second)
		if _, _, err := e.m.Login(ctx, alice, "guess number "+string(rune('0'+i)), "198.51.100.1"); !errors.Is(err, ErrBadCredentials) {
			t.Fatalf("failure %d: %v; want ErrBadCredentials", i, err)
		}
	}
	lockedAt := e.clock.Now()
	e.clock.Advance(time.Minute)
	_, _, err := e.m.Login(ctx, alice, alicePW, "192.0.2.7")
	var le *LockedError
	if !errors.As(err, &le) || !errors.Is(err, ErrLocked) {
		t.Fatalf("6th login with the right password = %v; want a LockedError", err)
	}
	if want := lockedAt.Add(15 * time.Minute); !le.Until.Equal(want) {
		t.Errorf("locked until %v, want %v", le.Until, want)
	}
	e.clock.Advance(14*time.Minute - time.Second)
	if _, _, err := e.m.Login(ctx, alice, alicePW, "192.0.2.7"); !errors.Is(err, ErrLocked) {
		t.Errorf("login a second before the lock ends = %v; want ErrLocked", err)
	}
	e.clock.Advance(time.Second)
	if _, _, err := e.m.Login(ctx, alice, alicePW, "192.0.2.7"); err != nil {
		t.Errorf("login when the lock ends = %v; want success", err)
	}
	u, _ := e.st.User(ctx, alice)
	if u.FailedLogins != 0 || !u.LockedUntil.IsZero() {
		t.Errorf("after a good login: %d failures, locked until %v; want 0 and none", u.FailedLogins, u.LockedUntil)
	}
}

func TestLockoutFollowsPolicy(t *testing.T) {
	e := newEnv(t, func(o *Options) { o.Policy = store.LoginPolicy{LockAfter: 2, LockFor: time.Hour} })
	for i := 0; i < 2; i++ {
		e.m.Login(ctx, alice, "wrong password!", "192.0.2.7")
	}
	if _, _, err := e.m.Login(ctx, alice, alicePW, "192.0.2.7"); !errors.Is(err, ErrLocked) {
		t.Errorf("login after 2 failures with LockAfter 2 = %v; want ErrLocked", err)
	}
}

// throttle refuses every key in deny and records the keys it is asked.
type throttle struct {
	deny  map[string]bool
	asked []string
}

func (th *throttle) Allow(_ context.Context, key string) (bool, time.Duration, error) {
	th.asked = append(th.asked, key)
	if th.deny[key] {
		return false, 42 * time.Second, nil
	}
	return true, 0, nil
}

func TestLoginThrottledPerClientIP(t *testing.T) {
	th := &throttle{deny: map[string]bool{"203.0.113.9": true}}
	e := newEnv(t, func(o *Options) { o.Throttle = th })
	_, _, err := e.m.Login(ctx, alice, alicePW, "203.0.113.9")
	var te *ThrottledError
	if !errors.As(err, &te) || !errors.Is(err, ErrThrottled) || te.RetryAfter != 42*time.Second {
		t.Fatalf("throttled login = %v; want ThrottledError retry after 42s", err)
	}
	if !strings.Contains(err.Error(), "42s") {
		t.Errorf("error %q does not say when to retry", err)
	}
	u, _ := e.st.User(ctx, alice)
	if u.FailedLogins != 0 || !u.LastLogin.IsZero() {
		t.Errorf("a throttled login was checked against the account: %+v", u.FailedLogins)
	}
	if _, _, err := e.m.Login(ctx, alice, alicePW, "192.0.2.7"); err != nil {
		t.Errorf("login from another address = %v; want success", err)
	}
	if len(th.asked) != 2 || th.asked[1] != "192.0.2.7" {
		t.Errorf("throttle asked %q", th.asked)
	}
}

func TestLoginReplacesBcryptAndWeakHashes(t *testing.T) {
	e := newEnv(t, nil)
	b, err := bcrypt.GenerateFromPassword([]byte("legacy password 1"), bcrypt.MinCost)
	if err != nil {
		t.Fatal(err)
	}
	weak, err := Params{Memory: 32, Time: 1, Threads: 1, SaltLen: 16, KeyLen: 32}.Hash("weak params pw 1")
	if err != nil {
		t.Fatal(err)
	}
	for name, pw := range map[string]string{"bob": "legacy password 1", "carol": "weak params pw 1"} {
		h := string(b)
		if name == "carol" {
			h = weak
		}
		if err := e.st.PutUser(ctx, &store.User{Name: name, PasswordHash: h}); err != nil {
			t.Fatal(err)
		}
		if _, _, err := e.m.Login(ctx, name, pw, "192.0.2.7"); err != nil {
			t.Fatalf("login of %s = %v", name, err)
		}
		u, _ := e.st.User(ctx, name)
		if !strings.HasPrefix(u.PasswordHash, "$argon2id$v=19$m=64,t=1,p=1$") {
			t.Errorf("%s's hash after login = %.30s…; want the current parameters", name, u.PasswordHash)
		}
		if _, _, err := e.m.Login(ctx, name, pw, "192.0.2.7"); err != nil {
			t.Errorf("second login of %s = %v", name, err)
		}
	}
}

func TestAddUserAndSetPassword(t *testing.T) {
	e := newEnv(t, nil)
	if err := e.m.AddUser(ctx, "Bob", "too short"); !errors.Is(err, ErrWeakPassword) {
		t.Errorf("AddUser(weak) = %v; want ErrWeakPassword", err)
	}
	if err := e.m.AddUser(ctx, "bad name!", alicePW); !errors.Is(err, ErrInvalidName) {
		t.Errorf("AddUser(bad name) = %v; want ErrInvalidName", err)
	}
	if err := e.m.AddUser(ctx, "ALICE", "another good password"); !errors.Is(err, store.ErrExists) {
		t.Errorf("AddUser(ALICE) = %v; want store.ErrExists", err)
	}
	if err := e.m.SetPassword(ctx, "nobody", "another good password"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("SetPassword(nobody) = %v; want store.ErrNotFound", err)
	}
	if err := e.m.SetPassword(ctx, alice, "a brand new password"); err != nil {
		t.Fatal(err)
	}
	if _, _, err := e.m.Login(ctx, alice, alicePW, "192.0.2.7"); !errors.Is(err, ErrBadCredentials) {
		t.Errorf("login with the old password = %v; want ErrBadCredentials", err)
	}
	if _, _, err := e.m.Login(ctx, alice, "a brand new password", "192.0.2.7"); err != nil {
		t.Errorf("login with the new password = %v", err)
	}
}
