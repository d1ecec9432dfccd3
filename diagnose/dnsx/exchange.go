package dnsx

import (
	"context"
	"errors"
	"fmt"
	"net"
	"time"

	"github.com/miekg/dns"
)

// resolve asks the servers for (fqdn, qtype): each server in turn, for
// up to Attempts rounds, until one answers (RFC 1035 §7.2). Servers that
// recently gave no reply are asked last. A server that answered with
// SERVFAIL or REFUSED is not asked again in later rounds: a recursive
// resolver remembers its failures (RFC 9520), so only silence is worth
// retrying.
//
// cacheable reports whether a failure may be cached: only when every
// server answered with a failure, never when one timed out.
func (r *Resolver) resolve(ctx context.Context, fqdn string, qtype uint16) (a *Answer, cacheable bool, err error) {
	order := r.serverOrder()
	answered := make([]bool, len(order))
	var rcodeErr, lastErr error
	for range r.cfg.Attempts {
		asked := false
		for i, s := range order {
			if answered[i] {
				continue
			}
			if cerr := ctx.Err(); cerr != nil {
				lastErr = &Error{Name: fqdn, Type: qtype, Err: fmt.Errorf("%w: %w", ErrTimeout, cerr)}
				break
			}
			asked = true
			ans, xerr := r.exchange(ctx, s, fqdn, qtype)
			switch {
			case xerr == nil:
				s.timeouts.Store(0)
				return ans, false, nil
			case errors.Is(xerr, ErrServFail), errors.Is(xerr, ErrRefused):
				s.timeouts.Store(0)
				answered[i] = true
				rcodeErr = xerr
			case errors.Is(xerr, ErrTimeout):
				s.timeouts.Add(1)
				lastErr = xerr
			default:
				lastErr = xerr
			}
		}
		if !asked || ctx.Err() != nil {
			break
		}
	}
	// A definite answer from one server says more than another's silence.
	if rcodeErr != nil {
		return nil, lastErr == nil, rcodeErr
	}
	if lastErr == nil {
		lastErr = &Error{Name: fqdn, Type: qtype, Err: ErrTimeout}
	}
	return nil, false, lastErr
}

// serverOrder returns the servers in configured order, those that gave no
// reply to their last exchanges moved to the end, so that a dead first
// nameserver does not cost every question a timeout.
func (r *Resolver) serverOrder() []*server {
	healthy := make([]*server, 0, len(r.servers))
	var silent []*server
	for _, s := range r.servers {
		if s.timeouts.Load() == 0 {
			healthy = append(healthy, s)
		} else {
			silent = append(silent, s)
		}
	}
	return append(healthy, silent...)
}

// exchange asks one server one question and interprets the reply. A
// truncated UDP reply is asked again over TCP (RFC 7766 §5); a FORMERR
// without an OPT record, the sign of a server that does not speak EDNS,
// is asked again without EDNS (RFC 6891 §7).
func (r *Resolver) exchange(ctx context.Context, s *server, fqdn string, qtype uint16) (*Answer, error) {
	start := time.Now()
	resp, tcp, err := r.ask(ctx, s.addr, newQuery(fqdn, qtype, r.cfg.UDPSize))
	if err == nil && resp.Rcode == dns.RcodeFormatError && resp.IsEdns0() == nil {
		resp, tcp, err = r.ask(ctx, s.addr, newQuery(fqdn, qtype, 0))
	}
	rtt := time.Since(start)
	if err != nil {
		return nil, &Error{Name: fqdn, Type: qtype, Server: s.addr, Err: err}
	}
	return interpret(resp, fqdn, qtype, s.addr, tcp, rtt)
}

// newQuery builds a recursive query for (fqdn, qtype), with an EDNS0 OPT
// record advertising udpSize unless udpSize is 0.
func newQuery(fqdn string, qtype uint16, udpSize uint16) *dns.Msg {
	m := new(dns.Msg)
	m.SetQuestion(fqdn, qtype)
	m.RecursionDesired = true
	m.AuthenticatedData = true // ask for the AD bit (RFC 6840 §5.7)
	if udpSize > 0 {
		m.SetEdns0(udpSize, false)
	}
	return m
}

// ask sends m over UDP and, when the reply is truncated, over TCP. A
// truncated reply is never used: a partial TXT set could hide an SPF
// record.
func (r *Resolver) ask(ctx context.Context, addr string, m *dns.Msg) (*dns.Msg, bool, error) {
	resp, err := r.roundTrip(ctx, addr, m, "udp")
	if err != nil || !resp.Truncated {
		return resp, false, err
	}
	resp, err = r.roundTrip(ctx, addr, m, "tcp")
	if err != nil {
		return nil, true, fmt.Errorf("over TCP after a truncated reply: %w", err)
	}
	return resp, true, nil
}

// roundTrip sends m to addr with a fresh message ID and waits at most
// Timeout for the reply. The miekg client discards UDP replies whose ID
// does not match and rejects such TCP replies (RFC 5452 §9.1).
func (r *Resolver) roundTrip(ctx context.Context, addr string, m *dns.Msg, network string) (*dns.Msg, error) {
	select {
	case r.slots <- struct{}{}:
		defer func() { <-r.slots }()
	case <-ctx.Done():
		return nil, fmt.Errorf("%w: %w", ErrTimeout, ctx.Err())
	}
	m.Id = dns.Id()
	c := &dns.Client{Net: network, Timeout: r.cfg.Timeout, UDPSize: r.cfg.UDPSize}
	actx, cancel := context.WithTimeout(ctx, r.cfg.Timeout)
	defer cancel()
	r.stats.sent.Add(1)
	if network == "tcp" {
		r.stats.sentTCP.Add(1)
	}
	start := time.Now()
	resp, _, err := c.ExchangeContext(actx, m, addr)
	if err != nil {
		resp, err = nil, classify(err)
	}
	if r.cfg.Trace != nil {
		x := Exchange{
			Server: addr, Network: network, Name: m.Question[0].Name, Type: m.Question[0].Qtype,
			ID: m.Id, EDNS: m.IsEdns0() != nil, RTT: time.Since(start), Rcode: -1, Err: err,
		}
		if resp != nil {
			x.Rcode, x.Truncated = resp.Rcode, resp.Truncated
		}
		r.cfg.Trace(x)
	}
	return resp, err
}

// classify wraps an exchange error in the sentinel it amounts to.
func classify(err error) error {
	var (
		ne   net.Error
		derr *dns.Error
	)
	switch {
	case errors.Is(err, context.DeadlineExceeded), errors.Is(err, context.Canceled),
		errors.As(err, &ne) && ne.Timeout():
		return fmt.Errorf("%w: %w", ErrTimeout, err)
	case errors.As(err, &derr):
		// The reply could not be unpacked, or its ID did not match over TCP.
		return fmt.Errorf("%w: %w", ErrFormat, err)
	default:
		return fmt.Errorf("%w: %w", ErrNetwork, err)
	}
}
