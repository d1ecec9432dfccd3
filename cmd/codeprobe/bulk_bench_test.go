package main

import (
	"context"
	"fmt"
	"io"
	"runtime"
	"sync/atomic"
	"testing"
	"time"

	"github.com/codeprobe/codeprobe/diagnose"
	"github.com/codeprobe/codeprobe/diagnose/dnsx"
	"github.com/codeprobe/codeprobe/fixtures"
)

// BenchmarkBulk runs bulk mode (JSON Lines, --no-smtp, 64 at once) over
// lists of 10,000 and 100,000 addresses spread over 5,000 domains of the
// fixture world, and reports addresses per second, DNS queries per
// distinct question (target ≤ 1.05: the cache and the coalescing of
// in-flight questions ask each question once), and the peak heap, which
// must not grow with the list's length.
func BenchmarkBulk(b *testing.B) {
	const domains = 5000
	w, err := fixtures.StartWorld()
	if err != nil {
		b.Fatal(err)
	}
	defer w.Close()
	for i := range domains {
		d := fmt.Sprintf("d%d.bulk.test.", i)
		if err := w.DNS.AddRecord(d + " 3600 IN MX 10 mx." + d); err != nil {
			b.Fatal(err)
		}
		if err := w.DNS.AddRecord(fmt.Sprintf("mx.%s 3600 IN A 5.%d.%d.%d", d, 100+i/65536, i/256%256, i%256)); err != nil {
			b.Fatal(err)
		}
	}
	for _, n := range []int{10_000, 100_000} {
		b.Run(fmt.Sprintf("addresses=%d", n), func(b *testing.B) {
			for b.Loop() {
				bulkOnce(b, w, n, domains)
			}
		})
	}
}

func bulkOnce(b *testing.B, w *fixtures.World, n, domains int) {
	r, err := dnsx.New(dnsx.Config{Servers: []string{w.DNS.Addr}, Timeout: 2 * time.Second, CacheSize: bulkCacheSize})
	if err != nil {
		b.Fatal(err)
	}
	ch, err := diagnose.New(diagnose.Options{Resolver: r, Dialer: w.Net, NoSMTP: true, Timeout: 10 * time.Second})
	if err != nil {
		b.Fatal(err)
	}
	pr, pw := io.Pipe()
	go func() {
		for i := range n {
			fmt.Fprintf(pw, "user%d@d%d.bulk.test\n", i, i%domains)
		}
		pw.Close()
	}()
	w.DNS.ResetCounters()
	runtime.GC()
	var peak atomic.Uint64
	stop := make(chan struct{})
	sampled := make(chan struct{})
	go func() {
		defer close(sampled)
		var ms runtime.MemStats
		for {
			runtime.ReadMemStats(&ms)
			if ms.HeapInuse > peak.Load() {
				peak.Store(ms.HeapInuse)
			}
			select {
			case <-stop:
				return
			case <-time.After(20 * time.Millisecond):
			}
		}
	}()
	start := time.Now()
	out := newWriter("json", io.Discard, false)
	err = runBulk(context.Background(), ch, nil, checkFlags{file: "-", concurrency: 64}, pr, out, io.Discard)
	elapsed := time.Since(start)
	close(stop)
	<-sampled
	if err != nil && err != errFound {
		b.Fatal(err)
	}
	queries := w.DNS.Queries()
	distinct := w.DNS.DistinctQuestions()
	st := r.Stats()
	b.Logf("%d addresses in %v; resolver: %+v", n, elapsed, st)
	b.ReportMetric(float64(n)/elapsed.Seconds(), "addr/s")
	if distinct > 0 {
		b.ReportMetric(float64(queries)/float64(distinct), "queries/distinct")
	}
	b.ReportMetric(float64(peak.Load())/(1<<20), "peak-heap-MB")
}
