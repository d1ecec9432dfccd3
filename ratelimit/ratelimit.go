// Package ratelimit limits codeprobe's own costly actions: the wizard's
// real test sends (per client IP, per recipient address and per recipient
// domain) and agent logins (per client IP). DESIGN.md: "codeprobe limits
// its own test sends the same way and tells the user when they may try
// again".
//
// Each limited thing has a token bucket (golang.org/x/time/rate): a
// [Limit] adds one token every [Limit.Every] up to [Limit.Burst], and each
// allowed action takes one. A [Limiter] keeps the buckets it has used in a
// bounded in-process cache and writes every consumption through to the
// store, so a limit holds across restarts and across processes sharing a
// database. [Limiter.Allow] answers for several buckets at once, all or
// nothing, and a refusal says when every bucket would allow the action
// ([Decision.RetryAt]); [Limiter.Peek] answers the same question without
// taking anything, for the wizard's "you may try again at 10:14".
package ratelimit

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"time"

	"github.com/codeprobe/codeprobe/store"
)

// Sentinel errors. Functions wrap them with %w; test with errors.Is.
var (
	// ErrInvalid: a limit or a call has a shape the package does not
	// accept (see [Limit] and [Limiter.Allow]).
	ErrInvalid = errors.New("ratelimit: invalid")
	// ErrUnknownLimit: a [Key] names a limit the [Limiter] was not given.
	ErrUnknownLimit = errors.New("ratelimit: unknown limit")
	// ErrStore: the store failed to load or save buckets, so the action
	// was refused (see [Limiter.Allow]). The store's own error is wrapped
	// too.
	ErrStore = errors.New("ratelimit: store failed")
)

// Store is the part of [store.WebStore] a [Limiter] needs; *store.SQLite
// satisfies it.
type Store interface {
	// RateBuckets returns the saved buckets with the keys; keys with no
	// saved bucket are absent from the map.
	RateBuckets(ctx context.Context, keys []string) (map[string]store.RateBucket, error)
	// SaveRateBuckets stores the buckets, replacing saved ones with the
	// same keys, in one transaction.
	SaveRateBuckets(ctx context.Context, bs []store.RateBucket) error
	// PruneRateBuckets deletes the buckets saved before before and
	// reports how many.
	PruneRateBuckets(ctx context.Context, before time.Time) (int64, error)
}

var _ Store = (*store.SQLite)(nil)

// Limit is one rate: a bucket of Burst tokens that gains one token every
// Every. The Name identifies the limit's buckets in the database, so two
// Limiters sharing a database must mean the same limit by the same name.
type Limit struct {
	// Name is 1 to 64 of a–z, 0–9, '.', '_', '-' and '/', neither
	// starting nor ending with '/', as "send/ip".
	Name string
	// Every is the time it takes to earn one token back; at least a
	// millisecond.
	Every time.Duration
	// Burst is how many actions may happen at once after a quiet spell;
	// at least 1.
	Burst int
}

// FullAfter is how long an emptied bucket takes to fill up again.
func (l Limit) FullAfter() time.Duration {
	return time.Duration(l.Burst) * l.Every
}

const (
	maxNameLen = 64
	// maxRawSubject is the longest subject kept readable in a bucket key;
	// longer ones, and ones with bytes outside printable ASCII, are
	// hashed, so that a key is at most 64+1+65 bytes (the store takes 200).
	maxRawSubject = 64
	// maxFullAfter keeps Burst×Every far from overflowing time.Duration.
	maxFullAfter = 10 * 365 * 24 * time.Hour
)

func (l Limit) validate() error {
	if n := len(l.Name); n == 0 || n > maxNameLen || l.Name[0] == '/' || l.Name[n-1] == '/' {
		return fmt.Errorf("%w: limit name %q", ErrInvalid, l.Name)
	}
	for _, c := range []byte(l.Name) {
		if !('a' <= c && c <= 'z' || '0' <= c && c <= '9' || c == '.' || c == '_' || c == '-' || c == '/') {
			return fmt.Errorf("%w: limit name %q", ErrInvalid, l.Name)
		}
	}
	if l.Every < time.Millisecond {
		return fmt.Errorf("%w: limit %s: Every %v is under a millisecond", ErrInvalid, l.Name, l.Every)
	}
	if l.Burst < 1 {
		return fmt.Errorf("%w: limit %s: Burst %d is under 1", ErrInvalid, l.Name, l.Burst)
	}
	if l.Every > maxFullAfter/time.Duration(l.Burst) {
		return fmt.Errorf("%w: limit %s: Burst×Every is over ten years", ErrInvalid, l.Name)
	}
	return nil
}

// Key names one bucket: the limit and what it limits, as
// Key{Limit: "send/ip", Subject: "192.0.2.7"}. [SendKeys] and [LoginKey]
// build codeprobe's keys.
type Key struct {
	Limit   string // a [Limit.Name]
	Subject string // any string; see [Key.String]
}

// String returns the bucket's key in the store, "limit/subject". A
// subject longer than 64 bytes, or holding a byte outside printable ASCII
// or a '#', is replaced by '#' and the hex SHA-256 of the subject, which
// keeps keys short and free of control characters.
func (k Key) String() string {
	return k.Limit + "/" + subjectKey(k.Subject)
}

func subjectKey(s string) string {
	raw := len(s) <= maxRawSubject
	for i := 0; raw && i < len(s); i++ {
		raw = '!' <= s[i] && s[i] <= '~' && s[i] != '#'
	}
	if raw {
		return s
	}
	sum := sha256.Sum256([]byte(s))
	return "#" + hex.EncodeToString(sum[:])
}

// Decision is a [Limiter]'s answer for a set of buckets.
type Decision struct {
	// OK: every bucket had a token. For [Limiter.Allow] one was taken
	// from each.
	OK bool
	// At is the limiter's clock when the decision was taken.
	At time.Time
	// RetryAt is when every bucket will have a token again, rounded up to
	// a whole second: the time to show the user. It is At when OK, and
	// zero when the decision failed with an error.
	RetryAt time.Time
	// Denied is the name of the limit that refused, the one whose bucket
	// refills last; "" when OK.
	Denied string
}

// RetryAfter is how long the caller must wait from [Decision.At], zero
// when OK. It suits an HTTP Retry-After header.
func (d Decision) RetryAfter() time.Duration {
	if d.OK || d.RetryAt.IsZero() {
		return 0
	}
	return d.RetryAt.Sub(d.At)
}
