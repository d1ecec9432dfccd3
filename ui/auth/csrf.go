package auth

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
)

// Where a form or script puts its CSRF token.
const (
	CSRFField  = "csrf"
	CSRFHeader = "X-CSRF-Token"
)

// Names of the login form's CSRF cookie, Secure and not (see
// [SessionCookie]).
const (
	LoginCSRFCookie         = "__Host-codeprobe_login"
	InsecureLoginCSRFCookie = "codeprobe_login"
)

// ErrCSRF: an unsafe request without the right CSRF token, or one the
// browser marks as coming from another site.
var ErrCSRF = errors.New("auth: request failed the CSRF check")

// CSRFToken returns the token that forms and scripts of the session send
// back with every unsafe request, in the field [CSRFField] or the header
// [CSRFHeader]: HMAC-SHA256 of the session's secret over "csrf", in
// base64url. It is the same for the whole session.
func CSRFToken(s *Session) string {
	secret, err := hex.DecodeString(s.csrf)
	if err != nil || len(secret) == 0 {
		// A store that kept a malformed secret: no token matches it.
		return ""
	}
	return mac(secret, "csrf")
}

func mac(key []byte, msg string) string {
	h := hmac.New(sha256.New, key)
	h.Write([]byte(msg))
	return base64.RawURLEncoding.EncodeToString(h.Sum(nil))
}

// submitted returns the CSRF token of a request: the header, or else the
// form field.
func submitted(r *http.Request) string {
	if v := r.Header.Get(CSRFHeader); v != "" {
		return v
	}
	return r.PostFormValue(CSRFField)
}

// equalToken compares a submitted token with the expected one in constant
// time; an empty expected token matches nothing.
func equalToken(got, want string) bool {
	return want != "" && hmac.Equal([]byte(got), []byte(want))
}

// CheckCSRF reports whether r, an unsafe request made in session s, comes
// from this site and carries the session's token. [Manager.Require] calls
// it for every unsafe request.
func (m *Manager) CheckCSRF(r *http.Request, s *Session) error {
	if err := m.crossOrigin.Check(r); err != nil {
		return fmt.Errorf("%w: cross-origin request", ErrCSRF)
	}
	if !equalToken(submitted(r), CSRFToken(s)) {
		return fmt.Errorf("%w: missing or wrong token", ErrCSRF)
	}
	return nil
}

func (m *Manager) loginCookieName() string {
	if m.secure {
		return LoginCSRFCookie
	}
	return InsecureLoginCSRFCookie
}

// loginToken is the login form's token for the cookie's nonce.
func (m *Manager) loginToken(nonce string) string { return mac(m.csrfKey, "login-csrf\x00"+nonce) }

// LoginCSRF returns the token for the login form, to send back in the
// field [CSRFField]. The browser keeps a random nonce in a cookie, set
// here when it has none, and the token is the nonce signed with the
// Manager's key: another site can neither read the cookie nor forge the
// token for a cookie it planted.
func (m *Manager) LoginCSRF(w http.ResponseWriter, r *http.Request) string {
	if c, err := r.Cookie(m.loginCookieName()); err == nil {
		if nonce, ok := tokenFromCookie(c.Value); ok {
			return m.loginToken(nonce)
		}
	}
	var raw [tokenLen]byte
	_, _ = rand.Read(raw[:]) // crypto/rand.Read never fails (Go 1.24)
	nonce := base64.RawURLEncoding.EncodeToString(raw[:])
	http.SetCookie(w, m.cookie(m.loginCookieName(), nonce))
	return m.loginToken(nonce)
}

// CheckLoginCSRF reports whether a login form post came from this site
// and carries the token [Manager.LoginCSRF] gave for its cookie.
func (m *Manager) CheckLoginCSRF(r *http.Request) error {
	if err := m.crossOrigin.Check(r); err != nil {
		return fmt.Errorf("%w: cross-origin request", ErrCSRF)
	}
	c, err := r.Cookie(m.loginCookieName())
	if err != nil {
		return fmt.Errorf("%w: no login cookie (are cookies enabled?)", ErrCSRF)
	}
	nonce, ok := tokenFromCookie(c.Value)
	if !ok {
		return fmt.Errorf("%w: malformed login cookie", ErrCSRF)
	}
	if !equalToken(submitted(r), m.loginToken(nonce)) {
		return fmt.Errorf("%w: missing or wrong token", ErrCSRF)
	}
	return nil
}
