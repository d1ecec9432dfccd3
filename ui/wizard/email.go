package wizard

import (
	"context"
	"net/http"
	"strings"
	"time"

	"github.com/codeprobe/codeprobe/diagnose"
	"github.com/codeprobe/codeprobe/rules"
	"github.com/codeprobe/codeprobe/testcode"
	"github.com/codeprobe/codeprobe/ui/layout"
)

// maxAddressInput bounds what the address field accepts (RFC 5321 §4.5.3.1.3
// allows 254 octets in a path; a little more for spaces people paste).
const maxAddressInput = 320

func (h *Handler) getEmail(w http.ResponseWriter, r *http.Request, s *session) {
	f := addressField("", "")
	if s.st.Email != nil {
		f.Value = s.st.Email.Typed
	}
	h.render(w, r, http.StatusOK, emailPage(h.page(s, f.Label, "/"), f, s.csrf()))
}

func addressField(value, errMsg string) layout.Field {
	return layout.Field{ID: "address", Name: "address", Label: "What email address should the code go to?",
		Hint: "Use the address you sign in with, or the one your account sends codes to.", Type: "email",
		Autocomplete: "email", InputMode: "email", Heading: true, Value: value, Error: errMsg, TestID: "address"}
}

func (h *Handler) postEmail(w http.ResponseWriter, r *http.Request, s *session) {
	typed := strings.TrimSpace(r.PostFormValue("address"))
	errMsg := ""
	switch {
	case typed == "":
		errMsg = "Enter your email address"
	case len(typed) > maxAddressInput:
		errMsg = "That is too long for an email address: check what you entered"
	}
	var rep *diagnose.Report
	if errMsg == "" {
		rep = h.check(r.Context(), typed)
		if !rep.ValidSyntax {
			errMsg = "Enter an email address in the correct format, like name@example.com"
			if f := finding(rep, "address.syntax"); f != nil && f.Detail != "" {
				errMsg += ". " + f.Detail
			}
		}
	}
	if errMsg != "" {
		f := addressField(typed[:min(len(typed), maxAddressInput)], errMsg)
		p := h.page(s, f.Label, "/")
		p.Errors = []layout.FieldError{{Field: "address", Message: errMsg}}
		h.render(w, r, http.StatusUnprocessableEntity, emailPage(p, f, s.csrf()))
		return
	}
	s.st.Email = &EmailState{Typed: typed, Address: canonical(rep.Address), Suggestion: canonical(rep.Suggestion),
		Report: rep, Checked: h.now()}
	s.st.record(h.now(), "checked an email address")
	if rep.Suggestion != "" {
		h.saveAndGo(w, r, s, "/email/suggestion")
		return
	}
	h.saveAndGo(w, r, s, "/email/result")
}

// canonical is the form of an address that sends, code sessions and the
// agent console's look-ups share (lower case, ASCII domain), so that
// Ann@Gmail.com typed here is found as ann@gmail.com there; "" stays "".
func canonical(addr string) string {
	if c, err := testcode.CanonicalAddress(addr); err == nil {
		return c
	}
	return addr
}

// check runs the full check of an address, bounded by CheckTimeout.
func (h *Handler) check(ctx context.Context, address string) *diagnose.Report {
	d := h.CheckTimeout
	if d <= 0 {
		d = 15 * time.Second
	}
	ctx, cancel := context.WithTimeout(ctx, d)
	defer cancel()
	return h.Checker.Check(ctx, address)
}

func finding(rep *diagnose.Report, id string) *diagnose.Finding {
	if rep == nil {
		return nil
	}
	for i := range rep.Findings {
		if rep.Findings[i].ID == id {
			return &rep.Findings[i]
		}
	}
	return nil
}

func suggestionRadios(e *EmailState, errMsg string) layout.Radios {
	return layout.Radios{Name: "use", Heading: true, Question: "Did you mean " + e.Suggestion + "?",
		Hint: "The part after the @ looks like a misspelling of a common email domain.", Error: errMsg,
		Options: []layout.Option{
			{Value: "suggestion", Label: "Yes, use " + e.Suggestion},
			{Value: "typed", Label: "No, " + e.Address + " is right"},
		}}
}

func (h *Handler) getSuggestion(w http.ResponseWriter, r *http.Request, s *session) {
	e := s.st.Email
	if e == nil || e.Suggestion == "" {
		redirect(w, r, "/email")
		return
	}
	rd := suggestionRadios(e, "")
	h.render(w, r, http.StatusOK, suggestionPage(h.page(s, rd.Question, "/email"), rd, s.csrf()))
}

func (h *Handler) postSuggestion(w http.ResponseWriter, r *http.Request, s *session) {
	e := s.st.Email
	if e == nil || e.Suggestion == "" {
		redirect(w, r, "/email")
		return
	}
	switch r.PostFormValue("use") {
	case "suggestion":
		e.Address, e.SuggestionAnswered = e.Suggestion, true
		e.Report, e.Checked = h.check(r.Context(), e.Address), h.now()
		s.st.record(h.now(), "accepted the suggested address")
	case "typed":
		e.SuggestionAnswered = true
		s.st.record(h.now(), "kept the address as typed")
	default:
		rd := suggestionRadios(e, "Select whether you meant "+e.Suggestion)
		p := h.page(s, rd.Question, "/email")
		p.Errors = []layout.FieldError{{Field: "use", Message: rd.Error}}
		h.render(w, r, http.StatusUnprocessableEntity, suggestionPage(p, rd, s.csrf()))
		return
	}
	h.saveAndGo(w, r, s, "/email/result")
}

// blocking are the findings after which no email can reach the address:
// the result page says so and offers no test send.
var blocking = map[string]bool{
	"address.syntax": true, "domain.nxdomain": true, "mx.null": true, "mx.none": true,
	"mx.unresolvable": true, "mx.private-address": true, "mx.ip-literal": true,
}

// userVisible are the findings the end user is told about, in this
// order, with the catalogue's advice for end users.
var userVisible = []string{
	"address.syntax", "domain.nxdomain", "mx.null", "mx.none", "mx.unresolvable", "mx.private-address",
	"mx.ip-literal", "address.typo", "address.disposable", "address.role", "smtp.greylisted",
	"smtp.unreachable", "placement.missing", "placement.junk", "placement.delayed", "placement.inbox",
}

// resultView is what the email result page shows.
type resultView struct {
	Address  string
	Blocked  bool
	Problems []adviceItem // the findings the user should know, worst first
	Provider *rules.Provider
	Gateway  *rules.Provider
	// Inconclusive: the check could not finish (DNS or network trouble).
	Inconclusive bool
	CanSend      bool
	RetryAt      string // "10:14 UTC" when sends are limited
	Sent         int    // test codes already sent
}

type adviceItem struct {
	ID, Summary, Detail, Advice string
	Severity                    rules.Severity
}

func buildResult(e *EmailState) resultView {
	v := resultView{Address: e.Address, Sent: len(e.Requested)}
	rep := e.Report
	if rep == nil {
		return v
	}
	for _, id := range userVisible {
		f := finding(rep, id)
		if f == nil {
			continue
		}
		rule := rules.MustLookup(id)
		v.Problems = append(v.Problems, adviceItem{ID: id, Summary: f.Summary, Detail: f.Detail, Advice: rule.UserAdvice, Severity: f.Severity})
		if blocking[id] {
			v.Blocked = true
		}
	}
	for _, f := range rep.Findings {
		if f.Severity == rules.Inconclusive {
			v.Inconclusive = true
		}
	}
	if p, ok := rules.ProviderByID(rep.Provider); ok {
		v.Provider = &p
	}
	if g, ok := rules.ProviderByID(rep.Gateway); ok {
		v.Gateway = &g
	}
	return v
}

func (h *Handler) getEmailResult(w http.ResponseWriter, r *http.Request, s *session) {
	e := s.st.Email
	if e == nil || e.Report == nil {
		redirect(w, r, "/email")
		return
	}
	v := buildResult(e)
	if !v.Blocked {
		d, err := h.Limits.Peek(r.Context(), h.sendKeys(r, e.Address)...)
		v.CanSend = err == nil && d.OK
		if err == nil && !d.OK {
			v.RetryAt = clock(d.RetryAt)
		}
	}
	title := "What we found about " + e.Address
	back := "/email"
	if e.Suggestion != "" {
		back = "/email/suggestion"
	}
	h.render(w, r, http.StatusOK, resultPage(h.page(s, title, back), v, s.csrf()))
}

// clock formats a time for users: "10:14:05 UTC".
func clock(t time.Time) string { return t.UTC().Format("15:04:05") + " UTC" }
