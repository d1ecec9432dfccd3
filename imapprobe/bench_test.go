package imapprobe

import (
	"context"
	"fmt"
	"net"
	"sync/atomic"
	"testing"
	"time"

	"github.com/codeprobe/codeprobe/diagnose/netguard"
	"github.com/codeprobe/codeprobe/rules"
)

// countingDialer dials loopback and counts the bytes read from every
// connection it made.
type countingDialer struct{ read atomic.Int64 }

func (d *countingDialer) DialContext(ctx context.Context, network, addr string) (net.Conn, error) {
	var nd net.Dialer
	c, err := nd.DialContext(ctx, network, addr)
	if err != nil {
		return nil, err
	}
	return &countingConn{Conn: c, n: &d.read}, nil
}

type countingConn struct {
	net.Conn
	n *atomic.Int64
}

func (c *countingConn) Read(p []byte) (int, error) {
	n, err := c.Conn.Read(p)
	c.n.Add(int64(n))
	return n, err
}

// BenchmarkFind finds one test message among N others in the inbox of a
// logged-in session (in-memory server), reporting the bytes read per
// search: SEARCH is server-side and only the match's header is fetched,
// so they do not grow with N.
func BenchmarkFind(b *testing.B) {
	for _, n := range []int{1000, 10000} {
		b.Run(fmt.Sprintf("messages=%d", n), func(b *testing.B) {
			srv := startSeeds(b, 1)
			at := time.Date(2026, 3, 2, 14, 0, 0, 0, time.UTC)
			for i := 0; i < n; i++ {
				if i == n/2 {
					if err := srv.Deliver("u1", "INBOX", message(testToken, "Your code"), at); err != nil {
						b.Fatal(err)
					}
				}
				if err := srv.Deliver("u1", "INBOX", filler(i), at); err != nil {
					b.Fatal(err)
				}
			}
			d := &countingDialer{}
			opts := &Options{Guard: &netguard.Guard{AllowPrivate: true, Dialer: d}, StepTimeout: time.Minute}
			s, err := Dial(context.Background(), account(b, srv, "u1", ""), opts)
			if err != nil {
				b.Fatal(err)
			}
			defer s.Close()
			inbox := []Folder{{Name: "INBOX", Role: rules.RoleInbox}}
			if err := s.examine("INBOX"); err != nil {
				b.Fatal(err)
			}
			b.ResetTimer()
			before := d.read.Load()
			for i := 0; i < b.N; i++ {
				f, err := s.Find(testToken, inbox)
				if err != nil || f == nil {
					b.Fatalf("Find = %v, %v", f, err)
				}
			}
			b.ReportMetric(float64(d.read.Load()-before)/float64(b.N), "bytes-read/find")
		})
	}
}
