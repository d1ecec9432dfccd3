package dmarc

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"

	"github.com/miekg/dns"

	"github.com/codeprobe/codeprobe/diagnose/dnsx"
)

// maxVerify bounds the RFC 7489 §7.1 lookups one check makes; receivers
// need only honour two destinations per tag (RFC 7489 §6.2).
const maxVerify = 8

// Lookup finds and judges the DMARC policy that applies to mail from
// domain, as a receiver would (RFC 7489 §6.6.3): the TXT records at
// _dmarc.<domain>, or when none of them is a DMARC record those at
// _dmarc.<organisational domain>. It then checks the authorisation of
// external report destinations (RFC 7489 §7.1).
//
// Lookup always returns a Check. DNS failures give StatusTempError with
// Err set; q's deadline and ctx bound every query.
func Lookup(ctx context.Context, q dnsx.Querier, domain string) *Check {
	c := &Check{Domain: domain}
	d, err := normalizeDomain(domain)
	if err != nil {
		c.Status, c.Err = StatusInvalid, err
		c.add("dmarc.bad-domain", "RFC 7489 §6.6.1", err.Error())
		return c
	}
	c.Domain = d
	if org, err := OrgDomain(d); err == nil {
		c.OrgDomain = org
	}
	f := c.fetch(ctx, q, "_dmarc."+d)
	if f.err == nil && len(f.records) == 0 && c.OrgDomain != "" && c.OrgDomain != d {
		f = c.fetch(ctx, q, "_dmarc."+c.OrgDomain)
		c.Inherited = true
	}
	switch {
	case f.err != nil:
		c.Status, c.Err = StatusTempError, f.err
		c.add("dmarc.temperror", "RFC 7489 §6.6.3",
			fmt.Sprintf("looking up %s: %v", c.RecordDomain, f.err))
		return c
	case len(f.records) == 0:
		c.Inherited = false
		c.Status = StatusNone
		where := "_dmarc." + d
		if c.OrgDomain != "" && c.OrgDomain != d {
			where += " nor at _dmarc." + c.OrgDomain
		}
		c.add("dmarc.none", "RFC 7489 §6.6.3", "no DMARC record at "+where+
			"; receivers apply no DMARC policy and send no reports")
		return c
	case len(f.records) > 1:
		c.Status = StatusMultiple
		c.add("dmarc.multiple", "RFC 7489 §6.6.3", fmt.Sprintf(
			"%d DMARC records at %s, so receivers apply none: %s",
			len(f.records), c.RecordDomain, strings.Join(quoteAll(f.records), ", ")))
		return c
	}
	c.Raw = f.records[0]
	rec, err := ParseRecord(c.Raw)
	if err != nil {
		c.Status = StatusInvalid
		c.add("dmarc.invalid", "RFC 7489 §6.4", fmt.Sprintf(
			"the record at %s is invalid, so receivers apply no DMARC policy: %v", c.RecordDomain, err))
		return c
	}
	c.Record = rec
	c.judge()
	c.verifyDestinations(ctx, q)
	return c
}

// fetched is what one name's TXT records yielded.
type fetched struct {
	records []string // the DMARC records
	err     error
}

// fetch asks for the TXT records at name and keeps those that start with
// v=DMARC1 (RFC 7489 §6.6.3 steps 1–2); records that look like failed
// attempts at one are reported, since receivers silently discard them.
func (c *Check) fetch(ctx context.Context, q dnsx.Querier, name string) fetched {
	c.RecordDomain = name
	ans, err := q.Query(ctx, name, dns.TypeTXT)
	if err != nil {
		return fetched{err: err}
	}
	c.Answers = append(c.Answers, ans)
	c.CNAMEs = ans.CNAMEs()
	var f fetched
	for _, txt := range txtStrings(ans) {
		switch {
		case isDMARC(txt):
			f.records = append(f.records, txt)
		case looksLikeDMARC(txt):
			c.add("dmarc.ignored-record", "RFC 7489 §6.6.3", fmt.Sprintf(
				"%s has %q, which does not start with v=DMARC1 exactly (v first, DMARC1 in capitals), so receivers ignore it",
				name, txt))
		}
	}
	return f
}

// isDMARC: the record starts with a v tag whose value is DMARC1.
func isDMARC(txt string) bool {
	if !startsWithV(txt) {
		return false
	}
	first, _, _ := strings.Cut(txt, ";")
	name, value, ok := splitTag(first)
	return ok && strings.EqualFold(name, "v") && value == "DMARC1"
}

// looksLikeDMARC: a record that mentions v=DMARC in some form.
func looksLikeDMARC(txt string) bool {
	compact := strings.ToLower(strings.NewReplacer(" ", "", "\t", "").Replace(txt))
	return strings.Contains(compact, "v=dmarc")
}

// judge sets the effective policy, the status and the policy problems.
func (c *Check) judge() {
	r := c.Record
	c.Policy = r.Policy
	if c.Inherited {
		c.Policy = r.SubdomainPolicy
		c.add("dmarc.inherited", "RFC 7489 §6.6.3", fmt.Sprintf(
			"%s has no DMARC record of its own; the record of %s applies with its subdomain policy sp=%s",
			c.Domain, c.OrgDomain, r.SubdomainPolicy))
	}
	c.Problems = append(c.Problems, r.Warnings...)
	switch {
	case c.Policy == PolicyNone:
		c.Status = StatusMonitoring
		c.add("dmarc.policy-none", "RFC 7489 §6.3",
			"the policy is none: receivers report failures but deliver forged mail as usual")
	case r.Percent < 100:
		c.Status = StatusPartial
		c.add("dmarc.pct", "RFC 7489 §6.6.4", fmt.Sprintf(
			"pct=%d: the %s policy applies to only %d%% of failing mail", r.Percent, c.Policy, r.Percent))
	default:
		c.Status = StatusOK
	}
	if !c.Inherited && policyRank[r.SubdomainPolicy] < policyRank[r.Policy] {
		c.add("dmarc.sp-weaker", "RFC 7489 §6.3", fmt.Sprintf(
			"subdomains of %s without their own record get sp=%s, weaker than p=%s",
			c.Domain, r.SubdomainPolicy, r.Policy))
	}
	if len(r.AggregateURIs) == 0 {
		c.add("dmarc.no-rua", "RFC 7489 §7.2",
			"no rua: nobody receives the aggregate reports that show which senders fail DMARC")
	}
}

// verifyDestinations checks that report destinations outside the policy
// domain's organisational domain have agreed to receive its reports
// (RFC 7489 §7.1). The lookups run concurrently.
func (c *Check) verifyDestinations(ctx context.Context, q dnsx.Querier) {
	policyDomain := strings.TrimPrefix(c.RecordDomain, "_dmarc.")
	policyOrg, err := OrgDomain(policyDomain)
	if err != nil {
		policyOrg = policyDomain
	}
	c.listDestinations(policyDomain, policyOrg)

	var names []string
	results := map[string]*authResult{}
	for _, d := range c.Destinations {
		if d.External && results[d.VerifyName] == nil && len(names) < maxVerify {
			names = append(names, d.VerifyName)
			results[d.VerifyName] = &authResult{}
		}
	}
	var wg sync.WaitGroup
	for _, name := range names {
		res := results[name]
		wg.Go(func() { res.lookup(ctx, q, name) })
	}
	wg.Wait()
	for _, name := range names {
		if a := results[name].ans; a != nil {
			c.Answers = append(c.Answers, a)
		}
	}
	for i := range c.Destinations {
		d := &c.Destinations[i]
		if !d.External {
			continue
		}
		res := results[d.VerifyName]
		switch {
		case res == nil:
			d.Err = errTooMany
			c.add("dmarc."+d.Tag+"-external-unchecked", "RFC 7489 §7.1", fmt.Sprintf(
				"%s %s was not checked: more than %d external destinations", d.Tag, d.URI, maxVerify))
		case res.err != nil:
			d.Err = res.err
			c.add("dmarc."+d.Tag+"-external-unchecked", "RFC 7489 §7.1", fmt.Sprintf(
				"could not look up %s for %s %s: %v", d.VerifyName, d.Tag, d.URI, res.err))
		case res.ok:
			d.Authorised = true
		default:
			c.add("dmarc."+d.Tag+"-external-unauthorised", "RFC 7489 §7.1", fmt.Sprintf(
				"%s %s is outside %s and %s has no v=DMARC1 record, so receivers send these reports nowhere",
				d.Tag, d.URI, policyOrg, d.VerifyName))
		}
	}
}

// listDestinations fills c.Destinations from the record's rua and ruf.
func (c *Check) listDestinations(policyDomain, policyOrg string) {
	add := func(tag string, raws []string, uris []ReportURI) {
		for i, u := range uris {
			dst := Destination{Tag: tag, URI: raws[i], Domain: u.Domain, Authorised: true}
			if u.Domain != "" {
				org, err := OrgDomain(u.Domain)
				dst.External = u.Domain != policyDomain && (err != nil || org != policyOrg)
			}
			if dst.External {
				dst.VerifyName = policyDomain + "._report._dmarc." + u.Domain
				dst.Authorised = false
			}
			c.Destinations = append(c.Destinations, dst)
		}
	}
	add("rua", c.Record.RUA, c.Record.AggregateURIs)
	add("ruf", c.Record.RUF, c.Record.FailureURIs)
}

// authResult is the outcome of one RFC 7489 §7.1 lookup.
type authResult struct {
	ok  bool
	ans *dnsx.Answer
	err error
}

func (res *authResult) lookup(ctx context.Context, q dnsx.Querier, name string) {
	res.ans, res.err = q.Query(ctx, name, dns.TypeTXT)
	if errors.Is(res.err, dnsx.ErrBadName) {
		// The name cannot exist (too long), so neither can the record.
		res.err = nil
		return
	}
	if res.err != nil {
		return
	}
	for _, txt := range txtStrings(res.ans) {
		res.ok = res.ok || isDMARC(txt)
	}
}

// txtStrings returns the TXT records of an answer, the strings of each
// joined without separator, as for SPF (RFC 7208 §3.3): a record longer
// than 255 octets must be split into several strings.
func txtStrings(ans *dnsx.Answer) []string {
	var out []string
	for _, rr := range ans.Of(dns.TypeTXT) {
		if t, ok := rr.(*dns.TXT); ok {
			out = append(out, strings.Join(t.Txt, ""))
		}
	}
	return out
}

var errTooMany = errors.New("too many external report destinations")

func quoteAll(ss []string) []string {
	out := make([]string, len(ss))
	for i, s := range ss {
		out[i] = fmt.Sprintf("%q", s)
	}
	return out
}
