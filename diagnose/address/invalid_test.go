package address

import (
	"errors"
	"strings"
	"testing"
)

func TestParseInvalid(t *testing.T) {
	tests := []struct {
		in     string
		reason Reason
		pos    int    // byte offset in the input; -2 means "do not check"
		detail string // a fragment the detail sentence must contain
	}{
		{"", ReasonEmpty, -1, "empty"},
		{"   \t ", ReasonEmpty, -1, "empty"},
		{"<>", ReasonEmpty, -1, "null return path"},
		{"ann", ReasonNoAt, -1, "no @"},
		{"ann.example.com", ReasonNoAt, -1, "no @"},
		{`"ann lee"`, ReasonNoAt, -1, "no @"},
		{"@example.com", ReasonEmptyLocal, 0, "nothing before"},
		{`""@example.com`, ReasonEmptyLocal, 0, "empty pair"},
		{"ann@", ReasonEmptyDomain, 4, "nothing after"},
		{"  ann@  ", ReasonEmptyDomain, 6, "nothing after"},
		{"ann@b@example.com", ReasonMultipleAt, 5, "more than one @"},
		{`"a"@b@example.com`, ReasonMultipleAt, 5, "more than one @"},
		{"ann@example.com, bob@example.com", ReasonMultipleAt, 15, `more than one address (separated by ",")`},
		{"ann@example.com bob@example.com", ReasonMultipleAt, 15, "more than one address"},
		{"a..b@x.com", ReasonConsecutiveDots, 1, `("a..b")`},
		{"john..doe.smith@x.com", ReasonConsecutiveDots, 4, `"john..doe.smit"`},
		{".ann@x.com", ReasonLeadingDot, 0, "starts with a dot"},
		{"ann.@x.com", ReasonTrailingDot, 3, "ends with a dot"},
		{"ann@.x.com", ReasonLeadingDot, 4, "domain starts with a dot"},
		{"ann@x..com", ReasonConsecutiveDots, 6, `("x..com")`},
		{"ann@x.com..", ReasonConsecutiveDots, 10, "two dots"},
		{"ann@.", ReasonLeadingDot, 4, "starts with a dot"},
		{"john doe@example.com", ReasonSpace, 4, "a space"},
		{"ann@exa mple.com", ReasonSpace, 7, "a space"},
		{"ann\tlee@x.com", ReasonSpace, 3, "a tab"},
		{"ann\u00a0lee@x.com", ReasonSpace, 3, "non-breaking space"},
		{"ann@x.com\u3000y", ReasonSpace, 9, "U+3000"},
		{"ann@gmail,com", ReasonBadCharacter, 9, "comma"},
		{"ann(x)@x.com", ReasonBadCharacter, 3, `"("`},
		{"ann,lee@x.com", ReasonBadCharacter, 3, "comma"},
		{"ann\\lee@x.com", ReasonBadCharacter, 3, `"\"`},
		{"ann\x00@x.com", ReasonBadCharacter, 3, "control character (U+0000)"},
		{"ann\x7f@x.com", ReasonBadCharacter, 3, "U+007F"},
		{"ann\xff@x.com", ReasonBadCharacter, 3, "not valid UTF-8"},
		{"ann@x\xc3.com", ReasonBadCharacter, 5, "not valid UTF-8"},
		{"\u200bann@x.com", ReasonBadCharacter, 0, "invisible formatting character (U+200B)"},
		{"ann@exa\u00admple.com", ReasonBadCharacter, 7, "U+00AD"},
		{"ann\u0085@x.com", ReasonSpace, 3, "U+0085"},
		{"ann\ufffd@x.com", ReasonBadCharacter, 3, "not valid UTF-8"},
		{"ann@x_y.com", ReasonBadCharacter, 5, `"_"`},
		{"ann@x.com>", ReasonBadCharacter, 9, `">"`},
		{"<ann@x.com", ReasonBadCharacter, 0, `"<"`},
		{"Ann Lee <ann@x.com>", ReasonBadCharacter, 8, "display name"},
		{"mailto:ann@x.com", ReasonBadCharacter, 6, "mailto:"},
		{`"john doe@example.com`, ReasonUnterminatedQuote, 0, "never closed"},
		{`"john\`, ReasonUnterminatedQuote, 0, "never closed"},
		{`"john"doe@example.com`, ReasonBadCharacter, 6, "closing quotation mark"},
		{`john"doe"@example.com`, ReasonBadCharacter, 4, "whole part before the @"},
		{"\"tab\there\"@x.com", ReasonBadCharacter, 4, "a tab"},
		{"\"a\\\u00e9\"@x.com", ReasonBadCharacter, 2, "backslash"},
		{"\"a\u200b\"@x.com", ReasonBadCharacter, 2, "U+200B"},
		{"ann@[300.1.1.1]", ReasonBadDomainLiteral, 5, `"300.1.1.1"`},
		{"ann@[010.0.0.1]", ReasonBadDomainLiteral, 5, "not a valid IP address"},
		{"ann@[::1]", ReasonBadDomainLiteral, 5, `[IPv6:::1]`},
		{"ann@[IPv6:fe80::1%eth0]", ReasonBadDomainLiteral, 10, "IPv6"},
		{"ann@[IPv6:192.0.2.1]", ReasonBadDomainLiteral, 10, "IPv6"},
		{"ann@[192.0.2.1", ReasonBadDomainLiteral, 4, `"]"`},
		{"ann@[]", ReasonBadDomainLiteral, 5, "empty"},
		{"ann@[x400:c=gb]", ReasonBadDomainLiteral, 5, "not a valid IP address"},
		{"ann@xn--zz.com", ReasonBadIDN, 4, `"xn--zz"`},
		{"ann@xn--.com", ReasonBadLabel, 7, `"xn--" ends with a hyphen`},
		{"ann@xn--ab-.com", ReasonBadLabel, 10, "ends with a hyphen"},
		{"ann@xn--abc.com", ReasonBadIDN, 4, `"xn--abc"`},
		{"ann@mail.xn--bcher-kva-.de", ReasonBadLabel, 22, "ends with a hyphen"},
		{"ann@\u0301a.com", ReasonBadIDN, 4, "not a valid international"},
		{"ann@ab--cd.bücher.de", ReasonBadIDN, 4, `"ab--cd"`},
		{"ann@\u034f.com", ReasonBadIDN, 4, "ignore"},
		{"ann@-x.com", ReasonBadLabel, 4, `"-x" starts with a hyphen`},
		{"ann@x-.com", ReasonBadLabel, 5, `"x-" ends with a hyphen`},
		{"ann@-bücher.de", ReasonBadLabel, 4, "starts with a hyphen"},
		{"ann@192.168.0.1", ReasonNumericTLD, 14, "in brackets"},
		{"ann@example.123", ReasonNumericTLD, 12, "ends in a number"},
		{"ann@localhost", ReasonSingleLabel, 4, `"localhost" has no dot`},
		{"ann@gmailcom", ReasonSingleLabel, 4, "no dot"},
		{"ann@localhost.", ReasonSingleLabel, 4, "no dot"},
		{"ann@bücher", ReasonSingleLabel, 4, `"xn--bcher-kva"`},
		{strings.Repeat("a", 65) + "@x.com", ReasonLocalTooLong, 64, "65 characters"},
		{"<" + strings.Repeat("é", 40) + "@x.com>", ReasonLocalTooLong, 65, "80 bytes"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			a, err := Parse(tt.in)
			if err == nil {
				t.Fatalf("Parse(%q) = %+v, want error %s", tt.in, *a, tt.reason)
			}
			if !errors.Is(err, ErrSyntax) {
				t.Errorf("error %v does not wrap ErrSyntax", err)
			}
			var se *SyntaxError
			if !errors.As(err, &se) {
				t.Fatalf("error %T is not a *SyntaxError", err)
			}
			if se.Reason != tt.reason {
				t.Errorf("Reason = %q, want %q (detail: %s)", se.Reason, tt.reason, se.Detail)
			}
			if tt.pos != -2 && se.Pos != tt.pos {
				t.Errorf("Pos = %d, want %d (detail: %s)", se.Pos, tt.pos, se.Detail)
			}
			if !strings.Contains(se.Detail, tt.detail) {
				t.Errorf("Detail = %q, want it to mention %q", se.Detail, tt.detail)
			}
			if want := "invalid address: " + se.Detail; err.Error() != want {
				t.Errorf("Error() = %q, want %q", err.Error(), want)
			}
		})
	}
}

// TestDetailIsOneSentence checks the promise made to the rules catalogue:
// a detail is a single sentence it can embed, starting lower case and
// without a final full stop.
func TestDetailIsOneSentence(t *testing.T) {
	for _, in := range []string{"a..b@x.com", "ann@gmail,com", "ann@localhost", "ann@192.0.2.1", "x@[::1]", `"a`} {
		_, err := Parse(in)
		var se *SyntaxError
		if !errors.As(err, &se) {
			t.Fatalf("Parse(%q) = %v, want a *SyntaxError", in, err)
		}
		d := se.Detail
		if d == "" || strings.HasSuffix(d, ".") || strings.ContainsAny(d, "\n") || d[0] < 'a' || d[0] > 'z' {
			t.Errorf("Detail for %q = %q, want one lower-case sentence without a final full stop", in, d)
		}
	}
}
