package dnsx_test

import (
	"context"
	"errors"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/codeprobe/codeprobe/diagnose/dnsx"
	"github.com/codeprobe/codeprobe/fixtures"
	"github.com/miekg/dns"
)

func TestQueryStatus(t *testing.T) {
	s := startWorld(t)
	r := newResolver(t, dnsx.Config{CacheSize: -1}, s)
	tests := []struct {
		name    string
		qtype   uint16
		status  dnsx.Status
		records int
		cnames  []string
		ttl     uint32
	}{
		{"example.test", dns.TypeMX, dnsx.StatusOK, 3, nil, 300},
		{"EXAMPLE.Test.", dns.TypeMX, dnsx.StatusOK, 3, nil, 300},
		{"mx2.example.test", dns.TypeA, dnsx.StatusOK, 1, nil, 60},
		{"mx1.example.test", dns.TypeMX, dnsx.StatusNoData, 0, nil, 60},
		{"nope.example.test", dns.TypeA, dnsx.StatusNXDomain, 0, nil, 60},
		{"alias.example.test", dns.TypeA, dnsx.StatusOK, 3, []string{"mid.example.test.", "mx1.example.test."}, 120},
		{"alias.example.test", dns.TypeMX, dnsx.StatusNoData, 2, []string{"mid.example.test.", "mx1.example.test."}, 60},
		{"alias.example.test", dns.TypeCNAME, dnsx.StatusOK, 1, []string{"mid.example.test."}, 300},
		{"dangling.example.test", dns.TypeA, dnsx.StatusNXDomain, 1, []string{"gone.example.test."}, 60},
		{"x.wild.example.test", dns.TypeA, dnsx.StatusOK, 1, nil, 300},
		{"www.nosoa.test", dns.TypeMX, dnsx.StatusNoData, 0, nil, 30},
		{"nope.nosoa.test", dns.TypeA, dnsx.StatusNXDomain, 0, nil, 30},
	}
	for _, tt := range tests {
		t.Run(tt.name+"/"+dns.TypeToString[tt.qtype], func(t *testing.T) {
			a, err := r.Query(context.Background(), tt.name, tt.qtype)
			if err != nil {
				t.Fatal(err)
			}
			if a.Status != tt.status || len(a.Records) != tt.records || a.TTL != tt.ttl {
				t.Errorf("got %s, %d records, TTL %d; want %s, %d, %d\n%v",
					a.Status, len(a.Records), a.TTL, tt.status, tt.records, tt.ttl, a.Records)
			}
			if !slices.Equal(a.CNAMEs(), tt.cnames) {
				t.Errorf("CNAMEs %v, want %v", a.CNAMEs(), tt.cnames)
			}
			if a.Name != dns.CanonicalName(tt.name) || a.Type != tt.qtype || a.Server != s.Addr || a.Cached || a.TCP || a.AD {
				t.Errorf("answer %+v", a)
			}
		})
	}
}

func TestQueryFailures(t *testing.T) {
	s := startWorld(t)
	const timeout = 300 * time.Millisecond
	r := newResolver(t, dnsx.Config{Timeout: timeout, Attempts: 2, CacheSize: -1}, s)
	tests := []struct {
		name    string
		want    error
		asked   int64 // how often the server saw the question
		maxTime time.Duration
	}{
		// A server that answers with a failure is not asked again, and
		// its answer is not mistaken for silence.
		{"servfail.example.test", dnsx.ErrServFail, 1, timeout},
		{"refuse.example.test", dnsx.ErrRefused, 1, timeout},
		// Silence is retried, each attempt bounded by Timeout.
		{"drop.example.test", dnsx.ErrTimeout, 2, 3 * timeout},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			start := time.Now()
			a, err := r.Query(context.Background(), tt.name, dns.TypeA)
			took := time.Since(start)
			if a != nil || !errors.Is(err, tt.want) {
				t.Fatalf("got %v, %v; want %v", a, err, tt.want)
			}
			for _, other := range []error{dnsx.ErrServFail, dnsx.ErrRefused, dnsx.ErrTimeout} {
				if other != tt.want && errors.Is(err, other) {
					t.Errorf("%v is also %v", err, other)
				}
			}
			var de *dnsx.Error
			if !errors.As(err, &de) || de.Server != s.Addr || de.Name != tt.name+"." || de.Type != dns.TypeA {
				t.Errorf("error %#v", err)
			}
			if n := s.QueriesFor(tt.name, dns.TypeA); n != tt.asked {
				t.Errorf("server asked %d times, want %d", n, tt.asked)
			}
			if took > tt.maxTime {
				t.Errorf("took %v, want at most %v", took, tt.maxTime)
			}
		})
	}
}

func TestBadName(t *testing.T) {
	s := startWorld(t)
	r := newResolver(t, dnsx.Config{}, s)
	for _, name := range []string{"", "a..b", "bücher.example", "tab\tname", strings.Repeat("a", 64) + ".example"} {
		_, err := r.Query(context.Background(), name, dns.TypeA)
		if !errors.Is(err, dnsx.ErrBadName) {
			t.Errorf("%q: %v, want ErrBadName", name, err)
		}
	}
	if s.Queries() != 0 {
		t.Errorf("%d queries sent for bad names", s.Queries())
	}
}

func TestTruncatedAnswerRetriedOverTCP(t *testing.T) {
	s := startWorld(t)
	var mu sync.Mutex
	var trace []dnsx.Exchange
	r := newResolver(t, dnsx.Config{Trace: func(x dnsx.Exchange) {
		mu.Lock()
		defer mu.Unlock()
		trace = append(trace, x)
	}}, s)
	txt, a, err := dnsx.LookupTXT(context.Background(), r, "big.example.test")
	if err != nil {
		t.Fatal(err)
	}
	if !a.TCP || len(txt) != 1 || len(txt[0]) != 6*len(bigTXT) {
		t.Fatalf("TCP=%v, %d strings of %d bytes", a.TCP, len(txt), len(txt[0]))
	}
	st := r.Stats()
	if st.Sent != 2 || st.SentTCP != 1 {
		t.Errorf("sent %d (%d over TCP), want 2 (1)", st.Sent, st.SentTCP)
	}
	mu.Lock()
	defer mu.Unlock()
	if len(trace) != 2 || trace[0].Network != "udp" || !trace[0].Truncated || trace[1].Network != "tcp" ||
		trace[1].Truncated || trace[1].Rcode != dns.RcodeSuccess || trace[0].ID == trace[1].ID {
		t.Errorf("trace %+v", trace)
	}
}

func TestADBit(t *testing.T) {
	s := startWorld(t)
	r := newResolver(t, dnsx.Config{}, s)
	for name, want := range map[string]bool{"www.secure.test": true, "nope.secure.test": true, "mx1.example.test": false} {
		a, err := r.Query(context.Background(), name, dns.TypeA)
		if err != nil {
			t.Fatal(err)
		}
		if a.AD != want {
			t.Errorf("%s: AD %v, want %v", name, a.AD, want)
		}
	}
}

func TestSecondServerAnswersWhenFirstDrops(t *testing.T) {
	s1, s2 := startWorld(t), startWorld(t)
	for _, name := range []string{"mx1.example.test", "mx2.example.test"} {
		s1.SetBehaviour(name, fixtures.Behaviour{Drop: true})
	}
	r := newResolver(t, dnsx.Config{Timeout: 100 * time.Millisecond, Attempts: 2}, s1, s2)
	start := time.Now()
	a, err := r.Query(context.Background(), "mx1.example.test", dns.TypeA)
	if err != nil {
		t.Fatal(err)
	}
	if took := time.Since(start); a.Server != s2.Addr || a.Status != dnsx.StatusOK || took < 100*time.Millisecond {
		t.Fatalf("answer from %s (%s) after %v; want %s after the first timed out", a.Server, a.Status, took, s2.Addr)
	}
	// The first server gave no reply last time: the next question goes to
	// the second first and costs no timeout.
	a, err = r.Query(context.Background(), "mx2.example.test", dns.TypeA)
	if err != nil {
		t.Fatal(err)
	}
	if a.Server != s2.Addr || s1.QueriesFor("mx2.example.test", dns.TypeA) != 0 {
		t.Errorf("answer from %s; first server asked %d times", a.Server, s1.QueriesFor("mx2.example.test", dns.TypeA))
	}
}

func TestNextServerAfterFailure(t *testing.T) {
	s1, s2 := startWorld(t), startWorld(t)
	s1.SetBehaviour("mx1.example.test", fixtures.Behaviour{Refuse: true})
	s1.SetBehaviour("mx2.example.test", fixtures.Behaviour{ServFail: true})
	s2.SetBehaviour("mx2.example.test", fixtures.Behaviour{Drop: true})
	r := newResolver(t, dnsx.Config{Timeout: 100 * time.Millisecond, Attempts: 2}, s1, s2)
	a, err := r.Query(context.Background(), "mx1.example.test", dns.TypeA)
	if err != nil || a.Server != s2.Addr {
		t.Fatalf("got %v, %v; want the second server's answer", a, err)
	}
	// One server fails, the other is silent: the failure is reported, the
	// silent one is retried, and nothing is cached.
	_, err = r.Query(context.Background(), "mx2.example.test", dns.TypeA)
	if !errors.Is(err, dnsx.ErrServFail) {
		t.Fatalf("got %v, want ErrServFail", err)
	}
	if n1, n2 := s1.QueriesFor("mx2.example.test", dns.TypeA), s2.QueriesFor("mx2.example.test", dns.TypeA); n1 != 1 || n2 != 2 {
		t.Errorf("servers asked %d and %d times, want 1 and 2", n1, n2)
	}
	if _, err = r.Query(context.Background(), "mx2.example.test", dns.TypeA); !errors.Is(err, dnsx.ErrServFail) {
		t.Fatal(err)
	}
	if n := s1.QueriesFor("mx2.example.test", dns.TypeA); n != 2 {
		t.Errorf("a failure with a timeout in it was cached: first server asked %d times", n)
	}
}

func TestNewBadServer(t *testing.T) {
	for _, srv := range []string{"resolver.example:53", "192.0.2.1:0", "192.0.2.1:dns", "[192.0.2.1"} {
		if _, err := dnsx.New(dnsx.Config{Servers: []string{srv}}); !errors.Is(err, dnsx.ErrBadServer) {
			t.Errorf("%q: %v, want ErrBadServer", srv, err)
		}
	}
}
