package address

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// localPart is a scanned local part.
type localPart struct {
	text     string // as written, quotes included
	quoted   bool
	nonASCII bool
}

// parseLocal scans the local part at the start of s (which begins at byte
// off of the caller's input). On success s[len(text)] is the '@' that ends
// it.
func parseLocal(s string, off int) (localPart, *SyntaxError) {
	if s[0] == '"' {
		return parseQuoted(s, off)
	}
	return parseDotString(s, off)
}

// parseDotString scans an unquoted local part: RFC 5321 §4.1.2
// Dot-string = Atom *("." Atom), with RFC 6531 §3.3 adding UTF-8 to atext.
func parseDotString(s string, off int) (localPart, *SyntaxError) {
	at := strings.IndexByte(s, '@')
	if at < 0 {
		return localPart{}, syntaxErr(ReasonNoAt, -1,
			"the address has no @ sign between the name and the domain")
	}
	if at == 0 {
		return localPart{}, syntaxErr(ReasonEmptyLocal, off, "there is nothing before the @ sign")
	}
	local := s[:at]
	if len(local) > 7 && strings.EqualFold(local[:7], "mailto:") {
		return localPart{}, syntaxErr(ReasonBadCharacter, off+6,
			`the address starts with "mailto:", which belongs to a link, not to the address`)
	}
	lp := localPart{text: local}
	for i := 0; i < len(local); {
		if c := local[i]; c < utf8.RuneSelf {
			if err := checkAtomByte(local, i, off); err != nil {
				return localPart{}, err
			}
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(local[i:])
		if err := checkNonASCII(r, size, off+i); err != nil {
			return localPart{}, err
		}
		lp.nonASCII = true
		i += size
	}
	return lp, nil
}

// checkAtomByte checks the ASCII byte local[i] of an unquoted local part.
func checkAtomByte(local string, i, off int) *SyntaxError {
	c := local[i]
	switch {
	case c == '.':
		return checkLocalDot(local, i, off)
	case isAtext(c):
		return nil
	case c == ' ' || c == '\t':
		return syntaxErr(ReasonSpace, off+i,
			"the address contains %s; spaces are allowed only inside quotation marks", describeRune(rune(c)))
	case c < ' ' || c == 0x7f:
		return syntaxErr(ReasonBadCharacter, off+i, "the address contains %s", describeRune(rune(c)))
	case c == '"':
		return syntaxErr(ReasonBadCharacter, off+i,
			`a quotation mark may only enclose the whole part before the @, as in "john doe"@example.com`)
	}
	return syntaxErr(ReasonBadCharacter, off+i,
		"the part before the @ contains %s, which is allowed there only inside quotation marks", describeRune(rune(c)))
}

// checkLocalDot enforces Dot-string: dots separate non-empty atoms
// (RFC 5321 §4.1.2).
func checkLocalDot(local string, i, off int) *SyntaxError {
	switch {
	case i == 0:
		return syntaxErr(ReasonLeadingDot, off, "the part before the @ starts with a dot")
	case local[i-1] == '.':
		return syntaxErr(ReasonConsecutiveDots, off+i-1,
			"the address has two dots in a row (%q)", excerpt(local, i-1, i+1, 8))
	case i == len(local)-1:
		return syntaxErr(ReasonTrailingDot, off+i, "the part before the @ ends with a dot")
	}
	return nil
}

// checkNonASCII checks a non-ASCII character of a local part, which
// RFC 6531 §3.3 admits as UTF8-non-ascii.
func checkNonASCII(r rune, size, pos int) *SyntaxError {
	switch {
	case r == utf8.RuneError && size == 1:
		return syntaxErr(ReasonBadCharacter, pos, "the address contains a byte that is not valid UTF-8 text")
	case unicode.IsSpace(r):
		return syntaxErr(ReasonSpace, pos,
			"the address contains %s; spaces are allowed only inside quotation marks", describeRune(r))
	case rejectedRune(r):
		return syntaxErr(ReasonBadCharacter, pos, "the address contains %s", describeRune(r))
	}
	return nil
}

// isAtext reports whether c is an ASCII atext character (RFC 5322 §3.2.3).
func isAtext(c byte) bool {
	switch {
	case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9':
		return true
	}
	return strings.IndexByte("!#$%&'*+-/=?^_`{|}~", c) >= 0
}

// parseQuoted scans a quoted local part: RFC 5321 §4.1.2
// Quoted-string = DQUOTE *QcontentSMTP DQUOTE, where QcontentSMTP is
// qtextSMTP (printable ASCII but '"' and '\', space included, plus UTF-8
// by RFC 6531) or quoted-pairSMTP ('\' followed by printable ASCII).
func parseQuoted(s string, off int) (localPart, *SyntaxError) {
	lp := localPart{quoted: true}
	i := 1
	for {
		if i >= len(s) {
			return localPart{}, syntaxErr(ReasonUnterminatedQuote, off,
				"the quotation mark that opens the part before the @ is never closed")
		}
		c := s[i]
		switch {
		case c == '"':
			return finishQuoted(s, i+1, off, lp)
		case c == '\\':
			if i+1 >= len(s) {
				return localPart{}, syntaxErr(ReasonUnterminatedQuote, off,
					"the quotation mark that opens the part before the @ is never closed")
			}
			if n := s[i+1]; n < ' ' || n > '~' {
				return localPart{}, syntaxErr(ReasonBadCharacter, off+i,
					"a backslash inside quotation marks may only escape a printable ASCII character")
			}
			i += 2
		case ' ' <= c && c <= '~':
			i++
		case c < utf8.RuneSelf:
			return localPart{}, syntaxErr(ReasonBadCharacter, off+i,
				"the address contains %s, which is not allowed even inside quotation marks", describeRune(rune(c)))
		default:
			r, size := utf8.DecodeRuneInString(s[i:])
			if (r == utf8.RuneError && size == 1) || rejectedRune(r) {
				return localPart{}, syntaxErr(ReasonBadCharacter, off+i,
					"the address contains %s, which is not allowed even inside quotation marks", describeRune(r))
			}
			lp.nonASCII = true
			i += size
		}
	}
}

// finishQuoted checks what follows the closing quote at s[end-1].
func finishQuoted(s string, end, off int, lp localPart) (localPart, *SyntaxError) {
	if end == 2 {
		return localPart{}, syntaxErr(ReasonEmptyLocal, off,
			`the part before the @ is an empty pair of quotation marks ("")`)
	}
	if end == len(s) {
		return localPart{}, syntaxErr(ReasonNoAt, -1,
			"the address has no @ sign between the name and the domain")
	}
	if s[end] != '@' {
		return localPart{}, syntaxErr(ReasonBadCharacter, off+end,
			"text follows the closing quotation mark; the @ must come right after it")
	}
	lp.text = s[:end]
	return lp, nil
}
