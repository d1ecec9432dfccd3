package charts

import (
	"math"
	"sort"
	"strconv"
)

// Bar is one labelled count in a [BarChartData].
type Bar struct {
	Label string
	// Value is the count; a negative one is drawn and listed as zero with
	// a note under the chart.
	Value int
}

// BarChartData is the input of [BarChart]: counts by label, such as
// bounces by reason or challenges by challenge/response system.
type BarChartData struct {
	// ID is required and unique on the page: every element id of the chart
	// starts with it.
	ID string
	// Title names what is counted: "Bounce reasons".
	Title string
	// Unit is the plural noun for the counts, used in the summary and the
	// table: "bounces". Empty means "items".
	Unit string
	// Bars in any order; the chart sorts them, largest first.
	Bars []Bar
	// EmptyText is said instead of the chart when there are no bars; empty
	// means "Nothing to show yet."
	EmptyText string
}

// Bar layout, in viewBox units.
const (
	brW          = 640.0
	brTop        = 6.0
	brRow        = 26.0
	brBarH       = 18.0
	brLabelRight = 196.0
	brLabelRunes = 30
	brBarLeft    = 204.0
)

// barView is a laid-out bar chart.
type barView struct {
	frame
	Bars []barMark
}

type barMark struct {
	// Label is the label as shown, shortened when long; Full is all of it.
	Label, Full            string
	LabelX, TextY, Y, W, H string
	X                      string
	Value                  string
	ValueX                 string
}

// layoutBars sorts the bars and lays them out one per row.
func layoutBars(data BarChartData) barView {
	title := data.Title
	if title == "" {
		title = "Counts"
	}
	unit := data.Unit
	if unit == "" {
		unit = "items"
	}
	v := barView{frame: frame{ID: sanitizeID(data.ID, "bars"), Kind: "bars", Title: title, Width: brW}}
	bars := make([]Bar, len(data.Bars))
	copy(bars, data.Bars)
	negative := false
	for i := range bars {
		if bars[i].Value < 0 {
			negative = true
			bars[i].Value = 0
		}
	}
	if negative {
		v.Notes = append(v.Notes, noteNegativeCounts)
	}
	if len(bars) == 0 {
		v.Empty = data.EmptyText
		if v.Empty == "" {
			v.Empty = defaultBarEmptyText
		}
		return v
	}
	sort.SliceStable(bars, func(i, j int) bool {
		if bars[i].Value != bars[j].Value {
			return bars[i].Value > bars[j].Value
		}
		return bars[i].Label < bars[j].Label
	})

	maxV, total, widest := 0.0, 0.0, 0.0
	for _, b := range bars {
		maxV = math.Max(maxV, float64(b.Value))
		total += float64(b.Value)
		widest = math.Max(widest, textWidth(strconv.Itoa(b.Value)))
	}
	plotW := brW - brBarLeft - widest - 12
	v.Height = brTop*2 + brRow*float64(len(bars))
	for i, b := range bars {
		w := 0.0
		if maxV > 0 {
			w = float64(b.Value) / maxV * plotW
		}
		y := brTop + brRow*float64(i) + (brRow-brBarH)/2
		v.Bars = append(v.Bars, barMark{
			Label: truncate(b.Label, brLabelRunes), Full: b.Label,
			LabelX: coord(brLabelRight), TextY: coord(y + brBarH/2 + 4),
			X: coord(brBarLeft), Y: coord(y), W: coord(w), H: coord(brBarH),
			Value: strconv.Itoa(b.Value), ValueX: coord(brBarLeft + w + 6),
		})
	}
	v.Desc = barDesc(title, unit, bars, total)
	v.Table = barTable(title, unit, bars, total)
	return v
}

// barDesc says the total and names the three largest bars with their shares.
func barDesc(title, unit string, bars []Bar, total float64) string {
	categories := " categories"
	if len(bars) == 1 {
		categories = " category"
	}
	d := title + ": " + strconv.FormatFloat(total, 'f', 0, 64) + " " + unit + " in " + strconv.Itoa(len(bars)) + categories + "."
	if total == 0 {
		return d
	}
	for i, b := range bars {
		if i == 3 || b.Value == 0 {
			break
		}
		switch i {
		case 0:
			d += " Most: " + b.Label + ", " + strconv.Itoa(b.Value) + " (" + percent(float64(b.Value)/total) + ")"
		default:
			d += "; then " + b.Label + ", " + strconv.Itoa(b.Value) + " (" + percent(float64(b.Value)/total) + ")"
		}
	}
	return d + "."
}

// barTable lists every bar in the chart's order with its share of the total.
func barTable(title, unit string, bars []Bar, total float64) table {
	t := table{
		Caption: title + ", largest first",
		Head:    []string{"Label", capitalise(unit), "Share"},
		Rows:    make([]tableRow, 0, len(bars)),
	}
	for _, b := range bars {
		share := "–"
		if total > 0 {
			share = percent(float64(b.Value) / total)
		}
		t.Rows = append(t.Rows, tableRow{Head: b.Label, Cells: []string{strconv.Itoa(b.Value), share}})
	}
	return t
}

func capitalise(s string) string {
	r := []rune(s)
	if len(r) > 0 && r[0] >= 'a' && r[0] <= 'z' {
		r[0] -= 'a' - 'A'
	}
	return string(r)
}
