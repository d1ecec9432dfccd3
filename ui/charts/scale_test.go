package charts

import (
	"math"
	"strconv"
	"strings"
	"testing"
	"time"
)

func TestLinearTicksAreOneTwoFive(t *testing.T) {
	for _, c := range []struct {
		max  float64
		want string
	}{
		{18, "0 5 10 15 20"},
		{100, "0 20 40 60 80 100"},
		{0.37, "0.0 0.1 0.2 0.3 0.4"},
		{7, "0 2 4 6 8"},
		{1, "0.0 0.2 0.4 0.6 0.8 1.0"},
		{0, "0.0 0.2 0.4 0.6 0.8 1.0"},
		{math.NaN(), "0.0 0.2 0.4 0.6 0.8 1.0"},
		{9.2e9, "0 2000000000 4000000000 6000000000 8000000000 10000000000"},
	} {
		ticks := linearTicks(c.max, 5)
		step := ticks[1] - ticks[0]
		var got []string
		for _, v := range ticks {
			got = append(got, formatNumber(v, step))
		}
		if strings.Join(got, " ") != c.want {
			t.Errorf("linearTicks(%v) = %s, want %s", c.max, strings.Join(got, " "), c.want)
		}
	}
}

func TestLogTicks(t *testing.T) {
	for _, c := range []struct {
		lo, hi float64
		want   string
	}{
		{0.4, 660, "0.1 1 10 100 1000"},
		{0.3, 40, "0.1 0.2 0.5 1 2 5 10 20 50 100"},
		{1e-9, 9.2e9, "0.000000001 0.00001 0.1 1000 10000000 100000000000"},
	} {
		var got []string
		for _, v := range logTicks(c.lo, c.hi) {
			got = append(got, formatLogTick(v))
		}
		if strings.Join(got, " ") != c.want {
			t.Errorf("logTicks(%v, %v) = %s, want %s", c.lo, c.hi, strings.Join(got, " "), c.want)
		}
	}
}

func TestTimeTicks(t *testing.T) {
	at := func(h, m int) time.Time { return time.Date(2026, 3, 1, h, m, 0, 0, time.UTC) }
	for _, c := range []struct {
		from, to time.Time
		want     string
	}{
		{at(0, 0), at(24, 0), "00:00 06:00 12:00 18:00 00:00"},
		{at(9, 10), at(11, 0), "09:30 10:00 10:30 11:00"},
		{at(10, 0), at(10, 3), "10:00:00 10:00:30 10:01:00 10:01:30 10:02:00 10:02:30 10:03:00"},
		{at(0, 0), at(24*30, 0), "Mar 2 Mar 9 Mar 16 Mar 23 Mar 30"},
		{at(0, 0), at(24*7, 0), "Mar 2 Mar 4 Mar 6 Mar 8"},
		{at(0, 0), at(24*800, 0), "Aug 2026 Feb 2027 Aug 2027 Jan 2028"},
	} {
		var got []string
		for _, tk := range timeTicks(timeScale{From: c.from, To: c.to, Left: 0, Right: 100}, 6) {
			got = append(got, tk.Label)
			if p, _ := strconv.ParseFloat(tk.Pos, 64); p < 0 || p > 100 {
				t.Errorf("tick %s at %v, outside the axis", tk.Label, p)
			}
		}
		if strings.Join(got, " ") != c.want {
			t.Errorf("%v–%v ticks = %q, want %q", c.from, c.to, strings.Join(got, " "), c.want)
		}
	}
}

func TestPercentNeverRoundsAProblemAway(t *testing.T) {
	for share, want := range map[float64]string{0: "0%", 1: "100%", 0.001: "<1%", 0.999: ">99%", 0.41: "41%", 0.805: "81%"} {
		if got := percent(share); got != want {
			t.Errorf("percent(%v) = %q, want %q", share, got, want)
		}
	}
}

// luminance is the relative luminance of an #rrggbb colour (WCAG 2.2).
func luminance(hex string) float64 {
	var c [3]float64
	for i := range c {
		v, _ := strconv.ParseUint(hex[1+2*i:3+2*i], 16, 8)
		s := float64(v) / 255
		if s <= 0.04045 {
			c[i] = s / 12.92
		} else {
			c[i] = math.Pow((s+0.055)/1.055, 2.4)
		}
	}
	return 0.2126*c[0] + 0.7152*c[1] + 0.0722*c[2]
}

func contrastOnWhite(hex string) float64 {
	return 1.05 / (luminance(hex) + 0.05)
}

// TestColoursContrastWithWhite checks text at 4.5:1 (SC 1.4.3) and marks
// at 3:1 (SC 1.4.11) against the page's white.
func TestColoursContrastWithWhite(t *testing.T) {
	for name, c := range map[string]string{"text": colourText, "axis text": colourMuted} {
		if r := contrastOnWhite(c); r < 4.5 {
			t.Errorf("%s %s has contrast %.2f:1, want 4.5:1", name, c, r)
		}
	}
	for name, c := range map[string]string{
		"inbox": colourInbox, "junk": colourJunk, "other": colourOther, "missing": colourMissing,
		"p50": colourP50, "p90": colourP90, "p99": colourP99, "bar": colourBar,
	} {
		if r := contrastOnWhite(c); r < 3 {
			t.Errorf("%s %s has contrast %.2f:1, want 3:1", name, c, r)
		}
	}
}
