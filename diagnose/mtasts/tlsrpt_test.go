package mtasts_test

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/codeprobe/codeprobe/diagnose/dnsx"
	"github.com/codeprobe/codeprobe/diagnose/mtasts"
	"github.com/codeprobe/codeprobe/fixtures"
)

func TestParseTLSRPT(t *testing.T) {
	tests := []struct {
		in          string
		rua         []string // nil means an error is expected
		unsupported []string
		errPart     string
	}{
		{in: "v=TLSRPTv1; rua=mailto:reports@example.com", rua: []string{"mailto:reports@example.com"}},
		{in: "v=TLSRPTv1;rua=https://reporting.example.com/v1/tlsrpt;", rua: []string{"https://reporting.example.com/v1/tlsrpt"}},
		{in: "v=TLSRPTv1; rua=mailto:a@example.com , https://r.example.net/x", rua: []string{"mailto:a@example.com", "https://r.example.net/x"}},
		{in: "v=TLSRPTv1; rua=mailto:tls%2Crpt@example.com?subject=x", rua: []string{"mailto:tls%2Crpt@example.com?subject=x"}},
		{in: "v=TLSRPTv1; rua=mailto:a@example.com,http://insecure.example/x,ftp://f.example/",
			rua: []string{"mailto:a@example.com"}, unsupported: []string{"http://insecure.example/x", "ftp://f.example/"}},
		{in: "v=TLSRPTv1; ext=1; rua=mailto:a@example.com; rua=mailto:b@example.com", rua: []string{"mailto:a@example.com"}},

		{in: "v=TLSRPTv1", errPart: "no field"},
		{in: "v=TLSRPTv1;", errPart: "no field"},
		{in: "v=TLSRPTv1; ext=1", errPart: "rua field is missing"},
		{in: "v=TLSRPTv1; RUA=mailto:a@example.com", errPart: `"RUA" was given`},
		{in: "v=tlsrptv1; rua=mailto:a@example.com", errPart: "must begin with"},
		{in: "v=TLSRPTv1; rua=", errPart: "empty value"},
		{in: "v=TLSRPTv1; rua=mailto:a@example.com,", errPart: "empty URI"},
		{in: "v=TLSRPTv1; rua=mailto:a@example.com!10m", errPart: "'!' must be percent-encoded"},
		{in: "v=TLSRPTv1; rua=a@example.com", errPart: "no scheme"},
		{in: "v=TLSRPTv1; rua=mailto:example.com", errPart: "not local@domain"},
		{in: "v=TLSRPTv1; rua=mailto:a@", errPart: "not local@domain"},
		{in: "v=TLSRPTv1; rua=mailto:a@exa_mple.com", errPart: "mailto domain"},
		{in: "v=TLSRPTv1; rua=mailto:a%00b@example.com", errPart: "control character"},
		{in: "v=TLSRPTv1; rua=https:///path", errPart: "without a host"},
		{in: "v=TLSRPTv1; rua=http://insecure.example/x", errPart: "no rua URI uses mailto: or https:"},
		{in: "v=TLSRPTv1; rua=mailto:a@example.com x", errPart: "not allowed in a URI"},
		{in: "v=TLSRPTv1; rua=mailto:a@example.com; x=b c", errPart: "value"},
	}
	for _, tc := range tests {
		rec, err := mtasts.ParseTLSRPT(tc.in)
		if tc.rua == nil {
			if err == nil || !errors.Is(err, mtasts.ErrInvalidTLSRPT) || !strings.Contains(err.Error(), tc.errPart) {
				t.Errorf("ParseTLSRPT(%q) = %+v, %v; want an ErrInvalidTLSRPT mentioning %q", tc.in, rec, err, tc.errPart)
			}
			continue
		}
		if err != nil {
			t.Errorf("ParseTLSRPT(%q): %v", tc.in, err)
			continue
		}
		if rec.Version != "TLSRPTv1" || !slices.Equal(rec.RUA, tc.rua) || !slices.Equal(rec.Unsupported, tc.unsupported) || rec.Raw != tc.in {
			t.Errorf("ParseTLSRPT(%q) = %+v; want rua %v, unsupported %v", tc.in, rec, tc.rua, tc.unsupported)
		}
	}
}

func TestCheckTLSRPT(t *testing.T) {
	srv, resolver := startDNS(t, map[string]string{"test.": `
@                 SOA  ns1.test. host.test. 1 2 3 4 60
_smtp._tls.ok     TXT  "v=TLSRPTv1; " "rua=mailto:tlsrpt@ok.test"
_smtp._tls.ok     TXT  "v=spf1 -all"
_smtp._tls.multi  TXT  "v=TLSRPTv1; rua=mailto:a@multi.test"
_smtp._tls.multi  TXT  "v=TLSRPTv1; rua=mailto:b@multi.test"
_smtp._tls.bad    TXT  "v=TLSRPTv1; rua=tlsrpt@bad.test"
_smtp._tls.http   TXT  "v=TLSRPTv1; rua=https://r.http.test/, http://r.http.test/"
_smtp._tls.other  TXT  "some verification token"
`})
	srv.SetBehaviour("_smtp._tls.servfail.test.", fixtures.Behaviour{ServFail: true})

	tests := []struct {
		domain   string
		status   mtasts.TLSRPTStatus
		err      error
		problems []string
		rua      []string
	}{
		{domain: "ok.test.", status: mtasts.TLSRPTOK, rua: []string{"mailto:tlsrpt@ok.test"}},
		{domain: "multi.test", status: mtasts.TLSRPTMultiple, err: mtasts.ErrInvalidTLSRPT, problems: []string{mtasts.ProblemTLSRPTMultiple}},
		{domain: "bad.test", status: mtasts.TLSRPTInvalid, err: mtasts.ErrInvalidTLSRPT, problems: []string{mtasts.ProblemTLSRPTInvalid}},
		{domain: "http.test", status: mtasts.TLSRPTOK, problems: []string{mtasts.ProblemTLSRPTUnsupportedURI}, rua: []string{"https://r.http.test/"}},
		{domain: "other.test", status: mtasts.TLSRPTNone},
		{domain: "absent.test", status: mtasts.TLSRPTNone},
		{domain: "servfail.test", status: mtasts.TLSRPTTempError, err: dnsx.ErrServFail, problems: []string{mtasts.ProblemTLSRPTTempError}},
	}
	for _, tc := range tests {
		t.Run(tc.domain, func(t *testing.T) {
			res := mtasts.CheckTLSRPT(context.Background(), resolver, tc.domain)
			if res.Status != tc.status {
				t.Fatalf("status %q, want %q (err %v)", res.Status, tc.status, res.Err)
			}
			checkErr(t, res.Err, tc.err)
			if got := problemIDs(res.Problems); !slices.Equal(got, tc.problems) {
				t.Errorf("problems %v, want %v", got, tc.problems)
			}
			var rua []string
			if res.Record != nil {
				rua = res.Record.RUA
			}
			if !slices.Equal(rua, tc.rua) {
				t.Errorf("rua %v, want %v", rua, tc.rua)
			}
			if want := "_smtp._tls." + strings.TrimSuffix(tc.domain, "."); res.Name != want {
				t.Errorf("name %q, want %q", res.Name, want)
			}
		})
	}
}
