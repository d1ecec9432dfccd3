package diagnose_test

import (
	"context"
	"testing"
	"time"

	"github.com/codeprobe/codeprobe/diagnose"
	"github.com/codeprobe/codeprobe/diagnose/dnsx"
	"github.com/codeprobe/codeprobe/fixtures"
)

// BenchmarkCheckLatency runs one full check of ann@gmail.com — DNS, SMTP
// with STARTTLS, MTA-STS over HTTPS, TLS-RPT, DANE, DNSSEC — against the
// fixture world with 30 ms added to every DNS answer and a cold cache, and
// reports its wall time as a ratio to the longest chain of dependent
// lookups (MX → host address, or _mta-sts TXT → policy host address: two
// round trips, 60 ms). The target is ≤ 1.2: everything that can run
// concurrently does.
func BenchmarkCheckLatency(b *testing.B) {
	const latency = 30 * time.Millisecond
	const chain = 2
	w, err := fixtures.StartWorld()
	if err != nil {
		b.Fatal(err)
	}
	defer w.Close()
	w.DNS.SetLatency(latency)
	ctx := context.Background()
	// The embedded lists and the typo index load on first use, once per
	// process: pay that before timing.
	warm, _ := diagnose.New(diagnose.Options{Offline: true})
	warm.Check(ctx, "ann@gmial.com")
	var total time.Duration
	b.ResetTimer()
	for b.Loop() {
		r, err := dnsx.New(dnsx.Config{Servers: []string{w.DNS.Addr}, Timeout: 2 * time.Second})
		if err != nil {
			b.Fatal(err)
		}
		ch, err := diagnose.New(diagnose.Options{Resolver: r, Dialer: w.Net, RootCAs: w.RootCAs(), Timeout: 5 * time.Second})
		if err != nil {
			b.Fatal(err)
		}
		start := time.Now()
		rep := ch.Check(ctx, "ann@gmail.com")
		total += time.Since(start)
		if !rep.Has("smtp.ok") || !rep.Has("mtasts.enforce") {
			b.Fatalf("the check did not complete: %+v", rep.Findings)
		}
	}
	per := total / time.Duration(b.N)
	b.ReportMetric(float64(per.Microseconds())/1000, "ms/check")
	b.ReportMetric(float64(per)/float64(chain*latency), "x-chain")
}
