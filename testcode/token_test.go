package testcode

import (
	"strings"
	"testing"
)

func TestNewToken(t *testing.T) {
	seen := make(map[string]bool)
	var counts [32]int
	const n = 2000
	for range n {
		tok, err := NewToken()
		if err != nil {
			t.Fatal(err)
		}
		if !ValidToken(tok) {
			t.Fatalf("NewToken() = %q, not a valid token", tok)
		}
		if seen[tok] {
			t.Fatalf("NewToken() repeated %q", tok)
		}
		seen[tok] = true
		for i := 0; i < len(tok); i++ {
			counts[strings.IndexByte(tokenAlphabet, tok[i])]++
		}
	}
	// 40,000 symbols, 1,250 expected per symbol; a symbol never drawn or
	// drawn twice as often means the mapping is biased or broken.
	for i, c := range counts {
		if c < 1000 || c > 1500 {
			t.Errorf("symbol %q drawn %d times of %d, want about %d", tokenAlphabet[i], c, n*TokenLen, n*TokenLen/32)
		}
	}
}

func TestValidToken(t *testing.T) {
	tests := []struct {
		in   string
		want bool
	}{
		{"abcdefghijklmnopqrst", true},
		{"234567abcdefghijklmn", true},
		{"abcdefghijklmnopqrs", false},   // 19
		{"abcdefghijklmnopqrstu", false}, // 21
		{"ABCDEFGHIJKLMNOPQRST", false},  // upper case is not the team format
		{"abcdefghijklmnopqrs1", false},  // 1 is not base32
		{"abcdefghijklmnopqrs8", false},
		{"abcdefghijklmnopqrs=", false},
		{"", false},
	}
	for _, tc := range tests {
		if got := ValidToken(tc.in); got != tc.want {
			t.Errorf("ValidToken(%q) = %v, want %v", tc.in, got, tc.want)
		}
	}
}

func TestBounceAddress(t *testing.T) {
	const tok = "abcdefghijklmnopqrst"
	if got, want := BounceAddress(tok, "Sink.Example."), "bounce+abcdefghijklmnopqrst@sink.example"; got != want {
		t.Errorf("BounceAddress = %q, want %q", got, want)
	}
	got, ok := TokenFromAddress(BounceAddress(tok, "sink.example"))
	if !ok || got != tok {
		t.Errorf("round trip gave %q, %v", got, ok)
	}
}

func TestTokenFromAddress(t *testing.T) {
	const tok = "k7m2q4x5vbnhd3ja6wpe"
	up := strings.ToUpper(tok)
	tests := []struct {
		name, in string
		ok       bool
	}{
		{"plain", "bounce+" + tok + "@sink.example", true},
		{"upper-cased by a forwarder", "BOUNCE+" + up + "@SINK.EXAMPLE", true},
		{"angle brackets", "<bounce+" + tok + "@sink.example>", true},
		{"display name", `"Mail Delivery" <bounce+` + tok + `@sink.example>`, true},
		{"quoted local part", `"bounce+` + tok + `"@sink.example`, true},
		{"surrounding space", "  bounce+" + tok + "@sink.example ", true},
		{"BATV prvs", "prvs=1234abcd=bounce+" + tok + "@sink.example", true},
		{"BATV prvs upper", "PRVS=1234ABCD=BOUNCE+" + up + "@sink.example", true},
		{"BATV reversed", "bounce+" + tok + "=prvs=1234abcd@sink.example", true},
		{"SRS0", "SRS0=HHH=TT=sink.example=bounce+" + tok + "@forwarder.example", true},
		{"SRS1", "SRS1=HHH=fwd.example==HHH=TT=sink.example=bounce+" + tok + "@fwd2.example", true},
		{"SRS0 upper", "srs0=hhh=tt=SINK.EXAMPLE=BOUNCE+" + up + "@forwarder.example", true},
		{"token too short", "bounce+" + tok[:19] + "@sink.example", false},
		{"token too long", "bounce+" + tok + "a@sink.example", false},
		{"not base32", "bounce+" + tok[:19] + "1@sink.example", false},
		{"another prefix", "bouncer+" + tok + "@sink.example", false},
		{"embedded, not a field", "xbounce+" + tok + "@sink.example", false},
		{"no at", "bounce+" + tok, false},
		{"empty domain", "bounce+" + tok + "@", false},
		{"empty", "", false},
		{"CRLF", "bounce+" + tok + "@sink.example\r\nBcc: x@y", false},
		{"unclosed bracket", "<bounce+" + tok + "@sink.example", false},
		{"null sender", "<>", false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, ok := TokenFromAddress(tc.in)
			if ok != tc.ok {
				t.Fatalf("TokenFromAddress(%q) ok = %v, want %v", tc.in, ok, tc.ok)
			}
			if ok && got != tok {
				t.Errorf("TokenFromAddress(%q) = %q, want %q", tc.in, got, tok)
			}
			if !ok && got != "" {
				t.Errorf("TokenFromAddress(%q) = %q with ok false", tc.in, got)
			}
		})
	}
}

func FuzzTokenFromAddress(f *testing.F) {
	for _, s := range []string{
		"bounce+k7m2q4x5vbnhd3ja6wpe@sink.example",
		"prvs=1234abcd=bounce+k7m2q4x5vbnhd3ja6wpe@sink.example",
		"SRS0=HHH=TT=sink.example=BOUNCE+K7M2Q4X5VBNHD3JA6WPE@fwd.example",
		`"x" <bounce+k7m2q4x5vbnhd3ja6wpe@sink.example>`,
		"<>", "@", "a@b", "=====@", "<<<>>>",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		tok, ok := TokenFromAddress(in)
		if !ok {
			if tok != "" {
				t.Fatalf("TokenFromAddress(%q) = %q with ok false", in, tok)
			}
			return
		}
		if !ValidToken(tok) {
			t.Fatalf("TokenFromAddress(%q) = %q, not a valid token", in, tok)
		}
		// The token came from the input, in some letter case.
		if !strings.Contains(strings.ToLower(in), bouncePrefix+tok) {
			t.Fatalf("TokenFromAddress(%q) = %q, which is not in the input", in, tok)
		}
		// Whatever was found is found again in the canonical form.
		again, ok := TokenFromAddress(BounceAddress(tok, "sink.example"))
		if !ok || again != tok {
			t.Fatalf("canonical form of %q gave %q, %v", tok, again, ok)
		}
	})
}
