package spf

import (
	"errors"
	"net/netip"
	"strings"
	"testing"
)

func TestParseValid(t *testing.T) {
	tests := []struct {
		in, want string
	}{
		{"v=spf1", "v=spf1"},
		{"V=SPF1   -ALL ", "v=spf1 -all"},
		{"v=spf1 include:_spf.google.com ~all", "v=spf1 include:_spf.google.com ~all"},
		{"v=spf1 a mx a:mail.example.com/24 mx//64 a/24//64 -all", "v=spf1 a mx a:mail.example.com/24 mx//64 a/24//64 -all"},
		{"v=spf1 ip4:192.0.2.0/24 ip4:192.0.2.1 ip6:2001:DB8::/32 ?all", "v=spf1 ip4:192.0.2.0/24 ip4:192.0.2.1 ip6:2001:db8::/32 ?all"},
		{"v=spf1 ip4:192.0.2.1/32", "v=spf1 ip4:192.0.2.1"},
		{"v=spf1 exists:%{ir}.%{l1r+-}._spf.%{d} -all", "v=spf1 exists:%{ir}.%{l1r+-}._spf.%{d} -all"},
		{"v=spf1 a:macro%%percent%_%_space%-url.example.com", "v=spf1 a:macro%%percent%_%_space%-url.example.com"},
		{"v=spf1 redirect=_spf.example.com", "v=spf1 redirect=_spf.example.com"},
		{"v=spf1 -all Exp=explain._spf.%{d}", "v=spf1 -all exp=explain._spf.%{d}"},
		{"v=spf1 moo.cow-far_out=man:dog/cat ip4:1.2.3.4 -all", "v=spf1 moo.cow-far_out=man:dog/cat ip4:1.2.3.4 -all"},
		{"v=spf1 ptr ptr:example.org -all", "v=spf1 ptr ptr:example.org -all"},
		{"v=spf1 a:foo:bar/baz.example.com", "v=spf1 a:foo:bar/baz.example.com"},
		{"v=spf1 a:foo.example.xn--zckzah", "v=spf1 a:foo.example.xn--zckzah"},
		{"v=spf1 exists:%{i}.%{d}.", "v=spf1 exists:%{i}.%{d}."},
		{"v=spf1 ip6:::FFFF:1.2.3.4", "v=spf1 ip6:::ffff:1.2.3.4"},
		{"v=spf1 default=+", "v=spf1 default=+"},
		{"v=spf1 include:%{d2}", "v=spf1 include:%{d2}"},
		{"v=spf1 exists:%{L1R}.x.example", "v=spf1 exists:%{L1r}.x.example"},
	}
	for _, tt := range tests {
		r, err := Parse(tt.in)
		if err != nil {
			t.Errorf("Parse(%q): %v", tt.in, err)
			continue
		}
		if got := r.String(); got != tt.want {
			t.Errorf("Parse(%q).String() = %q, want %q", tt.in, got, tt.want)
		}
		r2, err := Parse(r.String())
		if err != nil || !r.Equal(r2) {
			t.Errorf("%q does not re-parse equal: %v", r.String(), err)
		}
	}
}

func TestParseTerms(t *testing.T) {
	r, err := Parse("v=spf1 -a:mail.example.com/24//64 ~mx ip4:192.0.2.0/24 include:x.example redirect=y.example")
	if err != nil {
		t.Fatal(err)
	}
	a := r.Terms[0]
	if a.Kind != KindA || a.Qualifier != QualFail || a.Result() != Fail || a.CIDR4 != 24 || a.CIDR6 != 64 || a.Domain.String() != "mail.example.com" {
		t.Errorf("a term: %+v", a)
	}
	if mx := r.Terms[1]; mx.Kind != KindMX || mx.Result() != SoftFail || mx.Domain != nil || mx.CIDR4 != -1 || mx.CIDR6 != -1 {
		t.Errorf("mx term: %+v", mx)
	}
	if ip := r.Terms[2]; ip.Prefix != netip.MustParsePrefix("192.0.2.0/24") || ip.Result() != Pass {
		t.Errorf("ip4 term: %+v", ip)
	}
	if len(r.Mechanisms()) != 4 || r.Redirect() == nil || r.Redirect().Domain.String() != "y.example" || r.Exp() != nil || r.HasAll() {
		t.Errorf("record: %s", r)
	}
	if !KindInclude.QueriesDNS() || KindIP4.QueriesDNS() || !KindRedirect.QueriesDNS() || KindExp.QueriesDNS() {
		t.Error("QueriesDNS disagrees with §4.6.4")
	}
}

func TestParseErrors(t *testing.T) {
	tests := []struct {
		in     string
		index  int    // term index of the error, -1 for the record
		reason string // substring of the reason
	}{
		{"v=spf10", -1, "v=spf1"},
		{"spf1 -all", -1, "v=spf1"},
		{" v=spf1 -all", -1, "v=spf1"},
		{"v=spf1 ip4:1.2.3.4 -all moo", 2, "unknown mechanism"},
		{"v=spf1 moo.cow/far_out=man:dog/cat", 0, "not a mechanism"},
		{"v=spf1 redirect:t2.example.com", 0, "unknown mechanism"},
		{"v=spf1 a:foo-bar -all", 0, "top-level"},
		{"v=spf1 a:111.222.33.44", 0, "top-level label"},
		{"v=spf1 a:example.-com", 0, "top-level label"},
		{"v=spf1 a:museum.", 0, "top-level"},
		{"v=spf1 -all.", 0, "not a mechanism"},
		{"v=spf1 -all:foobar", 0, "all"},
		{"v=spf1 -all/8", 0, "all"},
		{"v=spf1 ptr/0", 0, "prefix"},
		{"v=spf1 ptr:", 0, "empty"},
		{"v=spf1 a//129", 0, "out of range"},
		{"v=spf1 a/33", 0, "out of range"},
		{"v=spf1 a/24/64", 0, "out of range"},
		{"v=spf1 ip4:1.2.3.4/032", 0, "leading zero"},
		{"v=spf1 ip4", 0, "needs"},
		{"v=spf1 ip4:1.2.3", 0, "invalid ip4"},
		{"v=spf1 ip4:1.2.3.4:8080", 0, "invalid ip4"},
		{"v=spf1 ip4:1.2.3.4//32", 0, "invalid ip4"},
		{"v=spf1 ip4:2001:db8::1", 0, "not IPv4"},
		{"v=spf1 ip6:1.2.3.4", 0, "not IPv6"},
		{"v=spf1 ip6:fe80::1%eth0", 0, "invalid ip6"},
		{"v=spf1 ip6::CAFE::BABE", 0, "invalid ip6"},
		{"v=spf1 include", 0, "needs"},
		{"v=spf1 include:ip5.example.com/24", 0, "top-level"},
		{"v=spf1 exists:", 0, "empty"},
		{"v=spf1 exp= -all", 0, "empty"},
		{"v=spf1 redirect=-all", 0, "top-level"},
		{"v=spf1 exp=a.example exp=b.example", 1, "more than once"},
		{"v=spf1 redirect=a.example -all redirect=a.example", 2, "more than once"},
		{"v=spf1 1up=foo", 0, "not a mechanism"},
		{"v=spf1 =all", 0, "not a mechanism"},
		{"v=spf1 foo=%abc", 0, `"%"`},
		{"v=spf1 exists:%(ir).sbl.example.com", 0, `"%"`},
		{"v=spf1 exists:foo%.sbl.example.com", 0, `"%"`},
		{"v=spf1 exists:foo%{x}.example.com", 0, "unknown macro letter"},
		{"v=spf1 exp=%{r}.example.com", 0, "only in explanation"},
		{"v=spf1 a:%{d0}.example.com", 0, "positive"},
		{"v=spf1 a:%{d.example.com", 0, "unterminated"},
		{"v=spf1 a:%{d:}.example.com", 0, "delimiter"},
		{"v=spf1 a:foo.example.com\x00", 0, "invalid character"},
		{"v=spf1 a:ctrl.example.com\rptr -all", 0, "invalid character"},
		{"v=spf1 a:\u00efgarbage.example.net -all", 0, "invalid character"},
		{"v=spf1 a:example.net \u0096all", 1, "not a mechanism"},
		{"v=spf1 -", 0, "not a mechanism"},
	}
	for _, tt := range tests {
		_, err := Parse(tt.in)
		var se *SyntaxError
		if !errors.As(err, &se) || !errors.Is(err, ErrSyntax) {
			t.Errorf("Parse(%q) = %v, want a *SyntaxError", tt.in, err)
			continue
		}
		if se.Index != tt.index || !strings.Contains(se.Reason, tt.reason) {
			t.Errorf("Parse(%q): term %d %q, want term %d and a reason with %q", tt.in, se.Index, se.Reason, tt.index, tt.reason)
		}
	}
}

// TestMacroExpansion uses the examples of RFC 7208 §7.4.
func TestMacroExpansion(t *testing.T) {
	v4 := &eval{c: &Checker{}, ip: netip.MustParseAddr("192.0.2.3"), local: "strong-bad", senderDomain: "email.example.com", helo: "mx.example.org"}
	v6 := &eval{c: &Checker{}, ip: netip.MustParseAddr("2001:db8::cb01"), local: "strong-bad", senderDomain: "email.example.com"}
	tests := []struct {
		e        *eval
		in, want string
	}{
		{v4, "%{s}", "strong-bad@email.example.com"},
		{v4, "%{o}", "email.example.com"},
		{v4, "%{d}", "email.example.com"},
		{v4, "%{d4}", "email.example.com"},
		{v4, "%{d3}", "email.example.com"},
		{v4, "%{d2}", "example.com"},
		{v4, "%{d1}", "com"},
		{v4, "%{dr}", "com.example.email"},
		{v4, "%{d2r}", "example.email"},
		{v4, "%{l}", "strong-bad"},
		{v4, "%{l-}", "strong.bad"},
		{v4, "%{lr}", "strong-bad"},
		{v4, "%{lr-}", "bad.strong"},
		{v4, "%{l1r-}", "strong"},
		{v4, "%{ir}.%{v}._spf.%{d2}", "3.2.0.192.in-addr._spf.example.com"},
		{v4, "%{lr-}.lp._spf.%{d2}", "bad.strong.lp._spf.example.com"},
		{v4, "%{lr-}.lp.%{ir}.%{v}._spf.%{d2}", "bad.strong.lp.3.2.0.192.in-addr._spf.example.com"},
		{v4, "%{ir}.%{v}.%{l1r-}.lp._spf.%{d2}", "3.2.0.192.in-addr.strong.lp._spf.example.com"},
		{v4, "%{d2}.trusted-domains.example.net", "example.com.trusted-domains.example.net"},
		{v4, "%{h} %{c} %{r} %{S}", "mx.example.org 192.0.2.3 unknown strong-bad%40email.example.com"},
		{v4, "%% %_%-", "%  %20"},
		{v4, "%{l2r+-,}", "bad.strong"},
		{v4, "%{d99999999}", "email.example.com"},
		// The RFC prints the nibbles in lower case; the openspf suite
		// (v-macro-ip6) wants upper case. DNS names compare without case
		// (RFC 4343), so only explanation text differs.
		{v6, "%{ir}.%{v}._spf.%{d2}", "1.0.B.C.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.B.D.0.1.0.0.2.ip6._spf.example.com"},
		{v6, "%{c}", "2001:db8::cb01"},
	}
	for _, tt := range tests {
		m, err := parseMacroString(tt.in, true)
		if err != nil {
			t.Errorf("%q: %v", tt.in, err)
			continue
		}
		if got := m.expand(tt.e.values(t.Context(), nil, "email.example.com")); got != tt.want {
			t.Errorf("%q expands to %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestNames(t *testing.T) {
	tests := []struct{ raw, want string }{
		{"example.com", "example.com."},
		{"example.com.", "example.com."},
		{"macro%percent  space%20url.example.com", `macro%percent\ \ space%20url.example.com.`},
		{"a\x00b\xffc.example", `a\000b\255c.example.`},
		{`q"u\o@te.example`, `q\"u\\o\@te.example.`},
		{"a..b", ""},
		{strings.Repeat("a", 64) + ".example", ""},
	}
	for _, tt := range tests {
		got, err := queryName(tt.raw)
		if (err != nil) != (tt.want == "") || got != tt.want {
			t.Errorf("queryName(%q) = %q, %v; want %q", tt.raw, got, err, tt.want)
		}
	}
	long := strings.Repeat("abcdefghi.", 30) + "example.com"
	if got := truncateName(long); len(got) > 253 || !strings.HasSuffix(long, got) || got[0] == '.' {
		t.Errorf("truncateName: %q", got)
	}
	if got := unescape(`a\"b\\c\032d\255`); got != "a\"b\\c d\xff" {
		t.Errorf("unescape: %q", got)
	}
	for d, ok := range map[string]bool{"example.com": true, "example.com.": true, "com": false, "[1.2.3.4]": false, "a..b.com": false, "": false, "a b.com": false} {
		if validDomain(d) != ok {
			t.Errorf("validDomain(%q) = %v", d, !ok)
		}
	}
}
