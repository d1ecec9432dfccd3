package agent

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"github.com/codeprobe/codeprobe/ratelimit"
	"github.com/codeprobe/codeprobe/store"
	"github.com/codeprobe/codeprobe/testcode"
	"github.com/codeprobe/codeprobe/ui/api"
	"github.com/codeprobe/codeprobe/ui/auth"
	"github.com/codeprobe/codeprobe/ui/httpx"
	"github.com/codeprobe/codeprobe/ui/layout"
	"github.com/codeprobe/codeprobe/ui/wizard"
)

// lookupView is the look-up form and, for a phone number, the wizard
// sessions that asked about it.
type lookupView struct {
	Query   string
	Phone   string
	Matches []*store.WizardSession
}

// maxQuery bounds the look-up field.
const maxQuery = 320

func (h *Handler) getLookup(w http.ResponseWriter, r *http.Request) {
	q := strings.TrimSpace(r.URL.Query().Get("q"))
	v := lookupView{Query: q}
	p := h.page(r, "Look up a user", "")
	switch {
	case q == "":
	case len(q) > maxQuery:
		p.Errors = []layout.FieldError{{Field: "q", Message: "That is too long: enter an email address, a phone number or a reference code"}}
	case wizard.NormalizeRef(q) != "":
		http.Redirect(w, r, "/agent/ref/"+wizard.NormalizeRef(q), http.StatusSeeOther)
		return
	case strings.Contains(q, "@"):
		if a, ok := canonical(q); ok {
			http.Redirect(w, r, addressURL(a), http.StatusSeeOther)
			return
		}
		p.Errors = []layout.FieldError{{Field: "q", Message: "That email address isn't written correctly"}}
	default:
		phone := digitsPhone(q)
		if phone == "" {
			p.Errors = []layout.FieldError{{Field: "q", Message: "Enter an email address, a phone number with its country code (+44…), or a reference code (CP-…)"}}
			break
		}
		m, err := h.Store.WizardSessionsByAddress(r.Context(), phone, 20)
		if err != nil {
			h.fail(w, r, err)
			return
		}
		v.Phone, v.Matches = phone, m
	}
	code := http.StatusOK
	if len(p.Errors) > 0 {
		code = http.StatusUnprocessableEntity
	}
	h.render(w, r, code, lookupPage(p, v))
}

// digitsPhone turns "+44 7700 900123" (or "+44 (0)7700 900123") into
// "+447700900123", the E.164
// form the wizard stores; "" when it is not a number with a country code.
func digitsPhone(q string) string {
	// "+44 (0)7400 123456": the trunk prefix people write in brackets
	// after the country code is not dialled from abroad.
	q = strings.Replace(q, "(0)", "", 1)
	var b strings.Builder
	for i, c := range q {
		switch {
		case c == '+' && i == 0:
			b.WriteRune(c)
		case c >= '0' && c <= '9':
			b.WriteRune(c)
		case c == ' ' || c == '-' || c == '(' || c == ')' || c == '.':
		default:
			return ""
		}
	}
	s := b.String()
	if !strings.HasPrefix(s, "+") || len(s) < 8 || len(s) > 16 {
		return ""
	}
	return s
}

func (h *Handler) postSend(w http.ResponseWriter, r *http.Request) {
	address, ok := canonical(r.PathValue("address"))
	if !ok {
		h.notFound(w, r, "That is not an email address.")
		return
	}
	d, err := h.Limits.Allow(r.Context(), ratelimit.RecipientKeys(address)...)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	if !d.OK {
		http.Redirect(w, r, addressURL(address)+"?done=limited#sends", http.StatusSeeOther)
		return
	}
	s, _ := auth.FromContext(r.Context())
	// The agent waits for the receiving server's answer, which the page
	// then shows.
	ctx, cancel := httpx.Waiting(w, r, h.SendTimeout)
	defer cancel()
	_, err = h.Sender.Send(ctx, api.CodeSession("agent", s.User, h.now()), address)
	done := "sent"
	switch {
	case errors.Is(err, testcode.ErrTooManyCodes):
		done = "toomany"
	case err != nil:
		h.log().Warn("agent test send", "user", s.User, "err", err)
		done = "failed"
	default:
		h.log().Info("agent sent a test code", "user", s.User)
	}
	http.Redirect(w, r, addressURL(address)+"?done="+done+"#sends", http.StatusSeeOther)
}

// refCase assembles a wizard session's case.
func (h *Handler) refCase(ctx context.Context, ref string) (*caseView, *store.WizardSession, error) {
	ws, err := h.Store.WizardSession(ctx, ref)
	if err != nil {
		return nil, nil, err
	}
	var st wizard.State
	if err := json.Unmarshal(ws.State, &st); err != nil {
		return nil, nil, fmt.Errorf("wizard session %s: %w", ref, err)
	}
	v := &caseView{Ref: ref, Wizard: &st, Address: ws.Address}
	f := Facts{App: nil, SMS: st.SMS}
	if st.App != nil {
		f.App = st.App.Checks
	}
	if e := st.Email; e != nil {
		v.Check, f.Report, f.Codes = e.Report, e.Report, e.Codes
		if v.Sends, err = h.loadSends(ctx, e.Address, "wizard:"+ref); err != nil {
			return nil, nil, err
		}
		f.Sends = v.Sends
	}
	v.Causes = Rank(f)
	v.Reply = Reply(v.Causes, ref)
	return v, ws, nil
}

func (h *Handler) getRef(w http.ResponseWriter, r *http.Request) {
	ref := wizard.NormalizeRef(r.PathValue("ref"))
	if ref == "" {
		h.notFound(w, r, "That is not a reference code: they look like CP-7K3M-9QX2.")
		return
	}
	v, ws, err := h.refCase(r.Context(), ref)
	if errors.Is(err, store.ErrNotFound) {
		h.notFound(w, r, "No wizard session has the reference "+ref+". Sessions are kept for 30 days.")
		return
	}
	if err != nil {
		h.fail(w, r, err)
		return
	}
	h.render(w, r, http.StatusOK, refPage(h.page(r, "Reference "+ref, "/agent"), v, ws))
}

func (h *Handler) getRefJSON(w http.ResponseWriter, r *http.Request) {
	v, err := h.RefExport(r.Context(), r.PathValue("ref"))
	if errors.Is(err, store.ErrNotFound) {
		http.Error(w, "no such reference", http.StatusNotFound)
		return
	}
	if err != nil {
		h.fail(w, r, err)
		return
	}
	writeJSON(w, "codeprobe-"+wizard.NormalizeRef(r.PathValue("ref"))+".json", v)
}

// RefExport is the JSON export of a wizard session: what the user did
// and what the wizard found, the test sends with their transcripts and
// returns, and the ranked causes with the reply. The test enrolment's
// secret and the codes typed for it are left out. ErrNotFound when there is no such session.
func (h *Handler) RefExport(ctx context.Context, ref string) (any, error) {
	ref = wizard.NormalizeRef(ref)
	if ref == "" {
		return nil, store.ErrNotFound
	}
	v, ws, err := h.refCase(ctx, ref)
	if err != nil {
		return nil, err
	}
	st := *v.Wizard
	if st.App != nil {
		app := *st.App
		app.Secret = ""
		app.Checks = make([]wizard.AppCheck, len(st.App.Checks))
		for i, c := range st.App.Checks {
			c.Code = ""
			app.Checks[i] = c
		}
		st.App = &app
	}
	return map[string]any{
		"ref": ref, "created": ws.Created, "updated": ws.Updated, "address": ws.Address, "phone": ws.Phone,
		"wizard": st, "causes": v.Causes, "reply": v.Reply, "sends": exportSends(v.Sends),
	}, nil
}

// maxRawShown bounds the raw message the page shows.
const maxRawShown = 256 << 10

func (h *Handler) getReturn(w http.ResponseWriter, r *http.Request) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || id <= 0 {
		h.notFound(w, r, "There is no returned message with that number.")
		return
	}
	rt, err := h.Store.Return(r.Context(), id)
	if errors.Is(err, store.ErrNotFound) {
		h.notFound(w, r, "There is no returned message with that number.")
		return
	}
	if err != nil {
		h.fail(w, r, err)
		return
	}
	raw, cut := rt.Raw, false
	if len(raw) > maxRawShown {
		raw, cut = raw[:maxRawShown], true
	}
	h.render(w, r, http.StatusOK, returnPage(h.page(r, "Returned message "+strconv.FormatInt(id, 10), "/agent"), rt, string(raw), cut))
}
