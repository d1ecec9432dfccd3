package authapp

import (
	"crypto/hmac"
	"crypto/sha1"
	"encoding/binary"
	"hash"
	"math"
	"strconv"
	"time"
)

// Time-step parameters (RFC 6238 §4.1: X is 30 seconds, T0 is 0).
const (
	period     = 30
	stepLength = period * time.Second
	// maxSteps is how far either side of now the search goes: a day.
	maxSteps = 24 * 60 * 60 / period
	// window is how many steps either side a server accepts, the one
	// step of network delay RFC 6238 §5.2 recommends.
	window = 1
	// nearSteps bounds a match that is unlikely to be chance: a wrong
	// code matches within 25 minutes with probability under 0.01%.
	nearSteps = 50
	// chancePerStep is the probability a wrong code equals the code of
	// one given step.
	chancePerStep = 1e-6
)

// Kind is what a diagnosis found.
type Kind string

// Kinds of [Result].
const (
	// KindOK means a server would accept the code (RFC 6238 §5.2).
	KindOK Kind = "ok"
	// KindSkewed means the phone's clock or date is wrong.
	KindSkewed Kind = "skewed"
	// KindTimezone means the phone's clock is off by a time-zone
	// difference: its time zone is wrong and its time was set by hand.
	KindTimezone Kind = "timezone"
	// KindWrong means the code matches no time within a day of now: the
	// app holds a different secret, or the code was mistyped.
	KindWrong Kind = "wrong"
	// KindMalformed means the input is not 6 digits.
	KindMalformed Kind = "malformed"
	// KindUnchecked means the stored secret could not be used;
	// [Result.Err] says why. The wizard should start a new enrolment.
	KindUnchecked Kind = "unchecked"
)

// Confidence is how sure a diagnosis that found a match is that the match
// is not chance.
type Confidence string

// Confidences of [Result].
const (
	// ConfidenceHigh means the match is within 25 minutes of now, or two
	// codes agree.
	ConfidenceHigh Confidence = "high"
	// ConfidenceMedium means the match is far from now but has the shape
	// of a real mistake: a time-zone difference or a whole day.
	ConfidenceMedium Confidence = "medium"
	// ConfidenceLow means the match is far from now and has no such
	// shape; a second code should confirm it.
	ConfidenceLow Confidence = "low"
)

// Result is the diagnosis of a typed code.
type Result struct {
	// Kind is what was found; it is always set.
	Kind Kind
	// Skew is the best estimate of how far the phone's clock is from
	// the true time: the middle of [SkewMin, SkewMax). Negative means
	// the phone is behind. Zero unless a match was found.
	Skew time.Duration
	// SkewMin and SkewMax bound the skew: SkewMin <= skew < SkewMax.
	// One code bounds it to a 30-second time step.
	SkewMin, SkewMax time.Duration
	// Steps is how many 30-second steps the matched code is from the
	// code of now; a server accepts -1 to 1.
	Steps int
	// Confidence says how sure the match is; empty with no match.
	Confidence Confidence
	// Coincidence is the probability that a wrong code would match at
	// least this close to now by chance.
	Coincidence float64
	// Message says what was found, in plain words, for the user.
	Message string
	// Advice lists what the user can do, one step an entry.
	Advice []string
	// Err is why the input or secret could not be checked, for kinds
	// malformed and unchecked. It wraps this package's errors and never
	// includes the secret.
	Err error
}

// Diagnose finds the time at which the phone's app would show the typed
// code, searching a day either side of now, nearest first, and says what
// the difference means: the app works, the phone's clock is off, its time
// zone is wrong, or it holds a different secret. The secret is the one
// [Enrolment.Secret] returned; now is when the code was typed.
func Diagnose(secret, typed string, now time.Time) Result {
	_, key, err := canonicalSecret(secret)
	if err != nil {
		return uncheckedResult(err)
	}
	code, err := NormalizeCode(typed)
	if err != nil {
		return malformedResult(err, "")
	}
	g := newGenerator(key)
	m, ok := g.nearest(code, now)
	if !ok {
		return wrongResult()
	}
	return classify(m.evidence())
}

// match is a time step whose code equals the typed one.
type match struct {
	steps  int           // steps from now's step
	lo, hi time.Duration // skew interval [lo, hi)
}

// evidence is what one matched code says.
func (m match) evidence() evidence {
	return evidence{
		lo:          m.lo,
		hi:          m.hi,
		steps:       m.steps,
		accepted:    abs(m.steps) <= window,
		coincidence: coincidence(m.steps),
	}
}

// generator computes HOTP values (RFC 4226 §5.3) for one key.
type generator struct {
	mac hash.Hash
	msg [8]byte // kept here so the hash's Write does not move it to the heap
	sum [sha1.Size]byte
}

func newGenerator(key []byte) *generator {
	return &generator{mac: hmac.New(sha1.New, key)}
}

// code returns the 6-digit HOTP value of a counter (RFC 4226 §5.3).
func (g *generator) code(counter uint64) uint32 {
	binary.BigEndian.PutUint64(g.msg[:], counter)
	g.mac.Reset()
	g.mac.Write(g.msg[:])
	s := g.mac.Sum(g.sum[:0])
	off := s[len(s)-1] & 0x0f
	bin := binary.BigEndian.Uint32(s[off:off+4]) & 0x7fffffff
	return bin % 1_000_000
}

// stepOf returns the time step (RFC 6238 §4.2, T) that t falls in and how
// far into it t is.
func stepOf(t time.Time) (int64, time.Duration) {
	u := t.Unix()
	s := u / period
	if u%period < 0 {
		s--
	}
	return s, time.Duration(u-s*period)*time.Second + time.Duration(t.Nanosecond())
}

// interval returns the skew interval that a code from the step k steps
// from t's step implies: the phone's clock was somewhere in that step.
func interval(k int, into time.Duration) (lo, hi time.Duration) {
	lo = time.Duration(k)*stepLength - into
	return lo, lo + stepLength
}

// at reports whether the code of the step k steps from step s is want.
// Steps before the Unix epoch have no code.
func (g *generator) at(s int64, k int, want uint32) bool {
	c := s + int64(k)
	return c >= 0 && g.code(uint64(c)) == want
}

// nearest finds the step nearest to t's whose code is the typed code,
// preferring the later step when two are equally near (a phone ahead is
// as likely as one behind; the choice only has to be stable).
func (g *generator) nearest(code string, t time.Time) (match, bool) {
	want := parseCode(code)
	s, into := stepOf(t)
	for d := 0; d <= maxSteps; d++ {
		for _, k := range [2]int{d, -d} {
			if g.at(s, k, want) {
				lo, hi := interval(k, into)
				return match{steps: k, lo: lo, hi: hi}, true
			}
			if d == 0 {
				break
			}
		}
	}
	return match{}, false
}

// parseCode reads the 6 ASCII digits [NormalizeCode] returned.
func parseCode(code string) uint32 {
	n, _ := strconv.ParseUint(code, 10, 32)
	return uint32(n)
}

// coincidence returns the probability that a wrong code matches one of
// the steps within |k| of now.
func coincidence(k int) float64 {
	n := float64(2*abs(k) + 1)
	return -math.Expm1(n * math.Log1p(-chancePerStep))
}

func abs(k int) int {
	if k < 0 {
		return -k
	}
	return k
}
