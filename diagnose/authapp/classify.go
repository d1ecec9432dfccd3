package authapp

import (
	"time"
)

// Offsets with the shape of a real mistake rather than a drifting clock.
const (
	// zoneTolerance is how close to a time-zone difference a skew must
	// come: the phone's minutes are right, give or take a minute.
	zoneTolerance = time.Minute
	// maxZone is the largest time-zone difference from UTC (UTC+14).
	maxZone = 14 * time.Hour
	day     = 24 * time.Hour
)

// evidence is what one or two matched codes say about the phone's clock.
type evidence struct {
	lo, hi      time.Duration // skew interval [lo, hi)
	steps       int           // steps of the latest code from its typing time
	accepted    bool          // a server would take every code typed
	coincidence float64
	twoCodes    bool
}

// classify turns a matched skew into a [Result].
func classify(e evidence) Result {
	r := Result{
		Skew:        e.lo + (e.hi-e.lo)/2,
		SkewMin:     e.lo,
		SkewMax:     e.hi,
		Steps:       e.steps,
		Coincidence: e.coincidence,
	}
	zone, isZone := nearOffset(e.lo, e.hi, zoneOffsets)
	_, isDay := nearOffset(e.lo, e.hi, []time.Duration{-day, day})
	switch {
	case e.twoCodes || abs(e.steps) <= nearSteps:
		r.Confidence = ConfidenceHigh
	case isZone || isDay:
		r.Confidence = ConfidenceMedium
	default:
		r.Confidence = ConfidenceLow
	}
	switch {
	case e.accepted:
		r.Kind = KindOK
		okWords(&r)
	case isZone:
		r.Kind = KindTimezone
		zoneWords(&r, zone)
	default:
		r.Kind = KindSkewed
		skewWords(&r)
	}
	return r
}

// zoneOffsets lists the differences a wrong time zone makes: whole hours,
// and from one hour up the half and three-quarter hours that zones such
// as India (UTC+5:30), Newfoundland (UTC−3:30) and Nepal (UTC+5:45) add.
var zoneOffsets = func() []time.Duration {
	var out []time.Duration
	for q := 4; q <= int(maxZone/(15*time.Minute)); q++ {
		if q%4 == 1 {
			continue
		}
		d := time.Duration(q) * 15 * time.Minute
		out = append(out, d, -d)
	}
	return out
}()

// nearOffset returns the offset of the list that lies within
// [zoneTolerance] of the interval [lo, hi), the nearest to its middle.
func nearOffset(lo, hi time.Duration, offsets []time.Duration) (time.Duration, bool) {
	mid := lo + (hi-lo)/2
	best, found := time.Duration(0), false
	for _, z := range offsets {
		if z < lo-zoneTolerance || z >= hi+zoneTolerance {
			continue
		}
		if !found || absd(z-mid) < absd(best-mid) {
			best, found = z, true
		}
	}
	return best, found
}

// DiagnoseTwo diagnoses two codes typed one after the other: the code the
// app shows, then the next one, typed as soon as it appears. Each code
// bounds the skew to a 30-second step; read at different moments of the
// phone's step, the two bounds overlap only in part, and the overlap is
// the narrower answer. Two codes that agree also rule out a chance match.
//
// When the codes disagree (one was mistyped, or the second was read from
// another account) the result rests on whichever code alone is unlikely
// to be chance, and says so in its advice; when neither is, the kind is
// [KindWrong].
func DiagnoseTwo(secret, first, second string, firstAt, secondAt time.Time) Result {
	_, key, err := canonicalSecret(secret)
	if err != nil {
		return uncheckedResult(err)
	}
	c1, err := NormalizeCode(first)
	if err != nil {
		return malformedResult(err, "first")
	}
	c2, err := NormalizeCode(second)
	if err != nil {
		return malformedResult(err, "second")
	}
	g := newGenerator(key)
	m1, ok1 := g.nearest(c1, firstAt)
	if ok1 {
		if m2, ok := g.within(c2, secondAt, m1); ok {
			return classify(combine(m1, m2, firstAt, secondAt))
		}
	}
	m2, ok2 := g.nearest(c2, secondAt)
	if ok2 {
		if m1b, ok := g.within(c1, firstAt, m2); ok {
			return classify(combine(m1b, m2, firstAt, secondAt))
		}
	}
	// The codes disagree: each alone, the later first.
	var alone []Result
	if ok2 {
		alone = append(alone, classify(m2.evidence()))
	}
	if ok1 {
		alone = append(alone, classify(m1.evidence()))
	}
	for _, r := range alone {
		if r.Confidence != ConfidenceLow {
			r.Advice = append(r.Advice, disagreeAdvice)
			return r
		}
	}
	return wrongResult()
}

// within finds a step near t whose code is the typed one and whose skew
// interval overlaps m's: the same clock, read at another moment.
func (g *generator) within(code string, t time.Time, m match) (match, bool) {
	want := parseCode(code)
	s, into := stepOf(t)
	first := int((m.lo+into)/stepLength) - 1
	last := int((m.hi+into)/stepLength) + 1
	for k := max(first, -maxSteps); k <= min(last, maxSteps); k++ {
		lo, hi := interval(k, into)
		if lo < m.hi && hi > m.lo && g.at(s, k, want) {
			return match{steps: k, lo: lo, hi: hi}, true
		}
	}
	return match{}, false
}

// combine intersects the skew intervals of two agreeing codes.
func combine(m1, m2 match, firstAt, secondAt time.Time) evidence {
	latest := m2
	if firstAt.After(secondAt) {
		latest = m1
	}
	return evidence{
		lo:          max(m1.lo, m2.lo),
		hi:          min(m1.hi, m2.hi),
		steps:       latest.steps,
		accepted:    abs(m1.steps) <= window && abs(m2.steps) <= window,
		coincidence: coincidence(m1.steps) * 2 * chancePerStep,
		twoCodes:    true,
	}
}

func absd(d time.Duration) time.Duration {
	if d < 0 {
		return -d
	}
	return d
}
