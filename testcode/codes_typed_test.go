package testcode

import (
	"context"
	"slices"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"
)

func TestNormalise(t *testing.T) {
	tests := []struct {
		in      string
		digits  string
		misses  []Miss
		garbled bool
	}{
		{"123456", "123456", nil, false},
		{" 123456", "123456", []Miss{MissSpaces}, false},
		{"123456\n", "123456", []Miss{MissSpaces}, false},
		{"\u200b123456\ufeff", "123456", []Miss{MissSpaces}, false},
		{"\u00a0123456", "123456", []Miss{MissSpaces}, false},
		{"G-123456", "123456", []Miss{MissPrefix}, false},
		{"g-123456", "123456", []Miss{MissPrefix}, false},
		{"G - 123456", "123456", []Miss{MissPrefix}, false},
		{"FB-123456", "123456", []Miss{MissPrefix}, false},
		{"Code: 123456", "123456", []Miss{MissPrefix}, false},
		{"code 123456", "123456", []Miss{MissPrefix}, false},
		{" G-123456 ", "123456", []Miss{MissSpaces, MissPrefix}, false},
		{"123 456", "123456", []Miss{MissSeparators}, false},
		{"123-456", "123456", []Miss{MissSeparators}, false},
		{"123–456", "123456", []Miss{MissSeparators}, false},
		{"12.34.56", "123456", []Miss{MissSeparators}, false},
		{"O23456", "023456", []Miss{MissLetters}, false},
		{"l234S6", "", nil, true},
		{"I23456", "123456", []Miss{MissLetters}, false},
		{"G123456", "", nil, true},            // a single letter needs its dash
		{"verification123456", "", nil, true}, // more than 8 letters is not a prefix
		{"１２３４５６", "123456", []Miss{MissWideDigits}, false},
		{"١٢٣٤٥٦", "123456", []Miss{MissWideDigits}, false},
		{"۱۲۳۴۵۶", "123456", []Miss{MissWideDigits}, false},
		{"१२३४५६", "123456", []Miss{MissWideDigits}, false},
		{"𝟏𝟐𝟑𝟒𝟓𝟔", "123456", []Miss{MissWideDigits}, false}, // mathematical bold, one of five runs in a row
		{"", "", nil, false},
		{"   ", "", []Miss{MissSpaces}, false},
		{"G-", "", nil, true},
		{"123456!", "", nil, true},
		{"12345\x00", "", nil, true},
		{"\xff123456", "", nil, true},
		{strings.Repeat("1", 65), "", nil, true},
	}
	for _, tc := range tests {
		got := normalise(tc.in)
		var misses []Miss
		for _, d := range got.misses {
			misses = append(misses, d.Miss)
		}
		if got.garbled != tc.garbled || (!tc.garbled && (got.digits != tc.digits || !slices.Equal(misses, tc.misses))) {
			t.Errorf("normalise(%q) = %q %v garbled=%v; want %q %v garbled=%v",
				tc.in, got.digits, misses, got.garbled, tc.digits, tc.misses, tc.garbled)
		}
	}
}

// oneSlip returns every string one slip away from code, by construction:
// each digit replaced, each adjacent distinct pair swapped, each digit left
// out, each digit doubled, each other digit inserted.
func oneSlip(code string) map[string]Miss {
	out := make(map[string]Miss)
	for k := range code {
		for d := byte('0'); d <= '9'; d++ {
			if d != code[k] {
				out[code[:k]+string(d)+code[k+1:]] = MissWrongDigit
			}
		}
		if k+1 < len(code) && code[k] != code[k+1] {
			out[code[:k]+code[k+1:k+2]+code[k:k+1]+code[k+2:]] = MissSwapped
		}
		out[code[:k]+code[k+1:]] = MissMissing
	}
	for k := 0; k <= len(code); k++ {
		for d := byte('0'); d <= '9'; d++ {
			s := code[:k] + string(d) + code[k:]
			doubled := (k > 0 && code[k-1] == d) || (k < len(code) && code[k] == d)
			if doubled {
				out[s] = MissDoubled
			} else if _, ok := out[s]; !ok {
				out[s] = MissExtra
			}
		}
	}
	return out
}

// TestNearMissExhaustive compares nearMiss with oneSlip over every 6-digit
// string and every one-slip 5- and 7-digit string, for codes with and
// without repeated digits: no unrelated entry may count as a near miss.
func TestNearMissExhaustive(t *testing.T) {
	for _, code := range []string{"338314", "123456", "111111", "909090", "287082"} {
		slips := oneSlip(code)
		near := 0
		buf := []byte("000000")
		for n := range 1000000 {
			for k, v := 5, n; k >= 0; k, v = k-1, v/10 {
				buf[k] = byte('0' + v%10)
			}
			typed := string(buf)
			d, ok := nearMiss(typed, code)
			want, isSlip := slips[typed]
			if ok != isSlip || (ok && d.Miss != want) {
				t.Fatalf("nearMiss(%q, %q) = %v %v; oracle says %v %v", typed, code, d, ok, want, isSlip)
			}
			if ok {
				near++
			}
		}
		for typed, want := range slips {
			if len(typed) == len(code) {
				continue
			}
			d, ok := nearMiss(typed, code)
			if !ok || d.Miss != want {
				t.Errorf("nearMiss(%q, %q) = %v %v, want %v", typed, code, d, ok, want)
			}
		}
		for _, typed := range []string{code[:4], code + "00", "1234567", "12345"} {
			if _, isSlip := slips[typed]; !isSlip {
				if d, ok := nearMiss(typed, code); ok {
					t.Errorf("nearMiss(%q, %q) = %v for an unrelated entry", typed, code, d)
				}
			}
		}
		// 54 wrong digits plus one swap per adjacent distinct pair.
		swaps := 0
		for k := 0; k+1 < len(code); k++ {
			if code[k] != code[k+1] {
				swaps++
			}
		}
		if near != 54+swaps {
			t.Errorf("code %s: %d of 1,000,000 six-digit entries are near misses, want %d", code, near, 54+swaps)
		}
	}
}

func FuzzCheckCode(f *testing.F) {
	for _, s := range []string{
		"338314", "338315", "383314", "38314", "3388314", "G-338314", " 338 314 ",
		"３３８３１４", "𝟑𝟑𝟖𝟑𝟏𝟒", "287082", "", "G-", "code:", "l1I|oO0", "\xff", "9", "-.-",
	} {
		f.Add(s)
	}
	clock := newStepClock()
	mem := &MemoryCodeStore{}
	iss := &Issuer{Store: mem, Now: clock.Now, MaxAttempts: 1 << 30}
	codes := rfcSession(f, iss, clock, "s", "ann@example.com", 4)
	f.Fuzz(func(t *testing.T, typed string) {
		v, err := iss.Check(context.Background(), "s", "ann@example.com", typed)
		if err != nil {
			t.Fatal(err)
		}
		checkAttemptText(t, typed)
		as := mem.Attempts("s", "ann@example.com")
		if last := as[len(as)-1]; last.Typed != attemptText(typed) || last.Kind != v.Kind || last.Ordinal != v.Ordinal {
			t.Fatalf("Check(%q) = %s %d recorded %+v", typed, v.Kind, v.Ordinal, last)
		}
		if v.Detail == "" {
			t.Fatalf("Check(%q): no detail", typed)
		}
		for _, c := range codes {
			if strings.Contains(v.Detail, c.Value) {
				t.Fatalf("Check(%q): detail %q reveals a code", typed, v.Detail)
			}
		}
		in := normalise(typed)
		newest := codes[3].Value
		switch v.Kind {
		case KindOK:
			if typed != newest {
				t.Fatalf("Check(%q) = ok", typed)
			}
		case KindEarlier:
			if v.Ordinal < 1 || v.Ordinal > 3 || in.digits != codes[v.Ordinal-1].Value {
				t.Fatalf("Check(%q) = earlier %d, normalised %q", typed, v.Ordinal, in.digits)
			}
		case KindNearMiss:
			if _, slip := oneSlip(newest)[in.digits]; in.digits != newest && !slip {
				t.Fatalf("Check(%q) = near miss, but %q is not one slip from the code", typed, in.digits)
			}
		case KindUnknown:
			if typed == newest {
				t.Fatalf("Check(%q) = unknown", typed)
			}
		default:
			t.Fatalf("Check(%q) = %s", typed, v.Kind)
		}
	})
}

func TestAttemptText(t *testing.T) {
	long := strings.Repeat("7", 100)
	for _, tc := range []struct{ typed, want string }{
		{"338314", "338314"},
		{" \t338 314\u200b\n", "338 314"},
		{"G-338314", "G-338314"},
		{"", ""},
		{"\x00", "\uFFFD"},
		{"12\x1b[31m", "12\uFFFD[31m"},
		{"\xff\xfe1", "\uFFFD1"}, // a run of invalid bytes is one U+FFFD
		{"\u0085x", "x"},         // NEL is white space
		{"\u009bx", "\uFFFDx"},
		{long, long[:64]},
		{strings.Repeat(" ", 500) + "338314", "338314"},
		{strings.Repeat("é", 40), strings.Repeat("é", 32)},
		{strings.Repeat("a", 63) + "é", strings.Repeat("a", 63)},
		{strings.Repeat("a", 62) + "\x00", strings.Repeat("a", 62)},
		{strings.Repeat("a", 60) + "     b", strings.Repeat("a", 60)},
	} {
		if got := attemptText(tc.typed); got != tc.want {
			t.Errorf("attemptText(%q) = %q, want %q", tc.typed, got, tc.want)
		}
	}
}

// checkAttemptText holds attemptText to its contract for any input.
func checkAttemptText(t *testing.T, typed string) {
	got := attemptText(typed)
	if len(got) > maxTyped || !utf8.ValidString(got) || strings.TrimFunc(got, isBlank) != got ||
		strings.IndexFunc(got, unicode.IsControl) >= 0 {
		t.Fatalf("attemptText(%q) = %q: want at most %d bytes of trimmed UTF-8 without control characters", typed, got, maxTyped)
	}
	if t2 := strings.TrimFunc(typed, isBlank); len(t2) <= maxTyped && utf8.ValidString(t2) &&
		strings.IndexFunc(t2, unicode.IsControl) < 0 && got != t2 {
		t.Fatalf("attemptText(%q) = %q, want it unchanged but for trimming", typed, got)
	}
}
