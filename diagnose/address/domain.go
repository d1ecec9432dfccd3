package address

import (
	"net/netip"
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/net/idna"
)

// domainResult is a parsed domain.
type domainResult struct {
	written string // as written, lower-cased, trailing dot removed
	ascii   string // A-label form; empty for a literal
	unicode string // U-label form, or the canonical literal
	idn     bool
	literal netip.Addr
}

// wire is the domain as counted for the length limits: the A-label form,
// or a literal as written.
func (d domainResult) wire() string {
	if d.literal.IsValid() {
		return d.written
	}
	return d.ascii
}

// span is one label of a domain as written: s[start:end].
type span struct{ start, end int }

// parseDomain parses the part after the '@' (which begins at byte off of
// the caller's input): RFC 5321 §4.1.2 Domain / address-literal.
func parseDomain(s string, off int) (domainResult, *SyntaxError) {
	if s[0] == '[' {
		return parseLiteral(s, off)
	}
	labels, nonASCII, err := scanHostname(s, off)
	if err != nil {
		return domainResult{}, err
	}
	if err := checkLabels(s, labels, off); err != nil {
		return domainResult{}, err
	}
	written := strings.ToLower(s[:labels[len(labels)-1].end])
	d := domainResult{written: written, ascii: written, unicode: written}
	if nonASCII || hasALabel(written) {
		if d, err = toIDNA(s, labels, off); err != nil {
			return domainResult{}, err
		}
		d.written = written
	}
	return d, checkTopLevel(d.ascii, labels, off)
}

// scanHostname checks the characters and dots of a host name and splits it
// into labels. Besides '.', the dots IDNA maps to it (U+3002, U+FF0E,
// U+FF61) separate labels. One trailing dot is dropped.
func scanHostname(s string, off int) ([]span, bool, *SyntaxError) {
	var labels []span
	nonASCII := false
	start := 0
	for i := 0; i < len(s); {
		r, size := rune(s[i]), 1
		if r >= utf8.RuneSelf {
			r, size = utf8.DecodeRuneInString(s[i:])
		}
		switch {
		case isDot(r):
			if err := checkDomainDot(s, start, i, off); err != nil {
				return nil, false, err
			}
			labels = append(labels, span{start, i})
			start = i + size
		case r < utf8.RuneSelf:
			if err := checkHostByte(byte(r), off+i); err != nil {
				return nil, false, err
			}
		default:
			if err := checkHostRune(r, size, off+i); err != nil {
				return nil, false, err
			}
			nonASCII = true
		}
		i += size
	}
	if start < len(s) {
		labels = append(labels, span{start, len(s)})
	}
	return labels, nonASCII, nil
}

func isDot(r rune) bool {
	return r == '.' || r == '\u3002' || r == '\uff0e' || r == '\uff61'
}

// checkDomainDot checks the dot at s[i], which ends the label that began
// at start.
func checkDomainDot(s string, start, i, off int) *SyntaxError {
	switch {
	case i == 0:
		return syntaxErr(ReasonLeadingDot, off, "the domain starts with a dot")
	case i == start:
		return syntaxErr(ReasonConsecutiveDots, off+i,
			"the address has two dots in a row (%q)", excerpt(s, i-1, i+1, 8))
	}
	return nil
}

// checkHostByte checks an ASCII character of a host name: letters, digits
// and hyphens only (RFC 5321 §4.1.2 Let-dig / Ldh-str).
func checkHostByte(c byte, pos int) *SyntaxError {
	switch {
	case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9', c == '-':
		return nil
	case c == ' ' || c == '\t':
		return syntaxErr(ReasonSpace, pos, "the domain contains %s", describeRune(rune(c)))
	case c == ',':
		return syntaxErr(ReasonBadCharacter, pos, `the domain contains a comma (","); domain names use dots`)
	case c < ' ' || c == 0x7f:
		return syntaxErr(ReasonBadCharacter, pos, "the domain contains %s", describeRune(rune(c)))
	}
	return syntaxErr(ReasonBadCharacter, pos,
		"the domain contains %s; a domain name has only letters, digits, hyphens and dots", describeRune(rune(c)))
}

// checkHostRune checks a non-ASCII character of a host name before IDNA
// sees it: IDNA's mapping would silently delete invisible characters that
// the user's own mail program may not.
func checkHostRune(r rune, size, pos int) *SyntaxError {
	switch {
	case r == utf8.RuneError && size == 1:
		return syntaxErr(ReasonBadCharacter, pos, "the domain contains a byte that is not valid UTF-8 text")
	case unicode.IsSpace(r):
		return syntaxErr(ReasonSpace, pos, "the domain contains %s", describeRune(r))
	case rejectedRune(r):
		return syntaxErr(ReasonBadCharacter, pos, "the domain contains %s", describeRune(r))
	}
	return nil
}

// checkLabels applies the hyphen rule to every label and the length rule
// to the labels written in ASCII (RFC 5321 §4.1.2 Ldh-str, RFC 1035
// §2.3.4); the length of the others is checked after IDNA conversion.
func checkLabels(s string, labels []span, off int) *SyntaxError {
	for _, l := range labels {
		label := s[l.start:l.end]
		if isASCII(label) {
			if err := checkLabel(label, label, off+l.start); err != nil {
				return err
			}
		} else if err := checkHyphens(label, off+l.start); err != nil {
			return err
		}
	}
	return nil
}

// checkLabel checks the A-label form of a label; shown is the form to
// quote to a person.
func checkLabel(alabel, shown string, pos int) *SyntaxError {
	if len(alabel) > MaxLabel {
		form := ""
		if shown != alabel {
			form = " once converted to its ASCII form"
		}
		return syntaxErr(ReasonLabelTooLong, pos,
			"the domain part %q is too long%s (%d characters; each part between dots may have at most %d)",
			excerpt(shown, 0, 0, 20)+"…", form, len(alabel), MaxLabel)
	}
	return checkHyphens(alabel, pos)
}

// checkHyphens refuses a label that starts or ends with a hyphen
// (RFC 5321 §4.1.2: Ldh-str ends with Let-dig).
func checkHyphens(label string, pos int) *SyntaxError {
	if label[0] == '-' {
		return syntaxErr(ReasonBadLabel, pos, "the domain part %q starts with a hyphen", label)
	}
	if label[len(label)-1] == '-' {
		return syntaxErr(ReasonBadLabel, pos+len(label)-1, "the domain part %q ends with a hyphen", label)
	}
	return nil
}

// checkTopLevel enforces RFC 5321 §2.3.5 (a fully-qualified domain, so at
// least two labels), RFC 3696 §2 (the top-level label is not all digits)
// and the name length of RFC 1035 §2.3.4.
func checkTopLevel(ascii string, labels []span, off int) *SyntaxError {
	tld := ascii[strings.LastIndexByte(ascii, '.')+1:]
	if strings.Trim(tld, "0123456789") == "" {
		return syntaxErr(ReasonNumericTLD, off+labels[len(labels)-1].start,
			"the domain ends in a number (%q); an IP address must be written in brackets, like user@[192.0.2.1]",
			excerpt(ascii, len(ascii), len(ascii), 16))
	}
	if len(labels) < 2 {
		return syntaxErr(ReasonSingleLabel, off,
			"the domain %q has no dot; a mail domain has at least two parts, like example.com", ascii)
	}
	if len(ascii) > MaxDomain {
		return syntaxErr(ReasonDomainTooLong, -1,
			"the domain is too long (%d characters; at most %d are allowed)", len(ascii), MaxDomain)
	}
	return nil
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			return false
		}
	}
	return true
}

// hasALabel reports whether a lower-case domain has a label starting with
// the ACE prefix "xn--" (RFC 5890 §2.3.2.1).
func hasALabel(domain string) bool {
	return strings.HasPrefix(domain, "xn--") || strings.Contains(domain, ".xn--")
}

// toIDNA converts a domain with non-ASCII or A-labels with the IDNA2008
// lookup profile (RFC 5891 §5, UTS #46) and validates every A-label by
// round trip, since the library accepts some it should not ("xn--").
func toIDNA(s string, labels []span, off int) (domainResult, *SyntaxError) {
	parts := make([]string, len(labels))
	for i, l := range labels {
		parts[i] = s[l.start:l.end]
	}
	ascii, err := idna.Lookup.ToASCII(strings.Join(parts, "."))
	if err != nil {
		return domainResult{}, idnaError(s, labels, parts, off)
	}
	alabels := strings.Split(ascii, ".")
	if len(alabels) != len(labels) {
		return domainResult{}, syntaxErr(ReasonBadIDN, off,
			"the domain %q is not a valid international domain name", s)
	}
	ulabels := make([]string, len(alabels))
	for i, a := range alabels {
		pos := off + labels[i].start
		if a == "" {
			return domainResult{}, syntaxErr(ReasonBadIDN, pos,
				"the domain part %q consists only of characters that domain names ignore", parts[i])
		}
		if err := checkLabel(a, parts[i], pos); err != nil {
			return domainResult{}, err
		}
		u, ok := roundTrip(a)
		if !ok {
			return domainResult{}, syntaxErr(ReasonBadIDN, pos,
				"the domain part %q is not a valid international domain name label", parts[i])
		}
		ulabels[i] = u
	}
	return domainResult{ascii: ascii, unicode: strings.Join(ulabels, "."), idn: hasALabel(ascii)}, nil
}

// roundTrip returns the U-label of an A-label and whether converting that
// back gives the same A-label; ordinary ASCII labels are returned as is.
func roundTrip(alabel string) (string, bool) {
	if !strings.HasPrefix(alabel, "xn--") {
		return alabel, true
	}
	u, err := idna.Lookup.ToUnicode(alabel)
	if err != nil || u == "" || isASCII(u) {
		return "", false
	}
	back, err := idna.Lookup.ToASCII(u)
	return u, err == nil && back == alabel
}

// idnaError finds the label IDNA rejected, to point at it.
func idnaError(s string, labels []span, parts []string, off int) *SyntaxError {
	for i, p := range parts {
		if _, err := idna.Lookup.ToASCII(p); err != nil {
			return syntaxErr(ReasonBadIDN, off+labels[i].start,
				"the domain part %q is not a valid international domain name label", p)
		}
	}
	return syntaxErr(ReasonBadIDN, off,
		"the domain %q is not a valid international domain name (it mixes right-to-left and left-to-right labels in a way IDNA forbids)", s)
}
