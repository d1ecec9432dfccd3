package main

import (
	"bufio"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/codeprobe/codeprobe/diagnose"
	"github.com/codeprobe/codeprobe/rules"
)

// reportWriter prints reports in one of the output formats.
type reportWriter interface {
	write(r *diagnose.Report) error
	close() error
}

func newWriter(format string, w io.Writer, verbose bool) reportWriter {
	bw := bufio.NewWriter(w)
	switch format {
	case "json":
		enc := json.NewEncoder(bw)
		enc.SetEscapeHTML(false)
		return &jsonWriter{bw: bw, enc: enc}
	case "csv":
		return &csvWriter{bw: bw, cw: csv.NewWriter(bw)}
	}
	return &textWriter{bw: bw, verbose: verbose}
}

// jsonWriter prints JSON Lines: one report a line.
type jsonWriter struct {
	bw  *bufio.Writer
	enc *json.Encoder
}

func (j *jsonWriter) write(r *diagnose.Report) error {
	if err := j.enc.Encode(r); err != nil {
		return err
	}
	return j.bw.Flush()
}

func (j *jsonWriter) close() error { return j.bw.Flush() }

// csvHeader is the column list of --format csv.
var csvHeader = []string{"address", "valid_syntax", "suggestion", "domain", "provider", "gateway", "verdict", "findings", "mx", "duration_ms"}

// csvWriter prints one row per address, for spreadsheets and list hygiene.
type csvWriter struct {
	bw     *bufio.Writer
	cw     *csv.Writer
	header bool
}

func (c *csvWriter) write(r *diagnose.Report) error {
	if !c.header {
		c.header = true
		if err := c.cw.Write(csvHeader); err != nil {
			return err
		}
	}
	var ids, mx []string
	for _, f := range r.Findings {
		ids = append(ids, f.ID)
	}
	for _, h := range r.MX {
		mx = append(mx, h.Host)
	}
	err := c.cw.Write([]string{
		r.Address, strconv.FormatBool(r.ValidSyntax), r.Suggestion, r.Domain, r.Provider, r.Gateway,
		string(r.Worst()), strings.Join(ids, " "), strings.Join(mx, " "), strconv.FormatInt(r.DurationMS, 10),
	})
	if err != nil {
		return err
	}
	c.cw.Flush()
	if err := c.cw.Error(); err != nil {
		return err
	}
	return c.bw.Flush()
}

func (c *csvWriter) close() error {
	c.cw.Flush()
	return c.bw.Flush()
}

// textWriter prints the report for a person: the verdict, each finding
// worst first with its facts, and what to tell the user.
type textWriter struct {
	bw      *bufio.Writer
	verbose bool
	n       int
}

var verdictWords = map[rules.Severity]string{
	rules.OK:           "looks deliverable",
	rules.Info:         "looks deliverable",
	rules.Warn:         "deliverable, with warnings",
	rules.Inconclusive: "could not be fully checked",
	rules.Fail:         "codes will not arrive",
}

func (t *textWriter) write(r *diagnose.Report) error {
	w := t.bw
	if t.n > 0 {
		fmt.Fprintln(w)
	}
	t.n++
	worst := r.Worst()
	fmt.Fprintf(w, "%s — %s (%d ms)\n", r.Address, verdictWords[worst], r.DurationMS)
	if r.Suggestion != "" {
		fmt.Fprintf(w, "  Did you mean %s?\n", r.Suggestion)
	}
	if len(r.MX) > 0 {
		var hosts []string
		for _, h := range r.MX {
			hosts = append(hosts, fmt.Sprintf("%s (%d)", h.Host, h.Preference))
		}
		fmt.Fprintf(w, "  Mail servers: %s\n", strings.Join(hosts, ", "))
	}
	t.findings(r.Findings)
	if r.Sender != nil {
		fmt.Fprintf(w, "  Our sending domain %s:\n", r.Sender.Domain)
		t.findings(r.Sender.Findings)
	}
	if adv := advice(r); adv != nil {
		fmt.Fprintf(w, "  Tell the user: %s\n", adv.UserAdvice)
		fmt.Fprintf(w, "  Agent notes:   %s\n", adv.AgentAdvice)
	}
	return w.Flush()
}

// findings prints each finding on a line: problems with the rule's summary
// and then the facts, good news with the facts alone.
func (t *textWriter) findings(fs []diagnose.Finding) {
	var absent []string
	for _, f := range fs {
		if what, ok := quietAbsences[f.ID]; ok && !t.verbose {
			absent = append(absent, what)
			continue
		}
		mark := severityMarks[f.Severity]
		switch {
		case f.Severity.Rank() >= rules.Inconclusive.Rank():
			fmt.Fprintf(t.bw, "  %s %-12s %-22s %s\n", mark, f.Severity, f.ID, f.Summary)
			if f.Detail != "" {
				fmt.Fprintf(t.bw, "  %s %-12s %-22s %s\n", " ", "", "", f.Detail)
			}
		default:
			text := f.Detail
			if text == "" {
				text = f.Summary
			}
			fmt.Fprintf(t.bw, "  %s %-12s %-22s %s\n", mark, f.Severity, f.ID, text)
		}
		if t.verbose {
			for _, e := range f.Evidence {
				for _, l := range e.Lines {
					fmt.Fprintf(t.bw, "  %-37s | %s\n", "", l)
				}
			}
		}
	}
	if len(absent) > 0 {
		fmt.Fprintf(t.bw, "  %s %-12s %-22s not used: %s (-v for details)\n", severityMarks[rules.Info], rules.Info, "transport security", strings.Join(absent, ", "))
	}
}

// quietAbsences are findings that say a domain lacks an optional
// transport-security feature: true of most domains and no cause of a lost
// code, so the text output folds them into one line unless -v.
var quietAbsences = map[string]string{
	rules.MTASTSNone:     "MTA-STS",
	rules.TLSRPTNone:     "TLS-RPT",
	rules.DANENone:       "DANE",
	rules.DNSSECInsecure: "DNSSEC",
}

var severityMarks = map[rules.Severity]string{
	rules.OK:           "✓",
	rules.Info:         "·",
	rules.Inconclusive: "?",
	rules.Warn:         "!",
	rules.Fail:         "✗",
}

// advice is the catalogue entry whose advice the user needs first: the
// typo's when there is a suggestion (the fix is to use the right address,
// whatever else is wrong with the mistyped one), else that of the worst
// finding about the recipient, when it is a problem. Findings about our own
// sending domain are for the agent and the sending team, not the user.
func advice(r *diagnose.Report) *rules.Rule {
	if r.Suggestion != "" {
		if rule, ok := rules.Lookup(rules.AddressTypo); ok {
			return &rule
		}
	}
	var best *diagnose.Finding
	for i := range r.Findings {
		if best == nil || r.Findings[i].Severity.Rank() > best.Severity.Rank() {
			best = &r.Findings[i]
		}
	}
	if best == nil || best.Severity.Rank() < rules.Inconclusive.Rank() {
		return nil
	}
	rule, ok := rules.Lookup(best.ID)
	if !ok {
		return nil
	}
	return &rule
}

func (t *textWriter) close() error { return t.bw.Flush() }
