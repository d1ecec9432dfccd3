package spf

import (
	"errors"
	"net/netip"
	"testing"
	"time"
)

// FuzzParse checks that Parse never panics, that its errors are
// *SyntaxError, and that a parsed record's String() parses back to an equal
// record with the same String().
func FuzzParse(f *testing.F) {
	f.Add("v=spf1 a mx -all")
	f.Fuzz(func(t *testing.T, s string) {
		r, err := Parse(s)
		if err != nil {
			var se *SyntaxError
			if !errors.As(err, &se) || !errors.Is(err, ErrSyntax) {
				t.Fatalf("Parse(%q): error %v is not a *SyntaxError", s, err)
			}
			return
		}
		out := r.String()
		r2, err := Parse(out)
		if err != nil {
			t.Fatalf("Parse(%q) → %q does not parse: %v", s, out, err)
		}
		if !r.Equal(r2) || r2.String() != out {
			t.Fatalf("Parse(%q) → %q → %q: not equal", s, out, r2.String())
		}
	})
}

// FuzzMacro checks that macro-strings parse without panicking, print back
// to an equal macro-string, and expand for any input.
func FuzzMacro(f *testing.F) {
	f.Add("%{ir}.%{v}._spf.%{d2}", "strong-bad", "email.example.com")
	f.Fuzz(func(t *testing.T, s, local, domain string) {
		m, err := parseMacroString(s, true)
		if err != nil {
			return
		}
		m2, err := parseMacroString(m.String(), true)
		if err != nil || !m.equal(m2) {
			t.Fatalf("%q → %q does not parse back equal: %v", s, m.String(), err)
		}
		e := &eval{c: &Checker{}, ip: netip.MustParseAddr("2001:db8::1"), local: local, senderDomain: domain, ptrDone: true, now: time.Now}
		out := m.expand(e.values(t.Context(), nil, domain))
		if name := truncateName(out); len(name) > 253 && len(out) > 253 && name == out && countDots(out) > 0 {
			t.Fatalf("truncateName left %d octets", len(name))
		}
		_, _ = queryName(out)
	})
}

func countDots(s string) int {
	n := 0
	for i := 0; i < len(s); i++ {
		if s[i] == '.' {
			n++
		}
	}
	return n
}
