package ratelimit

import (
	"math"
	"time"

	"golang.org/x/time/rate"
)

const (
	// slack: a token due within a millisecond counts as there. Float
	// arithmetic, nanosecond truncation and the store's timestamps can
	// each put a bucket a hair short of its token at the moment it was
	// promised; without the slack "try again at 10:14:00" could be
	// refused at 10:14:00.
	slack = time.Millisecond
	// mergeTolerance: a saved bucket replaces the one in memory only when
	// it holds fewer tokens by more than this, so that reloading a
	// bucket's own last write (rounded by the round trip) changes nothing.
	mergeTolerance = 1e-6
)

// full returns a bucket holding all its tokens.
func full(l Limit) *rate.Limiter {
	return rate.NewLimiter(rate.Every(l.Every), l.Burst)
}

// restore returns a bucket that held tokens at at and refills from then
// at the limit's rate, up to its burst. Tokens outside [0, Burst] (or
// NaN) are clamped.
//
// rate.Limiter has no setter for its tokens, but it has one for its burst
// that first brings the tokens up to date and caps them at the old burst:
// a bucket of burst 0 set to the real burst at at−tokens×Every holds 0
// tokens then, and so exactly tokens at at.
func restore(l Limit, tokens float64, at time.Time) *rate.Limiter {
	tokens = clampTokens(tokens, l)
	lim := rate.NewLimiter(rate.Every(l.Every), 0)
	lim.SetBurstAt(at.Add(-time.Duration(tokens*float64(l.Every))), l.Burst)
	return lim
}

// clampTokens bounds a token count to what a bucket of the limit can
// hold; NaN counts as empty.
func clampTokens(tokens float64, l Limit) float64 {
	if math.IsNaN(tokens) || tokens < 0 {
		return 0
	}
	return min(tokens, float64(l.Burst))
}

// wait is how long from t until the bucket has a whole token.
func wait(lim *rate.Limiter, l Limit, t time.Time) time.Duration {
	deficit := 1 - lim.TokensAt(t)
	if deficit <= 0 {
		return 0
	}
	return time.Duration(deficit * float64(l.Every))
}

// ceilSecond rounds t up to a whole second.
func ceilSecond(t time.Time) time.Time {
	r := t.Truncate(time.Second)
	if r.Before(t) {
		r = r.Add(time.Second)
	}
	return r
}
