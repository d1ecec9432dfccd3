package typo

import (
	"strings"

	"golang.org/x/net/idna"
)

// maxDomain is the longest domain name in presentation form without the
// trailing dot (RFC 1035 §2.3.4: 255 octets on the wire).
const maxDomain = 253

// repairer maps what people paste or fat-finger into a domain onto the
// domain they meant (UTS #46 mapping, RFC 5891 §5.2), without the
// transitional mappings so that ß and ς are kept.
var repairer = idna.New(idna.MapForLookup(), idna.Transitional(false), idna.StrictDomainName(false))

// normalize repairs a domain as typed into a lower-case ASCII domain name.
// It returns the repaired name, the repairs made (Edit* constants joined by
// "+", empty when the input needed none beyond case), and false when the
// input cannot be made into a domain name at all (an @ sign, characters no
// domain has, an empty or over-long result). A clean lower-case input is
// returned as is, without allocating.
func normalize(in string) (string, string, bool) {
	if clean(in) {
		return in, "", true
	}
	var rep []string
	mark := func(e string) {
		for _, r := range rep {
			if r == e {
				return
			}
		}
		rep = append(rep, e)
	}
	s := strings.TrimSpace(in)
	if strings.ContainsRune(s, '@') {
		return "", "", false
	}
	if !ascii(s) {
		a, err := repairer.ToASCII(s)
		if err != nil || !ascii(a) {
			return "", "", false
		}
		if !strings.Contains(a, "xn--") {
			mark(EditUnicode)
		}
		s = a
	}
	s = strings.ToLower(s)
	// Stray punctuation at either end: quotes, brackets, #, a leading dot.
	t := strings.TrimLeftFunc(s, func(r rune) bool { return !isAlnum(r) })
	if t != s {
		mark(EditStray)
	}
	s = t
	if t = strings.TrimRight(s, "."); t != s {
		mark(EditTrailingDot)
		s = t
	}
	if t = strings.TrimRightFunc(s, func(r rune) bool { return !isAlnum(r) }); t != s {
		mark(EditStray)
		s = strings.TrimRight(t, ".")
	}
	if strings.ContainsAny(s, " \t") {
		mark(EditStray)
		s = strings.Join(strings.Fields(s), "")
	}
	if strings.Contains(s, ",") {
		mark(EditComma)
		s = strings.ReplaceAll(s, ",", ".")
	}
	if strings.Contains(s, "..") {
		mark(EditDoubleDot)
		for strings.Contains(s, "..") {
			s = strings.ReplaceAll(s, "..", ".")
		}
	}
	if s == "" || len(s) > maxDomain || !domainChars(s) {
		return "", "", false
	}
	return s, strings.Join(rep, "+"), true
}

// clean reports whether s is already a lower-case ASCII name needing no
// repair: letters, digits, hyphens and single inner dots.
func clean(s string) bool {
	if s == "" || len(s) > maxDomain || s[0] == '.' || s[len(s)-1] == '.' {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c == '.' {
			if s[i-1] == '.' {
				return false
			}
			continue
		}
		if !labelChar(c) {
			return false
		}
	}
	return true
}

// domainChars reports whether s has only the characters of a host name.
func domainChars(s string) bool {
	for i := 0; i < len(s); i++ {
		if !labelChar(s[i]) && s[i] != '.' {
			return false
		}
	}
	return true
}

func ascii(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			return false
		}
	}
	return true
}

func isAlnum(r rune) bool {
	return r >= 'a' && r <= 'z' || r >= '0' && r <= '9'
}
