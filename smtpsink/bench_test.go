package smtpsink

import (
	"fmt"
	"os/exec"
	"slices"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/codeprobe/codeprobe/internal/testenv"
)

// benchMinMessages is the fewest messages one benchmark run sends, so
// that the rates mean something even with -benchtime=1x.
const benchMinMessages = 2000

// BenchmarkSMTPSource drives the sink with Postfix's smtp-source load
// generator over loopback, against a real SQLite store, with the real
// classifier running, and reports durable messages per second (each
// acknowledged with 250 only once stored) and the time from the end of
// a message to its 250, measured in the server (p50, p99).
func BenchmarkSMTPSource(b *testing.B) {
	bin := testenv.Binary(b, "smtp-source")
	for _, size := range []int{2 << 10, 50 << 10} {
		for _, sessions := range []int{1, 10, 50} {
			b.Run(fmt.Sprintf("size=%dKB/sessions=%d", size>>10, sessions), func(b *testing.B) {
				benchSMTPSource(b, bin, size, sessions)
			})
		}
	}
}

func benchSMTPSource(b *testing.B, bin string, size, sessions int) {
	var (
		mu        sync.Mutex
		latencies []time.Duration
		failed    int
	)
	_, addr := startSink(b, Options{
		MaxConnsPerIP: sessions + 10,
		MaxConns:      sessions + 10,
		OnAck: func(a Ack) {
			mu.Lock()
			defer mu.Unlock()
			if a.Err != nil {
				failed++
				return
			}
			latencies = append(latencies, a.Latency)
		},
	})
	n := max(b.N, benchMinMessages)
	// -d keeps each session's connection for its next message; the
	// recipient is a bounce address at the sink, as a real return's is.
	cmd := exec.Command(bin, "-4", "-d",
		"-s", strconv.Itoa(sessions), "-m", strconv.Itoa(n), "-l", strconv.Itoa(size),
		"-f", "", "-t", bounceAddr(tok), "-M", "smtp-source.test", "inet:"+addr)
	b.ResetTimer()
	start := time.Now()
	out, err := cmd.CombinedOutput()
	elapsed := time.Since(start)
	b.StopTimer()
	if err != nil {
		b.Fatalf("smtp-source: %v\n%s", err, out)
	}
	mu.Lock()
	defer mu.Unlock()
	if len(latencies) != n || failed != 0 {
		b.Fatalf("%d messages acknowledged (%d replies failed), want %d\n%s", len(latencies), failed, n, out)
	}
	slices.Sort(latencies)
	pct := func(p float64) float64 {
		return float64(latencies[int(p*float64(len(latencies)-1))].Microseconds()) / 1000
	}
	b.ReportMetric(float64(elapsed.Nanoseconds())/float64(n), "ns/op")
	b.ReportMetric(float64(n)/elapsed.Seconds(), "msgs/s")
	b.ReportMetric(pct(0.50), "p50-ms")
	b.ReportMetric(pct(0.99), "p99-ms")
}
