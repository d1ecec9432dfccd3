package agent

import (
	"context"
	"crypto/rand"
	"encoding/base32"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/codeprobe/codeprobe/diagnose"
	"github.com/codeprobe/codeprobe/store"
	"github.com/codeprobe/codeprobe/testcode"
	"github.com/codeprobe/codeprobe/ui/auth"
	"github.com/codeprobe/codeprobe/ui/wizard"
)

// caseView is one user's case as the console shows it: a check (stored
// or from the wizard), the sends and returns as they are now, what the
// wizard found, and the ranked causes with the reply.
type caseView struct {
	Address string
	Check   *diagnose.Report
	// Report is the stored report shown, nil on the address and
	// reference pages.
	Report  *store.Report
	Sends   []SendFacts
	Wizards []*store.WizardSession
	// Attempts are the codes typed in the sessions of these sends.
	Attempts []*store.Attempt
	Wizard   *wizard.State
	Ref      string
	Causes   []Cause
	Reply    string
	Flash    string
}

// reportBody is a stored report's JSON: the check as the agent saw it.
type reportBody struct {
	Check  *diagnose.Report `json:"check"`
	Causes []Cause          `json:"causes"`
	Reply  string           `json:"reply"`
}

const maxCaseSends = 20

// loadSends returns the address's sends, newest first, with their returns;
// when session is not "", only that session's.
func (h *Handler) loadSends(ctx context.Context, address, session string) ([]SendFacts, error) {
	sends, err := h.Store.SendsByAddress(ctx, address, 100)
	if err != nil {
		return nil, err
	}
	var out []SendFacts
	for _, s := range sends {
		if session != "" && s.SessionID != session {
			continue
		}
		if len(out) == maxCaseSends {
			break
		}
		rets, err := h.Store.ReturnsByToken(ctx, s.Token, 20)
		if err != nil {
			return nil, err
		}
		out = append(out, SendFacts{Send: s, Returns: rets})
	}
	return out, nil
}

// loadAttempts returns the codes typed in the sessions of sends.
func (h *Handler) loadAttempts(ctx context.Context, sends []SendFacts) ([]*store.Attempt, error) {
	seen := map[string]bool{}
	var out []*store.Attempt
	for _, s := range sends {
		id := s.Send.SessionID
		if id == "" || seen[id] {
			continue
		}
		seen[id] = true
		as, err := h.Store.Attempts(ctx, id, 20)
		if err != nil {
			return nil, err
		}
		out = append(out, as...)
	}
	return out, nil
}

// addressCase assembles the case of an address from the store.
func (h *Handler) addressCase(ctx context.Context, address string, check *diagnose.Report) (*caseView, error) {
	v := &caseView{Address: address, Check: check}
	var err error
	if v.Sends, err = h.loadSends(ctx, address, ""); err != nil {
		return nil, err
	}
	if v.Attempts, err = h.loadAttempts(ctx, v.Sends); err != nil {
		return nil, err
	}
	if v.Wizards, err = h.Store.WizardSessionsByAddress(ctx, address, 10); err != nil {
		return nil, err
	}
	v.Causes = Rank(Facts{Report: check, Sends: v.Sends, Codes: attemptChecks(v.Attempts)})
	v.Reply = Reply(v.Causes, "")
	return v, nil
}

// attemptChecks turns stored attempts (newest first) into the wizard's
// code checks (oldest first), for ranking.
func attemptChecks(as []*store.Attempt) []wizard.CodeCheck {
	out := make([]wizard.CodeCheck, 0, len(as))
	for i := len(as) - 1; i >= 0; i-- {
		out = append(out, wizard.CodeCheck{At: as[i].Time, Kind: string(as[i].Verdict)})
	}
	return out
}

// canonical returns the address in the form sends are stored under.
func canonical(raw string) (string, bool) {
	a, err := testcode.CanonicalAddress(strings.TrimSpace(raw))
	return a, err == nil
}

func addressURL(address string) string { return "/agent/address/" + url.PathEscape(address) }

func (h *Handler) getAddress(w http.ResponseWriter, r *http.Request) {
	address, ok := canonical(r.PathValue("address"))
	if !ok {
		h.notFound(w, r, "That is not an email address.")
		return
	}
	var check *diagnose.Report
	reps, err := h.Reports.ReportsByAddress(r.Context(), address, 1)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	var latest *store.Report
	if len(reps) > 0 {
		latest = reps[0]
		var body reportBody
		if err := json.Unmarshal(latest.Body, &body); err == nil {
			check = body.Check
		}
	}
	v, err := h.addressCase(r.Context(), address, check)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	v.Flash = flashText(r.URL.Query().Get("done"))
	h.render(w, r, http.StatusOK, casePage(h.page(r, address, "/agent"), v, latest))
}

func flashText(done string) string {
	switch done {
	case "sent":
		return "The test code was sent: the receiving server's answer is below. Reload this page to see anything that comes back."
	case "failed":
		return "The test code could not be sent; the reason is in the server's log. Try again in a few minutes."
	case "toomany":
		return "You have sent today's most test codes to this address. More would not help, and could look like abuse to the provider."
	case "limited":
		return "This address has had several test codes recently. Wait before sending another: more sends won't help and may look like abuse to the provider."
	}
	return ""
}

func (h *Handler) postCheck(w http.ResponseWriter, r *http.Request) {
	address, ok := canonical(r.PathValue("address"))
	if !ok {
		h.notFound(w, r, "That is not an email address.")
		return
	}
	d := h.CheckTimeout
	if d <= 0 {
		d = 30 * time.Second
	}
	ctx, cancel := context.WithTimeout(r.Context(), d)
	check := h.Checker.Check(ctx, address)
	cancel()
	v, err := h.addressCase(r.Context(), address, check)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	body, err := json.Marshal(reportBody{Check: check, Causes: v.Causes, Reply: v.Reply})
	if err != nil {
		h.fail(w, r, err)
		return
	}
	s, _ := auth.FromContext(r.Context())
	rep := &store.Report{ID: newReportID(), Created: h.now(), Agent: s.User, Address: address,
		Ref: wizard.NormalizeRef(r.PostFormValue("ref")), Body: body}
	if err := h.Reports.PutReport(r.Context(), rep); err != nil {
		h.fail(w, r, err)
		return
	}
	h.log().Info("agent ran a check", "user", s.User, "report", rep.ID)
	http.Redirect(w, r, "/agent/reports/"+rep.ID, http.StatusSeeOther)
}

// newReportID returns 16 characters of lower-case base32: 80 random bits,
// so links cannot be guessed.
func newReportID() string {
	var b [10]byte
	rand.Read(b[:])
	return strings.ToLower(base32.StdEncoding.WithPadding(base32.NoPadding).EncodeToString(b[:]))
}

// report loads a stored report and its body.
func (h *Handler) report(ctx context.Context, id string) (*store.Report, *reportBody, error) {
	rep, err := h.Reports.Report(ctx, id)
	if err != nil {
		return nil, nil, err
	}
	var body reportBody
	if err := json.Unmarshal(rep.Body, &body); err != nil {
		return nil, nil, fmt.Errorf("report %s: %w", rep.ID, err)
	}
	return rep, &body, nil
}

func (h *Handler) loadReport(w http.ResponseWriter, r *http.Request) (*store.Report, *reportBody, bool) {
	rep, body, err := h.report(r.Context(), r.PathValue("id"))
	if errors.Is(err, store.ErrNotFound) || errors.Is(err, store.ErrInvalid) {
		h.notFound(w, r, "There is no report with that link.")
		return nil, nil, false
	}
	if err != nil {
		h.fail(w, r, err)
		return nil, nil, false
	}
	return rep, body, true
}

func (h *Handler) getReport(w http.ResponseWriter, r *http.Request) {
	rep, body, ok := h.loadReport(w, r)
	if !ok {
		return
	}
	v, err := h.addressCase(r.Context(), rep.Address, body.Check)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	v.Report, v.Ref = rep, rep.Ref
	v.Reply = Reply(v.Causes, rep.Ref)
	h.render(w, r, http.StatusOK, casePage(h.page(r, "Report on "+rep.Address, addressURL(rep.Address)), v, rep))
}

func exportSends(sends []SendFacts) []store.SendSummary {
	out := make([]store.SendSummary, 0, len(sends))
	for _, sf := range sends {
		out = append(out, sf.Send.Summary(sf.Returns))
	}
	return out
}

func writeJSON(w http.ResponseWriter, name string, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("Content-Disposition", `attachment; filename="`+name+`"`)
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.Encode(v)
}

func (h *Handler) getReportJSON(w http.ResponseWriter, r *http.Request) {
	v, err := h.ReportExport(r.Context(), r.PathValue("id"))
	if errors.Is(err, store.ErrNotFound) || errors.Is(err, store.ErrInvalid) {
		http.Error(w, "no such report", http.StatusNotFound)
		return
	}
	if err != nil {
		h.fail(w, r, err)
		return
	}
	writeJSON(w, "codeprobe-report-"+r.PathValue("id")+".json", v)
}

// ReportExport is the JSON export of a stored report: the check as the
// agent saw it, its causes and reply, and the address's test sends as
// they are now. ErrNotFound when there is no such report.
func (h *Handler) ReportExport(ctx context.Context, id string) (any, error) {
	rep, body, err := h.report(ctx, id)
	if err != nil {
		return nil, err
	}
	sends, err := h.loadSends(ctx, rep.Address, "")
	if err != nil {
		return nil, err
	}
	return map[string]any{
		"id": rep.ID, "created": rep.Created, "agent": rep.Agent, "address": rep.Address, "ref": rep.Ref,
		"check": body.Check, "causes": body.Causes, "reply": body.Reply, "sends": exportSends(sends),
	}, nil
}

func itoa(n int) string { return strconv.Itoa(n) }
