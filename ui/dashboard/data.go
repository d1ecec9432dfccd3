package dashboard

import (
	"cmp"
	"context"
	"slices"
	"sort"
	"time"

	"github.com/codeprobe/codeprobe/rules"
	"github.com/codeprobe/codeprobe/store"
	"github.com/codeprobe/codeprobe/ui/charts"
)

// maxPlacementsRead bounds how many placements one dashboard reads (pages
// of store.MaxLimit): enough for 30 days of 20 seeds every 15 minutes.
const maxPlacementsRead = 60000

// ProviderStats is one mailbox provider's placement over the period.
type ProviderStats struct {
	ID      string `json:"id"`
	Name    string `json:"name"`
	Sent    int    `json:"sent"`
	Inbox   int    `json:"inbox"`
	Junk    int    `json:"junk"`
	Other   int    `json:"other"`
	Missing int    `json:"missing"`
	Errors  int    `json:"errors"`
	// InboxRate is Inbox over the placements that were not errors; -1 when
	// there are none.
	InboxRate float64 `json:"inbox_rate"`
	// Alert: InboxRate is below the alert threshold.
	Alert bool `json:"alert"`
	// P50, P90 and P99 are the delivery latencies of the codes found.
	P50 time.Duration `json:"p50_ns"`
	P90 time.Duration `json:"p90_ns"`
	P99 time.Duration `json:"p99_ns"`
	// SPF, DKIM and DMARC count the receiver's verdicts ("pass", "fail",
	// "none"…) in the Authentication-Results of the codes found.
	SPF   map[string]int `json:"spf"`
	DKIM  map[string]int `json:"dkim"`
	DMARC map[string]int `json:"dmarc"`

	Placement charts.PlacementSeries `json:"-"`
	Latency   charts.LatencySeries   `json:"-"`
}

// Data is everything the dashboard shows for a period.
type Data struct {
	Since      time.Time        `json:"since"`
	Until      time.Time        `json:"until"`
	AlertBelow float64          `json:"alert_below"`
	Providers  []*ProviderStats `json:"providers"`
	// Truncated: the period held more placements than one dashboard reads;
	// the oldest are left out.
	Truncated bool `json:"truncated,omitempty"`
	// Bounces and Challenges count the returns of the period by reason
	// and by reporting system.
	Bounces    map[string]int `json:"bounces_by_reason"`
	Challenges map[string]int `json:"challenges_by_system"`
	// ReturnsTruncated: the period had more returns than one dashboard
	// reads (store.MaxLimit); the counts are of the newest.
	ReturnsTruncated bool `json:"returns_truncated,omitempty"`
	// Recent are the latest bounces and challenges, newest first.
	Recent []*store.Return `json:"-"`
}

// PlacementSource is what the dashboard reads: *store.SQLite.
type PlacementSource interface {
	Placements(ctx context.Context, f store.PlacementFilter) ([]*store.Placement, error)
	ReturnsSince(ctx context.Context, since time.Time, limit int) ([]*store.Return, error)
}

// readPlacements pages back through the period's placements.
func readPlacements(ctx context.Context, src PlacementSource, since, until time.Time) ([]*store.Placement, bool, error) {
	var out []*store.Placement
	seen := map[int64]bool{}
	for len(out) < maxPlacementsRead {
		page, err := src.Placements(ctx, store.PlacementFilter{Since: since, Until: until, Limit: store.MaxLimit})
		if err != nil {
			return nil, false, err
		}
		added := 0
		for _, p := range page {
			if !seen[p.ID] {
				seen[p.ID] = true
				out = append(out, p)
				added++
			}
		}
		if len(page) < store.MaxLimit {
			return out, false, nil
		}
		if added == 0 {
			// More than a page of placements share one microsecond: no
			// later page can be told apart. Say the figures are partial.
			return out, true, nil
		}
		// The next page ends with the oldest instant seen: placements of
		// that microsecond beyond this page come then, and the ones seen
		// again are skipped by ID.
		until = page[len(page)-1].SentAt.Add(time.Microsecond)
	}
	return out, true, nil
}

// Build gathers the period's data, in buckets of width for the charts.
func Build(ctx context.Context, src PlacementSource, since, until time.Time, width time.Duration, alertBelow float64) (*Data, error) {
	d := &Data{Since: since, Until: until, AlertBelow: alertBelow, Bounces: map[string]int{}, Challenges: map[string]int{}}
	ps, truncated, err := readPlacements(ctx, src, since, until)
	if err != nil {
		return nil, err
	}
	d.Truncated = truncated
	byProvider := map[string][]*store.Placement{}
	for _, p := range ps {
		byProvider[p.Provider] = append(byProvider[p.Provider], p)
	}
	for id, list := range byProvider {
		d.Providers = append(d.Providers, providerStats(id, list, since, width, alertBelow))
	}
	slices.SortFunc(d.Providers, func(a, b *ProviderStats) int { return cmp.Compare(a.Name, b.Name) })
	rets, err := src.ReturnsSince(ctx, since, store.MaxLimit)
	if err != nil {
		return nil, err
	}
	d.ReturnsTruncated = len(rets) == store.MaxLimit
	for _, r := range rets {
		c := r.Classification
		switch c.Kind {
		case "bounce":
			d.Bounces[cmp.Or(c.Reason, "undetermined")]++
		case "challenge":
			d.Challenges[cmp.Or(c.System, "unknown system")]++
		default:
			continue
		}
		if len(d.Recent) < 20 {
			d.Recent = append(d.Recent, r)
		}
	}
	return d, nil
}

func providerName(id string) string {
	if p, ok := rules.ProviderByID(id); ok {
		return p.Name
	}
	if id == "" {
		return "Unknown provider"
	}
	return id
}

func providerStats(id string, ps []*store.Placement, since time.Time, width time.Duration, alertBelow float64) *ProviderStats {
	s := &ProviderStats{ID: id, Name: providerName(id), SPF: map[string]int{}, DKIM: map[string]int{}, DMARC: map[string]int{}}
	buckets := map[time.Time]*charts.PlacementBucket{}
	lat := map[time.Time][]time.Duration{}
	var all []time.Duration
	for _, p := range ps {
		start := since.Add(p.SentAt.Sub(since).Truncate(width))
		b := buckets[start]
		if b == nil {
			b = &charts.PlacementBucket{Start: start}
			buckets[start] = b
		}
		s.Sent++
		switch p.Kind {
		case store.PlacementInbox:
			s.Inbox++
			b.Inbox++
		case store.PlacementJunk:
			s.Junk++
			b.Junk++
		case store.PlacementOther:
			s.Other++
			b.Other++
		case store.PlacementMissing:
			s.Missing++
			b.Missing++
		default:
			s.Errors++
		}
		if l, ok := p.Latency(); ok {
			lat[start] = append(lat[start], l)
			all = append(all, l)
		}
		if p.Kind.Found() {
			count(s.SPF, p.SPF)
			count(s.DKIM, p.DKIM)
			count(s.DMARC, p.DMARC)
		}
	}
	s.InboxRate = -1
	if n := s.Sent - s.Errors; n > 0 {
		s.InboxRate = float64(s.Inbox) / float64(n)
		s.Alert = alertBelow > 0 && s.InboxRate < alertBelow
	}
	s.P50, s.P90, s.P99 = percentile(all, 50), percentile(all, 90), percentile(all, 99)
	chartID := "provider-" + cmp.Or(id, "unknown")
	s.Placement = charts.PlacementSeries{ID: chartID + "-placement", Provider: s.Name, BucketWidth: width,
		AlertInboxPercent: alertBelow * 100}
	for _, b := range buckets {
		s.Placement.Buckets = append(s.Placement.Buckets, *b)
	}
	s.Latency = charts.LatencySeries{ID: chartID + "-latency", Provider: s.Name, BucketWidth: width}
	for start, ls := range lat {
		s.Latency.Buckets = append(s.Latency.Buckets, charts.LatencyBucket{Start: start,
			P50: percentile(ls, 50), P90: percentile(ls, 90), P99: percentile(ls, 99)})
	}
	return s
}

func count(m map[string]int, verdict string) {
	if verdict == "" {
		verdict = "unknown"
	}
	m[verdict]++
}

// percentile is the nearest-rank percentile of ds; 0 for none.
func percentile(ds []time.Duration, p int) time.Duration {
	if len(ds) == 0 {
		return 0
	}
	s := slices.Clone(ds)
	sort.Slice(s, func(i, j int) bool { return s[i] < s[j] })
	rank := (p*len(s) + 99) / 100
	return s[max(rank, 1)-1]
}
