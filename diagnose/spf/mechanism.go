package spf

import (
	"context"
	"errors"
	"fmt"
	"net/netip"
	"strconv"
	"strings"

	"github.com/codeprobe/codeprobe/diagnose/dnsx"
	"github.com/miekg/dns"
)

// mechanism reports whether t matches (§5). An error wrapping ErrTempDNS
// is a temperror; any other error is a permerror.
func (e *eval) mechanism(ctx context.Context, n *Node, domain string, t *Term) (bool, error) {
	if err := ctx.Err(); err != nil {
		// §4.6.4: past the time limit the result is temperror.
		return false, fmt.Errorf("%w: %w", ErrTempDNS, err)
	}
	switch t.Kind {
	case KindAll:
		return true, nil // §5.1
	case KindIP4, KindIP6:
		// §5.6; the address is unmapped, so an IPv4-mapped client only
		// ever matches ip4 (§5).
		return t.Prefix.Contains(e.ip), nil
	}
	if err := e.count(); err != nil {
		return false, err
	}
	target, err := e.target(ctx, n, t.Domain, domain)
	if t.Kind == KindInclude {
		return e.include(ctx, n, t, target, err)
	}
	if err != nil {
		// A target that is not a valid DNS name cannot exist: no match
		// (§4.3 by analogy; the openspf suite's preferred reading).
		n.Lookups = append(n.Lookups, Lookup{Name: target, Status: "invalid-name", Term: t.Text,
			Error: "empty label, label over 63 octets or name over 253 octets"})
		return false, nil
	}
	switch t.Kind {
	case KindA:
		return e.matchA(ctx, n, t, target)
	case KindMX:
		return e.matchMX(ctx, n, t, target)
	case KindPTR:
		return e.matchPTR(ctx, n, t, target)
	case KindExists:
		return e.matchExists(ctx, n, t, target)
	}
	return false, fmt.Errorf("%w: mechanism %q cannot be evaluated", ErrSyntax, t.Kind)
}

// include evaluates the target's record and maps its result (§5.2).
func (e *eval) include(ctx context.Context, n *Node, t *Term, target string, terr error) (bool, error) {
	child := &Node{Domain: target, Via: "include:" + target}
	n.Children = append(n.Children, child)
	if terr != nil {
		err := fmt.Errorf("target %q: %w", target, ErrNoRecord)
		child.Result, child.Error = PermError, err.Error()
		return false, err
	}
	out := e.checkHost(ctx, child, target)
	switch out.result {
	case Pass:
		return true, nil
	case Fail, SoftFail, Neutral:
		return false, nil
	case None:
		// §5.2: an include of a domain without a record is a permerror.
		return false, fmt.Errorf("include of a domain without an SPF record: %w", out.err)
	}
	return false, out.err
}

// family returns the address type to ask for the client's family and the
// prefix length t applies to it (§5.3, §5.4).
func (e *eval) family(t *Term) (uint16, int) {
	if e.ip.Is4() {
		if t.CIDR4 >= 0 {
			return dns.TypeA, t.CIDR4
		}
		return dns.TypeA, 32
	}
	if t.CIDR6 >= 0 {
		return dns.TypeAAAA, t.CIDR6
	}
	return dns.TypeAAAA, 128
}

func addresses(a *dnsx.Answer) []netip.Addr {
	var out []netip.Addr
	for _, rr := range a.Records {
		var ip netip.Addr
		switch v := rr.(type) {
		case *dns.A:
			ip, _ = netip.AddrFromSlice(v.A.To4())
		case *dns.AAAA:
			ip, _ = netip.AddrFromSlice(v.AAAA.To16())
		}
		if ip.IsValid() && rr.Header().Rrtype == a.Type {
			out = append(out, ip)
		}
	}
	return out
}

func (e *eval) inPrefix(addrs []netip.Addr, bits int) bool {
	for _, a := range addrs {
		if p, err := a.Prefix(bits); err == nil && p.Contains(e.ip) {
			return true
		}
	}
	return false
}

// matchA implements the a mechanism (§5.3).
func (e *eval) matchA(ctx context.Context, n *Node, t *Term, target string) (bool, error) {
	qtype, bits := e.family(t)
	a, l, err := resolve(ctx, e.q, &n.Lookups, t.Text, target, qtype)
	if err != nil {
		return false, ignoreInvalid(err)
	}
	addrs := addresses(a)
	if len(addrs) == 0 {
		return false, e.void(l)
	}
	return e.inPrefix(addrs, bits), nil
}

// matchMX implements the mx mechanism (§5.4): the MX names, at most
// maxNames of them (§4.6.4), and their addresses. There is no implicit MX
// (§5.4): a domain without MX records does not match.
func (e *eval) matchMX(ctx context.Context, n *Node, t *Term, target string) (bool, error) {
	a, l, err := resolve(ctx, e.q, &n.Lookups, t.Text, target, dns.TypeMX)
	if err != nil {
		return false, ignoreInvalid(err)
	}
	mxs := a.Of(dns.TypeMX)
	if len(mxs) == 0 {
		return false, e.void(l)
	}
	if len(mxs) > e.maxNames {
		return false, fmt.Errorf("%w: %s has %d MX records, at most %d may be looked up (§4.6.4)", ErrTooManyMX, target, len(mxs), e.maxNames)
	}
	qtype, bits := e.family(t)
	for _, rr := range mxs {
		host := unescape(strings.TrimSuffix(rr.(*dns.MX).Mx, "."))
		if host == "" {
			continue // null MX (RFC 7505): no host to match
		}
		ha, _, err := resolve(ctx, e.q, &n.Lookups, t.Text, host, qtype)
		if errors.Is(err, errInvalidName) {
			continue
		}
		if err != nil {
			return false, err
		}
		if e.inPrefix(addresses(ha), bits) {
			return true, nil
		}
	}
	return false, nil
}

// matchPTR implements the ptr mechanism (§5.5). DNS errors make it not
// match rather than fail.
func (e *eval) matchPTR(ctx context.Context, n *Node, t *Term, target string) (bool, error) {
	a, l, err := resolve(ctx, e.q, &n.Lookups, t.Text, reverseName(e.ip), dns.TypePTR)
	if err != nil {
		return false, nil
	}
	ptrs := a.Of(dns.TypePTR)
	if len(ptrs) == 0 {
		return false, e.void(l)
	}
	for i, rr := range ptrs {
		if i == e.maxNames {
			break // §4.6.4: records after the first 10 are ignored
		}
		name := unescape(strings.TrimSuffix(rr.(*dns.PTR).Ptr, "."))
		if underName(name, target) && e.validates(ctx, n, t.Text, name) {
			return true, nil
		}
	}
	return false, nil
}

// validates reports whether name resolves back to the client address, the
// forward check of §5.5. Lookup errors skip the name.
func (e *eval) validates(ctx context.Context, n *Node, term, name string) bool {
	qtype := dns.TypeA
	if !e.ip.Is4() {
		qtype = dns.TypeAAAA
	}
	a, _, err := resolve(ctx, e.q, &n.Lookups, term, name, qtype)
	if err != nil {
		return false
	}
	for _, ip := range addresses(a) {
		if ip == e.ip {
			return true
		}
	}
	return false
}

// matchExists implements the exists mechanism (§5.7): an A lookup whatever
// the client's family.
func (e *eval) matchExists(ctx context.Context, n *Node, t *Term, target string) (bool, error) {
	a, l, err := resolve(ctx, e.q, &n.Lookups, t.Text, target, dns.TypeA)
	if err != nil {
		return false, ignoreInvalid(err)
	}
	if len(addresses(a)) == 0 {
		return false, e.void(l)
	}
	return true, nil
}

func ignoreInvalid(err error) error {
	if errors.Is(err, errInvalidName) {
		return nil
	}
	return err
}

// values returns the macro values (§7.3) for a record of domain.
func (e *eval) values(ctx context.Context, n *Node, domain string) macroValues {
	return func(l byte) string {
		switch l {
		case 's':
			return e.local + "@" + e.senderDomain
		case 'l':
			return e.local
		case 'o':
			return e.senderDomain
		case 'd':
			return domain
		case 'i':
			return ipDotted(e.ip)
		case 'p':
			return e.validatedName(ctx, n, domain)
		case 'v':
			if e.ip.Is4() {
				return "in-addr"
			}
			return "ip6"
		case 'h':
			return e.helo
		case 'c':
			return e.ip.String()
		case 'r':
			if e.c.ReceiverName != "" {
				return e.c.ReceiverName
			}
			return "unknown"
		case 't':
			return strconv.FormatInt(e.now().Unix(), 10)
		}
		return ""
	}
}

// validatedName is the %{p} macro (§7.3): a name of the client that
// resolves back to it, preferring domain itself, then a name below it;
// "unknown" when there is none. Its lookups are not counted (§4.6.4 counts
// terms, not macros) but are recorded.
func (e *eval) validatedName(ctx context.Context, n *Node, domain string) string {
	if !e.ptrDone {
		e.ptrDone = true
		tmp := &Node{}
		a, _, err := resolve(ctx, e.q, &tmp.Lookups, "%{p}", reverseName(e.ip), dns.TypePTR)
		if err == nil {
			for i, rr := range a.Of(dns.TypePTR) {
				if i == e.maxNames {
					break
				}
				name := unescape(strings.TrimSuffix(rr.(*dns.PTR).Ptr, "."))
				if e.validates(ctx, tmp, "%{p}", name) {
					e.ptrNames = append(e.ptrNames, name)
				}
			}
		}
		if n != nil {
			n.Lookups = append(n.Lookups, tmp.Lookups...)
		}
	}
	for _, name := range e.ptrNames {
		if sameName(name, domain) {
			return name
		}
	}
	for _, name := range e.ptrNames {
		if underName(name, domain) {
			return name
		}
	}
	if len(e.ptrNames) > 0 {
		return e.ptrNames[0]
	}
	return "unknown"
}

// explain returns the explanation of a fail result (§6.2): the exp= text
// of the record that failed, or the default when there is none or it
// cannot be had. Its lookups count against no limit.
func (e *eval) explain(ctx context.Context, out outcome) string {
	n := out.expNode
	if n == nil {
		n = &Node{}
	}
	vals := e.values(ctx, n, out.expDomain)
	if out.exp != nil {
		raw := truncateName(out.exp.Domain.expand(vals))
		a, _, err := resolve(ctx, e.q, &n.Lookups, out.exp.Text, raw, dns.TypeTXT)
		if err == nil {
			if txts := a.Of(dns.TypeTXT); len(txts) == 1 {
				// §6.2: an explain-string with a syntax error, including
				// non-ASCII text, is ignored.
				if m, err := parseMacroString(txtText(txts[0].(*dns.TXT).Txt), true); err == nil {
					return m.expand(vals)
				}
			}
		}
	}
	def := e.c.DefaultExplanation
	if def == "" {
		def = DefaultExplanation
	}
	m, err := parseMacroString(def, true)
	if err != nil {
		return def
	}
	return m.expand(vals)
}
