package wizard

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"time"

	"github.com/codeprobe/codeprobe/ratelimit"
	"github.com/codeprobe/codeprobe/testcode"
	"github.com/codeprobe/codeprobe/ui/httpx"
	"github.com/codeprobe/codeprobe/ui/layout"
)

func (h *Handler) sendKeys(r *http.Request, address string) []ratelimit.Key {
	return ratelimit.SendKeys(httpx.ClientIP(r, h.ClientIP), address)
}

// postSend sends a real test code to the address being checked, within
// the rate limits, and moves on to its live status. The send runs in the
// background: the status page shows it as it goes.
func (h *Handler) postSend(w http.ResponseWriter, r *http.Request, s *session) {
	e := s.st.Email
	if e == nil || e.Report == nil {
		redirect(w, r, "/email")
		return
	}
	v := buildResult(e)
	if v.Blocked {
		redirect(w, r, "/email/result")
		return
	}
	d, err := h.Limits.Allow(r.Context(), h.sendKeys(r, e.Address)...)
	if err != nil || !d.OK {
		code := http.StatusServiceUnavailable
		msg := "We can't send a test code right now. Try again in a few minutes."
		if err == nil {
			code = http.StatusTooManyRequests
			v.RetryAt = clock(d.RetryAt)
			msg = "You've asked for several test codes in a short time. You can ask for another at " + v.RetryAt + "."
			w.Header().Set("Retry-After", strconv.Itoa(max(1, int(d.RetryAfter().Seconds()+0.5))))
		} else {
			h.log().Warn("rate limit store", "err", err)
		}
		p := h.page(s, "What we found about "+e.Address, "/email")
		p.Errors = []layout.FieldError{{Field: "send", Message: msg}}
		h.render(w, r, code, resultPage(p, v, s.csrf()))
		return
	}
	e.Requested = keepLast(e.Requested, h.now().UTC())
	s.st.record(h.now(), "asked for a test code")
	if err := h.save(r.Context(), s); err != nil {
		h.fail(w, r, err)
		return
	}
	h.sendInBackground(s.codeSession(), e.Address)
	redirect(w, r, "/email/status")
}

func (h *Handler) sendInBackground(session, to string) {
	h.sends.Go(h.sendTimeout(), func(ctx context.Context) {
		_, err := h.Sender.Send(ctx, session, to)
		if err == nil {
			h.failures.Delete(session)
			return
		}
		h.log().Warn("wizard test send", "session", session, "err", err)
		msg := "We couldn't send the test code. Try again in a few minutes."
		if errors.Is(err, testcode.ErrTooManyCodes) {
			msg = "This help session has sent all the test codes it can. Start again from the first page to send more."
		}
		h.failures.Store(session, sendFailure{at: h.now(), msg: msg})
	})
}

// sendFailure is why a session's newest test send sent nothing; the
// status page shows it. It is kept in memory only: after a restart, a
// request that never became a send is called failed once the send
// timeout has passed.
type sendFailure struct {
	at  time.Time
	msg string
}

func (h *Handler) sendTimeout() time.Duration {
	if h.SendTimeout > 0 {
		return h.SendTimeout
	}
	return 2 * time.Minute
}

// Wait waits for the test sends under way, for a clean shutdown (and for
// tests).
func (h *Handler) Wait() { h.sends.Wait() }

// maxCodeInput bounds the code field.
const maxCodeInput = 64

func (h *Handler) postCode(w http.ResponseWriter, r *http.Request, s *session) {
	e := s.st.Email
	if e == nil {
		redirect(w, r, "/email")
		return
	}
	typed := r.PostFormValue("code")
	if typed == "" || len(typed) > maxCodeInput {
		msg := "Enter the code from the email"
		if typed != "" {
			msg = "That is too long for a code: enter only the digits"
		}
		h.renderStatus(w, r, s, http.StatusUnprocessableEntity, msg)
		return
	}
	v, err := h.Codes.Check(r.Context(), s.codeSession(), e.Address, typed)
	if err != nil {
		h.fail(w, r, fmt.Errorf("checking a typed code: %w", err))
		return
	}
	e.Codes = keepLast(e.Codes, CodeCheck{At: h.now().UTC(), Kind: string(v.Kind), Detail: v.Detail})
	s.st.record(h.now(), "typed a code: "+string(v.Kind))
	h.saveAndGo(w, r, s, "/email/status#code-result")
}
