package auth

import (
	"errors"
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Limits of the password policy for new passwords (NIST SP 800-63B
// §5.1.1.2: a length floor, a generous ceiling, and refusing the
// passwords an attacker tries first).
const (
	MinPasswordChars = 12
	MaxPasswordBytes = 1024
)

var (
	// ErrWeakPassword is wrapped by every refusal of [CheckPassword]; the
	// rest of the message says in plain words what to change.
	ErrWeakPassword = errors.New("password not accepted")
	// ErrInvalidName: a user name is not 1 to 64 of a–z, 0–9, '.', '_',
	// '-' and '@'.
	ErrInvalidName = errors.New("auth: invalid user name")
)

// CheckPassword reports whether password may be set for the account
// name ("" when there is none yet to compare). The error never contains
// the password.
func CheckPassword(name, password string) error {
	n := utf8.RuneCountInString(password)
	switch {
	case len(password) > MaxPasswordBytes:
		return fmt.Errorf("%w: it is too long; use at most %d bytes", ErrWeakPassword, MaxPasswordBytes)
	case !utf8.ValidString(password):
		return fmt.Errorf("%w: it is not valid text (UTF-8)", ErrWeakPassword)
	case strings.ContainsFunc(password, unicode.IsControl):
		return fmt.Errorf("%w: it contains control characters such as tab or newline", ErrWeakPassword)
	case n < MinPasswordChars:
		return fmt.Errorf("%w: it is too short; use at least %d characters", ErrWeakPassword, MinPasswordChars)
	case shortPeriod(password, 4):
		return fmt.Errorf("%w: it repeats one character or a short pattern; use something less predictable", ErrWeakPassword)
	case isSequence(password):
		return fmt.Errorf("%w: it is a run of consecutive characters such as 1234… or abcd…", ErrWeakPassword)
	case len(name) >= 3 && strings.Contains(strings.ToLower(password), strings.ToLower(name)):
		return fmt.Errorf("%w: it contains the user name", ErrWeakPassword)
	}
	return nil
}

// shortPeriod reports whether s is one unit of at most max characters
// repeated: "aaaa…", "abab…", "abcabc…".
func shortPeriod(s string, max int) bool {
	r := []rune(s)
	for p := 1; p <= max && p < len(r); p++ {
		same := true
		for i := p; i < len(r); i++ {
			if r[i] != r[i-p] {
				same = false
				break
			}
		}
		if same {
			return true
		}
	}
	return false
}

// isSequence reports whether every character of s is one more, or every
// one is one less, than the one before it ("123456789012" is not: 9 → 0
// breaks the run).
func isSequence(s string) bool {
	r := []rune(s)
	if len(r) < 2 {
		return false
	}
	step := r[1] - r[0]
	if step != 1 && step != -1 {
		return false
	}
	for i := 2; i < len(r); i++ {
		if r[i]-r[i-1] != step {
			return false
		}
	}
	return true
}

// normalizeName lower-cases a user name and checks the store's rule for
// it.
func normalizeName(name string) (string, error) {
	name = strings.ToLower(name)
	if name == "" || len(name) > 64 {
		return "", fmt.Errorf("%w: use 1 to 64 characters", ErrInvalidName)
	}
	for i := 0; i < len(name); i++ {
		c := name[i]
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '.' || c == '_' || c == '-' || c == '@') {
			return "", fmt.Errorf("%w: use only letters a–z, digits and . _ - @", ErrInvalidName)
		}
	}
	return name, nil
}
