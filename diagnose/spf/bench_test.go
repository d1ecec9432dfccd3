package spf

import (
	"context"
	"net/netip"
	"testing"
	"time"

	"github.com/codeprobe/codeprobe/diagnose/dnsx"
)

func BenchmarkParse(b *testing.B) {
	const rec = "v=spf1 ip4:192.0.2.0/24 ip6:2001:db8::/32 a mx:mail.example.com/24//64 " +
		"include:_spf.google.com include:spf.protection.outlook.com exists:%{ir}.%{l1r+-}._spf.%{d} " +
		"redirect=_spf.example.com exp=explain._spf.%{d}"
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Parse(rec); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkCheck evaluates a policy with a redirect, an include and an mx
// mechanism against the fixture DNS server on loopback: "cached" reuses
// one resolver, so answers come from its cache after the first check;
// "uncached" asks the server every question every time.
func BenchmarkCheck(b *testing.B) {
	srv, cached := startWorld(b)
	ip := netip.MustParseAddr("192.0.2.99")
	b.Run("cached", func(b *testing.B) {
		c := &Checker{Resolver: cached}
		b.ReportAllocs()
		for b.Loop() {
			if ev := c.Check(context.Background(), ip, "h.test", "bob@redirect.test"); ev.Result != Fail {
				b.Fatal(ev.Result, ev.Err)
			}
		}
	})
	b.Run("uncached", func(b *testing.B) {
		res, err := dnsx.New(dnsx.Config{Servers: []string{srv.Addr}, Timeout: time.Second, CacheSize: -1})
		if err != nil {
			b.Fatal(err)
		}
		c := &Checker{Resolver: res}
		b.ReportAllocs()
		for b.Loop() {
			if ev := c.Check(context.Background(), ip, "h.test", "bob@redirect.test"); ev.Result != Fail {
				b.Fatal(ev.Result, ev.Err)
			}
		}
	})
}

func BenchmarkAudit(b *testing.B) {
	c := &Checker{Resolver: startAuditWorld(b)}
	b.ReportAllocs()
	for b.Loop() {
		if a := c.Audit(context.Background(), "good.audit"); a.Lookups != 4 {
			b.Fatal(a.Text())
		}
	}
}
