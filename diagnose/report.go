package diagnose

import (
	"cmp"
	"slices"

	"github.com/codeprobe/codeprobe/rules"
)

// Report is the diagnosis of one address: the JSON object `codeprobe check
// --json` prints, one per address. Its field names are a stable contract
// (DESIGN.md, "External contract").
type Report struct {
	Address     string `json:"address"`
	Domain      string `json:"domain"`
	ValidSyntax bool   `json:"valid_syntax"`
	// Suggestion is the whole corrected address when the domain is
	// probably misspelled; absent otherwise.
	Suggestion string `json:"suggestion,omitempty"`
	// Provider is the ID (rules.Provider.ID) of the mailbox provider that
	// holds the domain's mail, "" when unknown.
	Provider string `json:"provider"`
	// Gateway is the ID of the filtering gateway in front of the mailbox
	// provider (Mimecast, Proofpoint…), when there is one.
	Gateway  string    `json:"gateway,omitempty"`
	MX       []MXHost  `json:"mx"`
	Findings []Finding `json:"findings"`
	// Sender is the check of our own sending domain (--from-domain).
	Sender     *SenderReport `json:"sender,omitempty"`
	DurationMS int64         `json:"duration_ms"`
}

// MXHost is one mail server of the domain, as the DNS gives it.
type MXHost struct {
	Host       string   `json:"host"`
	Preference uint16   `json:"preference"`
	Addresses  []string `json:"addresses"`
	// Implicit is set for the domain itself standing in for a missing MX
	// (RFC 5321 §5.1).
	Implicit bool `json:"implicit,omitempty"`
}

// SenderReport is the health of our own sending domain: SPF, DKIM, DMARC.
type SenderReport struct {
	Domain   string    `json:"domain"`
	Findings []Finding `json:"findings"`
}

// Finding is one thing the diagnosis found. ID, severity and summary come
// from the rules catalogue; Detail states the facts of this case; Evidence
// is what a support agent can check them against.
type Finding struct {
	ID       string         `json:"id"`
	Severity rules.Severity `json:"severity"`
	Summary  string         `json:"summary"`
	Detail   string         `json:"detail,omitempty"`
	Evidence []Evidence     `json:"evidence,omitempty"`
}

// Evidence is a piece of raw material behind a finding: DNS answers in
// presentation format, an SMTP transcript, an HTTP exchange.
type Evidence struct {
	Kind  string   `json:"kind"` // "dns", "smtp", "https", "spf"
	Lines []string `json:"lines"`
}

// newFinding makes a finding with the catalogue's default severity and
// summary for id.
func newFinding(id, detail string, ev ...Evidence) Finding {
	r := rules.MustLookup(id)
	return Finding{ID: id, Severity: r.Severity, Summary: r.Summary, Detail: detail, Evidence: merge(ev...)}
}

// withSeverity returns f with severity s, for the findings whose severity
// the catalogue says is "by case".
func (f Finding) withSeverity(s rules.Severity) Finding {
	f.Severity = s
	return f
}

// Worst returns the most severe severity among the findings, rules.OK when
// there are none.
func Worst(fs []Finding) rules.Severity {
	w := rules.OK
	for _, f := range fs {
		if f.Severity.Rank() > w.Rank() {
			w = f.Severity
		}
	}
	return w
}

// Worst returns the most severe severity in the report, the sender's
// findings included.
func (r *Report) Worst() rules.Severity {
	w := Worst(r.Findings)
	if r.Sender != nil {
		if s := Worst(r.Sender.Findings); s.Rank() > w.Rank() {
			w = s
		}
	}
	return w
}

// Has reports whether the report has a finding with id.
func (r *Report) Has(id string) bool {
	return slices.ContainsFunc(r.Findings, func(f Finding) bool { return f.ID == id })
}

// sortFindings orders findings worst first, then by ID and detail, so that
// reports are stable whatever order the concurrent probes finished in.
func sortFindings(fs []Finding) {
	slices.SortStableFunc(fs, func(a, b Finding) int {
		return cmp.Or(
			cmp.Compare(b.Severity.Rank(), a.Severity.Rank()),
			cmp.Compare(a.ID, b.ID),
			cmp.Compare(a.Detail, b.Detail),
		)
	})
}
