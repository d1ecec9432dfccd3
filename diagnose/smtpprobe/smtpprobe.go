// Package smtpprobe checks whether one MX host answers SMTP at one IP
// address, the way a postmaster checks by hand with telnet, and keeps the
// whole dialogue as evidence.
//
// [Probe] connects, reads the banner, says EHLO (falling back to HELO for
// servers that do not speak ESMTP), upgrades with STARTTLS when offered and
// verifies the certificate, says EHLO again, and optionally asks the server
// whether it would accept one recipient (MAIL FROM, RCPT TO, RSET, QUIT;
// never DATA). It recognises rejection with enhanced status codes,
// greylisting and accept-all ("catch-all") servers.
//
// The client is written directly on a net.Conn rather than with net/smtp,
// because a server is attacker-chosen input: every step has its own
// deadline, reply lines and multi-line replies are bounded, nothing the
// server sends can make the probe hang or read without limit, and the
// transcript records exactly what was said. Addresses are dialled only
// through the [netguard.Dialer] passed in, which in production is a
// *netguard.Guard refusing loopback, private and reserved addresses.
//
// RFCs implemented:
//   - RFC 5321 Simple Mail Transfer Protocol: replies (§4.2), EHLO and the
//     HELO fallback (§4.1.1.1, §3.2), MAIL/RCPT/RSET/QUIT (§4.1.1), the
//     554 greeting (§3.1), 421 (§3.8), size limits (§4.5.3.1)
//   - RFC 1869/5321 §2.2 SMTP service extensions (the EHLO keyword list)
//   - RFC 3207 SMTP over TLS (STARTTLS; EHLO again after the handshake, §4.2)
//   - RFC 7435 opportunistic security: an unverifiable certificate is
//     recorded, not fatal, as real MTAs deliver over such sessions
//   - RFC 2034 and RFC 3463 enhanced status codes
//   - RFC 6531 SMTPUTF8 for internationalised recipient addresses
package smtpprobe

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/netip"
	"strings"
	"time"

	"github.com/codeprobe/codeprobe/diagnose/netguard"
)

// Limits on what a server may send. RFC 5321 §4.5.3.1.5 limits a reply line
// to 512 octets including CRLF; real servers exceed it, so up to
// MaxLineLength is tolerated and anything longer is a protocol error.
const (
	// MaxLineLength is the longest reply line accepted, in octets without
	// the line ending.
	MaxLineLength = 4096
	// MaxReplyLines is the most lines accepted in one multi-line reply.
	MaxReplyLines = 100
	// DefaultPort is the SMTP relay port (RFC 5321 §4.5.4.2, port 25).
	DefaultPort = 25
	// DefaultStepTimeout bounds each network step when Options.StepTimeout
	// is zero.
	DefaultStepTimeout = 10 * time.Second
	// maxQuitWait bounds the wait for the reply to QUIT: the verdict is known
	// by then, and a server tarpitting QUIT must not slow bulk checks down.
	maxQuitWait = 2 * time.Second
)

// Sentinel errors. Result.Err wraps one of them (or netguard.ErrForbidden);
// test with errors.Is.
var (
	// ErrUnreachable: the TCP connection could not be made in time.
	ErrUnreachable = errors.New("smtp server unreachable")
	// ErrTimeout: the server went silent mid-dialogue, or the context ended.
	ErrTimeout = errors.New("smtp server did not answer in time")
	// ErrRejected: the server answered a step with a 5xx reply.
	ErrRejected = errors.New("smtp server rejected")
	// ErrTempFail: the server answered a step with a 4xx reply.
	ErrTempFail = errors.New("smtp server deferred")
	// ErrProtocol: the server broke the protocol (garbage, over-long or
	// inconsistent replies, early close, a failed TLS handshake).
	ErrProtocol = errors.New("smtp protocol error")
	// ErrClosed: the server closed the connection without a 421 reply
	// (RFC 5321 §3.8). Always wrapped together with ErrProtocol.
	ErrClosed = errors.New("server closed the connection")
	// ErrTLS: the STARTTLS handshake failed. Wrapped together with
	// ErrProtocol.
	ErrTLS = errors.New("TLS handshake failed")
	// ErrNoSMTPUTF8: the recipient's local part is not ASCII and the server
	// does not offer SMTPUTF8 (RFC 6531 §3.2), so mail to it cannot be
	// delivered. Wrapped together with ErrRejected.
	ErrNoSMTPUTF8 = errors.New("server does not offer SMTPUTF8")
	// ErrInvalidOptions: the caller's Options or arguments cannot be used.
	ErrInvalidOptions = errors.New("invalid smtp probe options")
)

// Options configures a [Probe]. Dialer is required; every other zero value
// means the documented default.
type Options struct {
	// Dialer makes the TCP connection (required). Production passes a
	// *netguard.Guard; the prober dials only IP literals through it.
	Dialer netguard.Dialer
	// Port to connect to; 0 means DefaultPort (--smtp-port).
	Port int
	// HeloName is the name we give in EHLO/HELO. Empty means the address
	// literal of our end of the connection ("[192.0.2.7]",
	// "[IPv6:2001:db8::7]"), which RFC 5321 §4.1.4 prescribes for a client
	// without a meaningful name. Production should set a name whose forward
	// and reverse DNS agree: many servers defer or reject at RCPT time when
	// the EHLO name does not resolve, which would look like greylisting.
	HeloName string
	// StepTimeout bounds each step (connect, banner, each command, the TLS
	// handshake); 0 means DefaultStepTimeout. The context's deadline bounds
	// the whole probe.
	StepTimeout time.Duration
	// TLSConfig supplies the roots (RootCAs; nil means the system's), the
	// clock (Time) and version limits for STARTTLS. It is cloned; ServerName
	// is set to the host probed, and the certificate is verified separately
	// so that a failure is recorded rather than fatal.
	TLSConfig *tls.Config
	// RCPT, when non-empty, asks the server whether it would accept this
	// recipient: MAIL FROM, RCPT TO, then RSET and QUIT, never DATA. Off by
	// default because providers penalise senders that probe recipients.
	RCPT string
	// MailFrom is the envelope sender for the RCPT probe. Empty means the
	// null reverse-path "<>", which servers must accept (RFC 5321 §4.5.5,
	// §6.1) and which sender callouts (Exim, Postfix address verification)
	// use; a server rejecting it would also reject bounces. Set it to the
	// address codes are really sent from to see that sender's treatment.
	MailFrom string
	// CatchAll also asks, after an accepted RCPT, for a random and certainly
	// nonexistent local part at the same domain: a server accepting that
	// accepts everything, and its acceptance of RCPT proves nothing. Ignored
	// without RCPT.
	CatchAll bool
	// Rand supplies the randomness of the catch-all test's local part; nil
	// means crypto/rand. Tests pass a fixed source for stable transcripts.
	Rand io.Reader
	// Logger receives debug records of the dialogue; nil discards them.
	Logger *slog.Logger
}

// Stage names a step of the dialogue; Result.Stage is the last one reached.
type Stage string

// The stages, in dialogue order.
const (
	StageConnect  Stage = "connect"
	StageBanner   Stage = "banner"
	StageEHLO     Stage = "ehlo"
	StageSTARTTLS Stage = "starttls"
	StageMail     Stage = "mail"
	StageRCPT     Stage = "rcpt"
	StageDone     Stage = "done"
)

// Outcome is the verdict of a probe.
type Outcome string

// The outcomes.
const (
	// OutcomeOK: every step asked for succeeded.
	OutcomeOK Outcome = "ok"
	// OutcomeUnreachable: the connection failed or timed out.
	OutcomeUnreachable Outcome = "unreachable"
	// OutcomeRejected: a 5xx reply at the banner, EHLO, MAIL or RCPT.
	OutcomeRejected Outcome = "rejected"
	// OutcomeGreylisted: a 4xx on RCPT, or a 4xx on MAIL that looks like
	// greylisting (see [Reply.LooksGreylisted]): mail will arrive late.
	OutcomeGreylisted Outcome = "greylisted"
	// OutcomeTempFail: any other 4xx, such as 421 at the banner (busy).
	OutcomeTempFail Outcome = "tempfail"
	// OutcomeProtocolError: garbage, over-long or inconsistent replies, an
	// early close, or a failed TLS handshake.
	OutcomeProtocolError Outcome = "protocol-error"
	// OutcomeTimeout: the server went silent mid-dialogue.
	OutcomeTimeout Outcome = "timeout"
	// OutcomeForbidden: the address policy refused to dial the IP.
	OutcomeForbidden Outcome = "forbidden"
	// OutcomeError: the probe could not start (invalid options).
	OutcomeError Outcome = "error"
)

// Result is everything a probe learned. It is always non-nil.
type Result struct {
	Host string     `json:"host"`
	IP   netip.Addr `json:"ip"`
	Port int        `json:"port"`

	Stage   Stage   `json:"stage"`
	Outcome Outcome `json:"outcome"`

	Banner Reply `json:"banner"`
	// EHLO is the last EHLO reply (after STARTTLS when TLS was negotiated),
	// or the HELO reply when HeloFallback is set.
	EHLO Reply `json:"ehlo"`
	// HeloFallback: the server did not understand EHLO (500/502) and HELO
	// was used instead (RFC 5321 §3.2); no extensions are known.
	HeloFallback bool `json:"helo_fallback,omitempty"`
	// Extensions maps each EHLO keyword, upper case, to its parameters
	// ("SIZE" → "35882577", "8BITMIME" → "").
	Extensions map[string]string `json:"extensions,omitempty"`
	// StartTLS: the server offered STARTTLS before TLS was negotiated.
	StartTLS bool `json:"starttls"`
	// TLS describes the negotiated session; nil when none was.
	TLS *TLSInfo `json:"tls,omitempty"`
	// TLSError says why STARTTLS was offered but not negotiated: the
	// server's refusal (the dialogue then continues in plain text) or the
	// handshake failure.
	TLSError string `json:"tls_error,omitempty"`

	Mail *Reply `json:"mail,omitempty"`
	RCPT *Reply `json:"rcpt,omitempty"`
	// CatchAll is nil when not tested or when the answer was inconclusive.
	CatchAll      *bool  `json:"catch_all,omitempty"`
	CatchAllReply *Reply `json:"catch_all_reply,omitempty"`

	// Transcript is the dialogue, both directions, with our notes.
	Transcript []Line `json:"transcript"`
	// Err is the failure, wrapping a sentinel error of this package or
	// netguard.ErrForbidden; a *ReplyError when the server said no.
	Err      error         `json:"-"`
	Duration time.Duration `json:"duration_ns"`
}

// Dir is who produced a transcript line.
type Dir string

// Transcript directions.
const (
	DirClient Dir = "C" // a line we sent
	DirServer Dir = "S" // a line the server sent
	DirNote   Dir = "*" // the prober's note: connect, TLS, errors
)

// Line is one line of the transcript. Text never holds control characters:
// bytes that are not printable UTF-8 appear as \xNN.
type Line struct {
	Dir  Dir           `json:"dir"`
	At   time.Duration `json:"at_ns"` // since the probe started
	Text string        `json:"text"`
}

// String formats the line as "  0.012s S: 220 mx.example.com ESMTP".
func (l Line) String() string {
	return fmt.Sprintf("%7.3fs %s: %s", l.At.Seconds(), l.Dir, l.Text)
}

// TranscriptText returns the transcript, one line per [Line.String].
func (r *Result) TranscriptText() string {
	var b strings.Builder
	for _, l := range r.Transcript {
		b.WriteString(l.String())
		b.WriteByte('\n')
	}
	return b.String()
}

// TLSInfo describes a negotiated STARTTLS session.
type TLSInfo struct {
	Version     string `json:"version"`      // "TLS 1.3"
	CipherSuite string `json:"cipher_suite"` // "TLS_AES_128_GCM_SHA256"
	ServerName  string `json:"server_name"`  // the name verified against (and sent as SNI)
	// Verified: the chain leads to a trusted root and names ServerName.
	Verified    bool      `json:"verified"`
	VerifyError string    `json:"verify_error,omitempty"`
	PeerNames   []string  `json:"peer_names"` // the leaf's DNS and IP names (its CN if it has none)
	NotAfter    time.Time `json:"not_after"`
	Issuer      string    `json:"issuer"`
	// Chain is the certificate chain the server presented, leaf first, for
	// checks against TLSA records (RFC 7672) that need the certificates
	// themselves.
	Chain []*x509.Certificate `json:"-"`
}

// ReplyError is the error of a step the server answered with a reply other
// than the one expected. It unwraps to ErrRejected (5xx), ErrTempFail (4xx)
// or ErrProtocol (an unexpected positive reply).
type ReplyError struct {
	Stage Stage
	Reply Reply
}

func (e *ReplyError) Error() string {
	return fmt.Sprintf("%s: server replied %s", e.Stage, e.Reply)
}

func (e *ReplyError) Unwrap() error {
	switch e.Reply.Code / 100 {
	case 5:
		return ErrRejected
	case 4:
		return ErrTempFail
	default:
		return ErrProtocol
	}
}
