package authapp

import (
	"errors"
	"testing"
	"unicode"
)

// TestNormalizeCode checks the ways people type a code are read, and the
// mistakes are named.
func TestNormalizeCode(t *testing.T) {
	tests := []struct {
		typed, want string
		err         error
	}{
		{"123456", "123456", nil},
		{"123 456", "123456", nil},
		{"  123456\n", "123456", nil},
		{"123-456", "123456", nil},
		{"123–456", "123456", nil},      // en dash
		{"123\u2212456", "123456", nil}, // minus sign
		{"１２３４５６", "123456", nil},       // full-width
		{"１２３　４５６", "123456", nil},      // ideographic space
		{"١٢٣٤٥٦", "123456", nil},       // Arabic-Indic
		{"۱۲۳۴۵۶", "123456", nil},       // Persian
		{"१२३४५६", "123456", nil},       // Devanagari
		{"", "", ErrCodeEmpty},
		{"- -", "", ErrCodeEmpty},
		{"12345", "", ErrCodeTooShort},
		{"1234567", "", ErrCodeTooLong},
		{"123.456", "", ErrCodeNotDigits},
		{"12345a", "", ErrCodeNotDigits},
		{"O12345", "", ErrCodeNotDigits},
		{"½23456", "", ErrCodeNotDigits}, // a number, not a digit
	}
	for _, tt := range tests {
		got, err := NormalizeCode(tt.typed)
		if got != tt.want || !errors.Is(err, tt.err) || (err == nil) != (tt.err == nil) {
			t.Errorf("NormalizeCode(%q) = %q, %v; want %q, %v", tt.typed, got, err, tt.want, tt.err)
		}
	}
}

// TestDigitRuns checks what digitValue relies on: every run of decimal
// digits in Unicode is made of whole sets of ten, each starting at zero.
func TestDigitRuns(t *testing.T) {
	runs := 0
	for r := rune(0); r <= unicode.MaxRune; r++ {
		if !unicode.Is(unicode.Nd, r) || unicode.Is(unicode.Nd, r-1) {
			continue
		}
		end := r
		for unicode.Is(unicode.Nd, end+1) {
			end++
		}
		if n := end - r + 1; n%10 != 0 {
			t.Errorf("digit run U+%04X..U+%04X has %d digits; want a multiple of ten", r, end, n)
		}
		if v, _ := digitValue(r + 7); v != 7 {
			t.Errorf("digitValue(U+%04X) = %d; want 7", r+7, v)
		}
		runs++
		r = end
	}
	if runs < 50 {
		t.Errorf("found %d digit runs; want the 60-odd scripts Unicode has", runs)
	}
}
