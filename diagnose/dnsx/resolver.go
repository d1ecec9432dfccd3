package dnsx

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/miekg/dns"
)

// Defaults for the zero fields of [Config].
const (
	DefaultTimeout   = 2 * time.Second
	DefaultAttempts  = 2
	DefaultUDPSize   = 1232 // the DNS Flag Day 2020 size: no IP fragmentation
	DefaultCacheSize = 10000
	DefaultMaxTTL    = time.Hour
	// DefaultFailureTTL is how long a SERVFAIL or REFUSED is remembered.
	// RFC 2308 §7.1 allows up to five minutes; a short time keeps a
	// diagnosis from repeating a failure the operator has just fixed while
	// still sparing a failing server the same question from a bulk run.
	DefaultFailureTTL = 30 * time.Second
	// DefaultMaxInFlight bounds the queries on the wire at once. A bulk
	// run fires many questions together; a burst larger than a resolver's
	// socket buffer is dropped, and every drop costs a Timeout-long retry.
	DefaultMaxInFlight = 64
)

// Config configures a [Resolver]. The zero value uses the system's
// resolvers from /etc/resolv.conf with a 10,000-entry cache.
type Config struct {
	// Servers are the recursive resolvers to ask, in order, each as
	// accepted by [ParseServer]: "192.0.2.1", "192.0.2.1:5353",
	// "2001:db8::1" or "[2001:db8::1]:5353". Empty means the nameservers
	// of ResolvConf.
	Servers []string
	// ResolvConf is the resolv.conf file read when Servers is empty;
	// "" means /etc/resolv.conf. Its timeout and attempts options are used
	// when Timeout and Attempts are zero.
	ResolvConf string
	// Timeout bounds one attempt at one server; 0 means the resolv.conf
	// option or DefaultTimeout.
	Timeout time.Duration
	// Attempts is how many times each server is tried; 0 means the
	// resolv.conf option or DefaultAttempts.
	Attempts int
	// UDPSize is the EDNS0 buffer size advertised (RFC 6891 §6.2.5);
	// 0 means DefaultUDPSize.
	UDPSize uint16

	// CacheSize bounds the number of answers cached; 0 means
	// DefaultCacheSize and a negative value disables the cache. The
	// least recently used answer is evicted first.
	CacheSize int
	// MinTTL and MaxTTL clamp how long an answer is cached. MinTTL 0 means
	// answers with TTL 0 are not cached (RFC 1035 §3.2.1); MaxTTL 0 means
	// DefaultMaxTTL.
	MinTTL, MaxTTL time.Duration
	// FailureTTL is how long SERVFAIL and REFUSED answers are cached
	// (RFC 2308 §7.1, RFC 9520 §3.2); 0 means DefaultFailureTTL and a
	// negative value disables it. Timeouts are never cached.
	FailureTTL time.Duration
	// MaxInFlight bounds the queries sent and not yet answered, across all
	// servers; 0 means DefaultMaxInFlight. Questions beyond it wait.
	MaxInFlight int
	// Now is the cache's clock; nil means time.Now. Round-trip times are
	// always measured with the real clock.
	Now func() time.Time

	// Trace, when set, is called after every message exchange with a
	// server: a transcript of what was sent where. It is called from
	// several goroutines at once.
	Trace func(Exchange)
}

// Exchange is one message sent to a server and what came of it, for
// [Config.Trace].
type Exchange struct {
	Server    string // host:port
	Network   string // "udp" or "tcp"
	Name      string
	Type      uint16
	ID        uint16        // the message ID sent
	EDNS      bool          // the query carried an OPT record
	RTT       time.Duration // from sending to the reply or the error
	Rcode     int           // the reply's RCODE, -1 when there was no reply
	Truncated bool          // the reply had the TC bit
	Err       error         // why there was no usable reply
}

// Resolver is a caching stub resolver that keeps the distinctions a
// diagnosis needs. Identical questions asked at the same time share one
// lookup. It is safe for concurrent use.
type Resolver struct {
	cfg     Config
	servers []*server
	cache   *cache // nil when disabled
	stats   counters

	mu       sync.Mutex
	inflight map[cacheKey]*call // lookups under way

	slots chan struct{} // bounds the queries on the wire (Config.MaxInFlight)
}

// server is one upstream resolver and how it has been doing.
type server struct {
	addr     string
	timeouts atomic.Int32 // consecutive exchanges that got no reply
}

// New returns a Resolver for cfg. It fails when a server address is
// invalid or the resolv.conf file cannot be read.
func New(cfg Config) (*Resolver, error) {
	var addrs []string
	if len(cfg.Servers) > 0 {
		for _, s := range cfg.Servers {
			a, err := ParseServer(s)
			if err != nil {
				return nil, err
			}
			addrs = append(addrs, a)
		}
	} else {
		path := cfg.ResolvConf
		if path == "" {
			path = "/etc/resolv.conf"
		}
		sys, err := readResolvConf(path)
		if err != nil {
			return nil, err
		}
		addrs = sys.servers
		if cfg.Timeout <= 0 {
			cfg.Timeout = sys.timeout
		}
		if cfg.Attempts <= 0 {
			cfg.Attempts = sys.attempts
		}
	}
	cfg = withDefaults(cfg)
	r := &Resolver{cfg: cfg, inflight: make(map[cacheKey]*call), slots: make(chan struct{}, cfg.MaxInFlight)}
	for _, a := range addrs {
		r.servers = append(r.servers, &server{addr: a})
	}
	if cfg.CacheSize > 0 {
		r.cache = newCache(cfg.CacheSize)
	}
	return r, nil
}

func withDefaults(cfg Config) Config {
	if cfg.MaxInFlight <= 0 {
		cfg.MaxInFlight = DefaultMaxInFlight
	}
	if cfg.Timeout <= 0 {
		cfg.Timeout = DefaultTimeout
	}
	if cfg.Attempts <= 0 {
		cfg.Attempts = DefaultAttempts
	}
	if cfg.UDPSize == 0 {
		cfg.UDPSize = DefaultUDPSize
	}
	if cfg.CacheSize == 0 {
		cfg.CacheSize = DefaultCacheSize
	}
	if cfg.MinTTL < 0 {
		cfg.MinTTL = 0
	}
	if cfg.MaxTTL <= 0 {
		cfg.MaxTTL = DefaultMaxTTL
	}
	cfg.MaxTTL = max(cfg.MaxTTL, cfg.MinTTL)
	if cfg.FailureTTL == 0 {
		cfg.FailureTTL = DefaultFailureTTL
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	return cfg
}

// Servers returns the servers the resolver asks, host:port, in the
// configured order.
func (r *Resolver) Servers() []string {
	out := make([]string, len(r.servers))
	for i, s := range r.servers {
		out[i] = s.addr
	}
	return out
}

// Config returns the configuration in effect: defaults filled in, and
// Servers as host:port, read from resolv.conf when none were given.
func (r *Resolver) Config() Config {
	cfg := r.cfg
	cfg.Servers = r.Servers()
	return cfg
}

// Query answers (name, qtype) from the cache or by asking the servers in
// turn, retrying over TCP when a UDP answer is truncated (RFC 7766 §5).
//
// Concurrent identical questions share one lookup. The shared lookup runs
// detached from any one caller's context, bounded by the resolver's own
// timeouts, so a caller that gives up does not fail the others; each
// caller stops waiting when its own context ends, with an error wrapping
// ErrTimeout and the context's error.
//
// The Answer returned belongs to the caller: it shares nothing mutable
// with the cache or with other callers.
func (r *Resolver) Query(ctx context.Context, name string, qtype uint16) (*Answer, error) {
	fqdn, ok := canonicalName(name)
	if !ok {
		return nil, &Error{Name: fqdn, Type: qtype, Err: ErrBadName}
	}
	r.stats.questions.Add(1)
	key := cacheKey{name: fqdn, qtype: qtype}
	if f, ok := r.cached(key); ok {
		r.stats.cacheHits.Add(1)
		return f.answer, f.err
	}
	if err := ctx.Err(); err != nil {
		r.stats.abandoned.Add(1)
		return nil, &Error{Name: fqdn, Type: qtype, Err: fmt.Errorf("%w: %w", ErrTimeout, err)}
	}
	c, leader := r.join(ctx, key)
	if !leader {
		r.stats.coalesced.Add(1)
	}
	select {
	case <-c.done:
		f := c.result
		if f.fromCache {
			r.stats.cacheHits.Add(1)
		}
		if c.shared {
			return f.answer.clone(), cloneErr(f.err)
		}
		return f.answer, f.err
	case <-ctx.Done():
		r.stats.abandoned.Add(1)
		return nil, &Error{Name: fqdn, Type: qtype, Err: fmt.Errorf("%w: %w", ErrTimeout, ctx.Err())}
	}
}

// canonicalName returns name fully qualified and in lower case, and
// whether it is a valid domain name in ASCII: labels of at most 63
// octets and at most 255 octets in all (RFC 1035 §2.3.4).
func canonicalName(name string) (string, bool) {
	fqdn := strings.ToLower(dns.Fqdn(name))
	if name == "" {
		return fqdn, false
	}
	// Raw spaces, control bytes and non-ASCII have no place in a host
	// name; internationalized names are asked as A-labels (RFC 5890).
	// Any octet may still be asked in presentation escapes (\032, "\ "),
	// as SPF macros can produce them (RFC 7208 §7.3).
	for i := 0; i < len(fqdn); i++ {
		switch c := fqdn[i]; {
		case c == '\\':
			i++
		case c <= ' ' || c > '~':
			return fqdn, false
		}
	}
	if _, ok := dns.IsDomainName(fqdn); !ok {
		return fqdn, false
	}
	// Round-trip through the wire form so that every spelling of a name
	// ("\032", "\ ") becomes the one the server's reply will carry.
	buf := make([]byte, 256)
	off, err := dns.PackDomainName(fqdn, buf, 0, nil, false)
	if err != nil {
		return fqdn, false
	}
	canon, _, err := dns.UnpackDomainName(buf[:off], 0)
	if err != nil {
		return fqdn, false
	}
	return strings.ToLower(canon), true
}

type cacheKey struct {
	name  string
	qtype uint16
}
