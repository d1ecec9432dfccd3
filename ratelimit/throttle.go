package ratelimit

import (
	"context"
	"fmt"
	"time"
)

// Throttle limits one kind of action with one [Limit] of a [Limiter],
// keyed by a string: the shape the auth package wants for logins.
type Throttle struct {
	l     *Limiter
	limit string
}

// Throttle returns a Throttle for the limit with the name, or
// [ErrUnknownLimit].
func (l *Limiter) Throttle(limit string) (*Throttle, error) {
	if _, ok := l.limits[limit]; !ok {
		return nil, fmt.Errorf("%w: %q", ErrUnknownLimit, limit)
	}
	return &Throttle{l: l, limit: limit}, nil
}

// Allow takes a token from the bucket of the key (a [Key.Subject], as
// [IPSubject] gives for a client IP). When it is refused, retryAfter is
// how long until the bucket has a token again ([Decision.RetryAfter]).
// It fails closed as [Limiter.Allow] does: ok is false when err is not
// nil.
func (t *Throttle) Allow(ctx context.Context, key string) (ok bool, retryAfter time.Duration, err error) {
	d, err := t.l.Allow(ctx, Key{Limit: t.limit, Subject: key})
	if err != nil {
		return false, 0, err
	}
	return d.OK, d.RetryAfter(), nil
}
