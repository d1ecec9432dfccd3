package dkimkey

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/miekg/dns"

	"github.com/codeprobe/codeprobe/diagnose/dnsx"
	"github.com/codeprobe/codeprobe/fixtures"
)

// startWorld serves the fixture zones on 127.0.0.1 and returns the server
// and a resolver for it, without a cache so that every lookup reaches the
// server.
func startWorld(t *testing.T, zones map[string]string) (*fixtures.DNSServer, *dnsx.Resolver) {
	t.Helper()
	srv := fixtures.NewDNSServer()
	for origin, text := range zones {
		soa := "@ SOA ns." + origin + " hostmaster." + origin + " 1 3600 600 86400 60\n"
		if err := srv.AddZone(origin, soa+text); err != nil {
			t.Fatal(err)
		}
	}
	if err := srv.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Close() })
	r, err := dnsx.New(dnsx.Config{Servers: []string{srv.Addr}, Timeout: 2 * time.Second, Attempts: 1, CacheSize: -1})
	if err != nil {
		t.Fatal(err)
	}
	return srv, r
}

// keyWorld returns zones with the cases the lookup tests need.
func keyWorld(t *testing.T) map[string]string {
	rsa2048 := strings.TrimPrefix(rsaRecord(t, 2048, false), "v=DKIM1; k=rsa; p=")
	rsa1024 := strings.TrimPrefix(rsaRecord(t, 1024, false), "v=DKIM1; k=rsa; p=")
	pub, _, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	ed := base64.StdEncoding.EncodeToString(pub)
	return map[string]string{
		"example.com.": `
google._domainkey    TXT "v=DKIM1; k=rsa; p=` + rsa2048[:200] + `" "` + rsa2048[200:] + `"
selector1._domainkey CNAME selector1-example-com._domainkey.tenant.onmicrosoft.com.
selector2._domainkey CNAME selector2-example-com._domainkey.tenant.onmicrosoft.com.
k1._domainkey        TXT "v=DKIM1; p=` + rsa1024 + `"
old._domainkey       TXT "v=DKIM1; p="
dup._domainkey       TXT "v=DKIM1; k=ed25519; p=` + ed + `"
dup._domainkey       TXT "v=DKIM1; p=` + rsa1024 + `"
broken._domainkey    TXT "v=DKIM1; k=rsa; p=notbase64!!"
alias._domainkey     CNAME gone.example.net.
sf._domainkey        TXT "v=DKIM1; p="
slow._domainkey      TXT "v=DKIM1; p="
www                  A   192.0.2.1`,
		"tenant.onmicrosoft.com.": `
selector1-example-com._domainkey TXT "v=DKIM1; k=ed25519; p=` + ed + `"`,
		"wild.com.": `
*._domainkey  TXT "v=DKIM1; p="
s1._domainkey TXT "v=DKIM1; k=ed25519; p=` + ed + `"`,
	}
}

func TestLookup(t *testing.T) {
	srv, r := startWorld(t, keyWorld(t))
	srv.SetBehaviour("sf._domainkey.example.com", fixtures.Behaviour{ServFail: true})
	tests := []struct {
		selector string
		status   Status
		target   string
		problems []string
	}{
		{"google", StatusOK, "google._domainkey.example.com", nil},
		{"GOOGLE", StatusOK, "google._domainkey.example.com", nil},
		{"selector1", StatusOK, "selector1-example-com._domainkey.tenant.onmicrosoft.com", []string{"dkim.ed25519"}},
		{"selector2", StatusMissing, "selector2-example-com._domainkey.tenant.onmicrosoft.com", []string{"dkim.cname-dangling"}},
		{"alias", StatusMissing, "gone.example.net", []string{"dkim.cname-dangling"}},
		{"k1", StatusWeak, "k1._domainkey.example.com", []string{"dkim.rsa-weak"}},
		{"old", StatusRevoked, "old._domainkey.example.com", []string{"dkim.revoked"}},
		{"dup", StatusInvalid, "dup._domainkey.example.com", []string{"dkim.ed25519", "dkim.multiple"}},
		{"broken", StatusInvalid, "broken._domainkey.example.com", []string{"dkim.invalid"}},
		{"nosuch", StatusMissing, "nosuch._domainkey.example.com", []string{"dkim.missing"}},
		{"sf", StatusTempError, "sf._domainkey.example.com", []string{"dkim.temperror"}},
		{"a..b", StatusInvalid, "", []string{"dkim.bad-name"}},
	}
	for _, tt := range tests {
		t.Run(tt.selector, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
			defer cancel()
			k := Lookup(ctx, r, "example.com", tt.selector)
			if k.Status != tt.status || k.Target != tt.target || !slices.Equal(ids(k.Problems), tt.problems) {
				t.Errorf("status %s target %q problems %v (err %v); want %s %q %v",
					k.Status, k.Target, ids(k.Problems), k.Err, tt.status, tt.target, tt.problems)
			}
			if k.Selector != tt.selector || k.Domain != "example.com" {
				t.Errorf("selector %q domain %q", k.Selector, k.Domain)
			}
			if (k.Status == StatusTempError) != (k.Err != nil && errors.Is(k.Err, dnsx.ErrServFail)) {
				t.Errorf("status %s with err %v", k.Status, k.Err)
			}
			if k.Status != StatusTempError && tt.target != "" && k.Answer == nil {
				t.Error("no DNS answer kept as evidence")
			}
		})
	}
}

func TestLookupDetails(t *testing.T) {
	_, r := startWorld(t, keyWorld(t))
	k := Lookup(context.Background(), r, "example.com.", "google")
	if k.Bits != 2048 || !strings.HasPrefix(k.Raw, "v=DKIM1; k=rsa; p=MII") || strings.Contains(k.Raw, `"`) {
		t.Errorf("split TXT record not joined: bits %d raw %q", k.Bits, k.Raw)
	}
	if k.Name != "google._domainkey.example.com" {
		t.Errorf("name %q", k.Name)
	}
	k = Lookup(context.Background(), r, "example.com", "selector1")
	if len(k.CNAMEs) != 1 || k.CNAMEs[0] != "selector1-example-com._domainkey.tenant.onmicrosoft.com." {
		t.Errorf("CNAMEs %v", k.CNAMEs)
	}
	k = Lookup(context.Background(), r, "example.com", "selector2")
	if !strings.Contains(k.Problems[0].Detail, "Microsoft 365") {
		t.Errorf("dangling onmicrosoft.com alias not explained: %q", k.Problems[0].Detail)
	}
}

// TestLookupTimeout: a server that never answers yields temperror within
// the caller's deadline.
func TestLookupTimeout(t *testing.T) {
	srv, r := startWorld(t, keyWorld(t))
	srv.SetBehaviour("slow._domainkey.example.com", fixtures.Behaviour{Drop: true})
	ctx, cancel := context.WithTimeout(context.Background(), 500*time.Millisecond)
	defer cancel()
	start := time.Now()
	k := Lookup(ctx, r, "example.com", "slow")
	if elapsed := time.Since(start); elapsed > 1500*time.Millisecond {
		t.Errorf("took %v", elapsed)
	}
	if k.Status != StatusTempError || !errors.Is(k.Err, dnsx.ErrTimeout) {
		t.Errorf("status %s err %v", k.Status, k.Err)
	}
}

func selectorsOf(keys []*Key) []string {
	var out []string
	for _, k := range keys {
		out = append(out, k.Selector+"="+string(k.Status))
	}
	return out
}

func TestScan(t *testing.T) {
	srv, r := startWorld(t, keyWorld(t))
	ctx := context.Background()

	keys := Scan(ctx, r, "example.com", []string{"google", "nosuch", "google", "Selector1"}, &ScanOptions{Common: true})
	want := []string{"google=ok", "nosuch=missing", "Selector1=ok", "k1=weak"}
	if got := selectorsOf(keys); !slices.Equal(got, want) {
		t.Errorf("Scan with common selectors = %v, want %v", got, want)
	}
	if n := srv.QueriesFor("google._domainkey.example.com", dns.TypeTXT); n != 1 {
		t.Errorf("google asked %d times, want 1", n)
	}

	keys = Scan(ctx, r, "example.com", []string{"old"}, nil)
	if got := selectorsOf(keys); !slices.Equal(got, []string{"old=revoked"}) {
		t.Errorf("Scan without common selectors = %v", got)
	}
	if n := srv.QueriesFor("mxvault._domainkey.example.com", dns.TypeTXT); n != 1 {
		t.Errorf("common selector asked %d times after one common scan, want 1", n)
	}
}

func TestScanWildcard(t *testing.T) {
	_, r := startWorld(t, keyWorld(t))
	keys := Scan(context.Background(), r, "wild.com", []string{"s1", "mine"}, &ScanOptions{Common: true})
	want := []string{"s1=ok", "mine=revoked"}
	if got := selectorsOf(keys); !slices.Equal(got, want) {
		t.Fatalf("Scan = %v, want %v", got, want)
	}
	if keys[0].Wildcard || !keys[1].Wildcard || !slices.Contains(ids(keys[1].Problems), "dkim.wildcard") {
		t.Errorf("wildcard marks: s1 %v %v, mine %v %v", keys[0].Wildcard, ids(keys[0].Problems), keys[1].Wildcard, ids(keys[1].Problems))
	}
}

// TestScanFailures: selectors that could not be checked are returned, the
// common ones included, so an unanswerable scan is not mistaken for a
// domain without keys.
func TestScanFailures(t *testing.T) {
	srv, r := startWorld(t, keyWorld(t))
	srv.SetBehaviour("sf._domainkey.example.com", fixtures.Behaviour{ServFail: true})
	srv.SetBehaviour("dkim._domainkey.example.com", fixtures.Behaviour{ServFail: true})
	keys := Scan(context.Background(), r, "example.com", []string{"sf"}, &ScanOptions{Common: true})
	want := []string{"sf=temperror", "google=ok", "selector1=ok", "k1=weak", "dkim=temperror"}
	if got := selectorsOf(keys); !slices.Equal(got, want) {
		t.Errorf("Scan = %v, want %v", got, want)
	}
}

// TestScanConcurrent: the lookups overlap, so a scan of every common
// selector through a slow resolver takes a few round trips, not twenty.
func TestScanConcurrent(t *testing.T) {
	srv, r := startWorld(t, keyWorld(t))
	srv.SetLatency(200 * time.Millisecond)
	start := time.Now()
	keys := Scan(context.Background(), r, "example.com", nil, &ScanOptions{Common: true, Concurrency: 8})
	if elapsed := time.Since(start); elapsed > 2*time.Second {
		t.Errorf("scan of %d selectors took %v", len(CommonSelectors)+1, elapsed)
	}
	if got := selectorsOf(keys); !slices.Equal(got, []string{"google=ok", "selector1=ok", "k1=weak"}) {
		t.Errorf("Scan = %v", got)
	}
}

func TestCommonSelectors(t *testing.T) {
	if len(CommonSelectors) > 20 {
		t.Errorf("%d common selectors, the limit is 20", len(CommonSelectors))
	}
	seen := map[string]bool{}
	for _, s := range CommonSelectors {
		if _, err := keyName("example.com", s); err != nil || seen[s] || s != strings.ToLower(s) {
			t.Errorf("selector %q: duplicate, not lower case or invalid (%v)", s, err)
		}
		seen[s] = true
	}
}
