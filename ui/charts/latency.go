package charts

import (
	"math"
	"sort"
	"strconv"
	"time"
)

// LatencyBucket holds the delivery-latency percentiles of the codes sent
// during one time bucket: how long a code took from our submission to the
// seed mailbox. A percentile of zero or less was not measured and leaves a
// gap in its line; negative ones also add a note under the chart.
type LatencyBucket struct {
	Start         time.Time
	P50, P90, P99 time.Duration
}

// Scale chooses how a latency axis maps seconds to height.
type Scale string

// The latency axis scales.
const (
	// ScaleAuto is linear unless the slowest p99 is more than 100 times
	// the fastest p50 (two decades), when it is logarithmic.
	ScaleAuto Scale = ""
	// ScaleLinear always starts the axis at zero with 1-2-5 steps.
	ScaleLinear Scale = "linear"
	// ScaleLog always uses a log axis with ticks at decades (and at 2 and 5
	// times them when the data spans three decades or fewer).
	ScaleLog Scale = "log"
)

// LatencySeries is one provider's delivery latency over time, the input
// of [LatencyChart].
type LatencySeries struct {
	// ID is required and unique on the page: every element id of the chart
	// starts with it.
	ID string
	// Provider names the mailbox provider in the title and the summary.
	Provider string
	// Buckets in any order; a later bucket with the same start replaces
	// an earlier one.
	Buckets []LatencyBucket
	// BucketWidth is how long each bucket lasts; zero means the smallest
	// gap between two starts, or one hour.
	BucketWidth time.Duration
	// Scale of the seconds axis; ScaleAuto by default.
	Scale Scale
	// EmptyText is said instead of the chart when nothing was measured;
	// empty means "No delivered codes measured yet."
	EmptyText string
}

// Latency layout, in viewBox units.
const (
	ltW, ltH        = 640.0, 320.0
	ltLeft, ltRight = 56.0, 560.0
	ltTop, ltBottom = 34.0, 272.0
	// ltMarkerLimit is the most buckets drawn with a marker at every
	// point; denser lines mark only isolated points and the latest one.
	ltMarkerLimit = 120
	// ltLogRatio is how many times p50 p99 must be to switch to a log axis.
	ltLogRatio = 100
)

// percentileStyle is how one percentile's line looks, so that the three
// differ by dash and marker shape as well as colour.
type percentileStyle struct {
	Name   string
	Long   string
	Colour string
	Dash   string
	Shape  string // "diamond", "square" or "triangle"
}

var percentileStyles = [3]percentileStyle{
	{Name: "p50", Long: "p50 (median)", Colour: colourP50, Dash: "", Shape: "diamond"},
	{Name: "p90", Long: "p90", Colour: colourP90, Dash: "7 4", Shape: "square"},
	{Name: "p99", Long: "p99", Colour: colourP99, Dash: "2 3", Shape: "triangle"},
}

// latencyView is a laid-out latency chart.
type latencyView struct {
	frame
	Axes   axes
	Lines  []lineMark
	Labels []textMark
	Legend []legendItem
}

// lineMark is one percentile's line and its markers, each a single path.
type lineMark struct {
	D       string
	Markers string
	Colour  string
	Dash    string
}

type latencyRow struct {
	start time.Time
	// v holds seconds per percentile; NaN when not measured.
	v [3]float64
}

// cleanLatency sorts the buckets, keeps the last of equal starts and turns
// unmeasured percentiles into NaN, reporting whether any was negative.
func cleanLatency(in []LatencyBucket) (rows []latencyRow, negative bool) {
	rows = make([]latencyRow, 0, len(in))
	for _, b := range in {
		r := latencyRow{start: b.Start}
		for i, d := range [3]time.Duration{b.P50, b.P90, b.P99} {
			r.v[i] = math.NaN()
			switch {
			case d < 0:
				negative = true
			case d > 0:
				r.v[i] = d.Seconds()
			}
		}
		rows = append(rows, r)
	}
	sort.SliceStable(rows, func(i, j int) bool { return rows[i].start.Before(rows[j].start) })
	merged := rows[:0]
	for _, r := range rows {
		if n := len(merged); n > 0 && merged[n-1].start.Equal(r.start) {
			merged[n-1] = r
			continue
		}
		merged = append(merged, r)
	}
	return merged, negative
}

// yScale maps seconds to a y coordinate, linearly or on a log axis.
type yScale struct {
	log    bool
	lo, hi float64
}

func (s yScale) y(v float64) float64 {
	var f float64
	if s.log {
		f = (math.Log10(v) - math.Log10(s.lo)) / (math.Log10(s.hi) - math.Log10(s.lo))
	} else {
		f = (v - s.lo) / (s.hi - s.lo)
	}
	return ltBottom - clamp(f, 0, 1)*(ltBottom-ltTop)
}

// layoutLatency turns a series into lines and words.
func layoutLatency(s LatencySeries) latencyView {
	rows, negative := cleanLatency(s.Buckets)
	v := latencyView{frame: frame{
		ID:     sanitizeID(s.ID, "latency"),
		Kind:   "latency",
		Title:  withProvider("Delivery latency", s.Provider),
		Width:  ltW,
		Height: ltH,
	}}
	if negative {
		v.Notes = append(v.Notes, "Some latencies were negative; they are left out.")
	}
	lo, hi := math.Inf(1), math.Inf(-1)
	for _, r := range rows {
		for _, x := range r.v {
			if !math.IsNaN(x) {
				lo, hi = math.Min(lo, x), math.Max(hi, x)
			}
		}
	}
	if math.IsInf(lo, 1) {
		v.Empty = s.EmptyText
		if v.Empty == "" {
			v.Empty = defaultLatencyEmptyText
		}
		return v
	}

	sy, yTicks := latencyYAxis(s.Scale, lo, hi)
	if sy.log {
		v.Notes = append(v.Notes, "The seconds axis is logarithmic: each gridline is a multiple of the one below.")
	}

	starts := make([]time.Time, len(rows))
	for i, r := range rows {
		starts[i] = r.start
	}
	w := bucketWidth(s.BucketWidth, starts)
	sx := timeScale{From: rows[0].start, To: rows[len(rows)-1].start.Add(w), Left: ltLeft, Right: ltRight}
	v.Axes = layoutTimeAxes(sx, ltTop, ltBottom)
	v.Axes.Y = yTicks

	xs := make([]float64, len(rows))
	for i, r := range rows {
		xs[i] = sx.x(r.start.Add(w / 2))
	}
	var ends []endLabel
	for p, st := range percentileStyles {
		line, end := percentileLine(rows, xs, p, sy)
		line.Colour, line.Dash = st.Colour, st.Dash
		v.Lines = append(v.Lines, line)
		if end >= 0 {
			ends = append(ends, endLabel{y: sy.y(rows[end].v[p]), text: st.Name + " " + seconds(secondsDuration(rows[end].v[p]))})
		}
	}
	v.Labels = placeEndLabels(ends, ltRight+6)

	for _, st := range percentileStyles {
		v.Legend = append(v.Legend, legendItem{Stroke: st.Colour, Dash: st.Dash, Marker: st.Shape, Text: st.Long})
	}
	v.Legend = legend(ltLeft, v.Legend)
	for i := range v.Legend {
		x, _ := strconv.ParseFloat(v.Legend[i].X, 64)
		v.Legend[i].Marker = markerPath(percentileStyles[i].Shape, x+12, plLegendY+6)
	}
	v.Desc = latencyDesc(s.Provider, rows, sy.log, momentNamer(w, starts))
	v.Table = latencyTable(s.Provider, rows)
	return v
}

// latencyYAxis chooses the seconds axis for values lo..hi and labels its
// gridlines.
func latencyYAxis(scale Scale, lo, hi float64) (yScale, []tick) {
	var out []tick
	if scale == ScaleLog || scale == ScaleAuto && hi/lo > ltLogRatio {
		ticks := logTicks(lo, hi)
		sy := yScale{log: true, lo: ticks[0], hi: ticks[len(ticks)-1]}
		for _, t := range ticks {
			out = append(out, tick{Pos: coord(sy.y(t)), Label: formatLogTick(t) + " s"})
		}
		return sy, out
	}
	ticks := linearTicks(hi, 5)
	sy := yScale{lo: 0, hi: ticks[len(ticks)-1]}
	step := ticks[1] - ticks[0]
	for _, t := range ticks {
		out = append(out, tick{Pos: coord(sy.y(t)), Label: formatNumber(t, step) + " s"})
	}
	return sy, out
}

// percentileLine draws percentile p as one path broken at unmeasured
// buckets, and returns the index of its last measured bucket (or -1).
func percentileLine(rows []latencyRow, xs []float64, p int, sy yScale) (lineMark, int) {
	d := make([]byte, 0, len(rows)*14)
	m := make([]byte, 0, 64)
	last := -1
	for i, r := range rows {
		val := r.v[p]
		if math.IsNaN(val) {
			continue
		}
		cmd := byte('L')
		if last != i-1 || last < 0 {
			cmd = 'M'
		}
		d = append(appendCoord(append(d, cmd), xs[i]), ' ')
		d = appendCoord(d, sy.y(val))
		isolated := (i == 0 || math.IsNaN(rows[i-1].v[p])) && (i == len(rows)-1 || math.IsNaN(rows[i+1].v[p]))
		if len(rows) <= ltMarkerLimit || isolated || i == len(rows)-1 {
			m = append(m, markerPath(percentileStyles[p].Shape, xs[i], sy.y(val))...)
		}
		last = i
	}
	if last >= 0 && len(rows) > ltMarkerLimit && last != len(rows)-1 {
		m = append(m, markerPath(percentileStyles[p].Shape, xs[last], sy.y(rows[last].v[p]))...)
	}
	return lineMark{D: string(d), Markers: string(m)}, last
}

// markerPath outlines a marker of the given shape centred on x, y, with
// absolute coordinates only.
func markerPath(shape string, x, y float64) string {
	const r = 3.5
	switch shape {
	case "square":
		return "M" + coord(x-r+0.5) + " " + coord(y-r+0.5) + "H" + coord(x+r-0.5) + "V" + coord(y+r-0.5) + "H" + coord(x-r+0.5) + "Z"
	case "triangle":
		return "M" + coord(x) + " " + coord(y-r-0.5) + "L" + coord(x+r+0.5) + " " + coord(y+r-0.5) + "L" + coord(x-r-0.5) + " " + coord(y+r-0.5) + "Z"
	}
	return "M" + coord(x) + " " + coord(y-r-0.5) + "L" + coord(x+r+0.5) + " " + coord(y) + "L" + coord(x) + " " + coord(y+r+0.5) + "L" + coord(x-r-0.5) + " " + coord(y) + "Z"
}

type endLabel struct {
	y    float64
	text string
}

// placeEndLabels sets the labels at the lines' right ends, pushed apart so
// that no two overlap and all stay beside the plot.
func placeEndLabels(ends []endLabel, x float64) []textMark {
	const gap = 13.0
	sort.SliceStable(ends, func(i, j int) bool { return ends[i].y < ends[j].y })
	ys := make([]float64, len(ends))
	for i, e := range ends {
		ys[i] = clamp(e.y+4, ltTop+plLabelRoom, ltBottom+4)
		if i > 0 && ys[i] < ys[i-1]+gap {
			ys[i] = ys[i-1] + gap
		}
	}
	for i := len(ys) - 1; i >= 0; i-- {
		limit := ltBottom + 4 - gap*float64(len(ys)-1-i)
		if ys[i] > limit {
			ys[i] = limit
		}
	}
	out := make([]textMark, len(ends))
	for i, e := range ends {
		out[i] = textMark{X: coord(x), Y: coord(ys[i]), Text: e.text}
	}
	return out
}

// secondsDuration converts seconds back to a duration for formatting.
func secondsDuration(s float64) time.Duration {
	return time.Duration(s * float64(time.Second))
}

// latencyDesc says how the median moved and when p99 was worst.
func latencyDesc(provider string, rows []latencyRow, useLog bool, name func(time.Time) string) string {
	firstI, lastI, worst := -1, -1, -1
	for i, r := range rows {
		if !math.IsNaN(r.v[0]) {
			if firstI < 0 {
				firstI = i
			}
			lastI = i
		}
		if !math.IsNaN(r.v[2]) && (worst < 0 || r.v[2] > rows[worst].v[2]) {
			worst = i
		}
	}
	subject := withProvider("Median delivery latency", provider)
	var d string
	switch {
	case firstI < 0:
		d = "The median was not measured."
	case firstI == lastI:
		d = subject + " was " + seconds(secondsDuration(rows[firstI].v[0])) + " in the bucket starting " + name(rows[firstI].start) + "."
	default:
		a, b := seconds(secondsDuration(rows[firstI].v[0])), seconds(secondsDuration(rows[lastI].v[0]))
		from, to := name(rows[firstI].start), name(rows[lastI].start)
		d = subject + " went from " + a + " to " + b + " between " + from + " and " + to + "."
		if a == b {
			d = subject + " was " + a + " at the start (" + from + ") and at the end (" + to + ")."
		}
	}
	if worst >= 0 {
		d += " The slowest p99 was " + seconds(secondsDuration(rows[worst].v[2])) + ", in the bucket starting " + name(rows[worst].start) + "."
	}
	if useLog {
		d += " The seconds axis is logarithmic."
	}
	return d
}

// latencyTable lists every bucket's percentiles in seconds, exactly as given.
func latencyTable(provider string, rows []latencyRow) table {
	t := table{
		Caption: withProvider("Delivery latency in seconds", provider) + ", per bucket",
		Head:    []string{"Start (UTC)", "p50 (s)", "p90 (s)", "p99 (s)"},
		Rows:    make([]tableRow, 0, len(rows)),
	}
	for _, r := range rows {
		cells := make([]string, 3)
		for i, x := range r.v {
			cells[i] = "not measured"
			if !math.IsNaN(x) {
				cells[i] = strconv.FormatFloat(x, 'f', -1, 64)
			}
		}
		t.Rows = append(t.Rows, tableRow{Head: when(r.start), Cells: cells})
	}
	return t
}
