package wizard

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"strconv"
	"time"

	"github.com/codeprobe/codeprobe/rules"
	"github.com/codeprobe/codeprobe/store"
	"github.com/codeprobe/codeprobe/ui/layout"
)

// maxShownSends is how many of the session's test sends the status page
// lists, newest first.
const maxShownSends = 5

// sendView is one test send as the user sees it.
type sendView struct {
	Token    string
	Sent     string // "10:02:11 UTC"
	State    string // pending, accepted, deferred, rejected, error, bounced, challenged, autoreplied
	Headline string
	Detail   string
	Advice   string
	Returns  []returnView
}

// returnView is a message that came back for a send.
type returnView struct {
	Kind, Reason, Received, Headline, Advice string
}

// statusView is the live part of the status page.
type statusView struct {
	Address string
	// Requested: the user has asked for a test code in this session.
	Requested bool
	// Waiting: the newest request has no send recorded yet.
	Waiting bool
	// Failed says why the newest request sent nothing, "" when it did or
	// may still.
	Failed string
	Sends  []sendView
	// Final: nothing more will change by itself (the newest send was
	// refused, bounced or challenged, or was accepted long ago).
	Final bool
}

// acceptedQuiet is how long after an acceptance the page stops looking
// for a bounce by itself; later returns still show on reload.
const acceptedQuiet = 10 * time.Minute

func (h *Handler) statusOf(ctx context.Context, s *session) (statusView, error) {
	e := s.st.Email
	v := statusView{Address: e.Address, Final: true, Requested: len(e.Requested) > 0}
	sends, err := h.Store.SendsByAddress(ctx, e.Address, 50)
	if err != nil {
		return v, err
	}
	for _, snd := range sends {
		if snd.SessionID != s.codeSession() {
			continue
		}
		if len(v.Sends) == maxShownSends {
			break
		}
		rets, err := h.Store.ReturnsByToken(ctx, snd.Token, 10)
		if err != nil {
			return v, err
		}
		sv := describeSend(snd, rets)
		if len(v.Sends) == 0 {
			v.Final = sv.State != "pending" && sv.State != "deferred" &&
				!(sv.State == "accepted" && h.now().Sub(snd.Updated) < acceptedQuiet)
		}
		v.Sends = append(v.Sends, sv)
	}
	if n := len(e.Requested); n > 0 {
		asked := e.Requested[n-1]
		if len(sends) == 0 || len(v.Sends) == 0 || newestOf(sends, s.codeSession()).Before(asked) {
			// The newest request has no send yet: under way, or failed.
			v.Waiting, v.Final = true, false
			if f, ok := h.failures.Load(s.codeSession()); ok && !f.(sendFailure).at.Before(asked) {
				v.Waiting, v.Final, v.Failed = false, true, f.(sendFailure).msg
			} else if h.now().Sub(asked) > h.sendTimeout()+30*time.Second {
				v.Waiting, v.Final, v.Failed = false, true, "We couldn't send the test code. Try again in a few minutes."
			}
		}
	}
	return v, nil
}

// newestOf returns when the session's newest send was made.
func newestOf(sends []*store.Send, session string) time.Time {
	for _, snd := range sends {
		if snd.SessionID == session {
			return snd.Created
		}
	}
	return time.Time{}
}

func describeSend(snd *store.Send, rets []*store.Return) sendView {
	sv := sendView{Token: snd.Token, Sent: clock(snd.Created)}
	res := snd.Result
	switch res.Status {
	case "":
		sv.State, sv.Headline = "pending", "Sending: we're talking to your email provider's server…"
	case store.SendAccepted:
		sv.State = "accepted"
		sv.Headline = "Your email provider's server accepted the test code at " + clock(snd.Updated) + "."
		sv.Detail = "It should be in your mailbox within a minute or two. Look in every folder, junk included."
		if res.RemoteHost != "" {
			sv.Detail += " Accepted by " + res.RemoteHost
			if res.QueueID != "" {
				sv.Detail += " (their reference " + res.QueueID + ")"
			}
			sv.Detail += "."
		}
	case store.SendDeferred:
		sv.State = "deferred"
		sv.Headline = "Your email provider's server asked us to try again later."
		sv.Detail = replyText(res)
		sv.Advice = rules.MustLookup("send.deferred").UserAdvice
	case store.SendRejected:
		sv.State = "rejected"
		sv.Headline = "Your email provider's server refused the test code."
		sv.Detail = replyText(res)
		sv.Advice = rules.MustLookup("send.rejected").UserAdvice
	default:
		sv.State = "error"
		sv.Headline = "We couldn't send the test code."
		sv.Advice = rules.MustLookup("send.error").UserAdvice
	}
	for _, rt := range rets {
		rv := describeReturn(rt)
		sv.Returns = append(sv.Returns, rv)
		switch rv.Kind {
		case "bounce":
			sv.State = "bounced"
		case "challenge":
			sv.State = "challenged"
		case "autoreply":
			if sv.State == "accepted" {
				sv.State = "autoreplied"
			}
		}
	}
	// A return changes what the acceptance meant: say so first, not
	// "it should be in your mailbox".
	switch sv.State {
	case "bounced":
		sv.Headline = "Your email provider's server accepted the test code at " + clock(snd.Updated) + ", then sent it back."
		sv.Detail = ""
	case "challenged":
		sv.Headline = "Your email provider's server accepted the test code at " + clock(snd.Updated) + ", but a filter is holding it."
		sv.Detail = ""
	}
	return sv
}

func replyText(res store.SendResult) string {
	if res.ReplyCode == 0 {
		return ""
	}
	t := "Their server answered " + strconv.Itoa(res.ReplyCode)
	if res.EnhancedStatus != "" {
		t += " " + res.EnhancedStatus
	}
	return t + "."
}

// bounceWords says, per bounce reason (sisimai's vocabulary), what it
// means for the user.
var bounceWords = map[string]string{
	"mailboxfull":     "Your mailbox is full, so new email is returned. Delete some messages (and empty the trash), then ask for a new code.",
	"userunknown":     "Your email provider says this address doesn't exist. Check the address, or use another way to sign in.",
	"hostunknown":     "The part after the @ doesn't lead to an email service. Check the address.",
	"suspend":         "Your email provider says this mailbox is suspended or inactive. Sign in to your email to reactivate it.",
	"filtered":        "Your email provider or a filter you set up refused our email. Check your blocked senders and filters.",
	"spamdetected":    "Your email provider took our email for spam and returned it. Add our sender address to your contacts and try again.",
	"blocked":         "Your email provider is refusing email from us at the moment. Contact support with your reference.",
	"rejected":        "Your email provider refused our email. Contact support with your reference.",
	"policyviolation": "Your organisation's email rules refused our email. Ask your IT team to allow email from us.",
	"expired":         "Your email provider couldn't take our email for a long time, so delivery stopped.",
	"toomanyconn":     "Your email provider is receiving too much email from us right now. Wait a few minutes before asking for another code.",
	"speeding":        "Your email provider is receiving too much email from us right now. Wait a few minutes before asking for another code.",
}

func describeReturn(rt *store.Return) returnView {
	c := rt.Classification
	rv := returnView{Kind: c.Kind, Reason: c.Reason, Received: clock(rt.Received)}
	switch c.Kind {
	case "":
		rv.Headline = "A message came back for this test code; we're reading it."
	case "bounce":
		rv.Headline = "The test code bounced: it came back undelivered."
		rv.Advice = bounceWords[c.Reason]
		if rv.Advice == "" {
			rv.Advice = rules.MustLookup("return.bounce").UserAdvice
		}
	case "challenge":
		rv.Headline = "A filter is holding the test code until someone confirms we're a real sender."
		rv.Advice = rules.MustLookup("return.challenge").UserAdvice
	case "autoreply":
		rv.Headline = "Your mailbox sent an automatic reply (such as an out-of-office message)."
		rv.Advice = "That's fine: it means the code reached your mailbox. Look for it there."
	case "feedback":
		rv.Headline = "Someone marked our email as spam at your provider."
		rv.Advice = rules.MustLookup("return.feedback").UserAdvice
	default:
		rv.Headline = "A message came back for this test code."
	}
	return rv
}

func (h *Handler) getStatus(w http.ResponseWriter, r *http.Request, s *session) {
	if s.st.Email == nil {
		redirect(w, r, "/email")
		return
	}
	h.renderStatus(w, r, s, http.StatusOK, "")
}

func (h *Handler) renderStatus(w http.ResponseWriter, r *http.Request, s *session, code int, codeErr string) {
	v, err := h.statusOf(r.Context(), s)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	p := h.page(s, "Your test code", "/email/result")
	p.Scripts = []string{"live.js"}
	if codeErr != "" {
		p.Errors = []layout.FieldError{{Field: "code", Message: codeErr}}
	}
	cv := codeView{Error: codeErr}
	if n := len(s.st.Email.Codes); n > 0 {
		cv.Last = &s.st.Email.Codes[n-1]
	}
	h.render(w, r, code, statusPage(p, v, version(v), cv, s.csrf()))
}

// codeView is the code box and the verdict on the last code typed.
type codeView struct {
	Error string
	Last  *CodeCheck
}

// version fingerprints a status, so the script replaces the region only
// when something changed.
func version(v statusView) string {
	b, _ := json.Marshal(v)
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:8])
}

// getStatusJSON gives the live region for the script: its HTML, its
// version, and whether it is final.
func (h *Handler) getStatusJSON(w http.ResponseWriter, r *http.Request, s *session) {
	if s.st.Email == nil {
		http.NotFound(w, r)
		return
	}
	v, err := h.statusOf(r.Context(), s)
	if err != nil {
		h.log().Error("wizard status", "err", err)
		http.Error(w, "status unavailable", http.StatusServiceUnavailable)
		return
	}
	var buf bytes.Buffer
	if err := statusRegion(v).Render(r.Context(), &buf); err != nil {
		http.Error(w, "status unavailable", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	json.NewEncoder(w).Encode(struct {
		Version string `json:"version"`
		Final   bool   `json:"final"`
		HTML    string `json:"html"`
	}{version(v), v.Final, buf.String()})
}

// codeAdvice says what to do after each verdict on a typed code.
var codeAdvice = map[string]string{
	"ok":                "Your email works. On the sign-in page, ask for one code, wait for it, and type the newest one.",
	"earlier":           "Delete the older emails with codes, and use only the newest one.",
	"expired":           "Codes stop working after a few minutes. Ask for a new code when you're ready to type it straight away.",
	"near-miss":         "Check each digit. If you can, copy the code from the email and paste it.",
	"other-session":     "That code was for another sign-in attempt, such as another browser tab or device. Use the code sent for the page in front of you.",
	"unknown":           "We didn't send that code to this address recently. If it came in a message you didn't expect, don't share it.",
	"too-many-attempts": "That code has been tried too many times. Ask for a new one, and type it carefully.",
}

func (h *Handler) getChecklist(w http.ResponseWriter, r *http.Request, s *session) {
	if s.st.Email == nil {
		redirect(w, r, "/email")
		return
	}
	v := buildResult(s.st.Email)
	h.render(w, r, http.StatusOK, checklistPage(h.page(s, "Other things to check", "/email/status"), v))
}
