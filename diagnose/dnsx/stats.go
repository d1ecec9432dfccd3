package dnsx

import (
	"errors"
	"sync/atomic"
)

// Stats counts what a [Resolver] has done since it was made. A bulk run
// divides Sent by the number of distinct questions to see how well the
// cache and coalescing worked.
type Stats struct {
	Questions int64 // calls to Query with a valid name
	CacheHits int64 // questions answered from the cache
	Coalesced int64 // questions that waited for an identical one in flight
	Abandoned int64 // questions whose caller stopped waiting (its context ended)
	Lookups   int64 // questions resolved over the network: one per flight
	Sent      int64 // messages sent: every UDP attempt, TCP retry and EDNS fallback
	SentTCP   int64 // of Sent, over TCP
	Evictions int64 // cache entries evicted to stay within CacheSize
	Entries   int   // cache entries held now, expired ones included until touched
	// Outcomes counts how each lookup (not each question) ended.
	Outcomes Outcomes
}

// Outcomes counts lookups by how they ended: answered with a status, or
// failed with a sentinel error.
type Outcomes struct {
	OK, NoData, NXDomain                           int64
	ServFail, Refused, Timeout, Network, Malformed int64
}

type counters struct {
	questions, cacheHits, coalesced, abandoned atomic.Int64
	lookups, sent, sentTCP, evictions          atomic.Int64
	ok, noData, nxDomain                       atomic.Int64
	servFail, refused, timeout, network, bad   atomic.Int64
}

// outcome counts how one lookup ended.
func (c *counters) outcome(a *Answer, err error) {
	switch {
	case err == nil && a.Status == StatusOK:
		c.ok.Add(1)
	case err == nil && a.Status == StatusNoData:
		c.noData.Add(1)
	case err == nil:
		c.nxDomain.Add(1)
	case errors.Is(err, ErrServFail):
		c.servFail.Add(1)
	case errors.Is(err, ErrRefused):
		c.refused.Add(1)
	case errors.Is(err, ErrTimeout):
		c.timeout.Add(1)
	case errors.Is(err, ErrFormat):
		c.bad.Add(1)
	default:
		c.network.Add(1)
	}
}

// Stats returns the resolver's counters. Each counter is read atomically;
// under load they are not a snapshot of one instant.
func (r *Resolver) Stats() Stats {
	c := &r.stats
	s := Stats{
		Questions: c.questions.Load(),
		CacheHits: c.cacheHits.Load(),
		Coalesced: c.coalesced.Load(),
		Abandoned: c.abandoned.Load(),
		Lookups:   c.lookups.Load(),
		Sent:      c.sent.Load(),
		SentTCP:   c.sentTCP.Load(),
		Evictions: c.evictions.Load(),
		Outcomes: Outcomes{
			OK: c.ok.Load(), NoData: c.noData.Load(), NXDomain: c.nxDomain.Load(),
			ServFail: c.servFail.Load(), Refused: c.refused.Load(), Timeout: c.timeout.Load(),
			Network: c.network.Load(), Malformed: c.bad.Load(),
		},
	}
	if r.cache != nil {
		s.Entries = r.cache.len()
	}
	return s
}
