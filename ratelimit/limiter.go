package ratelimit

import (
	"container/list"
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/codeprobe/codeprobe/store"
	"golang.org/x/time/rate"
)

// DefaultCacheSize is the number of buckets a [Limiter] keeps in memory
// unless [Options.CacheSize] says otherwise: a few megabytes.
const DefaultCacheSize = 10000

// Options configure [New]. A nil *Options, and any zero field, means the
// default.
type Options struct {
	// Now is the clock. Default time.Now.
	Now func() time.Time
	// CacheSize is the most buckets kept in memory; the least recently
	// used one is dropped first. Default [DefaultCacheSize].
	CacheSize int
}

// Limiter decides whether actions may happen under a set of [Limit]s,
// keeping the buckets' state in a [Store]. It is safe for concurrent use.
//
// Buckets are loaded from the store on first use and kept in a cache of
// at most [Options.CacheSize] buckets; when it is full the least recently
// used bucket not being decided on right now is dropped (so the cache may
// briefly hold more while more buckets than that are in use at once). A
// dropped bucket loses nothing: every consumption was written through,
// and the next use loads it again.
//
// Between processes sharing a database the limit holds in this way:
// before granting, a Limiter reads the buckets from the store and keeps
// whichever of its own and the saved state has fewer tokens, and after
// granting it saves all the decision's buckets in one
// [Store.SaveRateBuckets] call. Processes granting the same bucket at the
// same moment may all read the same state; then the last writer wins, and
// with k processes the bucket can allow up to k-1 actions too many, which
// no later read recovers. One process (the usual deployment) is exact. A refusal that the
// cached state already gives costs no store access, so a client hammering
// a closed bucket does not reach the database; its RetryAt is then this
// process's view, which another process's use of another of the keys'
// buckets can only push later.
type Limiter struct {
	st     Store
	now    func() time.Time
	limits map[string]Limit
	size   int

	mu    sync.Mutex
	cache map[string]*entry
	lru   list.List // of *entry, most recently used first
}

// New returns a Limiter for the limits, whose names must be unique (and
// none a prefix of another followed by '/', so that bucket keys never
// collide), keeping its state in st.
func New(st Store, limits []Limit, opts *Options) (*Limiter, error) {
	if st == nil {
		return nil, fmt.Errorf("%w: nil store", ErrInvalid)
	}
	if len(limits) == 0 {
		return nil, fmt.Errorf("%w: no limits", ErrInvalid)
	}
	l := &Limiter{
		st:     st,
		now:    time.Now,
		limits: make(map[string]Limit, len(limits)),
		size:   DefaultCacheSize,
		cache:  make(map[string]*entry),
	}
	if opts != nil && opts.Now != nil {
		l.now = opts.Now
	}
	if opts != nil && opts.CacheSize > 0 {
		l.size = opts.CacheSize
	}
	for _, lim := range limits {
		if err := lim.validate(); err != nil {
			return nil, err
		}
		for name := range l.limits {
			if name == lim.Name || strings.HasPrefix(name, lim.Name+"/") || strings.HasPrefix(lim.Name, name+"/") {
				return nil, fmt.Errorf("%w: limit names %q and %q collide", ErrInvalid, name, lim.Name)
			}
		}
		l.limits[lim.Name] = lim
	}
	return l, nil
}

// Allow takes one token from every bucket of the keys, or none: if any
// bucket lacks a token, nothing is taken and the Decision says which
// limit refused and when all of them would allow. Repeated keys count
// once. At least one key is needed.
//
// When the store cannot load or save the buckets, Allow fails closed: the
// Decision is not OK and the error wraps [ErrStore]. A test send costs the
// sender's reputation with the receiving providers, and a login attempt
// is what the limit protects against, so neither may go unlimited because
// the database is unwell. A failed save takes back the tokens in memory.
func (l *Limiter) Allow(ctx context.Context, keys ...Key) (Decision, error) {
	return l.decide(ctx, keys, true)
}

// Peek answers as [Limiter.Allow] would, without taking any token: the
// wizard shows "you may try again at 10:14" before the user presses send.
// It fails closed, like Allow, when the store cannot load the buckets.
func (l *Limiter) Peek(ctx context.Context, keys ...Key) (Decision, error) {
	return l.decide(ctx, keys, false)
}

// Prune deletes the saved buckets last written more than olderThan ago.
// It never deletes a bucket younger than the longest [Limit.FullAfter] of
// the Limiter's limits (plus a second), because such a bucket may not be
// full yet and deleting it would hand out tokens. The store holds the
// buckets of every Limiter sharing the database, so olderThan must also
// cover the other Limiters' limits; a day is plenty for codeprobe's
// policies. Prune reports how many buckets it deleted.
func (l *Limiter) Prune(ctx context.Context, olderThan time.Duration) (int64, error) {
	floor := time.Second
	for _, lim := range l.limits {
		floor = max(floor, lim.FullAfter()+time.Second)
	}
	n, err := l.st.PruneRateBuckets(ctx, l.now().Add(-max(olderThan, floor)))
	if err != nil {
		return n, fmt.Errorf("%w: pruning buckets: %w", ErrStore, err)
	}
	return n, nil
}

// bucketRef is a resolved [Key].
type bucketRef struct {
	key   string
	limit Limit
}

// resolve turns keys into bucket references in the caller's order,
// dropping repeated buckets.
func (l *Limiter) resolve(keys []Key) ([]bucketRef, error) {
	if len(keys) == 0 {
		return nil, fmt.Errorf("%w: no keys", ErrInvalid)
	}
	refs := make([]bucketRef, 0, len(keys))
next:
	for _, k := range keys {
		lim, ok := l.limits[k.Limit]
		if !ok {
			return nil, fmt.Errorf("%w: %q", ErrUnknownLimit, k.Limit)
		}
		key := k.String()
		for _, r := range refs {
			if r.key == key {
				continue next
			}
		}
		refs = append(refs, bucketRef{key: key, limit: lim})
	}
	return refs, nil
}

// decide is Allow when consume, else Peek.
func (l *Limiter) decide(ctx context.Context, keys []Key, consume bool) (Decision, error) {
	refs, err := l.resolve(keys)
	if err != nil {
		return Decision{At: l.now()}, err
	}
	es := l.acquire(refs)
	defer l.release(es)
	t := l.now()
	if cached(es) {
		if d := decideAt(es, t); !d.OK {
			return d, nil
		}
	}
	if err := l.refresh(ctx, es, t); err != nil {
		return Decision{At: t}, err
	}
	d := decideAt(es, t)
	if !d.OK || !consume {
		return d, nil
	}
	if err := l.consume(ctx, es, t); err != nil {
		return Decision{At: t}, err
	}
	return d, nil
}

// cached reports whether every bucket is in memory.
func cached(es []*entry) bool {
	for _, e := range es {
		if e.lim == nil {
			return false
		}
	}
	return true
}

// refresh reads the buckets from the store: a bucket not in memory takes
// the saved state (or starts full), and one in memory takes the saved
// state when that has fewer tokens, as when another process has used it.
// On error the buckets not yet in memory stay unloaded.
func (l *Limiter) refresh(ctx context.Context, es []*entry, t time.Time) error {
	keys := make([]string, len(es))
	for i, e := range es {
		keys[i] = e.key
	}
	saved, err := l.st.RateBuckets(ctx, keys)
	if err != nil {
		return fmt.Errorf("%w: loading buckets: %w", ErrStore, err)
	}
	for _, e := range es {
		b, ok := saved[e.key]
		switch {
		case e.lim == nil && ok:
			e.lim = restore(e.limit, b.Tokens, b.At)
		case e.lim == nil:
			e.lim = full(e.limit)
		case ok:
			s := restore(e.limit, b.Tokens, b.At)
			if s.TokensAt(t) < e.lim.TokensAt(t)-mergeTolerance {
				e.lim = s
			}
		}
	}
	return nil
}

// decideAt answers for the loaded buckets at t.
func decideAt(es []*entry, t time.Time) Decision {
	d := Decision{OK: true, At: t, RetryAt: t}
	var longest time.Duration
	for _, e := range es {
		w := wait(e.lim, e.limit, t)
		if w > slack && w > longest {
			d.OK, d.Denied, longest = false, e.limit.Name, w
		}
	}
	if !d.OK {
		d.RetryAt = ceilSecond(t.Add(longest - slack))
	}
	return d
}

// consume takes a token from every bucket and saves them all in one
// call; if the save fails the buckets get their tokens back.
func (l *Limiter) consume(ctx context.Context, es []*entry, t time.Time) error {
	before := make([]float64, len(es))
	bs := make([]store.RateBucket, len(es))
	for i, e := range es {
		before[i] = e.lim.TokensAt(t)
		// Never refused: maxFutureReserve is infinite and Burst ≥ 1. The
		// decision was taken by decideAt.
		e.lim.ReserveN(t, 1)
		bs[i] = store.RateBucket{Key: e.key, Tokens: clampTokens(e.lim.TokensAt(t), e.limit), At: t}
	}
	if err := l.st.SaveRateBuckets(ctx, bs); err != nil {
		for i, e := range es {
			e.lim = restore(e.limit, before[i], t)
		}
		return fmt.Errorf("%w: saving buckets: %w", ErrStore, err)
	}
	return nil
}

// entry is one bucket in the cache.
type entry struct {
	key   string
	limit Limit
	pins  int           // decisions using the entry; guarded by Limiter.mu
	elem  *list.Element // in Limiter.lru; guarded by Limiter.mu

	mu  sync.Mutex
	lim *rate.Limiter // guarded by mu; nil until loaded from the store
}

// acquire returns the cache entries of the buckets, in the same order,
// pinned so that they stay in the cache and locked. Locks are taken in
// key order so that concurrent decisions over overlapping keys cannot
// deadlock.
func (l *Limiter) acquire(refs []bucketRef) []*entry {
	es := make([]*entry, len(refs))
	l.mu.Lock()
	for i, r := range refs {
		e := l.cache[r.key]
		if e == nil {
			e = &entry{key: r.key, limit: r.limit}
			e.elem = l.lru.PushFront(e)
			l.cache[r.key] = e
		} else {
			l.lru.MoveToFront(e.elem)
		}
		e.pins++
		es[i] = e
	}
	l.evict()
	l.mu.Unlock()
	byKey := slices.Clone(es)
	slices.SortFunc(byKey, func(a, b *entry) int { return strings.Compare(a.key, b.key) })
	for _, e := range byKey {
		e.mu.Lock()
	}
	return es
}

// release unlocks and unpins the entries acquire returned.
func (l *Limiter) release(es []*entry) {
	for _, e := range es {
		e.mu.Unlock()
	}
	l.mu.Lock()
	for _, e := range es {
		e.pins--
	}
	l.evict()
	l.mu.Unlock()
}

// evict drops the least recently used unpinned entries while the cache
// is over its size. l.mu must be held.
func (l *Limiter) evict() {
	for el := l.lru.Back(); el != nil && len(l.cache) > l.size; {
		prev := el.Prev()
		if e := el.Value.(*entry); e.pins == 0 {
			l.lru.Remove(el)
			delete(l.cache, e.key)
		}
		el = prev
	}
}

// cacheLen is the number of buckets in memory.
func (l *Limiter) cacheLen() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.cache)
}
