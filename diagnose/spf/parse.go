package spf

import (
	"errors"
	"net/netip"
	"strconv"
	"strings"
)

// IsRecord reports whether txt is an SPF version 1 record: it begins with
// "v=spf1", in any case, followed by a space or nothing (§4.5).
func IsRecord(txt string) bool {
	return len(txt) >= 6 && strings.EqualFold(txt[:6], "v=spf1") && (len(txt) == 6 || txt[6] == ' ')
}

// Parse parses an SPF record (§4.5, §4.6.1, §12). The whole record is
// checked, so a syntax error anywhere is found before evaluation starts
// (§4.6). Errors are *SyntaxError wrapping [ErrSyntax], a permerror.
func Parse(txt string) (*Record, error) {
	if !IsRecord(txt) {
		return nil, &SyntaxError{Index: -1, Term: txt, Reason: `record does not begin with "v=spf1" and a space`}
	}
	r := &Record{}
	seen := map[Kind]bool{}
	i := 0
	for _, f := range strings.Split(txt[6:], " ") {
		if f == "" {
			continue // terms are separated by one or more spaces (§4.6.1)
		}
		t, err := parseTerm(f)
		if err != nil {
			return nil, &SyntaxError{Index: i, Term: f, Reason: err.Error()}
		}
		if t.Kind == KindRedirect || t.Kind == KindExp {
			if seen[t.Kind] {
				// §6: redirect and exp MUST NOT appear more than once.
				return nil, &SyntaxError{Index: i, Term: f, Reason: string(t.Kind) + " appears more than once (§6)"}
			}
			seen[t.Kind] = true
		}
		r.Terms = append(r.Terms, t)
		i++
	}
	return r, nil
}

// modifierName returns the name of a modifier term, name "=" value, where
// name = ALPHA *( ALPHA / DIGIT / "-" / "_" / "." ) (§4.6.1, §12), or "" if
// t is not a modifier.
func modifierName(t string) string {
	if t == "" || !isAlpha(t[0]) {
		return ""
	}
	for i := 1; i < len(t); i++ {
		c := t[i]
		switch {
		case c == '=':
			return t[:i]
		case isAlpha(c), c >= '0' && c <= '9', c == '-', c == '_', c == '.':
		default:
			return ""
		}
	}
	return ""
}

func isAlpha(c byte) bool { return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' }

func parseTerm(f string) (*Term, error) {
	t := &Term{Text: f, CIDR4: -1, CIDR6: -1}
	if name := modifierName(f); name != "" {
		return parseModifier(t, name, f[len(name)+1:])
	}
	if q := Qualifier(f[0]); q == QualPass || q == QualFail || q == QualSoftFail || q == QualNeutral {
		t.Qualifier = q
		f = f[1:]
	}
	end := strings.IndexAny(f, ":/")
	if end < 0 {
		end = len(f)
	}
	name, rest := strings.ToLower(f[:end]), f[end:]
	switch Kind(name) {
	case KindAll:
		t.Kind = KindAll
		if rest != "" {
			return nil, errors.New(`"all" takes no argument (§5.1)`)
		}
	case KindInclude, KindExists:
		t.Kind = Kind(name)
		if !strings.HasPrefix(rest, ":") {
			return nil, errors.New(name + ` needs ":" and a domain (§5.2, §5.7)`)
		}
		spec, err := parseDomainSpec(rest[1:])
		if err != nil {
			return nil, err
		}
		t.Domain = spec
	case KindA, KindMX:
		t.Kind = Kind(name)
		return t, parseAMX(t, rest)
	case KindPTR:
		t.Kind = KindPTR
		if rest != "" {
			if rest[0] != ':' {
				return nil, errors.New(`"ptr" takes no prefix length (§5.5)`)
			}
			spec, err := parseDomainSpec(rest[1:])
			if err != nil {
				return nil, err
			}
			t.Domain = spec
		}
	case KindIP4, KindIP6:
		t.Kind = Kind(name)
		return t, parseIP(t, rest)
	default:
		if !isAlnumWord(name) {
			return nil, errors.New("not a mechanism or modifier")
		}
		return nil, errors.New("unknown mechanism " + strconv.Quote(name))
	}
	return t, nil
}

func isAlnumWord(s string) bool {
	for i := 0; i < len(s); i++ {
		if !isAlpha(s[i]) && !(s[i] >= '0' && s[i] <= '9') {
			return false
		}
	}
	return s != ""
}

func parseModifier(t *Term, name, value string) (*Term, error) {
	switch strings.ToLower(name) {
	case "redirect", "exp":
		// Known modifiers are not "greedy" unknown modifiers: their value
		// must be a domain-spec (§6.1, §6.2).
		t.Kind = Kind(strings.ToLower(name))
		spec, err := parseDomainSpec(value)
		if err != nil {
			return nil, err
		}
		t.Domain = spec
		return t, nil
	}
	t.Kind = KindUnknown
	t.Name = name
	v, err := parseMacroString(value, true)
	if err != nil {
		return nil, err
	}
	t.Value = v
	return t, nil
}

// parseAMX parses what follows "a" or "mx": [ ":" domain-spec ]
// [ dual-cidr-length ] (§5.3, §5.4).
func parseAMX(t *Term, rest string) error {
	rest, c4, c6, err := splitDualCIDR(rest)
	if err != nil {
		return err
	}
	t.CIDR4, t.CIDR6 = c4, c6
	if rest == "" {
		return nil
	}
	if rest[0] != ':' {
		return errors.New(`expected ":" and a domain or a prefix length`)
	}
	spec, err := parseDomainSpec(rest[1:])
	if err != nil {
		return err
	}
	t.Domain = spec
	return nil
}

// splitDualCIDR removes a trailing dual-cidr-length from s (§5.6):
// [ "/" ip4-cidr-length ] [ "//" ip6-cidr-length ].
func splitDualCIDR(s string) (rest string, c4, c6 int, err error) {
	c4, c6 = -1, -1
	i := strings.LastIndexByte(s, '/')
	if i < 0 || !allDigits(s[i+1:]) {
		return s, c4, c6, nil
	}
	if i > 0 && s[i-1] == '/' {
		if c6, err = cidrLength(s[i+1:], 128); err != nil {
			return "", 0, 0, err
		}
		s = s[:i-1]
		i = strings.LastIndexByte(s, '/')
		if i < 0 || !allDigits(s[i+1:]) {
			return s, c4, c6, nil
		}
	}
	if c4, err = cidrLength(s[i+1:], 32); err != nil {
		return "", 0, 0, err
	}
	return s[:i], c4, c6, nil
}

func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return s != ""
}

// cidrLength parses a prefix length: no leading zeros, at most max (§5.6).
func cidrLength(s string, max int) (int, error) {
	if len(s) > 1 && s[0] == '0' {
		return 0, errors.New("prefix length " + s + " has a leading zero")
	}
	n, err := strconv.Atoi(s)
	if err != nil || len(s) > 3 || n > max {
		return 0, errors.New("prefix length /" + s + " out of range 0-" + strconv.Itoa(max) + " (§5.6)")
	}
	return n, nil
}

// parseIP parses what follows "ip4" or "ip6": ":" network [ "/" length ]
// (§5.6).
func parseIP(t *Term, rest string) error {
	if !strings.HasPrefix(rest, ":") {
		return errors.New(string(t.Kind) + ` needs ":" and an address (§5.6)`)
	}
	rest = rest[1:]
	max := 32
	if t.Kind == KindIP6 {
		max = 128
	}
	bits := max
	if i := strings.LastIndexByte(rest, '/'); i >= 0 {
		n, err := cidrLength(rest[i+1:], max)
		if err != nil {
			return err
		}
		bits, rest = n, rest[:i]
	}
	addr, err := netip.ParseAddr(rest)
	if err != nil || addr.Zone() != "" {
		return errors.New("invalid " + string(t.Kind) + " address " + strconv.Quote(rest))
	}
	if (t.Kind == KindIP4) != addr.Is4() {
		return errors.New("address " + rest + " is not IPv" + string(t.Kind[2]))
	}
	t.Prefix = netip.PrefixFrom(addr, bits)
	return nil
}
