package charts

import (
	"math"
	"math/rand/v2"
	"strconv"
	"strings"
	"testing"
	"time"
	"unicode"
)

// randomCount returns counts a careless caller might pass: small, zero,
// negative or as large as an int goes.
func randomCount(r *rand.Rand) int {
	switch r.IntN(8) {
	case 0:
		return 0
	case 1:
		return -r.IntN(100)
	case 2:
		return math.MaxInt - r.IntN(3)
	}
	return r.IntN(1000)
}

func randomDuration(r *rand.Rand) time.Duration {
	switch r.IntN(8) {
	case 0:
		return 0
	case 1:
		return -time.Duration(r.Int64N(int64(time.Hour)))
	case 2:
		return math.MaxInt64 - time.Duration(r.IntN(3))
	case 3:
		return time.Duration(1 + r.IntN(1000))
	}
	return time.Duration(r.Int64N(int64(10 * time.Minute)))
}

// randomStarts returns n bucket starts between 1970 and 2100, in steps
// from a second to a month, shuffled, sometimes repeated.
func randomStarts(r *rand.Rand, n int) []time.Time {
	base := time.Unix(r.Int64N(4_100_000_000), 0).UTC()
	step := time.Duration(1+r.Int64N(int64(31*24*time.Hour/time.Second))) * time.Second
	out := make([]time.Time, n)
	for i := range out {
		out[i] = base.Add(time.Duration(i) * step)
		if r.IntN(10) == 0 {
			out[i] = base
		}
	}
	r.Shuffle(n, func(i, j int) { out[i], out[j] = out[j], out[i] })
	return out
}

var thresholds = []float64{0, 80, 100, 0.5, -10, 150, math.NaN(), math.Inf(1)}

// TestRandomInputsStayInside renders charts of random, often hostile, data
// and checks that the output parses, holds no NaN or Inf, and that every
// coordinate lies inside the viewBox.
func TestRandomInputsStayInside(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 2026))
	for i := range 400 {
		n := r.IntN(40)
		if i%50 == 0 {
			n = 1
		}
		starts := randomStarts(r, n)
		width := time.Duration(0)
		if r.IntN(3) == 0 {
			width = time.Duration(r.Int64N(int64(48 * time.Hour)))
		}
		ps := PlacementSeries{ID: "p" + strconv.Itoa(i), Provider: "Random", BucketWidth: width, AlertInboxPercent: thresholds[r.IntN(len(thresholds))]}
		ls := LatencySeries{ID: "l" + strconv.Itoa(i), BucketWidth: width, Scale: []Scale{ScaleAuto, ScaleLinear, ScaleLog}[r.IntN(3)]}
		bd := BarChartData{ID: "b" + strconv.Itoa(i)}
		for _, s := range starts {
			ps.Buckets = append(ps.Buckets, PlacementBucket{Start: s, Inbox: randomCount(r), Junk: randomCount(r), Other: randomCount(r), Missing: randomCount(r)})
			ls.Buckets = append(ls.Buckets, LatencyBucket{Start: s, P50: randomDuration(r), P90: randomDuration(r), P99: randomDuration(r)})
			bd.Bars = append(bd.Bars, Bar{Label: strconv.Itoa(r.IntN(1e6)), Value: randomCount(r)})
		}
		for _, html := range []string{render(t, PlacementChart(ps)), render(t, LatencyChart(ls)), render(t, BarChart(bd))} {
			checkInside(t, html)
			if t.Failed() {
				t.Fatalf("case %d failed", i)
			}
		}
	}
}

func checkInside(t *testing.T, html string) {
	t.Helper()
	for _, bad := range []string{"NaN", "Inf"} {
		if strings.Contains(html, bad) {
			t.Errorf("output contains %s", bad)
		}
	}
	root := parse(t, html)
	for _, svg := range root.tag("svg") {
		var w, h float64
		if f := strings.Fields(svg.attr("viewBox")); len(f) == 4 {
			w, _ = strconv.ParseFloat(f[2], 64)
			h, _ = strconv.ParseFloat(f[3], 64)
		}
		if w <= 0 || h <= 0 {
			t.Fatalf("viewBox %q", svg.attr("viewBox"))
		}
		in := func(what string, v, max float64) {
			if !(v >= 0 && v <= max) {
				t.Errorf("%s = %v outside 0..%v", what, v, max)
			}
		}
		for _, n := range svg.all(func(*node) bool { return true }) {
			num := func(name string) (float64, bool) {
				s := n.attr(name)
				if s == "" {
					return 0, false
				}
				v, err := strconv.ParseFloat(s, 64)
				if err != nil {
					t.Errorf("<%s %s=%q> is not a number", n.XMLName.Local, name, s)
				}
				return v, true
			}
			for _, a := range []string{"x", "x1", "x2", "cx"} {
				if v, ok := num(a); ok {
					in(a, v, w)
				}
			}
			for _, a := range []string{"y", "y1", "y2", "cy"} {
				if v, ok := num(a); ok {
					in(a, v, h)
				}
			}
			if x, ok := num("x"); ok {
				if ww, ok := num("width"); ok {
					in("x+width", x+ww, w)
					in("width", ww, w)
				}
			}
			if y, ok := num("y"); ok {
				if hh, ok := num("height"); ok {
					in("y+height", y+hh, h)
					in("height", hh, h)
				}
			}
			checkPath(t, n.attr("d"), w, h)
		}
	}
}

// checkPath checks the points of a path written with absolute M, L, H, V
// and Z commands, the only ones the charts use.
func checkPath(t *testing.T, d string, w, h float64) {
	t.Helper()
	fields := strings.FieldsFunc(d, func(r rune) bool { return r == ' ' })
	var toks []string
	for _, f := range fields {
		start := 0
		for i, r := range f {
			if unicode.IsLetter(r) {
				if i > start {
					toks = append(toks, f[start:i])
				}
				toks = append(toks, string(r))
				start = i + 1
			}
		}
		if start < len(f) {
			toks = append(toks, f[start:])
		}
	}
	var cmd string
	var args []float64
	flush := func() {
		switch cmd {
		case "M", "L":
			if len(args) != 2 {
				t.Errorf("path %q: %s with %d numbers", d, cmd, len(args))
				return
			}
			if args[0] < 0 || args[0] > w || args[1] < 0 || args[1] > h {
				t.Errorf("path point %v outside the viewBox", args)
			}
		case "H":
			if len(args) != 1 || args[0] < 0 || args[0] > w {
				t.Errorf("path H %v outside the viewBox", args)
			}
		case "V":
			if len(args) != 1 || args[0] < 0 || args[0] > h {
				t.Errorf("path V %v outside the viewBox", args)
			}
		case "", "Z":
		default:
			t.Errorf("path %q uses command %s", d, cmd)
		}
	}
	for _, tok := range toks {
		if len(tok) == 1 && unicode.IsLetter(rune(tok[0])) {
			flush()
			cmd, args = tok, nil
			continue
		}
		v, err := strconv.ParseFloat(tok, 64)
		if err != nil {
			t.Errorf("path %q: %v", d, err)
			return
		}
		args = append(args, v)
	}
	flush()
}
