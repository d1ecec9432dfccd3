package testcode

import (
	"strings"
	"unicode/utf8"
)

// maxQueueIDText bounds the text kept as a queue ID when no known form
// matches.
const maxQueueIDText = 200

// ParseQueueID finds the server's identifier of an accepted message in the
// text of its reply after DATA (the reply's text without code or enhanced
// status code, as [smtpprobe.Reply.Text] gives it). It knows the common
// forms:
//
//	Postfix, SendGrid:   "Ok: queued as 3F1A2B4C5D"
//	Exim, GMX:           "OK id=1abcDE-000123-AB"
//	Microsoft 365:       "<…@…> [InternalId=12345678, Hostname=…] Queued mail for delivery"
//	Gmail:               "OK  1700000000 a1si12345wrb.12 - gsmtp"
//	Sendmail, Proofpoint: "x8QLmYAb012345 Message accepted for delivery"
//	Cisco Secure Email:  "ok:  Message 123456 accepted"
//	Haraka:              "Message Queued (F9C8A4E3-1B2C-4D5E-8F90-123456789ABC.1)"
//	qmail:               "ok 1700000000 qp 12345"
//	Amazon SES:          "Ok 0100018c6d8a9b9b-…-000000"
//
// When none matches, the text itself is returned (trimmed, at most 200
// octets), so the reply can still be quoted to the receiving side's
// postmaster; "" only for an empty text.
func ParseQueueID(text string) string {
	text = strings.TrimSpace(text)
	for _, find := range queueIDForms {
		if id, ok := find(text); ok && plausibleQueueID(id) {
			return id
		}
	}
	return clipText(text, maxQueueIDText)
}

// queueIDForms are tried in order; the more specific forms come first.
var queueIDForms = []func(string) (string, bool){
	// Microsoft: "[InternalId=123, Hostname=…]"; before "id=", which it contains.
	func(t string) (string, bool) { return tokenAfter(t, "InternalId=", ",] ") },
	func(t string) (string, bool) { return tokenAfterFold(t, "queued as ") },
	// Exim and GMX: "id=" starting a word.
	func(t string) (string, bool) {
		i := wordIndexFold(t, "id=")
		if i < 0 {
			return "", false
		}
		return firstToken(t[i+len("id="):], " ,;)]")
	},
	// Gmail: the token before " - gsmtp".
	func(t string) (string, bool) {
		before, ok := strings.CutSuffix(t, " - gsmtp")
		if !ok {
			return "", false
		}
		f := strings.Fields(before)
		if len(f) == 0 {
			return "", false
		}
		return f[len(f)-1], true
	},
	// Sendmail: the token before "Message accepted for delivery".
	func(t string) (string, bool) {
		i := indexFold(t, " message accepted for delivery")
		if i < 0 {
			return "", false
		}
		f := strings.Fields(t[:i])
		if len(f) == 0 {
			return "", false
		}
		return f[len(f)-1], true
	},
	// Cisco: "Message 123456 accepted".
	func(t string) (string, bool) {
		f := strings.Fields(t)
		for i := 0; i+2 < len(f); i++ {
			if strings.EqualFold(f[i], "message") && strings.EqualFold(f[i+2], "accepted") {
				return f[i+1], true
			}
		}
		return "", false
	},
	// Haraka: "Message Queued (ID)".
	func(t string) (string, bool) {
		i := indexFold(t, "queued (")
		if i < 0 {
			return "", false
		}
		return firstToken(t[i+len("queued ("):], ")")
	},
	// qmail: "qp 12345".
	func(t string) (string, bool) { return tokenAfterFold(t, " qp ") },
	// Amazon SES and others: "Ok ID".
	func(t string) (string, bool) {
		f := strings.Fields(t)
		if len(f) == 2 && strings.EqualFold(strings.TrimRight(f[0], ":"), "ok") && hasDigit(f[1]) && len(f[1]) >= 8 {
			return f[1], true
		}
		return "", false
	},
}

// tokenAfter returns the run of text after the first marker, up to one
// of stop.
func tokenAfter(t, marker, stop string) (string, bool) {
	i := strings.Index(t, marker)
	if i < 0 {
		return "", false
	}
	return firstToken(t[i+len(marker):], stop)
}

// tokenAfterFold is tokenAfter with marker matched in any case, ending at
// a space.
func tokenAfterFold(t, marker string) (string, bool) {
	i := indexFold(t, marker)
	if i < 0 {
		return "", false
	}
	id, ok := firstToken(t[i+len(marker):], " ,;")
	return strings.TrimRight(id, ".)"), ok
}

// firstToken returns s up to the first octet of stop, if not empty.
func firstToken(s, stop string) (string, bool) {
	if i := strings.IndexAny(s, stop); i >= 0 {
		s = s[:i]
	}
	return s, s != ""
}

// indexFold is strings.Index ignoring ASCII case. It works on octets, so
// its index is valid in s whatever s holds (strings.ToLower would change
// the length of invalid UTF-8).
func indexFold(s, sub string) int {
	for i := 0; i+len(sub) <= len(s); i++ {
		if asciiEqualFold(s[i:i+len(sub)], sub) {
			return i
		}
	}
	return -1
}

func asciiEqualFold(a, b string) bool {
	for i := 0; i < len(a); i++ {
		x, y := a[i], b[i]
		if 'A' <= x && x <= 'Z' {
			x += 'a' - 'A'
		}
		if 'A' <= y && y <= 'Z' {
			y += 'a' - 'A'
		}
		if x != y {
			return false
		}
	}
	return true
}

// wordIndexFold is indexFold for sub at the start of s or after a space,
// "(" or "[".
func wordIndexFold(s, sub string) int {
	for off := 0; off < len(s); {
		i := indexFold(s[off:], sub)
		if i < 0 {
			return -1
		}
		i += off
		if i == 0 || strings.IndexByte(" ([", s[i-1]) >= 0 {
			return i
		}
		off = i + 1
	}
	return -1
}

// plausibleQueueID accepts 1 to 128 printable ASCII octets without
// spaces, angle brackets or quotes, with at least one digit or upper-case
// letter: Postfix, Exim and Sendmail IDs all have them, and words like
// "queued" or "accepted" do not.
func plausibleQueueID(id string) bool {
	if id == "" || len(id) > 128 {
		return false
	}
	upperOrDigit := false
	for i := 0; i < len(id); i++ {
		c := id[i]
		if c <= ' ' || c >= 0x7f || c == '<' || c == '>' || c == '"' || c == '\'' {
			return false
		}
		if c >= '0' && c <= '9' || c >= 'A' && c <= 'Z' {
			upperOrDigit = true
		}
	}
	return upperOrDigit
}

func hasDigit(s string) bool {
	return strings.ContainsAny(s, "0123456789")
}

// clipText shortens s to at most n octets at a rune boundary.
func clipText(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n]
}
