// Package netguard decides which addresses codeprobe may connect to.
//
// An MX record, an A record and an MTA-STS host are attacker-controlled
// input: a domain can point its MX at 127.0.0.1, 10.0.0.5 or the cloud
// metadata address 169.254.169.254 and turn a mail checker into a port
// scanner of the network it runs in. Probes therefore dial only through a
// [Guard], which refuses every address that is not globally routable
// unicast (the IANA special-purpose registries, RFC 6890) unless the
// caller explicitly allowed private addresses (tests, the demo).
package netguard

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/netip"
)

// Dialer is what probes dial with: *net.Dialer satisfies it, and tests pass
// recording or virtual dialers.
type Dialer interface {
	DialContext(ctx context.Context, network, address string) (net.Conn, error)
}

// ErrForbidden is returned (wrapped in *ForbiddenError) when a dial is
// refused by the address policy.
var ErrForbidden = errors.New("address not allowed")

// ErrNotLiteral is returned when a Guard is asked to dial a host name: the
// caller must resolve names itself, through its own resolver, so that the
// policy sees every address before a connection is attempted.
var ErrNotLiteral = errors.New("not an IP address literal")

// ForbiddenError names the address refused and why.
type ForbiddenError struct {
	Addr   netip.Addr
	Reason string // e.g. "loopback", "private (RFC 1918)"
}

func (e *ForbiddenError) Error() string {
	return fmt.Sprintf("refusing to connect to %s: %s address", e.Addr, e.Reason)
}

func (e *ForbiddenError) Unwrap() error { return ErrForbidden }

type block struct {
	prefix netip.Prefix
	reason string
}

// blocks lists the special-purpose ranges (RFC 6890 and the IANA IPv4 and
// IPv6 special-purpose address registries) that are not global unicast.
var blocks = func() []block {
	var out []block
	for _, b := range []struct{ p, r string }{
		{"0.0.0.0/8", "\"this network\" (RFC 791)"},
		{"10.0.0.0/8", "private (RFC 1918)"},
		{"100.64.0.0/10", "shared carrier-grade NAT (RFC 6598)"},
		{"127.0.0.0/8", "loopback"},
		{"169.254.0.0/16", "link-local"},
		{"172.16.0.0/12", "private (RFC 1918)"},
		{"192.0.0.0/24", "IETF protocol assignment (RFC 6890)"},
		{"192.0.2.0/24", "documentation (RFC 5737)"},
		{"192.88.99.0/24", "deprecated 6to4 relay (RFC 7526)"},
		{"192.168.0.0/16", "private (RFC 1918)"},
		{"198.18.0.0/15", "benchmarking (RFC 2544)"},
		{"198.51.100.0/24", "documentation (RFC 5737)"},
		{"203.0.113.0/24", "documentation (RFC 5737)"},
		{"224.0.0.0/4", "multicast"},
		{"240.0.0.0/4", "reserved (RFC 1112)"},
		{"::/128", "unspecified"},
		{"::1/128", "loopback"},
		{"::ffff:0:0/96", "IPv4-mapped"},
		{"64:ff9b:1::/48", "local-use NAT64 (RFC 8215)"},
		{"100::/64", "discard-only (RFC 6666)"},
		{"2001::/23", "IETF protocol assignment (RFC 2928)"},
		{"2001:db8::/32", "documentation (RFC 3849)"},
		{"2002::/16", "6to4 (RFC 3056)"},
		{"3fff::/20", "documentation (RFC 9637)"},
		{"fc00::/7", "unique local (RFC 4193)"},
		{"fe80::/10", "link-local"},
		{"fec0::/10", "deprecated site-local (RFC 3879)"},
		{"ff00::/8", "multicast"},
	} {
		out = append(out, block{netip.MustParsePrefix(b.p), b.r})
	}
	return out
}()

// Classify reports whether ip is outside global unicast space and, if so,
// which special-purpose range it falls in. IPv4-mapped IPv6 addresses are
// judged by the IPv4 address they carry.
func Classify(ip netip.Addr) (special bool, reason string) {
	if !ip.IsValid() {
		return true, "invalid"
	}
	if ip.Is4In6() {
		ip = ip.Unmap()
	}
	ip = ip.WithZone("")
	for _, b := range blocks {
		if b.prefix.Contains(ip) {
			return true, b.reason
		}
	}
	return false, ""
}

// Guard dials only addresses its policy allows. The zero value refuses every
// special-purpose address and dials with a plain net.Dialer.
type Guard struct {
	// Dialer makes the connections the policy allows; nil means &net.Dialer{}.
	Dialer Dialer
	// AllowPrivate lets loopback, private, link-local and other
	// special-purpose addresses through (--allow-private: tests, the demo).
	AllowPrivate bool
}

// Check returns nil if the policy allows connecting to ip, or a
// *ForbiddenError saying why not.
func (g *Guard) Check(ip netip.Addr) error {
	if g != nil && g.AllowPrivate {
		return nil
	}
	if special, reason := Classify(ip); special {
		return &ForbiddenError{Addr: ip, Reason: reason}
	}
	return nil
}

// DialContext dials address, which must be an IP literal with a port; host
// names are refused with ErrNotLiteral.
func (g *Guard) DialContext(ctx context.Context, network, address string) (net.Conn, error) {
	host, _, err := net.SplitHostPort(address)
	if err != nil {
		return nil, err
	}
	ip, err := netip.ParseAddr(host)
	if err != nil {
		return nil, fmt.Errorf("dial %s: %w", address, ErrNotLiteral)
	}
	if err := g.Check(ip); err != nil {
		return nil, err
	}
	var d Dialer = &net.Dialer{}
	if g != nil && g.Dialer != nil {
		d = g.Dialer
	}
	return d.DialContext(ctx, network, address)
}
