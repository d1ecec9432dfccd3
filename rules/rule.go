package rules

import (
	"fmt"
	"slices"
	"strings"
)

// Audience says whose configuration a finding is about, which decides who
// can act on it.
type Audience string

const (
	// Recipient findings are about the address being checked and its
	// domain: the user, or the user's provider or IT team, can act.
	Recipient Audience = "recipient"
	// Sender findings are about our own sending domain (the --from-domain
	// checks: SPF, DKIM, DMARC). The end user can do nothing; the agent
	// escalates to the team that sends the codes.
	Sender Audience = "sender"
)

// Rule is one entry of the catalogue: everything codeprobe says about one
// finding ID.
type Rule struct {
	// ID is the finding's stable name: lower-case, dotted, the first label
	// naming the area ("mx.null"). Never renamed once released.
	ID string
	// Severity is the default severity. A check may give one of ByCase
	// instead, in the cases the advice describes.
	Severity Severity
	// ByCase lists the other severities a check may give this finding
	// (DESIGN.md's "by case"); empty when the severity is fixed.
	ByCase []Severity
	// Audience is whose configuration the finding is about.
	Audience Audience
	// Summary is one plain sentence stating what was found.
	Summary string
	// UserAdvice is for the end user stuck at a sign-in page: short,
	// friendly, second person, what to do next.
	UserAdvice string
	// AgentAdvice is for the support agent: the likely cause, what to tell
	// the user, what to escalate and to whom, with the technical facts.
	AgentAdvice string
	// RFC is the specification section the finding rests on, such as
	// "RFC 7505 §3" (several are separated by ", "), or "" when none does.
	RFC string
}

// Area returns the part of the ID before the first dot ("mx" for
// "mx.null"), by which reports group their findings.
func (r Rule) Area() string {
	area, _, _ := strings.Cut(r.ID, ".")
	return area
}

// Allows reports whether a check may give this finding severity s: the
// default or one of ByCase.
func (r Rule) Allows(s Severity) bool {
	return s == r.Severity || slices.Contains(r.ByCase, s)
}

func (r Rule) clone() Rule {
	r.ByCase = slices.Clone(r.ByCase)
	return r
}

// catalogue holds every rule, in the order the per-area tables list them.
var catalogue = slices.Concat(
	addressRules, domainRules, mxRules, dnsRules,
	smtpRules, spfRules, dmarcRules, dkimRules, sendRules, placementRules,
	codeRules, authAppRules, phoneRules,
	mtastsRules, tlsrptRules, daneRules,
)

// byID indexes catalogue; the tests check that no ID appears twice.
var byID = indexRules(catalogue)

func indexRules(rules []Rule) map[string]int {
	idx := make(map[string]int, len(rules))
	for i, r := range rules {
		idx[r.ID] = i
	}
	return idx
}

// Lookup returns the rule for a finding ID.
func Lookup(id string) (Rule, bool) {
	i, ok := byID[id]
	if !ok {
		return Rule{}, false
	}
	return catalogue[i].clone(), true
}

// MustLookup returns the rule for id and panics if there is none. It is for
// code that passes one of the ID constants, which the tests prove exist.
func MustLookup(id string) Rule {
	r, ok := Lookup(id)
	if !ok {
		panic(fmt.Sprintf("rules: no rule with ID %q", id))
	}
	return r
}

// All returns every rule, sorted by ID. The slice is the caller's.
func All() []Rule {
	out := make([]Rule, len(catalogue))
	for i, r := range catalogue {
		out[i] = r.clone()
	}
	slices.SortFunc(out, func(a, b Rule) int { return strings.Compare(a.ID, b.ID) })
	return out
}

// ValidID reports whether id has the form of a finding ID: at least two
// dot-separated labels of lower-case ASCII letters, digits and hyphens, the
// first without hyphens, no label empty or starting or ending with a hyphen.
func ValidID(id string) bool {
	labels := strings.Split(id, ".")
	if len(labels) < 2 {
		return false
	}
	for i, l := range labels {
		if l == "" || l[0] == '-' || l[len(l)-1] == '-' {
			return false
		}
		for _, c := range []byte(l) {
			switch {
			case c >= 'a' && c <= 'z', c >= '0' && c <= '9':
			case c == '-' && i > 0:
			default:
				return false
			}
		}
	}
	return true
}
