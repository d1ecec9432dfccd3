package ratelimit

import (
	"net/netip"
	"strings"
	"time"

	"golang.org/x/net/idna"
)

// Names of codeprobe's limits.
const (
	SendIP      = "send/ip"      // test sends per client IP (IPv6 per /64)
	SendAddress = "send/address" // test sends per recipient address
	SendDomain  = "send/domain"  // test sends per recipient domain
	LoginIP     = "login/ip"     // agent login attempts per client IP
)

// SendAddressLimit allows 3 test sends an hour to one address, 2 at once.
// Two covers the user who asks again because the first code is slow;
// beyond that, more codes to the same mailbox do not help it arrive, look
// like mail bombing to the receiving provider, and pile up in the user's
// junk folder.
func SendAddressLimit() Limit {
	return Limit{Name: SendAddress, Every: 20 * time.Minute, Burst: 2}
}

// SendIPLimit allows 10 test sends an hour from one client IP (one IPv6
// /64), 5 at once. Five covers a person checking a couple of addresses
// (their own, a typo-fixed one, a relative's) and an office behind one
// NAT; it stops one client from using the wizard to send mail to
// strangers.
func SendIPLimit() Limit {
	return Limit{Name: SendIP, Every: 6 * time.Minute, Burst: 5}
}

// SendDomainLimit allows 60 test sends an hour to one recipient domain,
// 20 at once. Each receiving provider throttles and scores what one
// sender sends it, so a flood of unsolicited test codes to gmail.com would
// cost the deliverability of the real codes there; a steady trickle of
// users checking their addresses is fine. A deployment with more wizard
// traffic raises it.
func SendDomainLimit() Limit {
	return Limit{Name: SendDomain, Every: time.Minute, Burst: 20}
}

// LoginIPLimit allows 10 login attempts in 15 minutes from one client IP
// (one IPv6 /64), all 10 at once: enough for an agent who mistypes a
// password a few times, far too few to guess one. The store's per-account
// lockout ([store.LoginPolicy]) guards each account besides.
func LoginIPLimit() Limit {
	return Limit{Name: LoginIP, Every: 90 * time.Second, Burst: 10}
}

// SendLimits returns the limits [SendKeys] needs.
func SendLimits() []Limit {
	return []Limit{SendIPLimit(), SendAddressLimit(), SendDomainLimit()}
}

// DefaultLimits returns all of codeprobe's limits.
func DefaultLimits() []Limit {
	return append(SendLimits(), LoginIPLimit())
}

// SendKeys returns the buckets a test send from the client ip to the
// address takes a token from: the client IP's ([IPSubject]), the
// address's and its domain's. The address is lower-cased and its domain,
// the part after the last '@', is put in its ASCII (IDNA) form, so
// "Ann@Bücher.DE" and "ann@xn--bcher-kva.de" share their buckets. An
// address with no '@' falls in the one bucket of the empty domain.
func SendKeys(ip netip.Addr, address string) []Key {
	addr, domain := normalizeAddress(address)
	return []Key{
		{Limit: SendIP, Subject: IPSubject(ip)},
		{Limit: SendAddress, Subject: addr},
		{Limit: SendDomain, Subject: domain},
	}
}

// LoginKey returns the bucket a login attempt from the client ip takes a
// token from.
func LoginKey(ip netip.Addr) Key {
	return Key{Limit: LoginIP, Subject: IPSubject(ip)}
}

// IPSubject returns the subject that limits a client IP: an IPv4 address
// (IPv4-mapped IPv6 addresses unmapped), or the IPv6 address's /64, since
// one household or host is given a whole /64 and can pick any address in
// it. The zone is dropped. Every invalid address shares the subject
// "invalid".
func IPSubject(ip netip.Addr) string {
	if !ip.IsValid() {
		return "invalid"
	}
	ip = ip.Unmap().WithZone("")
	if ip.Is4() {
		return ip.String()
	}
	p, _ := ip.Prefix(64) // cannot fail: an IPv6 address has 128 bits
	return p.String()
}

// normalizeAddress returns the address with a lower-cased local part and
// an ASCII, lower-case domain, and that domain.
func normalizeAddress(address string) (addr, domain string) {
	address = strings.TrimSpace(address)
	at := strings.LastIndexByte(address, '@')
	if at < 0 {
		return strings.ToLower(address), ""
	}
	domain = strings.TrimSuffix(address[at+1:], ".")
	if a, err := idna.Lookup.ToASCII(domain); err == nil && a != "" {
		domain = a
	} else {
		domain = strings.ToLower(domain)
	}
	return strings.ToLower(address[:at]) + "@" + domain, domain
}

// RecipientKeys returns the buckets a test send made by a support agent
// or an API caller takes a token from: the recipient address's and its
// domain's, as in [SendKeys], but no client IP's, since agents share their
// office's address and are already signed in.
func RecipientKeys(address string) []Key {
	addr, domain := normalizeAddress(address)
	return []Key{{Limit: SendAddress, Subject: addr}, {Limit: SendDomain, Subject: domain}}
}
