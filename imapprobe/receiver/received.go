package receiver

import (
	"net/mail"
	"strings"
	"time"
)

// dateLayouts are the date forms MTAs write that net/mail.ParseDate does
// not accept, tried after white space is collapsed and comments and a
// weekday are taken off.
var dateLayouts = []string{
	"2 Jan 2006 15:04:05 -0700",
	"2 Jan 2006 15:04:05 MST",
	"2 Jan 2006 15:04 -0700",
	"2 Jan 06 15:04:05 -0700",
	"Jan 2 15:04:05 2006",       // ctime, as some MTAs write it
	"Jan 2 15:04:05 2006 -0700", // ctime with a zone
	"Jan 2 15:04:05 MST 2006",   // date(1)
	"2006-01-02T15:04:05Z07:00", // RFC 3339
	"2006-01-02 15:04:05 -0700", // ISO-like
	"2 Jan 2006 15:04:05.999 -0700",
}

// latency fills View.Latency from the Received fields (RFC 5322 §3.6.7),
// topmost (newest) first.
func (d *decoder) latency() {
	l := &d.view.Latency
	bad := 0
	var example string
	for _, f := range d.all("received") {
		l.Hops++
		t, ok := receivedDate(f.value)
		if !ok {
			if bad == 0 {
				example = f.value[strings.LastIndexByte(f.value, ';')+1:]
			}
			bad++
			continue
		}
		if l.LastHop.IsZero() {
			l.LastHop = t
		}
		l.FirstHop = t
	}
	if bad > 0 {
		d.problem("%d Received field(s) have no readable date after their last ';', such as %q", bad, clean(example, 60))
	}
	if d.opts.Sent.IsZero() || l.FirstHop.IsZero() {
		return
	}
	l.ToFirstHop = l.FirstHop.Sub(d.opts.Sent)
	l.ToLastHop = l.LastHop.Sub(d.opts.Sent)
	for _, s := range []struct {
		name string
		d    time.Duration
	}{{"first", l.ToFirstHop}, {"last", l.ToLastHop}} {
		if s.d < -skewLimit {
			d.problem("the %s hop is dated %s before our send: the clocks disagree", s.name, (-s.d).Round(time.Second))
		}
	}
	if l.LastHop.Before(l.FirstHop.Add(-skewLimit)) {
		d.problem("the newest Received field is dated %s before the oldest: the hops' clocks disagree", l.FirstHop.Sub(l.LastHop).Round(time.Second))
	}
}

// receivedDate reads the date-time after the last ';' of a Received
// field (RFC 5322 §3.6.7).
func receivedDate(v string) (time.Time, bool) {
	i := strings.LastIndexByte(v, ';')
	if i < 0 {
		return time.Time{}, false
	}
	return parseDate(v[i+1:])
}

// parseDate reads a date with net/mail.ParseDate (RFC 5322 §3.3 and its
// obsolete forms), then with the variants MTAs write.
func parseDate(s string) (time.Time, bool) {
	s = strings.TrimSpace(s)
	if s == "" || len(s) > 200 {
		return time.Time{}, false
	}
	if t, err := mail.ParseDate(s); err == nil {
		return t, true
	}
	s = normaliseDate(s)
	for _, layout := range dateLayouts {
		if t, err := time.Parse(layout, s); err == nil {
			return t, true
		}
	}
	return time.Time{}, false
}

// normaliseDate takes comments, commas and a weekday off a date and
// collapses white space.
func normaliseDate(s string) string {
	var b strings.Builder
	depth := 0
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c == '(':
			depth++
		case c == ')' && depth > 0:
			depth--
		case depth > 0:
		case c == ',':
			b.WriteByte(' ')
		default:
			b.WriteByte(c)
		}
	}
	f := strings.Fields(b.String())
	if len(f) > 0 && len(f[0]) >= 3 && isWeekday(f[0]) {
		f = f[1:]
	}
	return strings.Join(f, " ")
}

// isWeekday reports whether w names a day of the week in English.
func isWeekday(w string) bool {
	w = strings.ToLower(w)
	for _, d := range []string{"monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"} {
		if strings.HasPrefix(d, w) {
			return true
		}
	}
	return false
}
