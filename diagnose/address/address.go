// Package address parses and checks mailbox addresses, the first thing
// codeprobe looks at when a verification code did not arrive.
//
// The grammar is the SMTP envelope's Mailbox of RFC 5321 §4.1.2
// (Local-part = Dot-string / Quoted-string; Domain / address-literal),
// which is the subset of RFC 5322 §3.4.1 addr-spec a mail server accepts:
// no comments, no folding white space, no obsolete forms. RFC 6531 §3.3
// extends it to UTF-8 local parts (SMTPUTF8) and RFC 5890/5891 (IDNA2008)
// to internationalised domain names, which are converted to A-labels with
// the UTS #46 lookup profile of golang.org/x/net/idna.
//
// Length limits follow RFC 5321 §4.5.3.1: a local part of at most 64
// octets, a domain of at most 253 octets in text form (255 on the wire,
// RFC 1035 §2.3.4) with labels of at most 63, and a whole address of at
// most 254 octets (the 256-octet path minus its angle brackets, RFC 3696
// erratum 1690).
//
// Choices where the RFCs leave room, made for a tool that diagnoses why
// mail does not arrive:
//   - One trailing dot on the domain (user@example.com.) is accepted and
//     dropped: it is the same absolute DNS name.
//   - A domain must have at least two labels and a top-level label that is
//     not all digits (RFC 5321 §2.3.5, RFC 3696 §2); user@localhost and
//     user@192.0.2.1 are errors, user@[192.0.2.1] is not.
//   - The empty quoted local part ""@example.com is refused: the grammar
//     admits it, but no mailbox system hands one out.
//   - Control characters, invisible formatting characters (other than the
//     joiners ZWNJ and ZWJ) and U+FFFD are refused everywhere, though
//     RFC 6531 admits any UTF-8 in a local part: they are copy-and-paste
//     debris, not part of anybody's mailbox name.
package address

import (
	"net/netip"
	"strings"
	"unicode"
)

// maxInput bounds the work done on absurd input: anything longer is
// reported as too long without being scanned.
const maxInput = 4096

// Limits of RFC 5321 §4.5.3.1 and RFC 1035 §2.3.4, in octets.
const (
	MaxLocal   = 64
	MaxDomain  = 253
	MaxLabel   = 63
	MaxAddress = 254
)

// Address is a parsed mailbox address.
type Address struct {
	// Raw is the input, trimmed of surrounding white space and of one
	// pair of enclosing angle brackets.
	Raw string
	// Local is the local part as written; a quoted local part keeps its
	// quotes and backslashes.
	Local string
	// Domain is the domain as written, lower-cased, without the trailing
	// dot if there was one.
	Domain string
	// ASCIIDomain is the domain in A-label form (IDNA2008, lookup
	// profile), lower case, no trailing dot. It is empty for a domain
	// literal.
	ASCIIDomain string
	// UnicodeDomain is the domain in U-label form, for display. For a
	// domain literal it is the literal in canonical form.
	UnicodeDomain string
	// IDN reports that the domain has at least one internationalised
	// label (an A-label, xn--…), whether it was written in Unicode or in
	// A-label form.
	IDN bool
	// Quoted reports that the local part is a quoted-string.
	Quoted bool
	// DomainLiteral is the address of a domain literal such as
	// [192.0.2.1] or [IPv6:2001:db8::1]; it is the zero Addr otherwise.
	DomainLiteral netip.Addr
	// NeedsSMTPUTF8 reports that the local part has non-ASCII characters,
	// so that mail to it needs the SMTPUTF8 extension (RFC 6531).
	NeedsSMTPUTF8 bool
}

// Parse parses a mailbox address such as ann@example.com. Surrounding
// white space and one pair of angle brackets are removed first. A non-nil
// error is always a *[SyntaxError] whose Reason says what is wrong and
// whose Pos is a byte offset in s.
func Parse(s string) (*Address, error) {
	a, err := parse(s)
	if err != nil {
		return nil, err
	}
	return a, nil
}

func parse(s string) (*Address, *SyntaxError) {
	raw, off, err := unwrap(s)
	if err != nil {
		return nil, err
	}
	a := &Address{Raw: raw}
	lp, err := parseLocal(raw, off)
	if err != nil {
		return nil, err
	}
	a.Local, a.Quoted, a.NeedsSMTPUTF8 = lp.text, lp.quoted, lp.nonASCII
	domOff := off + len(lp.text) + 1
	dom := raw[len(lp.text)+1:]
	if dom == "" {
		return nil, syntaxErr(ReasonEmptyDomain, domOff, "there is nothing after the @ sign")
	}
	if i := strings.IndexByte(dom, '@'); i >= 0 {
		if j := strings.IndexAny(dom[:i], ",; "); j >= 0 {
			return nil, syntaxErr(ReasonMultipleAt, domOff+j,
				"this looks like more than one address (separated by %q); enter a single address", dom[j:j+1])
		}
		return nil, syntaxErr(ReasonMultipleAt, domOff+i,
			"the address has more than one @ sign; only one may appear outside quotation marks")
	}
	d, err := parseDomain(dom, domOff)
	if err != nil {
		return nil, err
	}
	a.Domain, a.ASCIIDomain, a.UnicodeDomain, a.IDN, a.DomainLiteral = d.written, d.ascii, d.unicode, d.idn, d.literal
	// RFC 5321 §4.5.3.1.1: the local part is at most 64 octets.
	if len(a.Local) > MaxLocal {
		return nil, syntaxErr(ReasonLocalTooLong, off+MaxLocal,
			"the part before the @ is too long (%d %s; at most %d are allowed)", len(a.Local), unit(a.Local), MaxLocal)
	}
	// RFC 5321 §4.5.3.1.3: the path is at most 256 octets including the
	// angle brackets, so the address itself is at most 254.
	if n := len(a.Local) + 1 + len(d.wire()); n > MaxAddress {
		return nil, syntaxErr(ReasonTooLong, -1,
			"the address is too long (%d characters; at most %d are allowed)", n, MaxAddress)
	}
	return a, nil
}

// unwrap trims white space and one pair of angle brackets and returns what
// is left with its offset in s.
func unwrap(s string) (string, int, *SyntaxError) {
	if len(s) > maxInput {
		return "", 0, syntaxErr(ReasonTooLong, -1,
			"the address is far too long (%d bytes; at most %d are allowed)", len(s), MaxAddress)
	}
	trimmed := strings.TrimLeftFunc(s, unicode.IsSpace)
	off := len(s) - len(trimmed)
	trimmed = strings.TrimRightFunc(trimmed, unicode.IsSpace)
	if trimmed == "" {
		return "", 0, syntaxErr(ReasonEmpty, -1, "the address is empty")
	}
	if len(trimmed) >= 2 && trimmed[0] == '<' && trimmed[len(trimmed)-1] == '>' {
		trimmed = trimmed[1 : len(trimmed)-1]
		off++
		if trimmed == "" {
			return "", 0, syntaxErr(ReasonEmpty, -1,
				`the address is empty ("<>" is the null return path, not a mailbox)`)
		}
	}
	if i := strings.IndexByte(trimmed, '<'); i > 0 && trimmed[len(trimmed)-1] == '>' {
		return "", 0, syntaxErr(ReasonBadCharacter, off+i,
			"the address includes a display name; only the part inside the angle brackets is the address")
	}
	return trimmed, off, nil
}

// String returns the address in canonical ASCII-domain form,
// local@asciidomain, or local@[literal] for a domain literal: the form to
// put in an SMTP envelope. Parsing it again yields the same address.
func (a *Address) String() string {
	return a.Local + "@" + a.domainText(a.ASCIIDomain)
}

// Display returns the address with its domain in Unicode (U-label) form,
// for showing to a person.
func (a *Address) Display() string {
	return a.Local + "@" + a.domainText(a.UnicodeDomain)
}

func (a *Address) domainText(name string) string {
	if a.DomainLiteral.IsValid() {
		return literalText(a.DomainLiteral)
	}
	return name
}

// literalText is the canonical address-literal form of ip (RFC 5321
// §4.1.3).
func literalText(ip netip.Addr) string {
	if ip.Is4() {
		return "[" + ip.String() + "]"
	}
	return "[IPv6:" + ip.String() + "]"
}
