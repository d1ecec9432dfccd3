package testcode

import (
	"crypto/rand"
	"fmt"
	"strings"
)

// TokenLen is the length of a send token: 20 characters of the RFC 4648 §6
// base32 alphabet, lower case and unpadded, 100 random bits.
const TokenLen = 20

// tokenAlphabet is the RFC 4648 §6 base32 alphabet in lower case.
const tokenAlphabet = "abcdefghijklmnopqrstuvwxyz234567"

// bouncePrefix starts the local part of a test send's envelope sender,
// bounce+TOKEN@SINKDOMAIN; the + is a subaddress separator (RFC 5233).
const bouncePrefix = "bounce+"

// NewToken returns a fresh send token from crypto/rand. The token names one
// test send everywhere: the envelope sender, the X-Codeprobe-Token header and
// the Message-ID.
func NewToken() (string, error) {
	var b [TokenLen]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", fmt.Errorf("testcode: reading random bytes: %w", err)
	}
	// 256 is a multiple of 32, so each symbol is uniform.
	for i := range b {
		b[i] = tokenAlphabet[b[i]&31]
	}
	return string(b[:]), nil
}

// ValidToken reports whether s is a send token: exactly TokenLen characters,
// each a lower-case letter or a digit 2–7.
func ValidToken(s string) bool {
	if len(s) != TokenLen {
		return false
	}
	for i := 0; i < len(s); i++ {
		if !isTokenByte(s[i]) {
			return false
		}
	}
	return true
}

func isTokenByte(c byte) bool {
	return ('a' <= c && c <= 'z') || ('2' <= c && c <= '7')
}

// BounceAddress returns the envelope sender (RFC 5321 §4.1.2 reverse-path)
// of the test send with token: bounce+TOKEN@sinkDomain. Bounces, auto-replies
// and challenges come back to it, and [TokenFromAddress] reads the token out.
func BounceAddress(token, sinkDomain string) string {
	return bouncePrefix + token + "@" + strings.TrimSuffix(strings.ToLower(sinkDomain), ".")
}

// TokenFromAddress finds the send token in an address that a returned message
// was sent to: bounce+TOKEN@sink, in any letter case (some forwarders
// upper-case the local part), between angle brackets or after a display
// name, and when a forwarder or a bounce-protection scheme wrapped it:
//
//   - BATV (draft-levine-smtp-batv-01 §4.1): prvs=1234abcd=bounce+TOKEN@sink
//     and the reversed form bounce+TOKEN=prvs=1234abcd@sink;
//   - SRS (Sender Rewriting Scheme, used by forwarders to pass SPF):
//     SRS0=HHH=TT=sink=bounce+TOKEN@forwarder and
//     SRS1=HHH=fwd1==HHH=TT=sink=bounce+TOKEN@forwarder2.
//
// All these forms keep the original local part as one '='-delimited field of
// the new local part, so the token is found as a field that starts with
// "bounce+" followed by exactly TokenLen token characters. The domain is not
// checked: a wrapped address carries the forwarder's.
func TokenFromAddress(addr string) (string, bool) {
	local, ok := tokenLocalPart(addr)
	if !ok {
		return "", false
	}
	local = strings.ToLower(local)
	for field := range strings.SplitSeq(local, "=") {
		rest, ok := strings.CutPrefix(field, bouncePrefix)
		if ok && ValidToken(rest) {
			return rest, true
		}
	}
	return "", false
}

// tokenLocalPart returns the local part of addr, accepting `Name <addr>`,
// `<addr>` and a quoted local part without quoted specials. It refuses
// anything with control characters or without an @.
func tokenLocalPart(addr string) (string, bool) {
	if len(addr) > 1024 {
		return "", false
	}
	for i := 0; i < len(addr); i++ {
		if addr[i] < 0x20 && addr[i] != '\t' || addr[i] == 0x7f {
			return "", false
		}
	}
	s := strings.TrimSpace(addr)
	if open := strings.LastIndexByte(s, '<'); open >= 0 {
		inner, _, ok := strings.Cut(s[open+1:], ">")
		if !ok {
			return "", false
		}
		s = strings.TrimSpace(inner)
	}
	at := strings.LastIndexByte(s, '@')
	if at <= 0 || at == len(s)-1 {
		return "", false
	}
	local := s[:at]
	if len(local) >= 2 && local[0] == '"' && local[len(local)-1] == '"' {
		local = local[1 : len(local)-1]
	}
	return local, true
}
