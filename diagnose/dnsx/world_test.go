package dnsx_test

import (
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/codeprobe/codeprobe/diagnose/dnsx"
	"github.com/codeprobe/codeprobe/fixtures"
)

// bigTXT is a TXT record set of 1,500 bytes: more than the 1,232 bytes
// the resolver advertises, so the UDP answer is truncated.
var bigTXT = strings.Repeat("x", 250)

// world is the fixture zones the tests ask about. Negative answers in
// example.test live 60 seconds: the SOA minimum, under the SOA's TTL.
const world = `
$ORIGIN example.test.
@        300 SOA ns1 hostmaster 1 7200 3600 1209600 60
@        300 MX 10 mx1
@        300 MX 5 mx2
@        300 MX 10 a-mx
mx1      300 A 192.0.2.1
mx1      300 AAAA 2001:db8::1
mx2      60 A 192.0.2.2
a-mx     300 A 192.0.2.4
v4only   300 A 192.0.2.3
noaddr   300 TXT "nothing here"
alias    300 CNAME mid
mid      120 CNAME mx1
dangling 300 CNAME gone.example.test.
nullmx   300 MX 0 .
spf      300 TXT "v=spf1 " "include:_spf.example.test" " -all"
quoted   300 TXT "say \"hi\" " "back\\slash " "bell\007"
short    5 A 192.0.2.9
zero     0 A 192.0.2.10
*.wild   300 A 192.0.2.11
slow     300 A 192.0.2.12
servfail 300 A 192.0.2.13
refuse   300 A 192.0.2.14
drop     300 A 192.0.2.15
big      300 TXT "` + "%s" + `" "%s" "%s" "%s" "%s" "%s"
`

// startWorld serves the fixture zones on a fresh loopback server: the
// names servfail., refuse. and drop.example.test misbehave as named,
// slow.example.test answers after slowLatency, secure.test carries the AD
// bit and nosoa.test has no SOA.
func startWorld(t testing.TB) *fixtures.DNSServer {
	t.Helper()
	s := fixtures.NewDNSServer()
	zone := strings.ReplaceAll(world, "%s", bigTXT)
	must(t, s.AddZone("example.test.", zone))
	must(t, s.AddZone("secure.test.", "@ 300 SOA ns1 hostmaster 1 2 3 4 60\nwww 300 A 192.0.2.30\n"))
	must(t, s.AddZone("nosoa.test.", "www 300 A 192.0.2.20\n"))
	s.MarkSecure("secure.test.")
	s.SetBehaviour("servfail.example.test.", fixtures.Behaviour{ServFail: true})
	s.SetBehaviour("refuse.example.test.", fixtures.Behaviour{Refuse: true})
	s.SetBehaviour("drop.example.test.", fixtures.Behaviour{Drop: true})
	s.SetBehaviour("slow.example.test.", fixtures.Behaviour{Latency: slowLatency})
	must(t, s.Start())
	t.Cleanup(func() { s.Close() })
	return s
}

// slowLatency is long enough for 100 goroutines to pile up on one
// question, short enough to keep the tests quick.
const slowLatency = 500 * time.Millisecond

// newResolver returns a resolver asking servers, with short timeouts and
// cfg's other fields.
func newResolver(t testing.TB, cfg dnsx.Config, servers ...*fixtures.DNSServer) *dnsx.Resolver {
	t.Helper()
	for _, s := range servers {
		cfg.Servers = append(cfg.Servers, s.Addr)
	}
	if cfg.Timeout == 0 {
		cfg.Timeout = time.Second
	}
	r, err := dnsx.New(cfg)
	must(t, err)
	return r
}

func must(t testing.TB, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// clock is a settable clock for the cache: tests move time instead of
// sleeping.
type clock struct {
	mu  sync.Mutex
	now time.Time
}

func newClock() *clock { return &clock{now: time.Date(2025, 1, 2, 3, 4, 5, 0, time.UTC)} }

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

// waitFor polls cond until it holds or a second has passed: for tests
// that must see a query reach the server before going on.
func waitFor(t testing.TB, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(time.Millisecond)
	}
}
