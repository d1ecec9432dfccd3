package agent

import (
	"cmp"
	"fmt"
	"slices"
	"strings"

	"github.com/codeprobe/codeprobe/diagnose"
	"github.com/codeprobe/codeprobe/rules"
	"github.com/codeprobe/codeprobe/store"
	"github.com/codeprobe/codeprobe/ui/wizard"
)

// Facts is everything known about one user's case: the address check,
// the test sends with what came back, and what the wizard found.
type Facts struct {
	Report *diagnose.Report
	Sends  []SendFacts // newest first
	Codes  []wizard.CodeCheck
	App    []wizard.AppCheck
	SMS    *wizard.SMSState
}

// SendFacts is one test send and the messages that came back for it.
type SendFacts struct {
	Send    *store.Send
	Returns []*store.Return
}

// Cause is one likely reason the user's codes don't work, with what to
// do about it (from the rules catalogue).
type Cause struct {
	ID         string         `json:"id"`
	Severity   rules.Severity `json:"severity"`
	Summary    string         `json:"summary"`
	Detail     string         `json:"detail,omitempty"`
	Advice     string         `json:"agent_advice"`
	UserAdvice string         `json:"user_advice"`
	// Source says what showed it: "address check", "test send", "returned
	// message", "seed mailboxes", "typed code", "authenticator test",
	// "phone number".
	Source string `json:"source"`
	// Weight orders the causes: direct observations of this user's mail
	// (a bounce, a challenge, a refused send, a typed code) outrank what
	// the DNS suggests, which outranks what seed mailboxes show in
	// general.
	Weight int `json:"weight"`
}

// findingWeights rank the check's findings; others rank by severity.
var findingWeights = map[string]int{
	rules.AddressSyntax: 94, rules.DomainNXDomain: 94, rules.MXNull: 94, rules.MXNone: 94,
	rules.MXUnresolvable: 90, rules.MXPrivateAddress: 90, rules.MXIPLiteral: 90,
	rules.AddressTypo: 85, rules.PlacementMissing: 78, rules.PlacementJunk: 74,
	rules.AddressDisposable: 60, rules.SMTPGreylisted: 58, rules.PlacementDelayed: 55,
}

var severityWeights = map[rules.Severity]int{rules.Fail: 70, rules.Warn: 40}

// Rank returns the likely causes, most likely first. Informational and
// passing findings of the address check are left out; a passing typed
// code or app test is kept, as it tells the agent what works.
func Rank(f Facts) []Cause {
	byID := map[string]Cause{}
	add := func(id, detail, source string, weight int) {
		r, ok := rules.Lookup(id)
		if !ok || weight <= 0 {
			return
		}
		c := Cause{ID: id, Severity: r.Severity, Summary: r.Summary, Detail: detail, Advice: r.AgentAdvice,
			UserAdvice: r.UserAdvice, Source: source, Weight: weight}
		if old, ok := byID[id]; !ok || old.Weight < weight {
			byID[id] = c
		}
	}
	if f.Report != nil {
		for _, fd := range f.Report.Findings {
			w, ok := findingWeights[fd.ID]
			if !ok {
				w = severityWeights[fd.Severity]
			}
			src := "address check"
			if strings.HasPrefix(fd.ID, "placement.") {
				src = "seed mailboxes"
			}
			add(fd.ID, fd.Detail, src, w)
			if c, ok := byID[fd.ID]; ok && c.Severity != fd.Severity {
				c.Severity = fd.Severity
				byID[fd.ID] = c
			}
		}
	}
	if len(f.Sends) > 0 {
		rankSend(f.Sends[0], add)
	}
	if n := len(f.Codes); n > 0 {
		last := f.Codes[n-1]
		add("code."+last.Kind, last.Detail, "typed code", codeWeights[last.Kind])
	}
	if n := len(f.App); n > 0 {
		last := f.App[n-1]
		add(appIDs[last.Kind], last.Message, "authenticator test", appWeights[last.Kind])
	}
	if f.SMS != nil && f.SMS.Verdict != "" {
		add(phoneIDs[f.SMS.Verdict], f.SMS.Message, "phone number", phoneWeights[f.SMS.Verdict])
	}
	out := make([]Cause, 0, len(byID))
	for _, c := range byID {
		out = append(out, c)
	}
	slices.SortFunc(out, func(a, b Cause) int {
		return cmp.Or(cmp.Compare(b.Weight, a.Weight), cmp.Compare(a.ID, b.ID))
	})
	return out
}

// rankSend adds what the newest test send showed.
func rankSend(sf SendFacts, add func(id, detail, source string, weight int)) {
	res := sf.Send.Result
	reply := ""
	if res.ReplyCode != 0 {
		reply = strings.TrimSpace(fmt.Sprintf("%d %s", res.ReplyCode, res.EnhancedStatus))
	}
	returned := false
	for _, rt := range sf.Returns {
		c := rt.Classification
		detail := strings.TrimSpace(strings.Join(nonEmpty(c.Reason, c.Status, c.Diagnostic), " · "))
		switch c.Kind {
		case "challenge":
			add(rules.ReturnChallenge, detail, "returned message", 97)
			returned = true
		case "bounce":
			add(rules.ReturnBounce, detail, "returned message", 95)
			returned = true
		case "feedback":
			add(rules.ReturnFeedback, detail, "returned message", 50)
		case "autoreply":
			add(rules.ReturnAutoreply, detail, "returned message", 30)
		case "reply":
			add(rules.ReturnReply, detail, "returned message", 20)
		}
	}
	switch res.Status {
	case store.SendRejected:
		add(rules.SendRejected, reply, "test send", 92)
	case store.SendDeferred:
		add(rules.SendDeferred, reply, "test send", 56)
	case store.SendError:
		add(rules.SendError, "", "test send", 15)
	case store.SendAccepted:
		if !returned {
			detail := "Accepted"
			if res.RemoteHost != "" {
				detail += " by " + res.RemoteHost
			}
			if res.QueueID != "" {
				detail += ", queue ID " + res.QueueID
			}
			add(rules.SendAccepted, detail, "test send", 35)
		}
	}
}

func nonEmpty(ss ...string) []string {
	var out []string
	for _, s := range ss {
		if s = strings.TrimSpace(s); s != "" {
			out = append(out, s)
		}
	}
	return out
}

var codeWeights = map[string]int{
	"ok": 88, "earlier": 86, "too-many-attempts": 76, "expired": 75, "near-miss": 72, "other-session": 70, "unknown": 45,
}

var appIDs = map[string]string{
	"ok": rules.AuthAppOK, "skewed": rules.AuthAppSkew, "timezone": rules.AuthAppTimezone, "wrong": rules.AuthAppWrong,
}

var appWeights = map[string]int{"skewed": 96, "timezone": 96, "wrong": 60, "ok": 50}

var phoneIDs = map[string]string{
	"invalid": rules.PhoneInvalid, "voip": rules.PhoneVOIP, "landline": rules.PhoneLandline,
	"mobile": rules.PhoneMobile, "unknown": rules.PhoneUnknown,
}

var phoneWeights = map[string]int{"invalid": 96, "voip": 96, "landline": 96, "unknown": 45, "mobile": 40}

// maxReplyCauses is how many causes the suggested reply explains.
const maxReplyCauses = 2

// Reply is a reply to paste into the ticket: the end-user advice of the
// top causes, in plain words, and the reference to quote.
func Reply(causes []Cause, ref string) string {
	var b strings.Builder
	b.WriteString("Hello,\n\nThank you for getting in touch. We've checked why your sign-in code isn't reaching you")
	b.WriteString(", and this is what we found.\n\n")
	n := 0
	for _, c := range causes {
		if n == maxReplyCauses {
			break
		}
		if c.UserAdvice == "" || c.Severity == rules.Info {
			continue
		}
		r, _ := rules.Lookup(c.ID)
		if r.Audience != rules.Recipient {
			continue
		}
		b.WriteString(c.UserAdvice)
		b.WriteString("\n\n")
		n++
	}
	if n == 0 {
		b.WriteString("We found nothing wrong with your address: email can reach it. Please look in every folder, junk included, " +
			"ask for one new code, and wait two minutes before asking again: only the newest code works.\n\n")
	}
	b.WriteString("If it still doesn't work, reply to this message")
	if ref != "" {
		b.WriteString(" and quote your reference " + ref)
	}
	b.WriteString(".\n")
	return b.String()
}
