// Package mtasts checks a recipient domain's published transport-security
// policy: MTA-STS (RFC 8461), which tells sending servers to insist on TLS
// with a valid certificate when delivering to the domain's MX hosts, and
// SMTP TLS Reporting (RFC 8460), which says where they should report TLS
// failures.
//
// A broken MTA-STS policy is a reason a code does not arrive: a domain in
// enforce mode whose policy does not list its real MX hosts tells every
// compliant sender to refuse delivery. [Fetcher.Check] finds the TXT record
// (RFC 8461 §3.1), fetches the policy over HTTPS exactly as a sender would
// (§3.3: no redirects, certificate valid for mta-sts.<domain>, 200 only,
// bounded body, one deadline), parses it (§3.2) and matches the domain's MX
// hosts against it (§4.1). [CheckTLSRPT] reads the TLS-RPT record.
//
// The policy host is attacker-controlled input like an MX host: it is
// resolved through the caller's [dnsx.Querier] and every address goes
// through a [netguard.Guard] before any connection is made.
package mtasts

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/codeprobe/codeprobe/diagnose/dnsx"
	"github.com/miekg/dns"
)

// Status is the outcome of an MTA-STS check.
type Status string

const (
	StatusNone        Status = "none"         // no MTA-STS TXT record: the domain does not use MTA-STS
	StatusEnforce     Status = "enforce"      // a valid policy in enforce mode
	StatusTesting     Status = "testing"      // a valid policy in testing mode
	StatusPolicyNone  Status = "policy-none"  // a valid policy in mode none: MTA-STS withdrawn
	StatusInvalid     Status = "invalid"      // the TXT record or the policy is malformed: senders ignore MTA-STS
	StatusFetchFailed Status = "fetch-failed" // a TXT record, but the policy could not be fetched as senders must
	StatusTempError   Status = "temperror"    // a DNS lookup failed: inconclusive
)

// Problem IDs reported in [Result.Problems].
const (
	ProblemInvalidTXT     = "mtasts.invalid-txt"     // the TXT record is malformed
	ProblemMultipleTXT    = "mtasts.multiple-txt"    // more than one MTA-STS TXT record
	ProblemFetchFailed    = "mtasts.fetch-failed"    // the policy could not be fetched
	ProblemInvalidPolicy  = "mtasts.invalid-policy"  // the policy is malformed
	ProblemMXMismatch     = "mtasts.mx-mismatch"     // an MX host is not covered by the policy
	ProblemTesting        = "mtasts.testing"         // the policy is in testing mode
	ProblemPrivateAddress = "mtasts.private-address" // the policy host resolves to a forbidden address
	ProblemTempError      = "mtasts.temperror"       // a DNS lookup failed
)

// Problem is one thing found wrong or worth knowing, with the RFC section
// that makes it so.
type Problem struct {
	ID     string
	Detail string
	RFC    string
}

// Result is what [Fetcher.Check] found for one domain.
type Result struct {
	Domain       string
	TXT          *TXTRecord   // the parsed TXT record, nil if absent or malformed
	TXTAnswer    *dnsx.Answer // the answer to the _mta-sts TXT question
	Policy       *Policy      // the parsed policy, nil unless fetched and valid
	PolicyURL    string       // the URL fetched
	Body         string       // the body of a 200 text/plain answer, also when it did not parse
	HTTPStatus   int          // the HTTP status of the policy fetch, 0 if none
	Status       Status
	Problems     []Problem
	MXMismatches []string // MX hosts the policy does not cover
	// Err is why the status is not enforce, testing, policy-none or none; it
	// wraps one of the package's sentinel errors or a dnsx error.
	Err error
}

func (r *Result) add(id, rfc, format string, args ...any) {
	r.Problems = append(r.Problems, Problem{ID: id, Detail: fmt.Sprintf(format, args...), RFC: rfc})
}

// detail is err's text without a closing citation of rfc, which the
// Problem carries in its own field.
func detail(err error, rfc string) string {
	return strings.TrimSuffix(err.Error(), " ("+rfc+")")
}

// normalizeName lower-cases a host name and drops its trailing dot.
func normalizeName(s string) string { return strings.ToLower(strings.TrimSuffix(s, ".")) }

// Check looks up domain's MTA-STS TXT record, fetches and parses its policy,
// and reports which of mxHosts the policy does not cover. domain and the MX
// hosts are in A-label form. The TXT lookup is bounded by ctx, the policy
// fetch also by [Fetcher.Timeout].
func (f *Fetcher) Check(ctx context.Context, domain string, mxHosts []string) *Result {
	domain = normalizeName(domain)
	res := &Result{Domain: domain}
	if !f.lookupTXT(ctx, res) {
		return res
	}
	body, err := f.fetch(ctx, domain, res)
	if err != nil {
		res.Err = err
		if errors.Is(err, ErrDNS) {
			res.Status = StatusTempError
			res.add(ProblemTempError, "RFC 8461 §3.3", "%v", err)
			return res
		}
		res.Status = StatusFetchFailed
		res.add(ProblemFetchFailed, "RFC 8461 §3.3", "%v", err)
		return res
	}
	res.Body = string(body)
	pol, err := ParsePolicy(body)
	if err != nil {
		res.Err = err
		res.Status = StatusInvalid
		res.add(ProblemInvalidPolicy, "RFC 8461 §3.2", "%s", detail(err, "RFC 8461 §3.2"))
		return res
	}
	res.Policy = pol
	switch pol.Mode {
	case ModeEnforce:
		res.Status = StatusEnforce
	case ModeTesting:
		res.Status = StatusTesting
		res.add(ProblemTesting, "RFC 8461 §5", "the policy is in testing mode: senders report TLS failures but deliver anyway")
	default:
		res.Status = StatusPolicyNone
		return res
	}
	for _, mx := range mxHosts {
		if mx = normalizeName(mx); mx != "" && !pol.Matches(mx) {
			res.MXMismatches = append(res.MXMismatches, mx)
		}
	}
	if len(res.MXMismatches) > 0 {
		consequence := "compliant senders will refuse to deliver to them"
		if pol.Mode == ModeTesting {
			consequence = "in enforce mode compliant senders would refuse to deliver to them"
		}
		res.add(ProblemMXMismatch, "RFC 8461 §4.1", "MX host(s) %s not covered by the policy's mx patterns %s: %s",
			strings.Join(res.MXMismatches, ", "), strings.Join(pol.MX, ", "), consequence)
	}
	return res
}

// lookupTXT finds the one MTA-STS TXT record (RFC 8461 §3.1) and fills res.
// It reports whether the check should go on to fetch the policy.
func (f *Fetcher) lookupTXT(ctx context.Context, res *Result) bool {
	if f.Resolver == nil {
		res.Status, res.Err = StatusTempError, fmt.Errorf("%w: no resolver configured", ErrDNS)
		res.add(ProblemTempError, "RFC 8461 §3.1", "%v", res.Err)
		return false
	}
	name := "_mta-sts." + res.Domain
	ans, err := f.Resolver.Query(ctx, name, dns.TypeTXT)
	res.TXTAnswer = ans
	if err != nil {
		res.Status, res.Err = StatusTempError, fmt.Errorf("%w: %w", ErrDNS, err)
		res.add(ProblemTempError, "RFC 8461 §3.1", "looking up the TXT record at %s: %v", name, err)
		return false
	}
	cands := candidates(ans, stsVersion)
	switch {
	case len(cands) == 0:
		res.Status = StatusNone
		return false
	case len(cands) > 1:
		res.Status, res.Err = StatusInvalid, fmt.Errorf("%w: %d records at %s", ErrInvalidTXT, len(cands), name)
		res.add(ProblemMultipleTXT, "RFC 8461 §3.1",
			"%d MTA-STS TXT records at %s (%s): senders treat the domain as having no MTA-STS policy",
			len(cands), name, quoteAll(cands))
		return false
	}
	txt, err := ParseTXT(cands[0])
	if err != nil {
		res.Status, res.Err = StatusInvalid, err
		res.add(ProblemInvalidTXT, "RFC 8461 §3.1", "%s: %s", name, detail(err, "RFC 8461 §3.1"))
		return false
	}
	res.TXT = txt
	return true
}

// candidates returns the TXT records of ans, each record's strings
// concatenated, that announce version. RFC 8461 §3.1 and RFC 8460 §3 discard
// records not beginning with the version tag; a record that plainly tries to
// (leading spaces, other letter case) is kept so that parsing can say what
// is wrong with it rather than the domain seeming to have no record.
func candidates(ans *dnsx.Answer, version string) []string {
	if ans == nil {
		return nil
	}
	var out []string
	for _, rr := range ans.Of(dns.TypeTXT) {
		txt, ok := rr.(*dns.TXT)
		if !ok {
			continue
		}
		s := strings.Join(txt.Txt, "")
		head := strings.TrimLeft(s, " \t")
		if len(head) >= len(version) && strings.EqualFold(head[:len(version)], version) {
			out = append(out, s)
		}
	}
	return out
}

func quoteAll(ss []string) string {
	q := make([]string, len(ss))
	for i, s := range ss {
		q[i] = fmt.Sprintf("%q", s)
	}
	return strings.Join(q, ", ")
}
