package ratelimit_test

import (
	"strconv"
	"sync/atomic"
	"testing"
	"time"

	"github.com/codeprobe/codeprobe/ratelimit"
)

// BenchmarkAllow measures one decision on one bucket against a SQLite
// file and an in-memory SQLite database (no fsync): refused from the
// cache (no store access), granted on a cached bucket (a read and a
// write) and granted on a cold bucket (the same, plus a cache insertion).
func BenchmarkAllow(b *testing.B) {
	for _, db := range []string{"file", "memory"} {
		b.Run(db, func(b *testing.B) { benchmarkAllow(b, db) })
	}
}

func benchmarkAllow(b *testing.B, db string) {
	fast := ratelimit.Limit{Name: "fast", Every: time.Millisecond, Burst: 1}
	// For "fast", the clock moves a millisecond per call, so each call
	// finds a token; the refused case's clock stands still.
	var ms atomic.Int64
	ticking := func() time.Time { return t0.Add(time.Duration(ms.Add(1)) * time.Millisecond) }
	newL := func(b *testing.B, now func() time.Time, limits ...ratelimit.Limit) *ratelimit.Limiter {
		path := dbPath(b)
		if db == "memory" {
			path = ":memory:"
		}
		l, err := ratelimit.New(openStore(b, path), limits, &ratelimit.Options{Now: now, CacheSize: 1000})
		if err != nil {
			b.Fatal(err)
		}
		return l
	}

	b.Run("cached-refused", func(b *testing.B) {
		l := newL(b, newClock().Now, addressLimit)
		mustAllow(b, l, annKey)
		mustAllow(b, l, annKey)
		for b.Loop() {
			if mustAllow(b, l, annKey).OK {
				b.Fatal("allowed")
			}
		}
	})
	b.Run("cached-granted", func(b *testing.B) {
		l := newL(b, ticking, fast)
		k := ratelimit.Key{Limit: "fast", Subject: "ann@example.com"}
		for b.Loop() {
			if !mustAllow(b, l, k).OK {
				b.Fatal("refused")
			}
		}
	})
	b.Run("cold-granted", func(b *testing.B) {
		l := newL(b, ticking, fast)
		i := 0
		for b.Loop() {
			i++
			if !mustAllow(b, l, ratelimit.Key{Limit: "fast", Subject: strconv.Itoa(i)}).OK {
				b.Fatal("refused")
			}
		}
	})
}
