package diagnose

import (
	"context"
	"errors"
	"fmt"
	"net/netip"
	"strings"
	"sync"

	"github.com/codeprobe/codeprobe/diagnose/dnsx"
	"github.com/codeprobe/codeprobe/diagnose/netguard"
	"github.com/codeprobe/codeprobe/rules"
	"github.com/miekg/dns"
)

// mailServers is what DNS says about where the domain's mail goes.
type mailServers struct {
	hosts    []*mxHost // in preference order; the domain itself for an implicit MX
	answer   *dnsx.Answer
	failed   bool // the MX question got no answer: nothing is known
	nxdomain bool
	nullMX   bool
	none     bool // no MX and no address
}

// mxHost is one mail server and its addresses.
type mxHost struct {
	name     string
	pref     uint16
	implicit bool
	literal  bool // the MX target is an IP address written as a name
	ips      []netip.Addr
	allowed  []netip.Addr // the addresses the private-address policy lets us dial
	cnames   []string
	failed   bool // its address lookup got no answer
	evidence Evidence
}

func (ms *mailServers) usable() bool {
	for _, h := range ms.hosts {
		if len(h.allowed) > 0 {
			return true
		}
	}
	return false
}

// known reports whether DNS answered the questions about the domain.
func (ms *mailServers) known() bool { return !ms.failed }

// acceptsMail reports whether the domain has somewhere for mail to go.
func (ms *mailServers) acceptsMail() bool {
	for _, h := range ms.hosts {
		if len(h.ips) > 0 {
			return true
		}
	}
	return false
}

// mailServers looks up the domain's MX records and their addresses
// (RFC 5321 §5.1) and reports what is wrong with them. known is called
// with the MX host names as soon as the MX answer is in, before their
// addresses are looked up, so that checks needing only the names (DANE)
// do not wait for the addresses.
func (ru *run) mailServers(ctx context.Context, domain string, known func(hosts []string)) *mailServers {
	q := ru.c.opts.Resolver
	ms := &mailServers{}
	mxs, ans, err := dnsx.LookupMX(ctx, q, domain)
	if err != nil {
		ru.dnsFailure(domain, dns.TypeMX, err, "its mail servers, and the SMTP checks that depend on them,")
		ms.failed = true
		return ms
	}
	ms.answer = ans
	switch ans.Status {
	case dnsx.StatusNXDomain:
		ms.nxdomain = true
		ru.add(newFinding(rules.DomainNXDomain,
			fmt.Sprintf("%s does not exist in DNS: nobody can send mail to it.", domain), dnsEvidence(ans)))
		return ms
	case dnsx.StatusNoData:
		return ru.implicitMX(ctx, domain, ans, ms, known)
	}
	if nullMX(mxs) {
		ms.nullMX = true
		detail := fmt.Sprintf("%s publishes a null MX record: it declares that it accepts no mail.", domain)
		if len(mxs) > 1 {
			detail += " It also lists other mail servers, which RFC 7505 §3 forbids; senders will treat the domain as accepting no mail."
		}
		ru.add(newFinding(rules.MXNull, detail, dnsEvidence(ans)))
		return ms
	}
	var names []string
	for _, mx := range mxs {
		ms.hosts = append(ms.hosts, &mxHost{name: mx.Mx, pref: mx.Preference})
		if _, err := netip.ParseAddr(bare(mx.Mx)); err != nil {
			names = append(names, bare(mx.Mx))
		}
	}
	known(names)
	ru.resolveHosts(ctx, ms)
	ru.judgeHosts(domain, ms)
	return ms
}

// nullMX reports whether the MX set holds the RFC 7505 null MX (target ".").
func nullMX(mxs []*dns.MX) bool {
	for _, mx := range mxs {
		if mx.Mx == "." {
			return true
		}
	}
	return false
}

// implicitMX handles a domain without MX records: mail goes to the
// domain's own address if it has one (RFC 5321 §5.1).
func (ru *run) implicitMX(ctx context.Context, domain string, mxAns *dnsx.Answer, ms *mailServers, known func([]string)) *mailServers {
	h := &mxHost{name: dns.Fqdn(domain), implicit: true}
	ms.hosts = []*mxHost{h}
	ru.resolveHosts(ctx, ms)
	switch {
	case h.failed:
		ms.failed = true
		ms.hosts = nil
	case len(h.ips) == 0:
		ms.none = true
		ms.hosts = nil
		ru.add(newFinding(rules.MXNone,
			fmt.Sprintf("%s exists but has no MX record and no address: there is nowhere to deliver mail.", domain),
			merge(dnsEvidence(mxAns), h.evidence)...))
	default:
		known([]string{bare(h.name)})
		ru.add(newFinding(rules.MXImplicit,
			fmt.Sprintf("%s has no MX record; senders fall back to its address (%s), which may not run a mail server.", domain, joinAddrs(h.ips)),
			merge(dnsEvidence(mxAns), h.evidence)...))
		ru.judgePrivate(ms)
		ru.r.MX = append(ru.r.MX, reportHost(h))
	}
	return ms
}

// resolveHosts looks up every host's addresses concurrently.
func (ru *run) resolveHosts(ctx context.Context, ms *mailServers) {
	var wg sync.WaitGroup
	for _, h := range ms.hosts {
		if _, err := netip.ParseAddr(strings.TrimSuffix(h.name, ".")); err == nil && !h.implicit {
			h.literal = true
			continue
		}
		wg.Go(func() {
			addrs, err := dnsx.LookupAddrs(ctx, ru.c.opts.Resolver, h.name)
			h.ips = addrs.IPs
			h.cnames = addrs.CNAMEs
			h.evidence = dnsEvidence(addrs.A, addrs.AAAA)
			if len(h.ips) == 0 && err != nil {
				h.failed = true
				ru.dnsFailure(h.name, dns.TypeA, err, "this mail server's address")
			}
			for _, ip := range h.ips {
				if ru.c.guard.Check(ip) == nil {
					h.allowed = append(h.allowed, ip)
				}
			}
		})
	}
	wg.Wait()
}

// judgeHosts reports IP-literal targets, CNAME targets, unresolvable hosts
// and private addresses, and fills the report's MX list.
func (ru *run) judgeHosts(domain string, ms *mailServers) {
	var unresolvable []string
	resolved := 0
	for _, h := range ms.hosts {
		ru.r.MX = append(ru.r.MX, reportHost(h))
		switch {
		case h.literal:
			ru.add(newFinding(rules.MXIPLiteral,
				fmt.Sprintf("The MX record names %s, an IP address written as a host name; MX records must name a host (RFC 5321 §5.1), and most senders will not deliver to it.", bare(h.name)),
				dnsEvidence(ms.answer)))
		case h.failed:
		case len(h.ips) == 0:
			unresolvable = append(unresolvable, bare(h.name))
		default:
			resolved++
		}
		if len(h.cnames) > 0 {
			ru.add(newFinding(rules.MXCNAME,
				fmt.Sprintf("The MX host %s is an alias (CNAME) for %s; MX records must name the host itself (RFC 2181 §10.3), and some senders refuse aliases.", bare(h.name), bare(h.cnames[len(h.cnames)-1])),
				h.evidence))
		}
	}
	if n := len(unresolvable); n > 0 {
		f := newFinding(rules.MXUnresolvable, "", dnsEvidence(ms.answer))
		switch {
		case n == len(ms.hosts):
			f.Detail = fmt.Sprintf("None of %s's mail servers has an address: %s. Mail to the domain cannot be delivered.", domain, strings.Join(unresolvable, ", "))
			f = f.withSeverity(rules.Fail)
		case resolved > 0:
			f.Detail = fmt.Sprintf("%s of %s's %d mail servers %s no address (%s); senders skip %s and use the others.",
				plural(n, "One", fmt.Sprint(n)), domain, len(ms.hosts), plural(n, "has", "have"), strings.Join(unresolvable, ", "), plural(n, "it", "them"))
			f = f.withSeverity(rules.Warn)
		default:
			f.Detail = fmt.Sprintf("%s of %s's %d mail servers %s no address (%s), and the others could not be looked up (see below).",
				plural(n, "One", fmt.Sprint(n)), domain, len(ms.hosts), plural(n, "has", "have"), strings.Join(unresolvable, ", "))
			f = f.withSeverity(rules.Warn)
		}
		for _, h := range ms.hosts {
			if !h.literal && len(h.ips) == 0 {
				f.Evidence = merge(append(f.Evidence, h.evidence)...)
			}
		}
		ru.add(f)
	}
	ru.judgePrivate(ms)
	if ms.usable() {
		best := firstUsable(ms)
		ru.add(newFinding(rules.MXOK,
			fmt.Sprintf("%s has %d mail server(s); the preferred one that can be reached is %s (%s).", domain, len(ms.hosts), bare(best.name), joinAddrs(best.allowed)),
			dnsEvidence(ms.answer)))
	}
}

// judgePrivate reports hosts whose addresses are loopback, private,
// link-local or reserved: an MX record is attacker-controlled input, and
// such addresses are never dialled unless allowed. It is a failure when no
// host has a public address, a warning when another host can take the mail.
func (ru *run) judgePrivate(ms *mailServers) {
	type bad struct {
		h     *mxHost
		addrs []string
	}
	var found []bad
	public := false
	for _, h := range ms.hosts {
		var b []string
		for _, ip := range h.ips {
			if special, reason := netguard.Classify(ip); special {
				b = append(b, fmt.Sprintf("%s (%s)", ip, reason))
			} else {
				public = true
			}
		}
		if len(b) > 0 {
			found = append(found, bad{h, b})
		}
	}
	sev := rules.Fail
	if public {
		sev = rules.Warn
	}
	for _, b := range found {
		ru.add(newFinding(rules.MXPrivateAddress,
			fmt.Sprintf("The mail server %s resolves to %s, which cannot be reached from the Internet.", bare(b.h.name), strings.Join(b.addrs, ", ")),
			b.h.evidence).withSeverity(sev))
	}
}

// plural picks the singular or plural form for n.
func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

func firstUsable(ms *mailServers) *mxHost {
	for _, h := range ms.hosts {
		if len(h.allowed) > 0 {
			return h
		}
	}
	return nil
}

func reportHost(h *mxHost) MXHost {
	out := MXHost{Host: bare(h.name), Preference: h.pref, Addresses: []string{}, Implicit: h.implicit}
	for _, ip := range h.ips {
		out.Addresses = append(out.Addresses, ip.String())
	}
	return out
}

func joinAddrs(ips []netip.Addr) string {
	s := make([]string, len(ips))
	for i, ip := range ips {
		s[i] = ip.String()
	}
	return strings.Join(s, ", ")
}

// dnsFailure reports a question that got no answer: the checks that need
// its answer are inconclusive, never failed.
func (ru *run) dnsFailure(name string, qtype uint16, err error, what string) {
	id, how := rules.DNSServFail, "failed: the DNS server answered with an error (SERVFAIL)"
	switch {
	case errors.Is(err, dnsx.ErrTimeout):
		id, how = rules.DNSTimeout, "got no answer in time"
	case errors.Is(err, dnsx.ErrRefused):
		id, how = rules.DNSError, "was refused by the DNS server"
	case errors.Is(err, dnsx.ErrNetwork):
		id, how = rules.DNSError, "could not be sent: the DNS server could not be reached"
	case errors.Is(err, dnsx.ErrFormat), errors.Is(err, dnsx.ErrBadName):
		id, how = rules.DNSError, "could not be made: "+err.Error()
	}
	detail := fmt.Sprintf("The DNS lookup of %s %s %s, so %s could not be checked.",
		bare(name), dns.TypeToString[qtype], how, what)
	ru.add(newFinding(id, detail, dnsErrEvidence(name, qtype, err)))
}

// bare is a domain name as people write it, without the trailing dot.
func bare(name string) string { return strings.TrimSuffix(name, ".") }
