// Package testcode sends codeprobe's own test verification code and
// recognises what a user typed back.
//
// Codes are HOTP values (RFC 4226, through github.com/pquerna/otp): each
// wizard session has its own random 160-bit secret (RFC 4226 §4 R6) and the
// HOTP counter is the code's ordinal in the session, so codes are never
// stored, only the secret, the counter and when each code was issued (and,
// as evidence, what users typed: see [CodeAttempt]). Only the newest code
// of a session works, and only until it expires; a wrong entry is
// explained (an earlier code, an expired one, a near miss, a code from
// another session, nothing we sent).
//
// The test message is a plain transactional email (RFC 5322, MIME RFC 2045–
// 2049, multipart/alternative RFC 2046 §5.1.4) marked Auto-Submitted
// (RFC 3834 §5) and DKIM-signed (RFC 6376) with RSA (RFC 8301) or Ed25519
// (RFC 8463) keys. Each send carries a token (RFC 4648 §6 base32) in its
// envelope sender, its Message-ID and an X-Codeprobe-Token header, so that
// bounces and seed-mailbox copies can be tied back to it. [Delivery] hands
// the message to a smarthost or to the recipient's MX hosts (RFC 5321) and
// keeps the SMTP dialogue as evidence.
package testcode

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/codeprobe/codeprobe/diagnose/address"
)

// Defaults for the zero fields of an [Issuer].
const (
	DefaultCodeTTL         = 10 * time.Minute
	DefaultCodeDigits      = 6
	DefaultMaxCodeAttempts = 10
	DefaultMaxCodes        = 20
	DefaultCodeLookback    = 24 * time.Hour
	// maxRecentSessions bounds how many other sessions Check looks at.
	maxRecentSessions = 20
	// hotpSecretSize is the HOTP secret length: 160 bits, RFC 4226 §4 R6.
	hotpSecretSize = 20
	// maxSessionID bounds a session ID's length.
	maxSessionID = 128
)

var (
	// ErrNoStore: the Issuer has no CodeStore.
	ErrNoStore = errors.New("testcode: no code store")
	// ErrSessionID: an empty, over-long or non-printable session ID.
	ErrSessionID = errors.New("invalid session ID")
	// ErrAddress: the address is not a valid mailbox address; it also
	// wraps address.ErrSyntax when the syntax is at fault.
	ErrAddress = errors.New("invalid recipient address")
	// ErrDigits: Issuer.Digits is outside 6–8 (RFC 4226 §5.3 asks for at
	// least 6; the 31-bit truncation gives at most 9 meaningful digits).
	ErrDigits = errors.New("code length must be 6 to 8 digits")
	// ErrTooManyCodes: the session already has its maximum of codes. A
	// CodeStore returns it from AppendIssue.
	ErrTooManyCodes = errors.New("too many codes issued in this session")
	// ErrNoSession: the store has no such session. A CodeStore returns it
	// from Session and CountAttempt.
	ErrNoSession = errors.New("no such code session")
)

// CodeStore keeps code sessions: per (session ID, address) the HOTP secret,
// the code length and every code issued with its times and attempts. The
// address is canonical, as [CanonicalAddress] returns it. Methods must be
// safe for concurrent use and atomic; Session values returned must not
// share memory with the store.
type CodeStore interface {
	// OpenSession returns the session s.ID, s.Address, creating it from s
	// (with no issues) when it does not exist. An existing session is
	// returned as stored, keeping its own secret.
	OpenSession(ctx context.Context, s Session) (Session, error)
	// AppendIssue adds a code to the session with the next ordinal (1 for
	// the first) and returns it with Ordinal set. It fails with
	// ErrTooManyCodes when the session has limit codes already, and with
	// ErrNoSession when there is no such session.
	AppendIssue(ctx context.Context, sessionID, address string, is Issue, limit int) (Issue, error)
	// Session returns the session with all its issues, oldest first, or
	// ErrNoSession.
	Session(ctx context.Context, sessionID, address string) (Session, error)
	// RecentSessions returns at most limit sessions of address that were
	// created or issued a code at or after since, the most recently
	// active first.
	RecentSessions(ctx context.Context, address string, since time.Time, limit int) ([]Session, error)
	// CountAttempt adds one to the attempts on the code with ordinal in
	// the session and returns the new count.
	CountAttempt(ctx context.Context, sessionID, address string, ordinal int) (int, error)
	// RecordAttempt keeps a checked code with its verdict in the session
	// a.SessionID, a.Address, or fails with ErrNoSession when there is no
	// such session. The attempt goes when its session is pruned.
	RecordAttempt(ctx context.Context, a CodeAttempt) error
}

// CodeAttempt is one code a user typed and what [Issuer.Check] made of it.
type CodeAttempt struct {
	SessionID string
	Address   string // canonical, as the session's
	// Typed is what the user typed, trimmed, made valid UTF-8 without
	// control characters and cut to 64 bytes: evidence for a support
	// agent, never compared with a code.
	Typed string
	Kind  Kind
	// Token and Ordinal name the code the verdict is about (the matched
	// code; for too-many-attempts the refused newest one), as in
	// [Verdict]; "" and 0 when none.
	Token   string
	Ordinal int
	At      time.Time
}

// Session is one (session ID, address) pair's code history.
type Session struct {
	ID        string
	Address   string
	Secret    []byte // the HOTP key K of RFC 4226 §5.1
	Digits    int
	CreatedAt time.Time
	Issues    []Issue // oldest first; Issues[i].Ordinal == i+1
}

// String describes the session without its secret or ID, for logs.
func (s Session) String() string {
	return fmt.Sprintf("session %s, %d codes", sessionTag(s.ID), len(s.Issues))
}

// GoString is String, for %#v.
func (s Session) GoString() string { return s.String() }

// LogValue keeps the secret, the ID and the address out of slog output.
func (s Session) LogValue() slog.Value {
	return slog.GroupValue(slog.String("session", sessionTag(s.ID)), slog.Int("codes", len(s.Issues)))
}

// sessionTag stands for a session ID in logs: the first 48 bits of its
// SHA-256, enough to follow one session through the log.
func sessionTag(id string) string {
	sum := sha256.Sum256([]byte(id))
	return hex.EncodeToString(sum[:6])
}

// Issue is one code issued in a session; the code itself is not kept, it is
// HOTP(Secret, Ordinal).
type Issue struct {
	Ordinal   int // the HOTP counter C of RFC 4226 §5.1, from 1
	IssuedAt  time.Time
	ExpiresAt time.Time
	Token     string // the send token of the message that carried it
	Attempts  int    // checks made while it was the newest code
}

// Code is a code just issued, to be sent in a test message.
type Code struct {
	Value     string // the digits; never logged (see String)
	Ordinal   int    // 1 for the session's first code
	IssuedAt  time.Time
	ExpiresAt time.Time
	Token     string // the send token for the message carrying it
}

// String describes the code without its value, so that a code printed with
// %v or %+v cannot leak into logs.
func (c Code) String() string {
	return fmt.Sprintf("code %d (token %s, expires %s)", c.Ordinal, c.Token, c.ExpiresAt.UTC().Format(time.RFC3339))
}

// GoString is String, for %#v.
func (c Code) GoString() string { return c.String() }

// LogValue keeps the value out of slog output.
func (c Code) LogValue() slog.Value {
	return slog.GroupValue(slog.Int("ordinal", c.Ordinal), slog.String("token", c.Token),
		slog.Time("expires", c.ExpiresAt))
}

// Issuer issues codes and checks what users type. Store is required; zero
// fields take the defaults. An Issuer is safe for concurrent use when its
// Store is.
type Issuer struct {
	Store CodeStore
	// TTL is how long a code works; 0 means DefaultCodeTTL.
	TTL time.Duration
	// Now is the clock; nil means time.Now.
	Now func() time.Time
	// Digits is the code length for new sessions, 6 to 8; 0 means
	// DefaultCodeDigits.
	Digits int
	// MaxAttempts is how many checks the newest code allows before it is
	// refused even when right (brute-force protection); 0 means
	// DefaultMaxCodeAttempts.
	MaxAttempts int
	// MaxCodes bounds the codes one session may be sent; 0 means
	// DefaultMaxCodes.
	MaxCodes int
	// Lookback is how far back Check looks for other sessions of the
	// same address; 0 means DefaultCodeLookback.
	Lookback time.Duration
	// Logger gets one line per code issued and per check, without codes,
	// secrets, addresses or session IDs (which may be bearer secrets such
	// as cookie values: a short hash stands for them); nil means no
	// logging.
	Logger *slog.Logger
}

func (i *Issuer) now() time.Time {
	if i.Now != nil {
		return i.Now()
	}
	return time.Now()
}

func positiveOr[T int | time.Duration](v, def T) T {
	if v > 0 {
		return v
	}
	return def
}

func (i *Issuer) logger() *slog.Logger {
	if i.Logger != nil {
		return i.Logger
	}
	return slog.New(slog.DiscardHandler)
}

// CanonicalAddress returns the form of addr that code sessions are keyed by:
// the address in ASCII-domain form (IDNA2008), lower case, so that
// Ann@Example.COM and ann@example.com share their sessions.
func CanonicalAddress(addr string) (string, error) {
	a, err := address.Parse(addr)
	if err != nil {
		return "", fmt.Errorf("%w: %w", ErrAddress, err)
	}
	return strings.ToLower(a.String()), nil
}

// checkSessionID refuses session IDs that are empty, longer than 128 bytes,
// or hold anything but printable ASCII.
func checkSessionID(id string) error {
	if id == "" || len(id) > maxSessionID {
		return ErrSessionID
	}
	for i := 0; i < len(id); i++ {
		if id[i] <= ' ' || id[i] >= 0x7f {
			return ErrSessionID
		}
	}
	return nil
}

// Issue issues the next code of the session for addr. The first code of a
// session creates it with a fresh secret from crypto/rand. It fails with
// ErrTooManyCodes once the session has had MaxCodes codes.
func (i *Issuer) Issue(ctx context.Context, sessionID, addr string) (Code, error) {
	if i.Store == nil {
		return Code{}, ErrNoStore
	}
	if err := checkSessionID(sessionID); err != nil {
		return Code{}, err
	}
	key, err := CanonicalAddress(addr)
	if err != nil {
		return Code{}, err
	}
	digits := positiveOr(i.Digits, DefaultCodeDigits)
	if digits < 6 || digits > 8 {
		return Code{}, fmt.Errorf("%w: %d", ErrDigits, digits)
	}
	secret := make([]byte, hotpSecretSize)
	if _, err := rand.Read(secret); err != nil {
		return Code{}, fmt.Errorf("testcode: reading random bytes: %w", err)
	}
	token, err := NewToken()
	if err != nil {
		return Code{}, err
	}
	now := i.now()
	sess, err := i.Store.OpenSession(ctx, Session{ID: sessionID, Address: key, Secret: secret, Digits: digits, CreatedAt: now})
	if err != nil {
		return Code{}, fmt.Errorf("testcode: opening code session: %w", err)
	}
	is := Issue{IssuedAt: now, ExpiresAt: now.Add(positiveOr(i.TTL, DefaultCodeTTL)), Token: token}
	is, err = i.Store.AppendIssue(ctx, sessionID, key, is, positiveOr(i.MaxCodes, DefaultMaxCodes))
	if err != nil {
		return Code{}, fmt.Errorf("testcode: issuing code: %w", err)
	}
	value, err := hotpValue(sess.Secret, is.Ordinal, sess.Digits)
	if err != nil {
		return Code{}, err
	}
	c := Code{Value: value, Ordinal: is.Ordinal, IssuedAt: is.IssuedAt, ExpiresAt: is.ExpiresAt, Token: is.Token}
	i.logger().InfoContext(ctx, "code issued", "session", sessionTag(sessionID), "code", c)
	return c, nil
}
