package dnsx_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/codeprobe/codeprobe/diagnose/dnsx"
	"github.com/miekg/dns"
)

func BenchmarkQueryCacheHit(b *testing.B) {
	s := startWorld(b)
	r := newResolver(b, dnsx.Config{}, s)
	ctx := context.Background()
	if _, err := r.Query(ctx, "alias.example.test", dns.TypeA); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		a, err := r.Query(ctx, "alias.example.test", dns.TypeA)
		if err != nil || !a.Cached {
			b.Fatal(a, err)
		}
	}
}

func BenchmarkQueryCacheHitParallel(b *testing.B) {
	s := startWorld(b)
	r := newResolver(b, dnsx.Config{}, s)
	ctx := context.Background()
	for i := range 100 {
		if _, err := r.Query(ctx, fmt.Sprintf("n%d.wild.example.test", i), dns.TypeA); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		i := 0
		for pb.Next() {
			a, err := r.Query(ctx, fmt.Sprintf("n%d.wild.example.test", i%100), dns.TypeA)
			if err != nil || !a.Cached {
				b.Fatal(a, err)
			}
			i++
		}
	})
}

// BenchmarkBulk asks what a bulk run of 100,000 addresses over 5,000
// domains asks: each domain's MX 20 times, in random order, from 64
// goroutines, against a server 2ms away; one domain in twenty does not
// exist. queries/distinct is the packets the server saw per distinct
// question, which caching and coalescing should hold near 1; it counts
// retries after timeouts too, which lookups/distinct does not.
func BenchmarkBulk(b *testing.B) {
	const (
		domains = 5000
		repeats = 20
		workers = 64
	)
	s := startWorld(b)
	must(b, s.AddRecord("*.bulk.example.test. 300 IN MX 10 mx1.example.test."))
	s.SetLatency(2 * time.Millisecond)
	questions := make([]string, 0, domains*repeats)
	for d := range domains {
		name := fmt.Sprintf("d%d.bulk.example.test", d)
		if d%20 == 0 {
			name = fmt.Sprintf("d%d.nx.example.test", d)
		}
		for range repeats {
			questions = append(questions, name)
		}
	}
	rand.Shuffle(len(questions), func(i, j int) { questions[i], questions[j] = questions[j], questions[i] })
	ctx := context.Background()
	var lookups, hits, coalesced, failed atomic.Int64
	before := s.Queries()
	start := time.Now()
	for b.Loop() {
		r := newResolver(b, dnsx.Config{Timeout: dnsx.DefaultTimeout}, s)
		var next atomic.Int64
		var wg sync.WaitGroup
		for range workers {
			wg.Go(func() {
				for i := next.Add(1) - 1; i < int64(len(questions)); i = next.Add(1) - 1 {
					if _, err := r.Query(ctx, questions[i], dns.TypeMX); err != nil {
						failed.Add(1)
					}
				}
			})
		}
		wg.Wait()
		st := r.Stats()
		lookups.Add(st.Lookups)
		hits.Add(st.CacheHits)
		coalesced.Add(st.Coalesced)
	}
	runs := float64(b.N)
	b.ReportMetric(float64(s.Queries()-before)/runs/domains, "queries/distinct")
	b.ReportMetric(float64(lookups.Load())/runs/domains, "lookups/distinct")
	b.ReportMetric(float64(time.Since(start).Nanoseconds())/runs/float64(len(questions)), "ns/question")
	b.ReportMetric(float64(hits.Load())/runs, "hits/run")
	b.ReportMetric(float64(coalesced.Load())/runs, "coalesced/run")
	b.ReportMetric(float64(failed.Load())/runs, "failed/run")
}
