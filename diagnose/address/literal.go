package address

import (
	"net/netip"
	"strings"
)

// parseLiteral parses an address literal (RFC 5321 §4.1.3): "[" IPv4
// dotted quad "]" or "[IPv6:" IPv6 address "]". The General-address-literal
// form with another tag is refused: no mail system defines one.
func parseLiteral(s string, off int) (domainResult, *SyntaxError) {
	if s[len(s)-1] != ']' {
		return domainResult{}, syntaxErr(ReasonBadDomainLiteral, off,
			`the domain starts with "[" but does not end with "]"`)
	}
	inner := s[1 : len(s)-1]
	var ip netip.Addr
	if len(inner) >= 5 && strings.EqualFold(inner[:5], "IPv6:") {
		ip = parseIPv6(inner[5:])
		if !ip.IsValid() {
			return domainResult{}, syntaxErr(ReasonBadDomainLiteral, off+6,
				"%q is not a valid IPv6 address", inner[5:])
		}
	} else {
		ip = parseIPv4(inner)
		if !ip.IsValid() {
			return domainResult{}, literalError(inner, off)
		}
	}
	return domainResult{written: strings.ToLower(s), unicode: literalText(ip), literal: ip}, nil
}

// parseIPv4 parses a dotted quad without leading zeros (RFC 5321 §4.1.3
// IPv4-address-literal); it returns the zero Addr if s is not one.
func parseIPv4(s string) netip.Addr {
	ip, err := netip.ParseAddr(s)
	if err != nil || !ip.Is4() {
		return netip.Addr{}
	}
	return ip
}

// parseIPv6 parses the IPv6 forms of RFC 5321 §4.1.3 (full, compressed,
// and with an embedded IPv4 address), without a zone; it returns the zero
// Addr if s is not one.
func parseIPv6(s string) netip.Addr {
	ip, err := netip.ParseAddr(s)
	if err != nil || !ip.Is6() || ip.Zone() != "" {
		return netip.Addr{}
	}
	return ip
}

// literalError explains an address literal that is not a dotted quad.
func literalError(inner string, off int) *SyntaxError {
	if ip, err := netip.ParseAddr(inner); err == nil && ip.Is6() {
		return syntaxErr(ReasonBadDomainLiteral, off+1,
			`an IPv6 address in brackets must start with "IPv6:", as in [IPv6:%s]`, ip.WithZone(""))
	}
	if inner == "" {
		return syntaxErr(ReasonBadDomainLiteral, off+1, "the brackets after the @ are empty")
	}
	return syntaxErr(ReasonBadDomainLiteral, off+1, "%q is not a valid IP address", inner)
}
