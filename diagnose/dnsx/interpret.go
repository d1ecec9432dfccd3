package dnsx

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/miekg/dns"
)

// NegativeTTLWithoutSOA is how long an NXDOMAIN or no-data answer that
// carries no SOA record is cached. RFC 2308 §5 says such answers SHOULD
// NOT be cached, lest two caching servers pass them back and forth
// forever; this cache passes nothing on, and a short lifetime spares a
// bulk run from asking the same dead name once per address.
const NegativeTTLWithoutSOA = 30 * time.Second

// interpret turns a DNS reply into an Answer or an *Error, never both and
// never neither. The reply must answer the question asked (RFC 5452 §9.1);
// answer records that are not part of the chain from the asked name are
// dropped (RFC 5452 §6), so a poisoned extra record never reaches the
// cache.
func interpret(resp *dns.Msg, fqdn string, qtype uint16, srv string, tcp bool, rtt time.Duration) (*Answer, error) {
	fail := func(err error) (*Answer, error) {
		return nil, &Error{Name: fqdn, Type: qtype, Server: srv, Err: err}
	}
	if resp == nil || !resp.Response || resp.Opcode != dns.OpcodeQuery {
		return fail(fmt.Errorf("%w: not a reply to a query", ErrFormat))
	}
	if err := matchQuestion(resp, fqdn, qtype); err != nil {
		return fail(err)
	}
	switch resp.Rcode {
	case dns.RcodeSuccess, dns.RcodeNameError:
	case dns.RcodeServerFailure:
		return fail(ErrServFail)
	case dns.RcodeRefused:
		return fail(ErrRefused)
	default:
		return fail(fmt.Errorf("%w: rcode %s", ErrServFail, rcodeName(resp.Rcode)))
	}
	chain, records := answerChain(resp.Answer, fqdn, qtype)
	last := chain[len(chain)-1]
	a := &Answer{
		Name: fqdn, Type: qtype, Records: records,
		AD: resp.AuthenticatedData, TCP: tcp, Server: srv, RTT: rtt,
	}
	switch {
	case resp.Rcode == dns.RcodeNameError:
		// RFC 6604 §2: the rcode speaks of the last name in the chain.
		a.Status = StatusNXDomain
	case hasType(records, qtype):
		a.Status = StatusOK
	default:
		if zone, ok := referral(resp); ok {
			return fail(fmt.Errorf("%w: the server does not recurse and referred the question to %s", ErrRefused, zone))
		}
		a.Status = StatusNoData
	}
	a.TTL = answerTTL(a, resp.Ns, last)
	return a, nil
}

// matchQuestion checks that resp's question is (fqdn, qtype, IN). Error
// replies may leave the question out; they carry no data to trust.
func matchQuestion(resp *dns.Msg, fqdn string, qtype uint16) error {
	if len(resp.Question) == 0 && resp.Rcode != dns.RcodeSuccess && resp.Rcode != dns.RcodeNameError {
		return nil
	}
	if len(resp.Question) != 1 {
		return fmt.Errorf("%w: %d questions in the reply", ErrFormat, len(resp.Question))
	}
	q := resp.Question[0]
	if !strings.EqualFold(q.Name, fqdn) || q.Qtype != qtype || q.Qclass != dns.ClassINET {
		return fmt.Errorf("%w: the reply is for %s %s %s", ErrFormat, q.Name, typeName(q.Qtype), dns.Class(q.Qclass))
	}
	return nil
}

// answerChain follows the CNAME chain from fqdn through rrs (RFC 1034
// §3.6.2) and returns its names, fqdn first, and the records that answer
// the question, in server order: the CNAMEs of the chain, DNAMEs above
// it (RFC 6672), records of type qtype at its last name, and signatures
// over those. A question for CNAME or ANY is not followed.
func answerChain(rrs []dns.RR, fqdn string, qtype uint16) ([]string, []dns.RR) {
	chain := []string{fqdn}
	inChain := map[string]bool{fqdn: true}
	links := map[dns.RR]bool{}
	if qtype != dns.TypeCNAME && qtype != dns.TypeANY {
		cnames := map[string]dns.RR{}
		for _, rr := range rrs {
			if rr.Header().Rrtype == dns.TypeCNAME && rr.Header().Class == dns.ClassINET {
				owner := strings.ToLower(rr.Header().Name)
				if _, dup := cnames[owner]; !dup {
					cnames[owner] = rr
				}
			}
		}
		for cur := fqdn; ; {
			c, ok := cnames[cur]
			if !ok {
				break
			}
			links[c] = true
			next := strings.ToLower(c.(*dns.CNAME).Target)
			if inChain[next] {
				break // a loop: the chain leads nowhere
			}
			inChain[next] = true
			chain = append(chain, next)
			cur = next
		}
	}
	last := chain[len(chain)-1]
	var kept []dns.RR
	for _, rr := range rrs {
		h := rr.Header()
		owner := strings.ToLower(h.Name)
		keep := false
		switch {
		case h.Class != dns.ClassINET:
		case links[rr]:
			keep = true
		case h.Rrtype == qtype || qtype == dns.TypeANY:
			keep = owner == last
		case h.Rrtype == dns.TypeRRSIG:
			covered := rr.(*dns.RRSIG).TypeCovered
			keep = (inChain[owner] && covered == dns.TypeCNAME) || (owner == last && covered == qtype)
		case h.Rrtype == dns.TypeDNAME:
			keep = above(owner, chain)
		}
		if keep {
			kept = append(kept, rr)
		}
	}
	return chain, kept
}

// above reports whether some name of chain is strictly below owner.
func above(owner string, chain []string) bool {
	for _, n := range chain {
		if n != owner && dns.IsSubDomain(owner, n) {
			return true
		}
	}
	return false
}

func hasType(rrs []dns.RR, qtype uint16) bool {
	for _, rr := range rrs {
		if rr.Header().Rrtype == qtype || qtype == dns.TypeANY {
			return true
		}
	}
	return false
}

// referral reports whether resp is a referral rather than an answer: no
// SOA, NS records in the authority section and no AA bit (RFC 2308 §2.2).
// A stub gets one only from a server that will not recurse for it.
func referral(resp *dns.Msg) (string, bool) {
	if resp.Authoritative {
		return "", false
	}
	zone := ""
	for _, rr := range resp.Ns {
		switch rr.Header().Rrtype {
		case dns.TypeSOA:
			return "", false
		case dns.TypeNS:
			zone = rr.Header().Name
		}
	}
	return zone, zone != ""
}

// answerTTL is how long a may be cached: the smallest TTL of its records
// and, for a negative answer, of the SOA that comes with it (RFC 2308 §5).
func answerTTL(a *Answer, ns []dns.RR, last string) uint32 {
	ttl := uint32(math.MaxInt32)
	if a.Status != StatusOK {
		ttl = negativeTTL(ns, last)
	}
	for _, rr := range a.Records {
		ttl = min(ttl, rrTTL(rr.Header().Ttl))
	}
	return ttl
}

// negativeTTL is the lifetime of a negative answer for name: the smaller
// of the SOA's minimum and its own TTL (RFC 2308 §5), taken only from a
// SOA of a zone that holds name, or NegativeTTLWithoutSOA.
func negativeTTL(ns []dns.RR, name string) uint32 {
	for _, rr := range ns {
		soa, ok := rr.(*dns.SOA)
		if ok && soa.Hdr.Class == dns.ClassINET && dns.IsSubDomain(soa.Hdr.Name, name) {
			return min(rrTTL(soa.Minttl), rrTTL(soa.Hdr.Ttl))
		}
	}
	return uint32(NegativeTTLWithoutSOA / time.Second)
}

// rrTTL treats a TTL with the top bit set as zero (RFC 2181 §8).
func rrTTL(ttl uint32) uint32 {
	if ttl > math.MaxInt32 {
		return 0
	}
	return ttl
}

func rcodeName(rcode int) string {
	if s, ok := dns.RcodeToString[rcode]; ok {
		return s
	}
	return strconv.Itoa(rcode)
}

func typeName(t uint16) string {
	if s, ok := dns.TypeToString[t]; ok {
		return s
	}
	return "TYPE" + strconv.Itoa(int(t))
}
