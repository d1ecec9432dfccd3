package wizard

import (
	"net/http"
	"strings"

	"github.com/codeprobe/codeprobe/diagnose/authapp"
	"github.com/codeprobe/codeprobe/ui/layout"
)

// testAccount is the account name of the throwaway test enrolment, as the
// user's app lists it.
const testAccount = "test (you can delete this)"

func (h *Handler) issuer() string {
	if h.Issuer != "" {
		return h.Issuer
	}
	return "codeprobe test"
}

// enrolment returns the session's test enrolment, making one the first
// time.
func (h *Handler) enrolment(r *http.Request, s *session) (*authapp.Enrolment, error) {
	if s.st.App != nil && s.st.App.Secret != "" {
		return authapp.EnrolmentFromSecret(h.issuer(), testAccount, s.st.App.Secret)
	}
	e, err := authapp.NewEnrolment(h.issuer(), testAccount)
	if err != nil {
		return nil, err
	}
	s.st.App = &AppState{Secret: e.Secret(), Created: h.now().UTC()}
	s.st.record(h.now(), "made a test enrolment")
	if err := h.save(r.Context(), s); err != nil {
		return nil, err
	}
	return e, nil
}

// appView is the enrolment page.
type appView struct {
	Issuer, Account, Key string
	Field                layout.Field
}

func codeField(errMsg, value string) layout.Field {
	return layout.Field{ID: "code", Name: "code", Label: "Type the 6-digit code your app shows for “" + testAccount + "”",
		Hint: "Type it as soon as it appears. It changes every 30 seconds.", Type: "text",
		Autocomplete: "one-time-code", InputMode: "numeric", Code: true, Error: errMsg, Value: value, TestID: "code"}
}

func (h *Handler) getApp(w http.ResponseWriter, r *http.Request, s *session) {
	e, err := h.enrolment(r, s)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	v := appView{Issuer: h.issuer(), Account: testAccount, Key: e.ManualKey(), Field: codeField("", "")}
	h.render(w, r, http.StatusOK, appPage(h.page(s, "Test your authenticator app", "/"), v, s.csrf()))
}

// getAppQR serves the test enrolment's QR code.
func (h *Handler) getAppQR(w http.ResponseWriter, r *http.Request, s *session) {
	e, err := h.enrolment(r, s)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	png, err := e.QRPNG()
	if err != nil {
		h.fail(w, r, err)
		return
	}
	w.Header().Set("Content-Type", "image/png")
	w.Header().Set("Cache-Control", "no-store")
	w.Write(png)
}

func (h *Handler) postApp(w http.ResponseWriter, r *http.Request, s *session) {
	if s.st.App == nil || s.st.App.Secret == "" {
		redirect(w, r, "/app")
		return
	}
	typed := strings.TrimSpace(r.PostFormValue("code"))
	errMsg := ""
	switch {
	case typed == "":
		errMsg = "Enter the code your app shows"
	case len(typed) > maxCodeInput:
		errMsg = "That is too long for a code: enter only the 6 digits"
	}
	var res authapp.Result
	refine := r.PostFormValue("refine") == "1" && len(s.st.App.Checks) > 0
	if errMsg == "" {
		if refine {
			prev := s.st.App.Checks[len(s.st.App.Checks)-1]
			res = authapp.DiagnoseTwo(s.st.App.Secret, prev.Code, typed, prev.At, h.now())
		} else {
			res = authapp.Diagnose(s.st.App.Secret, typed, h.now())
		}
		switch res.Kind {
		case authapp.KindMalformed:
			errMsg = res.Message
		case authapp.KindUnchecked:
			h.log().Warn("wizard test enrolment unusable", "err", res.Err)
			s.st.App = nil // a fresh enrolment below
			errMsg = "The test account could not be checked. Scan the new QR code and try again"
		}
	}
	if errMsg != "" && refine && s.st.App != nil {
		c := s.st.App.Checks[len(s.st.App.Checks)-1]
		p := h.page(s, appHeadline(c.Kind), "/app")
		p.Errors = []layout.FieldError{{Field: "code", Message: errMsg}}
		next := codeField(errMsg, typed[:min(len(typed), maxCodeInput)])
		h.render(w, r, http.StatusUnprocessableEntity, appResultPage(p, c, next, s.csrf()))
		return
	}
	if errMsg != "" {
		e, err := h.enrolment(r, s)
		if err != nil {
			h.fail(w, r, err)
			return
		}
		v := appView{Issuer: h.issuer(), Account: testAccount, Key: e.ManualKey(), Field: codeField(errMsg, typed[:min(len(typed), maxCodeInput)])}
		p := h.page(s, "Test your authenticator app", "/")
		p.Errors = []layout.FieldError{{Field: "code", Message: errMsg}}
		h.render(w, r, http.StatusUnprocessableEntity, appPage(p, v, s.csrf()))
		return
	}
	code, _ := authapp.NormalizeCode(typed)
	s.st.App.Checks = keepLast(s.st.App.Checks, AppCheck{At: h.now().UTC(), Kind: string(res.Kind),
		SkewSec: int(res.Skew.Seconds()), Message: res.Message, Advice: res.Advice, Code: code, Refined: refine})
	s.st.record(h.now(), "tested the authenticator app: "+string(res.Kind))
	h.saveAndGo(w, r, s, "/app/result")
}

func (h *Handler) getAppResult(w http.ResponseWriter, r *http.Request, s *session) {
	if s.st.App == nil || len(s.st.App.Checks) == 0 {
		redirect(w, r, "/app")
		return
	}
	c := s.st.App.Checks[len(s.st.App.Checks)-1]
	h.render(w, r, http.StatusOK, appResultPage(h.page(s, appHeadline(c.Kind), "/app"), c, codeField("", ""), s.csrf()))
}

func appHeadline(kind string) string {
	switch kind {
	case "ok":
		return "Your authenticator app works"
	case "skewed":
		return "Your phone's clock is wrong"
	case "timezone":
		return "Your phone's time zone is wrong"
	}
	return "That code doesn't match the test"
}
