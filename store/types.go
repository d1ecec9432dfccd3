package store

import (
	"encoding/json"
	"net/netip"
	"time"
)

// SendStatus is how the receiving server answered a test send.
type SendStatus string

// The send statuses. The zero value means no answer is recorded yet.
const (
	// SendAccepted: 250 after DATA (RFC 5321 §4.2.5).
	SendAccepted SendStatus = "accepted"
	// SendDeferred: a 4xx reply (RFC 5321 §4.2.1).
	SendDeferred SendStatus = "deferred"
	// SendRejected: a 5xx reply (RFC 5321 §4.2.1).
	SendRejected SendStatus = "rejected"
	// SendError: no server could be asked (no MX, a refused address, our
	// own failure).
	SendError SendStatus = "error"
)

// SendResult is the receiving server's answer to a send.
type SendResult struct {
	Status         SendStatus // accepted, deferred, rejected or error
	ReplyCode      int        // RFC 5321 §4.2 reply code, 200–599, or 0 when none
	EnhancedStatus string     // RFC 3463 enhanced status code ("5.1.1"), or ""
	QueueID        string     // the receiver's queue ID from its 250 reply, or ""
	RemoteHost     string     // the host name of the server that answered
	RemoteIP       netip.Addr // its address; the zero Addr when none
	// Transcript is the SMTP dialogue, already redacted by the caller.
	Transcript string
	Duration   time.Duration // from the first connection to the answer
}

// Send is one test code sent to an address.
type Send struct {
	// Token identifies the send: 20 characters of lower-case RFC 4648 §6
	// base32 without padding.
	Token           string
	Created         time.Time
	SessionID       string // the code session that issued the code, or ""
	Recipient       string // the address the code was sent to
	RecipientDomain string // its domain
	From            string // the header From address
	SinkDomain      string // the return path's domain: bounce+TOKEN@SinkDomain
	Ordinal         int    // the code's ordinal in its session, from 0
	// Result is the server's answer; its Status is empty until one is
	// recorded.
	Result  SendResult
	Updated time.Time // when the send or its result was last written
}

// Return is one message received by the return-path SMTP sink.
type Return struct {
	ID         int64
	Received   time.Time
	MailFrom   string     // the envelope sender (RFC 5321 §4.1.1.2), "" for <>
	Recipients []string   // the envelope recipients (RFC 5321 §4.1.1.3)
	RemoteIP   netip.Addr // the client's address
	HELO       string     // the name the client gave in EHLO or HELO
	Size       int64      // the message's size in bytes
	// Raw is the message as received. It is nil in list results and once
	// purged (see Purged).
	Raw []byte
	// Purged is when PurgeRaw dropped Raw; zero while it is kept.
	Purged time.Time
	// Token is the token of the send the return answers, or "" when none
	// was found. It need not name a stored send: returns also arrive for
	// sends made by other instances, and forged ones.
	Token          string
	Classification Classification
}

// Classification is what the sink decided a return is. The store keeps
// the values and does not interpret them; a zero Kind means the return is
// not classified yet.
type Classification struct {
	Kind       string // "bounce", "autoreply", "challenge", "feedback", "reply", "unknown"
	Reason     string // for bounces, the reason ("userunknown", "mailboxfull", …)
	Status     string // the RFC 3463 status code of the (first) failed recipient
	System     string // who reported it: the reporting MTA or the provider
	Diagnostic string // the diagnostic text
	// Recipients holds the per-recipient details and Evidence the evidence,
	// each a JSON document kept byte for byte, or nil.
	Recipients json.RawMessage
	Evidence   json.RawMessage
	Classified time.Time // set by SetClassification
}

// Verdict is what a typed code turned out to be.
type Verdict string

// The verdicts.
const (
	VerdictOK           Verdict = "ok"            // the session's latest code, in time
	VerdictEarlier      Verdict = "earlier"       // an earlier code of the session
	VerdictExpired      Verdict = "expired"       // the right code, too late
	VerdictNearMiss     Verdict = "near-miss"     // a typo of a code of the session
	VerdictOtherSession Verdict = "other-session" // a code issued to another session
	VerdictUnknown      Verdict = "unknown"       // no code we issued
	// VerdictTooManyAttempts: the session's latest code had been tried too
	// often and was refused, right or wrong.
	VerdictTooManyAttempts Verdict = "too-many-attempts"
)

// Attempt is one code a user typed. It belongs to the code session
// (SessionID, Address), an [AddressCodeSession], and is deleted with it.
type Attempt struct {
	ID        int64
	SessionID string // the session the user typed it in
	Address   string // the address the session sent codes to
	Code      string // what the user typed
	Time      time.Time
	Verdict   Verdict
	// MatchedToken and MatchedOrdinal name the send whose code matched,
	// when one did (for too-many-attempts, the refused latest code);
	// MatchedToken is "" otherwise.
	MatchedToken   string
	MatchedOrdinal int
}

// EventKind names what an Event records.
type EventKind string

// The event kinds.
const (
	EventSend    EventKind = "send"    // a send was made (at Send.Created)
	EventResult  EventKind = "result"  // its server's answer was recorded (at Send.Updated)
	EventReturn  EventKind = "return"  // a message came back (at Return.Received)
	EventAttempt EventKind = "attempt" // a user typed a code (at Attempt.Time)
)

// Event is one thing that happened to a send or an address. Exactly one of
// Send, Return and Attempt is set, by Kind; a Return's Raw is nil.
//
// Events are ordered newest first. Events at the same time come in the
// reverse of their natural order (attempt, return, result, send), then by
// larger ID, or larger token for sends and results.
type Event struct {
	Time    time.Time
	Kind    EventKind
	Token   string // the send's token, "" for a return or attempt tied to none
	Address string // the recipient address, "" when unknown
	Send    *Send
	Return  *Return
	Attempt *Attempt
}

// Filter selects events. Token keeps the send with that token, the returns
// tied to it and the attempts that matched its code. Address keeps the
// sends to that address, the returns tied to them and the attempts typed
// for it. When both are set an event must match both; when neither, every
// event matches. Limit bounds the result as for the list methods.
type Filter struct {
	Token   string
	Address string
	Limit   int
}

// PlacementKind is where a seed mailbox's test message landed.
type PlacementKind string

// The placement kinds. Inbox, junk and other mean the message was found.
const (
	PlacementInbox   PlacementKind = "inbox"   // in the inbox
	PlacementJunk    PlacementKind = "junk"    // in the junk or spam folder
	PlacementOther   PlacementKind = "other"   // in another folder (a tab, a rule's folder, the trash…)
	PlacementMissing PlacementKind = "missing" // not found by the end of the probe
	// PlacementError: the probe failed (it could not log in, the send was
	// refused…); Placement.Error says why.
	PlacementError PlacementKind = "error"
)

// Found reports whether the kind is one of a message found: inbox, junk
// or other.
func (k PlacementKind) Found() bool {
	return k == PlacementInbox || k == PlacementJunk || k == PlacementOther
}

// Bounds of a [Placement]'s text fields, in characters.
const (
	MaxRunIDLen      = 64   // RunID, printable ASCII
	MaxVerdictLen    = 32   // SPF, DKIM and DMARC
	MaxPlacementText = 1024 // Seed, Provider, Folder and Error
)

// Placement is where one test code of a seed run landed in one seed
// mailbox. The store checks the shape documented on each field and keeps
// the values as given; callers decide what they mean.
type Placement struct {
	ID int64 // set by PutPlacements
	// RunID groups the placements of one seed run: 1 to MaxRunIDLen
	// printable ASCII characters.
	RunID    string
	Seed     string // the seed mailbox's name; required
	Provider string // the rules provider ID ("google"), or "" when unknown
	// Token is the test send's token (see [ValidToken]), or "" when no send
	// was made.
	Token string
	Kind  PlacementKind
	// Folder is where the message was found; "" unless Kind is found (see
	// [PlacementKind.Found]).
	Folder string
	SentAt time.Time // when the test code was sent; required
	// FiledAt is the receiving server's INTERNALDATE (RFC 9051 §2.3.3) of
	// the message and SeenAt when the probe saw it; both are zero unless
	// Kind is found.
	FiledAt time.Time
	SeenAt  time.Time
	// SendStatus is the receiving server's answer to the send: "accepted",
	// "deferred", "rejected", "error" (see [SendStatus]) or "" when none.
	SendStatus string
	// SPF, DKIM and DMARC are the receiver's verdicts from its
	// Authentication-Results (RFC 8601 §2.7: "pass", "fail", "softfail",
	// "none"…), "" when unknown; at most MaxVerdictLen characters each.
	SPF, DKIM, DMARC string
	// Spam is the receiver's spam verdict: "spam", "not-spam" or "" when
	// unknown.
	Spam string
	// Error says why Kind is error; "" for any other kind.
	Error string
}

// Latency is how long a user would have waited for the code, SeenAt less
// SentAt (the seed probe idles on the inbox and junk folders, so it sees
// a delivery there as it happens; FiledAt, the server's INTERNALDATE, is
// only to the second), and true when the message was found; otherwise 0
// and false.
func (p *Placement) Latency() (time.Duration, bool) {
	if !p.Kind.Found() || p.SeenAt.IsZero() {
		return 0, false
	}
	return p.SeenAt.Sub(p.SentAt), true
}

// PlacementFilter selects placements for [Store.Placements]. Each
// non-empty field must match; an empty one selects every placement.
// Limit bounds the result as for the list methods.
type PlacementFilter struct {
	Provider string
	Seed     string
	RunID    string
	Since    time.Time // SentAt at or after Since
	// Until keeps SentAt before Until (exclusive), so that a caller can
	// page back through more than MaxLimit placements: the next page is
	// Until the oldest SentAt it has plus a microsecond, so that the
	// placements of that very microsecond not yet seen come too (those
	// seen come again, and are told apart by ID).
	Until time.Time
	Limit int
}
