package charts

import (
	"flag"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/a-h/templ"
)

var update = flag.Bool("update", false, "rewrite testdata/*.html from the current output")

var day0 = time.Date(2026, 1, 2, 0, 0, 0, 0, time.UTC)

// weekAtOutlook is a week of daily seed runs in which Outlook moves our
// codes from the inbox to junk: 96% inbox on Jan 2, 41% on Jan 8.
func weekAtOutlook() PlacementSeries {
	inbox := []int{48, 47, 45, 40, 33, 25, 41}
	junk := []int{1, 2, 3, 6, 12, 18, 45}
	other := []int{1, 0, 1, 1, 2, 2, 4}
	missing := []int{0, 1, 1, 3, 3, 5, 10}
	s := PlacementSeries{ID: "placement-outlook", Provider: "Outlook", AlertInboxPercent: 80}
	for i := range inbox {
		s.Buckets = append(s.Buckets, PlacementBucket{
			Start: day0.AddDate(0, 0, i), Inbox: inbox[i], Junk: junk[i], Other: other[i], Missing: missing[i],
		})
	}
	return s
}

// dayAtGmail is one day of hourly runs at Gmail, mostly in the inbox.
func dayAtGmail() PlacementSeries {
	s := PlacementSeries{ID: "placement-gmail", Provider: "Gmail"}
	for h := 0; h < 24; h++ {
		s.Buckets = append(s.Buckets, PlacementBucket{Start: day0.Add(time.Duration(h) * time.Hour), Inbox: 10 - h%3, Junk: h % 3, Missing: h % 5 / 4})
	}
	return s
}

// latencyDay is a day of hourly latency at Yahoo, seconds to tens of seconds.
func latencyDay() LatencySeries {
	s := LatencySeries{ID: "latency-yahoo", Provider: "Yahoo"}
	for h := 0; h < 24; h++ {
		s.Buckets = append(s.Buckets, LatencyBucket{
			Start: day0.Add(time.Duration(h) * time.Hour),
			P50:   time.Duration(2000+100*h) * time.Millisecond,
			P90:   time.Duration(6000+250*h) * time.Millisecond,
			P99:   time.Duration(15000+500*(h%7)) * time.Millisecond,
		})
	}
	return s
}

// latencyGreylisted has a p99 of minutes against a sub-second median, as
// greylisting produces: more than two decades apart.
func latencyGreylisted() LatencySeries {
	s := LatencySeries{ID: "latency-gmx", Provider: "GMX"}
	for d := 0; d < 7; d++ {
		s.Buckets = append(s.Buckets, LatencyBucket{
			Start: day0.AddDate(0, 0, d),
			P50:   400 * time.Millisecond,
			P90:   time.Duration(3+d) * time.Second,
			P99:   time.Duration(300+60*d) * time.Second,
		})
	}
	return s
}

// latencyGaps has hours with nothing measured and one negative value.
func latencyGaps() LatencySeries {
	s := latencyDay()
	s.ID = "latency-gaps"
	s.Buckets = s.Buckets[:12]
	s.Buckets[3] = LatencyBucket{Start: s.Buckets[3].Start}
	s.Buckets[4] = LatencyBucket{Start: s.Buckets[4].Start}
	s.Buckets[8].P99 = -time.Second
	s.Buckets[10] = LatencyBucket{Start: s.Buckets[10].Start, P50: 3 * time.Second}
	return s
}

func bounces() BarChartData {
	return BarChartData{ID: "bounce-reasons", Title: "Bounce reasons", Unit: "bounces", Bars: []Bar{
		{Label: "userunknown", Value: 20},
		{Label: "filtered", Value: 8},
		{Label: "mailboxfull", Value: 42},
		{Label: "hostunknown", Value: 3},
		{Label: "expired", Value: 3},
	}}
}

type goldenCase struct {
	name string
	c    templ.Component
}

func goldenCases() []goldenCase {
	oneBucket := weekAtOutlook()
	oneBucket.ID, oneBucket.Buckets = "placement-one", oneBucket.Buckets[:1]
	odd := PlacementSeries{ID: "placement-odd", Provider: "Yahoo", AlertInboxPercent: 150, Buckets: []PlacementBucket{
		{Start: day0.Add(2 * time.Hour), Inbox: -3, Junk: 4},
		{Start: day0, Inbox: 5},
		{Start: day0.Add(time.Hour)},
		{Start: day0, Inbox: 1, Other: 2},
	}}
	return []goldenCase{
		{"placement-week", PlacementChart(weekAtOutlook())},
		{"placement-day", PlacementChart(dayAtGmail())},
		{"placement-one-bucket", PlacementChart(oneBucket)},
		{"placement-odd-input", PlacementChart(odd)},
		{"placement-empty", PlacementChart(PlacementSeries{ID: "placement-empty", Provider: "Apple"})},
		{"latency-day", LatencyChart(latencyDay())},
		{"latency-log", LatencyChart(latencyGreylisted())},
		{"latency-gaps", LatencyChart(latencyGaps())},
		{"latency-empty", LatencyChart(LatencySeries{ID: "latency-empty", Provider: "Proton"})},
		{"bars-bounces", BarChart(bounces())},
		{"bars-long-labels", BarChart(BarChartData{ID: "challenges", Title: "Challenges by system", Unit: "challenges", Bars: []Bar{
			{Label: "Spam Arrest (challenge/response with a very long name)", Value: 1234567},
			{Label: "Boxbe", Value: -2},
			{Label: "Mailbox & <Co>", Value: 0},
		}})},
		{"bars-empty", BarChart(BarChartData{ID: "bars-empty", Title: "Bounce reasons", EmptyText: "No bounces in the last 7 days."})},
	}
}

// TestGolden compares each case's whole output with testdata/<case>.html;
// run with -update to rewrite them after an intended change.
func TestGolden(t *testing.T) {
	for _, c := range goldenCases() {
		t.Run(c.name, func(t *testing.T) {
			got := render(t, c.c)
			parse(t, got)
			path := filepath.Join("testdata", c.name+".html")
			if *update {
				if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := os.ReadFile(path)
			if err != nil {
				t.Fatalf("%v (run go test -update to create it)", err)
			}
			if got != string(want) {
				gotPath := filepath.Join("testdata", c.name+".got")
				_ = os.WriteFile(gotPath, []byte(got), 0o644)
				t.Errorf("output differs from %s; see %s", path, gotPath)
			}
		})
	}
}

// svgOf returns the chart's <svg>, checking it is named by its <title>
// and described by its <desc>.
func svgOf(t *testing.T, root *node) (svg *node, title, desc string) {
	t.Helper()
	svgs := root.tag("svg")
	if len(svgs) != 1 {
		t.Fatalf("found %d <svg>, want 1", len(svgs))
	}
	svg = svgs[0]
	if svg.attr("role") != "img" {
		t.Errorf("svg role = %q, want img", svg.attr("role"))
	}
	ids := strings.Fields(svg.attr("aria-labelledby"))
	if len(ids) != 2 {
		t.Fatalf("aria-labelledby = %q, want title and desc ids", svg.attr("aria-labelledby"))
	}
	for i, want := range []string{"title", "desc"} {
		el := root.all(func(n *node) bool { return n.attr("id") == ids[i] })
		if len(el) != 1 || el[0].XMLName.Local != want {
			t.Fatalf("aria-labelledby[%d] = %q does not name the <%s>", i, ids[i], want)
		}
		if i == 0 {
			title = el[0].text()
		} else {
			desc = el[0].text()
		}
	}
	return svg, title, desc
}

func TestPlacementSummaryInWords(t *testing.T) {
	root := parse(t, render(t, PlacementChart(weekAtOutlook())))
	_, title, desc := svgOf(t, root)
	if title != "Inbox placement at Outlook" {
		t.Errorf("title = %q", title)
	}
	want := "Inbox share at Outlook fell from 96% to 41% between Jan 2 and Jan 8. " +
		"Latest: 41% inbox, 45% junk, 4% other folders, 10% missing. " +
		"3 of 7 buckets were below the 80% alert threshold."
	if desc != want {
		t.Errorf("desc =\n%q\nwant\n%q", desc, want)
	}
	if got := one(t, root, "chart-latest").text(); got != "41% inbox" {
		t.Errorf("label beside the last column = %q, want %q", got, "41% inbox")
	}
}

func TestPlacementTableHasTheInputNumbers(t *testing.T) {
	s := weekAtOutlook()
	rows := tableCells(t, parse(t, render(t, PlacementChart(s))))
	if len(rows) != len(s.Buckets) {
		t.Fatalf("table has %d rows, want %d", len(rows), len(s.Buckets))
	}
	for i, b := range s.Buckets {
		want := []string{b.Start.Format("2006-01-02 15:04"), strconv.Itoa(b.Inbox), strconv.Itoa(b.Junk), strconv.Itoa(b.Other), strconv.Itoa(b.Missing)}
		if got := rows[i][:5]; strings.Join(got, "|") != strings.Join(want, "|") {
			t.Errorf("row %d = %q, want %q", i, got, want)
		}
	}
	if got := rows[6][5]; got != "41% (below alert)" {
		t.Errorf("last inbox share cell = %q", got)
	}
	if got := rows[3][5]; got != "80%" {
		t.Errorf("inbox share exactly at the threshold = %q, want 80%% without an alert", got)
	}
}

func TestPlacementThresholdIsDrawnAtItsLevel(t *testing.T) {
	root := parse(t, render(t, PlacementChart(weekAtOutlook())))
	th := one(t, root, "chart-threshold")
	if got := th.tag("text")[0].text(); got != "Alert below 80% inbox" {
		t.Errorf("threshold label = %q", got)
	}
	line := th.tag("line")[0]
	var gridY string
	for _, txt := range root.tag("text") {
		if txt.text() == "80%" {
			gridY = txt.attr("y")
		}
	}
	if gridY == "" || line.attr("y1") != gridY || line.attr("y2") != gridY {
		t.Errorf("threshold line at y=%s, the 80%% gridline at y=%s", line.attr("y1"), gridY)
	}

	s := weekAtOutlook()
	s.AlertInboxPercent = 0
	if n := len(parse(t, render(t, PlacementChart(s))).testID("chart-threshold")); n != 0 {
		t.Errorf("a zero threshold drew %d lines", n)
	}
}

// xLabels returns the time axis's tick labels.
func xLabels(root *node) []string {
	var out []string
	for _, g := range root.all(func(n *node) bool { return n.attr("class") == "cp-chart-axis" }) {
		for _, txt := range g.tag("text") {
			if txt.attr("text-anchor") == "middle" && !strings.HasPrefix(txt.text(), "Time (UTC)") {
				out = append(out, txt.text())
			}
		}
	}
	return out
}

func TestTimeAxisLabelsAdaptToTheSpan(t *testing.T) {
	day := xLabels(parse(t, render(t, PlacementChart(dayAtGmail()))))
	if strings.Join(day, " ") != "00:00 06:00 12:00 18:00 00:00" {
		t.Errorf("one day of hourly buckets labelled %q", day)
	}
	week := xLabels(parse(t, render(t, PlacementChart(weekAtOutlook()))))
	if strings.Join(week, " ") != "Jan 3 Jan 5 Jan 7 Jan 9" {
		t.Errorf("a week of daily buckets labelled %q", week)
	}
	local := dayAtGmail()
	for i := range local.Buckets {
		local.Buckets[i].Start = local.Buckets[i].Start.In(time.FixedZone("CET", 3600))
	}
	if got := xLabels(parse(t, render(t, PlacementChart(local)))); strings.Join(got, " ") != strings.Join(day, " ") {
		t.Errorf("the same instants in CET are labelled %q, want UTC %q", got, day)
	}
}

func TestEmptyChartsSayWhy(t *testing.T) {
	zero := PlacementSeries{ID: "z", Buckets: []PlacementBucket{{Start: day0}, {Start: day0.Add(time.Hour)}}}
	for _, c := range []struct {
		name string
		c    templ.Component
		want string
	}{
		{"no buckets", PlacementChart(PlacementSeries{ID: "p"}), "No seed runs yet."},
		{"zero totals", PlacementChart(zero), "No seed runs yet."},
		{"no latency", LatencyChart(LatencySeries{ID: "l", Buckets: []LatencyBucket{{Start: day0}}}), "No delivered codes measured yet."},
		{"own text", BarChart(BarChartData{ID: "b", EmptyText: "No bounces this week."}), "No bounces this week."},
	} {
		root := parse(t, render(t, c.c))
		if got := one(t, root, "chart-empty").text(); got != c.want {
			t.Errorf("%s: says %q, want %q", c.name, got, c.want)
		}
		if n := len(root.tag("svg")) + len(root.tag("table")); n != 0 {
			t.Errorf("%s: an empty chart still draws %d svg or table elements", c.name, n)
		}
	}
}

func TestBadInputIsNotedNotHidden(t *testing.T) {
	s := PlacementSeries{ID: "neg", AlertInboxPercent: 150, Buckets: []PlacementBucket{{Start: day0, Inbox: -5, Junk: 5}}}
	root := parse(t, render(t, PlacementChart(s)))
	var notes []string
	for _, n := range root.testID("chart-note") {
		notes = append(notes, n.text())
	}
	want := []string{noteNegativeCounts, "The alert threshold 150% is outside 0–100% and is not drawn."}
	if strings.Join(notes, "\n") != strings.Join(want, "\n") {
		t.Errorf("notes = %q, want %q", notes, want)
	}
	if rows := tableCells(t, root); rows[0][1] != "0" || rows[0][5] != "0%" {
		t.Errorf("negative inbox count listed as %q with share %q, want 0 and 0%%", rows[0][1], rows[0][5])
	}
}

// yLabels returns the labels of the horizontal gridlines.
func yLabels(root *node) []string {
	var out []string
	for _, txt := range root.tag("text") {
		if txt.attr("text-anchor") == "end" && txt.attr("dy") == "4" {
			out = append(out, txt.text())
		}
	}
	return out
}

func TestLatencyAxisIsNiceAndTurnsLogarithmic(t *testing.T) {
	lin := parse(t, render(t, LatencyChart(latencyDay())))
	if got := strings.Join(yLabels(lin), " "); got != "0 s 5 s 10 s 15 s 20 s" {
		t.Errorf("linear seconds axis = %q", got)
	}
	if n := len(lin.testID("chart-note")); n != 0 {
		t.Errorf("linear chart has %d notes", n)
	}
	log := parse(t, render(t, LatencyChart(latencyGreylisted())))
	if got := strings.Join(yLabels(log), " "); got != "0.1 s 1 s 10 s 100 s 1000 s" {
		t.Errorf("log seconds axis = %q", got)
	}
	if got := one(t, log, "chart-note").text(); !strings.Contains(got, "logarithmic") {
		t.Errorf("log chart note = %q, want it to say the axis is logarithmic", got)
	}
	forced := latencyGreylisted()
	forced.Scale = ScaleLinear
	if n := len(parse(t, render(t, LatencyChart(forced))).testID("chart-note")); n != 0 {
		t.Errorf("ScaleLinear still drew a log axis note")
	}
}

func TestLatencySummaryAndTable(t *testing.T) {
	s := latencyGaps()
	root := parse(t, render(t, LatencyChart(s)))
	_, _, desc := svgOf(t, root)
	want := "Median delivery latency at Yahoo went from 2.0 s to 3.1 s between Jan 2 00:00 UTC and Jan 2 11:00 UTC." +
		" The slowest p99 was 18 s, in the bucket starting Jan 2 06:00 UTC."
	if desc != want {
		t.Errorf("desc =\n%q\nwant\n%q", desc, want)
	}
	rows := tableCells(t, root)
	for i, b := range s.Buckets {
		for p, d := range []time.Duration{b.P50, b.P90, b.P99} {
			want := strconv.FormatFloat(d.Seconds(), 'f', -1, 64)
			if d <= 0 {
				want = "not measured"
			}
			if rows[i][1+p] != want {
				t.Errorf("row %d %s = %q, want %q", i, percentileStyles[p].Name, rows[i][1+p], want)
			}
		}
	}
	if got := one(t, root, "chart-note").text(); got != "Some latencies were negative; they are left out." {
		t.Errorf("note = %q", got)
	}
}

func TestLatencyLinesDifferByMoreThanColour(t *testing.T) {
	root := parse(t, render(t, LatencyChart(latencyDay())))
	lines := root.all(func(n *node) bool { return n.attr("class") == "cp-chart-lines" })[0].tag("path")
	markers := root.all(func(n *node) bool { return n.attr("class") == "cp-chart-markers" })[0].tag("path")
	if len(lines) != 3 || len(markers) != 3 {
		t.Fatalf("%d lines and %d marker paths, want 3 each", len(lines), len(markers))
	}
	dashes := map[string]bool{}
	for _, l := range lines {
		dashes[l.attr("stroke-dasharray")] = true
	}
	if len(dashes) != 3 {
		t.Errorf("dash patterns %v, want three different ones", dashes)
	}
	// Each marker shape has its own number of corners: 4 for the diamond,
	// 3 for the triangle, and a square drawn with H and V.
	shape := func(d string) string {
		first := d[:strings.Index(d, "Z")+1]
		return strconv.Itoa(strings.Count(first, "L")) + strconv.Itoa(strings.Count(first, "H"))
	}
	if a, b, c := shape(markers[0].attr("d")), shape(markers[1].attr("d")), shape(markers[2].attr("d")); a == b || b == c || a == c {
		t.Errorf("marker shapes not distinct: %s %s %s", a, b, c)
	}
	var ends []string
	for _, txt := range root.all(func(n *node) bool { return n.attr("class") == "cp-chart-direct" })[0].tag("text") {
		ends = append(ends, txt.text())
	}
	if strings.Join(ends, ", ") != "p99 16 s, p90 12 s, p50 4.3 s" {
		t.Errorf("line-end labels = %q", ends)
	}
}

func TestBarsAreSortedWithValuesAtTheirEnds(t *testing.T) {
	root := parse(t, render(t, BarChart(bounces())))
	var labels, values []string
	var widths []float64
	for _, g := range root.testID("chart-bar") {
		texts := g.tag("text")
		labels = append(labels, texts[0].text())
		values = append(values, texts[1].text())
		w, _ := strconv.ParseFloat(g.tag("rect")[0].attr("width"), 64)
		x, _ := strconv.ParseFloat(g.tag("rect")[0].attr("x"), 64)
		vx, _ := strconv.ParseFloat(texts[1].attr("x"), 64)
		if vx < x+w {
			t.Errorf("value %s printed at x=%v, inside its bar ending at %v", texts[1].text(), vx, x+w)
		}
		widths = append(widths, w)
	}
	if got := strings.Join(labels, " "); got != "mailboxfull userunknown filtered expired hostunknown" {
		t.Errorf("bar order = %s", got)
	}
	if got := strings.Join(values, " "); got != "42 20 8 3 3" {
		t.Errorf("values = %s", got)
	}
	for i := 1; i < len(widths); i++ {
		if widths[i] > widths[i-1] {
			t.Errorf("bar %d is wider than the bar above it: %v", i, widths)
		}
	}
	_, _, desc := svgOf(t, root)
	want := "Bounce reasons: 76 bounces in 5 categories. Most: mailboxfull, 42 (55%); then userunknown, 20 (26%); then filtered, 8 (11%)."
	if desc != want {
		t.Errorf("desc =\n%q\nwant\n%q", desc, want)
	}
	rows := tableCells(t, root)
	if got := strings.Join(rows[0], "|"); got != "mailboxfull|42|55%" {
		t.Errorf("first table row = %s", got)
	}
}

func TestLongLabelsKeepTheirFullText(t *testing.T) {
	long := "Spam Arrest (challenge/response with a very long name)"
	root := parse(t, render(t, BarChart(BarChartData{ID: "c", Bars: []Bar{{Label: long, Value: 3}}})))
	label := one(t, root, "chart-bar").tag("text")[0]
	if got := label.tag("title"); len(got) != 1 || got[0].text() != long {
		t.Errorf("shortened label has no <title> with the full text")
	}
	if rows := tableCells(t, root); rows[0][0] != long {
		t.Errorf("table label = %q, want the full label", rows[0][0])
	}
}

// TestIDsAreUniqueAndResolve renders every kind of chart on one page and
// checks that ids never collide and every reference finds its target.
func TestIDsAreUniqueAndResolve(t *testing.T) {
	var page strings.Builder
	for _, c := range goldenCases() {
		page.WriteString(render(t, c.c))
	}
	root := parse(t, page.String())
	ids := map[string]bool{}
	for _, n := range root.all(func(n *node) bool { return n.attr("id") != "" }) {
		if ids[n.attr("id")] {
			t.Errorf("id %q appears twice", n.attr("id"))
		}
		ids[n.attr("id")] = true
	}
	for _, n := range root.all(func(*node) bool { return true }) {
		for _, ref := range strings.Fields(n.attr("aria-labelledby")) {
			if !ids[ref] {
				t.Errorf("aria-labelledby names missing id %q", ref)
			}
		}
		if f := n.attr("fill"); strings.HasPrefix(f, "url(#") && !ids[strings.TrimSuffix(strings.TrimPrefix(f, "url(#"), ")")] {
			t.Errorf("fill %s refers to a missing pattern", f)
		}
	}
	if got := sanitizeID("7 day/Outlook", "x"); got != "cp-chart-7-day-Outlook" {
		t.Errorf("sanitizeID = %q", got)
	}
}

// TestContentSecurityPolicySafe checks the markup needs no 'unsafe-inline':
// no style attributes, no scripts, and only cp-chart-* classes.
func TestContentSecurityPolicySafe(t *testing.T) {
	for _, c := range goldenCases() {
		root := parse(t, render(t, c.c))
		for _, n := range root.all(func(*node) bool { return true }) {
			if n.XMLName.Local == "script" || n.XMLName.Local == "style" || n.attr("style") != "" {
				t.Errorf("%s: <%s> needs inline style or script", c.name, n.XMLName.Local)
			}
			for _, a := range n.Attrs {
				if strings.HasPrefix(a.Name.Local, "on") {
					t.Errorf("%s: event handler attribute %s", c.name, a.Name.Local)
				}
			}
			for _, cls := range strings.Fields(n.attr("class")) {
				if !strings.HasPrefix(cls, "cp-chart") {
					t.Errorf("%s: class %q lacks the cp-chart prefix", c.name, cls)
				}
			}
		}
	}
	for _, rule := range []string{".cp-chart-svg { display: block; width: 100%;", "@media print"} {
		if !strings.Contains(CSS, rule) {
			t.Errorf("CSS lacks %q", rule)
		}
	}
}

// TestInboxRisesFromTheBaseline checks the inbox share can be read off the
// 0–100% axis: every inbox column stands on the baseline and the last one
// is as tall as its share.
func TestInboxRisesFromTheBaseline(t *testing.T) {
	root := parse(t, render(t, PlacementChart(weekAtOutlook())))
	inbox := root.all(func(n *node) bool { return n.attr("data-folder") == "Inbox" })
	if len(inbox) != 1 {
		t.Fatalf("found %d inbox areas, want 1", len(inbox))
	}
	columns := strings.Split(strings.TrimSuffix(inbox[0].attr("d"), "Z"), "Z")
	if len(columns) != 7 {
		t.Fatalf("inbox area has %d columns, want 7", len(columns))
	}
	baseline := coord(shareY(0))
	for i, c := range columns {
		if !strings.Contains(c, "V"+baseline+"H") {
			t.Errorf("inbox column %d (%s) does not reach the baseline y=%s", i, c, baseline)
		}
	}
	top := strings.Fields(strings.SplitN(columns[6], "H", 2)[0])[1]
	if want := coord(shareY(0.41)); top != want {
		t.Errorf("last inbox column tops out at y=%s, want y=%s for 41%%", top, want)
	}
}
