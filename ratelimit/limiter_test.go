package ratelimit_test

import (
	"context"
	"errors"
	"net/netip"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/codeprobe/codeprobe/ratelimit"
	"github.com/codeprobe/codeprobe/store"
)

func TestBurstThenRefusalSaysWhenToRetry(t *testing.T) {
	c := newClock()
	l := newLimiter(t, newStore(t), c, nil, addressLimit)

	wantAllowed(t, "first send", mustAllow(t, l, annKey))
	wantAllowed(t, "second send", mustAllow(t, l, annKey))
	d := mustAllow(t, l, annKey)
	wantRefused(t, "third send", d, "send/address", t0.Add(20*time.Minute))
	if got := d.RetryAfter(); got != 20*time.Minute {
		t.Errorf("RetryAfter = %v, want 20m0s", got)
	}

	c.Set(t0.Add(20*time.Minute - time.Second))
	wantRefused(t, "a second early", mustAllow(t, l, annKey), "send/address", t0.Add(20*time.Minute))
	c.Set(t0.Add(20 * time.Minute))
	wantAllowed(t, "at the promised time", mustAllow(t, l, annKey))
	wantRefused(t, "right after", mustAllow(t, l, annKey), "send/address", t0.Add(40*time.Minute))
}

func TestRetryAtIsAWholeSecondThatWorks(t *testing.T) {
	c := newClock()
	start := t0.Add(1234567891 * time.Nanosecond)
	c.Set(start)
	l := newLimiter(t, newStore(t), c, nil, addressLimit)
	mustAllow(t, l, annKey)
	mustAllow(t, l, annKey)
	d := mustAllow(t, l, annKey)
	// Ready at start+20m = 10:20:01.234…; the user is told 10:20:02.
	wantRefused(t, "third send", d, "send/address", t0.Add(20*time.Minute+2*time.Second))
	c.Set(d.RetryAt)
	wantAllowed(t, "at RetryAt", mustAllow(t, l, annKey))
}

func TestRefillUpToBurst(t *testing.T) {
	c := newClock()
	l := newLimiter(t, newStore(t), c, nil, addressLimit)
	mustAllow(t, l, annKey)
	mustAllow(t, l, annKey)

	c.Set(t0.Add(20 * time.Minute))
	wantAllowed(t, "one refilled", mustAllow(t, l, annKey))
	wantRefused(t, "only one refilled", mustAllow(t, l, annKey), "send/address", t0.Add(40*time.Minute))

	// A long quiet spell refills the burst, not more.
	c.Set(t0.Add(10 * time.Hour))
	wantAllowed(t, "after 10h, 1", mustAllow(t, l, annKey))
	wantAllowed(t, "after 10h, 2", mustAllow(t, l, annKey))
	wantRefused(t, "after 10h, 3", mustAllow(t, l, annKey), "send/address", t0.Add(10*time.Hour+20*time.Minute))
}

func TestAllOrNothing(t *testing.T) {
	c := newClock()
	// codeprobe's IP and address limits, and a domain limit of 3.
	domain := ratelimit.Limit{Name: ratelimit.SendDomain, Every: time.Hour, Burst: 3}
	l := newLimiter(t, newStore(t), c, nil, ratelimit.SendIPLimit(), ratelimit.SendAddressLimit(), domain)
	ip := netip.MustParseAddr("192.0.2.7")
	send := func(addr string) ratelimit.Decision {
		t.Helper()
		return mustAllow(t, l, ratelimit.SendKeys(ip, addr)...)
	}

	wantAllowed(t, "ann 1", send("ann@a.example"))
	wantAllowed(t, "ann 2", send("ann@a.example"))
	wantRefused(t, "ann 3", send("ann@a.example"), ratelimit.SendAddress, t0.Add(20*time.Minute))
	// The refused send took nothing from a.example's bucket of 3.
	wantAllowed(t, "bob", send("bob@a.example"))
	wantRefused(t, "carl", send("carl@a.example"), ratelimit.SendDomain, t0.Add(time.Hour))

	// Nor from the IP's bucket of 5: three sends so far, two more pass.
	wantAllowed(t, "dan", send("dan@d.example"))
	wantAllowed(t, "eve", send("eve@e.example"))
	wantRefused(t, "fay", send("fay@f.example"), ratelimit.SendIP, t0.Add(6*time.Minute))

	// Address, domain and IP all refuse now; the user is told the latest
	// time, and which limit it is.
	wantRefused(t, "ann 4", send("ann@a.example"), ratelimit.SendDomain, t0.Add(time.Hour))
	wantRefused(t, "gus", send("gus@g.example"), ratelimit.SendIP, t0.Add(6*time.Minute))
}

func TestRestartHoldsTheLimit(t *testing.T) {
	path := dbPath(t)
	c := newClock()
	st := openStore(t, path)
	l := newLimiter(t, st, c, nil, addressLimit)
	mustAllow(t, l, annKey)
	mustAllow(t, l, annKey)
	closeStore(t, st)

	c.Set(t0.Add(5 * time.Minute))
	l2 := newLimiter(t, openStore(t, path), c, nil, addressLimit)
	wantRefused(t, "after restart", mustPeek(t, l2, annKey), "send/address", t0.Add(20*time.Minute))
	wantRefused(t, "after restart", mustAllow(t, l2, annKey), "send/address", t0.Add(20*time.Minute))
	c.Set(t0.Add(20 * time.Minute))
	wantAllowed(t, "after restart, refilled", mustAllow(t, l2, annKey))
}

func TestTwoLimitersShareADatabase(t *testing.T) {
	path := dbPath(t)
	c := newClock()
	a := newLimiter(t, openStore(t, path), c, nil, addressLimit)
	b := newLimiter(t, openStore(t, path), c, nil, addressLimit)

	wantAllowed(t, "A first", mustAllow(t, a, annKey))
	wantAllowed(t, "B second", mustAllow(t, b, annKey))
	// A still holds a token in memory but the database says B took it.
	wantRefused(t, "A third", mustAllow(t, a, annKey), "send/address", t0.Add(20*time.Minute))
	wantRefused(t, "B third", mustAllow(t, b, annKey), "send/address", t0.Add(20*time.Minute))
}

func TestIPv6ClientsAreLimitedPer64(t *testing.T) {
	c := newClock()
	l := newLimiter(t, newStore(t), c, nil, ratelimit.LoginIPLimit())
	for range 10 {
		wantAllowed(t, "login", mustAllow(t, l, ratelimit.LoginKey(netip.MustParseAddr("2001:db8:1:2::1"))))
	}
	wantRefused(t, "same /64", mustAllow(t, l, ratelimit.LoginKey(netip.MustParseAddr("2001:db8:1:2:ffff:ffff:ffff:fffe"))),
		ratelimit.LoginIP, t0.Add(90*time.Second))
	wantAllowed(t, "next /64", mustAllow(t, l, ratelimit.LoginKey(netip.MustParseAddr("2001:db8:1:3::1"))))

	for range 10 {
		mustAllow(t, l, ratelimit.LoginKey(netip.MustParseAddr("192.0.2.7")))
	}
	wantRefused(t, "IPv4-mapped", mustAllow(t, l, ratelimit.LoginKey(netip.MustParseAddr("::ffff:192.0.2.7"))),
		ratelimit.LoginIP, t0.Add(90*time.Second))
}

func TestPeekTakesNothing(t *testing.T) {
	c := newClock()
	st := newStore(t)
	l := newLimiter(t, st, c, nil, addressLimit)
	for range 5 {
		d := mustPeek(t, l, annKey)
		wantAllowed(t, "peek", d)
		if !d.RetryAt.Equal(t0) {
			t.Fatalf("Peek allowed with RetryAt %v, want now", d.RetryAt)
		}
	}
	wantAllowed(t, "send 1", mustAllow(t, l, annKey))
	wantAllowed(t, "send 2", mustAllow(t, l, annKey))
	wantRefused(t, "peek when empty", mustPeek(t, l, annKey), "send/address", t0.Add(20*time.Minute))

	// A fresh Limiter peeking loads the state and tells the same.
	l2 := newLimiter(t, st, c, nil, addressLimit)
	wantRefused(t, "fresh peek", mustPeek(t, l2, annKey), "send/address", t0.Add(20*time.Minute))
}

func TestStoreFailureFailsClosed(t *testing.T) {
	boom := errors.New("disk on fire")
	c := newClock()
	f := &faultyStore{Store: newStore(t)}
	l := newLimiter(t, f, c, nil, addressLimit)
	ctx := context.Background()

	f.fail(boom, nil)
	for _, call := range []struct {
		name string
		fn   func(context.Context, ...ratelimit.Key) (ratelimit.Decision, error)
	}{{"Allow", l.Allow}, {"Peek", l.Peek}} {
		d, err := call.fn(ctx, annKey)
		if d.OK || !errors.Is(err, ratelimit.ErrStore) || !errors.Is(err, boom) {
			t.Errorf("%s with a failing load = %+v, %v; want refused, ErrStore wrapping the store's error", call.name, d, err)
		}
	}

	f.fail(nil, boom)
	d, err := l.Allow(ctx, annKey)
	if d.OK || !errors.Is(err, ratelimit.ErrStore) || !errors.Is(err, boom) {
		t.Fatalf("Allow with a failing save = %+v, %v; want refused, ErrStore wrapping the store's error", d, err)
	}

	// The failed send cost no token: once the store is well, the whole
	// burst is there, in this Limiter and in a fresh one.
	f.fail(nil, nil)
	wantAllowed(t, "recovered 1", mustPeek(t, newLimiter(t, f, c, nil, addressLimit), annKey))
	wantAllowed(t, "recovered 1", mustAllow(t, l, annKey))
	wantAllowed(t, "recovered 2", mustAllow(t, l, annKey))
	wantRefused(t, "recovered 3", mustAllow(t, l, annKey), "send/address", t0.Add(20*time.Minute))
}

func TestClosedDatabaseFailsClosed(t *testing.T) {
	st := newStore(t)
	l := newLimiter(t, st, newClock(), nil, addressLimit)
	closeStore(t, st)
	d, err := l.Allow(context.Background(), annKey)
	if d.OK || !errors.Is(err, ratelimit.ErrStore) || !errors.Is(err, store.ErrClosed) {
		t.Fatalf("Allow on a closed store = %+v, %v; want refused, ErrStore and store.ErrClosed", d, err)
	}
}

func TestEvictedBucketReloadsWithTheSameAnswer(t *testing.T) {
	c := newClock()
	f := &faultyStore{Store: newStore(t)}
	l := newLimiter(t, f, c, &ratelimit.Options{CacheSize: 2}, addressLimit)
	mustAllow(t, l, annKey)
	mustAllow(t, l, annKey)
	before := mustAllow(t, l, annKey)
	wantRefused(t, "before eviction", before, "send/address", t0.Add(20*time.Minute))

	// A bucket in memory refuses without reading the store.
	loads := f.loadCount()
	mustAllow(t, l, annKey)
	if f.loadCount() != loads {
		t.Fatalf("a refusal from a cached bucket read the store")
	}

	for _, s := range []string{"bob@example.com", "carl@example.com", "dan@example.com"} {
		mustAllow(t, l, ratelimit.Key{Limit: "send/address", Subject: s})
	}
	if n := l.CacheLen(); n > 2 {
		t.Fatalf("cache holds %d buckets, want at most 2", n)
	}

	c.Set(t0.Add(5 * time.Minute))
	loads = f.loadCount()
	after := mustAllow(t, l, annKey)
	if f.loadCount() == loads {
		t.Fatalf("ann's bucket was not evicted: no store read")
	}
	wantRefused(t, "after eviction", after, before.Denied, before.RetryAt)
}

func TestConcurrentAllowGrantsExactlyTheBurst(t *testing.T) {
	const goroutines = 50
	c := newClock()
	st := newStore(t)
	l := newLimiter(t, st, c, nil, ratelimit.Limit{Name: "burst7", Every: time.Hour, Burst: 7}, ratelimit.SendIPLimit(),
		ratelimit.SendAddressLimit(), ratelimit.SendDomainLimit())
	ip := netip.MustParseAddr("192.0.2.7")
	ctx := context.Background()

	var one, sends atomic.Int64
	var wg sync.WaitGroup
	for i := range goroutines {
		wg.Go(func() {
			// t.Fatal may not be called here: errors are reported with t.Error.
			d, err := l.Allow(ctx, ratelimit.Key{Limit: "burst7", Subject: "x"})
			if err != nil {
				t.Error(err)
			} else if d.OK {
				one.Add(1)
			}
			addr := "user" + strings.Repeat("x", i) + "@example.com"
			d, err = l.Allow(ctx, ratelimit.SendKeys(ip, addr)...)
			if err != nil {
				t.Error(err)
			} else if d.OK {
				sends.Add(1)
			}
		})
	}
	wg.Wait()
	if one.Load() != 7 {
		t.Errorf("%d goroutines on a burst of 7: %d allowed", goroutines, one.Load())
	}
	if sends.Load() != 5 {
		t.Errorf("%d sends from one IP with a burst of 5: %d allowed", goroutines, sends.Load())
	}
	// Every grant was saved: a fresh Limiter finds the buckets empty.
	l2 := newLimiter(t, st, c, nil, ratelimit.Limit{Name: "burst7", Every: time.Hour, Burst: 7})
	wantRefused(t, "fresh", mustPeek(t, l2, ratelimit.Key{Limit: "burst7", Subject: "x"}), "burst7", t0.Add(time.Hour))
}

func TestLongSubjectsAreHashed(t *testing.T) {
	long := strings.Repeat("a", 300) + "@example.com"
	k := ratelimit.Key{Limit: "send/address", Subject: long}
	if s := k.String(); len(s) > 200 || strings.Contains(s, "aaaa") {
		t.Errorf("key of a 312-byte subject = %q (%d bytes), want hashed", s, len(s))
	}
	other := ratelimit.Key{Limit: "send/address", Subject: strings.Repeat("a", 301) + "@example.com"}
	if k.String() == other.String() {
		t.Errorf("two long subjects share the key %q", k.String())
	}
	for _, s := range []string{"ann@example.com", "192.0.2.7", "2001:db8::/64"} {
		if got := (ratelimit.Key{Limit: "x", Subject: s}).String(); got != "x/"+s {
			t.Errorf("key of %q = %q, want %q", s, got, "x/"+s)
		}
	}
	if got := (ratelimit.Key{Limit: "x", Subject: "a b"}).String(); got == "x/a b" {
		t.Errorf("a subject with a space is kept as is")
	}

	// And the store takes it: the limit holds for a very long address.
	c := newClock()
	l := newLimiter(t, newStore(t), c, nil, addressLimit)
	mustAllow(t, l, k)
	mustAllow(t, l, k)
	wantRefused(t, "long address", mustAllow(t, l, k), "send/address", t0.Add(20*time.Minute))
	wantAllowed(t, "other long address", mustAllow(t, l, other))
}

func TestBadCalls(t *testing.T) {
	l := newLimiter(t, newStore(t), newClock(), nil, addressLimit)
	ctx := context.Background()
	if d, err := l.Allow(ctx); d.OK || !errors.Is(err, ratelimit.ErrInvalid) {
		t.Errorf("Allow() = %+v, %v; want refused, ErrInvalid", d, err)
	}
	if d, err := l.Allow(ctx, annKey, ratelimit.Key{Limit: "nope", Subject: "x"}); d.OK || !errors.Is(err, ratelimit.ErrUnknownLimit) {
		t.Errorf("Allow(unknown limit) = %+v, %v; want refused, ErrUnknownLimit", d, err)
	}
	// The failed call took nothing from ann's bucket.
	wantAllowed(t, "1", mustAllow(t, l, annKey, annKey))
	wantAllowed(t, "2 (a repeated key counts once)", mustAllow(t, l, annKey))
}

func TestNewRejectsBadLimits(t *testing.T) {
	st := newStore(t)
	for _, tc := range []struct {
		name   string
		limits []ratelimit.Limit
	}{
		{"none", nil},
		{"empty name", []ratelimit.Limit{{Every: time.Minute, Burst: 1}}},
		{"upper case", []ratelimit.Limit{{Name: "Send", Every: time.Minute, Burst: 1}}},
		{"trailing slash", []ratelimit.Limit{{Name: "send/", Every: time.Minute, Burst: 1}}},
		{"long name", []ratelimit.Limit{{Name: strings.Repeat("a", 65), Every: time.Minute, Burst: 1}}},
		{"zero burst", []ratelimit.Limit{{Name: "a", Every: time.Minute}}},
		{"zero every", []ratelimit.Limit{{Name: "a", Burst: 1}}},
		{"sub-millisecond", []ratelimit.Limit{{Name: "a", Every: time.Microsecond, Burst: 1}}},
		{"centuries", []ratelimit.Limit{{Name: "a", Every: 24 * time.Hour, Burst: 10000}}},
		{"twice", []ratelimit.Limit{addressLimit, addressLimit}},
		{"prefix", []ratelimit.Limit{{Name: "send", Every: time.Minute, Burst: 1}, addressLimit}},
	} {
		if _, err := ratelimit.New(st, tc.limits, nil); !errors.Is(err, ratelimit.ErrInvalid) {
			t.Errorf("%s: New = %v, want ErrInvalid", tc.name, err)
		}
	}
	if _, err := ratelimit.New(nil, ratelimit.DefaultLimits(), nil); !errors.Is(err, ratelimit.ErrInvalid) {
		t.Errorf("New(nil store) = %v, want ErrInvalid", err)
	}
	if _, err := ratelimit.New(st, ratelimit.DefaultLimits(), nil); err != nil {
		t.Errorf("New(DefaultLimits) = %v", err)
	}
}

func TestPruneKeepsBucketsThatAreNotFull(t *testing.T) {
	c := newClock()
	st := newStore(t)
	l := newLimiter(t, st, c, nil, addressLimit) // full 40 minutes after emptied
	ctx := context.Background()
	old := ratelimit.Key{Limit: "send/address", Subject: "old@example.com"}
	recent := ratelimit.Key{Limit: "send/address", Subject: "recent@example.com"}
	mustAllow(t, l, old)
	mustAllow(t, l, old)
	c.Set(t0.Add(30 * time.Minute))
	mustAllow(t, l, recent)
	mustAllow(t, l, recent)

	saved := func() map[string]store.RateBucket {
		t.Helper()
		m, err := st.RateBuckets(ctx, []string{old.String(), recent.String()})
		if err != nil {
			t.Fatal(err)
		}
		return m
	}
	c.Set(t0.Add(50 * time.Minute))
	// Asked to prune everything, Prune keeps what is younger than 40m1s.
	if n, err := l.Prune(ctx, 0); n != 1 || err != nil {
		t.Fatalf("Prune(0) at +50m = %d, %v; want 1 (old@), nil", n, err)
	}
	if m := saved(); len(m) != 1 || m[recent.String()].Key == "" {
		t.Fatalf("after Prune, saved buckets = %v; want only recent@", m)
	}
	// recent@ is still limited: pruning did not give it its burst back.
	fresh := newLimiter(t, st, c, nil, addressLimit)
	wantAllowed(t, "recent after prune, 1", mustAllow(t, fresh, recent))
	wantRefused(t, "recent after prune, 2", mustAllow(t, fresh, recent), "send/address", t0.Add(70*time.Minute))

	if n, err := l.Prune(ctx, 24*time.Hour); n != 0 || err != nil {
		t.Fatalf("Prune(24h) at +50m = %d, %v; want 0", n, err)
	}
	c.Set(t0.Add(25 * time.Hour))
	if n, err := l.Prune(ctx, 24*time.Hour); n != 1 || err != nil {
		t.Fatalf("Prune(24h) at +25h = %d, %v; want 1", n, err)
	}
}

// A bucket saved under an older, larger burst (or damaged) never gives
// more than the limit's burst now.
func TestSavedBucketsAreClampedToTheLimit(t *testing.T) {
	c := newClock()
	st := newStore(t)
	big := ratelimit.Key{Limit: "send/address", Subject: "big@example.com"}
	if err := st.SaveRateBuckets(context.Background(), []store.RateBucket{
		{Key: big.String(), Tokens: 50, At: t0},
		{Key: annKey.String(), Tokens: -3, At: t0},
	}); err != nil {
		t.Fatal(err)
	}
	l := newLimiter(t, st, c, nil, addressLimit)
	wantAllowed(t, "big 1", mustAllow(t, l, big))
	wantAllowed(t, "big 2", mustAllow(t, l, big))
	wantRefused(t, "big 3", mustAllow(t, l, big), "send/address", t0.Add(20*time.Minute))
	wantRefused(t, "negative", mustAllow(t, l, annKey), "send/address", t0.Add(20*time.Minute))
	c.Set(t0.Add(20 * time.Minute))
	wantAllowed(t, "negative, at the promised time", mustAllow(t, l, annKey))
}

// Whatever the clock and the rate, the promised time works and a second
// before it does not, also for a Limiter that loaded the bucket from the
// store (which keeps microseconds). Whole-second rates and clocks put the
// refill exactly on the promised second, where rounding could fall a hair
// short.
func TestRetryAtKeepsItsPromise(t *testing.T) {
	st := openStore(t, ":memory:")
	promises := 0
	for i := range 2000 {
		every := time.Duration(1+i*31%3599) * time.Second
		start := t0
		if i%2 == 1 {
			every += time.Duration(i * 104729 % 1e9)
			start = start.Add(time.Duration(i) * 1234567891 * time.Nanosecond)
		}
		lim := ratelimit.Limit{Name: "l" + strconv.Itoa(i), Every: every, Burst: 1 + i%5}
		key := ratelimit.Key{Limit: lim.Name, Subject: "x"}
		c := newClock()
		c.Set(start)
		l := newLimiter(t, st, c, nil, lim)
		for j := range lim.Burst + 1 {
			mustAllow(t, l, key)
			c.Set(c.Now().Add(every * time.Duration(1+j) / 7))
		}
		at := c.Now()
		for _, l := range []*ratelimit.Limiter{l, newLimiter(t, st, c, nil, lim)} {
			c.Set(at)
			d := mustPeek(t, l, key)
			if d.OK {
				continue
			}
			promises++
			c.Set(d.RetryAt.Add(-time.Second))
			if mustPeek(t, l, key).OK {
				t.Fatalf("%+v: allowed a second before RetryAt %v", lim, d.RetryAt)
			}
			c.Set(d.RetryAt)
			if p := mustPeek(t, l, key); !p.OK {
				t.Fatalf("%+v at %v: refused at RetryAt %v, until %v", lim, at, d.RetryAt, p.RetryAt)
			}
		}
	}
	if promises < 1000 {
		t.Fatalf("only %d refusals tested", promises)
	}
}
