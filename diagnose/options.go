package diagnose

import (
	"context"
	"crypto/x509"
	"errors"
	"io"
	"log/slog"
	"net"
	"time"

	"github.com/codeprobe/codeprobe/diagnose/dnsx"
	"github.com/codeprobe/codeprobe/diagnose/netguard"
)

// Options configure a [Checker]. Resolver is required; nil or zero fields
// take the defaults documented on each.
type Options struct {
	// Resolver answers every DNS question the checks ask. Required unless
	// Offline.
	Resolver dnsx.Querier
	// Dialer makes the TCP connections (SMTP, MTA-STS over HTTPS) that the
	// address policy allows; nil means a plain net.Dialer. Tests and the
	// demo pass the fixture world's virtual network.
	Dialer netguard.Dialer
	// AllowPrivate lets probes connect to loopback, private, link-local
	// and reserved addresses (--allow-private). Off, an MX record pointing
	// at such an address is reported and never dialled.
	AllowPrivate bool
	// Timeout bounds the whole check of one address; 0 means 10s.
	Timeout time.Duration
	// Offline runs only the checks that need no network: syntax, typo,
	// disposable, role, free-mail.
	Offline bool
	// NoSMTP skips the SMTP reachability probes (--no-smtp).
	NoSMTP bool
	// SMTPPort is the port the mail servers are probed on; 0 means 25.
	SMTPPort int
	// SMTPStepTimeout bounds each step of an SMTP dialogue; 0 means a
	// third of Timeout, at most 10s.
	SMTPStepTimeout time.Duration
	// RCPT makes the SMTP probe ask the server about the address itself
	// (MAIL FROM / RCPT TO, never DATA) and test for catch-all behaviour.
	// Off by default: providers penalise senders who probe mailboxes.
	RCPT bool
	// HeloName is the name we give in EHLO; "" means the package default.
	HeloName string
	// MailFrom is the reverse-path of the RCPT probe; "" means the null
	// reverse-path <>.
	MailFrom string
	// RootCAs verify STARTTLS and MTA-STS certificates; nil means the
	// system's roots. The demo passes the fixture world's CA.
	RootCAs *x509.CertPool
	// HTTPSPort is the port MTA-STS policies are fetched from; 0 means 443.
	HTTPSPort int
	// DKIMSelectors are the selectors to look up for the sending domain in
	// CheckSender, on top of a short list of common ones.
	DKIMSelectors []string
	// Rand is the randomness of the catch-all test's made-up local part;
	// nil means crypto/rand. Tests fix it so that reports are stable.
	Rand io.Reader
	// Placements gives the latest seed runs of a provider; with it a check
	// says where codes are landing at the address's provider
	// (placement.*). nil skips that finding.
	Placements PlacementSource
	// PlacementRuns is how many latest runs count (0: 4); a placement
	// later than PlacementLateAfter (0: 2 minutes) is late; runs older
	// than PlacementMaxAge (0: 24 hours) are left out.
	PlacementRuns      int
	PlacementLateAfter time.Duration
	PlacementMaxAge    time.Duration
	// Now is the clock; nil means time.Now.
	Now func() time.Time
	// Logger receives debug logs; nil discards them.
	Logger *slog.Logger
}

// Checker runs diagnoses. It is safe for concurrent use; bulk mode shares
// one Checker (and so one resolver cache) across all addresses.
type Checker struct {
	opts  Options
	guard *netguard.Guard
}

// offlineResolver stands in for the resolver of an offline checker, which
// asks no questions: it refuses any that is asked all the same.
type offlineResolver struct{}

func (offlineResolver) Query(_ context.Context, name string, qtype uint16) (*dnsx.Answer, error) {
	return nil, &dnsx.Error{Name: name, Type: qtype, Err: dnsx.ErrNetwork}
}

// ErrNoResolver is returned by [New] when Options.Resolver is nil.
var ErrNoResolver = errors.New("diagnose: Options.Resolver is required unless Offline")

// New returns a Checker for opts.
func New(opts Options) (*Checker, error) {
	if opts.Resolver == nil {
		if !opts.Offline {
			return nil, ErrNoResolver
		}
		opts.Resolver = offlineResolver{}
	}
	if opts.Dialer == nil {
		opts.Dialer = &net.Dialer{}
	}
	if opts.Timeout <= 0 {
		opts.Timeout = 10 * time.Second
	}
	if opts.SMTPPort == 0 {
		opts.SMTPPort = 25
	}
	if opts.SMTPStepTimeout <= 0 {
		opts.SMTPStepTimeout = min(10*time.Second, opts.Timeout/3)
	}
	if opts.HTTPSPort == 0 {
		opts.HTTPSPort = 443
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.PlacementRuns <= 0 {
		opts.PlacementRuns = DefaultPlacementRuns
	}
	if opts.PlacementLateAfter <= 0 {
		opts.PlacementLateAfter = DefaultPlacementLateAfter
	}
	if opts.PlacementMaxAge <= 0 {
		opts.PlacementMaxAge = DefaultPlacementMaxAge
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	return &Checker{
		opts:  opts,
		guard: &netguard.Guard{Dialer: opts.Dialer, AllowPrivate: opts.AllowPrivate},
	}, nil
}
