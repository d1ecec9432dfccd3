package auth

import (
	"net/url"
	"strings"
	"testing"
)

// FuzzParsePHC: the parser never panics, accepts only what is within the
// cost bounds, and has one spelling per hash: what it accepts re-encodes
// to the same string. Its errors never quote the input.
func FuzzParsePHC(f *testing.F) {
	f.Add("$argon2id$v=19$m=19456,t=2,p=1$c2FsdHNhbHRzYWx0c2FsdA$a2V5a2V5a2V5a2V5a2V5a2V5a2V5a2V5a2V5a2U")
	f.Add("$argon2id$v=19$m=4194304,t=2,p=1$c2FsdHNhbHRzYWx0c2FsdA$a2V5a2V5a2V5a2V5a2V5a2V5a2V5a2V5a2V5a2U")
	f.Add("$argon2i$v=19$m=65536,t=3,p=4$c29tZXNhbHQ$RdescudvJCsgt3ub+b+dWRWJTmaaJObG")
	f.Add("$2b$10$N9qo8uLOickgx2ZMRZoMyeIjZAgcfl7p92ldGxad68LJZdL17lhWy")
	f.Fuzz(func(t *testing.T, s string) {
		h, err := parsePHC(s)
		if err != nil {
			if len(s) > 24 && strings.Contains(err.Error(), s) {
				t.Errorf("error %q quotes the input", err)
			}
			return
		}
		if err := h.params.Validate(); err != nil {
			t.Errorf("accepted %q with parameters out of bounds: %v", s, err)
		}
		if got := h.encode(); got != s {
			t.Errorf("accepted %q, which re-encodes as %q", s, got)
		}
	})
}

// FuzzVerify: a stored hash of any shape is refused or checked, never a
// panic, and nothing but the right password matches a real hash.
func FuzzVerify(f *testing.F) {
	f.Add("$2b$04$N9qo8uLOickgx2ZMRZoMyeIjZAgcfl7p92ldGxad68LJZdL17lhWy", "password")
	f.Add("$argon2id$v=19$m=64,t=1,p=1$c2FsdHNhbHRzYWx0c2FsdA$a2V5a2V5a2V5a2V5a2V5a2V5a2V5a2V5a2V5a2U", "x")
	f.Add("$2y$99$"+strings.Repeat(".", 53), "")
	f.Fuzz(func(t *testing.T, hash, password string) {
		// Costs within bounds but too slow to fuzz are left to the tests.
		if h, err := parsePHC(hash); err == nil && h.params.Memory*h.params.Time > 4096 {
			t.Skip()
		}
		if checkBcrypt(hash) == nil && hash[4:6] > "06" {
			t.Skip()
		}
		ok, _, err := cheap.Verify(hash, password)
		if err != nil && ok {
			t.Errorf("Verify(%q) = ok with error %v", hash, err)
		}
	})
}

// FuzzSafeNext: what SafeNext returns is either the input or the
// default, and in any case a path on this site.
func FuzzSafeNext(f *testing.F) {
	for _, s := range []string{"/agent", "//evil.example", "/\\evil", "https://x/", "/a?b=c#d", "/%2F%2Fx", "/\x7f"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got := SafeNext(s)
		if got != s && got != DefaultNext {
			t.Fatalf("SafeNext(%q) = %q: neither the input nor the default", s, got)
		}
		u, err := url.Parse(got)
		if err != nil || u.Scheme != "" || u.Host != "" || !strings.HasPrefix(got, "/") ||
			strings.HasPrefix(got, "//") || strings.ContainsAny(got, "\\\r\n\t ") {
			t.Fatalf("SafeNext(%q) = %q, which can leave the site", s, got)
		}
		// A browser resolving it against this site stays on this site.
		base, _ := url.Parse("https://codeprobe.example/agent/login")
		if r := base.ResolveReference(u); r.Host != base.Host {
			t.Fatalf("SafeNext(%q) = %q resolves to host %q", s, got, r.Host)
		}
	})
}

// FuzzSessionCookie: a cookie value is a token only if it is exactly 32
// bytes of canonical base64url.
func FuzzSessionCookie(f *testing.F) {
	f.Add("AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA")
	f.Add("AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAB")
	f.Add("")
	f.Fuzz(func(t *testing.T, v string) {
		tok, ok := tokenFromCookie(v)
		if !ok {
			return
		}
		if tok != v || len(v) != tokenChars || strings.ContainsAny(v, "+/=") {
			t.Errorf("tokenFromCookie(%q) accepted %q", v, tok)
		}
	})
}
