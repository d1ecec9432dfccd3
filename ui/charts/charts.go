// Package charts draws the sender dashboard's charts as accessible SVG,
// rendered on the server as templ components: where seed messages landed
// at a provider over time ([PlacementChart]), how long codes took to arrive
// ([LatencyChart]) and counts by label ([BarChart]).
//
// Every chart is a <figure> holding an <svg role="img"> named by its
// <title> and summarised in words by its <desc>, followed by the same
// numbers as a table inside <details>, so nothing depends on seeing the
// picture (WCAG 2.2 SC 1.1.1). Series differ by pattern, dash or marker
// shape as well as colour (SC 1.4.1), and every colour has at least 3:1
// contrast against white, text at least 4.5:1 (SC 1.4.3, 1.4.11).
//
// The markup carries no style attributes and no scripts, so it passes a
// Content-Security-Policy without 'unsafe-inline': colours are SVG
// presentation attributes and layout comes from the cp-chart-* rules in
// [CSS], which the site's stylesheet includes.
package charts

import (
	_ "embed"
	"strings"
)

// CSS holds the cp-chart-* rules the charts need: the SVG scales to the
// width of its container, text uses the page's font, and printing keeps a
// chart on one page with its colours.
//
//go:embed charts.css
var CSS string

// Colours of the marks, chosen for at least 3:1 contrast against white
// (SC 1.4.11) and told apart by pattern, dash or shape too (SC 1.4.1).
const (
	colourInbox   = "#1d70b8" // blue, solid
	colourJunk    = "#b34700" // orange, diagonal hatch
	colourOther   = "#6f777b" // grey, dots
	colourMissing = "#a3163a" // crimson, cross-hatch
	colourP50     = "#1d70b8"
	colourP90     = "#b34700"
	colourP99     = "#6f3aa5"
	colourBar     = "#1d70b8"
	colourText    = "#0b0c0c" // 19:1 on white
	colourMuted   = "#505a5f" // 7:1 on white
	colourGrid    = "#d8dbdd"
	colourHalo    = "#ffffff"
)

// frame is what every chart shares: its identity, its words, the notes
// about its input and the table of its numbers.
type frame struct {
	ID     string
	Kind   string
	Title  string
	Desc   string
	Width  float64
	Height float64
	// Empty replaces the picture and the table with a sentence when there
	// is nothing to draw.
	Empty string
	// Notes tell the reader about input the chart could not draw as given.
	Notes []string
	Table table
}

func (f frame) class() string      { return "cp-chart cp-chart--" + f.Kind }
func (f frame) viewBox() string    { return "0 0 " + coord(f.Width) + " " + coord(f.Height) }
func (f frame) titleID() string    { return f.ID + "-title" }
func (f frame) descID() string     { return f.ID + "-desc" }
func (f frame) labelledBy() string { return f.titleID() + " " + f.descID() }

// table is the data fallback: a caption, column headings and one row per
// bucket or bar, headed by the row's name.
type table struct {
	Caption string
	Head    []string
	Rows    []tableRow
}

type tableRow struct {
	Head  string
	Cells []string
}

// axes are the gridlines and labels of a chart with a time axis.
type axes struct {
	Left, Right, Top, Bottom string
	// Y ticks are horizontal gridlines; Pos is the y coordinate.
	Y []tick
	// X ticks are short marks under the plot; Pos is the x coordinate.
	X        []tick
	YLabelX  string
	XLabelY  string
	TickEnd  string
	Caption  string
	CaptionX string
	CaptionY string
}

// legendItem is one key entry: a swatch (a filled square or a line with a
// marker) and its words.
type legendItem struct {
	X, X2, TextX string
	Fill         string
	Stroke       string
	Dash         string
	Marker       string
	Text         string
}

// legend lays items out in a row from x, each as wide as its text needs.
func legend(x float64, items []legendItem) []legendItem {
	for i := range items {
		items[i].X = coord(x)
		items[i].X2 = coord(x + 24)
		items[i].TextX = coord(x + 30)
		x += 30 + textWidth(items[i].Text) + 16
	}
	return items
}

// textWidth estimates the width of s at the charts' 12-unit font size.
func textWidth(s string) float64 {
	return float64(len([]rune(s))) * 6.6
}

// truncate shortens s to at most n runes, ending with an ellipsis.
func truncate(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return strings.TrimSpace(string(r[:n-1])) + "…"
}
