package auth

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
)

func TestRequireRedirectsBrowserToLogin(t *testing.T) {
	e := newEnv(t, nil)
	for _, method := range []string{http.MethodGet, http.MethodHead} {
		w := e.do(httptest.NewRequest(method, "/agent/tickets?id=5&q=a+b", nil))
		if w.Code != http.StatusSeeOther {
			t.Fatalf("%s without session: %d; want 303", method, w.Code)
		}
		want := "/agent/login?next=" + url.QueryEscape("/agent/tickets?id=5&q=a+b")
		if got := w.Header().Get("Location"); got != want {
			t.Errorf("%s Location = %q, want %q", method, got, want)
		}
	}
	// A path that could redirect elsewhere is not passed on.
	w := e.do(httptest.NewRequest(http.MethodGet, "//evil.example/x", nil))
	if got := w.Header().Get("Location"); got != "/agent/login?next=%2Fagent" {
		t.Errorf("Location for //evil.example/x = %q; want next=/agent", got)
	}
}

func TestRequireRefusesOtherMethodsWithout401(t *testing.T) {
	e := newEnv(t, nil)
	for _, method := range []string{http.MethodPost, http.MethodPut, http.MethodPatch, http.MethodDelete} {
		if w := e.do(httptest.NewRequest(method, "/agent/notes", nil)); w.Code != http.StatusUnauthorized {
			t.Errorf("%s without session: %d; want 401", method, w.Code)
		}
	}
}

func TestRequireLetsSessionThroughWithContext(t *testing.T) {
	e := newEnv(t, nil)
	_, c := e.login()
	w := e.do(get(c))
	if w.Code != http.StatusOK || w.Body.String() != "hello alice" {
		t.Errorf("GET with session: %d %q; want 200 hello alice", w.Code, w.Body)
	}
	if cc := w.Header().Get("Cache-Control"); cc != "no-store" {
		t.Errorf("Cache-Control = %q; want no-store", cc)
	}
}

// tamper changes the first character of a token.
func tamper(tok string) string {
	if tok[0] == 'A' {
		return "B" + tok[1:]
	}
	return "A" + tok[1:]
}

// post is a form POST of /agent/notes with the cookie, the form fields
// and the headers.
func post(c *http.Cookie, form url.Values, hdr map[string]string) *http.Request {
	r := httptest.NewRequest(http.MethodPost, "/agent/notes", strings.NewReader(form.Encode()))
	r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	for k, v := range hdr {
		r.Header.Set(k, v)
	}
	if c != nil {
		r.AddCookie(c)
	}
	return r
}

func TestRequireChecksCSRFOnUnsafeMethods(t *testing.T) {
	e := newEnv(t, nil)
	s, c := e.login()
	other, _ := e.login()
	tok := CSRFToken(s)
	if tok == "" || tok == CSRFToken(other) {
		t.Fatalf("CSRF tokens %q and %q: want distinct tokens per session", tok, CSRFToken(other))
	}
	tests := []struct {
		name string
		r    *http.Request
		want int
	}{
		{"no token", post(c, url.Values{"note": {"hi"}}, nil), http.StatusForbidden},
		{"wrong token", post(c, url.Values{"csrf": {tamper(tok)}}, nil), http.StatusForbidden},
		{"another session's token", post(c, url.Values{"csrf": {CSRFToken(other)}}, nil), http.StatusForbidden},
		{"right token in form", post(c, url.Values{"csrf": {tok}}, nil), http.StatusOK},
		{"right token in header", post(c, nil, map[string]string{CSRFHeader: tok}), http.StatusOK},
		{"right token, same-origin fetch", post(c, url.Values{"csrf": {tok}}, map[string]string{"Sec-Fetch-Site": "same-origin"}), http.StatusOK},
		{"right token, cross-site fetch", post(c, url.Values{"csrf": {tok}}, map[string]string{"Sec-Fetch-Site": "cross-site"}), http.StatusForbidden},
		{"right token, foreign Origin", post(c, url.Values{"csrf": {tok}}, map[string]string{"Origin": "https://evil.example"}), http.StatusForbidden},
	}
	for _, tt := range tests {
		if w := e.do(tt.r); w.Code != tt.want {
			t.Errorf("%s: %d %q; want %d", tt.name, w.Code, w.Body, tt.want)
		}
	}
	for _, method := range []string{http.MethodPut, http.MethodPatch, http.MethodDelete} {
		r := httptest.NewRequest(method, "/agent/notes/1", nil)
		r.AddCookie(c)
		if w := e.do(r); w.Code != http.StatusForbidden {
			t.Errorf("%s without token: %d; want 403", method, w.Code)
		}
		r.Header.Set(CSRFHeader, tok)
		if w := e.do(r); w.Code != http.StatusOK {
			t.Errorf("%s with token: %d; want 200", method, w.Code)
		}
	}
}

func TestTrustedOriginMayPost(t *testing.T) {
	e := newEnv(t, func(o *Options) { o.TrustedOrigins = []string{"https://support.example"} })
	s, c := e.login()
	form := url.Values{"csrf": {CSRFToken(s)}}
	if w := e.do(post(c, form, map[string]string{"Origin": "https://support.example"})); w.Code != http.StatusOK {
		t.Errorf("POST from a trusted origin: %d; want 200", w.Code)
	}
	if w := e.do(post(c, form, map[string]string{"Origin": "https://evil.example"})); w.Code != http.StatusForbidden {
		t.Errorf("POST from another origin: %d; want 403", w.Code)
	}
	if _, err := New(e.st, &Options{TrustedOrigins: []string{"not an origin"}}); err == nil {
		t.Error("New accepted a malformed trusted origin")
	}
}

func TestLoginCSRF(t *testing.T) {
	e := newEnv(t, nil)
	w := httptest.NewRecorder()
	tok := e.m.LoginCSRF(w, httptest.NewRequest(http.MethodGet, "/agent/login", nil))
	cookie, err := http.ParseSetCookie(w.Header().Get("Set-Cookie"))
	if err != nil || cookie.Name != LoginCSRFCookie || !cookie.HttpOnly || !cookie.Secure || cookie.SameSite != http.SameSiteStrictMode {
		t.Fatalf("login CSRF Set-Cookie = %q; want a Secure HttpOnly SameSite=Strict %s", w.Header().Get("Set-Cookie"), LoginCSRFCookie)
	}
	if tok == "" || strings.Contains(tok, cookie.Value) {
		t.Fatalf("login token %q: want a signature, not the cookie's nonce", tok)
	}
	// A second form for the same browser reuses the cookie.
	w2 := httptest.NewRecorder()
	r2 := httptest.NewRequest(http.MethodGet, "/agent/login", nil)
	r2.AddCookie(cookie)
	if again := e.m.LoginCSRF(w2, r2); again != tok || w2.Header().Get("Set-Cookie") != "" {
		t.Errorf("second LoginCSRF = %q (Set-Cookie %q); want the same token and no new cookie", again, w2.Header().Get("Set-Cookie"))
	}

	otherKey := newEnv(t, func(o *Options) { o.LoginCSRFKey = []byte(strings.Repeat("k", 32)) })
	planted := &http.Cookie{Name: LoginCSRFCookie, Value: strings.Repeat("A", tokenChars-1) + "Q"}
	tests := []struct {
		name   string
		m      *Manager
		cookie *http.Cookie
		form   url.Values
		hdr    map[string]string
		ok     bool
	}{
		{"cookie and token", e.m, cookie, url.Values{"csrf": {tok}}, nil, true},
		{"no cookie", e.m, nil, url.Values{"csrf": {tok}}, nil, false},
		{"no token", e.m, cookie, url.Values{"user": {"alice"}}, nil, false},
		{"token of another cookie", e.m, planted, url.Values{"csrf": {tok}}, nil, false},
		{"nonce as token", e.m, planted, url.Values{"csrf": {planted.Value}}, nil, false},
		{"another server's key", otherKey.m, cookie, url.Values{"csrf": {tok}}, nil, false},
		{"cross-site", e.m, cookie, url.Values{"csrf": {tok}}, map[string]string{"Sec-Fetch-Site": "cross-site"}, false},
	}
	for _, tt := range tests {
		r := post(tt.cookie, tt.form, tt.hdr)
		if err := tt.m.CheckLoginCSRF(r); (err == nil) != tt.ok {
			t.Errorf("%s: CheckLoginCSRF = %v; want ok=%v", tt.name, err, tt.ok)
		}
	}
}

func TestSafeNext(t *testing.T) {
	tests := map[string]string{
		"/agent/tickets?id=5":           "/agent/tickets?id=5",
		"/":                             "/",
		"/agent#notes":                  "/agent#notes",
		"":                              DefaultNext,
		"agent":                         DefaultNext,
		"//evil.example":                DefaultNext,
		"//evil.example/agent":          DefaultNext,
		"/\\evil.example":               DefaultNext,
		"/a\\..\\\\evil.example":        DefaultNext,
		"https://evil.example/":         DefaultNext,
		"javascript:alert(1)":           DefaultNext,
		"/%0d%0aSet-Cookie:x":           "/%0d%0aSet-Cookie:x", // escaped: inert
		"/agent\r\nSet-Cookie: x":       DefaultNext,
		"/agent\x00":                    DefaultNext,
		"/\tevil.example":               DefaultNext,
		" /agent":                       DefaultNext,
		"/agent/ü":                      DefaultNext,
		"/%zz":                          DefaultNext,
		"\\\\evil.example":              DefaultNext,
		"/" + strings.Repeat("a", 3000): DefaultNext,
	}
	for in, want := range tests {
		if got := SafeNext(in); got != want {
			t.Errorf("SafeNext(%q) = %q, want %q", in, got, want)
		}
	}
}
