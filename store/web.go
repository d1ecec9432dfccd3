package store

import (
	"context"
	"time"
)

// The web site's records (issue 5): agent accounts, their login sessions,
// rate-limit buckets, and the wizard's sessions. See the WebStore methods
// of [Store].

// User is an account of the agent console and the sender dashboard.
type User struct {
	// Name is the login name: 1 to 64 of a–z, 0–9, '.', '_', '-' and '@'
	// (callers lower-case it).
	Name string
	// PasswordHash is a PHC string ("$argon2id$v=19$m=…,t=…,p=…$salt$hash")
	// or a bcrypt hash ("$2a$…", "$2b$…", "$2y$…"); never a password. The
	// store refuses anything but '$' and up to 511 more printable ASCII
	// characters, so a password passed by mistake is not kept.
	PasswordHash string
	Created      time.Time
	// FailedLogins counts the failed logins since the last good one.
	FailedLogins int
	// LockedUntil: logins are refused before this time; zero when not
	// locked, including once a lock has ended by the store's clock.
	LockedUntil time.Time
	LastLogin   time.Time // zero until the first good login
}

// LoginPolicy is the lockout rule [Store.RecordLogin] applies.
type LoginPolicy struct {
	// LockAfter failed logins in a row lock the account (0: never).
	LockAfter int
	// LockFor is how long a lock lasts. Each further failure while locked
	// restarts it.
	LockFor time.Duration
}

// WebSession is a signed-in agent's session. The cookie holds a random
// token; the store keeps only its SHA-256 (ID), so a copy of the
// database does not let anyone sign in.
type WebSession struct {
	ID       string // lower-case hex SHA-256 of the cookie's token, 64 characters
	User     string // the User's Name
	CSRF     string // the session's CSRF secret, hex, 32–128 characters
	Created  time.Time
	Expires  time.Time // the session is gone at and after this time
	LastSeen time.Time
}

// RateBucket is the saved state of one token bucket (x/time/rate): the
// tokens it held at a time. Key names the limit and what it limits, as
// "send/ip/192.0.2.7" or "login/user/alice".
type RateBucket struct {
	Key    string    // 1–200 bytes (MaxRateKeyLen) of text
	Tokens float64   // finite; the ratelimit package saves 0 or more
	At     time.Time // required
}

// WizardSession is one end user's walk through the self-help wizard. The
// store keeps its state as an opaque JSON document owned by the ui
// package; Ref is what the user gives to support, and SecretHash is the
// SHA-256 (hex) of the cookie token that lets the user's browser, and
// only it, resume the session.
type WizardSession struct {
	// Ref is the reference code: 4–32 characters of A–Z, 0–9 and '-'.
	Ref        string
	SecretHash string // 64 hex characters
	Created    time.Time
	Updated    time.Time // set to the store's clock by every write
	// Address and Phone are what the user asked about, normalised by the
	// caller, for the agent console's look-up; either may be "". They are
	// text of at most MaxWizardAddressLen and MaxWizardPhoneLen characters.
	Address string
	Phone   string
	// State is a JSON document of at most MaxWizardState bytes, or empty;
	// an empty State comes back nil.
	State []byte
}

// WebStore is the part of [Store] the web site uses. Every method is safe
// for concurrent use; the rules of [Store] about durability and limits
// apply.
type WebStore interface {
	// PutUser stores a new account; zero Created is set to the store's
	// clock, in u too. ErrExists if the name is taken, ErrInvalid for a bad
	// name or a hash that is empty or not shaped like one.
	PutUser(ctx context.Context, u *User) error
	// SetPassword replaces an account's password hash and clears its
	// failures and lock. ErrNotFound if there is no such account,
	// ErrInvalid for a hash as PutUser refuses.
	SetPassword(ctx context.Context, name, hash string) error
	// User returns the account, or ErrNotFound.
	User(ctx context.Context, name string) (*User, error)
	// Users returns every account, by name.
	Users(ctx context.Context) ([]*User, error)
	// DeleteUser removes the account and its web sessions. ErrNotFound
	// if there is no such account.
	DeleteUser(ctx context.Context, name string) error
	// RecordLogin records the outcome of a password check in one step:
	// a good one resets FailedLogins, clears the lock and sets LastLogin
	// to the store's clock, unless the account is locked (other guesses,
	// checked at the same time, locked it): then nothing changes, and the
	// account returned shows the lock; a failed one adds one to FailedLogins and,
	// when that brings it to p.LockAfter or beyond, locks the account for
	// p.LockFor from the store's clock. So every failure while locked
	// restarts the lock, and until a good login (or SetPassword) so does
	// the first failure after a lock ends. Concurrent calls each count
	// once. It returns the account as it now is. ErrNotFound if there is
	// no such account, ErrInvalid for a negative LockAfter or, when
	// LockAfter is positive, a LockFor that is not.
	RecordLogin(ctx context.Context, name string, ok bool, p LoginPolicy) (*User, error)

	// PutWebSession stores a new session; zero Created and LastSeen are
	// set to the store's clock, in s too. ErrNotFound if the user does not
	// exist, ErrExists if the ID is taken, ErrInvalid for a bad ID, CSRF
	// secret or user name or a zero Expires.
	PutWebSession(ctx context.Context, s *WebSession) error
	// WebSession returns the session with the ID, or ErrNotFound when
	// there is none or it has expired by the store's clock.
	WebSession(ctx context.Context, id string) (*WebSession, error)
	// TouchWebSession sets a session's LastSeen to the store's clock and
	// its Expires to expires. ErrNotFound as for WebSession (an expired
	// session cannot be revived), ErrInvalid for a zero expires.
	TouchWebSession(ctx context.Context, id string, expires time.Time) error
	// DeleteWebSessions removes every session of the user, API tokens
	// included, and reports how many: signing out everywhere.
	DeleteWebSessions(ctx context.Context, user string) (int64, error)
	// DeleteWebSession removes the session; deleting one that does not
	// exist is not an error.
	DeleteWebSession(ctx context.Context, id string) error
	// PruneWebSessions deletes the sessions expired at before (whose
	// Expires is before or exactly at it) and reports how many. Like
	// [Store.PurgeRaw] it may work in several transactions; if ctx ends
	// part way it returns the count so far with the context's error.
	PruneWebSessions(ctx context.Context, before time.Time) (int64, error)

	// RateBuckets returns the saved buckets with the keys; keys with no
	// saved bucket are absent from the map, which is never nil.
	RateBuckets(ctx context.Context, keys []string) (map[string]RateBucket, error)
	// SaveRateBuckets stores the buckets, replacing saved ones with the
	// same keys, in one transaction; of several with one key the last
	// wins. If any bucket is invalid it fails with ErrInvalid and stores
	// none.
	SaveRateBuckets(ctx context.Context, bs []RateBucket) error
	// PruneRateBuckets deletes the buckets whose At is before before (one
	// at exactly before is kept) and reports how many. It may work in
	// several transactions, as PruneWebSessions.
	PruneRateBuckets(ctx context.Context, before time.Time) (int64, error)

	// PutWizardSession stores a new wizard session; zero Created is set to
	// the store's clock, and Updated always is, in s too. ErrExists if the
	// Ref is taken, ErrInvalid for a bad Ref, SecretHash, Address, Phone
	// or State.
	PutWizardSession(ctx context.Context, s *WizardSession) error
	// UpdateWizardSession replaces the Address, Phone and State of the
	// session with s.Ref and sets its Updated time to the store's clock,
	// in s too. ErrNotFound if there is no such session, ErrInvalid as for
	// PutWizardSession (SecretHash and Created are not written, nor
	// checked).
	UpdateWizardSession(ctx context.Context, s *WizardSession) error
	// WizardSession returns the session with the reference code (compared
	// exactly: callers upper-case it), or ErrNotFound.
	WizardSession(ctx context.Context, ref string) (*WizardSession, error)
	// WizardSessionsByAddress returns the sessions whose Address (or, when
	// the argument holds no '@', whose Phone) is exactly the argument,
	// most recently updated first, sessions updated at the same time by
	// the larger Ref first; at most limit of them (see [DefaultLimit]).
	// An empty argument matches nothing.
	WizardSessionsByAddress(ctx context.Context, addressOrPhone string, limit int) ([]*WizardSession, error)
	// PruneWizardSessions deletes the sessions last updated before before
	// (one updated exactly at before is kept) and reports how many. It
	// may work in several transactions, as PruneWebSessions.
	PruneWizardSessions(ctx context.Context, before time.Time) (int64, error)
}
