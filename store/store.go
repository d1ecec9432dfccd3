package store

import (
	"context"
	"errors"
	"time"
)

// Sentinel errors. Methods wrap them with %w; test with errors.Is.
var (
	// ErrNotFound: no send, return or code session has that key.
	ErrNotFound = errors.New("store: not found")
	// ErrExists: a send with that token is already stored.
	ErrExists = errors.New("store: already exists")
	// ErrInvalid: a value does not have the shape the store requires (see
	// the field documentation); nothing was written.
	ErrInvalid = errors.New("store: invalid value")
	// ErrLimit: a bounded collection is full; [Store.AppendCodeIssue]
	// returns it when the session has its limit of codes. Nothing was
	// written.
	ErrLimit = errors.New("store: limit reached")
	// ErrClosed: the store has been closed.
	ErrClosed = errors.New("store: closed")
	// ErrSchemaTooNew: the database was written by a newer codeprobe whose
	// schema this program does not know; it is left untouched.
	ErrSchemaTooNew = errors.New("store: database schema is newer than this program")
)

// Bounds of the list methods' limit argument: zero or less means
// DefaultLimit, more than MaxLimit means MaxLimit.
const (
	DefaultLimit = 100
	MaxLimit     = 1000
)

// Store keeps codeprobe's sends, returns, code sessions with the codes
// issued in them, attempts, and seed-mailbox placements.
// Every method is safe for concurrent use.
//
// Writes are durable when they return nil. A write whose context ends
// while it waits returns the context's error; if the write had not yet
// been handed to the database it is never applied, otherwise it may have
// been applied (as when a connection drops after COMMIT was sent), so a
// caller must treat its outcome as unknown. The SMTP sink, for one,
// answers 4xx and lets the client retry.
//
// List methods return at most limit items (see [DefaultLimit]), newest
// first unless documented otherwise, and leave Return.Raw nil: only
// [Store.Return] loads a raw message.
type Store interface {
	// PutSend stores a new send. Zero Created and Updated times are set
	// to the store's clock. ErrExists if the token is taken.
	PutSend(ctx context.Context, s *Send) error
	// UpdateSendResult records the receiving server's answer to a send,
	// replacing any earlier one, and sets its Updated time to the store's
	// clock. ErrNotFound if no send has the token.
	UpdateSendResult(ctx context.Context, token string, r SendResult) error
	// Send returns the send with the token, or ErrNotFound.
	Send(ctx context.Context, token string) (*Send, error)
	// SendsByAddress returns the sends to the recipient address (compared
	// exactly: callers normalise), newest first.
	SendsByAddress(ctx context.Context, address string, limit int) ([]*Send, error)

	// PutReturn stores a message that came back to the return path and
	// returns its ID. It returns only once the message is on disk. A
	// zero Received time is set to the store's clock; a zero Size to
	// len(Raw). The Classification is ignored: see SetClassification.
	PutReturn(ctx context.Context, r *Return) (int64, error)
	// SetClassification records what a return is, replacing any earlier
	// classification; its Classified time is set to the store's clock.
	// ErrNotFound if no return has the ID.
	SetClassification(ctx context.Context, id int64, c Classification) error
	// Return returns the return with the ID, with its raw message unless
	// purged, or ErrNotFound.
	Return(ctx context.Context, id int64) (*Return, error)
	// ReturnsByToken returns the returns tied to a send's token, newest
	// first, without their raw messages.
	ReturnsByToken(ctx context.Context, token string, limit int) ([]*Return, error)
	// ReturnsSince lists the returns received at or after since, newest
	// first, without their raw messages (the dashboard's recent bounces
	// and challenges).
	ReturnsSince(ctx context.Context, since time.Time, limit int) ([]*Return, error)
	// UnclassifiedReturns returns up to limit returns that have no
	// classification (an empty Kind) and an ID above afterID, in
	// increasing ID order, without their raw messages: the sink pages
	// through them after a restart to classify what it acknowledged but
	// did not classify.
	UnclassifiedReturns(ctx context.Context, afterID int64, limit int) ([]*Return, error)
	// PurgeRaw drops the raw message of every return received before t,
	// keeping the rest of the return and its classification, and reports
	// how many it dropped. It may work in several transactions, so as not
	// to hold up other writes; if ctx ends part way it returns the count
	// so far with the context's error.
	PurgeRaw(ctx context.Context, before time.Time) (int64, error)

	// OpenAddressCodeSession stores s (without its Issues) unless a
	// session with its ID and address exists, and returns the stored
	// session with all its issues: an existing session keeps its own
	// secret, digits and creation time. A zero Created time is set to the
	// store's clock. The insert and the read are one transaction.
	OpenAddressCodeSession(ctx context.Context, s *AddressCodeSession) (*AddressCodeSession, error)
	// AddressCodeSession returns the session with the ID and address, with
	// all its issues oldest first, or ErrNotFound.
	AddressCodeSession(ctx context.Context, sessionID, address string) (*AddressCodeSession, error)
	// AppendCodeIssue adds a code to the session with the next ordinal (1
	// for the first) and returns it as stored, with Ordinal set and
	// Attempts zero. A zero Issued time is set to the store's clock. It
	// fails with ErrLimit when the session has limit codes already, and
	// with ErrNotFound when there is no such session. The count and the
	// insert are one transaction, so no ordinal is ever handed out twice,
	// even to several processes sharing the database.
	AppendCodeIssue(ctx context.Context, sessionID, address string, is CodeIssue, limit int) (CodeIssue, error)
	// RecentAddressCodeSessions returns the sessions of address that were
	// last active at or after since (see [AddressCodeSession.LastActive]),
	// with their issues, the most recently active first; sessions equally
	// recent come in the order they were created.
	RecentAddressCodeSessions(ctx context.Context, address string, since time.Time, limit int) ([]*AddressCodeSession, error)
	// CountCodeAttempt adds one to the attempts on the code with ordinal
	// in the session and returns the new count, in one step, or
	// ErrNotFound when the session has no such code.
	CountCodeAttempt(ctx context.Context, sessionID, address string, ordinal int) (int, error)
	// PruneCodeSessions deletes every code session last active earlier
	// than before (see [AddressCodeSession.LastActive]; one active exactly
	// at before is kept), with its issues and attempts, and reports how many sessions
	// it deleted. Like PurgeRaw it may work in several transactions; if
	// ctx ends part way it returns the count so far with the context's
	// error.
	PruneCodeSessions(ctx context.Context, before time.Time) (int64, error)
	// PutAttempt records a code a user typed and its verdict, and returns
	// the attempt's ID. A zero Time is set to the store's clock.
	// ErrNotFound unless the code session (SessionID, Address) is stored:
	// an attempt belongs to its session and is deleted with it.
	PutAttempt(ctx context.Context, a *Attempt) (int64, error)
	// Attempts returns the attempts of the sessions with the ID (for
	// every address), newest first.
	Attempts(ctx context.Context, sessionID string, limit int) ([]*Attempt, error)

	// Events tells what happened to a send or an address, newest first:
	// see [Event] and [Filter].
	Events(ctx context.Context, f Filter) ([]Event, error)

	// PutPlacements stores the placements of a seed run, all in one
	// transaction, and sets the ID of each; IDs increase in the order of
	// ps. If any placement is invalid it fails with ErrInvalid and stores
	// none. An empty ps stores nothing.
	PutPlacements(ctx context.Context, ps []*Placement) error
	// Placements returns the placements the filter selects (see
	// [PlacementFilter]), newest SentAt first; placements sent at the same
	// time come by larger ID first.
	Placements(ctx context.Context, f PlacementFilter) ([]*Placement, error)
	// PlacementRuns returns the placements of the provider's latest seed
	// runs, at most runs of them (MaxLimit when more): one slice per run,
	// newest run first, each run's placements ordered as by Placements. A
	// run is as recent as its newest placement (by SentAt, then ID) and
	// holds only the provider's placements; an empty provider means every
	// provider. runs zero or less returns nil.
	PlacementRuns(ctx context.Context, provider string, runs int) ([][]*Placement, error)
	// PrunePlacements deletes every placement sent before before (one
	// sent exactly at before is kept) and reports how many it deleted.
	// Like PurgeRaw it may work in several transactions; if ctx ends part
	// way it returns the count so far with the context's error.
	PrunePlacements(ctx context.Context, before time.Time) (int64, error)

	WebStore
	ReportStore

	// Close commits or fails every write already accepted, then releases
	// the database. Methods called after Close return ErrClosed; Close
	// itself may be called again and returns the first call's result.
	Close() error
}

// clampLimit applies DefaultLimit and MaxLimit.
func clampLimit(n int) int {
	switch {
	case n <= 0:
		return DefaultLimit
	case n > MaxLimit:
		return MaxLimit
	}
	return n
}
