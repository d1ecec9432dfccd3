package mtasts_test

import (
	"strings"
	"testing"

	"github.com/codeprobe/codeprobe/diagnose/mtasts"
)

// The seed corpora live in testdata/fuzz/<FuzzName>/.

func FuzzParseTXT(f *testing.F) {
	f.Fuzz(func(t *testing.T, s string) {
		rec, err := mtasts.ParseTXT(s)
		if err != nil {
			if rec != nil {
				t.Fatalf("record %+v returned with error %v", rec, err)
			}
			return
		}
		if rec.Raw != s || rec.Version != "STSv1" || !strings.HasPrefix(s, "v=STSv1") {
			t.Fatalf("accepted %q as %+v", s, rec)
		}
		if n := len(rec.ID); n < 1 || n > 32 || !strings.Contains(s, "id="+rec.ID) {
			t.Fatalf("accepted %q with id %q", s, rec.ID)
		}
	})
}

func FuzzParsePolicy(f *testing.F) {
	f.Fuzz(func(t *testing.T, body []byte) {
		p, err := mtasts.ParsePolicy(body)
		if err != nil {
			if p != nil {
				t.Fatalf("policy %+v returned with error %v", p, err)
			}
			return
		}
		if len(body) > mtasts.MaxPolicySize || p.Raw != string(body) || p.Version != "STSv1" {
			t.Fatalf("accepted %q as %+v", body, p)
		}
		if p.MaxAge < 0 || p.MaxAge > mtasts.MaxMaxAge {
			t.Fatalf("max_age %d accepted", p.MaxAge)
		}
		switch p.Mode {
		case mtasts.ModeEnforce, mtasts.ModeTesting:
			if len(p.MX) == 0 {
				t.Fatalf("mode %s without mx accepted", p.Mode)
			}
		case mtasts.ModeNone:
		default:
			t.Fatalf("mode %q accepted", p.Mode)
		}
		// Every pattern must match the host it describes.
		for _, mx := range p.MX {
			host := mx
			if rest, ok := strings.CutPrefix(mx, "*."); ok {
				host = "label." + rest
				if p.Matches(rest) {
					t.Fatalf("pattern %q matches its bare suffix", mx)
				}
			}
			if !p.Matches(host) {
				t.Fatalf("pattern %q does not match %q", mx, host)
			}
		}
	})
}

func FuzzParseTLSRPT(f *testing.F) {
	f.Fuzz(func(t *testing.T, s string) {
		rec, err := mtasts.ParseTLSRPT(s)
		if err != nil {
			if rec != nil {
				t.Fatalf("record %+v returned with error %v", rec, err)
			}
			return
		}
		if rec.Raw != s || len(rec.RUA) == 0 || !strings.HasPrefix(s, "v=TLSRPTv1") {
			t.Fatalf("accepted %q as %+v", s, rec)
		}
		for _, u := range rec.RUA {
			l := strings.ToLower(u)
			if !strings.HasPrefix(l, "mailto:") && !strings.HasPrefix(l, "https:") {
				t.Fatalf("rua %q accepted as supported", u)
			}
			if strings.ContainsAny(u, " ,;!") {
				t.Fatalf("rua %q has a delimiter in it", u)
			}
		}
	})
}
