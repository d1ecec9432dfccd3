package dmarc

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/miekg/dns"

	"github.com/codeprobe/codeprobe/diagnose/dnsx"
	"github.com/codeprobe/codeprobe/fixtures"
)

// world is the fixture DNS data the lookup tests run against.
var world = map[string]string{
	"example.co.uk.": `
_dmarc  TXT "v=DMARC1; p=reject; sp=quarantine; rua=mailto:dmarc@example.co.uk"
own.sub TXT "not a DMARC record"
_dmarc.own.sub TXT "v=DMARC1; p=none; rua=mailto:dmarc@example.co.uk"
www     A   192.0.2.1`,
	"reject.com.": `
_dmarc TXT "v=DMARC1; p=reject; " "rua=mailto:d@reject.com"`,
	"monitor.com.": `
_dmarc TXT "v=DMARC1; p=none"`,
	"partial.com.": `
_dmarc TXT "v=DMARC1; p=quarantine; pct=20; rua=mailto:d@partial.com"`,
	"multi.com.": `
_dmarc TXT "v=DMARC1; p=reject"
_dmarc TXT "v=DMARC1; p=none"
_dmarc TXT "google-site-verification=abc"`,
	"nodmarc.com.": `
_dmarc TXT "google-site-verification=abc"`,
	"lookalike.com.": `
_dmarc TXT "v=dmarc1; p=reject"`,
	"invalid.com.": `
_dmarc TXT "v=DMARC1; p=bogus"`,
	"servfail.com.": `
deep   A   192.0.2.1`,
	"slow.com.": `
_dmarc TXT "v=DMARC1; p=reject"`,
	"ext.com.": `
_dmarc TXT "v=DMARC1; p=reject; rua=mailto:a@reports.net,mailto:b@other.net,mailto:c@wild.net,mailto:d@ext.com; ruf=mailto:e@reports.net"`,
	"reports.net.": `
ext.com._report._dmarc TXT "v=DMARC1;"`,
	"wild.net.": `
*._report._dmarc TXT "v=DMARC1"`,
	"other.net.": `
www A 192.0.2.2`,
	"cname.com.": `
_dmarc CNAME cname-com.dmarc.provider.net.`,
	"provider.net.": `
cname-com.dmarc TXT "v=DMARC1; p=quarantine; rua=mailto:agg@provider.net"
cname.com._report._dmarc TXT "v=DMARC1"`,
}

// startWorld serves world on 127.0.0.1 and returns the server and a
// resolver pointed at it with short timeouts.
func startWorld(t *testing.T) (*fixtures.DNSServer, *dnsx.Resolver) {
	t.Helper()
	srv := fixtures.NewDNSServer()
	for origin, text := range world {
		soa := "@ SOA ns." + origin + " hostmaster." + origin + " 1 3600 600 86400 60\n"
		if err := srv.AddZone(origin, soa+text); err != nil {
			t.Fatal(err)
		}
	}
	srv.SetBehaviour("_dmarc.servfail.com", fixtures.Behaviour{ServFail: true})
	srv.SetBehaviour("_dmarc.slow.com", fixtures.Behaviour{Drop: true})
	if err := srv.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Close() })
	// No cache: the tests count the questions the server receives. The
	// timeout is generous because the machine may be busy; the tests of
	// unanswered questions bound the time with the context.
	r, err := dnsx.New(dnsx.Config{Servers: []string{srv.Addr}, Timeout: 2 * time.Second, Attempts: 1, CacheSize: -1})
	if err != nil {
		t.Fatal(err)
	}
	return srv, r
}

func problemIDs(ps []Problem) []string {
	var ids []string
	for _, p := range ps {
		ids = append(ids, p.ID)
	}
	return ids
}

func hasProblem(c *Check, id string) bool {
	for _, p := range c.Problems {
		if p.ID == id {
			return true
		}
	}
	return false
}

func TestLookup(t *testing.T) {
	_, r := startWorld(t)
	tests := []struct {
		domain       string
		status       Status
		policy       string
		recordDomain string
		inherited    bool
		problems     []string // must all be present
		absent       []string // must not be present
	}{
		{"reject.com", StatusOK, "reject", "_dmarc.reject.com", false, nil, []string{"dmarc.no-rua", "dmarc.policy-none"}},
		{"example.co.uk", StatusOK, "reject", "_dmarc.example.co.uk", false, []string{"dmarc.sp-weaker"}, []string{"dmarc.inherited"}},
		{"sub.example.co.uk", StatusOK, "quarantine", "_dmarc.example.co.uk", true, []string{"dmarc.inherited"}, []string{"dmarc.sp-weaker"}},
		{"www.example.co.uk.", StatusOK, "quarantine", "_dmarc.example.co.uk", true, []string{"dmarc.inherited"}, nil},
		{"own.sub.example.co.uk", StatusMonitoring, "none", "_dmarc.own.sub.example.co.uk", false, []string{"dmarc.policy-none"}, []string{"dmarc.inherited"}},
		{"monitor.com", StatusMonitoring, "none", "_dmarc.monitor.com", false, []string{"dmarc.policy-none", "dmarc.no-rua"}, nil},
		{"partial.com", StatusPartial, "quarantine", "_dmarc.partial.com", false, []string{"dmarc.pct"}, nil},
		{"multi.com", StatusMultiple, "", "_dmarc.multi.com", false, []string{"dmarc.multiple"}, nil},
		{"x.multi.com", StatusMultiple, "", "_dmarc.multi.com", true, []string{"dmarc.multiple"}, nil},
		{"nodmarc.com", StatusNone, "", "_dmarc.nodmarc.com", false, []string{"dmarc.none"}, []string{"dmarc.ignored-record"}},
		{"nxdomain.example.org", StatusNone, "", "_dmarc.example.org", false, []string{"dmarc.none"}, nil},
		{"lookalike.com", StatusNone, "", "_dmarc.lookalike.com", false, []string{"dmarc.none", "dmarc.ignored-record"}, nil},
		{"invalid.com", StatusInvalid, "", "_dmarc.invalid.com", false, []string{"dmarc.invalid"}, nil},
		{"servfail.com", StatusTempError, "", "_dmarc.servfail.com", false, []string{"dmarc.temperror"}, nil},
		{"deep.servfail.com", StatusTempError, "", "_dmarc.servfail.com", true, []string{"dmarc.temperror"}, nil},
		{"cname.com", StatusOK, "quarantine", "_dmarc.cname.com", false, nil, []string{"dmarc.rua-external-unauthorised"}},
	}
	for _, tt := range tests {
		t.Run(tt.domain, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
			defer cancel()
			c := Lookup(ctx, r, tt.domain)
			if c.Status != tt.status || c.Policy != tt.policy || c.RecordDomain != tt.recordDomain || c.Inherited != tt.inherited {
				t.Errorf("got status %s policy %q at %s inherited %v; want %s %q at %s %v (problems %v, err %v)",
					c.Status, c.Policy, c.RecordDomain, c.Inherited, tt.status, tt.policy, tt.recordDomain, tt.inherited,
					problemIDs(c.Problems), c.Err)
			}
			for _, id := range tt.problems {
				if !hasProblem(c, id) {
					t.Errorf("problem %s missing; got %v", id, problemIDs(c.Problems))
				}
			}
			for _, id := range tt.absent {
				if hasProblem(c, id) {
					t.Errorf("unexpected problem %s in %v", id, problemIDs(c.Problems))
				}
			}
			if (c.Status == StatusTempError) != (c.Err != nil) {
				t.Errorf("status %s with Err %v", c.Status, c.Err)
			}
			if c.Status != StatusTempError && len(c.Answers) == 0 {
				t.Error("no DNS answers kept as evidence")
			}
		})
	}
}

// TestLookupNoFallbackWhenFound: a record at the domain itself means no
// question about the organisational domain (RFC 7489 §6.6.3 step 3), and
// a missing one means exactly one.
func TestLookupNoFallbackWhenFound(t *testing.T) {
	srv, r := startWorld(t)
	Lookup(context.Background(), r, "own.sub.example.co.uk")
	if n := srv.QueriesFor("_dmarc.example.co.uk", dns.TypeTXT); n != 0 {
		t.Errorf("_dmarc.example.co.uk asked %d times, want 0", n)
	}
	Lookup(context.Background(), r, "sub.example.co.uk")
	if n := srv.QueriesFor("_dmarc.example.co.uk", dns.TypeTXT); n != 1 {
		t.Errorf("_dmarc.example.co.uk asked %d times, want 1", n)
	}
	if n := srv.QueriesFor("_dmarc.sub.example.co.uk", dns.TypeTXT); n != 1 {
		t.Errorf("_dmarc.sub.example.co.uk asked %d times, want 1", n)
	}
}

func TestLookupRecordDetails(t *testing.T) {
	_, r := startWorld(t)
	ctx := context.Background()

	c := Lookup(ctx, r, "reject.com")
	if c.Raw != "v=DMARC1; p=reject; rua=mailto:d@reject.com" {
		t.Errorf("strings of the TXT record not joined: %q", c.Raw)
	}
	c = Lookup(ctx, r, "cname.com")
	if len(c.CNAMEs) != 1 || c.CNAMEs[0] != "cname-com.dmarc.provider.net." {
		t.Errorf("CNAMEs = %v", c.CNAMEs)
	}
	if len(c.Destinations) != 1 || !c.Destinations[0].External || !c.Destinations[0].Authorised {
		t.Errorf("delegated rua: %+v", c.Destinations)
	}
	c = Lookup(ctx, r, "multi.com")
	if p := c.Problems[0]; !strings.Contains(p.Detail, "p=none") || !strings.Contains(p.Detail, "p=reject") {
		t.Errorf("multiple: detail should quote both records: %q", p.Detail)
	}
}

func TestLookupExternalDestinations(t *testing.T) {
	srv, r := startWorld(t)
	c := Lookup(context.Background(), r, "ext.com")
	if c.Status != StatusOK {
		t.Fatalf("status %s, problems %v", c.Status, problemIDs(c.Problems))
	}
	want := []Destination{
		{Tag: "rua", URI: "mailto:a@reports.net", Domain: "reports.net", External: true, VerifyName: "ext.com._report._dmarc.reports.net", Authorised: true},
		{Tag: "rua", URI: "mailto:b@other.net", Domain: "other.net", External: true, VerifyName: "ext.com._report._dmarc.other.net"},
		{Tag: "rua", URI: "mailto:c@wild.net", Domain: "wild.net", External: true, VerifyName: "ext.com._report._dmarc.wild.net", Authorised: true},
		{Tag: "rua", URI: "mailto:d@ext.com", Domain: "ext.com", Authorised: true},
		{Tag: "ruf", URI: "mailto:e@reports.net", Domain: "reports.net", External: true, VerifyName: "ext.com._report._dmarc.reports.net", Authorised: true},
	}
	if len(c.Destinations) != len(want) {
		t.Fatalf("destinations %+v", c.Destinations)
	}
	for i, w := range want {
		if got := c.Destinations[i]; got != w {
			t.Errorf("destination %d:\n got %+v\nwant %+v", i, got, w)
		}
	}
	var unauth []string
	for _, p := range c.Problems {
		if strings.HasSuffix(p.ID, "-external-unauthorised") {
			unauth = append(unauth, p.ID+" "+p.Detail)
		}
	}
	if len(unauth) != 1 || !strings.Contains(unauth[0], "dmarc.rua-external-unauthorised") || !strings.Contains(unauth[0], "b@other.net") {
		t.Errorf("unauthorised destinations: %v", unauth)
	}
	// The same destination host is asked once for rua and ruf.
	if n := srv.QueriesFor("ext.com._report._dmarc.reports.net", dns.TypeTXT); n != 1 {
		t.Errorf("verification record asked %d times, want 1", n)
	}
}

// TestLookupTimeout: a server that never answers yields temperror within
// the caller's deadline, not a hang.
func TestLookupTimeout(t *testing.T) {
	_, r := startWorld(t)
	ctx, cancel := context.WithTimeout(context.Background(), 500*time.Millisecond)
	defer cancel()
	start := time.Now()
	c := Lookup(ctx, r, "slow.com")
	if elapsed := time.Since(start); elapsed > 1500*time.Millisecond {
		t.Errorf("took %v", elapsed)
	}
	if c.Status != StatusTempError || !errors.Is(c.Err, dnsx.ErrTimeout) {
		t.Errorf("status %s err %v", c.Status, c.Err)
	}
}

func TestLookupBadDomain(t *testing.T) {
	_, r := startWorld(t)
	for _, d := range []string{"", "a..b", strings.Repeat("a", 64) + ".com"} {
		c := Lookup(context.Background(), r, d)
		if c.Status != StatusInvalid || !errors.Is(c.Err, ErrBadDomain) || !hasProblem(c, "dmarc.bad-domain") {
			t.Errorf("%q: status %s err %v problems %v", d, c.Status, c.Err, problemIDs(c.Problems))
		}
	}
}
