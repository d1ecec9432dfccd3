package diagnose

import (
	"context"
	"fmt"
	"strings"
	"sync"

	"github.com/codeprobe/codeprobe/diagnose/dkimkey"
	"github.com/codeprobe/codeprobe/diagnose/dmarc"
	"github.com/codeprobe/codeprobe/diagnose/spf"
	"github.com/codeprobe/codeprobe/rules"
)

// CheckSender audits our own sending domain (--from-domain): its SPF policy
// (RFC 7208), its DMARC policy (RFC 7489) and the DKIM keys at the
// configured and common selectors (RFC 6376, RFC 8301). The three run
// concurrently under Options.Timeout.
func (c *Checker) CheckSender(ctx context.Context, domain string) *SenderReport {
	ctx, cancel := context.WithTimeout(ctx, c.opts.Timeout)
	defer cancel()
	domain = strings.ToLower(strings.TrimSuffix(strings.TrimSpace(domain), "."))
	ru := &run{c: c, r: &Report{}}
	var wg sync.WaitGroup
	wg.Go(func() { ru.senderSPF(ctx, domain) })
	wg.Go(func() { ru.senderDMARC(ctx, domain) })
	wg.Go(func() { ru.senderDKIM(ctx, domain) })
	wg.Wait()
	sortFindings(ru.r.Findings)
	return &SenderReport{Domain: domain, Findings: ru.r.Findings}
}

// spfFindingOf maps the SPF auditor's problems to catalogue IDs; problems
// not listed are advice, told in the detail of the headline finding.
var spfFindingOf = map[string]string{
	"spf.none":                  rules.SPFNone,
	"spf.rr-type-only":          rules.SPFNone,
	"spf.multiple-records":      rules.SPFMultiple,
	"spf.syntax":                rules.SPFSyntax,
	"spf.record-too-long":       rules.SPFSyntax,
	"spf.invalid-domain":        rules.SPFSyntax,
	"spf.too-many-lookups":      rules.SPFTooManyLookups,
	"spf.mx-too-many":           rules.SPFTooManyLookups,
	"spf.too-many-void-lookups": rules.SPFVoidLookups,
	"spf.include-none":          rules.SPFBrokenInclude,
	"spf.redirect-none":         rules.SPFBrokenInclude,
	"spf.loop":                  rules.SPFBrokenInclude,
	"spf.permissive-all":        rules.SPFPermissive,
	"spf.ptr":                   rules.SPFPTR,
	"spf.dns-error":             rules.SPFTempError,
}

// senderSPF audits the SPF policy without a client address: the worst case
// a receiver may meet, with the lookup tree as evidence.
func (ru *run) senderSPF(ctx context.Context, domain string) {
	chk := &spf.Checker{Resolver: ru.c.opts.Resolver}
	a := chk.Audit(ctx, domain)
	ev := Evidence{Kind: "spf", Lines: spfTree(a.Tree, 0, nil)}
	var advice []string
	byID := map[string][]string{}
	var order []string
	open := false // a +all: the record authorizes every host
	for _, p := range a.Problems {
		text := strings.Replace(p.Detail, "spf: ", "", 1)
		if p.Term != "" && !strings.Contains(text, p.Term) {
			text = p.Term + ": " + text
		}
		if p.Domain != "" && p.Domain != domain {
			text = p.Domain + ": " + text
		}
		if p.Section != "" {
			text = withRef(text, "RFC 7208 §"+p.Section)
		}
		if p.ID == "spf.permissive-all" && p.Section == "5.1" {
			open = true
		}
		id, ok := spfFindingOf[p.ID]
		if !ok {
			advice = append(advice, text)
			continue
		}
		if _, seen := byID[id]; !seen {
			order = append(order, id)
		}
		byID[id] = append(byID[id], text)
	}
	working := true // no finding makes receivers fail or error on the record
	for _, id := range order {
		f := newFinding(id, joinSentences(byID[id]), ev)
		if id == rules.SPFPermissive && open {
			f = f.withSeverity(rules.Fail)
		}
		if f.Severity == rules.Fail || f.Severity == rules.Inconclusive {
			working = false
		}
		ru.add(f)
	}
	if working {
		detail := fmt.Sprintf("%s publishes an SPF record that needs %d of at most %d DNS lookups and makes %d of at most %d void lookups.",
			domain, a.Lookups, a.MaxLookups, a.VoidLookups, a.MaxVoidLookups)
		if len(advice) > 0 {
			detail += " Notes: " + joinSentences(advice)
		}
		ru.add(newFinding(rules.SPFOK, detail, ev))
	}
}

// spfTree renders the audit's lookup tree, one line per term that costs a
// DNS lookup, indented by depth, with the lookups each subtree costs. Terms
// that cost none (ip4, ip6, all) are in the records shown.
func spfTree(n *spf.AuditNode, depth int, out []string) []string {
	if n == nil || depth > 0 && n.Lookups == 0 && n.Record == "" && len(n.Children) == 0 {
		return out
	}
	indent := strings.Repeat("  ", depth)
	switch {
	case depth == 0:
		out = append(out, fmt.Sprintf("%s: %q — %d lookups", n.Domain, n.Record, n.Lookups))
	default:
		line := indent + n.Term
		if n.Lookups > 0 {
			line += fmt.Sprintf(" — %d lookup(s)", n.Lookups)
		}
		if n.Void {
			line += " — void"
		}
		if n.Unexpanded != "" {
			line += " — needs " + n.Unexpanded + " from the client"
		}
		if n.Record != "" {
			line += fmt.Sprintf(": %q", n.Record)
		}
		out = append(out, line)
	}
	for _, c := range n.Children {
		out = spfTree(c, depth+1, out)
	}
	return out
}

// dmarcFindingOf maps the DMARC check's problems to catalogue IDs.
var dmarcFindingOf = map[string]string{
	"dmarc.no-rua":                    rules.DMARCNoRUA,
	"dmarc.rua-external-unauthorised": rules.DMARCRUAUnauthorised,
	"dmarc.inherited":                 rules.DMARCInherited,
}

// senderDMARC reads the DMARC policy, from the domain or its
// organisational domain (RFC 7489 §6.6.3).
func (ru *run) senderDMARC(ctx context.Context, domain string) {
	c := dmarc.Lookup(ctx, ru.c.opts.Resolver, domain)
	ev := dnsEvidence(c.Answers...)
	var notes []string
	for _, p := range c.Problems {
		if id, ok := dmarcFindingOf[p.ID]; ok {
			ru.add(newFinding(id, sentence(withRef(p.Detail, p.RFC)), ev))
		} else if !headlineProblem(p.ID) {
			notes = append(notes, withRef(p.Detail, p.RFC))
		}
	}
	headline := map[dmarc.Status]string{
		dmarc.StatusOK:         rules.DMARCOK,
		dmarc.StatusMonitoring: rules.DMARCPolicyNone,
		dmarc.StatusPartial:    rules.DMARCPct,
		dmarc.StatusNone:       rules.DMARCNone,
		dmarc.StatusInvalid:    rules.DMARCInvalid,
		dmarc.StatusMultiple:   rules.DMARCMultiple,
		dmarc.StatusTempError:  rules.DMARCTempError,
	}[c.Status]
	if headline == "" {
		return
	}
	var detail string
	switch c.Status {
	case dmarc.StatusOK, dmarc.StatusMonitoring, dmarc.StatusPartial:
		tag := "p"
		if c.Inherited && c.Record != nil && c.Record.SubdomainPolicy != "" {
			tag = "sp"
		}
		share := "all mail"
		if c.Record != nil && c.Record.Percent < 100 {
			share = fmt.Sprintf("%d%% of the mail", c.Record.Percent)
		}
		detail = fmt.Sprintf("%s: %q — receivers apply %s=%s to %s from %s.", c.RecordDomain, c.Raw, tag, c.Policy, share, domain)
	default:
		detail = sentence(problemDetail(c.Problems, c.Status, c.Err))
	}
	if len(notes) > 0 {
		detail += " Notes: " + joinSentences(notes)
	}
	ru.add(newFinding(headline, detail, ev))
}

// headlineProblem reports whether a DMARC problem is the status itself,
// told by the headline finding.
func headlineProblem(id string) bool {
	switch id {
	case "dmarc.none", "dmarc.invalid", "dmarc.multiple", "dmarc.temperror", "dmarc.policy-none", "dmarc.pct":
		return true
	}
	return false
}

func problemDetail(ps []dmarc.Problem, status dmarc.Status, err error) string {
	for _, p := range ps {
		if "dmarc."+string(status) == p.ID {
			return withRef(p.Detail, p.RFC)
		}
	}
	if err != nil {
		return err.Error()
	}
	return ""
}

// dkimFindingOf maps a key's status to its finding.
var dkimFindingOf = map[dkimkey.Status]string{
	dkimkey.StatusOK:        rules.DKIMOK,
	dkimkey.StatusWeak:      rules.DKIMWeak,
	dkimkey.StatusInsecure:  rules.DKIMInsecure,
	dkimkey.StatusRevoked:   rules.DKIMRevoked,
	dkimkey.StatusInvalid:   rules.DKIMInvalid,
	dkimkey.StatusTempError: rules.DKIMTempError,
}

// senderDKIM looks up the DKIM keys at the configured selectors and the
// common ones, and reports each key found with its type and strength.
func (ru *run) senderDKIM(ctx context.Context, domain string) {
	keys := dkimkey.Scan(ctx, ru.c.opts.Resolver, domain, ru.c.opts.DKIMSelectors, &dkimkey.ScanOptions{Common: true})
	found := 0
	var failed []string
	var failErr error
	for _, k := range keys {
		switch k.Status {
		case dkimkey.StatusMissing:
			continue
		case dkimkey.StatusTempError:
			// One finding for all of them: a failing zone fails every
			// selector alike.
			failed = append(failed, k.Selector)
			failErr = k.Err
			continue
		}
		found++
		id := dkimFindingOf[k.Status]
		if id == "" {
			continue
		}
		ev := dnsEvidence(k.Answer)
		ru.add(newFinding(id, dkimDetail(k), ev))
		if k.Testing {
			ru.add(newFinding(rules.DKIMTesting, fmt.Sprintf("The key at %s is marked t=y (testing): receivers may treat our signatures as absent (RFC 6376 §3.6.1).", k.Name), ev))
		}
	}
	if len(failed) > 0 {
		ru.add(newFinding(rules.DKIMTempError, fmt.Sprintf("The DKIM key lookups for %s failed at %d selector(s) (%s): %v.", domain, len(failed), strings.Join(failed, ", "), failErr)))
		return
	}
	if found == 0 {
		tried := append(append([]string(nil), ru.c.opts.DKIMSelectors...), dkimkey.CommonSelectors...)
		ru.add(newFinding(rules.DKIMNone, fmt.Sprintf("No DKIM key was found for %s at the selectors tried: %s.", domain, strings.Join(dedupe(tried), ", "))))
	}
}

func dkimDetail(k *dkimkey.Key) string {
	var parts []string
	switch {
	case k.Status == dkimkey.StatusRevoked:
		parts = append(parts, fmt.Sprintf("The key at %s has been revoked (empty p=).", k.Name))
	case k.KeyType != "" && k.Bits > 0:
		parts = append(parts, fmt.Sprintf("%s: %s key, %d bits.", k.Name, strings.ToUpper(k.KeyType), k.Bits))
	default:
		parts = append(parts, fmt.Sprintf("The key record at %s is not usable.", k.Name))
	}
	if k.Target != "" && k.Target != k.Name {
		parts = append(parts, "Delegated to "+k.Target+".")
	}
	for _, p := range k.Problems {
		if p.ID == "dkim.testing" || p.ID == "dkim.revoked" {
			continue
		}
		parts = append(parts, sentence(withRef(p.Detail, p.RFC)))
	}
	if len(k.Problems) == 0 && k.Err != nil && k.Status != dkimkey.StatusOK {
		parts = append(parts, sentence(k.Err.Error()))
	}
	return strings.Join(parts, " ")
}

func dedupe(ss []string) []string {
	seen := map[string]bool{}
	var out []string
	for _, s := range ss {
		if !seen[s] {
			seen[s] = true
			out = append(out, s)
		}
	}
	return out
}
