package diagnose

import (
	"context"
	"fmt"
	"strings"
	"sync"

	"github.com/codeprobe/codeprobe/diagnose/dane"
	"github.com/codeprobe/codeprobe/diagnose/mtasts"
	"github.com/codeprobe/codeprobe/diagnose/smtpprobe"
	"github.com/codeprobe/codeprobe/rules"
	"github.com/miekg/dns"
)

// stsOutcome is the MTA-STS check, fetched while the MX chain resolves and
// judged against the MX hosts once they are known.
type stsOutcome = mtasts.Result

// fetchMTASTS reads the domain's MTA-STS record and policy (RFC 8461 §3),
// connecting to the policy host under the same address policy as SMTP.
func (ru *run) fetchMTASTS(ctx context.Context, domain string) *stsOutcome {
	o := ru.c.opts
	f := &mtasts.Fetcher{Resolver: o.Resolver, Guard: ru.c.guard, RootCAs: o.RootCAs, Port: o.HTTPSPort}
	return f.Check(ctx, domain, nil)
}

// judgeMTASTS reports the MTA-STS policy and, in enforce mode, any MX host
// it does not cover (RFC 8461 §4.1): compliant senders refuse to deliver to
// such a host.
func (ru *run) judgeMTASTS(res *stsOutcome, ms *mailServers) {
	if res == nil || ms.nxdomain {
		return
	}
	ev := merge(dnsEvidence(res.TXTAnswer), policyEvidence(res))
	domain := res.Domain
	switch res.Status {
	case mtasts.StatusNone:
		ru.add(newFinding(rules.MTASTSNone, fmt.Sprintf("%s publishes no MTA-STS policy: senders use TLS when offered, but an attacker on the path could strip it.", domain)))
	case mtasts.StatusEnforce, mtasts.StatusTesting:
		var uncovered []string
		for _, h := range ms.hosts {
			if !h.implicit && !res.Policy.Matches(bare(h.name)) {
				uncovered = append(uncovered, bare(h.name))
			}
		}
		if res.Status == mtasts.StatusTesting {
			ru.add(newFinding(rules.MTASTSTesting, fmt.Sprintf("%s's MTA-STS policy is in testing mode: senders report TLS problems but deliver anyway.", domain), ev...))
		} else {
			ru.add(newFinding(rules.MTASTSEnforce, fmt.Sprintf("%s's MTA-STS policy is enforced: senders deliver only over verified TLS to %s.", domain, strings.Join(res.Policy.MX, ", ")), ev...))
		}
		if len(uncovered) > 0 {
			f := newFinding(rules.MTASTSMXMismatch,
				fmt.Sprintf("The MTA-STS policy does not cover the MX host(s) %s; it allows only %s.", strings.Join(uncovered, ", "), strings.Join(res.Policy.MX, ", ")), ev...)
			if res.Status == mtasts.StatusTesting {
				f = f.withSeverity(rules.Warn)
			}
			ru.add(f)
		}
	case mtasts.StatusPolicyNone:
		ru.add(newFinding(rules.MTASTSNone, fmt.Sprintf("%s has withdrawn its MTA-STS policy (mode: none).", domain), ev...))
	case mtasts.StatusInvalid:
		ru.add(newFinding(rules.MTASTSInvalid, problemText(res.Problems, res.Err), ev...))
	case mtasts.StatusFetchFailed:
		id := rules.MTASTSFetchFailed
		for _, p := range res.Problems {
			if p.ID == mtasts.ProblemPrivateAddress {
				id = rules.MTASTSPrivateAddress
			}
		}
		ru.add(newFinding(id, problemText(res.Problems, res.Err), ev...))
	case mtasts.StatusTempError:
		ru.add(newFinding(rules.MTASTSTempError, problemText(res.Problems, res.Err), ev...))
	}
}

func policyEvidence(res *stsOutcome) Evidence {
	ev := Evidence{Kind: "https"}
	if res.PolicyURL == "" {
		return ev
	}
	line := "GET " + res.PolicyURL
	if res.HTTPStatus != 0 {
		line += fmt.Sprintf(" → %d", res.HTTPStatus)
	}
	ev.Lines = append(ev.Lines, line)
	if res.Policy != nil {
		for _, l := range strings.Split(strings.TrimSpace(res.Policy.Raw), "\n") {
			ev.Lines = append(ev.Lines, strings.TrimRight(l, "\r"))
		}
	}
	return ev
}

// problemText tells a check's problems as sentences, each with the RFC
// section it rests on, or its error when it has no problems.
func problemText[P interface {
	~struct{ ID, Detail, RFC string }
}](ps []P, err error) string {
	var out []string
	for _, p := range ps {
		pp := struct{ ID, Detail, RFC string }(p)
		out = append(out, withRef(pp.Detail, pp.RFC))
	}
	if len(out) == 0 && err != nil {
		out = append(out, err.Error())
	}
	return joinSentences(out)
}

// checkTLSRPT reads the domain's TLS reporting record (RFC 8460 §3).
func (ru *run) checkTLSRPT(ctx context.Context, domain string) {
	res := mtasts.CheckTLSRPT(ctx, ru.c.opts.Resolver, domain)
	ev := dnsEvidence(res.Answer)
	switch res.Status {
	case mtasts.TLSRPTOK:
		ru.add(newFinding(rules.TLSRPTOK, fmt.Sprintf("%s asks for TLS failure reports (TLS-RPT).", domain), ev))
	case mtasts.TLSRPTNone:
		ru.add(newFinding(rules.TLSRPTNone, fmt.Sprintf("%s publishes no TLS-RPT record: it is not told when senders fail to reach it securely.", domain)))
	case mtasts.TLSRPTInvalid, mtasts.TLSRPTMultiple:
		ru.add(newFinding(rules.TLSRPTInvalid, problemText(res.Problems, res.Err), ev))
	}
}

// checkDNSSEC reports whether the domain's answers are DNSSEC-validated.
func (ru *run) checkDNSSEC(ctx context.Context, domain string) {
	res := dane.CheckDNSSEC(ctx, ru.c.opts.Resolver, domain)
	switch res.Status {
	case dane.DNSSECSecure:
		ru.add(newFinding(rules.DNSSECSecure, fmt.Sprintf("%s's DNS answers are signed and were validated (DNSSEC).", domain)))
	case dane.DNSSECInsecure:
		ru.add(newFinding(rules.DNSSECInsecure, fmt.Sprintf("%s's DNS answers are not DNSSEC-validated.", domain)))
	}
}

// checkDANE looks up TLSA records for each mail server (RFC 7672 §2.2);
// judgeDANE reports them once the SMTP probe has seen a certificate.
func (ru *run) checkDANE(ctx context.Context, hosts []string) []*dane.Result {
	results := make([]*dane.Result, len(hosts))
	var wg sync.WaitGroup
	for i, h := range hosts {
		// Senders look for TLSA at _25._tcp whatever port we probe on
		// (RFC 7672 §2.2.1).
		wg.Go(func() { results[i] = dane.CheckHost(ctx, ru.c.opts.Resolver, h, smtpprobe.DefaultPort) })
	}
	wg.Wait()
	return results
}

// judgeDANE reports the TLSA records of the mail servers and, for the
// server the SMTP probe reached over TLS, whether its certificate matches
// them (RFC 7672 §3): DANE senders will not deliver to one that does not.
func (ru *run) judgeDANE(results []*dane.Result, probed *smtpprobe.Result) {
	none := 0
	for _, r := range results {
		ev := dnsEvidence(r.Answer)
		switch r.Status {
		case dane.StatusNone:
			none++
		case dane.StatusPresent:
			ru.judgeTLSA(r, probed, ev)
		case dane.StatusInsecure:
			ru.add(newFinding(rules.DANEInsecure, fmt.Sprintf("%s publishes TLSA records in a zone that is not DNSSEC-signed; senders must ignore them (RFC 7672 §2.2).", r.Host), ev))
		case dane.StatusUnusable:
			ru.add(newFinding(rules.DANEUnusable, problemText(r.Problems, nil), ev))
		case dane.StatusTempError:
			ru.add(newFinding(rules.DANETempError, fmt.Sprintf("The TLSA lookup for %s failed.", r.Host), dnsErrEvidence(r.Name, dns.TypeTLSA, r.Err)))
		}
	}
	if none > 0 && none == len(results) {
		ru.add(newFinding(rules.DANENone, "The domain's mail servers publish no TLSA records (DANE)."))
	}
}

func (ru *run) judgeTLSA(r *dane.Result, probed *smtpprobe.Result, ev Evidence) {
	detail := fmt.Sprintf("%s publishes DNSSEC-signed TLSA records: senders that support DANE verify its certificate against them.", r.Host)
	if probed == nil || probed.TLS == nil || !strings.EqualFold(probed.Host, r.Host) {
		ru.add(newFinding(rules.DANEPresent, detail, ev))
		return
	}
	if m, ok := dane.Match(r.Records, probed.TLS.Chain); ok {
		ru.add(newFinding(rules.DANEPresent, detail+fmt.Sprintf(" Its certificate matches the record %s (%s).", m, m.Mnemonic()), ev))
		return
	}
	ru.add(newFinding(rules.DANEMismatch,
		fmt.Sprintf("The certificate %s presented over STARTTLS matches none of its %d TLSA record(s): DANE senders will not deliver to it.", r.Host, len(r.Records)),
		merge(ev, transcriptEvidence(probed))...))
}

// dropDependents removes the findings of the transport-security checks,
// which mean nothing for a domain that does not exist or does not answer.
func (ru *run) dropDependents() {
	ru.mu.Lock()
	defer ru.mu.Unlock()
	kept := ru.r.Findings[:0]
	for _, f := range ru.r.Findings {
		switch strings.SplitN(f.ID, ".", 2)[0] {
		case "mtasts", "tlsrpt", "dnssec", "dane":
			continue
		}
		kept = append(kept, f)
	}
	ru.r.Findings = kept
}
