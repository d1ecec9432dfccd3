package smtpsink

import (
	"strings"
	"testing"
)

const tok = "abcdefghijklmnopqrst"

func TestCheckRecipient(t *testing.T) {
	domains := map[string]bool{"sink.test": true, "bounces.example.org": true}
	tests := []struct {
		addr      string
		code      int    // 0: accepted
		enhanced  string // of the refusal
		wantToken string
	}{
		{addr: "bounce+" + tok + "@sink.test", wantToken: tok},
		{addr: "bounce+" + tok + "@bounces.example.org", wantToken: tok},
		// Letter case: forwarders upper-case local parts, domains are
		// case-insensitive (RFC 5321 §2.4).
		{addr: "BOUNCE+" + strings.ToUpper(tok) + "@SINK.TEST", wantToken: tok},
		{addr: "Bounce+" + tok + "@Sink.Test", wantToken: tok},
		// BATV and SRS wrappers keep bounce+TOKEN as one '=' field.
		{addr: "prvs=1234abcd=bounce+" + tok + "@sink.test", wantToken: tok},
		{addr: "bounce+" + tok + "=prvs=1234abcd@sink.test", wantToken: tok},
		{addr: "SRS0=HHH=TT=sink.test=bounce+" + tok + "@sink.test", wantToken: tok},
		// RFC 5321 §4.5.1 and RFC 2142.
		{addr: "postmaster@sink.test"},
		{addr: "PostMaster@SINK.test"},
		{addr: "abuse@bounces.example.org"},
		// Not a mailbox here.
		{addr: "nobody@sink.test", code: 550, enhanced: "5.1.1"},
		{addr: "bounce+" + tok[:19] + "@sink.test", code: 550, enhanced: "5.1.1"},
		{addr: "bounce+" + tok + "x@sink.test", code: 550, enhanced: "5.1.1"},
		{addr: "bounce+abcdefghijklmnopqrs1@sink.test", code: 550, enhanced: "5.1.1"},
		{addr: "bounce-" + tok + "@sink.test", code: 550, enhanced: "5.1.1"},
		{addr: "hostmaster@sink.test", code: 550, enhanced: "5.1.1"},
		// Relaying, plain and with tricks: always 550 5.7.1.
		{addr: "bounce+" + tok + "@other.test", code: 550, enhanced: "5.7.1"},
		{addr: "postmaster@other.test", code: 550, enhanced: "5.7.1"},
		{addr: "X@OTHER.TEST", code: 550, enhanced: "5.7.1"},
		{addr: "bounce+" + tok + "@sink.test.", code: 550, enhanced: "5.7.1"},
		{addr: "x@other.test.", code: 550, enhanced: "5.7.1"},
		{addr: "bounce+" + tok + "@sink.test.evil.test", code: 550, enhanced: "5.7.1"},
		{addr: "bounce+" + tok + "@evilsink.test", code: 550, enhanced: "5.7.1"},
		{addr: "bounce+" + tok + "@sub.sink.test", code: 550, enhanced: "5.7.1"},
		{addr: "x@[127.0.0.1]", code: 550, enhanced: "5.7.1"},
		{addr: "x@[IPv6:::1]", code: 550, enhanced: "5.7.1"},
		// The percent hack and bang paths at our domain route elsewhere.
		{addr: "x%other.test@sink.test", code: 550, enhanced: "5.7.1"},
		{addr: "bounce+" + tok + "%other.test@sink.test", code: 550, enhanced: "5.7.1"},
		{addr: "other.test!x@sink.test", code: 550, enhanced: "5.7.1"},
		// A quoted local part holding an @ reaches us unquoted.
		{addr: "x@other.test@sink.test", code: 550, enhanced: "5.7.1"},
		{addr: "bounce+" + tok + "@sink.test@other.test", code: 550, enhanced: "5.7.1"},
		// Syntax.
		{addr: "no-at-sign", code: 501, enhanced: "5.1.3"},
		{addr: "a b@sink.test", code: 501, enhanced: "5.1.3"},
		{addr: "a\x00b@sink.test", code: 501, enhanced: "5.1.3"},
		{addr: "\u00e9@sink.test", code: 501, enhanced: "5.1.3"},
		{addr: "@sink.test", code: 501, enhanced: "5.1.3"},
		{addr: strings.Repeat("a", 250) + "@sink.test", code: 501, enhanced: "5.1.3"},
	}
	for _, tt := range tests {
		t.Run(tt.addr, func(t *testing.T) {
			r, err := checkRecipient(tt.addr, domains)
			if tt.code == 0 {
				if err != nil {
					t.Fatalf("refused with %d %v, want accepted", err.Code, err.EnhancedCode)
				}
				if r.token != tt.wantToken || r.addr != tt.addr {
					t.Fatalf("got %+v, want token %q", r, tt.wantToken)
				}
				return
			}
			if err == nil {
				t.Fatalf("accepted (token %q), want %d %s", r.token, tt.code, tt.enhanced)
			}
			got := fmtCode(err.EnhancedCode)
			if err.Code != tt.code || got != tt.enhanced {
				t.Fatalf("got %d %s, want %d %s", err.Code, got, tt.code, tt.enhanced)
			}
		})
	}
}

func fmtCode(c [3]int) string {
	return strings.Join([]string{itoa(c[0]), itoa(c[1]), itoa(c[2])}, ".")
}

func itoa(n int) string {
	if n < 0 || n > 9 {
		return "?"
	}
	return string(rune('0' + n))
}

func TestNormalizeDomain(t *testing.T) {
	tests := []struct {
		in, want string
		ok       bool
	}{
		{"Sink.Test", "sink.test", true},
		{"sink.test.", "sink.test", true},
		{"", "", false},
		{".", "", false},
		{"a..b", "", false},
		{"-a.test", "", false},
		{"b\u00fccher.test", "", false},
		{"xn--bcher-kva.test", "xn--bcher-kva.test", true},
		{"a b.test", "", false},
		{"[127.0.0.1]", "", false},
	}
	for _, tt := range tests {
		got, err := normalizeDomain(tt.in)
		if (err == nil) != tt.ok || got != tt.want {
			t.Errorf("normalizeDomain(%q) = %q, %v; want %q, ok=%v", tt.in, got, err, tt.want, tt.ok)
		}
	}
}
