package main

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

// TestServeDemo runs `codeprobe serve --demo`: it prints the address and
// the demo agent's password, serves the wizard and /healthz, lets the
// demo agent sign in, and stops on cancel.
func TestServeDemo(t *testing.T) {
	addr := freeAddr(t)
	ctx, cancel := context.WithCancel(context.Background())
	var stdout, stderr syncBuffer
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, []string{"serve", "--demo", "--listen", addr, "--db", filepath.Join(t.TempDir(), "d.db")},
			strings.NewReader(""), &stdout, &stderr)
	}()
	pwRe := regexp.MustCompile(`user "demo", password "([^"]+)"`)
	deadline := time.Now().Add(60 * time.Second)
	for !pwRe.MatchString(stdout.String()) {
		if time.Now().After(deadline) {
			cancel()
			t.Fatalf("no banner after 60 s\nstdout: %s\nstderr: %s", stdout.String(), stderr.String())
		}
		time.Sleep(20 * time.Millisecond)
	}
	out := stdout.String()
	if !strings.Contains(out, "http://"+addr+"/") || !strings.Contains(out, "full@gmail.com") {
		t.Errorf("banner does not name the site and the demo addresses:\n%s", out)
	}
	base := "http://" + addr
	for path, want := range map[string]string{"/": "How were you expecting your code?", "/healthz": "ok"} {
		resp, err := http.Get(base + path)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 200 || !strings.Contains(string(body), want) {
			t.Errorf("GET %s: %d, body lacks %q", path, resp.StatusCode, want)
		}
	}
	// The demo account signs in: the login form's CSRF cookie and field,
	// then the console.
	jar := newJar()
	c := &http.Client{Jar: jar}
	resp, err := c.Get(base + "/agent/login")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	m := regexp.MustCompile(`name="csrf" value="([^"]+)"`).FindSubmatch(body)
	if m == nil {
		t.Fatalf("login page without a CSRF field:\n%s", body)
	}
	form := url.Values{"username": {"demo"}, "password": {pwRe.FindStringSubmatch(out)[1]}, "csrf": {string(m[1])}, "next": {"/agent"}}
	resp, err = c.PostForm(base+"/agent/login", form)
	if err != nil {
		t.Fatal(err)
	}
	body, _ = io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.Request.URL.Path != "/agent" || !strings.Contains(string(body), "Look up a user") {
		t.Errorf("after signing in: %s %d, want the look-up page", resp.Request.URL.Path, resp.StatusCode)
	}
	if strings.Contains(stderr.String(), pwRe.FindStringSubmatch(out)[1]) {
		t.Error("the log shows the demo password")
	}
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("serve returned %v", err)
		}
	case <-time.After(60 * time.Second):
		t.Fatal("serve did not stop within 60 s of cancel")
	}
}

// TestUsersCommand adds an account, refuses a weak password and a second
// account of the same name, lists it without its hash, issues a token and
// removes it.
func TestUsersCommand(t *testing.T) {
	db := filepath.Join(t.TempDir(), "u.db")
	pw := filepath.Join(t.TempDir(), "pw")
	if err := os.WriteFile(pw, []byte("correct horse battery staple\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	cmd := func(args ...string) (string, string, error) {
		var stdout, stderr bytes.Buffer
		err := run(context.Background(), append([]string{"users"}, args...), strings.NewReader("short\n"), &stdout, &stderr)
		return stdout.String(), stderr.String(), err
	}
	if _, _, err := cmd("add", "--db", db, "--password-file", pw, "alice"); err != nil {
		t.Fatalf("users add: %v", err)
	}
	if _, _, err := cmd("add", "--db", db, "--password-file", pw, "alice"); err == nil {
		t.Error("a second alice was added")
	}
	var ee *exitError
	if _, _, err := cmd("add", "--db", db, "--password-file", "-", "bob"); !errors.As(err, &ee) || ee.code != 2 {
		t.Errorf("a 5-character password: %v, want a usage error", err)
	}
	out, _, err := cmd("list", "--db", db)
	if err != nil || !strings.Contains(out, "alice") || strings.Contains(out, "bob") || strings.Contains(out, "$argon2id$") {
		t.Errorf("users list = %q, %v: want alice only, without her hash", out, err)
	}
	out, _, err = cmd("token", "--db", db, "--ttl", "1h", "alice")
	if err != nil || !strings.HasPrefix(out, "cpt_") {
		t.Errorf("users token = %q, %v", out, err)
	}
	if out, _, err := cmd("revoke", "--db", db, "alice"); err != nil || !strings.Contains(out, "ended 1 ") {
		t.Errorf("users revoke = %q, %v; want the token ended", out, err)
	}
	typo := filepath.Join(t.TempDir(), "typo.db")
	if _, _, err := cmd("list", "--db", typo); err == nil {
		t.Error("users list on a missing database succeeded")
	}
	if _, err := os.Stat(typo); err == nil {
		t.Error("users list made a new database for a mistyped --db")
	}
	if _, _, err := cmd("bogus", "--db", typo, "x"); err == nil {
		t.Error("an unknown users command succeeded")
	}
	if _, _, err := cmd("remove", "--db", db, "alice"); err != nil {
		t.Errorf("users remove: %v", err)
	}
	if out, _, _ := cmd("list", "--db", db); strings.Contains(out, "alice") {
		t.Errorf("alice still listed after remove:\n%s", out)
	}
}

func newJar() http.CookieJar {
	j, _ := cookiejar.New(nil)
	return j
}
