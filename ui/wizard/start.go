package wizard

import (
	"net/http"

	"github.com/codeprobe/codeprobe/ui/layout"
)

// channels are the start page's choices, in the order shown.
var channels = []layout.Option{
	{Value: "email", Label: "By email"},
	{Value: "app", Label: "From an authenticator app", Hint: "Such as Google Authenticator, Microsoft Authenticator or Authy."},
	{Value: "sms", Label: "By text message"},
}

func (h *Handler) getStart(w http.ResponseWriter, r *http.Request) {
	s, err := h.load(r)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	chosen := ""
	if s != nil {
		chosen = s.st.Channel
	}
	h.render(w, r, http.StatusOK, startPage(h.page(s, "How were you expecting your code?", ""), channelRadios(chosen, "")))
}

func channelRadios(chosen, errMsg string) layout.Radios {
	opts := make([]layout.Option, len(channels))
	for i, o := range channels {
		o.Checked = o.Value == chosen
		opts[i] = o
	}
	return layout.Radios{Name: "channel", Question: "How were you expecting your code?", Heading: true,
		Hint: "We'll check the things that most often stop a sign-in code arriving.", Error: errMsg, Options: opts}
}

// postStart records the channel, starting a session when there is none.
// It needs no form token: choosing a channel changes nothing that
// matters, and a session has yet to exist.
func (h *Handler) postStart(w http.ResponseWriter, r *http.Request) {
	if !h.sameSite(r) {
		h.forbidden(w, r)
		return
	}
	ch := r.PostFormValue("channel")
	switch ch {
	case "email", "app", "sms":
	default:
		msg := "Select how you were expecting your code"
		p := h.page(nil, "How were you expecting your code?", "")
		p.Errors = []layout.FieldError{{Field: "channel", Message: msg}}
		h.render(w, r, http.StatusUnprocessableEntity, startPage(p, channelRadios("", msg)))
		return
	}
	s, err := h.load(r)
	if err == nil && s == nil {
		s, err = h.start(w, r.Context())
	}
	if err != nil {
		h.fail(w, r, err)
		return
	}
	s.st.Channel = ch
	s.st.record(h.now(), "chose "+ch)
	h.saveAndGo(w, r, s, "/"+ch)
}

func (h *Handler) getHelp(topic string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		s, err := h.load(r)
		if err != nil {
			h.fail(w, r, err)
			return
		}
		if topic == "locked" {
			h.render(w, r, http.StatusOK, lockedPage(h.page(s, "Locked out after too many tries", "/")))
			return
		}
		h.render(w, r, http.StatusOK, unrequestedPage(h.page(s, "You got a code you didn't ask for", "/")))
	}
}

func (h *Handler) getDone(w http.ResponseWriter, r *http.Request, s *session) {
	back := "/"
	if s.st.Channel != "" {
		back = "/" + s.st.Channel
	}
	h.render(w, r, http.StatusOK, donePage(h.page(s, "What to do next", back), s.ref, s.st.Channel))
}
