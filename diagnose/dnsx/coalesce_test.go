package dnsx_test

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/codeprobe/codeprobe/diagnose/dnsx"
	"github.com/miekg/dns"
)

func TestIdenticalQuestionsShareOneQuery(t *testing.T) {
	for _, cacheSize := range []int{0, -1} {
		t.Run(map[int]string{0: "cache", -1: "no cache"}[cacheSize], func(t *testing.T) {
			s := startWorld(t)
			r := newResolver(t, dnsx.Config{CacheSize: cacheSize}, s)
			const n = 100
			answers := make([]*dnsx.Answer, n)
			errs := make([]error, n)
			start := make(chan struct{})
			var wg sync.WaitGroup
			for i := range n {
				wg.Go(func() {
					<-start
					answers[i], errs[i] = r.Query(context.Background(), "slow.example.test", dns.TypeA)
				})
			}
			close(start)
			wg.Wait()
			for i := range n {
				if errs[i] != nil || answers[i].Status != dnsx.StatusOK {
					t.Fatalf("caller %d: %v, %v", i, answers[i], errs[i])
				}
				// Every caller has its own records.
				if i > 0 && answers[i].Records[0] == answers[0].Records[0] {
					t.Fatalf("callers 0 and %d share a record", i)
				}
			}
			if q := s.QueriesFor("slow.example.test", dns.TypeA); q != 1 {
				t.Errorf("server asked %d times, want 1", q)
			}
			st := r.Stats()
			if st.Lookups != 1 || st.Sent != 1 || st.Coalesced+st.CacheHits != n-1 || st.Questions != n {
				t.Errorf("stats %+v", st)
			}
		})
	}
}

// TestCallerGivingUpDoesNotFailOthers starts a question, lets a second
// caller join it, then cancels the first: the first returns at once, the
// second still gets the answer from the one query sent.
func TestCallerGivingUpDoesNotFailOthers(t *testing.T) {
	s := startWorld(t)
	r := newResolver(t, dnsx.Config{}, s)
	ctx1, cancel1 := context.WithCancel(context.Background())
	defer cancel1()
	type result struct {
		a   *dnsx.Answer
		err error
		at  time.Time
	}
	first, second := make(chan result, 1), make(chan result, 1)
	start := time.Now()
	go func() {
		a, err := r.Query(ctx1, "slow.example.test", dns.TypeA)
		first <- result{a, err, time.Now()}
	}()
	waitFor(t, "the first query to reach the server", func() bool { return s.QueriesFor("slow.example.test", dns.TypeA) == 1 })
	go func() {
		a, err := r.Query(context.Background(), "slow.example.test", dns.TypeA)
		second <- result{a, err, time.Now()}
	}()
	waitFor(t, "the second caller to join", func() bool { return r.Stats().Coalesced == 1 })
	cancel1()
	r1 := <-first
	if r1.a != nil || !errors.Is(r1.err, dnsx.ErrTimeout) || !errors.Is(r1.err, context.Canceled) {
		t.Errorf("cancelled caller got %v, %v", r1.a, r1.err)
	}
	if r1.at.Sub(start) >= slowLatency {
		t.Errorf("cancelled caller waited %v, for the whole lookup", r1.at.Sub(start))
	}
	r2 := <-second
	if r2.err != nil || r2.a.Status != dnsx.StatusOK || r2.a.Cached {
		t.Errorf("second caller got %v, %v", r2.a, r2.err)
	}
	if q := s.QueriesFor("slow.example.test", dns.TypeA); q != 1 {
		t.Errorf("server asked %d times, want 1", q)
	}
	// The abandoned lookup's answer was cached all the same.
	a, err := r.Query(context.Background(), "slow.example.test", dns.TypeA)
	if err != nil || !a.Cached {
		t.Errorf("after the lookup: %v, %v; want a cached answer", a, err)
	}
	if st := r.Stats(); st.Abandoned != 1 || st.Outcomes.OK != 1 {
		t.Errorf("stats %+v", st)
	}
}

func TestCallerDeadlineBoundsItsWait(t *testing.T) {
	s := startWorld(t)
	r := newResolver(t, dnsx.Config{}, s)
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	start := time.Now()
	_, err := r.Query(ctx, "slow.example.test", dns.TypeA)
	if took := time.Since(start); took > slowLatency-100*time.Millisecond {
		t.Errorf("returned after %v, past the caller's 50ms deadline", took)
	}
	if !errors.Is(err, dnsx.ErrTimeout) || !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("got %v, want ErrTimeout and DeadlineExceeded", err)
	}
	// A caller whose context is already done is not even asked about.
	if _, err := r.Query(ctx, "mx1.example.test", dns.TypeA); !errors.Is(err, dnsx.ErrTimeout) {
		t.Errorf("expired context: %v", err)
	}
	if q := s.QueriesFor("mx1.example.test", dns.TypeA); q != 0 {
		t.Errorf("expired context sent %d queries", q)
	}
}
