package dnsx_test

import (
	"context"
	"errors"
	"fmt"
	"net"
	"testing"
	"time"

	"github.com/codeprobe/codeprobe/diagnose/dnsx"
	"github.com/miekg/dns"
)

// step is one question at a point in (fake) time and what should come of
// it: whether it is served from the cache, the TTL reported and how many
// times the server has then seen the question.
type step struct {
	after  time.Duration // clock advance before asking
	cached bool
	ttl    uint32
	asked  int64
}

func runSteps(t *testing.T, cfg dnsx.Config, name string, qtype uint16, wantErr error, steps []step) {
	t.Helper()
	s := startWorld(t)
	clk := newClock()
	cfg.Now = clk.Now
	cfg.Timeout = 100 * time.Millisecond
	cfg.Attempts = 1
	r := newResolver(t, cfg, s)
	for i, st := range steps {
		clk.Advance(st.after)
		a, err := r.Query(context.Background(), name, qtype)
		if !errors.Is(err, wantErr) || (wantErr == nil) != (a != nil) {
			t.Fatalf("step %d: %v, %v; want error %v", i, a, err, wantErr)
		}
		if a != nil && (a.Cached != st.cached || a.TTL != st.ttl) {
			t.Errorf("step %d: cached %v, TTL %d; want %v, %d", i, a.Cached, a.TTL, st.cached, st.ttl)
		}
		if a != nil && a.Cached && a.RTT != 0 {
			t.Errorf("step %d: cached answer with RTT %v", i, a.RTT)
		}
		if n := s.QueriesFor(name, qtype); n != st.asked {
			t.Errorf("step %d: server asked %d times, want %d", i, n, st.asked)
		}
	}
}

func TestCacheTTL(t *testing.T) {
	tests := []struct {
		name  string
		cfg   dnsx.Config
		qname string
		qtype uint16
		err   error
		steps []step
	}{
		{"positive answer lives its TTL", dnsx.Config{}, "mx1.example.test", dns.TypeA, nil, []step{
			{0, false, 300, 1}, {0, true, 300, 1}, {100 * time.Second, true, 200, 1},
			{199 * time.Second, true, 1, 1}, {time.Second, false, 300, 2},
		}},
		{"CNAME chain lives as long as its shortest link", dnsx.Config{}, "alias.example.test", dns.TypeA, nil, []step{
			{0, false, 120, 1}, {119 * time.Second, true, 1, 1}, {time.Second, false, 120, 2},
		}},
		{"NXDOMAIN lives the SOA minimum", dnsx.Config{}, "nope.example.test", dns.TypeA, nil, []step{
			{0, false, 60, 1}, {59 * time.Second, true, 1, 1}, {time.Second, false, 60, 2},
		}},
		{"no-data lives the SOA minimum", dnsx.Config{}, "mx1.example.test", dns.TypeTXT, nil, []step{
			{0, false, 60, 1}, {30 * time.Second, true, 30, 1}, {30 * time.Second, false, 60, 2},
		}},
		{"negative answer without SOA lives 30s", dnsx.Config{}, "nope.nosoa.test", dns.TypeA, nil, []step{
			{0, false, 30, 1}, {29 * time.Second, true, 1, 1}, {time.Second, false, 30, 2},
		}},
		{"TTL 0 is not cached", dnsx.Config{}, "zero.example.test", dns.TypeA, nil, []step{
			{0, false, 0, 1}, {0, false, 0, 2},
		}},
		{"MinTTL keeps short answers", dnsx.Config{MinTTL: time.Minute}, "short.example.test", dns.TypeA, nil, []step{
			{0, false, 5, 1}, {59 * time.Second, true, 1, 1}, {time.Second, false, 5, 2},
		}},
		{"MaxTTL caps long answers", dnsx.Config{MaxTTL: 10 * time.Second}, "mx1.example.test", dns.TypeA, nil, []step{
			{0, false, 300, 1}, {9 * time.Second, true, 1, 1}, {time.Second, false, 300, 2},
		}},
		{"cache disabled", dnsx.Config{CacheSize: -1}, "mx1.example.test", dns.TypeA, nil, []step{
			{0, false, 300, 1}, {0, false, 300, 2},
		}},
		{"SERVFAIL is cached 30s", dnsx.Config{}, "servfail.example.test", dns.TypeA, dnsx.ErrServFail, []step{
			{0, false, 0, 1}, {29 * time.Second, false, 0, 1}, {time.Second, false, 0, 2},
		}},
		{"REFUSED is cached as long as FailureTTL", dnsx.Config{FailureTTL: 5 * time.Second}, "refuse.example.test", dns.TypeA, dnsx.ErrRefused, []step{
			{0, false, 0, 1}, {4 * time.Second, false, 0, 1}, {time.Second, false, 0, 2},
		}},
		{"failures not cached when FailureTTL < 0", dnsx.Config{FailureTTL: -1}, "servfail.example.test", dns.TypeA, dnsx.ErrServFail, []step{
			{0, false, 0, 1}, {0, false, 0, 2},
		}},
		{"timeouts are never cached", dnsx.Config{}, "drop.example.test", dns.TypeA, dnsx.ErrTimeout, []step{
			{0, false, 0, 1}, {0, false, 0, 2},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			runSteps(t, tt.cfg, tt.qname, tt.qtype, tt.err, tt.steps)
		})
	}
}

func TestCachedRecordTTLsCountDown(t *testing.T) {
	s := startWorld(t)
	clk := newClock()
	r := newResolver(t, dnsx.Config{Now: clk.Now}, s)
	if _, err := r.Query(context.Background(), "alias.example.test", dns.TypeA); err != nil {
		t.Fatal(err)
	}
	clk.Advance(100 * time.Second)
	a, err := r.Query(context.Background(), "alias.example.test", dns.TypeA)
	if err != nil {
		t.Fatal(err)
	}
	var got []uint32
	for _, rr := range a.Records {
		got = append(got, rr.Header().Ttl)
	}
	if fmt.Sprint(got) != "[200 20 200]" || !a.Cached || a.TTL != 20 {
		t.Errorf("record TTLs %v, answer TTL %d, cached %v; want [200 20 200], 20, true", got, a.TTL, a.Cached)
	}
}

// TestCachedAnswersAreCopies checks that a caller changing its answer,
// the first one or a cached one, changes nothing for the next caller.
func TestCachedAnswersAreCopies(t *testing.T) {
	s := startWorld(t)
	r := newResolver(t, dnsx.Config{}, s)
	ctx := context.Background()
	vandalise := func(a *dnsx.Answer) {
		a.Records[0].(*dns.A).A[0] = 6
		a.Records[0].Header().Ttl = 1
		a.Records[0] = &dns.A{Hdr: *a.Records[0].Header(), A: net.IPv4(6, 6, 6, 6)}
		a.Records = a.Records[:0]
		a.Status = dnsx.StatusNXDomain
	}
	for i := range 3 {
		a, err := r.Query(ctx, "mx1.example.test", dns.TypeA)
		if err != nil {
			t.Fatal(err)
		}
		if a.Cached != (i > 0) || a.Status != dnsx.StatusOK || len(a.Records) != 1 ||
			a.Records[0].(*dns.A).A.String() != "192.0.2.1" || a.Records[0].Header().Ttl != 300 {
			t.Fatalf("query %d: %+v %v", i, a, a.Records)
		}
		vandalise(a)
	}
	if n := s.QueriesFor("mx1.example.test", dns.TypeA); n != 1 {
		t.Errorf("server asked %d times", n)
	}
}

func TestCacheIsBounded(t *testing.T) {
	s := startWorld(t)
	r := newResolver(t, dnsx.Config{CacheSize: 10}, s)
	ctx := context.Background()
	ask := func(i int) {
		t.Helper()
		if _, err := r.Query(ctx, fmt.Sprintf("n%d.wild.example.test", i), dns.TypeA); err != nil {
			t.Fatal(err)
		}
	}
	asked := func(i int) int64 { return s.QueriesFor(fmt.Sprintf("n%d.wild.example.test", i), dns.TypeA) }
	for i := range 10 {
		ask(i)
	}
	ask(0)  // n0 is now the most recently used
	ask(10) // evicts n1, the least recently used
	ask(0)
	ask(1)
	if asked(0) != 1 || asked(1) != 2 {
		t.Errorf("n0 asked %d times, n1 %d; want 1 and 2 (LRU eviction)", asked(0), asked(1))
	}
	for i := 11; i < 50; i++ {
		ask(i)
	}
	st := r.Stats()
	if st.Entries != 10 || st.Evictions != 41 || st.Lookups != 51 || st.CacheHits != 2 {
		t.Errorf("stats %+v; want 10 entries, 41 evictions, 51 lookups, 2 hits", st)
	}
}
