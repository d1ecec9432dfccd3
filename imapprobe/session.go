package imapprobe

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/netip"
	"sync"
	"time"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapclient"

	"github.com/codeprobe/codeprobe/diagnose/netguard"
)

// Errors of a probe; each is wrapped with what failed.
var (
	// ErrTimeout: a step did not finish within its deadline.
	ErrTimeout = errors.New("imapprobe: timed out")
	// ErrPlaintext: the account would send its password unencrypted to a
	// host that is not loopback, and Options.AllowPlaintext is off.
	ErrPlaintext = errors.New("imapprobe: refusing to log in without TLS")
	// ErrAuth: the server refused the credentials.
	ErrAuth = errors.New("imapprobe: login refused")
	// ErrConnect: no address of the host could be connected to.
	ErrConnect = errors.New("imapprobe: cannot connect")
	// ErrProtocol: the server broke the protocol or closed the connection.
	ErrProtocol = errors.New("imapprobe: IMAP error")
)

// Resolver looks up a host's addresses; *net.Resolver satisfies it.
type Resolver interface {
	LookupNetIP(ctx context.Context, network, host string) ([]netip.Addr, error)
}

// Options are a probe's dependencies and limits.
type Options struct {
	// Guard checks and dials every address; nil refuses loopback,
	// private and other special-purpose addresses (a seed's host name is
	// resolved through DNS, which an attacker may control) and dials
	// with a net.Dialer. Tests pass a Guard with AllowPrivate.
	Guard *netguard.Guard
	// Resolver resolves host names; nil means net.DefaultResolver.
	Resolver Resolver
	// TLSConfig is the base TLS configuration (RootCAs in tests); the
	// server name is set per account.
	TLSConfig *tls.Config
	// AllowPlaintext allows TLSNone to hosts that are not loopback.
	AllowPlaintext bool
	// StepTimeout bounds each step (connect, greeting, login, each
	// command); 0 means 30 s. The context bounds the whole probe.
	StepTimeout time.Duration
	// Poll makes Wait poll even where the server has IDLE, for servers
	// whose IDLE is known not to announce deliveries.
	Poll bool
	// MaxHeaderBytes bounds the header block fetched of a found message;
	// 0 means 64 KiB.
	MaxHeaderBytes int
	// Now is the clock; nil means time.Now.
	Now func() time.Time
	// Logger receives debug lines of each step; nil discards them. No
	// credential is ever logged.
	Logger *slog.Logger
}

func (o *Options) stepTimeout() time.Duration {
	if o.StepTimeout > 0 {
		return o.StepTimeout
	}
	return 30 * time.Second
}

func (o *Options) now() time.Time {
	if o.Now != nil {
		return o.Now()
	}
	return time.Now()
}

func (o *Options) logger() *slog.Logger {
	if o.Logger != nil {
		return o.Logger
	}
	return slog.New(slog.DiscardHandler)
}

// Step is one thing a probe did, for the evidence of a report. Steps
// never hold credentials.
type Step struct {
	At   time.Duration `json:"at_ms"`
	Text string        `json:"text"`
}

// Session is a logged-in connection to one seed mailbox. It is not safe
// for concurrent use.
type Session struct {
	acct  *Account
	opts  *Options
	ctx   context.Context
	start time.Time

	raw    net.Conn
	client *imapclient.Client
	caps   imap.CapSet

	// news is signalled when the server reports new messages in the
	// selected folder (an untagged EXISTS, RFC 9051 §7.4.1).
	news chan struct{}

	mu       sync.Mutex
	steps    []Step
	timedOut bool
	stopCtx  func() bool
	selected string
}

// Dial connects to the account's server, checks the TLS policy and logs
// in. ctx bounds the whole session: when it ends, the connection is cut.
func Dial(ctx context.Context, acct *Account, opts *Options) (*Session, error) {
	if err := acct.Validate(); err != nil {
		return nil, err
	}
	if opts == nil {
		opts = &Options{}
	}
	s := &Session{acct: acct, opts: opts, ctx: ctx, start: opts.now(), news: make(chan struct{}, 1)}
	conn, ip, err := s.connect()
	if err != nil {
		return nil, err
	}
	s.raw = conn
	s.stopCtx = context.AfterFunc(ctx, s.cut)
	if err := s.open(ip); err != nil {
		s.Close()
		return nil, err
	}
	if err := s.login(); err != nil {
		s.Close()
		return nil, err
	}
	return s, nil
}

// connect resolves the host and dials its addresses in turn through the
// guard, each within the step timeout.
func (s *Session) connect() (net.Conn, netip.Addr, error) {
	host, port, _ := net.SplitHostPort(s.acct.addr())
	ips, err := s.resolve(host)
	if err != nil {
		return nil, netip.Addr{}, err
	}
	guard := s.opts.Guard
	if guard == nil {
		guard = &netguard.Guard{}
	}
	var errs []error
	for _, ip := range ips {
		dctx, cancel := context.WithTimeout(s.ctx, s.opts.stepTimeout())
		conn, err := guard.DialContext(dctx, "tcp", net.JoinHostPort(ip.String(), port))
		cancel()
		if err == nil {
			s.step("connected to %s (%s)", s.acct.addr(), ip)
			return conn, ip, nil
		}
		s.step("cannot connect to %s: %v", ip, err)
		errs = append(errs, err)
	}
	return nil, netip.Addr{}, fmt.Errorf("%w to %s: %w", ErrConnect, s.acct.addr(), errors.Join(errs...))
}

func (s *Session) resolve(host string) ([]netip.Addr, error) {
	if ip, err := netip.ParseAddr(host); err == nil {
		return []netip.Addr{ip}, nil
	}
	r := s.opts.Resolver
	if r == nil {
		r = net.DefaultResolver
	}
	rctx, cancel := context.WithTimeout(s.ctx, s.opts.stepTimeout())
	defer cancel()
	ips, err := r.LookupNetIP(rctx, "ip", host)
	if err != nil {
		return nil, fmt.Errorf("%w: resolving %s: %w", ErrConnect, host, err)
	}
	if len(ips) == 0 {
		return nil, fmt.Errorf("%w: %s has no address", ErrConnect, host)
	}
	for i := range ips {
		ips[i] = ips[i].Unmap()
	}
	return ips, nil
}

// open sets up TLS as the account asks and reads the greeting.
func (s *Session) open(ip netip.Addr) error {
	copts := &imapclient.Options{
		UnilateralDataHandler: &imapclient.UnilateralDataHandler{Mailbox: s.onMailbox},
	}
	mode, _ := ParseTLSMode(string(s.acct.TLS))
	cfg := s.tlsConfig()
	switch mode {
	case TLSImplicit:
		tc := tls.Client(s.raw, cfg)
		if err := s.do("TLS handshake", func() error { return tc.HandshakeContext(s.ctx) }); err != nil {
			return err
		}
		s.step("TLS: %s", describeTLS(tc.ConnectionState()))
		s.client = imapclient.New(tc, copts)
	case TLSStartTLS:
		copts.TLSConfig = cfg
		err := s.do("STARTTLS", func() error {
			c, err := imapclient.NewStartTLS(s.raw, copts)
			s.client = c
			return err
		})
		if err != nil {
			return err
		}
		s.step("STARTTLS done")
	default:
		if !ip.IsLoopback() && !s.opts.AllowPlaintext {
			return fmt.Errorf("%w: %s is not loopback; use tls or starttls", ErrPlaintext, s.acct.addr())
		}
		s.client = imapclient.New(s.raw, copts)
		s.step("no TLS (allowed: %s)", map[bool]string{true: "loopback", false: "plaintext allowed"}[ip.IsLoopback()])
	}
	if err := s.do("greeting", s.client.WaitGreeting); err != nil {
		return err
	}
	s.caps = s.client.Caps()
	return nil
}

func (s *Session) tlsConfig() *tls.Config {
	cfg := &tls.Config{MinVersion: tls.VersionTLS12}
	if s.opts.TLSConfig != nil {
		cfg = s.opts.TLSConfig.Clone()
	}
	cfg.ServerName = s.acct.Host
	return cfg
}

func describeTLS(cs tls.ConnectionState) string {
	return tls.VersionName(cs.Version) + ", " + tls.CipherSuiteName(cs.CipherSuite)
}

// onMailbox receives unilateral mailbox data; a new message count wakes
// Wait.
func (s *Session) onMailbox(data *imapclient.UnilateralDataMailbox) {
	if data.NumMessages != nil {
		select {
		case s.news <- struct{}{}:
		default:
		}
	}
}

// cut ends the connection at once: every read and write in progress
// fails. It closes the socket rather than setting a past deadline, since
// imapclient sets its own read deadlines and would undo one.
func (s *Session) cut() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.timedOut = true
	_ = s.raw.Close()
}

// do runs one step under the step timeout. A step that overruns cuts the
// connection (the session is then unusable) and returns ErrTimeout.
func (s *Session) do(what string, f func() error) error {
	sctx, cancel := context.WithTimeout(s.ctx, s.opts.stepTimeout())
	defer cancel()
	stop := context.AfterFunc(sctx, s.cut)
	err := f()
	if !stop() {
		return fmt.Errorf("%w: %s (%s)", ErrTimeout, what, s.acct.Name)
	}
	s.mu.Lock()
	dead := s.timedOut
	s.mu.Unlock()
	switch {
	case err == nil:
		return nil
	case dead:
		return fmt.Errorf("%w: %s (%s)", ErrTimeout, what, s.acct.Name)
	}
	return fmt.Errorf("%w: %s: %w", ErrProtocol, what, err)
}

// step records what the probe did.
func (s *Session) step(format string, args ...any) {
	text := fmt.Sprintf(format, args...)
	s.mu.Lock()
	s.steps = append(s.steps, Step{At: s.opts.now().Sub(s.start), Text: text})
	s.mu.Unlock()
	s.opts.logger().Debug("imap", "seed", s.acct.Name, "step", text)
}

// Steps returns what the session did so far.
func (s *Session) Steps() []Step {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Step(nil), s.steps...)
}

// Caps returns the server's capabilities after login.
func (s *Session) Caps() imap.CapSet { return s.caps }

// Close logs out (briefly) and closes the connection.
func (s *Session) Close() error {
	if s.stopCtx != nil {
		s.stopCtx()
	}
	if s.client == nil {
		return s.raw.Close()
	}
	_ = s.raw.SetDeadline(time.Now().Add(2 * time.Second))
	_ = s.client.Logout().Wait()
	return s.client.Close()
}
