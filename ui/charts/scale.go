package charts

import (
	"math"
	"strconv"
	"time"
)

// tick is one labelled position on an axis, in viewBox units.
type tick struct {
	Pos   string
	Label string
}

// niceStep returns the smallest 1-2-5 step (1, 2, 5, 10, 20, …) that
// divides span into at most maxTicks intervals.
func niceStep(span float64, maxTicks int) float64 {
	if !(span > 0) || math.IsInf(span, 0) || maxTicks < 1 {
		return 1
	}
	raw := span / float64(maxTicks)
	mag := math.Pow(10, math.Floor(math.Log10(raw)))
	for _, m := range []float64{1, 2, 5} {
		if m*mag >= raw*(1-1e-9) {
			return m * mag
		}
	}
	return 10 * mag
}

// linearTicks returns 1-2-5 ticks from zero to the first tick at or above
// max; the last tick is the top of the axis.
func linearTicks(max float64, maxTicks int) []float64 {
	if !(max > 0) || math.IsInf(max, 0) {
		max = 1
	}
	step := niceStep(max, maxTicks)
	n := int(math.Ceil(max/step - 1e-9))
	if n < 1 {
		n = 1
	}
	ticks := make([]float64, n+1)
	for i := range ticks {
		ticks[i] = float64(i) * step
	}
	return ticks
}

// logTicks returns ticks for a log axis covering lo..hi (both > 0): whole
// decades, with 2 and 5 between them when few decades are shown. The first
// and last ticks are the ends of the axis.
func logTicks(lo, hi float64) []float64 {
	a := math.Floor(math.Log10(lo))
	b := math.Ceil(math.Log10(hi))
	if b <= a {
		b = a + 1
	}
	mults := []float64{1}
	if b-a <= 3 {
		mults = []float64{1, 2, 5}
	}
	every := math.Ceil((b - a) / 6) // at most about six decade labels
	b = a + math.Ceil((b-a)/every)*every
	var ticks []float64
	for e := a; e <= b; e += every {
		for _, m := range mults {
			v := m * math.Pow(10, e)
			if e == b && m > 1 {
				break
			}
			ticks = append(ticks, v)
		}
	}
	if last := ticks[len(ticks)-1]; last < math.Pow(10, b)*(1-1e-9) {
		ticks = append(ticks, math.Pow(10, b))
	}
	return ticks
}

// formatNumber prints v with no more decimals than a tick step of step
// needs: 0.5, 2, 1500.
func formatNumber(v, step float64) string {
	decimals := 0
	if step > 0 && step < 1 {
		decimals = int(math.Ceil(-math.Log10(step) - 1e-9))
	}
	return strconv.FormatFloat(v, 'f', decimals, 64)
}

// formatLogTick prints a log-axis tick: 0.001, 0.5, 20, 1000.
func formatLogTick(v float64) string {
	if v >= 1 {
		return strconv.FormatFloat(math.Round(v), 'f', 0, 64)
	}
	return strconv.FormatFloat(v, 'f', -1, 64)
}

// coord formats a viewBox coordinate with at most one decimal.
func coord(v float64) string {
	var b [24]byte
	return string(appendCoord(b[:0], v))
}

// appendCoord appends v as coord formats it. A value that is not finite
// cannot come out of the layout code; it is written as 0 so that a bug
// shows as a misplaced mark rather than an unparsable document.
func appendCoord(b []byte, v float64) []byte {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		v = 0
	}
	v = math.Round(v*10) / 10
	if v == 0 {
		return append(b, '0')
	}
	b = strconv.AppendFloat(b, v, 'f', 1, 64)
	if l := len(b); b[l-2] == '.' && b[l-1] == '0' {
		b = b[:l-2]
	}
	return b
}

// percent formats a share 0..1 as a whole percentage ("96%"), keeping a
// share that is not quite zero or one from reading as 0% or 100%.
func percent(share float64) string {
	p := math.Round(share * 100)
	switch {
	case share > 0 && p == 0:
		return "<1%"
	case share < 1 && p == 100:
		return ">99%"
	}
	return strconv.FormatFloat(p, 'f', 0, 64) + "%"
}

// seconds formats a latency in seconds for people: "0.35 s", "4.2 s", "38 s".
func seconds(d time.Duration) string {
	s := d.Seconds()
	var out string
	switch {
	case s < 1:
		out = strconv.FormatFloat(s, 'f', 2, 64)
	case s < 10:
		out = strconv.FormatFloat(s, 'f', 1, 64)
	default:
		out = strconv.FormatFloat(math.Round(s), 'f', 0, 64)
	}
	return out + " s"
}

// timeScale maps instants between From and To onto Left..Right.
type timeScale struct {
	From, To    time.Time
	Left, Right float64
}

// x returns the horizontal position of t.
func (s timeScale) x(t time.Time) float64 {
	span := secondsBetween(s.From, s.To)
	if span <= 0 {
		return s.Left
	}
	return s.Left + secondsBetween(s.From, t)/span*(s.Right-s.Left)
}

// secondsBetween is b-a in seconds without time.Duration's 292-year limit.
func secondsBetween(a, b time.Time) float64 {
	return float64(b.Unix()-a.Unix()) + float64(b.Nanosecond()-a.Nanosecond())/1e9
}

// timeSteps are the intervals a time axis may be ticked at.
var timeSteps = []time.Duration{
	time.Second, 5 * time.Second, 15 * time.Second, 30 * time.Second,
	time.Minute, 5 * time.Minute, 15 * time.Minute, 30 * time.Minute,
	time.Hour, 2 * time.Hour, 3 * time.Hour, 6 * time.Hour, 12 * time.Hour,
	24 * time.Hour, 2 * 24 * time.Hour, 7 * 24 * time.Hour, 14 * 24 * time.Hour,
	28 * 24 * time.Hour, 91 * 24 * time.Hour, 182 * 24 * time.Hour, 364 * 24 * time.Hour,
}

// timeTicks returns at most about maxTicks ticks between the scale's ends,
// on whole UTC minutes, hours or days, labelled "15:04" when the axis spans
// at most a day and "Jan 2" beyond.
func timeTicks(s timeScale, maxTicks int) []tick {
	span := secondsBetween(s.From, s.To)
	if span <= 0 {
		return nil
	}
	step := timeSteps[len(timeSteps)-1]
	for _, st := range timeSteps {
		if span/st.Seconds() <= float64(maxTicks) {
			step = st
			break
		}
	}
	if span/step.Seconds() > float64(maxTicks) {
		return []tick{
			{Pos: coord(s.Left), Label: dayLabel(s.From, span)},
			{Pos: coord(s.Right), Label: dayLabel(s.To, span)},
		}
	}
	layout := "15:04"
	switch {
	case step < time.Minute:
		layout = "15:04:05"
	case span > 24*3600:
		layout = dayLayout(span)
	}
	var ticks []tick
	t := s.From.Truncate(step)
	if t.Before(s.From) {
		t = t.Add(step)
	}
	for ; !t.After(s.To); t = t.Add(step) {
		ticks = append(ticks, tick{Pos: coord(s.x(t)), Label: t.UTC().Format(layout)})
	}
	return ticks
}

func dayLayout(span float64) string {
	if span > 300*24*3600 {
		return "Jan 2006"
	}
	return "Jan 2"
}

func dayLabel(t time.Time, span float64) string {
	return t.UTC().Format(dayLayout(span))
}

// timeCaption names the axis and the dates it covers: "Time (UTC), Jan 2
// 2026" or "Time (UTC), Jan 2 – Jan 9 2026".
func timeCaption(from, to time.Time) string {
	from, to = from.UTC(), to.Add(-time.Nanosecond).UTC()
	if to.Before(from) {
		to = from
	}
	switch {
	case from.Format("2006-01-02") == to.Format("2006-01-02"):
		return "Time (UTC), " + from.Format("Jan 2 2006")
	case from.Year() == to.Year():
		return "Time (UTC), " + from.Format("Jan 2") + " – " + to.Format("Jan 2 2006")
	}
	return "Time (UTC), " + from.Format("Jan 2 2006") + " – " + to.Format("Jan 2 2006")
}

// when names a bucket's start for a sentence or a table row, in UTC.
func when(t time.Time) string {
	return t.UTC().Format("2006-01-02 15:04")
}

// momentNamer returns how sentences name bucket starts: "Jan 2" when the
// buckets are whole UTC days, "Jan 2 15:04 UTC" otherwise.
func momentNamer(w time.Duration, starts []time.Time) func(time.Time) string {
	if w%(24*time.Hour) != 0 {
		return shortWhen
	}
	for _, t := range starts {
		if !t.UTC().Truncate(24 * time.Hour).Equal(t) {
			return shortWhen
		}
	}
	return func(t time.Time) string { return t.UTC().Format("Jan 2") }
}

// shortWhen names a moment for a sentence: "Jan 2 15:04 UTC".
func shortWhen(t time.Time) string {
	return t.UTC().Format("Jan 2 15:04") + " UTC"
}

// sanitizeID keeps the characters that are safe in an HTML id and in a
// url(#…) reference, replacing the rest with '-'.
func sanitizeID(id, fallback string) string {
	if id == "" {
		id = fallback
	}
	b := []byte(id)
	for i, c := range b {
		ok := c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_'
		if !ok {
			b[i] = '-'
		}
	}
	if c := b[0]; c >= '0' && c <= '9' || c == '-' || c == '_' {
		return "cp-chart-" + string(b)
	}
	return string(b)
}
