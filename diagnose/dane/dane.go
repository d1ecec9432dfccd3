// Package dane checks a mail server's DANE TLSA records (RFC 7672, SMTP
// security via opportunistic DANE TLS; RFC 6698 and RFC 7218 for the
// records themselves) and whether a domain's DNS answers are
// DNSSEC-validated (the AD bit, RFC 4035 §3.2.3).
//
// DANE matters to a missing code in two ways. A mail server with valid,
// DNSSEC-signed TLSA records is one a DANE-aware sender (Postfix, Exim,
// many large providers) will only deliver to over TLS with a matching
// certificate: a certificate renewed without updating the TLSA records
// stops mail. And when the TLSA lookup itself fails for a signed host, such
// a sender defers the mail rather than deliver it insecurely.
//
// Both checks read the AD bit set by the resolver: see [CheckDNSSEC] for
// what that can and cannot prove.
package dane

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/codeprobe/codeprobe/diagnose/dnsx"
	"github.com/miekg/dns"
)

// ErrDNS wraps the dnsx error of a lookup that got no answer.
var ErrDNS = errors.New("DNS lookup failed")

// Status is the outcome of a TLSA check for one host.
type Status string

const (
	StatusNone      Status = "none"      // no TLSA records: DANE does not apply
	StatusPresent   Status = "present"   // DNSSEC-validated TLSA records, at least one usable
	StatusInsecure  Status = "insecure"  // TLSA records without validation: senders ignore them (RFC 7672 §2.2.3)
	StatusUnusable  Status = "unusable"  // validated TLSA records, none usable for SMTP (RFC 7672 §3.1)
	StatusTempError Status = "temperror" // the lookup failed: inconclusive, and DANE senders may defer
)

// Problem IDs reported in [Result.Problems] and [DNSSEC.Problems].
const (
	ProblemInsecure    = "dane.insecure"    // TLSA records that are not DNSSEC-validated
	ProblemUnusable    = "dane.unusable"    // a validated TLSA RRset with no usable record
	ProblemPKIXUsage   = "dane.pkix-usage"  // a record with usage PKIX-TA(0) or PKIX-EE(1)
	ProblemUnassigned  = "dane.unassigned"  // a record with an unassigned usage, selector or matching type
	ProblemMalformed   = "dane.malformed"   // a record whose data cannot match anything
	ProblemTempError   = "dane.temperror"   // the TLSA lookup failed
	ProblemDNSSECError = "dnssec.temperror" // the DNSSEC lookups failed
)

// Problem is one thing found wrong or worth knowing, with the RFC section
// that makes it so.
type Problem struct {
	ID     string
	Detail string
	RFC    string
}

// Result is what [CheckHost] found for one MX host.
type Result struct {
	Host    string       // the MX host, lower case, without the trailing dot
	Name    string       // the TLSA owner name, _25._tcp.<host>
	Records []TLSA       // the TLSA records found, in answer order
	Answer  *dnsx.Answer // the answer to the TLSA question, nil on failure
	Secure  bool         // the TLSA answer carried the AD bit
	Status  Status
	// Usable counts the records an SMTP client can authenticate with.
	Usable   int
	Problems []Problem
	Err      error // the lookup error when Status is temperror
}

func (r *Result) add(id, rfc, format string, args ...any) {
	r.Problems = append(r.Problems, Problem{ID: id, Detail: fmt.Sprintf(format, args...), RFC: rfc})
}

// CheckHost looks up the TLSA records of mxHost for SMTP on port (RFC 7672
// §2.2.3: _<port>._tcp.<host>; port 0 means 25) and judges them as a DANE
// sender would. mxHost is in A-label form.
//
// The check takes the AD bit of the TLSA answer at face value. A full DANE
// client also requires the MX host's address records to be secure before
// it looks for TLSA records at all (RFC 7672 §2.2.3); callers that know the
// address answers' AD bits can combine them.
func CheckHost(ctx context.Context, q dnsx.Querier, mxHost string, port int) *Result {
	if port <= 0 {
		port = 25
	}
	host := strings.ToLower(strings.TrimSuffix(mxHost, "."))
	res := &Result{Host: host, Name: fmt.Sprintf("_%d._tcp.%s", port, host)}
	if q == nil {
		res.Status, res.Err = StatusTempError, fmt.Errorf("%w: no resolver configured", ErrDNS)
		res.add(ProblemTempError, "RFC 7672 §2.2", "%v", res.Err)
		return res
	}
	ans, err := q.Query(ctx, res.Name, dns.TypeTLSA)
	if err != nil {
		res.Status, res.Err = StatusTempError, fmt.Errorf("%w: %w", ErrDNS, err)
		res.add(ProblemTempError, "RFC 7672 §2.1.2",
			"the TLSA lookup at %s failed (%v): a DANE-aware sender defers mail to %s rather than deliver it without the records, when the host's address records are DNSSEC-signed",
			res.Name, err, host)
		return res
	}
	res.Answer = ans
	res.Secure = ans.AD
	for _, rr := range ans.Of(dns.TypeTLSA) {
		t, ok := rr.(*dns.TLSA)
		if !ok {
			continue
		}
		rec := TLSA{Usage: t.Usage, Selector: t.Selector, MatchingType: t.MatchingType, Data: strings.ToLower(t.Certificate)}
		res.Records = append(res.Records, rec)
		if err := rec.Check(); err != nil {
			res.add(recordProblem(err), recordRFC(err), "%s TLSA %s [%s]: %v", res.Name, rec, rec.Mnemonic(), err)
			continue
		}
		res.Usable++
	}
	switch {
	case len(res.Records) == 0:
		res.Status = StatusNone
	case !res.Secure:
		res.Status = StatusInsecure
		res.add(ProblemInsecure, "RFC 7672 §2.2.3",
			"%s has TLSA records but the answer was not DNSSEC-validated: senders must ignore them, so DANE does not protect %s", res.Name, host)
	case res.Usable == 0:
		res.Status = StatusUnusable
		res.add(ProblemUnusable, "RFC 7672 §2.2.3",
			"none of the %d TLSA records at %s is usable for SMTP: DANE senders still insist on TLS with %s but cannot authenticate it", len(res.Records), res.Name, host)
	default:
		res.Status = StatusPresent
	}
	return res
}

// recordProblem maps a [TLSA.Check] error to its problem ID.
func recordProblem(err error) string {
	switch {
	case errors.Is(err, ErrPKIXUsage):
		return ProblemPKIXUsage
	case errors.Is(err, ErrUnassigned):
		return ProblemUnassigned
	default:
		return ProblemMalformed
	}
}

// recordRFC is the section a [TLSA.Check] error rests on.
func recordRFC(err error) string {
	switch {
	case errors.Is(err, ErrPKIXUsage):
		return "RFC 7672 §3.1.3"
	case errors.Is(err, ErrUnassigned):
		return "RFC 7218 §2"
	default:
		return "RFC 6698 §2.1.3"
	}
}
