package ratelimit

// CacheLen is the number of buckets the Limiter holds in memory.
func (l *Limiter) CacheLen() int { return l.cacheLen() }
