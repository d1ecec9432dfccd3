package ui

import (
	"context"
	"time"
)

// Retention says how long the site keeps what it stores for itself; zero
// fields take the defaults.
type Retention struct {
	// Wizard sessions, from their last step; default 30 days (the agent
	// console says so when a reference is not found).
	Wizard time.Duration
	// Reports of the agent console; default a year.
	Reports time.Duration
	// RateBuckets untouched this long are full again and are dropped;
	// default a day.
	RateBuckets time.Duration
	// Raw returned messages (they can hold a user's data) are dropped
	// after this, their classification kept; default 30 days, as
	// `codeprobe sink --retention`.
	Raw time.Duration
	// Codes: code sessions idle this long are deleted with their codes
	// and attempts; default 7 days, as `codeprobe sink --code-retention`.
	Codes time.Duration
}

func (r Retention) withDefaults() Retention {
	if r.Wizard <= 0 {
		r.Wizard = 30 * 24 * time.Hour
	}
	if r.Reports <= 0 {
		r.Reports = 365 * 24 * time.Hour
	}
	if r.RateBuckets <= 0 {
		r.RateBuckets = 24 * time.Hour
	}
	if r.Raw <= 0 {
		r.Raw = 30 * 24 * time.Hour
	}
	if r.Codes <= 0 {
		r.Codes = 7 * 24 * time.Hour
	}
	return r
}

// Maintain prunes expired login sessions, old wizard sessions, reports,
// rate buckets, raw returned messages and code sessions at once and then
// every interval, until ctx ends.
// Failures are logged and retried at the next round.
func (s *Server) Maintain(ctx context.Context, every time.Duration, keep Retention, now func() time.Time) {
	keep = keep.withDefaults()
	if now == nil {
		now = time.Now
	}
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		s.maintainOnce(ctx, keep, now())
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

func (s *Server) maintainOnce(ctx context.Context, keep Retention, now time.Time) {
	log := s.log()
	if n, err := s.Auth.Prune(ctx); err != nil {
		log.Warn("pruning login sessions", "err", err)
	} else if n > 0 {
		log.Info("pruned login sessions", "count", n)
	}
	if n, err := s.Store.PruneWizardSessions(ctx, now.Add(-keep.Wizard)); err != nil {
		log.Warn("pruning wizard sessions", "err", err)
	} else if n > 0 {
		log.Info("pruned wizard sessions", "count", n)
	}
	if n, err := s.Store.PruneReports(ctx, now.Add(-keep.Reports)); err != nil {
		log.Warn("pruning reports", "err", err)
	} else if n > 0 {
		log.Info("pruned reports", "count", n)
	}
	if _, err := s.Limits.Prune(ctx, keep.RateBuckets); err != nil {
		log.Warn("pruning rate buckets", "err", err)
	}
	if n, err := s.Store.PurgeRaw(ctx, now.Add(-keep.Raw)); err != nil {
		log.Warn("purging raw returned messages", "err", err)
	} else if n > 0 {
		log.Info("purged raw returned messages", "count", n)
	}
	if n, err := s.Store.PruneCodeSessions(ctx, now.Add(-keep.Codes)); err != nil {
		log.Warn("pruning code sessions", "err", err)
	} else if n > 0 {
		log.Info("pruned code sessions", "count", n)
	}
}
