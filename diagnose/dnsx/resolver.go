package dnsx

import (
	"context"
	"errors"
	"net"
	"os"
	"strings"
	"time"

	"github.com/miekg/dns"
)

// Config configures a [Resolver]. The zero value uses the system's
// resolvers from /etc/resolv.conf.
type Config struct {
	// Servers are the recursive resolvers to ask, host:port, in order.
	// Empty means the nameservers of /etc/resolv.conf.
	Servers []string
	// Timeout bounds one attempt at one server; 0 means 2s. The context's
	// deadline bounds the whole question.
	Timeout time.Duration
	// Attempts is how many times each server is tried; 0 means 2.
	Attempts int
	// UDPSize is the EDNS0 buffer size advertised (RFC 6891); 0 means 1232.
	UDPSize uint16
}

// Resolver is a stub resolver that keeps the distinctions a diagnosis needs.
// It is safe for concurrent use.
type Resolver struct {
	cfg     Config
	servers []string
}

// New returns a Resolver for cfg.
func New(cfg Config) (*Resolver, error) {
	if cfg.Timeout <= 0 {
		cfg.Timeout = 2 * time.Second
	}
	if cfg.Attempts <= 0 {
		cfg.Attempts = 2
	}
	if cfg.UDPSize == 0 {
		cfg.UDPSize = 1232
	}
	servers := cfg.Servers
	if len(servers) == 0 {
		var err error
		servers, err = systemServers("/etc/resolv.conf")
		if err != nil {
			return nil, err
		}
	}
	return &Resolver{cfg: cfg, servers: servers}, nil
}

// Servers returns the servers the resolver asks, in order.
func (r *Resolver) Servers() []string { return append([]string(nil), r.servers...) }

// systemServers reads the nameserver lines of a resolv.conf file.
func systemServers(path string) ([]string, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, errors.Join(ErrNetwork, err)
	}
	defer f.Close()
	cc, err := dns.ClientConfigFromReader(f)
	if err != nil {
		return nil, errors.Join(ErrNetwork, err)
	}
	if len(cc.Servers) == 0 {
		return nil, errors.Join(ErrNetwork, errors.New("no nameserver in "+path))
	}
	var out []string
	for _, s := range cc.Servers {
		out = append(out, net.JoinHostPort(s, cc.Port))
	}
	return out, nil
}

// Query asks the configured servers for (name, qtype), trying each server in
// turn until one answers, and retries over TCP when a UDP answer is
// truncated (RFC 7766 §5).
func (r *Resolver) Query(ctx context.Context, name string, qtype uint16) (*Answer, error) {
	fqdn := strings.ToLower(dns.Fqdn(name))
	if _, ok := dns.IsDomainName(fqdn); !ok || len(fqdn) > 254 {
		return nil, &Error{Name: fqdn, Type: qtype, Err: ErrBadName}
	}
	var last error = &Error{Name: fqdn, Type: qtype, Err: ErrTimeout}
	for attempt := 0; attempt < r.cfg.Attempts; attempt++ {
		for _, srv := range r.servers {
			if err := ctx.Err(); err != nil {
				return nil, &Error{Name: fqdn, Type: qtype, Server: srv, Err: errors.Join(ErrTimeout, err)}
			}
			a, err := r.exchange(ctx, srv, fqdn, qtype)
			if err == nil {
				return a, nil
			}
			last = err
			// A server that answered REFUSED or SERVFAIL may be alone in
			// its failure: go on to the next server.
		}
	}
	return nil, last
}

func (r *Resolver) exchange(ctx context.Context, srv, fqdn string, qtype uint16) (*Answer, error) {
	m := new(dns.Msg)
	m.SetQuestion(fqdn, qtype)
	m.RecursionDesired = true
	m.AuthenticatedData = true // ask for the AD bit (RFC 6840 §5.7)
	m.SetEdns0(r.cfg.UDPSize, false)

	start := time.Now()
	resp, tcp, err := r.roundTrip(ctx, srv, m, "udp")
	if err == nil && resp.Truncated {
		resp, tcp, err = r.roundTrip(ctx, srv, m, "tcp")
	}
	rtt := time.Since(start)
	if err != nil {
		return nil, &Error{Name: fqdn, Type: qtype, Server: srv, Err: err}
	}
	return interpret(resp, fqdn, qtype, srv, tcp, rtt)
}

func (r *Resolver) roundTrip(ctx context.Context, srv string, m *dns.Msg, network string) (*dns.Msg, bool, error) {
	c := &dns.Client{Net: network, Timeout: r.cfg.Timeout, UDPSize: r.cfg.UDPSize}
	actx, cancel := context.WithTimeout(ctx, r.cfg.Timeout)
	defer cancel()
	resp, _, err := c.ExchangeContext(actx, m, srv)
	if err != nil {
		var ne net.Error
		switch {
		case errors.Is(err, context.DeadlineExceeded), errors.Is(err, context.Canceled),
			errors.As(err, &ne) && ne.Timeout():
			return nil, false, errors.Join(ErrTimeout, err)
		default:
			return nil, false, errors.Join(ErrNetwork, err)
		}
	}
	return resp, network == "tcp", nil
}

// interpret turns a DNS response into an Answer or an *Error. It checks
// that the response answers the question asked (RFC 5452 §4.3).
func interpret(resp *dns.Msg, fqdn string, qtype uint16, srv string, tcp bool, rtt time.Duration) (*Answer, error) {
	fail := func(err error) (*Answer, error) {
		return nil, &Error{Name: fqdn, Type: qtype, Server: srv, Err: err}
	}
	if resp == nil || !resp.Response {
		return fail(ErrFormat)
	}
	if len(resp.Question) != 1 || !strings.EqualFold(resp.Question[0].Name, fqdn) || resp.Question[0].Qtype != qtype {
		return fail(ErrFormat)
	}
	a := &Answer{Name: fqdn, Type: qtype, AD: resp.AuthenticatedData, TCP: tcp, Server: srv, RTT: rtt}
	switch resp.Rcode {
	case dns.RcodeSuccess:
	case dns.RcodeNameError:
		a.Status = StatusNXDomain
		a.Records = resp.Answer // a CNAME chain may lead to the missing name
		a.TTL = negativeTTL(resp)
		return a, nil
	case dns.RcodeServerFailure:
		return fail(ErrServFail)
	case dns.RcodeRefused:
		return fail(ErrRefused)
	default:
		return fail(errors.Join(ErrServFail, errors.New("rcode "+dns.RcodeToString[resp.Rcode])))
	}
	a.Records = resp.Answer
	a.Status = StatusNoData
	a.TTL = negativeTTL(resp)
	var minTTL uint32 = 1<<31 - 1
	for _, rr := range resp.Answer {
		h := rr.Header()
		if h.Rrtype == qtype || qtype == dns.TypeANY {
			a.Status = StatusOK
		}
		if h.Ttl < minTTL {
			minTTL = h.Ttl
		}
	}
	if a.Status == StatusOK {
		a.TTL = minTTL
	}
	return a, nil
}

// negativeTTL is how long a negative answer may be cached: the SOA minimum,
// bounded by the SOA's own TTL (RFC 2308 §5).
func negativeTTL(resp *dns.Msg) uint32 {
	for _, rr := range resp.Ns {
		if soa, ok := rr.(*dns.SOA); ok {
			return min(soa.Minttl, soa.Hdr.Ttl)
		}
	}
	return 0
}
