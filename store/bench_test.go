package store_test

import (
	"context"
	"fmt"
	"net/netip"
	"path/filepath"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/codeprobe/codeprobe/store"
)

// BenchmarkPutReturn measures what the SMTP sink can acknowledge: durable
// PutReturn calls from 1, 10 and 50 goroutines (sessions), each storing
// one message of 2 KB or 50 KB on disk. It reports msgs/s (durable
// messages per second) and the p99 latency of one call; the sink needs at
// least 1,900 msgs/s of 2 KB from 10 sessions.
func BenchmarkPutReturn(b *testing.B) {
	for _, size := range []int{2 << 10, 50 << 10} {
		for _, goroutines := range []int{1, 10, 50} {
			b.Run(fmt.Sprintf("size=%dKB/goroutines=%d", size>>10, goroutines), func(b *testing.B) {
				benchPutReturn(b, size, goroutines)
			})
		}
	}
}

func benchPutReturn(b *testing.B, size, goroutines int) {
	st, err := store.OpenSQLite(filepath.Join(b.TempDir(), "bench.db"), nil)
	if err != nil {
		b.Fatal(err)
	}
	defer st.Close()
	raw := make([]byte, size)
	for i := range raw {
		raw[i] = byte('a' + i%26)
	}
	ctx := context.Background()
	latencies := make([]time.Duration, b.N)
	var next atomic.Int64
	var failed atomic.Value
	b.SetBytes(int64(size))
	b.ResetTimer()
	start := time.Now()
	var wg sync.WaitGroup
	for range goroutines {
		wg.Go(func() {
			for {
				i := next.Add(1) - 1
				if i >= int64(b.N) {
					return
				}
				t0 := time.Now()
				_, err := st.PutReturn(ctx, &store.Return{
					MailFrom:   "mailer-daemon@mx.example.net",
					Recipients: []string{"bounce+abcdefghij234567abcd@sink.example.org"},
					RemoteIP:   netip.MustParseAddr("192.0.2.25"),
					HELO:       "mx.example.net",
					Raw:        raw,
					Token:      "abcdefghij234567abcd",
				})
				latencies[i] = time.Since(t0)
				if err != nil {
					failed.Store(err)
					return
				}
			}
		})
	}
	wg.Wait()
	elapsed := time.Since(start)
	b.StopTimer()
	if err, ok := failed.Load().(error); ok {
		b.Fatal(err)
	}
	slices.Sort(latencies)
	p99 := latencies[len(latencies)*99/100]
	b.ReportMetric(float64(b.N)/elapsed.Seconds(), "msgs/s")
	b.ReportMetric(float64(p99.Microseconds())/1000, "p99-ms")
}
