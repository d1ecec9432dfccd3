package dane_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/codeprobe/codeprobe/diagnose/dane"
	"github.com/codeprobe/codeprobe/diagnose/dnsx"
	"github.com/codeprobe/codeprobe/fixtures"
	"github.com/miekg/dns"
)

func TestCheckDNSSEC(t *testing.T) {
	r := startDNS(t, func(s *fixtures.DNSServer) {
		addZone(t, s, "test.", `@ SOA ns1.test. host.test. 1 2 3 4 60`)
		addZone(t, s, "signed.test.", `
@   SOA ns1 host 1 2 3 4 60
@   MX  10 mx
mx  A   192.0.2.1
sub A   192.0.2.2
`)
		s.MarkSecure("signed.test.")
		addZone(t, s, "plain.test.", `
@   SOA ns1 host 1 2 3 4 60
@   MX  10 mx
`)
		s.SetBehaviour("broken.test.", fixtures.Behaviour{ServFail: true})
		s.SetBehaviour("silent.test.", fixtures.Behaviour{Drop: true})
	})
	tests := []struct {
		domain   string
		status   string
		secure   bool
		mxSecure bool
	}{
		{domain: "signed.test", status: dane.DNSSECSecure, secure: true, mxSecure: true},
		{domain: "SIGNED.test.", status: dane.DNSSECSecure, secure: true, mxSecure: true},
		// A name below the apex has no SOA and no MX: the validated no-data
		// answers still carry AD.
		{domain: "sub.signed.test", status: dane.DNSSECSecure, secure: true, mxSecure: true},
		// So does a validated NXDOMAIN.
		{domain: "gone.signed.test", status: dane.DNSSECSecure, secure: true, mxSecure: true},
		{domain: "plain.test", status: dane.DNSSECInsecure},
		{domain: "nowhere.test", status: dane.DNSSECInsecure},
		{domain: "broken.test", status: dane.DNSSECUnknown},
		{domain: "silent.test", status: dane.DNSSECUnknown},
	}
	for _, tc := range tests {
		t.Run(tc.domain, func(t *testing.T) {
			start := time.Now()
			res := dane.CheckDNSSEC(context.Background(), r, tc.domain)
			if res.Status != tc.status || res.Secure != tc.secure || res.MXSecure != tc.mxSecure {
				t.Fatalf("got status %q secure %v mx-secure %v, want %q %v %v (err %v)",
					res.Status, res.Secure, res.MXSecure, tc.status, tc.secure, tc.mxSecure, res.Err)
			}
			if tc.status == dane.DNSSECUnknown {
				if !errors.Is(res.Err, dane.ErrDNS) || len(res.Problems) != 1 || res.Problems[0].ID != dane.ProblemDNSSECError {
					t.Errorf("err %v, problems %+v", res.Err, res.Problems)
				}
				if tc.domain == "broken.test" && !errors.Is(res.Err, dnsx.ErrServFail) {
					t.Errorf("err %v does not wrap SERVFAIL", res.Err)
				}
			} else if res.Err != nil || res.SOAAnswer == nil || res.MXAnswer == nil || len(res.Problems) != 0 {
				t.Errorf("err %v, answers %v %v, problems %+v", res.Err, res.SOAAnswer, res.MXAnswer, res.Problems)
			}
			if time.Since(start) > 2*time.Second {
				t.Errorf("took %v", time.Since(start))
			}
		})
	}

	// Without the SOA answer, the MX answer decides.
	sc := dane.CheckDNSSEC(context.Background(), soaFails{r}, "signed.test")
	if sc.Status != dane.DNSSECSecure || !sc.Secure || sc.SOAAnswer != nil {
		t.Errorf("SOA failing: %+v", sc)
	}
	if nr := dane.CheckDNSSEC(context.Background(), nil, "signed.test"); nr.Status != dane.DNSSECUnknown || nr.Err == nil {
		t.Errorf("nil resolver: %+v", nr)
	}
}

// soaFails passes every question to its Querier except SOA questions, which
// fail as if the server had answered SERVFAIL.
type soaFails struct{ q dnsx.Querier }

func (s soaFails) Query(ctx context.Context, name string, qtype uint16) (*dnsx.Answer, error) {
	if qtype == dns.TypeSOA {
		return nil, &dnsx.Error{Name: name, Type: qtype, Err: dnsx.ErrServFail}
	}
	return s.q.Query(ctx, name, qtype)
}
