package dnsx

import (
	"context"
	"time"
)

// flight is the outcome of one shared lookup.
type flight struct {
	answer    *Answer
	err       error
	fromCache bool
}

// call is one lookup under way and the callers waiting for it.
type call struct {
	done   chan struct{} // closed when result is set
	result *flight
	shared bool // other callers joined: each must get its own copy
	joined int  // callers besides the first; guarded by Resolver.mu
}

// join returns the lookup under way for key, or starts one and reports
// that this caller leads it. The lookup runs in its own goroutine under a
// context detached from ctx's cancellation but bounded by the resolver's
// own timeouts, so that no one caller's deadline fails the others.
func (r *Resolver) join(ctx context.Context, key cacheKey) (*call, bool) {
	r.mu.Lock()
	if c, ok := r.inflight[key]; ok {
		c.joined++
		r.mu.Unlock()
		return c, false
	}
	c := &call{done: make(chan struct{})}
	r.inflight[key] = c
	r.mu.Unlock()
	go func() {
		f := r.lookup(context.WithoutCancel(ctx), key)
		r.mu.Lock()
		delete(r.inflight, key)
		c.result, c.shared = f, c.joined > 0
		r.mu.Unlock()
		close(c.done)
	}()
	return c, true
}

// lookup resolves key over the network, unless another lookup has just
// cached it, and caches the outcome. It runs once per flight.
func (r *Resolver) lookup(parent context.Context, key cacheKey) *flight {
	// A lookup that finished between this caller's cache miss and the
	// start of this flight has cached its answer: use it.
	if f, ok := r.cached(key); ok {
		f.fromCache = true
		return f
	}
	ctx, cancel := context.WithTimeout(parent, r.budget())
	defer cancel()
	r.stats.lookups.Add(1)
	a, cacheable, err := r.resolve(ctx, key.name, key.qtype)
	r.stats.outcome(a, err)
	r.store(key, a, cacheable, err)
	return &flight{answer: a, err: err}
}

// budget bounds one shared lookup: every attempt at every server timing
// out, plus one TCP retry.
func (r *Resolver) budget() time.Duration {
	return r.cfg.Timeout * time.Duration(r.cfg.Attempts*len(r.servers)+1)
}
