package wizard

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/codeprobe/codeprobe/store"
)

// The wizard's cookie holds a random token; the store keeps only its
// SHA-256, so the reference code alone (which the user reads out to
// support) never opens the session in a browser.
const (
	cookieName       = "codeprobe_wizard"
	secureCookieName = "__Host-codeprobe_wizard"
	sessionLifetime  = 7 * 24 * time.Hour
)

// refAlphabet is Crockford's base 32: no I, L, O or U, so a reference read
// over the phone is not misheard.
const refAlphabet = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"

// newRef returns a reference code such as "CP-7K3M-9QX2": 40 random bits.
func newRef() (string, error) {
	var b [8]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", err
	}
	var s strings.Builder
	s.WriteString("CP-")
	for i, c := range b {
		if i == 4 {
			s.WriteByte('-')
		}
		s.WriteByte(refAlphabet[c&31])
	}
	return s.String(), nil
}

// NormalizeRef turns what someone typed ("cp 7k3m 9qx2", "7K3M-9QX2",
// with O for 0 or I for 1) into the canonical form, or "" when it cannot be
// a reference code.
func NormalizeRef(s string) string {
	var b strings.Builder
	for _, r := range strings.ToUpper(s) {
		switch {
		case r == 'O':
			r = '0'
		case r == 'I' || r == 'L':
			r = '1'
		case r == ' ' || r == '-' || r == '\t':
			continue
		}
		if !strings.ContainsRune(refAlphabet, r) {
			return ""
		}
		b.WriteRune(r)
	}
	// The prefix is optional, and a reference's own characters may begin
	// with "CP" (CP-CPAB-1234): strip it only from ten characters.
	t := b.String()
	if len(t) == 10 && strings.HasPrefix(t, "CP") {
		t = t[2:]
	}
	if len(t) != 8 {
		return ""
	}
	return "CP-" + t[:4] + "-" + t[4:]
}

// session is a loaded wizard session.
type session struct {
	ref   string
	token string // the cookie's value; only in memory
	st    State
	rec   *store.WizardSession
}

func hashToken(token string) string {
	sum := sha256.Sum256([]byte(token))
	return hex.EncodeToString(sum[:])
}

func (h *Handler) cookieName() string {
	if h.SecureCookies {
		return secureCookieName
	}
	return cookieName
}

// load returns the session of the request's cookie, or nil when there is
// none (or it is unknown, expired or forged).
func (h *Handler) load(r *http.Request) (*session, error) {
	c, err := r.Cookie(h.cookieName())
	if err != nil {
		return nil, nil
	}
	ref, token, ok := strings.Cut(c.Value, ".")
	if !ok || NormalizeRef(ref) != ref || len(token) < 40 || len(token) > 64 {
		return nil, nil
	}
	rec, err := h.Store.WizardSession(r.Context(), ref)
	if errors.Is(err, store.ErrNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	if subtle.ConstantTimeCompare([]byte(rec.SecretHash), []byte(hashToken(token))) != 1 {
		return nil, nil
	}
	if h.now().Sub(rec.Updated) > sessionLifetime {
		return nil, nil
	}
	s := &session{ref: ref, token: token, rec: rec}
	if len(rec.State) > 0 {
		if err := json.Unmarshal(rec.State, &s.st); err != nil {
			return nil, fmt.Errorf("wizard session %s: %w", ref, err)
		}
	}
	return s, nil
}

// start creates a session and sets its cookie.
func (h *Handler) start(w http.ResponseWriter, ctx context.Context) (*session, error) {
	var tok [32]byte
	if _, err := rand.Read(tok[:]); err != nil {
		return nil, err
	}
	token := base64.RawURLEncoding.EncodeToString(tok[:])
	for range 5 {
		ref, err := newRef()
		if err != nil {
			return nil, err
		}
		rec := &store.WizardSession{Ref: ref, SecretHash: hashToken(token), Created: h.now(), State: []byte("{}")}
		err = h.Store.PutWizardSession(ctx, rec)
		if errors.Is(err, store.ErrExists) {
			continue
		}
		if err != nil {
			return nil, err
		}
		http.SetCookie(w, &http.Cookie{
			Name: h.cookieName(), Value: ref + "." + token, Path: "/",
			MaxAge: int(sessionLifetime / time.Second), HttpOnly: true, Secure: h.SecureCookies,
			SameSite: http.SameSiteLaxMode,
		})
		return &session{ref: ref, token: token, rec: rec}, nil
	}
	return nil, errors.New("wizard: no free reference code after 5 tries")
}

// save writes the session's state.
func (h *Handler) save(ctx context.Context, s *session) error {
	b, err := json.Marshal(&s.st)
	if err != nil {
		return err
	}
	s.rec.State = b
	if s.st.Email != nil {
		s.rec.Address = s.st.Email.Address
	}
	if s.st.SMS != nil && s.st.SMS.E164 != "" {
		s.rec.Phone = s.st.SMS.E164
	}
	return h.Store.UpdateWizardSession(ctx, s.rec)
}

// csrf is the form token of a session: an HMAC of its cookie token, so
// only a page rendered for this browser can post.
func (s *session) csrf() string {
	m := hmac.New(sha256.New, []byte(s.token))
	m.Write([]byte("codeprobe wizard form"))
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil))
}

func (s *session) checkCSRF(r *http.Request) bool {
	got := r.PostFormValue("csrf")
	return subtle.ConstantTimeCompare([]byte(got), []byte(s.csrf())) == 1
}

// codeSession is the testcode session of a wizard session: the Issuer's
// session ID. It is not a secret: checking a code needs the cookie.
func (s *session) codeSession() string { return "wizard:" + s.ref }
