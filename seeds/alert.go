package seeds

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"sort"
	"sync"
	"time"

	"github.com/codeprobe/codeprobe/store"
)

// History gives the latest seed runs of a provider; store.Store
// implements it.
type History interface {
	PlacementRuns(ctx context.Context, provider string, runs int) ([][]*store.Placement, error)
}

// Rate is a provider's placements over its latest runs.
type Rate struct {
	Provider string `json:"provider"`
	Runs     int    `json:"runs"`
	// Counts are the placements by kind (inbox, junk, other, missing,
	// error) over those runs.
	Counts map[string]int `json:"counts"`
	// Inbox is the share of delivered-or-missing placements that were in
	// the inbox, 0 to 1; errors (our side failing) do not count. Known
	// is false when no placement counts.
	Inbox float64 `json:"inbox_rate"`
	Known bool    `json:"known"`
}

// RateOf sums a provider's latest runs.
func RateOf(provider string, runs [][]*store.Placement) Rate {
	r := Rate{Provider: provider, Runs: len(runs), Counts: map[string]int{}}
	n := 0
	for _, run := range runs {
		for _, p := range run {
			r.Counts[string(p.Kind)]++
			if p.Kind != store.PlacementError {
				n++
			}
		}
	}
	if n > 0 {
		r.Inbox, r.Known = float64(r.Counts[string(store.PlacementInbox)])/float64(n), true
	}
	return r
}

// Alert is the JSON body POSTed to the webhook when a provider's inbox
// rate falls below the threshold ("firing") and when it is back above it
// ("resolved").
type Alert struct {
	Status    string    `json:"status"` // firing or resolved
	Provider  string    `json:"provider"`
	Threshold float64   `json:"threshold"`
	Rate      Rate      `json:"rate"`
	At        time.Time `json:"at"`
	Summary   string    `json:"summary"`
}

// Alerter checks inbox rates after each run and tells a webhook when one
// crosses the threshold, once per crossing.
type Alerter struct {
	Webhook string
	// Below is the threshold, 0 to 1; Runs how many latest runs count.
	Below float64
	Runs  int
	// Client posts the alerts; nil means a client with a 10 s timeout.
	Client *http.Client
	Now    func() time.Time

	mu     sync.Mutex
	firing map[string]bool
}

// Check computes each provider's rate and posts the alerts of the
// providers whose state changed; it returns those alerts. A provider seen
// for the first time fires when below and is otherwise silent.
func (a *Alerter) Check(ctx context.Context, h History, providers []string) ([]Alert, error) {
	sort.Strings(providers)
	var out []Alert
	for _, p := range providers {
		runs, err := h.PlacementRuns(ctx, p, a.Runs)
		if err != nil {
			return out, err
		}
		rate := RateOf(p, runs)
		if !rate.Known {
			continue
		}
		below := rate.Inbox < a.Below
		a.mu.Lock()
		was, seen := a.firing[p]
		a.mu.Unlock()
		if below == was && seen || !below && !seen {
			a.setFiring(p, below)
			continue
		}
		al := Alert{Status: map[bool]string{true: "firing", false: "resolved"}[below], Provider: p,
			Threshold: a.Below, Rate: rate, At: a.now()}
		al.Summary = fmt.Sprintf("%s: %d of %d test codes in the inbox over the last %d runs (%.0f%%; alert below %.0f%%)",
			p, rate.Counts["inbox"], total(rate), rate.Runs, 100*rate.Inbox, 100*a.Below)
		if err := a.post(ctx, al); err != nil {
			return out, err // the state is unchanged: the next check tries again
		}
		a.setFiring(p, below)
		out = append(out, al)
	}
	return out, nil
}

func (a *Alerter) setFiring(provider string, below bool) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.firing == nil {
		a.firing = map[string]bool{}
	}
	a.firing[provider] = below
}

func total(r Rate) int {
	n := 0
	for k, v := range r.Counts {
		if k != string(store.PlacementError) {
			n += v
		}
	}
	return n
}

func (a *Alerter) now() time.Time {
	if a.Now != nil {
		return a.Now()
	}
	return time.Now()
}

// post sends one alert; a non-2xx answer is an error.
func (a *Alerter) post(ctx context.Context, al Alert) error {
	if a.Webhook == "" {
		return nil
	}
	body, err := json.Marshal(al)
	if err != nil {
		return err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, a.Webhook, bytes.NewReader(body))
	if err != nil {
		return fmt.Errorf("seeds: alert webhook: %w", err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "codeprobe-seeds")
	c := a.Client
	if c == nil {
		c = &http.Client{Timeout: 10 * time.Second}
	}
	resp, err := c.Do(req)
	if err != nil {
		return fmt.Errorf("seeds: alert webhook: %w", err)
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	if resp.StatusCode/100 != 2 {
		return fmt.Errorf("seeds: alert webhook answered %s", resp.Status)
	}
	return nil
}
