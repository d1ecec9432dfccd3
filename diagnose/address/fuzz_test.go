package address

import (
	"errors"
	"testing"
	"unicode/utf8"
)

// FuzzParse checks that Parse never panics, that every failure is a
// well-formed *SyntaxError, and that every success has a canonical form
// that parses back to the same address.
func FuzzParse(f *testing.F) {
	for _, s := range []string{
		"ann@example.com", `"john doe"@example.com`, "用户@例子.广告", "ann@bücher.de",
		"ann@[IPv6:2001:db8::1]", "ann@gmail,com", "a..b@x.com", "<ann@x.com.>",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		a, err := Parse(s)
		if err != nil {
			checkSyntaxError(t, s, err)
			return
		}
		checkAddress(t, s, a)
		b, err := Parse(a.String())
		if err != nil {
			t.Fatalf("Parse(%q) succeeded but its String() %q does not parse: %v", s, a.String(), err)
		}
		if !sameCanonical(a, b) {
			t.Fatalf("Parse(%q) and Parse(String()) differ:\n first %+v\nsecond %+v", s, *a, *b)
		}
	})
}

func checkSyntaxError(t *testing.T, s string, err error) {
	t.Helper()
	var se *SyntaxError
	if !errors.As(err, &se) || !errors.Is(err, ErrSyntax) {
		t.Fatalf("Parse(%q) error %v (%T) is not a *SyntaxError wrapping ErrSyntax", s, err, err)
	}
	if se.Reason == "" || se.Detail == "" {
		t.Fatalf("Parse(%q) error has empty reason or detail: %+v", s, *se)
	}
	if se.Pos < -1 || se.Pos > len(s) {
		t.Fatalf("Parse(%q) error position %d outside [-1, %d]", s, se.Pos, len(s))
	}
	if !utf8.ValidString(se.Detail) {
		t.Fatalf("Parse(%q) detail is not valid UTF-8: %q", s, se.Detail)
	}
}

func checkAddress(t *testing.T, s string, a *Address) {
	t.Helper()
	str := a.String()
	if len(a.Local) > MaxLocal || len(str) > MaxAddress {
		t.Fatalf("Parse(%q) accepted an over-long address %q", s, str)
	}
	if !isASCII(a.ASCIIDomain) || !isASCII(str[len(a.Local):]) {
		t.Fatalf("Parse(%q): canonical domain of %q is not ASCII", s, str)
	}
	if a.NeedsSMTPUTF8 == isASCII(a.Local) {
		t.Fatalf("Parse(%q): NeedsSMTPUTF8 = %v for local part %q", s, a.NeedsSMTPUTF8, a.Local)
	}
	if a.DomainLiteral.IsValid() == (a.ASCIIDomain != "") {
		t.Fatalf("Parse(%q): literal %v with ASCII domain %q", s, a.DomainLiteral, a.ASCIIDomain)
	}
	if !utf8.ValidString(a.Raw) || !utf8.ValidString(a.UnicodeDomain) {
		t.Fatalf("Parse(%q) returned invalid UTF-8", s)
	}
}
