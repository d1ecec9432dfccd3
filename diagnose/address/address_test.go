package address

import (
	"errors"
	"net/netip"
	"strings"
	"testing"
)

func TestParseValid(t *testing.T) {
	long63 := strings.Repeat("a", 63)
	tests := []struct {
		in   string
		want Address // Raw is checked only when set
		str  string  // String(); defaults to Local@ASCIIDomain
	}{
		{in: "ann@example.com", want: Address{Local: "ann", Domain: "example.com", ASCIIDomain: "example.com", UnicodeDomain: "example.com"}},
		{in: "  <Ann.Lee+tag@Example.COM>\t", want: Address{Raw: "Ann.Lee+tag@Example.COM", Local: "Ann.Lee+tag", Domain: "example.com", ASCIIDomain: "example.com", UnicodeDomain: "example.com"}},
		{in: "\u3000ann@example.com\u00a0", want: Address{Raw: "ann@example.com", Local: "ann", Domain: "example.com", ASCIIDomain: "example.com", UnicodeDomain: "example.com"}},
		{in: `"john doe"@example.com`, want: Address{Local: `"john doe"`, Quoted: true, Domain: "example.com", ASCIIDomain: "example.com", UnicodeDomain: "example.com"}},
		{in: `"a..b"@x.com`, want: Address{Local: `"a..b"`, Quoted: true, Domain: "x.com", ASCIIDomain: "x.com", UnicodeDomain: "x.com"}},
		{in: `"a\"b@c"@x.com`, want: Address{Local: `"a\"b@c"`, Quoted: true, Domain: "x.com", ASCIIDomain: "x.com", UnicodeDomain: "x.com"}},
		{in: `"very.(),:;<>[]\".VERY.\"very@\\ \"very\".unusual"@strange.example.com`, want: Address{Local: `"very.(),:;<>[]\".VERY.\"very@\\ \"very\".unusual"`, Quoted: true, Domain: "strange.example.com", ASCIIDomain: "strange.example.com", UnicodeDomain: "strange.example.com"}},
		{in: "!#$%&'*+-/=?^_`{|}~@example.org", want: Address{Local: "!#$%&'*+-/=?^_`{|}~", Domain: "example.org", ASCIIDomain: "example.org", UnicodeDomain: "example.org"}},
		{in: "user@example.com.", want: Address{Local: "user", Domain: "example.com", ASCIIDomain: "example.com", UnicodeDomain: "example.com"}},
		{in: "ann@sub.Domain.co.uk", want: Address{Local: "ann", Domain: "sub.domain.co.uk", ASCIIDomain: "sub.domain.co.uk", UnicodeDomain: "sub.domain.co.uk"}},
		{in: "ann@ab--cd.123.com", want: Address{Local: "ann", Domain: "ab--cd.123.com", ASCIIDomain: "ab--cd.123.com", UnicodeDomain: "ab--cd.123.com"}},
		{in: "ann@" + long63 + ".com", want: Address{Local: "ann", Domain: long63 + ".com", ASCIIDomain: long63 + ".com", UnicodeDomain: long63 + ".com"}},
		{in: "ann@bücher.de", want: Address{Local: "ann", Domain: "bücher.de", ASCIIDomain: "xn--bcher-kva.de", UnicodeDomain: "bücher.de", IDN: true}},
		{in: "ann@BÜCHER.DE", want: Address{Local: "ann", Domain: "bücher.de", ASCIIDomain: "xn--bcher-kva.de", UnicodeDomain: "bücher.de", IDN: true}},
		{in: "ann@XN--BCHER-KVA.de", want: Address{Local: "ann", Domain: "xn--bcher-kva.de", ASCIIDomain: "xn--bcher-kva.de", UnicodeDomain: "bücher.de", IDN: true}},
		{in: "ann@faß.de", want: Address{Local: "ann", Domain: "faß.de", ASCIIDomain: "xn--fa-hia.de", UnicodeDomain: "faß.de", IDN: true}},
		{in: "ann@пример.рф", want: Address{Local: "ann", Domain: "пример.рф", ASCIIDomain: "xn--e1afmkfd.xn--p1ai", UnicodeDomain: "пример.рф", IDN: true}},
		{in: "用户@例子.广告", want: Address{Local: "用户", Domain: "例子.广告", ASCIIDomain: "xn--fsqu00a.xn--4rr70v", UnicodeDomain: "例子.广告", IDN: true, NeedsSMTPUTF8: true}},
		{in: "用户@例子。广告", want: Address{Local: "用户", Domain: "例子。广告", ASCIIDomain: "xn--fsqu00a.xn--4rr70v", UnicodeDomain: "例子.广告", IDN: true, NeedsSMTPUTF8: true}},
		{in: "josé.garcía@example.es", want: Address{Local: "josé.garcía", Domain: "example.es", ASCIIDomain: "example.es", UnicodeDomain: "example.es", NeedsSMTPUTF8: true}},
		{in: `"δοκιμή test"@παράδειγμα.δοκιμή`, want: Address{Local: `"δοκιμή test"`, Quoted: true, Domain: "παράδειγμα.δοκιμή", ASCIIDomain: "xn--hxajbheg2az3al.xn--jxalpdlp", UnicodeDomain: "παράδειγμα.δοκιμή", IDN: true, NeedsSMTPUTF8: true}},
		{in: "ann@ｇｍａｉｌ.com", want: Address{Local: "ann", Domain: "ｇｍａｉｌ.com", ASCIIDomain: "gmail.com", UnicodeDomain: "gmail.com"}},
		{in: "ann@[192.0.2.1]", want: Address{Local: "ann", Domain: "[192.0.2.1]", UnicodeDomain: "[192.0.2.1]", DomainLiteral: netip.MustParseAddr("192.0.2.1")}, str: "ann@[192.0.2.1]"},
		{in: "ann@[IPv6:2001:DB8:0:0:0:0:0:1]", want: Address{Local: "ann", Domain: "[ipv6:2001:db8:0:0:0:0:0:1]", UnicodeDomain: "[IPv6:2001:db8::1]", DomainLiteral: netip.MustParseAddr("2001:db8::1")}, str: "ann@[IPv6:2001:db8::1]"},
		{in: "ann@[ipv6:::ffff:192.0.2.1]", want: Address{Local: "ann", Domain: "[ipv6:::ffff:192.0.2.1]", UnicodeDomain: "[IPv6:::ffff:192.0.2.1]", DomainLiteral: netip.MustParseAddr("::ffff:192.0.2.1")}, str: "ann@[IPv6:::ffff:192.0.2.1]"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := Parse(tt.in)
			if err != nil {
				t.Fatalf("Parse(%q) error: %v", tt.in, err)
			}
			want := tt.want
			if want.Raw == "" {
				want.Raw = strings.TrimSpace(tt.in)
			}
			if *got != want {
				t.Errorf("Parse(%q)\n got %+v\nwant %+v", tt.in, *got, want)
			}
			str := tt.str
			if str == "" {
				str = want.Local + "@" + want.ASCIIDomain
			}
			if got.String() != str {
				t.Errorf("String() = %q, want %q", got.String(), str)
			}
		})
	}
}

func TestParseLengthLimits(t *testing.T) {
	local64 := strings.Repeat("l", 64)
	domain := func(n int) string { // a valid host name of exactly n octets
		b := []byte(strings.Repeat("d", n-4))
		for i := 63; i < len(b)-1; i += 64 {
			b[i] = '.'
		}
		return string(b) + ".com"
	}
	for _, n := range []int{189, 200, 253} {
		if got := len(domain(n)); got != n {
			t.Fatalf("domain(%d) has %d octets", n, got)
		}
	}
	ok := []string{
		local64 + "@example.com",
		local64 + "@" + domain(189), // 254 octets: the maximum
		"a@" + domain(251),          // 253-octet domain, 254-octet address
	}
	for _, s := range ok {
		if _, err := Parse(s); err != nil {
			t.Errorf("Parse(len %d) = %v, want success", len(s), err)
		}
	}
	bad := []struct {
		in   string
		want Reason
	}{
		{local64 + "l@example.com", ReasonLocalTooLong},
		{strings.Repeat("é", 33) + "@example.com", ReasonLocalTooLong}, // 66 octets, 33 characters
		{local64 + "@" + domain(190), ReasonTooLong},
		{"a@" + domain(253) + "x", ReasonDomainTooLong},
		{"ann@" + strings.Repeat("a", 64) + ".com", ReasonLabelTooLong},
		{"ann@" + strings.Repeat("ü", 60) + ".com", ReasonLabelTooLong}, // fine in Unicode, too long as an A-label
		{strings.Repeat("a", 5000) + "@example.com", ReasonTooLong},
	}
	for _, tt := range bad {
		_, err := Parse(tt.in)
		var se *SyntaxError
		if !errors.As(err, &se) || se.Reason != tt.want {
			t.Errorf("Parse(len %d) = %v, want reason %s", len(tt.in), err, tt.want)
		}
	}
}

// TestStringRoundTrip checks that the canonical form parses to the same
// address, which is what the envelope of a test send relies on.
func TestStringRoundTrip(t *testing.T) {
	for _, s := range []string{"ann@bücher.de", "用户@例子。广告", `"a b"@[IPv6:2001:DB8::0:1]`, "X@ｇｍａｉｌ.com.", "ann@xn--e1afmkfd.xn--p1ai"} {
		a, err := Parse(s)
		if err != nil {
			t.Fatalf("Parse(%q): %v", s, err)
		}
		b, err := Parse(a.String())
		if err != nil {
			t.Fatalf("Parse(String() = %q): %v", a.String(), err)
		}
		if !sameCanonical(a, b) {
			t.Errorf("round trip of %q:\n first %+v\nsecond %+v", s, *a, *b)
		}
	}
}

func TestDisplay(t *testing.T) {
	a, err := Parse("ann@XN--BCHER-KVA.de")
	if err != nil {
		t.Fatal(err)
	}
	if got, want := a.Display(), "ann@bücher.de"; got != want {
		t.Errorf("Display() = %q, want %q", got, want)
	}
}

// sameCanonical compares the fields of two addresses that do not depend on
// how the address was written.
func sameCanonical(a, b *Address) bool {
	return a.Local == b.Local && a.ASCIIDomain == b.ASCIIDomain && a.UnicodeDomain == b.UnicodeDomain &&
		a.IDN == b.IDN && a.Quoted == b.Quoted && a.DomainLiteral == b.DomainLiteral &&
		a.NeedsSMTPUTF8 == b.NeedsSMTPUTF8 && a.String() == b.String()
}

func BenchmarkParse(b *testing.B) {
	inputs := []string{
		"ann.lee+codes@example.com",
		"用户@例子.广告",
		`"john doe"@mail.example.co.uk`,
		"ann@gmail,com",
	}
	for _, in := range inputs {
		b.Run(in, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				_, _ = Parse(in)
			}
		})
	}
}
