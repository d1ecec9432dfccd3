package address

import (
	"errors"
	"fmt"
	"unicode"
	"unicode/utf8"
)

// ErrSyntax is the sentinel every [SyntaxError] unwraps to, so callers can
// test for "not a valid mailbox address" with errors.Is.
var ErrSyntax = errors.New("invalid mailbox address syntax")

// Reason is a stable, machine-readable code saying why an address is not a
// valid mailbox address. Codes are never renamed once released: the rules
// catalogue, the JSON report and the typo engine key on them.
type Reason string

// The reasons [Parse] reports.
const (
	ReasonEmpty             Reason = "empty"              // nothing but whitespace (or "<>")
	ReasonNoAt              Reason = "no-at"              // no @ separating local part and domain
	ReasonMultipleAt        Reason = "multiple-at"        // a second, unquoted @
	ReasonEmptyLocal        Reason = "empty-local"        // nothing before the @
	ReasonEmptyDomain       Reason = "empty-domain"       // nothing after the @
	ReasonLocalTooLong      Reason = "local-too-long"     // local part over 64 octets (RFC 5321 §4.5.3.1.1)
	ReasonDomainTooLong     Reason = "domain-too-long"    // domain over 253 octets in A-label form (RFC 1035 §2.3.4)
	ReasonTooLong           Reason = "too-long"           // whole address over 254 octets (RFC 5321 §4.5.3.1.3)
	ReasonLabelTooLong      Reason = "label-too-long"     // a domain label over 63 octets (RFC 1035 §2.3.4)
	ReasonConsecutiveDots   Reason = "consecutive-dots"   // "a..b" in the local part or the domain
	ReasonLeadingDot        Reason = "leading-dot"        // local part or domain starts with a dot
	ReasonTrailingDot       Reason = "trailing-dot"       // local part ends with a dot
	ReasonSpace             Reason = "space"              // unquoted white space
	ReasonBadCharacter      Reason = "bad-character"      // a character the grammar does not allow there
	ReasonUnterminatedQuote Reason = "unterminated-quote" // a quoted local part without its closing quote
	ReasonBadDomainLiteral  Reason = "bad-domain-literal" // [...] that is not an IPv4 or IPv6 address literal
	ReasonBadIDN            Reason = "bad-idn"            // an internationalised label IDNA2008 rejects
	ReasonBadLabel          Reason = "bad-label"          // a label starting or ending with a hyphen
	ReasonNumericTLD        Reason = "numeric-tld"        // the last label is all digits (RFC 3696 §2)
	ReasonSingleLabel       Reason = "single-label"       // no dot in the domain, e.g. user@localhost
)

// SyntaxError explains why a string is not a valid mailbox address.
type SyntaxError struct {
	Reason Reason
	// Detail is one plain-English sentence for a person, naming the
	// offending part, e.g. `the address has two dots in a row ("a..b")`.
	Detail string
	// Pos is the byte offset in the string given to [Parse] where the
	// problem is, or -1 when the problem is the address as a whole.
	Pos int
}

// Error returns the detail sentence prefixed with "invalid address".
func (e *SyntaxError) Error() string {
	return "invalid address: " + e.Detail
}

// Unwrap returns [ErrSyntax].
func (e *SyntaxError) Unwrap() error { return ErrSyntax }

func syntaxErr(r Reason, pos int, format string, args ...any) *SyntaxError {
	return &SyntaxError{Reason: r, Pos: pos, Detail: fmt.Sprintf(format, args...)}
}

// describeRune names a character for a person: printable characters are
// shown in quotes, invisible ones by name and code point.
func describeRune(r rune) string {
	switch {
	case r == ' ':
		return "a space"
	case r == '\t':
		return "a tab"
	case r == '\u00a0':
		return "a non-breaking space (U+00A0)"
	case r == utf8.RuneError:
		return "a byte that is not valid UTF-8 text"
	case unicode.IsSpace(r):
		return fmt.Sprintf("a space character (U+%04X)", r)
	case unicode.Is(unicode.Cc, r):
		return fmt.Sprintf("a control character (U+%04X)", r)
	case unicode.Is(unicode.Cf, r):
		return fmt.Sprintf("an invisible formatting character (U+%04X)", r)
	case r == ',':
		return `a comma (",")`
	case r == '"':
		return `a quotation mark ('"')`
	case !unicode.IsPrint(r):
		return fmt.Sprintf("the unprintable character U+%04X", r)
	}
	return `"` + string(r) + `"`
}

// rejectedRune reports whether a non-ASCII character is refused anywhere in
// an address even though RFC 6531 admits all UTF-8: control characters,
// invisible formatting characters (except the joiners ZWNJ and ZWJ, which
// some scripts need) and U+FFFD, the mark of text already garbled. They are
// almost always debris from copy and paste, and a sign-in form that keeps
// them sends the code to a mailbox that does not exist.
func rejectedRune(r rune) bool {
	if r == '\u200c' || r == '\u200d' {
		return false
	}
	return r == utf8.RuneError || unicode.Is(unicode.Cc, r) || unicode.Is(unicode.Cf, r)
}

// excerpt returns s[from:to] widened by up to width bytes on either side,
// cut at character boundaries, for quoting in a detail sentence.
func excerpt(s string, from, to, width int) string {
	lo, hi := max(from-width, 0), min(to+width, len(s))
	for lo > 0 && !utf8.RuneStart(s[lo]) {
		lo--
	}
	for hi < len(s) && !utf8.RuneStart(s[hi]) {
		hi++
	}
	return s[lo:hi]
}

// unit names the unit a length of s is counted in for a person: bytes when
// s holds non-ASCII text (where bytes and characters differ), else
// characters.
func unit(s string) string {
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			return "bytes"
		}
	}
	return "characters"
}
