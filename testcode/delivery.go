package testcode

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"net/netip"
	"time"

	"github.com/codeprobe/codeprobe/diagnose/dnsx"
	"github.com/codeprobe/codeprobe/diagnose/mtasts"
	"github.com/codeprobe/codeprobe/diagnose/netguard"
	"github.com/codeprobe/codeprobe/diagnose/smtpprobe"
)

// Mode says how a [Delivery] reaches the recipient.
type Mode string

// The delivery modes.
const (
	// ModeSmarthost hands the message to one relay, usually a submission
	// server on port 587 (RFC 6409), which delivers it onwards.
	ModeSmarthost Mode = "smarthost"
	// ModeDirect delivers to the recipient domain's MX hosts on port 25,
	// as an MTA does (RFC 5321 §5.1).
	ModeDirect Mode = "direct"
)

// Defaults for the zero fields of [Delivery].
const (
	// DefaultSubmissionPort is used when Smarthost has no port (RFC 6409 §3.1).
	DefaultSubmissionPort = 587
	// DefaultStepTimeout bounds each network step when StepTimeout is zero.
	DefaultStepTimeout = 30 * time.Second
	// DefaultMaxAttempts is how many addresses direct delivery connects to
	// before giving up, when MaxAttempts is zero.
	DefaultMaxAttempts = 3
	// maxQuitWait bounds the wait for the reply to QUIT: the outcome is
	// known by then.
	maxQuitWait = 2 * time.Second
)

// Delivery sends one already-composed message to one recipient and keeps
// the SMTP dialogue as evidence. It speaks RFC 5321 SMTP as a client: EHLO
// with the HELO fallback (§3.2), STARTTLS (RFC 3207), AUTH PLAIN (RFC 4954,
// RFC 4616) towards a smarthost, MAIL/RCPT/DATA with dot-stuffing (§4.5.2),
// the 8BITMIME (RFC 6152), SMTPUTF8 (RFC 6531) and SIZE (RFC 1870)
// extensions, and enhanced status codes (RFC 3463). In direct mode it
// routes by MX (RFC 5321 §5.1, with the implicit MX), honours null MX
// (RFC 7505) and MTA-STS (RFC 8461).
//
// A zero Delivery is not usable: Mode is required, and Smarthost in
// smarthost mode, Resolver in direct mode. Every other zero field means the
// documented default. A Delivery may be used by several goroutines at once.
type Delivery struct {
	Mode Mode
	// Smarthost is the relay's host:port in smarthost mode; a missing port
	// means DefaultSubmissionPort. A host name is resolved with Resolver.
	Smarthost string
	// Username and Password authenticate to the smarthost with AUTH PLAIN,
	// only over TLS (or to a local smarthost). They never appear in the
	// transcript ("AUTH PLAIN <redacted>"), the log or an error.
	Username string
	Password string
	// AllowPlaintext lets smarthost delivery go on without TLS when the
	// relay does not offer STARTTLS. By default STARTTLS with a valid
	// certificate is required, except towards a local relay (IsLocal), with
	// which TLS is used when offered. Credentials are never sent in plain
	// text to a relay that is not local.
	AllowPlaintext bool
	// IsLocal reports whether a relay address is on this machine, where the
	// TLS requirement is waived; nil means [netip.Addr.IsLoopback].
	IsLocal func(netip.Addr) bool
	// Resolver looks up MX and address records (direct mode, a smarthost
	// given by name, and the default MTA-STS policy fetch).
	Resolver dnsx.Querier
	// Guard dials every connection and refuses special-purpose addresses
	// unless it allows private ones; nil means a zero Guard.
	Guard *netguard.Guard
	// Port is the SMTP port in direct mode; 0 means 25.
	Port int
	// HeloName is our name in EHLO. Empty means the address literal of our
	// end of the connection (RFC 5321 §4.1.4); production should set a name
	// whose forward and reverse DNS agree.
	HeloName string
	// TLSConfig supplies the roots (RootCAs), clock and version limits for
	// STARTTLS; it is cloned and ServerName set per host. Its
	// InsecureSkipVerify lets a smarthost with an unverifiable certificate
	// be used; MTA-STS always requires a valid certificate.
	TLSConfig *tls.Config
	// MTASTS gives the recipient domain's MTA-STS policy in direct mode;
	// nil means [MTASTSFromFetcher] over Resolver, Guard and TLSConfig's
	// roots. A func returning nil, nil turns MTA-STS off.
	MTASTS MTASTSPolicyFunc
	// StepTimeout bounds each network step (connect, each reply, the TLS
	// handshake, sending the message); 0 means DefaultStepTimeout. The
	// context bounds the whole delivery.
	StepTimeout time.Duration
	// MaxAttempts is how many addresses are connected to, in order, before
	// giving up; 0 means DefaultMaxAttempts.
	MaxAttempts int
	// Logger receives a debug record per transcript line and one record per
	// delivery; nil discards them.
	Logger *slog.Logger
}

// MTASTSPolicyFunc returns a domain's MTA-STS policy, nil when the domain
// has none. An error means no policy could be had: delivery then goes on
// as for a domain without one (RFC 8461 §5), and the error is recorded.
type MTASTSPolicyFunc func(ctx context.Context, domain string) (*mtasts.Policy, error)

// MTASTSFromFetcher returns the policy function that fetches policies as a
// sending MTA does, with [mtasts.Fetcher.Check]. Policies in mode none are
// treated as absent; a policy that cannot be fetched or parsed is an error.
func MTASTSFromFetcher(f *mtasts.Fetcher) MTASTSPolicyFunc {
	return func(ctx context.Context, domain string) (*mtasts.Policy, error) {
		res := f.Check(ctx, domain, nil)
		switch res.Status {
		case mtasts.StatusEnforce, mtasts.StatusTesting:
			return res.Policy, nil
		case mtasts.StatusNone, mtasts.StatusPolicyNone:
			return nil, nil
		}
		if res.Err != nil {
			return nil, fmt.Errorf("MTA-STS %s: %w", res.Status, res.Err)
		}
		return nil, fmt.Errorf("MTA-STS %s", res.Status)
	}
}

// Status is the outcome of a delivery.
type Status string

// The statuses.
const (
	// StatusAccepted: the server answered 2xx after the message.
	StatusAccepted Status = "accepted"
	// StatusDeferred: a 4xx reply, or no server could be reached: an MTA
	// would keep the message queued and try again later.
	StatusDeferred Status = "deferred"
	// StatusRejected: a 5xx reply (or a null MX): the message will not be
	// delivered.
	StatusRejected Status = "rejected"
	// StatusError: delivery could not even be tried: bad input, no route,
	// a forbidden address, or a required extension missing.
	StatusError Status = "error"
)

// Stage names the step of the dialogue an attempt reached.
type Stage string

// The stages, in dialogue order.
const (
	StageRoute    Stage = "route" // DNS and policy, before connecting
	StageConnect  Stage = "connect"
	StageBanner   Stage = "banner"
	StageEHLO     Stage = "ehlo"
	StageSTARTTLS Stage = "starttls"
	StageAuth     Stage = "auth"
	StageMail     Stage = "mail"
	StageRCPT     Stage = "rcpt"
	StageData     Stage = "data" // the DATA command and the reply after the message
	StageDone     Stage = "done"
)

// Result is what a delivery did. It is always non-nil.
type Result struct {
	Status Status `json:"status"`
	// Stage is where the deciding attempt ended.
	Stage Stage `json:"stage"`
	// Code, Enhanced and Text are the reply that decided; Code is 0 when
	// no server reply did (a connection failure, a null MX, a local check).
	Code     int    `json:"code,omitempty"`
	Enhanced string `json:"enhanced,omitempty"`
	Text     string `json:"text,omitempty"`
	// QueueID is the server's identifier of the accepted message, parsed
	// from the reply after DATA by [ParseQueueID].
	QueueID string `json:"queue_id,omitempty"`
	// Host, IP and Port are the server of the deciding attempt.
	Host string     `json:"host,omitempty"`
	IP   netip.Addr `json:"ip,omitzero"`
	Port int        `json:"port,omitempty"`
	// TLS is the deciding attempt's STARTTLS session, nil if none;
	// TLSError says why TLS was not used when it was offered.
	TLS      *smtpprobe.TLSInfo `json:"tls,omitempty"`
	TLSError string             `json:"tls_error,omitempty"`
	// MTASTS is the recipient domain's policy and what failed it (direct
	// mode); nil in smarthost mode.
	MTASTS *MTASTSOutcome `json:"mta_sts,omitempty"`
	// Transcript is the whole dialogue, every attempt, with our notes.
	// Credentials and the message itself are never in it.
	Transcript []smtpprobe.Line `json:"transcript"`
	// Attempts are the servers tried, or passed over, in order.
	Attempts []Attempt `json:"attempts"`
	// Reason is Err in words, for JSON.
	Reason string `json:"reason,omitempty"`
	// Err wraps one of this package's sentinel errors (or
	// netguard.ErrForbidden); a *ReplyError when a server said no.
	Err      error         `json:"-"`
	Duration time.Duration `json:"duration_ns"`
}

// Attempt is one server address tried, or passed over, and how it ended.
type Attempt struct {
	Host       string             `json:"host"`
	IP         netip.Addr         `json:"ip,omitzero"`
	Port       int                `json:"port,omitempty"`
	Preference int                `json:"preference"` // the MX preference (direct mode)
	Stage      Stage              `json:"stage"`
	Status     Status             `json:"status"`
	Code       int                `json:"code,omitempty"`
	Enhanced   string             `json:"enhanced,omitempty"`
	Text       string             `json:"text,omitempty"`
	QueueID    string             `json:"queue_id,omitempty"`
	TLS        *smtpprobe.TLSInfo `json:"tls,omitempty"`
	TLSError   string             `json:"tls_error,omitempty"`
	// Reason says why the attempt ended: the reply or the error.
	Reason   string        `json:"reason"`
	Err      error         `json:"-"`
	Duration time.Duration `json:"duration_ns"`

	dialled bool // a connection was tried (counts towards MaxAttempts)
}

// MTASTSOutcome is what MTA-STS meant for a direct delivery.
type MTASTSOutcome struct {
	// Mode is the policy's mode ("enforce", "testing"), "" without a policy.
	Mode string   `json:"mode,omitempty"`
	MX   []string `json:"mx,omitempty"` // the policy's MX patterns
	// Failures are the policy's demands that were not met: MX hosts the
	// policy does not cover, TLS missing or unverified. In enforce mode
	// those hosts were not used; in testing mode they were.
	Failures []string `json:"failures,omitempty"`
	// Error says why no policy could be had; delivery went on without.
	Error string `json:"error,omitempty"`
}

// Sentinel errors; Result.Err and Attempt.Err wrap them. Test with errors.Is.
var (
	// ErrInvalidDelivery: the Delivery's fields, the addresses or the
	// message cannot be used.
	ErrInvalidDelivery = errors.New("invalid delivery")
	// ErrNoRoute: the recipient domain does not exist or has no mail
	// server, or the smarthost has no address.
	ErrNoRoute = errors.New("no mail route")
	// ErrNullMX: the domain publishes a null MX (RFC 7505): it accepts no mail.
	ErrNullMX = errors.New("domain accepts no mail (null MX, RFC 7505)")
	// ErrDNS: a lookup failed; an MTA would try again later.
	ErrDNS = errors.New("DNS lookup failed")
	// ErrUnreachable: the connection could not be made in time.
	ErrUnreachable = errors.New("mail server unreachable")
	// ErrTimeout: the server went silent mid-dialogue, or the context ended.
	ErrTimeout = errors.New("mail server did not answer in time")
	// ErrProtocol: the server broke the protocol or closed the connection.
	ErrProtocol = errors.New("SMTP protocol error")
	// ErrTLSRequired: TLS with a valid certificate was required and could
	// not be had, or credentials would have gone unencrypted.
	ErrTLSRequired = errors.New("TLS required")
	// ErrMTASTS: the domain's MTA-STS policy in enforce mode rules this
	// server out (RFC 8461 §5); an MTA would try again later.
	ErrMTASTS = errors.New("MTA-STS policy not satisfied")
	// ErrAuthUnavailable: credentials were given and the server offers no
	// AUTH PLAIN.
	ErrAuthUnavailable = errors.New("server offers no AUTH PLAIN")
	// ErrNoSMTPUTF8: the envelope or the header is not ASCII and the
	// server does not offer SMTPUTF8 (RFC 6531 §3.4).
	ErrNoSMTPUTF8 = errors.New("server does not offer SMTPUTF8")
	// ErrNo8BitMIME: the message has 8-bit content and the server does not
	// offer 8BITMIME (RFC 6152 §3).
	ErrNo8BitMIME = errors.New("server does not offer 8BITMIME")
	// ErrMessageTooLarge: the message exceeds the server's SIZE (RFC 1870 §6).
	ErrMessageTooLarge = errors.New("message larger than the server accepts")
	// ErrRejected and ErrDeferred are what a *ReplyError unwraps to for a
	// 5xx and a 4xx reply.
	ErrRejected = errors.New("server rejected")
	ErrDeferred = errors.New("server deferred")
)

// ReplyError is a step the server answered with a reply other than the
// one expected. It unwraps to ErrRejected (5xx), ErrDeferred (4xx) or
// ErrProtocol.
type ReplyError struct {
	Stage Stage
	Reply smtpprobe.Reply
}

func (e *ReplyError) Error() string {
	return fmt.Sprintf("%s: server replied %s", e.Stage, e.Reply)
}

func (e *ReplyError) Unwrap() error {
	switch e.Reply.Code / 100 {
	case 5:
		return ErrRejected
	case 4:
		return ErrDeferred
	default:
		return ErrProtocol
	}
}

// Deliver sends msg, raw RFC 5322 octets with CRLF line endings, from
// envelopeFrom ("" or "<>" for the null reverse-path) to rcpt. It never
// returns nil and never takes longer than ctx allows; each step is bounded
// by StepTimeout.
func (d *Delivery) Deliver(ctx context.Context, envelopeFrom, rcpt string, msg []byte) *Result {
	start := time.Now()
	res := &Result{}
	s, err := d.settle(envelopeFrom, rcpt, msg)
	if err != nil {
		res.Status, res.Stage, res.Err, res.Reason = StatusError, StageRoute, err, err.Error()
		res.Duration = time.Since(start)
		return res
	}
	r := &deliveryRun{settings: s, ctx: ctx, res: res, start: start}
	switch s.mode {
	case ModeSmarthost:
		r.smarthost()
	default:
		r.direct()
	}
	res.Duration = time.Since(start)
	s.log.Info("delivery", "mode", s.mode, "rcpt", s.rcpt.addr, "status", res.Status, "stage", res.Stage,
		"code", res.Code, "enhanced", res.Enhanced, "queue_id", res.QueueID, "host", res.Host, "ip", res.IP,
		"attempts", len(res.Attempts), "duration", res.Duration, "err", res.Reason)
	return res
}
