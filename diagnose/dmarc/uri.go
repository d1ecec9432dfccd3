package dmarc

import (
	"fmt"
	"math"
	"net/url"
	"strings"
)

// ReportURI is one DMARC report URI (RFC 7489 §6.2).
type ReportURI struct {
	URI    string // the URI without the size limit
	Scheme string // lower case, e.g. "mailto"
	// Address is the mailbox of a mailto: URI, percent-decoded; empty for
	// other schemes or when the URI names none.
	Address string
	Domain  string // the domain of Address, lower case A-labels
	// Limit is the size limit as written after "!", lower case, e.g. "10m";
	// empty when there is none.
	Limit string
	// MaxSize is Limit in bytes (units are powers of two, RFC 7489 §6.2);
	// 0 when there is no limit.
	MaxSize uint64
}

// unitShift maps a size unit to its power of two (RFC 7489 §6.2).
var unitShift = map[byte]uint{'k': 10, 'm': 20, 'g': 30, 't': 40}

// ParseReportURI parses a DMARC URI: an RFC 3986 URI with a scheme,
// optionally followed by "!" and a size limit with an optional unit k, m,
// g or t (RFC 7489 §6.2, §6.4). Errors wrap ErrBadValue.
func ParseReportURI(s string) (ReportURI, error) {
	bad := func(why string) (ReportURI, error) {
		return ReportURI{}, fmt.Errorf("%w: report URI %q: %s", ErrBadValue, s, why)
	}
	u := ReportURI{URI: s}
	// "!" must be percent-encoded inside the URI (RFC 7489 §6.4), so the
	// first one starts the size limit.
	if i := strings.IndexByte(s, '!'); i >= 0 {
		u.URI = s[:i]
		limit := strings.ToLower(s[i+1:])
		size, err := parseSize(limit)
		if err != nil {
			return bad(err.Error())
		}
		u.Limit, u.MaxSize = limit, size
	}
	if u.URI == "" {
		return bad("empty")
	}
	for i := 0; i < len(u.URI); i++ {
		if c := u.URI[i]; c <= ' ' || c >= 0x7f {
			return bad("URIs contain no spaces, controls or raw non-ASCII characters (RFC 3986 §2)")
		}
	}
	scheme, _, ok := strings.Cut(u.URI, ":")
	if !ok || !validScheme(scheme) {
		return bad("no scheme (RFC 3986 §3.1)")
	}
	pu, err := url.Parse(u.URI)
	if err != nil {
		return bad(err.Error())
	}
	u.Scheme = strings.ToLower(scheme)
	if u.Scheme == "mailto" && pu.Opaque != "" {
		addr, _, _ := strings.Cut(pu.Opaque, "?") // RFC 6068 §2: hfields follow "?"
		addr, _, _ = strings.Cut(addr, ",")       // the first of several addresses
		if dec, err := url.PathUnescape(addr); err == nil {
			addr = dec
		}
		if at := strings.LastIndexByte(addr, '@'); at > 0 {
			if d, err := normalizeDomain(addr[at+1:]); err == nil {
				u.Address, u.Domain = addr[:at+1]+d, d
			}
		}
	}
	return u, nil
}

// parseSize parses 1*DIGIT [ "k" / "m" / "g" / "t" ] into bytes.
func parseSize(s string) (uint64, error) {
	var shift uint
	if s != "" {
		if sh, ok := unitShift[s[len(s)-1]]; ok {
			shift, s = sh, s[:len(s)-1]
		}
	}
	if s == "" {
		return 0, fmt.Errorf("size limit after ! has no digits")
	}
	var n uint64
	for i := 0; i < len(s); i++ {
		if !isDigit(s[i]) {
			return 0, fmt.Errorf("size limit %q is not digits with an optional unit k, m, g or t", s)
		}
		d := uint64(s[i] - '0')
		if n > (math.MaxUint64-d)/10 {
			return 0, fmt.Errorf("size limit %q is too large", s)
		}
		n = n*10 + d
	}
	if n > math.MaxUint64>>shift {
		return 0, fmt.Errorf("size limit %q is too large", s)
	}
	return n << shift, nil
}

// validScheme: ALPHA *( ALPHA / DIGIT / "+" / "-" / "." ) (RFC 3986 §3.1).
func validScheme(s string) bool {
	if s == "" || !isAlpha(s[0]) {
		return false
	}
	for i := 1; i < len(s); i++ {
		if c := s[i]; !isAlpha(c) && !isDigit(c) && c != '+' && c != '-' && c != '.' {
			return false
		}
	}
	return true
}
