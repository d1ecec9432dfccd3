package authapp

import (
	"errors"
	"unicode"
)

// digits is how many digits a code has (RFC 4226 §5.3, the Key Uri
// Format's default and the only length every app supports).
const digits = 6

// maxTyped bounds how much typed input is looked at: a code with a
// separator between every digit, written in four-byte characters.
const maxTyped = 64

// Errors from [NormalizeCode], each with a message for the user in
// [Diagnose]'s [Result].
var (
	// ErrCodeEmpty means nothing but spaces was typed.
	ErrCodeEmpty = errors.New("authapp: no code typed")
	// ErrCodeNotDigits means the input holds something other than
	// digits, spaces and dashes.
	ErrCodeNotDigits = errors.New("authapp: code holds something other than digits")
	// ErrCodeTooShort means fewer than 6 digits.
	ErrCodeTooShort = errors.New("authapp: code has fewer than 6 digits")
	// ErrCodeTooLong means more than 6 digits.
	ErrCodeTooLong = errors.New("authapp: code has more than 6 digits")
)

// NormalizeCode returns the 6 ASCII digits of a typed code. It drops
// spaces and dashes of every kind (apps show "123 456", people type
// "123-456") and reads digits from any script, so full-width digits from
// a Japanese or Chinese keyboard and Arabic-Indic digits work.
func NormalizeCode(typed string) (string, error) {
	var out [digits]byte
	n, other := 0, false
	for i, r := range typed {
		if i >= maxTyped {
			return "", ErrCodeTooLong
		}
		if isSeparator(r) {
			continue
		}
		d, ok := digitValue(r)
		if !ok {
			other = true
			continue
		}
		if n < digits {
			out[n] = '0' + d
		}
		n++
	}
	switch {
	case other:
		return "", ErrCodeNotDigits
	case n == 0:
		return "", ErrCodeEmpty
	case n < digits:
		return "", ErrCodeTooShort
	case n > digits:
		return "", ErrCodeTooLong
	}
	return string(out[:]), nil
}

// isSeparator reports whether r is a space or a dash, which people type
// between the two halves of a code.
func isSeparator(r rune) bool {
	switch r {
	case '-', '\u2010', '\u2011', '\u2012', '\u2013', '\u2014', '\u2212', '\uFE63', '\uFF0D':
		return true
	}
	return unicode.IsSpace(r) || unicode.Is(unicode.Zs, r)
}

// digitValue returns the value of a decimal digit in any script. Unicode
// encodes each script's digits 0 to 9 as a contiguous run of the Nd
// category, and where runs sit back to back (the mathematical digits)
// each is a whole set of ten, so the value is the distance from the
// start of the run, mod 10.
func digitValue(r rune) (byte, bool) {
	if r >= '0' && r <= '9' {
		return byte(r - '0'), true
	}
	if !unicode.Is(unicode.Nd, r) {
		return 0, false
	}
	start := r
	for start > 0 && unicode.Is(unicode.Nd, start-1) {
		start--
	}
	return byte((r - start) % 10), true
}
