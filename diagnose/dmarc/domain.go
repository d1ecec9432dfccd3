package dmarc

import (
	"fmt"
	"net/mail"
	"strings"
	"unicode/utf8"

	"golang.org/x/net/idna"
	"golang.org/x/net/publicsuffix"
)

// normalizeDomain returns domain in lower case A-labels without the final
// dot, or an error wrapping ErrBadDomain when it is not a host name
// (RFC 1035 §2.3.4 lengths, RFC 5891 for U-labels).
func normalizeDomain(domain string) (string, error) {
	d := strings.TrimSuffix(domain, ".")
	if !utf8.ValidString(d) {
		return "", fmt.Errorf("%w: %q is not UTF-8", ErrBadDomain, domain)
	}
	a, err := idna.Lookup.ToASCII(d)
	if err == nil {
		// An A-label must itself be valid: ToASCII lets some through that
		// decode to disallowed code points.
		_, err = idna.Lookup.ToUnicode(a)
	}
	if err != nil {
		return "", fmt.Errorf("%w: %q: %v", ErrBadDomain, domain, err)
	}
	a = strings.ToLower(a)
	if a == "" || len(a) > 253 {
		return "", fmt.Errorf("%w: %q: empty or longer than 253 octets", ErrBadDomain, domain)
	}
	for _, label := range strings.Split(a, ".") {
		if label == "" || len(label) > 63 {
			return "", fmt.Errorf("%w: %q: empty label or label longer than 63 octets", ErrBadDomain, domain)
		}
	}
	return a, nil
}

// OrgDomain returns the organisational domain of domain (RFC 7489 §3.2):
// its public suffix by the Public Suffix List plus one label, in lower case
// A-labels. "sub.example.co.uk" gives "example.co.uk". Errors wrap
// ErrBadDomain, or ErrPublicSuffix when domain is a public suffix itself.
func OrgDomain(domain string) (string, error) {
	d, err := normalizeDomain(domain)
	if err != nil {
		return "", err
	}
	org, err := publicsuffix.EffectiveTLDPlusOne(d)
	if err != nil {
		return "", fmt.Errorf("%w: %s", ErrPublicSuffix, d)
	}
	return org, nil
}

// Aligned reports whether authDomain, a domain that authenticated a message
// (the d= of a DKIM signature or the SPF-checked domain), is aligned with
// fromDomain, the RFC5322.From domain, in mode "s" (strict: the same
// domain) or "r" (relaxed, the default: the same organisational domain),
// as RFC 7489 §3.1 defines. Anything but "s" is taken as relaxed.
//
// Leading and trailing dots are ignored, as OpenDMARC does; names with an
// empty label inside are never aligned.
func Aligned(fromDomain, authDomain string, mode string) bool {
	f, ok1 := alignName(fromDomain)
	a, ok2 := alignName(authDomain)
	if !ok1 || !ok2 {
		return false
	}
	if f == a {
		return true
	}
	if strings.EqualFold(mode, "s") {
		return false
	}
	fo, err1 := publicsuffix.EffectiveTLDPlusOne(f)
	ao, err2 := publicsuffix.EffectiveTLDPlusOne(a)
	return err1 == nil && err2 == nil && fo == ao
}

// alignName prepares a domain for comparison.
func alignName(s string) (string, bool) {
	s = strings.Trim(s, ".")
	d, err := normalizeDomain(s)
	if err != nil {
		return "", false
	}
	return d, true
}

// FromDomain returns the author domain of a From header field body
// (RFC 7489 §6.6.1): the domain of its first mailbox, lower case A-labels.
//
// A well-formed field is parsed with net/mail (RFC 5322 §3.4). Receivers
// still extract a domain from malformed fields, and a diagnosis must see
// the domain they see, so when net/mail refuses the field FromDomain drops
// comments and quoted strings and takes the first addr-spec it finds, the
// one inside angle brackets if any, as OpenDMARC does. Errors wrap
// ErrNoAuthorDomain.
func FromDomain(header string) (string, error) {
	if list, err := mail.ParseAddressList(header); err == nil {
		for _, a := range list {
			if d, ok := addrDomain(a.Address); ok {
				return d, nil
			}
		}
		return "", fmt.Errorf("%w: %q names no mailbox with a domain", ErrNoAuthorDomain, header)
	}
	for _, part := range strings.Split(stripCommentsAndQuotes(header), ",") {
		if d, ok := addrDomain(findAddrSpec(part)); ok {
			return d, nil
		}
	}
	return "", fmt.Errorf("%w: %q", ErrNoAuthorDomain, header)
}

// addrDomain returns the normalised domain of an addr-spec; domain
// literals have no DMARC domain.
func addrDomain(addr string) (string, bool) {
	at := strings.LastIndexByte(addr, '@')
	if at < 0 {
		return "", false
	}
	d := strings.TrimSpace(addr[at+1:])
	if strings.HasPrefix(d, "[") {
		return "", false
	}
	n, err := normalizeDomain(d)
	return n, err == nil
}

// findAddrSpec returns the addr-spec in one element of an address list:
// the innermost <...> around an "@", or else the word that holds one.
func findAddrSpec(s string) string {
	at := strings.IndexByte(s, '@')
	if at < 0 {
		return ""
	}
	if lt := strings.LastIndexByte(s[:at], '<'); lt >= 0 {
		rest := s[lt+1:]
		if gt := strings.IndexByte(rest, '>'); gt >= 0 {
			return strings.TrimSpace(rest[:gt])
		}
		return strings.TrimSpace(rest)
	}
	for _, w := range strings.Fields(s) {
		if strings.Contains(w, "@") {
			return strings.Trim(w, "<>;:")
		}
	}
	return ""
}

// stripCommentsAndQuotes replaces RFC 5322 §3.2.2 comments (nested) and
// §3.2.4 quoted strings with a space, honouring backslash escapes, so that
// an "@" or "," inside them is not taken for structure.
func stripCommentsAndQuotes(s string) string {
	var b strings.Builder
	depth, quoted := 0, false
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case (quoted || depth > 0) && c == '\\':
			i++ // skip the escaped character
		case quoted:
			if c == '"' {
				quoted = false
				b.WriteByte(' ')
			}
		case c == '(':
			depth++
		case depth > 0:
			if c == ')' {
				depth--
				if depth == 0 {
					b.WriteByte(' ')
				}
			}
		case c == '"':
			quoted = true
		default:
			b.WriteByte(c)
		}
	}
	return b.String()
}
