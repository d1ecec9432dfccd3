package agent

import (
	"errors"
	"net/http"
	"time"

	"github.com/codeprobe/codeprobe/ratelimit"
	"github.com/codeprobe/codeprobe/ui/auth"
	"github.com/codeprobe/codeprobe/ui/httpx"
	"github.com/codeprobe/codeprobe/ui/layout"
)

// loginView is the login form.
type loginView struct {
	Name, Next, CSRF, Error string
}

func (h *Handler) getLogin(w http.ResponseWriter, r *http.Request) {
	if _, err := h.Auth.Session(r); err == nil {
		http.Redirect(w, r, auth.SafeNext(r.URL.Query().Get("next")), http.StatusSeeOther)
		return
	}
	v := loginView{Next: auth.SafeNext(r.URL.Query().Get("next")), CSRF: h.Auth.LoginCSRF(w, r)}
	h.render(w, r, http.StatusOK, loginPage(h.page(r, "Sign in", ""), v))
}

func (h *Handler) postLogin(w http.ResponseWriter, r *http.Request) {
	v := loginView{Name: r.PostFormValue("username"), Next: auth.SafeNext(r.PostFormValue("next"))}
	if err := h.Auth.CheckLoginCSRF(r); err != nil {
		v.CSRF = h.Auth.LoginCSRF(w, r)
		v.Error = "The sign-in form had expired. Enter your details again."
		h.loginError(w, r, http.StatusForbidden, v)
		return
	}
	_, cookie, err := h.Auth.Login(r.Context(), v.Name, r.PostFormValue("password"), ratelimit.IPSubject(httpx.ClientIP(r, h.ClientIP)))
	var locked *auth.LockedError
	var throttled *auth.ThrottledError
	switch {
	case err == nil:
		http.SetCookie(w, cookie)
		http.Redirect(w, r, v.Next, http.StatusSeeOther)
		return
	case errors.As(err, &locked), errors.Is(err, auth.ErrBadCredentials):
		// One answer for both, so the page does not tell which user names
		// exist (a made-up name is never locked).
		v.Error = "The user name or password is wrong, or the account is locked after too many failed sign-ins. " +
			"Wait 15 minutes before trying again, or ask an administrator to reset the password."
		h.loginErrorCode(w, r, http.StatusUnauthorized, v)
	case errors.As(err, &throttled):
		w.Header().Set("Retry-After", retryAfter(throttled.RetryAfter))
		v.Error = "Too many sign-in attempts from this computer. Try again in " + throttled.RetryAfter.Round(time.Second).String() + "."
		h.loginErrorCode(w, r, http.StatusTooManyRequests, v)
	default:
		h.fail(w, r, err)
	}
}

func (h *Handler) loginErrorCode(w http.ResponseWriter, r *http.Request, code int, v loginView) {
	v.CSRF = h.Auth.LoginCSRF(w, r)
	h.loginError(w, r, code, v)
}

func (h *Handler) loginError(w http.ResponseWriter, r *http.Request, code int, v loginView) {
	p := h.page(r, "Sign in", "")
	p.Errors = []layout.FieldError{{Field: "username", Message: v.Error}}
	h.render(w, r, code, loginPage(p, v))
}

func retryAfter(d time.Duration) string {
	s := int(d.Round(time.Second) / time.Second)
	if s < 1 {
		s = 1
	}
	return itoa(s)
}

func (h *Handler) postLogout(w http.ResponseWriter, r *http.Request) {
	if err := h.Auth.Logout(w, r); err != nil {
		h.log().Warn("logout", "err", err)
	}
	http.Redirect(w, r, "/agent/login", http.StatusSeeOther)
}
