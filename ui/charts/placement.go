package charts

import (
	"math"
	"sort"
	"strconv"
	"time"
)

// PlacementBucket counts where the seed messages sent during one time
// bucket ended up at a provider.
type PlacementBucket struct {
	// Start is the beginning of the bucket.
	Start time.Time
	// Inbox, Junk, Other and Missing count seed messages found in the
	// inbox, in the junk folder, in some other folder (a promotions tab,
	// an archive) and not found at all. Negative counts are drawn as zero
	// with a note under the chart.
	Inbox, Junk, Other, Missing int
}

// PlacementSeries is one provider's placement over time, the input of
// [PlacementChart].
type PlacementSeries struct {
	// ID is required and unique on the page: every element id of the chart
	// starts with it. Characters other than letters, digits, '-' and '_'
	// become '-'.
	ID string
	// Provider names the mailbox provider in the title and the summary.
	Provider string
	// Buckets in any order; buckets with the same start are added up.
	Buckets []PlacementBucket
	// BucketWidth is how long each bucket lasts. Zero means the smallest
	// gap between two starts, or one hour when there is a single bucket.
	BucketWidth time.Duration
	// AlertInboxPercent draws a labelled line at this inbox share, in
	// percent: the level below which the sender is alerted. Zero draws none.
	AlertInboxPercent float64
	// EmptyText is said instead of the chart when no bucket has a message;
	// empty means "No seed runs yet."
	EmptyText string
}

// Placement layout, in viewBox units.
const (
	plW, plH                   = 640.0, 320.0
	plLeft, plRight            = 48.0, 546.0
	plTop, plBottom            = 34.0, 272.0
	plLegendY                  = 6.0
	plLabelRoom                = 12.0
	defaultBucketWidth         = time.Hour
	defaultPlacementEmptyText  = "No seed runs yet."
	defaultLatencyEmptyText    = "No delivered codes measured yet."
	defaultBarEmptyText        = "Nothing to show yet."
	noteNegativeCounts         = "Some counts were negative; they are drawn and listed as zero."
	placementFolders           = 4
	placementShareColumnHeader = "Inbox share"
)

// placementFolderNames are the folders in stacking order, bottom first, so
// the inbox share always rises from the baseline.
var placementFolderNames = [placementFolders]string{"Inbox", "Junk", "Other folder", "Missing"}

// placementView is a laid-out placement chart.
type placementView struct {
	frame
	Axes      axes
	Columns   []areaMark
	Threshold *thresholdMark
	Latest    *textMark
	Legend    []legendItem
}

// areaMark is one folder's part of every column, as a single path.
type areaMark struct {
	D      string
	Fill   string
	Folder string
}

type textMark struct {
	X, Y string
	Text string
}

type thresholdMark struct {
	Y, X1, X2 string
	Label     textMark
}

// placementRow is a bucket after cleaning: counts as floats so that sums
// of huge counts cannot overflow.
type placementRow struct {
	start  time.Time
	counts [placementFolders]int
}

func (r placementRow) total() float64 {
	t := 0.0
	for _, c := range r.counts {
		t += float64(c)
	}
	return t
}

func (r placementRow) share(i int) float64 {
	t := r.total()
	if t == 0 {
		return 0
	}
	return float64(r.counts[i]) / t
}

// cleanPlacement sorts the buckets, merges equal starts and clamps
// negative counts, reporting whether any was negative.
func cleanPlacement(in []PlacementBucket) (rows []placementRow, negative bool) {
	rows = make([]placementRow, 0, len(in))
	for _, b := range in {
		r := placementRow{start: b.Start, counts: [placementFolders]int{b.Inbox, b.Junk, b.Other, b.Missing}}
		for i, c := range r.counts {
			if c < 0 {
				negative = true
				r.counts[i] = 0
			}
		}
		rows = append(rows, r)
	}
	sort.SliceStable(rows, func(i, j int) bool { return rows[i].start.Before(rows[j].start) })
	merged := rows[:0]
	for _, r := range rows {
		if n := len(merged); n > 0 && merged[n-1].start.Equal(r.start) {
			for i, c := range r.counts {
				merged[n-1].counts[i] = addSaturating(merged[n-1].counts[i], c)
			}
			continue
		}
		merged = append(merged, r)
	}
	return merged, negative
}

// addSaturating adds two non-negative counts, stopping at the largest int.
func addSaturating(a, b int) int {
	if a > math.MaxInt-b {
		return math.MaxInt
	}
	return a + b
}

// bucketWidth returns the given width, or the smallest gap between
// consecutive starts, or the default.
func bucketWidth(given time.Duration, starts []time.Time) time.Duration {
	if given > 0 {
		return given
	}
	var w time.Duration
	for i := 1; i < len(starts); i++ {
		if d := starts[i].Sub(starts[i-1]); d > 0 && (w == 0 || d < w) {
			w = d
		}
	}
	if w == 0 {
		return defaultBucketWidth
	}
	return w
}

// layoutPlacement turns a series into marks and words.
func layoutPlacement(s PlacementSeries) placementView {
	rows, negative := cleanPlacement(s.Buckets)
	v := placementView{frame: frame{
		ID:     sanitizeID(s.ID, "placement"),
		Kind:   "placement",
		Title:  withProvider("Inbox placement", s.Provider),
		Width:  plW,
		Height: plH,
	}}
	if negative {
		v.Notes = append(v.Notes, noteNegativeCounts)
	}
	var measured []placementRow
	for _, r := range rows {
		if r.total() > 0 {
			measured = append(measured, r)
		}
	}
	if len(measured) == 0 {
		v.Empty = s.EmptyText
		if v.Empty == "" {
			v.Empty = defaultPlacementEmptyText
		}
		return v
	}
	alert := s.AlertInboxPercent
	if alert != 0 && !(alert > 0 && alert <= 100) {
		what := "The alert threshold is not a number"
		if !math.IsNaN(alert) && !math.IsInf(alert, 0) {
			what = "The alert threshold " + strconv.FormatFloat(alert, 'g', 4, 64) + "% is outside 0–100%"
		}
		v.Notes = append(v.Notes, what+" and is not drawn.")
		alert = 0
	}

	starts := make([]time.Time, len(rows))
	for i, r := range rows {
		starts[i] = r.start
	}
	w := bucketWidth(s.BucketWidth, starts)
	sx := timeScale{From: rows[0].start, To: rows[len(rows)-1].start.Add(w), Left: plLeft, Right: plRight}
	v.Axes = layoutTimeAxes(sx, plTop, plBottom)
	for _, t := range linearTicks(100, 5) {
		v.Axes.Y = append(v.Axes.Y, tick{Pos: coord(shareY(t / 100)), Label: formatNumber(t, 20) + "%"})
	}

	v.Columns = placementColumns(v.ID, measured, sx, w)

	last := measured[len(measured)-1]
	labelY := (shareY(0) + shareY(last.share(0))) / 2
	v.Latest = &textMark{
		X:    coord(plRight + 6),
		Y:    coord(clamp(labelY+4, plTop+plLabelRoom, plBottom)),
		Text: percent(last.share(0)) + " inbox",
	}

	if alert > 0 {
		v.Threshold = alertLine(alert)
	}

	v.Legend = legend(plLeft, []legendItem{
		{Fill: folderFill(v.ID, 0), Text: placementFolderNames[0]},
		{Fill: folderFill(v.ID, 1), Text: placementFolderNames[1]},
		{Fill: folderFill(v.ID, 2), Text: placementFolderNames[2]},
		{Fill: folderFill(v.ID, 3), Text: placementFolderNames[3]},
	})
	v.Desc = placementDesc(s.Provider, measured, alert, momentNamer(w, starts))
	v.Table = placementTable(s.Provider, rows, alert)
	return v
}

// placementColumns draws the stacked columns as one path per folder, a
// closed rectangle per bucket, which keeps a month of hourly buckets to
// four elements.
func placementColumns(id string, measured []placementRow, sx timeScale, w time.Duration) []areaMark {
	var paths [placementFolders][]byte
	for _, r := range measured {
		x0, x1 := sx.x(r.start), sx.x(r.start.Add(w))
		if x1-x0 > 4 {
			x0, x1 = x0+0.5, x1-0.5
		}
		left, right := coord(x0), coord(x1)
		cum := 0.0
		for i := range r.counts {
			share := r.share(i)
			if share == 0 {
				continue
			}
			yLow, yHigh := shareY(cum), shareY(math.Min(cum+share, 1))
			cum += share
			d := append(paths[i], 'M')
			d = append(append(d, left...), ' ')
			d = append(appendCoord(d, yHigh), 'H')
			d = append(append(d, right...), 'V')
			d = append(appendCoord(d, yLow), 'H')
			paths[i] = append(append(d, left...), 'Z')
		}
	}
	var cols []areaMark
	for i, d := range paths {
		if len(d) > 0 {
			cols = append(cols, areaMark{D: string(d), Fill: folderFill(id, i), Folder: placementFolderNames[i]})
		}
	}
	return cols
}

// alertLine is the dashed line at the alert's inbox share, labelled above
// it, or below it when the line is too close to the top.
func alertLine(alert float64) *thresholdMark {
	y := shareY(alert / 100)
	labelY := y - 5
	if labelY < plTop+plLabelRoom {
		labelY = y + 14
	}
	return &thresholdMark{
		Y: coord(y), X1: coord(plLeft), X2: coord(plRight),
		Label: textMark{X: coord(plLeft + 6), Y: coord(labelY), Text: "Alert below " + formatPercentValue(alert) + " inbox"},
	}
}

// shareY is the y coordinate of a share 0..1 of the plot's height.
func shareY(share float64) float64 {
	return plBottom - clamp(share, 0, 1)*(plBottom-plTop)
}

func clamp(v, lo, hi float64) float64 {
	return math.Max(lo, math.Min(hi, v))
}

// folderFill is the fill of folder i: the inbox is solid, the others are
// patterns defined in the chart's <defs>.
func folderFill(id string, i int) string {
	switch i {
	case 0:
		return colourInbox
	case 1:
		return "url(#" + id + "-junk)"
	case 2:
		return "url(#" + id + "-other)"
	}
	return "url(#" + id + "-missing)"
}

func formatPercentValue(p float64) string {
	return strconv.FormatFloat(p, 'f', -1, 64) + "%"
}

func withProvider(what, provider string) string {
	if provider == "" {
		return what
	}
	return what + " at " + provider
}

// placementDesc says in words what the columns show: how the inbox share
// moved from the first measured bucket to the last, where the last
// bucket's messages went, and how often the share fell below the alert.
func placementDesc(provider string, measured []placementRow, alert float64, name func(time.Time) string) string {
	first, last := measured[0], measured[len(measured)-1]
	subject := withProvider("Inbox share", provider)
	var d string
	if len(measured) == 1 {
		d = subject + " was " + percent(first.share(0)) + " (" + countOf(first.counts[0], first.total()) +
			" seed messages) in the bucket starting " + name(first.start) + "."
	} else {
		a, b := percent(first.share(0)), percent(last.share(0))
		span := " between " + name(first.start) + " and " + name(last.start) + "."
		switch {
		case a == b:
			d = subject + " was " + a + " at the start (" + name(first.start) + ") and at the end (" + name(last.start) + ")."
		case last.share(0) > first.share(0):
			d = subject + " rose from " + a + " to " + b + span
		default:
			d = subject + " fell from " + a + " to " + b + span
		}
		d += " Latest: " + percent(last.share(0)) + " inbox, " + percent(last.share(1)) + " junk, " +
			percent(last.share(2)) + " other folders, " + percent(last.share(3)) + " missing."
	}
	if alert > 0 {
		below := 0
		for _, r := range measured {
			if r.share(0)*100 < alert {
				below++
			}
		}
		switch {
		case len(measured) == 1 && below == 1:
			d += " That is below the " + formatPercentValue(alert) + " alert threshold."
		case len(measured) == 1:
			d += " That is at or above the " + formatPercentValue(alert) + " alert threshold."
		case below == 0:
			d += " Every bucket was at or above the " + formatPercentValue(alert) + " alert threshold."
		default:
			d += " " + strconv.Itoa(below) + " of " + strconv.Itoa(len(measured)) +
				" buckets were below the " + formatPercentValue(alert) + " alert threshold."
		}
	}
	return d
}

func countOf(n int, total float64) string {
	return strconv.Itoa(n) + " of " + strconv.FormatFloat(total, 'f', 0, 64)
}

// placementTable lists every bucket, including those with no messages.
func placementTable(provider string, rows []placementRow, alert float64) table {
	t := table{
		Caption: withProvider("Seed messages by folder", provider) + ", per bucket",
		Head:    []string{"Start (UTC)", placementFolderNames[0], placementFolderNames[1], placementFolderNames[2], placementFolderNames[3], placementShareColumnHeader},
		Rows:    make([]tableRow, 0, len(rows)),
	}
	for _, r := range rows {
		cells := make([]string, 0, placementFolders+1)
		for _, c := range r.counts {
			cells = append(cells, strconv.Itoa(c))
		}
		share := "no messages"
		if r.total() > 0 {
			share = percent(r.share(0))
			if alert > 0 && r.share(0)*100 < alert {
				share += " (below alert)"
			}
		}
		t.Rows = append(t.Rows, tableRow{Head: when(r.start), Cells: append(cells, share)})
	}
	return t
}

// layoutTimeAxes lays out the gridlines' frame and the time axis of a chart
// whose plot spans sx horizontally and top..bottom vertically.
func layoutTimeAxes(sx timeScale, top, bottom float64) axes {
	return axes{
		Left: coord(sx.Left), Right: coord(sx.Right), Top: coord(top), Bottom: coord(bottom),
		X:        timeTicks(sx, 6),
		YLabelX:  coord(sx.Left - 6),
		XLabelY:  coord(bottom + 18),
		TickEnd:  coord(bottom + 5),
		Caption:  timeCaption(sx.From, sx.To),
		CaptionX: coord((sx.Left + sx.Right) / 2),
		CaptionY: coord(bottom + 40),
	}
}
