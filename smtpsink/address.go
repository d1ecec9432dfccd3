package smtpsink

import (
	"strings"

	"github.com/emersion/go-smtp"

	"github.com/codeprobe/codeprobe/store"
)

// bouncePrefix starts the local part of a test send's envelope sender,
// bounce+TOKEN: the + is a subaddress separator (RFC 5233).
const bouncePrefix = "bounce+"

// maxPath is RFC 5321 §4.5.3.1.3: a path is at most 256 octets including
// the angle brackets.
const maxPath = 256 - 2

// Replies to RCPT. The relay refusal is the same whatever the trick, so a
// prober learns nothing from the difference.
var (
	// RFC 5321 §3.6.2 and §7.1: the sink is no relay. 550 5.7.1 (RFC 3463
	// "delivery not authorized") for every domain but its own.
	errRelay = &smtp.SMTPError{Code: 550, EnhancedCode: smtp.EnhancedCode{5, 7, 1},
		Message: "Relaying denied: this server accepts mail only for its own domains"}
	errNoMailbox = &smtp.SMTPError{Code: 550, EnhancedCode: smtp.EnhancedCode{5, 1, 1},
		Message: "No such mailbox here"}
	errRcptSyntax = &smtp.SMTPError{Code: 501, EnhancedCode: smtp.EnhancedCode{5, 1, 3},
		Message: "Bad recipient address syntax"}
)

// recipient is an accepted envelope recipient.
type recipient struct {
	addr  string // as the client gave it
	token string // the send token in its local part, or ""
}

// checkRecipient decides on one RCPT TO address, as go-smtp parsed it
// (source routes dropped, quotes around the local part removed). It
// returns the recipient or the reply refusing it.
func checkRecipient(addr string, domains map[string]bool) (recipient, *smtp.SMTPError) {
	at := strings.LastIndexByte(addr, '@')
	if at < 0 {
		return recipient{}, errRcptSyntax
	}
	local, domain := addr[:at], addr[at+1:]
	// Domains compare without regard to case (RFC 5321 §2.4); anything
	// else, a trailing dot or an address literal included, is not ours.
	if !domains[strings.ToLower(domain)] {
		return recipient{}, errRelay
	}
	// An address at our domain that names another one is a relay attempt
	// all the same: the percent hack (RFC 1123 §5.2.16 "x%y@relay"), a
	// UUCP bang path and a quoted local part holding an @ (RFC 5321 §2.3.11
	// lets only the destination host interpret a local part; we interpret
	// none of these).
	if strings.ContainsAny(local, "@%!") {
		return recipient{}, errRelay
	}
	if len(addr) > maxPath || !printableASCII(local) {
		return recipient{}, errRcptSyntax
	}
	lower := strings.ToLower(local)
	// RFC 5321 §4.5.1 requires postmaster at every domain a server accepts
	// mail for; RFC 2142 §2 adds abuse.
	if lower == "postmaster" || lower == "abuse" {
		return recipient{addr: addr}, nil
	}
	if token, ok := tokenFromLocalPart(lower); ok {
		return recipient{addr: addr, token: token}, nil
	}
	return recipient{}, errNoMailbox
}

// tokenFromLocalPart finds the send token in a lower-cased local part:
// bounce+TOKEN itself, or one '='-separated field of it when a BATV
// signature (draft-levine-smtp-batv-01 §4.1: prvs=TAG=bounce+TOKEN) or an
// SRS rewrite (SRS0=HASH=TT=domain=bounce+TOKEN) wrapped it.
func tokenFromLocalPart(local string) (string, bool) {
	for field := range strings.SplitSeq(local, "=") {
		if rest, ok := strings.CutPrefix(field, bouncePrefix); ok && store.ValidToken(rest) {
			return rest, true
		}
	}
	return "", false
}

// printableASCII reports whether s is non-empty and only visible US-ASCII,
// which every accepted local part is (tokens are base32).
func printableASCII(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] <= ' ' || s[i] >= 0x7f {
			return false
		}
	}
	return true
}
