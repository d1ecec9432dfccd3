package dmarc

import (
	"errors"
	"strings"
	"testing"
)

// FuzzParseRecord: ParseRecord never panics, returns a record or an
// error wrapping one of the sentinels, and every record it returns holds
// only values RFC 7489 §6.3 allows.
func FuzzParseRecord(f *testing.F) {
	for _, s := range []string{
		"v=DMARC1; p=reject; sp=quarantine; pct=50; rua=mailto:a@example.com!10m; ruf=mailto:b@example.net; fo=0:1:d:s; rf=afrf; ri=3600; adkim=s; aspf=r",
		"v=DMARC1; rua=mailto:a@example.com",
		"V = DMARC1 ; P = reject ;\tSP=none; unknown = x",
		"v=DMARC1; p=none;; rua=ftp://x!1t",
		"v=DMARC1; p=bogus; rua=mailto:%zz@x",
	} {
		f.Add(s)
	}
	sentinels := []error{ErrNotDMARC, ErrSyntax, ErrDuplicateTag, ErrBadValue, ErrNoPolicy}
	f.Fuzz(func(t *testing.T, txt string) {
		r, err := ParseRecord(txt)
		if err != nil {
			if r != nil {
				t.Fatal("record and error")
			}
			for _, s := range sentinels {
				if errors.Is(err, s) {
					return
				}
			}
			t.Fatalf("error %v wraps no sentinel", err)
		}
		if !isDMARC(txt) {
			t.Fatalf("parsed %q, which discovery would discard", txt)
		}
		for _, p := range []string{r.Policy, r.SubdomainPolicy, r.NonexistentPolicy} {
			if _, ok := policyRank[p]; !ok {
				t.Fatalf("policy %q", p)
			}
		}
		if r.Percent < 0 || r.Percent > 100 || r.ReportInterval < 0 {
			t.Fatalf("pct %d ri %d", r.Percent, r.ReportInterval)
		}
		if (r.ADKIM != "r" && r.ADKIM != "s") || (r.ASPF != "r" && r.ASPF != "s") {
			t.Fatalf("adkim %q aspf %q", r.ADKIM, r.ASPF)
		}
		if len(r.RUA) != len(r.AggregateURIs) || len(r.RUF) != len(r.FailureURIs) {
			t.Fatal("raw and parsed URIs differ in number")
		}
		if r.Fallback && len(r.RUA) == 0 {
			t.Fatal("fallback to p=none without rua")
		}
		for _, u := range append(append([]ReportURI(nil), r.AggregateURIs...), r.FailureURIs...) {
			if u.Scheme == "" || (u.Domain != "" && !strings.HasSuffix(u.Address, "@"+u.Domain)) {
				t.Fatalf("URI %+v", u)
			}
		}
	})
}

// FuzzFromDomain: FromDomain never panics and returns either a normalised
// domain or ErrNoAuthorDomain.
func FuzzFromDomain(f *testing.F) {
	for _, s := range []string{
		"Joe <joe@joe.com>", `"a, b" <x@y.z>, c@d.e`, "<<<><joe@joe.com>>>", "(c (nested) \\) ) a@b.c",
		"g: a@b.c;", `"unterminated <a@b.c>`, "=?utf-8?b?w7w=?= <a@ü.de>",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, h string) {
		d, err := FromDomain(h)
		if err != nil {
			if d != "" || !errors.Is(err, ErrNoAuthorDomain) {
				t.Fatalf("%q, %v", d, err)
			}
			return
		}
		if n, err := normalizeDomain(d); err != nil || n != d {
			t.Fatalf("domain %q not normalised (%q, %v)", d, n, err)
		}
	})
}

// FuzzAligned: Aligned never panics, is symmetric, and strict alignment
// implies relaxed alignment (RFC 7489 §3.1).
func FuzzAligned(f *testing.F) {
	f.Add("a.b.c.bcx.com", "bcx.com")
	f.Add("....mac.com....", "mac.com")
	f.Add("bücher.de", "xn--bcher-kva.de")
	f.Fuzz(func(t *testing.T, a, b string) {
		s, r := Aligned(a, b, "s"), Aligned(a, b, "r")
		if s != Aligned(b, a, "s") || r != Aligned(b, a, "r") {
			t.Fatal("not symmetric")
		}
		if s && !r {
			t.Fatal("strictly but not relaxed aligned")
		}
	})
}
