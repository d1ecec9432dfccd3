package dnsx

import (
	"context"
	"testing"
	"time"

	"github.com/codeprobe/codeprobe/fixtures"
	"github.com/miekg/dns"
)

// TestLookupRechecksCache covers the window between a caller's cache miss
// and its lookup starting, in which another lookup may have finished: the
// new lookup must use the cached answer, not ask again.
func TestLookupRechecksCache(t *testing.T) {
	s := fixtures.NewDNSServer()
	if err := s.AddZone("example.test.", "@ 300 SOA ns1 h 1 2 3 4 60\nwww 300 A 192.0.2.1\n"); err != nil {
		t.Fatal(err)
	}
	if err := s.Start(); err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	r, err := New(Config{Servers: []string{s.Addr}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := r.Query(context.Background(), "www.example.test", dns.TypeA); err != nil {
		t.Fatal(err)
	}
	f := r.lookup(context.Background(), cacheKey{name: "www.example.test.", qtype: dns.TypeA})
	if f.err != nil || !f.fromCache || !f.answer.Cached {
		t.Errorf("lookup got %+v", f)
	}
	if n := s.QueriesFor("www.example.test.", dns.TypeA); n != 1 {
		t.Errorf("server asked %d times", n)
	}
}

func TestCachePutReplaces(t *testing.T) {
	c := newCache(2)
	now := time.Now()
	k := cacheKey{name: "a.", qtype: dns.TypeA}
	for _, ttl := range []uint32{1, 2} {
		if n := c.put(&cacheEntry{key: k, answer: &Answer{TTL: ttl}, stored: now, expires: now.Add(time.Minute)}); n != 0 {
			t.Errorf("evicted %d", n)
		}
	}
	e, ok := c.get(k, now)
	if !ok || e.answer.TTL != 2 || c.len() != 1 {
		t.Errorf("got %+v, %v, %d entries", e, ok, c.len())
	}
	if _, ok := c.get(k, now.Add(time.Minute)); ok || c.len() != 0 {
		t.Errorf("an expired entry was returned or kept")
	}
}
