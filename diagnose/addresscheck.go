package diagnose

import (
	"errors"
	"fmt"
	"strings"

	"github.com/codeprobe/codeprobe/diagnose/address"
	"github.com/codeprobe/codeprobe/diagnose/lists"
	"github.com/codeprobe/codeprobe/diagnose/typo"
	"github.com/codeprobe/codeprobe/rules"
)

// typoCandidate is a suggestion awaiting what DNS says about the typed
// domain.
type typoCandidate struct {
	local string // the local part to put in front of the corrected domain
	s     typo.Suggestion
}

// checkAddress runs the offline checks: syntax, typo, internationalisation,
// role, disposable and free-mail. It returns the parsed address (nil when
// the syntax is invalid) and the typo suggestion, if any.
func (ru *run) checkAddress(raw string) (*address.Address, *typoCandidate) {
	a, err := address.Parse(raw)
	if err != nil {
		var se *address.SyntaxError
		detail := err.Error()
		if errors.As(err, &se) {
			detail = se.Detail
		}
		ru.add(newFinding(rules.AddressSyntax, sentence(detail)))
		local, domain, ok := splitLoose(raw)
		ru.r.Domain = domain
		if ok {
			if s, found := typo.Suggest(domain); found {
				return nil, &typoCandidate{local: local, s: s}
			}
		}
		return nil, nil
	}
	ru.r.ValidSyntax = true
	ru.r.Domain = a.ASCIIDomain
	if a.DomainLiteral.IsValid() {
		ru.r.Domain = "[" + a.DomainLiteral.String() + "]"
		ru.add(newFinding(rules.AddressIPLiteral,
			fmt.Sprintf("The address names a server by its IP address (%s) instead of a domain.", a.DomainLiteral)))
		return a, nil
	}
	if a.IDN {
		ru.add(newFinding(rules.AddressIDN,
			fmt.Sprintf("%s is written %s in DNS (its A-label form).", a.UnicodeDomain, a.ASCIIDomain)))
	}
	if a.NeedsSMTPUTF8 {
		ru.add(newFinding(rules.AddressSMTPUTF8,
			fmt.Sprintf("The part before the @ (%q) has non-ASCII characters; only servers that support SMTPUTF8 can deliver to it.", a.Local)))
	}
	if lists.IsRole(a.Local) {
		ru.add(newFinding(rules.AddressRole,
			fmt.Sprintf("%q is a role mailbox: codes sent to it go to whoever reads the shared inbox.", a.Local)))
	}
	suggestion, isTypo := typo.Suggest(a.ASCIIDomain)
	switch {
	case isTypo && suggestion.Squat:
		// A typo-squat of a big provider is on disposable lists too; the
		// typo finding says what matters.
	case lists.IsDisposable(a.ASCIIDomain):
		ru.add(newFinding(rules.AddressDisposable,
			fmt.Sprintf("%s is a disposable-mail service.", a.ASCIIDomain)))
	case lists.IsFreeProvider(a.ASCIIDomain):
		ru.add(newFinding(rules.AddressFreemail,
			fmt.Sprintf("%s is a free consumer mail service.", a.ASCIIDomain)))
	}
	if isTypo {
		return a, &typoCandidate{local: a.Local, s: suggestion}
	}
	return a, nil
}

// splitLoose splits an address that failed to parse at its last @, for a
// typo suggestion on intent that is plain even though the syntax is not
// ("ann@gmail,com", "ann@gmailcom").
func splitLoose(raw string) (local, domain string, ok bool) {
	raw = strings.TrimSpace(raw)
	raw = strings.TrimSuffix(strings.TrimPrefix(raw, "<"), ">")
	i := strings.LastIndexByte(raw, '@')
	if i <= 0 || i == len(raw)-1 {
		return "", "", false
	}
	local, domain = raw[:i], strings.ToLower(raw[i+1:])
	if strings.ContainsAny(local, " \t@\"") || strings.ContainsAny(domain, " \t") {
		return "", "", false
	}
	return local, domain, true
}

// suggest records a typo suggestion in the report.
func (ru *run) suggest(a *address.Address, t *typoCandidate) {
	ru.r.Suggestion = t.local + "@" + t.s.Domain
	typed := ru.r.Domain
	var detail string
	switch {
	case t.s.Squat:
		detail = fmt.Sprintf("%s is a look-alike of %s that exists to catch mistyped mail: codes sent there go to strangers. Did you mean %s?", typed, t.s.Domain, ru.r.Suggestion)
	default:
		detail = fmt.Sprintf("%s looks like a misspelling of %s (%s). Did you mean %s?", typed, t.s.Domain, editWords(t.s.Edit), ru.r.Suggestion)
	}
	ru.add(newFinding(rules.AddressTypo, detail))
}

// editWords names a slip for a person; the typo package joins several
// slips with "+".
func editWords(edit string) string {
	var words []string
	for _, e := range strings.Split(edit, "+") {
		if w, ok := slipWords[e]; ok {
			words = append(words, w)
		} else if e != "" {
			words = append(words, strings.ReplaceAll(e, "-", " "))
		}
	}
	if len(words) == 0 {
		return "a small slip"
	}
	return strings.Join(words, " and ")
}

var slipWords = map[string]string{
	"transposition":   "two letters swapped",
	"insertion":       "a letter too many",
	"deletion":        "a letter missing",
	"substitution":    "a wrong letter",
	"duplication":     "a letter doubled",
	"tld":             "the ending mistyped",
	"missing-tld":     "the ending missing",
	"extra-tld":       "an ending too many",
	"comma":           "a comma instead of a dot",
	"missing-dot":     "a missing dot",
	"double-dot":      "two dots in a row",
	"trailing-dot":    "a dot at the end",
	"stray-character": "a stray character",
	"unicode":         "a look-alike character",
	"misspelling":     "a misspelling",
}

// sharpen applies what DNS found about the typed domain to a suggestion: a
// likely typo of a domain that does not receive mail becomes certain; one
// of a domain that does, and is no known squat, is dropped.
func (ru *run) sharpen(a *address.Address, t *typoCandidate, ms *mailServers) {
	if !ms.known() {
		ru.suggest(a, t)
		return
	}
	s, keep := typo.Sharpen(t.s, ms.acceptsMail())
	if !keep {
		return
	}
	if ms.nxdomain || ms.none || ms.nullMX {
		// A squat that does not exist (any more) catches nothing: it is a
		// plain misspelling.
		s.Squat = false
	}
	t.s = s
	ru.suggest(a, t)
}
