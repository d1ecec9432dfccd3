package dnsx

import (
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/miekg/dns"
)

const soa = "example.test. 3600 IN SOA ns1.example.test. hostmaster.example.test. 1 7200 3600 1209600 120"

// reply builds a reply to (name, qtype) with the given rcode and answer
// and authority records in master-file syntax; edit changes it further.
func reply(t testing.TB, name string, qtype uint16, rcode int, answer, ns []string, edit func(*dns.Msg)) *dns.Msg {
	t.Helper()
	m := new(dns.Msg)
	m.SetQuestion(name, qtype)
	m.Response, m.RecursionAvailable, m.Rcode = true, true, rcode
	for _, s := range answer {
		m.Answer = append(m.Answer, mustRR(t, s))
	}
	for _, s := range ns {
		m.Ns = append(m.Ns, mustRR(t, s))
	}
	if edit != nil {
		edit(m)
	}
	return m
}

func mustRR(t testing.TB, s string) dns.RR {
	t.Helper()
	rr, err := dns.NewRR(s)
	if err != nil || rr == nil {
		t.Fatalf("%q: %v", s, err)
	}
	return rr
}

// interpretCase is a reply to "www.example.test." (A unless qtype says
// otherwise) and what interpret should make of it.
type interpretCase struct {
	name   string
	qtype  uint16
	rcode  int
	answer []string
	ns     []string
	edit   func(*dns.Msg)
	status Status
	err    error
	kept   []string // owner/TYPE of the records kept
	ttl    uint32
}

func (c interpretCase) reply(t testing.TB) *dns.Msg {
	m := reply(t, www, cmpOr(c.qtype, dns.TypeA), c.rcode, c.answer, c.ns, c.edit)
	m.AuthenticatedData = true
	return m
}

const www = "www.example.test."

var interpretCases = []interpretCase{
	{name: "answer", answer: []string{"www.example.test. 300 A 192.0.2.1"},
		status: StatusOK, kept: []string{"www.example.test./A"}, ttl: 300},
	{name: "owner case does not matter", answer: []string{"WWW.Example.TEST. 300 A 192.0.2.1"},
		status: StatusOK, kept: []string{"WWW.Example.TEST./A"}, ttl: 300},
	{name: "records about other names are dropped", answer: []string{
		"www.example.test. 300 A 192.0.2.1", "evil.example. 9999 A 192.0.2.66", "example.test. 9999 A 192.0.2.66"},
		status: StatusOK, kept: []string{"www.example.test./A"}, ttl: 300},
	{name: "records of other types are dropped", answer: []string{"www.example.test. 300 AAAA 2001:db8::1"},
		status: StatusNoData, ttl: 30},
	{name: "records of another class are dropped", answer: []string{"www.example.test. 300 CH A 192.0.2.1"},
		status: StatusNoData, ttl: 30},
	{name: "CNAME chain", answer: []string{
		"www.example.test. 300 CNAME a.example.test.", "a.example.test. 100 CNAME b.example.net.",
		"b.example.net. 200 A 192.0.2.1", "evil.example. 300 CNAME www.example.test.", "x.example.test. 300 A 192.0.2.66"},
		status: StatusOK, kept: []string{"www.example.test./CNAME", "a.example.test./CNAME", "b.example.net./A"}, ttl: 100},
	{name: "CNAME chain out of order", answer: []string{
		"b.example.net. 200 A 192.0.2.1", "a.example.test. 100 CNAME b.example.net.", "www.example.test. 300 CNAME a.example.test."},
		status: StatusOK, kept: []string{"b.example.net./A", "a.example.test./CNAME", "www.example.test./CNAME"}, ttl: 100},
	{name: "data beside a CNAME is dropped (RFC 1034 §3.6.2)", answer: []string{
		"www.example.test. 300 CNAME a.example.test.", "www.example.test. 300 A 192.0.2.66", "a.example.test. 300 A 192.0.2.1"},
		status: StatusOK, kept: []string{"www.example.test./CNAME", "a.example.test./A"}, ttl: 300},
	{name: "a second CNAME at one name is dropped", answer: []string{
		"www.example.test. 300 CNAME a.example.test.", "www.example.test. 300 CNAME evil.example.",
		"a.example.test. 300 A 192.0.2.1", "evil.example. 300 A 192.0.2.66"},
		status: StatusOK, kept: []string{"www.example.test./CNAME", "a.example.test./A"}, ttl: 300},
	{name: "CNAME loop", answer: []string{
		"www.example.test. 300 CNAME a.example.test.", "a.example.test. 300 CNAME www.example.test."},
		status: StatusNoData, kept: []string{"www.example.test./CNAME", "a.example.test./CNAME"}, ttl: 30},
	{name: "DNAME and its synthesized CNAME", answer: []string{
		"example.test. 300 DNAME example.net.", "www.example.test. 0 CNAME www.example.net.",
		"www.example.net. 300 A 192.0.2.1", "other.test. 300 DNAME evil.example."},
		status: StatusOK, kept: []string{"example.test./DNAME", "www.example.test./CNAME", "www.example.net./A"}, ttl: 0},
	{name: "signatures over the answer only", answer: []string{
		"www.example.test. 300 A 192.0.2.1",
		"www.example.test. 300 RRSIG A 13 3 300 20300101000000 20200101000000 1 example.test. AAAA",
		"www.example.test. 300 RRSIG MX 13 3 300 20300101000000 20200101000000 1 example.test. AAAA",
		"evil.example. 300 RRSIG A 13 3 300 20300101000000 20200101000000 1 example. AAAA"},
		status: StatusOK, kept: []string{"www.example.test./A", "www.example.test./RRSIG"}, ttl: 300},
	{name: "TTL with the top bit set counts as 0 (RFC 2181 §8)", answer: []string{"www.example.test. 2147483648 A 192.0.2.1"},
		status: StatusOK, kept: []string{"www.example.test./A"}, ttl: 0},
	{name: "question for CNAME is not followed", qtype: dns.TypeCNAME, answer: []string{
		"www.example.test. 300 CNAME a.example.test.", "a.example.test. 300 A 192.0.2.1"},
		status: StatusOK, kept: []string{"www.example.test./CNAME"}, ttl: 300},
	{name: "question for ANY keeps every type at the name", qtype: dns.TypeANY, answer: []string{
		"www.example.test. 300 A 192.0.2.1", "www.example.test. 60 MX 0 .", "a.example.test. 300 A 192.0.2.66"},
		status: StatusOK, kept: []string{"www.example.test./A", "www.example.test./MX"}, ttl: 60},

	{name: "NXDOMAIN lives the SOA minimum", rcode: dns.RcodeNameError, ns: []string{soa},
		status: StatusNXDomain, ttl: 120},
	{name: "negative TTL is at most the SOA's own TTL", rcode: dns.RcodeNameError,
		ns:     []string{"example.test. 10 SOA ns1.example.test. h.example.test. 1 2 3 4 120"},
		status: StatusNXDomain, ttl: 10},
	{name: "a SOA from another zone is ignored", rcode: dns.RcodeNameError,
		ns:     []string{"evil.example. 86400 SOA ns.evil.example. h.evil.example. 1 2 3 4 86400"},
		status: StatusNXDomain, ttl: 30},
	{name: "NXDOMAIN at the end of a CNAME chain (RFC 6604)", rcode: dns.RcodeNameError,
		answer: []string{"www.example.test. 60 CNAME gone.example.test."}, ns: []string{soa},
		status: StatusNXDomain, kept: []string{"www.example.test./CNAME"}, ttl: 60},
	{name: "no-data", ns: []string{soa}, status: StatusNoData, ttl: 120},
	{name: "no-data from an authoritative server with NS", ns: []string{"example.test. 300 NS ns1.example.test."},
		edit: func(m *dns.Msg) { m.Authoritative = true }, status: StatusNoData, ttl: 30},
	{name: "referral from a server that does not recurse", ns: []string{"example.test. 300 NS ns1.example.test."},
		edit: func(m *dns.Msg) { m.RecursionAvailable = false }, err: ErrRefused},

	{name: "SERVFAIL", rcode: dns.RcodeServerFailure, err: ErrServFail},
	{name: "SERVFAIL without question", rcode: dns.RcodeServerFailure, edit: func(m *dns.Msg) { m.Question = nil }, err: ErrServFail},
	{name: "REFUSED", rcode: dns.RcodeRefused, err: ErrRefused},
	{name: "NOTIMP", rcode: dns.RcodeNotImplemented, err: ErrServFail},
	{name: "FORMERR", rcode: dns.RcodeFormatError, err: ErrServFail},
	{name: "not a response", edit: func(m *dns.Msg) { m.Response = false }, err: ErrFormat},
	{name: "not a query", edit: func(m *dns.Msg) { m.Opcode = dns.OpcodeNotify }, err: ErrFormat},
	{name: "another name", edit: func(m *dns.Msg) { m.Question[0].Name = "evil.example." }, err: ErrFormat},
	{name: "another type", edit: func(m *dns.Msg) { m.Question[0].Qtype = dns.TypeMX }, err: ErrFormat},
	{name: "another class", edit: func(m *dns.Msg) { m.Question[0].Qclass = dns.ClassCHAOS }, err: ErrFormat},
	{name: "two questions", edit: func(m *dns.Msg) { m.Question = append(m.Question, m.Question[0]) }, err: ErrFormat},
	{name: "NOERROR without question", answer: []string{"www.example.test. 300 A 192.0.2.1"},
		edit: func(m *dns.Msg) { m.Question = nil }, err: ErrFormat},
}

func TestInterpret(t *testing.T) {
	for _, tt := range interpretCases {
		t.Run(tt.name, func(t *testing.T) {
			qtype := cmpOr(tt.qtype, dns.TypeA)
			a, err := interpret(tt.reply(t), www, qtype, "192.0.2.53:53", true, time.Millisecond)
			if tt.err != nil {
				var de *Error
				if a != nil || !errors.Is(err, tt.err) || !errors.As(err, &de) || de.Server != "192.0.2.53:53" {
					t.Fatalf("got %v, %v; want %v", a, err, tt.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			var kept []string
			for _, rr := range a.Records {
				kept = append(kept, rr.Header().Name+"/"+dns.TypeToString[rr.Header().Rrtype])
			}
			if a.Status != tt.status || !slices.Equal(kept, tt.kept) || a.TTL != tt.ttl {
				t.Errorf("got %s %v TTL %d; want %s %v TTL %d", a.Status, kept, a.TTL, tt.status, tt.kept, tt.ttl)
			}
			if !a.AD || !a.TCP || a.RTT != time.Millisecond || a.Name != www || a.Type != qtype {
				t.Errorf("answer %+v", a)
			}
		})
	}
}

func cmpOr(v, def uint16) uint16 {
	if v == 0 {
		return def
	}
	return v
}

// FuzzInterpret feeds arbitrary replies to interpret, for a fixed
// question and for the question the reply carries: it must not panic,
// must return an answer or an error, and an answer must hold only
// records about the question's chain.
func FuzzInterpret(f *testing.F) {
	for _, m := range []*dns.Msg{
		reply(f, "example.test.", dns.TypeMX, 0, []string{"example.test. 300 MX 10 mx1.example.test.", "example.test. 300 MX 0 ."}, nil, nil),
		reply(f, "example.test.", dns.TypeMX, 0, []string{"example.test. 300 CNAME a.example.test.", "a.example.test. 300 MX 10 mx.example.test.",
			"evil.example. 300 MX 10 evil.example."}, nil, nil),
		reply(f, "example.test.", dns.TypeMX, dns.RcodeNameError, nil, []string{soa}, nil),
		reply(f, "example.test.", dns.TypeMX, 0, nil, []string{"example.test. 300 NS ns1.example.test."}, nil),
	} {
		b, err := m.Pack()
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	for _, c := range interpretCases {
		b, err := c.reply(f).Pack()
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		m := new(dns.Msg)
		if m.Unpack(data) != nil {
			t.Skip()
		}
		checkInterpret(t, m, "example.test.", dns.TypeMX)
		if len(m.Question) == 1 {
			if fqdn, ok := canonicalName(m.Question[0].Name); ok {
				checkInterpret(t, m, fqdn, m.Question[0].Qtype)
			}
		}
	})
}

func checkInterpret(t *testing.T, m *dns.Msg, fqdn string, qtype uint16) {
	a, err := interpret(m, fqdn, qtype, "192.0.2.53:53", false, 0)
	if (a == nil) == (err == nil) {
		t.Fatalf("interpret returned %v and %v", a, err)
	}
	if err != nil {
		var de *Error
		if !errors.As(err, &de) || !slices.ContainsFunc([]error{ErrServFail, ErrRefused, ErrFormat}, func(s error) bool { return errors.Is(err, s) }) {
			t.Fatalf("error %v is not an *Error with a sentinel", err)
		}
		return
	}
	if a.Status != StatusOK && a.Status != StatusNoData && a.Status != StatusNXDomain {
		t.Fatalf("status %q", a.Status)
	}
	chain := []string{fqdn}
	for _, c := range a.CNAMEs() {
		chain = append(chain, strings.ToLower(c))
	}
	for _, rr := range a.Records {
		h := rr.Header()
		if h.Rrtype != dns.TypeDNAME && !slices.Contains(chain, strings.ToLower(h.Name)) {
			t.Fatalf("kept %v, not about %v", rr, chain)
		}
	}
	if a.Status == StatusOK && !hasType(a.Records, qtype) {
		t.Fatalf("status ok without a %s record: %v", typeName(qtype), a.Records)
	}
}
