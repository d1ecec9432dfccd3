package dnsx

import (
	"cmp"
	"context"
	"fmt"
	"net/netip"
	"slices"
	"strings"
	"sync"

	"github.com/miekg/dns"
)

// LookupMX asks q for the MX records of domain and returns them sorted by
// preference, then by exchange name, with the answer as evidence. A null
// MX (RFC 7505 §3: preference 0, exchange ".") is returned like any other,
// so the caller can tell it apart. A negative answer (NXDOMAIN, no-data)
// returns no records, the answer and a nil error; a failure returns the
// Querier's error. The records are those of the answer.
func LookupMX(ctx context.Context, q Querier, domain string) ([]*dns.MX, *Answer, error) {
	a, err := q.Query(ctx, domain, dns.TypeMX)
	if err != nil {
		return nil, nil, err
	}
	var mxs []*dns.MX
	for _, rr := range a.Records {
		if mx, ok := rr.(*dns.MX); ok {
			mxs = append(mxs, mx)
		}
	}
	slices.SortStableFunc(mxs, func(x, y *dns.MX) int {
		return cmp.Or(cmp.Compare(x.Preference, y.Preference),
			strings.Compare(strings.ToLower(x.Mx), strings.ToLower(y.Mx)))
	})
	return mxs, a, nil
}

// LookupTXT asks q for the TXT records of name and returns one string per
// record, its character-strings concatenated without separator (RFC 7208
// §3.3, RFC 6376 §3.6.2.2), in server order, with the answer as evidence.
// The strings hold the record's bytes as sent, not escaped for display.
// Negative answers and failures are reported as by [LookupMX].
func LookupTXT(ctx context.Context, q Querier, name string) ([]string, *Answer, error) {
	a, err := q.Query(ctx, name, dns.TypeTXT)
	if err != nil {
		return nil, nil, err
	}
	var out []string
	for _, rr := range a.Records {
		t, ok := rr.(*dns.TXT)
		if !ok {
			continue
		}
		var b strings.Builder
		for _, s := range t.Txt {
			b.WriteString(unescapeTXT(s))
		}
		out = append(out, b.String())
	}
	return out, a, nil
}

// unescapeTXT undoes the presentation escapes miekg/dns puts in a
// character-string (RFC 1035 §5.1): \DDD is the byte DDD, \X is X.
func unescapeTXT(s string) string {
	if !strings.Contains(s, `\`) {
		return s
	}
	b := make([]byte, 0, len(s))
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c != '\\' || i+1 == len(s) {
			b = append(b, c)
			continue
		}
		if v, ok := ddd(s[i+1:]); ok {
			b = append(b, v)
			i += 3
			continue
		}
		i++
		b = append(b, s[i])
	}
	return string(b)
}

// ddd parses the three decimal digits at the start of s as a byte.
func ddd(s string) (byte, bool) {
	if len(s) < 3 {
		return 0, false
	}
	v := 0
	for _, c := range []byte(s[:3]) {
		if c < '0' || c > '9' {
			return 0, false
		}
		v = v*10 + int(c-'0')
	}
	return byte(v), v <= 255
}

// Addrs is what a host name resolves to, from its A and AAAA questions
// asked concurrently. Each question's answer or error is kept as
// evidence.
type Addrs struct {
	IPs     []netip.Addr // IPv4 addresses, then IPv6, in server order
	A, AAAA *Answer      // nil when the question failed
	AErr    error        // why A got no answer
	AAAAErr error        // why AAAA got no answer
	CNAMEs  []string     // the CNAME targets the name led through
}

// AddrStatus sums up an [Addrs].
type AddrStatus string

const (
	AddrOK       AddrStatus = "ok"       // at least one address
	AddrNXDomain AddrStatus = "nxdomain" // the name does not exist
	AddrNoData   AddrStatus = "nodata"   // the name exists and has no address
	AddrFailed   AddrStatus = "failed"   // no address, and a question went unanswered
)

// Status tells whether the name has addresses. NXDOMAIN from either
// question is enough to say the name does not exist (RFC 8020); no-data
// needs both questions answered, since a failed one might have held the
// only addresses.
func (a Addrs) Status() AddrStatus {
	isNX := func(x *Answer) bool { return x != nil && x.Status == StatusNXDomain }
	switch {
	case len(a.IPs) > 0:
		return AddrOK
	case isNX(a.A) || isNX(a.AAAA):
		return AddrNXDomain
	case a.A != nil && a.AAAA != nil:
		return AddrNoData
	default:
		return AddrFailed
	}
}

// LookupAddrs asks q for the A and AAAA records of host at the same time.
// The error is nil when at least one question was answered (see
// [Addrs.Status]); when both failed it wraps both errors.
func LookupAddrs(ctx context.Context, q Querier, host string) (Addrs, error) {
	var out Addrs
	var wg sync.WaitGroup
	wg.Go(func() { out.AAAA, out.AAAAErr = q.Query(ctx, host, dns.TypeAAAA) })
	out.A, out.AErr = q.Query(ctx, host, dns.TypeA)
	wg.Wait()
	out.A, out.AErr = answerOrError(out.A, out.AErr, host, dns.TypeA)
	out.AAAA, out.AAAAErr = answerOrError(out.AAAA, out.AAAAErr, host, dns.TypeAAAA)
	for _, ans := range []*Answer{out.A, out.AAAA} {
		if ans == nil {
			continue
		}
		for _, rr := range ans.Records {
			switch rr := rr.(type) {
			case *dns.A:
				if ip, ok := netip.AddrFromSlice(rr.A); ok {
					out.IPs = append(out.IPs, ip.Unmap())
				}
			case *dns.AAAA:
				if ip, ok := netip.AddrFromSlice(rr.AAAA); ok {
					out.IPs = append(out.IPs, ip)
				}
			}
		}
		if out.CNAMEs == nil {
			out.CNAMEs = ans.CNAMEs()
		}
	}
	if out.A == nil && out.AAAA == nil {
		return out, fmt.Errorf("%w; %w", out.AErr, out.AAAAErr)
	}
	return out, nil
}

// answerOrError keeps exactly one of a Querier's results, so that a
// faulty Querier cannot make an Addrs claim an answer it does not hold.
func answerOrError(a *Answer, err error, host string, qtype uint16) (*Answer, error) {
	switch {
	case err != nil:
		return nil, err
	case a == nil:
		return nil, &Error{Name: host, Type: qtype, Err: fmt.Errorf("%w: no answer and no error", ErrFormat)}
	default:
		return a, nil
	}
}
