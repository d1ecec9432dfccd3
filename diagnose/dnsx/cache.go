package dnsx

import (
	"container/list"
	"errors"
	"sync"
	"time"

	"github.com/miekg/dns"
)

// cache is a bounded cache of answers and failures, evicting the least
// recently used entry when full. Entries are never changed once stored:
// an update replaces the entry, so an entry can be read outside the lock.
type cache struct {
	mu  sync.Mutex
	max int
	ll  *list.List // of *cacheEntry, most recently used first
	m   map[cacheKey]*list.Element
}

type cacheEntry struct {
	key     cacheKey
	answer  *Answer // never handed out: every hit gets a copy
	err     *Error  // a cached failure, when answer is nil
	stored  time.Time
	expires time.Time
}

func newCache(size int) *cache {
	return &cache{max: size, ll: list.New(), m: make(map[cacheKey]*list.Element)}
}

// get returns the live entry for k, dropping it if it has expired.
func (c *cache) get(k cacheKey, now time.Time) (*cacheEntry, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	el, ok := c.m[k]
	if !ok {
		return nil, false
	}
	e := el.Value.(*cacheEntry)
	if !now.Before(e.expires) {
		c.ll.Remove(el)
		delete(c.m, k)
		return nil, false
	}
	c.ll.MoveToFront(el)
	return e, true
}

// put stores e, replacing any entry for its key, and returns how many
// entries were evicted to make room.
func (c *cache) put(e *cacheEntry) int {
	c.mu.Lock()
	defer c.mu.Unlock()
	if el, ok := c.m[e.key]; ok {
		el.Value = e
		c.ll.MoveToFront(el)
		return 0
	}
	c.m[e.key] = c.ll.PushFront(e)
	evicted := 0
	for c.ll.Len() > c.max {
		back := c.ll.Back()
		c.ll.Remove(back)
		delete(c.m, back.Value.(*cacheEntry).key)
		evicted++
	}
	return evicted
}

func (c *cache) len() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.ll.Len()
}

// hit returns a copy of e's answer as seen at now: marked cached, with no
// round trip, the entry's remaining lifetime as TTL and record TTLs
// counted down by the entry's age, as a caching resolver's are.
func (e *cacheEntry) hit(now time.Time) *Answer {
	a := e.answer.clone()
	a.Cached, a.RTT = true, 0
	a.TTL = uint32((e.expires.Sub(now) + time.Second - 1) / time.Second)
	age := uint32(max(0, now.Sub(e.stored)) / time.Second)
	for _, rr := range a.Records {
		h := rr.Header()
		h.Ttl -= min(h.Ttl, age)
	}
	return a
}

// cached returns the cached outcome for key, copied for the caller.
func (r *Resolver) cached(key cacheKey) (*flight, bool) {
	if r.cache == nil {
		return nil, false
	}
	now := r.cfg.Now()
	e, ok := r.cache.get(key, now)
	if !ok {
		return nil, false
	}
	if e.err != nil {
		return &flight{err: cloneErr(e.err)}, true
	}
	return &flight{answer: e.hit(now)}, true
}

// store caches the outcome of a lookup: an answer for its TTL clamped to
// [MinTTL, MaxTTL], a failure that every server answered (cacheable) for
// FailureTTL (RFC 2308 §7.1). Timeouts and malformed replies are not
// cached.
func (r *Resolver) store(key cacheKey, a *Answer, cacheable bool, err error) {
	if r.cache == nil {
		return
	}
	now := r.cfg.Now()
	e := &cacheEntry{key: key, stored: now}
	var life time.Duration
	var de *Error
	switch {
	case err == nil:
		life = min(max(time.Duration(a.TTL)*time.Second, r.cfg.MinTTL), r.cfg.MaxTTL)
		e.answer = a.clone()
	case cacheable && r.cfg.FailureTTL > 0 && errors.As(err, &de):
		life = r.cfg.FailureTTL
		c := *de
		e.err = &c
	}
	if life <= 0 {
		return
	}
	e.expires = now.Add(life)
	r.stats.evictions.Add(int64(r.cache.put(e)))
}

// clone returns a deep copy of a: records are copied, so changing the
// copy's records never changes a's.
func (a *Answer) clone() *Answer {
	if a == nil {
		return nil
	}
	c := *a
	if a.Records != nil {
		c.Records = make([]dns.RR, len(a.Records))
		for i, rr := range a.Records {
			c.Records[i] = dns.Copy(rr)
		}
	}
	return &c
}

// cloneErr copies an *Error so that callers sharing one failure cannot
// change each other's.
func cloneErr(err error) error {
	if e, ok := err.(*Error); ok {
		c := *e
		return &c
	}
	return err
}
