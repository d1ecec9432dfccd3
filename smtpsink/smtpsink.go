// Package smtpsink is the SMTP server on the return path of codeprobe's
// test sends. A test send goes out with the envelope sender
// bounce+TOKEN@SINKDOMAIN, so bounces, automatic replies, challenges and
// complaints about it come back here. The sink stores each message
// durably before it says 250, then classifies it (package classify) and
// ties it to the send it answers by its token.
//
// The sink accepts mail only for its own domains and never relays: a
// recipient at any other domain, or routed through ours (the percent
// hack, bang paths, a quoted local part holding an @), is refused with
// 550 5.7.1. At a sink domain it accepts bounce+TOKEN (RFC 5233
// subaddress, also inside BATV and SRS wrappers) and the postmaster and
// abuse mailboxes every mail domain must have. Sessions are bounded in
// message size, recipients, line length, time and connections per client
// address and in all.
//
// RFCs implemented (the protocol itself by github.com/emersion/go-smtp):
//   - RFC 5321 Simple Mail Transfer Protocol: relaying (§3.6, §7.1),
//     RCPT (§4.1.1.3), the postmaster mailbox (§4.5.1), size limits
//     (§4.5.3.1), timeouts (§4.5.3.2), "250 only when the message is
//     safe" (§6.1), reply codes (§4.2)
//   - RFC 1870 SIZE, RFC 3207 STARTTLS, RFC 2034 and RFC 3463 enhanced
//     status codes, RFC 3030 CHUNKING, RFC 6531 SMTPUTF8
//   - RFC 2142 the abuse mailbox
//   - RFC 5233 subaddressing (bounce+TOKEN)
//   - RFC 3464 delivery status notifications, RFC 3834 automatic replies,
//     RFC 5965 feedback reports: recognised by package classify
package smtpsink

import (
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"runtime"
	"strings"
	"time"

	"github.com/codeprobe/codeprobe/smtpsink/classify"
	"github.com/codeprobe/codeprobe/store"
)

// Defaults for the zero fields of [Options].
const (
	DefaultMaxMessageBytes = 10 << 20
	DefaultMaxRecipients   = 20
	// DefaultMaxLineLength is RFC 5321 §4.5.3.1.6: a text line is at most
	// 1000 octets including the CRLF.
	DefaultMaxLineLength  = 1000
	DefaultSessionTimeout = 10 * time.Minute
	// DefaultReadTimeout and DefaultWriteTimeout bound each command and
	// each reply. RFC 5321 §4.5.3.2.7 asks a server to wait at least five
	// minutes for the next command.
	DefaultReadTimeout   = 5 * time.Minute
	DefaultWriteTimeout  = 5 * time.Minute
	DefaultStoreTimeout  = 30 * time.Second
	DefaultMaxConnsPerIP = 10
	DefaultMaxConns      = 200
	// DefaultClassifyQueue is how many stored messages may wait in memory
	// for a classification worker; more wait in the store.
	DefaultClassifyQueue = 64
)

// Sentinel errors, wrapped with %w; test with errors.Is.
var (
	// ErrInvalidOptions: New was given options it cannot work with.
	ErrInvalidOptions = errors.New("smtpsink: invalid options")
	// ErrServerClosed: Serve was called on, or returned because of, a
	// closed or shut-down server.
	ErrServerClosed = errors.New("smtpsink: server closed")
)

// Options configure a [Server]. Domains and Store are required; every
// other zero field means its default.
type Options struct {
	// Domains are the sink domains, the SINKDOMAIN of bounce+TOKEN@SINKDOMAIN
	// (ASCII; a trailing dot is ignored). Required.
	Domains []string
	// Store keeps the messages. Required. A message is acknowledged only
	// once [store.Store.PutReturn] returned without error.
	Store store.Store
	// TLSConfig, when set, makes the sink offer STARTTLS (RFC 3207).
	TLSConfig *tls.Config
	// Hostname is the name in the greeting. Default: the first domain.
	Hostname string

	// MaxMessageBytes bounds a message: larger ones, declared (SIZE=,
	// RFC 1870) or sent, get 552 5.3.4. The SIZE advertised in EHLO is
	// one more (go-smtp needs the room to see the end of the data).
	// Default DefaultMaxMessageBytes.
	MaxMessageBytes int64
	// MaxRecipients bounds RCPT commands per message (452 4.5.3 beyond,
	// RFC 5321 §4.5.3.1.10). Default DefaultMaxRecipients.
	MaxRecipients int
	// MaxLineLength bounds a command or text line, CRLF included.
	// Default DefaultMaxLineLength.
	MaxLineLength int
	// SessionTimeout bounds a whole connection, however busy.
	// Default DefaultSessionTimeout.
	SessionTimeout time.Duration
	// ReadTimeout bounds the wait for each command, and for a whole
	// message after DATA; WriteTimeout bounds each reply. Defaults
	// DefaultReadTimeout and DefaultWriteTimeout.
	ReadTimeout  time.Duration
	WriteTimeout time.Duration
	// StoreTimeout bounds storing one message; when it passes the client
	// gets 451 4.3.0 and sends again later. Default DefaultStoreTimeout.
	StoreTimeout time.Duration
	// MaxConnsPerIP and MaxConns bound the connections open at once from
	// one client address and in all; excess connections get 421 and are
	// closed. Defaults DefaultMaxConnsPerIP and DefaultMaxConns. Messages
	// are held in memory while they are stored, so MaxConns times
	// MaxMessageBytes bounds the memory sessions use.
	MaxConnsPerIP int
	MaxConns      int

	// Classify says what a message is. Default classify.Classify.
	Classify func(raw []byte) (*classify.Result, error)
	// ClassifyWorkers is the number of goroutines classifying stored
	// messages, which bounds the CPU classification takes from
	// acknowledging; ClassifyQueue how many messages may wait for one in
	// memory. Defaults half of GOMAXPROCS (at least one) and
	// DefaultClassifyQueue.
	ClassifyWorkers int
	ClassifyQueue   int
	// Now stamps the time a message was received. Default time.Now.
	Now func() time.Time
	// Logger receives a line per message stored, refused recipient and
	// classification, with the envelope but never the message itself.
	// Default: discard.
	Logger *slog.Logger

	// OnAck, when set, is called after the 250 reply to a stored message
	// has been written (or failed to be).
	OnAck func(Ack)
	// OnClassified, when set, is called after a return's classification
	// was stored.
	OnClassified func(id int64, c store.Classification)

	// sweepInterval replaces the sweeper's pace (tests).
	sweepInterval time.Duration
}

// Ack describes one acknowledged message, for metrics.
type Ack struct {
	ID    int64  // the return's ID in the store
	Token string // the send it is tied to, or ""
	Size  int64
	// Latency is the time from the end of the message (the final ".")
	// to the 250 reply written to the connection: the store's commit plus
	// the sink's own work.
	Latency time.Duration
	// Err is the error writing the reply, if any: the client may then
	// send the message again.
	Err error
}

// withDefaults checks the required fields and fills in the defaults.
func (o Options) withDefaults() (Options, map[string]bool, error) {
	if o.Store == nil {
		return o, nil, fmt.Errorf("%w: Store is required", ErrInvalidOptions)
	}
	if len(o.Domains) == 0 {
		return o, nil, fmt.Errorf("%w: Domains is required", ErrInvalidOptions)
	}
	domains := make(map[string]bool, len(o.Domains))
	for _, d := range o.Domains {
		n, err := normalizeDomain(d)
		if err != nil {
			return o, nil, err
		}
		domains[n] = true
	}
	if o.Hostname == "" {
		o.Hostname, _ = normalizeDomain(o.Domains[0])
	}
	if strings.ContainsAny(o.Hostname, " \t\r\n") {
		return o, nil, fmt.Errorf("%w: Hostname %q", ErrInvalidOptions, o.Hostname)
	}
	setDefault(&o.MaxMessageBytes, DefaultMaxMessageBytes)
	setDefault(&o.MaxRecipients, DefaultMaxRecipients)
	setDefault(&o.MaxLineLength, DefaultMaxLineLength)
	setDefault(&o.SessionTimeout, DefaultSessionTimeout)
	setDefault(&o.ReadTimeout, DefaultReadTimeout)
	setDefault(&o.WriteTimeout, DefaultWriteTimeout)
	setDefault(&o.StoreTimeout, DefaultStoreTimeout)
	setDefault(&o.MaxConnsPerIP, DefaultMaxConnsPerIP)
	setDefault(&o.MaxConns, DefaultMaxConns)
	setDefault(&o.ClassifyQueue, DefaultClassifyQueue)
	setDefault(&o.ClassifyWorkers, max(1, runtime.GOMAXPROCS(0)/2))
	if o.MaxLineLength < 512 {
		// RFC 5321 §4.5.3.1.4: a command line may be 512 octets.
		return o, nil, fmt.Errorf("%w: MaxLineLength %d is below 512", ErrInvalidOptions, o.MaxLineLength)
	}
	if o.MaxMessageBytes >= 1<<32-1 {
		// go-smtp parses SIZE= as a 32-bit number.
		return o, nil, fmt.Errorf("%w: MaxMessageBytes %d is 4 GiB or more", ErrInvalidOptions, o.MaxMessageBytes)
	}
	if o.Classify == nil {
		o.Classify = classify.Classify
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	return o, domains, nil
}

func setDefault[T int | int64 | time.Duration](v *T, def T) {
	if *v <= 0 {
		*v = def
	}
}

// normalizeDomain lower-cases a configured domain and checks that it is
// an ASCII host name (RFC 5321 §4.1.2 Domain).
func normalizeDomain(d string) (string, error) {
	n := strings.ToLower(strings.TrimSuffix(d, "."))
	if n == "" || len(n) > 253 {
		return "", fmt.Errorf("%w: domain %q", ErrInvalidOptions, d)
	}
	for label := range strings.SplitSeq(n, ".") {
		if label == "" || len(label) > 63 || label[0] == '-' || label[len(label)-1] == '-' {
			return "", fmt.Errorf("%w: domain %q", ErrInvalidOptions, d)
		}
		for i := 0; i < len(label); i++ {
			c := label[i]
			if (c < 'a' || c > 'z') && (c < '0' || c > '9') && c != '-' {
				return "", fmt.Errorf("%w: domain %q is not an ASCII host name (give IDNs as A-labels)", ErrInvalidOptions, d)
			}
		}
	}
	return n, nil
}
