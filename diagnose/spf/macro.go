package spf

import (
	"errors"
	"strconv"
	"strings"
)

// MacroString is a parsed macro-string (RFC 7208 §7.1): literal text and
// macro expansions, as found in domain-specs, unknown modifiers and
// explanation strings.
type MacroString struct {
	Items []MacroItem
}

// MacroItem is one piece of a macro-string. Exactly one of Literal and
// Letter is set.
type MacroItem struct {
	// Literal is text copied as is.
	Literal string
	// Letter is the macro letter in lower case (s l o d i p h c r t v), or
	// one of the escapes '%' ("%%"), '_' ("%_", a space) and '-' ("%-",
	// "%20").
	Letter byte
	// URLEscape: the letter was written in upper case, so the value is
	// URL-escaped (§7.3).
	URLEscape bool
	// Digits keeps only this many right-hand parts; 0 keeps all (§7.3).
	Digits int
	// Reverse reverses the parts before Digits applies.
	Reverse bool
	// Delimiters are the characters the value is split on; empty means ".".
	Delimiters string
}

// maxDigits caps the DIGIT transformer: more parts than any domain name can
// have means "all of them" (§7.3 requires at least 128).
const maxDigits = 1 << 16

// letters allowed in domain-specs (§7.2); c, r and t are for explanation
// strings only (§7.3).
const (
	domainLetters  = "slodiphv"
	explainLetters = "slodiphvcrt"
	delimiters     = ".-+,/_="
)

// parseMacroString parses s. explain allows the letters c, r and t and
// spaces (explain-string, §6.2); otherwise s is a domain-spec body, where
// only visible ASCII other than "%" may appear literally.
func parseMacroString(s string, explain bool) (*MacroString, error) {
	m := &MacroString{}
	letters := domainLetters
	if explain {
		letters = explainLetters
	}
	var lit strings.Builder
	flush := func() {
		if lit.Len() > 0 {
			m.Items = append(m.Items, MacroItem{Literal: lit.String()})
			lit.Reset()
		}
	}
	for i := 0; i < len(s); {
		c := s[i]
		if c != '%' {
			if c < 0x21 || c > 0x7e {
				if !(explain && c == ' ') {
					return nil, errors.New("invalid character " + strconv.QuoteRune(rune(c)) + " (only visible ASCII is allowed)")
				}
			}
			lit.WriteByte(c)
			i++
			continue
		}
		if i+1 >= len(s) {
			return nil, errors.New(`"%" at the end (write "%%" for a percent sign)`)
		}
		switch s[i+1] {
		case '%', '_', '-':
			flush()
			m.Items = append(m.Items, MacroItem{Letter: s[i+1]})
			i += 2
			continue
		case '{':
		default:
			return nil, errors.New(`"%" must be followed by "{", "%", "_" or "-" (§7.1)`)
		}
		end := strings.IndexByte(s[i:], '}')
		if end < 0 {
			return nil, errors.New(`unterminated macro "%{"`)
		}
		it, err := parseExpand(s[i+2:i+end], letters)
		if err != nil {
			return nil, err
		}
		flush()
		m.Items = append(m.Items, it)
		i += end + 1
	}
	flush()
	return m, nil
}

// parseExpand parses the inside of "%{...}": letter, transformers and
// delimiters (§7.1).
func parseExpand(body, letters string) (MacroItem, error) {
	if body == "" {
		return MacroItem{}, errors.New(`empty macro "%{}"`)
	}
	c := body[0]
	lower := c | 0x20
	if c > 0x7e || !strings.ContainsRune(letters, rune(lower)) || (c >= '0' && c <= '9') {
		if strings.ContainsRune(explainLetters, rune(lower)) {
			return MacroItem{}, errors.New("macro letter " + string(c) + " is allowed only in explanation strings (§7.3)")
		}
		return MacroItem{}, errors.New("unknown macro letter " + strconv.QuoteRune(rune(c)))
	}
	it := MacroItem{Letter: lower, URLEscape: c != lower}
	rest := body[1:]
	n := 0
	for n < len(rest) && rest[n] >= '0' && rest[n] <= '9' {
		n++
	}
	if n > 0 {
		d, err := strconv.Atoi(rest[:min(n, 6)])
		if err != nil || d == 0 {
			return MacroItem{}, errors.New("macro digit transformer must be a positive number (§7.3)")
		}
		it.Digits = min(d, maxDigits)
		if n > 6 {
			it.Digits = maxDigits
		}
		rest = rest[n:]
	}
	if rest != "" && (rest[0] == 'r' || rest[0] == 'R') {
		it.Reverse = true
		rest = rest[1:]
	}
	for i := 0; i < len(rest); i++ {
		if !strings.ContainsRune(delimiters, rune(rest[i])) {
			return MacroItem{}, errors.New("invalid macro delimiter " + strconv.QuoteRune(rune(rest[i])))
		}
	}
	it.Delimiters = rest
	return it, nil
}

// parseDomainSpec parses a domain-spec (§7.1): a macro-string that ends in a
// macro expansion or in "." and a valid top label.
func parseDomainSpec(s string) (*MacroString, error) {
	if s == "" {
		return nil, errors.New("empty domain-spec")
	}
	m, err := parseMacroString(s, false)
	if err != nil {
		return nil, err
	}
	last := m.Items[len(m.Items)-1]
	if last.Letter != 0 {
		return m, nil
	}
	if last.Literal == "." && len(m.Items) > 1 && m.Items[len(m.Items)-2].Letter != 0 {
		// "%{d}." : a macro with a trailing dot, as fully qualified names
		// are written. The ABNF does not allow it; receivers accept it.
		return m, nil
	}
	lit := strings.TrimSuffix(last.Literal, ".")
	dot := strings.LastIndexByte(lit, '.')
	if dot < 0 {
		return nil, errors.New(`domain-spec must end in "." and a top-level label or in a macro (§7.1)`)
	}
	if !validTopLabel(lit[dot+1:]) {
		return nil, errors.New("invalid top-level label " + strconv.Quote(lit[dot+1:]) + " (§7.1: letters, digits and inner hyphens, not all digits)")
	}
	return m, nil
}

// validTopLabel implements toplabel of §7.1:
// ( *alphanum ALPHA *alphanum ) / ( 1*alphanum "-" *( alphanum / "-" ) alphanum ).
func validTopLabel(l string) bool {
	if l == "" {
		return false
	}
	alpha, hyphen := false, false
	for i := 0; i < len(l); i++ {
		c := l[i]
		switch {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z':
			alpha = true
		case c >= '0' && c <= '9':
		case c == '-':
			hyphen = true
		default:
			return false
		}
	}
	if hyphen {
		return l[0] != '-' && l[len(l)-1] != '-'
	}
	return alpha
}

// String returns the macro-string as it would be written; it parses back
// to an equal macro-string.
func (m *MacroString) String() string {
	if m == nil {
		return ""
	}
	var b strings.Builder
	for _, it := range m.Items {
		switch it.Letter {
		case 0:
			b.WriteString(strings.ReplaceAll(strings.ReplaceAll(it.Literal, "%", "%%"), " ", "%_"))
		case '%', '_', '-':
			b.WriteByte('%')
			b.WriteByte(it.Letter)
		default:
			b.WriteString("%{")
			l := it.Letter
			if it.URLEscape {
				l -= 0x20
			}
			b.WriteByte(l)
			if it.Digits > 0 {
				b.WriteString(strconv.Itoa(it.Digits))
			}
			if it.Reverse {
				b.WriteByte('r')
			}
			b.WriteString(it.Delimiters)
			b.WriteByte('}')
		}
	}
	return b.String()
}

// Letters returns the macro letters m uses, lower case, in order of first
// use; escapes are not letters.
func (m *MacroString) Letters() string {
	if m == nil {
		return ""
	}
	var b []byte
	for _, it := range m.Items {
		switch it.Letter {
		case 0, '%', '_', '-':
			continue
		}
		if !strings.ContainsRune(string(b), rune(it.Letter)) {
			b = append(b, it.Letter)
		}
	}
	return string(b)
}

func (m *MacroString) equal(o *MacroString) bool {
	if m == nil || o == nil {
		return m == o
	}
	return m.String() == o.String()
}

// macroValues supplies the value of each macro letter (§7.3).
type macroValues func(letter byte) string

// expand returns the macro-string with every macro replaced (§7.3, §7.4).
func (m *MacroString) expand(val macroValues) string {
	var b strings.Builder
	for _, it := range m.Items {
		switch it.Letter {
		case 0:
			b.WriteString(it.Literal)
		case '%':
			b.WriteByte('%')
		case '_':
			b.WriteByte(' ')
		case '-':
			b.WriteString("%20")
		default:
			v := transform(val(it.Letter), it)
			if it.URLEscape {
				v = urlEscape(v)
			}
			b.WriteString(v)
		}
	}
	return b.String()
}

// transform applies the delimiters, reversal and digit transformers
// (§7.3). Empty parts are kept: "no special treatment is given to leading,
// trailing, or consecutive delimiters".
func transform(v string, it MacroItem) string {
	if it.Digits == 0 && !it.Reverse && (it.Delimiters == "" || it.Delimiters == ".") {
		return v
	}
	delims := it.Delimiters
	if delims == "" {
		delims = "."
	}
	var parts []string
	start := 0
	for i := 0; i < len(v); i++ {
		if strings.IndexByte(delims, v[i]) >= 0 {
			parts = append(parts, v[start:i])
			start = i + 1
		}
	}
	parts = append(parts, v[start:])
	if it.Reverse {
		for i, j := 0, len(parts)-1; i < j; i, j = i+1, j-1 {
			parts[i], parts[j] = parts[j], parts[i]
		}
	}
	if it.Digits > 0 && it.Digits < len(parts) {
		parts = parts[len(parts)-it.Digits:]
	}
	return strings.Join(parts, ".")
}

// urlEscape escapes every byte outside RFC 3986's unreserved set (§7.3).
func urlEscape(s string) string {
	const hex = "0123456789ABCDEF"
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9',
			c == '-', c == '.', c == '_', c == '~':
			b.WriteByte(c)
		default:
			b.WriteByte('%')
			b.WriteByte(hex[c>>4])
			b.WriteByte(hex[c&15])
		}
	}
	return b.String()
}
