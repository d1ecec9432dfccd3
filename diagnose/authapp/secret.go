package authapp

import (
	"encoding/base32"
	"errors"
	"strings"
)

// Secret sizes, in bytes of key. RFC 4226 §4 (R6) requires at least 128
// bits and recommends 160, which is what [NewEnrolment] generates.
const (
	secretSize    = 20
	minSecretSize = 16
	maxSecretSize = 64
)

// Errors about a stored secret. Their text never includes the secret.
var (
	// ErrSecretInvalid means the secret is not base32 (RFC 4648 §6).
	ErrSecretInvalid = errors.New("authapp: secret is not valid base32")
	// ErrSecretTooShort means the secret holds fewer than 128 bits
	// (RFC 4226 §4, R6).
	ErrSecretTooShort = errors.New("authapp: secret is shorter than 128 bits")
	// ErrSecretTooLong means the secret is longer than any app accepts.
	ErrSecretTooLong = errors.New("authapp: secret is longer than 512 bits")
)

// b32 is base32 as the Key Uri Format writes it: upper case, no padding.
var b32 = base32.StdEncoding.WithPadding(base32.NoPadding)

// canonicalSecret returns the secret in the form apps and the otpauth URL
// use, and its key bytes. It accepts the manual key as shown to users:
// lower case, spaces, dashes, and trailing padding.
func canonicalSecret(secret string) (string, []byte, error) {
	// Bound the work before looking at every character: the longest
	// accepted secret, written with a separator after every character.
	if len(secret) > 4*b32.EncodedLen(maxSecretSize) {
		return "", nil, ErrSecretTooLong
	}
	var b strings.Builder
	b.Grow(len(secret))
	for _, r := range secret {
		switch {
		case r == ' ' || r == '-' || r == '\t':
		case r >= 'a' && r <= 'z':
			b.WriteRune(r - 'a' + 'A')
		case r >= 'A' && r <= 'Z', r >= '2' && r <= '7':
			b.WriteRune(r)
		case r == '=':
			// Padding is dropped; it carries nothing.
		default:
			return "", nil, ErrSecretInvalid
		}
	}
	s := b.String()
	// Unpadded base32 never leaves 1, 3 or 6 characters in its last
	// group (RFC 4648 §6); the decoder would quietly drop them.
	if n := len(s) % 8; n == 1 || n == 3 || n == 6 {
		return "", nil, ErrSecretInvalid
	}
	key, err := b32.DecodeString(s)
	if err != nil {
		// The decoder's error names the offending position only, but
		// it is dropped anyway so that nothing of the secret escapes.
		return "", nil, ErrSecretInvalid
	}
	switch {
	case len(key) < minSecretSize:
		return "", nil, ErrSecretTooShort
	case len(key) > maxSecretSize:
		return "", nil, ErrSecretTooLong
	}
	// Re-encode so that non-canonical trailing bits are dropped and the
	// stored form always equals what the app shows.
	return b32.EncodeToString(key), key, nil
}

// groupsOfFour writes s in groups of four characters separated by spaces,
// the way apps show a key for typing in by hand.
func groupsOfFour(s string) string {
	var b strings.Builder
	b.Grow(len(s) + len(s)/4)
	for i := 0; i < len(s); i += 4 {
		if i > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(s[i:min(i+4, len(s))])
	}
	return b.String()
}
