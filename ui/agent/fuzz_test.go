package agent

import (
	"regexp"
	"strings"
	"testing"
)

// e164 is what digitsPhone gives when it gives anything: + and 7 to 15
// digits (ITU-T E.164 allows at most 15).
var e164 = regexp.MustCompile(`^\+[0-9]{7,15}$`)

// FuzzDigitsPhone: whatever an agent types into the look-up, digitsPhone
// gives "" or an E.164-shaped number made of exactly the digits typed, in
// order (less the 0 of a bracketed trunk prefix "(0)"), and is its own
// normal form.
func FuzzDigitsPhone(f *testing.F) {
	for _, s := range []string{"+44 7700 900123", "+1 (415) 555-0100", "+33.1.23.45.67.89", "07700 900123", "+44+7700",
		"+", "", "+1234567", "+1234567890123456", "+٤٤٧٧٠٠٩٠٠١٢٣", "+44 7700 900123 ext 4", "ann@gmail.com", "CP-7K3M-9QX2", "+44 (0)7700 900123"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		out := digitsPhone(in)
		if out == "" {
			return
		}
		if !e164.MatchString(out) {
			t.Fatalf("digitsPhone(%q) = %q, not + and 7 to 15 digits", in, out)
		}
		if again := digitsPhone(out); again != out {
			t.Fatalf("digitsPhone(%q) = %q, but digitsPhone(%q) = %q", in, out, out, again)
		}
		digits := strings.Map(func(r rune) rune {
			if r >= '0' && r <= '9' {
				return r
			}
			return -1
		}, strings.Replace(in, "(0)", "", 1))
		if "+"+digits != out {
			t.Fatalf("digitsPhone(%q) = %q, but the digits typed are %q", in, out, digits)
		}
	})
}

// TestDigitsPhone pins the forms agents paste.
func TestDigitsPhone(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"+44 7700 900123", "+447700900123"},
		{"+44 (0)7700 900123", "+447700900123"}, // the bracketed trunk prefix is not dialled
		{"+1 (415) 555-0100", "+14155550100"},
		{"+33.1.23.45.67.89", "+33123456789"},
		{"07700 900123", ""},   // no country code
		{"+44+7700900123", ""}, // a second +
		{"+123456", ""},        // too short
		{"+1234567890123456", ""},
		{"+44 7700 900123 x4", ""},
	} {
		if got := digitsPhone(tc.in); got != tc.want {
			t.Errorf("digitsPhone(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}
