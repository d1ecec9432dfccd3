package wizard

import (
	"regexp"
	"strings"
	"testing"
)

// canonicalRef is a reference code as the site shows it: CP- and two
// groups of four of Crockford's base 32 (no I, L, O or U).
var canonicalRef = regexp.MustCompile(`^CP-[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{4}$`)

// FuzzNormalizeRef: whatever an agent types into the look-up, NormalizeRef
// gives "" or a canonical reference; the canonical form is its own
// normal form, and reads the same typed in lower case or spaced out.
// The seed corpus is in testdata/fuzz/FuzzNormalizeRef.
func FuzzNormalizeRef(f *testing.F) {
	for _, s := range []string{"CP-7K3M-9QX2", "cp 7k3m 9qx2", "7K3M-9QX2", "CP-7K3M-9QX", "CP-7K3M-9QX2-", "CP-OIL0-0000",
		"", "CP", "CP-", "CPCP-1234-5678", "U0000000", "\t7k3m\t9qx2\t", "ß", "ǅ"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		out := NormalizeRef(in)
		if out == "" {
			return
		}
		if !canonicalRef.MatchString(out) {
			t.Fatalf("NormalizeRef(%q) = %q, not a canonical reference", in, out)
		}
		if again := NormalizeRef(out); again != out {
			t.Fatalf("NormalizeRef(%q) = %q, but NormalizeRef(%q) = %q", in, out, out, again)
		}
		spoken := strings.ToLower(strings.ReplaceAll(out, "-", " "))
		if got := NormalizeRef(spoken); got != out {
			t.Fatalf("NormalizeRef(%q) = %q, want %q", spoken, got, out)
		}
	})
}

// TestNormalizeRef pins the forms people type.
func TestNormalizeRef(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"CP-7K3M-9QX2", "CP-7K3M-9QX2"},
		{"CPAB-1234", "CP-CPAB-1234"}, // a reference whose own characters begin with CP
		{"CP-CPAB-1234", "CP-CPAB-1234"},
		{"cp 7k3m 9qx2", "CP-7K3M-9QX2"},
		{"7K3M-9QX2", "CP-7K3M-9QX2"},
		{"cp-7k3m-9qxz", "CP-7K3M-9QXZ"},
		{"CP-OIL0-0000", "CP-0110-0000"}, // O for 0, I and L for 1
		{"CP-7K3M-9QX", ""},
		{"CP-7K3M-9QX22", ""},
		{"CP-7K3U-9QX2", ""}, // U is not in the alphabet
		{"CP-7K3M/9QX2", ""},
		{"", ""},
	} {
		if got := NormalizeRef(tc.in); got != tc.want {
			t.Errorf("NormalizeRef(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}
