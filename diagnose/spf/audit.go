package spf

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/miekg/dns"
)

// Audit is the inspection of a sending domain's SPF policy without a client
// address: the record, every include and redirect expanded, the worst-case
// count of DNS-querying terms against the limits of §4.6.4, and the
// problems found.
type Audit struct {
	Domain         string     `json:"domain"`
	Record         string     `json:"record,omitempty"` // the top-level record, as published
	Parsed         *Record    `json:"-"`
	Tree           *AuditNode `json:"tree,omitempty"`
	Lookups        int        `json:"lookups"`          // DNS-querying terms a receiver may evaluate, at worst
	VoidLookups    int        `json:"void_lookups"`     // terms whose lookup finds nothing
	MaxLookups     int        `json:"max_lookups"`      // the limits the counts were held against
	MaxVoidLookups int        `json:"max_void_lookups"` //
	Problems       []Problem  `json:"problems,omitempty"`
}

// AuditNode is one term of the policy, or the policy itself at the root.
// Include and redirect nodes hold the target's record and its terms.
type AuditNode struct {
	Term   string `json:"term,omitempty"`   // the term as written; empty at the root
	Domain string `json:"domain,omitempty"` // the target name, expanded; the domain-spec when it cannot be
	Record string `json:"record,omitempty"` // include, redirect, root: the record found
	// Lookups counts the DNS-querying terms in this subtree, this term
	// included (§4.6.4).
	Lookups int `json:"lookups"`
	// Void: the term's lookup found nothing (§4.6.4).
	Void bool `json:"void,omitempty"`
	// Unexpanded lists the macros that need a client to expand, such as
	// "%{i}"; the term's target could not be looked up.
	Unexpanded string       `json:"unexpanded,omitempty"`
	Note       string       `json:"note,omitempty"`
	Queries    []Lookup     `json:"queries,omitempty"`
	Children   []*AuditNode `json:"children,omitempty"`
}

// Problem is one thing wrong with a policy, with the section of RFC 7208
// it concerns.
type Problem struct {
	ID      string `json:"id"`      // "spf.too-many-lookups", …
	Section string `json:"section"` // of RFC 7208, e.g. "4.6.4"
	Domain  string `json:"domain"`  // whose record has the problem
	Term    string `json:"term,omitempty"`
	Detail  string `json:"detail"`
	// Result is what receivers' check_host() returns because of the
	// problem, when it decides the result; empty for advice.
	Result Result `json:"result,omitempty"`
}

// Limits of the audit itself, so that a hostile policy cannot make it ask
// without end: §4.6.4 stops receivers after 10 terms, the audit looks a
// little further to count how far over the limit a policy goes.
const (
	auditMaxDepth   = 12
	auditMaxRecords = 60
)

type auditor struct {
	c        *Checker
	a        *Audit
	maxNames int
	records  int
	top      string
}

// Audit fetches domain's SPF record and expands it completely, as no single
// check would, to count its worst case and list its problems.
func (c *Checker) Audit(ctx context.Context, domain string) *Audit {
	maxL, maxV, maxN := c.limits()
	a := &Audit{Domain: domain, MaxLookups: maxL, MaxVoidLookups: maxV}
	if d, ok := asciiDomain(domain); ok {
		domain = d
	}
	domain = strings.TrimSuffix(domain, ".")
	if !validDomain(domain) {
		a.problem(Problem{ID: "spf.invalid-domain", Section: "4.3", Domain: domain, Result: None,
			Detail: "not a multi-label domain name with labels of 1 to 63 octets"})
		return a
	}
	ctx, cancel := c.withTimeout(ctx)
	defer cancel()
	w := &auditor{c: c, a: a, maxNames: maxN, top: domain}
	root := &AuditNode{Domain: domain}
	a.Tree = root
	a.Parsed = w.record(ctx, root, domain, "", []string{domain})
	a.Record = root.Record
	a.Lookups = root.Lookups
	if a.Lookups > maxL {
		a.problem(Problem{ID: "spf.too-many-lookups", Section: "4.6.4", Domain: domain, Result: PermError,
			Detail: fmt.Sprintf("%d DNS-querying terms (include, a, mx, ptr, exists, redirect) where at most %d are allowed: receivers that reach the %dth return permerror", a.Lookups, maxL, maxL+1)})
	}
	if a.VoidLookups > maxV {
		a.problem(Problem{ID: "spf.too-many-void-lookups", Section: "4.6.4", Domain: domain, Result: PermError,
			Detail: fmt.Sprintf("%d terms look up names that do not exist or have no records, where at most %d are allowed", a.VoidLookups, maxV)})
	}
	return a
}

func (a *Audit) problem(p Problem) { a.Problems = append(a.Problems, p) }

// record fetches and inspects domain's record into n. via is "include" or
// "redirect" for a record reached through one, "" at the top; path holds
// the domains from the top to here, to catch loops.
func (w *auditor) record(ctx context.Context, n *AuditNode, domain, via string, path []string) *Record {
	w.records++
	raw, err := fetchRecord(ctx, w.c.Resolver, &n.Queries, domain)
	n.Record = raw
	if err != nil {
		w.fetchProblem(ctx, n, domain, via, err)
		return nil
	}
	rec, err := Parse(raw)
	if err != nil {
		w.a.problem(Problem{ID: "spf.syntax", Section: "4.6", Domain: domain, Result: PermError, Detail: err.Error()})
		return nil
	}
	w.inspect(domain, raw, rec, via)
	for _, t := range rec.Terms {
		if t.Kind == KindExp || t.Kind == KindUnknown || (t.Kind == KindRedirect && rec.HasAll()) {
			continue
		}
		child := &AuditNode{Term: t.Text}
		n.Children = append(n.Children, child)
		w.term(ctx, child, domain, t, path)
		n.Lookups += child.Lookups
	}
	return rec
}

// fetchProblem reports why domain's record could not be had.
func (w *auditor) fetchProblem(ctx context.Context, n *AuditNode, domain, via string, err error) {
	p := Problem{Domain: domain, Detail: err.Error()}
	switch {
	case errors.Is(err, ErrMultipleRecords):
		p.ID, p.Section, p.Result = "spf.multiple-records", "4.5", PermError
	case errors.Is(err, ErrTempDNS):
		p.ID, p.Section, p.Result = "spf.dns-error", "4.4", TempError
	case via == "include":
		p.ID, p.Section, p.Result = "spf.include-none", "5.2", PermError
		p.Detail = "the included domain publishes no SPF record: receivers return permerror"
	case via == "redirect":
		p.ID, p.Section, p.Result = "spf.redirect-none", "6.1", PermError
		p.Detail = "the redirect target publishes no SPF record: receivers return permerror"
	default:
		p.ID, p.Section, p.Result = "spf.none", "4.5", None
		p.Detail = "no TXT record beginning with \"v=spf1\""
		// §3.1: the SPF RR type (99) is no longer looked up.
		if a, _, err := resolve(ctx, w.c.Resolver, &n.Queries, "", domain, dns.TypeSPF); err == nil {
			for _, rr := range a.Of(dns.TypeSPF) {
				if IsRecord(txtText(rr.(*dns.SPF).Txt)) {
					p.ID, p.Section = "spf.rr-type-only", "3.1"
					p.Detail = "the policy is published only as the obsolete SPF RR type, which receivers no longer look up: publish it as TXT"
				}
			}
		}
	}
	w.a.problem(p)
}

// inspect reports the problems visible in one record's text.
func (w *auditor) inspect(domain, raw string, rec *Record, via string) {
	decisive := via != "include" // the top record and redirect targets decide the result
	if len(raw) > 450 {
		w.a.problem(Problem{ID: "spf.record-too-long", Section: "3.4", Domain: domain,
			Detail: fmt.Sprintf("the record is %d octets; keep it under 450 so the DNS answer fits in 512 octets", len(raw))})
	}
	allAt := -1
	for i, t := range rec.Terms {
		if t.Kind != KindAll {
			continue
		}
		if allAt < 0 {
			allAt = i
		}
		switch {
		case t.Qualifier == 0 || t.Qualifier == QualPass:
			w.a.problem(Problem{ID: "spf.permissive-all", Section: "5.1", Domain: domain, Term: t.Text,
				Detail: "\"+all\" authorizes every host on the Internet to send as this domain" + map[bool]string{true: "", false: ", and every domain that includes it"}[decisive]})
		case t.Qualifier == QualNeutral && decisive:
			w.a.problem(Problem{ID: "spf.permissive-all", Section: "8.2", Domain: domain, Term: t.Text,
				Detail: "\"?all\" makes every unlisted host neutral, which receivers treat like no policy"})
		}
	}
	if allAt >= 0 && allAt < len(rec.Mechanisms())-1 {
		w.a.problem(Problem{ID: "spf.after-all", Section: "5.1", Domain: domain, Term: rec.Terms[allAt].Text,
			Detail: "mechanisms after \"all\" are never evaluated"})
	}
	if r := rec.Redirect(); r != nil && allAt >= 0 {
		w.a.problem(Problem{ID: "spf.redirect-ignored", Section: "6.1", Domain: domain, Term: r.Text,
			Detail: "a redirect in a record with an \"all\" mechanism is ignored"})
	}
	if allAt < 0 && rec.Redirect() == nil && decisive {
		w.a.problem(Problem{ID: "spf.no-all", Section: "4.7", Domain: domain,
			Detail: "no \"all\" and no redirect: hosts not listed get neutral, which receivers treat like no policy"})
	}
}

// Text renders the audit for a person: the tree, one term a line with its
// lookup count, then the problems.
func (a *Audit) Text() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s: %d of %d DNS-querying terms, %d of %d void lookups\n", a.Domain, a.Lookups, a.MaxLookups, a.VoidLookups, a.MaxVoidLookups)
	if a.Tree != nil && a.Record != "" {
		fmt.Fprintf(&b, "  %q\n", a.Record)
		for _, c := range a.Tree.Children {
			c.text(&b, 1)
		}
	}
	for _, p := range a.Problems {
		fmt.Fprintf(&b, "RFC 7208 §%s %s: %s", p.Section, p.ID, p.Detail)
		if p.Term != "" {
			fmt.Fprintf(&b, " [%s: %s]", p.Domain, p.Term)
		}
		if p.Result != "" {
			fmt.Fprintf(&b, " → %s", p.Result)
		}
		b.WriteByte('\n')
	}
	return b.String()
}

func (n *AuditNode) text(b *strings.Builder, depth int) {
	b.WriteString(strings.Repeat("  ", depth) + n.Term)
	if n.Lookups > 0 {
		fmt.Fprintf(b, " → %d lookup%s", n.Lookups, map[bool]string{true: "", false: "s"}[n.Lookups == 1])
	}
	if n.Void {
		b.WriteString(" (void)")
	}
	if n.Unexpanded != "" {
		b.WriteString(" (needs " + n.Unexpanded + ")")
	}
	if n.Note != "" {
		b.WriteString(" (" + n.Note + ")")
	}
	b.WriteByte('\n')
	for _, c := range n.Children {
		c.text(b, depth+1)
	}
}
