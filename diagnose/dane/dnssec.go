package dane

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"

	"github.com/codeprobe/codeprobe/diagnose/dnsx"
	"github.com/miekg/dns"
)

// DNSSEC statuses.
const (
	DNSSECSecure   = "secure"   // the resolver validated the domain's answers
	DNSSECInsecure = "insecure" // the resolver answered without validating
	DNSSECUnknown  = "unknown"  // no answer to judge by
)

// DNSSEC is what [CheckDNSSEC] found for one domain.
type DNSSEC struct {
	Domain    string
	Secure    bool         // the SOA answer (the MX answer if SOA failed) carried AD
	MXSecure  bool         // the MX answer carried AD
	Status    string       // DNSSECSecure, DNSSECInsecure or DNSSECUnknown
	SOAAnswer *dnsx.Answer // nil if the SOA lookup failed
	MXAnswer  *dnsx.Answer // nil if the MX lookup failed
	Problems  []Problem
	Err       error // the lookup errors when Status is unknown
}

// CheckDNSSEC asks for domain's SOA and MX records and reports whether the
// resolver marked the answers as validated with DNSSEC: the AD
// (Authenticated Data) bit, RFC 4035 §3.2.3. Negative answers count too: a
// validated NXDOMAIN or no-data carries AD as well.
//
// The AD bit is the resolver's claim, not proof. It is only trustworthy
// from a validating resolver reached over a path an attacker cannot tamper
// with, such as one on the same host or over an authenticated channel
// (RFC 4035 §4.9.3, RFC 6840 §5.7). An insecure result may also mean only
// that the resolver does not validate; a secure result from a resolver
// across an untrusted network proves nothing.
func CheckDNSSEC(ctx context.Context, q dnsx.Querier, domain string) *DNSSEC {
	domain = strings.ToLower(strings.TrimSuffix(domain, "."))
	res := &DNSSEC{Domain: domain, Status: DNSSECUnknown}
	if q == nil {
		res.Err = fmt.Errorf("%w: no resolver configured", ErrDNS)
		res.Problems = append(res.Problems, Problem{ID: ProblemDNSSECError, Detail: res.Err.Error(), RFC: "RFC 4035 §3.2.3"})
		return res
	}
	var (
		wg            sync.WaitGroup
		soaErr, mxErr error
		soaAns, mxAns *dnsx.Answer
	)
	wg.Go(func() { soaAns, soaErr = q.Query(ctx, domain, dns.TypeSOA) })
	wg.Go(func() { mxAns, mxErr = q.Query(ctx, domain, dns.TypeMX) })
	wg.Wait()
	res.SOAAnswer, res.MXAnswer = soaAns, mxAns

	if mxErr == nil {
		res.MXSecure = mxAns.AD
	}
	switch {
	case soaErr == nil:
		res.Secure = soaAns.AD
	case mxErr == nil:
		res.Secure = mxAns.AD
	default:
		res.Err = fmt.Errorf("%w: %w", ErrDNS, errors.Join(soaErr, mxErr))
		res.Problems = append(res.Problems, Problem{ID: ProblemDNSSECError, RFC: "RFC 4035 §3.2.3",
			Detail: fmt.Sprintf("neither the SOA nor the MX lookup for %s was answered: %v; %v", domain, soaErr, mxErr)})
		return res
	}
	if res.Secure {
		res.Status = DNSSECSecure
	} else {
		res.Status = DNSSECInsecure
	}
	return res
}
