package seeds

import (
	"context"
	"errors"
	"slices"
	"time"
)

// Watch runs a seed run at once and then every interval, until ctx ends;
// runs never overlap (a run longer than the interval delays the next).
// After each run the alerter, if any, checks the providers of the list
// against h. onRun, if set, receives each run, and each alert raised;
// the errors of a run (the store failing, a webhook refusing) go to onErr
// and do not stop the watch.
func Watch(ctx context.Context, r *Runner, every time.Duration, a *Alerter, h History,
	onRun func(*Run, []Alert), onErr func(error)) error {
	if every <= 0 {
		return errors.New("seeds: the interval must be positive")
	}
	var providers []string
	for _, s := range r.List.Seeds {
		if s.Provider != "" && !slices.Contains(providers, s.Provider) {
			providers = append(providers, s.Provider)
		}
	}
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		run, err := r.Run(ctx)
		if err != nil && onErr != nil {
			onErr(err)
		}
		var alerts []Alert
		if a != nil && h != nil && ctx.Err() == nil {
			alerts, err = a.Check(ctx, h, providers)
			if err != nil && onErr != nil {
				onErr(err)
			}
		}
		if run != nil && onRun != nil {
			onRun(run, alerts)
		}
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
		}
	}
}
