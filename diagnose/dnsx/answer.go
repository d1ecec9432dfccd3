// Package dnsx is codeprobe's DNS client: a stub resolver built on
// github.com/miekg/dns that keeps what the standard library throws away.
//
// A diagnosis needs to tell "the domain does not exist" (NXDOMAIN, RFC 1035
// §4.1.1 RCODE 3) from "the name exists but has no record of this type"
// (no-data, RFC 2308 §2.2) from "the server failed" (SERVFAIL) from "nobody
// answered in time", and to know whether the answer was validated (the AD
// bit, RFC 4035 §3.2.3). [Querier] is the interface every probe takes;
// [Resolver] is the production implementation.
//
// [Resolver] retries truncated answers over TCP (RFC 7766 §5), falls back
// from EDNS for servers that reject it (RFC 6891 §7), keeps only the
// records that answer the question (RFC 5452 §6), and caches: answers for
// their TTL, NXDOMAIN and no-data for the SOA minimum (RFC 2308 §5),
// SERVFAIL briefly (RFC 2308 §7.1), timeouts never. Identical questions
// asked at once share one query, so a bulk run asks each question once.
// [LookupMX], [LookupTXT] and [LookupAddrs] work over any Querier.
package dnsx

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/miekg/dns"
)

// Querier asks one question. Every probe takes a Querier, so tests can point
// it at the fixture world and production at the system's resolvers.
//
// A nil error means the server answered: Answer.Status tells whether with
// records, with no-data or with NXDOMAIN. Failures to get an answer are
// returned as *Error wrapping one of ErrServFail, ErrRefused, ErrTimeout or
// ErrNetwork.
type Querier interface {
	Query(ctx context.Context, name string, qtype uint16) (*Answer, error)
}

// Status is how a server answered a question that it did answer.
type Status string

const (
	// StatusOK: the answer section holds at least one record of the asked type.
	StatusOK Status = "ok"
	// StatusNoData: the name exists but has no record of the asked type
	// (RFC 2308 §2.2). A CNAME chain without a final record of the type is
	// also no-data.
	StatusNoData Status = "nodata"
	// StatusNXDomain: the name does not exist (RFC 1035 §4.1.1, RFC 8020).
	StatusNXDomain Status = "nxdomain"
)

// Answer is one DNS answer, with what a diagnosis needs to explain it.
type Answer struct {
	Name   string // the name asked, fully qualified, lower case
	Type   uint16 // the type asked
	Status Status // ok, nodata or nxdomain
	// Records are the answer section's records that answer the question:
	// the CNAME (and DNAME) chain from Name and the records of the asked
	// type at its end, in server order. Records about other names are
	// dropped (RFC 5452 §6).
	Records []dns.RR
	// AD is the Authenticated Data bit: the resolver validated the answer
	// with DNSSEC (RFC 4035 §3.2.3). It is only as trustworthy as the path
	// to the resolver.
	AD     bool
	TCP    bool          // the answer came over TCP (after a truncated UDP reply)
	Server string        // the server that answered, host:port
	RTT    time.Duration // time spent getting the answer (zero when cached)
	Cached bool          // served from the cache
	// TTL is how long the answer may be cached, in seconds: the smallest
	// record TTL for a positive answer, the SOA minimum for a negative one
	// (RFC 2308 §5). For a cached answer it is the time the cache will
	// still keep it.
	TTL uint32
}

// Of returns the records of the answer whose type is t, in order.
func (a *Answer) Of(t uint16) []dns.RR {
	var out []dns.RR
	for _, rr := range a.Records {
		if rr.Header().Rrtype == t {
			out = append(out, rr)
		}
	}
	return out
}

// CNAMEs returns the targets of the CNAME records in the answer, in order.
func (a *Answer) CNAMEs() []string {
	var out []string
	for _, rr := range a.Records {
		if c, ok := rr.(*dns.CNAME); ok {
			out = append(out, c.Target)
		}
	}
	return out
}

// Sentinel errors for the ways a question can go unanswered. Test with
// errors.Is.
var (
	ErrServFail = errors.New("server failure (SERVFAIL)")
	ErrRefused  = errors.New("query refused")
	ErrTimeout  = errors.New("no answer in time")
	ErrNetwork  = errors.New("network error")
	ErrBadName  = errors.New("invalid domain name")
	ErrFormat   = errors.New("malformed answer")
	// ErrBadServer is a resolver address that is not an IP address with
	// an optional port (see [ParseServer]).
	ErrBadServer = errors.New("invalid resolver address")
)

// Error is a question that got no usable answer.
type Error struct {
	Name   string
	Type   uint16
	Server string // empty when no server was tried
	Err    error  // one of the sentinels, possibly wrapping the cause
}

// Error says which question failed and how, in words fit for a report:
// the kind of failure (one of the sentinels), not the socket-level cause
// or the server's address, which change from run to run. [Error.Detail]
// has those, for logs.
func (e *Error) Error() string {
	return fmt.Sprintf("dns: %s %s: %v", e.Name, typeName(e.Type), e.kind())
}

// Detail is Error with the underlying cause and the server asked.
func (e *Error) Detail() string {
	s := fmt.Sprintf("dns: %s %s: %v", e.Name, typeName(e.Type), e.Err)
	if e.Server != "" {
		s += " (server " + e.Server + ")"
	}
	return s
}

// kind returns the sentinel e wraps, or its own error when it wraps none.
func (e *Error) kind() error {
	for _, k := range []error{ErrTimeout, ErrServFail, ErrRefused, ErrNetwork, ErrBadName, ErrFormat, ErrBadServer} {
		if errors.Is(e.Err, k) {
			return k
		}
	}
	return e.Err
}

func (e *Error) Unwrap() error { return e.Err }
