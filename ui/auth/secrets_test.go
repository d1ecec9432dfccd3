package auth

import (
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/codeprobe/codeprobe/store"
)

// TestSecretsNeverPrinted walks through every logged path — users added,
// logins good, wrong, unknown, locked and throttled, a corrupt stored
// hash, a refused CSRF check, a logout — and looks for each secret in the
// captured log, in every error, and in the printed session.
func TestSecretsNeverPrinted(t *testing.T) {
	th := &throttle{deny: map[string]bool{"203.0.113.9": true}}
	e := newEnv(t, func(o *Options) { o.Throttle = th; o.Policy = store.LoginPolicy{LockAfter: 3, LockFor: time.Hour} })
	const bobPW, wrongPW = "his secret passphrase", "wrong guess passphrase"
	var errs []error
	try := func(err error) { errs = append(errs, err) }

	if err := e.m.AddUser(ctx, "bob", bobPW); err != nil {
		t.Fatal(err)
	}
	try(e.m.AddUser(ctx, "weak", "weak"))
	s, c, err := e.m.Login(ctx, alice, alicePW, "192.0.2.7")
	if err != nil {
		t.Fatal(err)
	}
	_, _, err = e.m.Login(ctx, "nobody", wrongPW, "192.0.2.7")
	try(err)
	for i := 0; i < 4; i++ {
		_, _, err = e.m.Login(ctx, "bob", wrongPW, "192.0.2.7")
		try(err)
	}
	_, _, err = e.m.Login(ctx, "bob", bobPW, "203.0.113.9")
	try(err)
	corrupt := "$argon2id$v=19$m=4194304,t=2,p=1$c2FsdHNhbHRzYWx0c2FsdA$a2V5a2V5a2V5a2V5a2V5a2V5a2V5a2V5a2V5a2U"
	if err := e.st.PutUser(ctx, &store.User{Name: "carol", PasswordHash: corrupt}); err != nil {
		t.Fatal(err)
	}
	_, _, err = e.m.Login(ctx, "carol", bobPW, "192.0.2.7")
	if !errors.Is(err, ErrMalformedHash) {
		t.Errorf("login over a corrupt hash = %v; want ErrMalformedHash", err)
	}
	try(err)
	w := e.do(post(c, url.Values{"csrf": {"forged"}}, nil))
	if w.Code != http.StatusForbidden {
		t.Fatalf("forged CSRF: %d", w.Code)
	}
	try(e.m.Logout(httptest.NewRecorder(), get(c)))
	e.m.log.Info("session", "s", s)

	bob, _ := e.st.User(ctx, "bob")
	secrets := map[string]string{
		"alice's password": alicePW, "bob's password": bobPW, "a guessed password": wrongPW,
		"session token": c.Value, "session ID": s.id, "CSRF secret": s.csrf, "CSRF token": CSRFToken(s),
		"bob's hash":     bob.PasswordHash[strings.LastIndexByte(bob.PasswordHash, '$')+1:],
		"a corrupt hash": corrupt[strings.LastIndexByte(corrupt, '$')+1:],
	}
	var printed strings.Builder
	printed.WriteString(e.logs.String())
	for _, err := range errs {
		if err != nil {
			printed.WriteString(err.Error() + "\n")
		}
	}
	fmt.Fprintf(&printed, "%v %+v %#v %s\n", s, s, s, s)
	slog.New(slog.NewTextHandler(&printed, nil)).Info("x", "session", s)
	for what, secret := range secrets {
		if strings.Contains(printed.String(), secret) {
			t.Errorf("%s appears in logs, errors or printed session", what)
		}
	}
	// The capture must have caught the events it is searched for.
	for _, want := range []string{"login failed: wrong password", "login failed: no such user",
		"account locked", "login throttled", "stored password hash unusable", "request refused", "session of alice"} {
		if !strings.Contains(printed.String(), want) {
			t.Errorf("captured output lacks %q", want)
		}
	}
}
