package charts

import (
	"context"
	"io"
	"strconv"
	"testing"
	"time"

	"github.com/a-h/templ"
)

// countingWriter counts what a render writes.
type countingWriter struct{ n int }

func (w *countingWriter) Write(p []byte) (int, error) { w.n += len(p); return len(p), nil }

var _ io.Writer = (*countingWriter)(nil)

func benchRender(b *testing.B, c templ.Component) {
	var w countingWriter
	if err := c.Render(context.Background(), &w); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if err := c.Render(context.Background(), io.Discard); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(w.n), "html-bytes")
}

// monthHourly is 30 days of hourly buckets for one provider.
func monthHourly() (PlacementSeries, LatencySeries) {
	p := PlacementSeries{ID: "p", Provider: "Outlook", AlertInboxPercent: 80}
	l := LatencySeries{ID: "l", Provider: "Outlook"}
	for h := range 30 * 24 {
		start := day0.Add(time.Duration(h) * time.Hour)
		p.Buckets = append(p.Buckets, PlacementBucket{Start: start, Inbox: 40 + h%9, Junk: h % 7, Other: h % 3, Missing: h % 2})
		l.Buckets = append(l.Buckets, LatencyBucket{Start: start, P50: time.Duration(2000+h%50) * time.Millisecond, P90: time.Duration(8000+h%300) * time.Millisecond, P99: time.Duration(20000+h%900) * time.Millisecond})
	}
	return p, l
}

func BenchmarkPlacement30DaysHourly(b *testing.B) {
	p, _ := monthHourly()
	benchRender(b, PlacementChart(p))
}

func BenchmarkLatency30DaysHourly(b *testing.B) {
	_, l := monthHourly()
	benchRender(b, LatencyChart(l))
}

func BenchmarkBarChart20Bars(b *testing.B) {
	d := BarChartData{ID: "b", Title: "Bounce reasons", Unit: "bounces"}
	for i := range 20 {
		d.Bars = append(d.Bars, Bar{Label: "reason-" + strconv.Itoa(i), Value: (i * 7919) % 1000})
	}
	benchRender(b, BarChart(d))
}
