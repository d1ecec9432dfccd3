package diagnose_test

import (
	"context"
	"slices"
	"testing"

	"github.com/codeprobe/codeprobe/diagnose"
	"github.com/codeprobe/codeprobe/fixtures"
)

// TestPrivateMXNeverDialled: an MX record is attacker-controlled input. One
// pointing at loopback, a private network, the cloud metadata address or
// IPv6 loopback is reported and never dialled — unless --allow-private.
func TestPrivateMXNeverDialled(t *testing.T) {
	w := theWorld(t)
	cases := []struct{ address, target string }{
		{"x@loopback-mx.test", "127.0.0.1:25"},
		{"x@private-mx.test", "10.0.0.25:25"},
		{"x@metadata-mx.test", "169.254.169.254:25"},
		{"x@v6loopback-mx.test", "[::1]:25"},
		{"x@sts-private.test", "10.20.30.40:443"}, // the MTA-STS policy host
	}
	for _, c := range cases {
		t.Run(c.address, func(t *testing.T) {
			rec := &fixtures.RecordingDialer{}
			opts := worldOptions(t, w)
			opts.Dialer = rec
			opts.RCPT = true
			ch, _ := diagnose.New(opts)
			r := ch.Check(context.Background(), c.address)
			if got := rec.Dialled(); slices.Contains(got, c.target) {
				t.Errorf("without --allow-private, %s was dialled: %v", c.target, got)
			}
			if !r.Has("mx.private-address") && !r.Has("mtasts.private-address") {
				t.Errorf("no private-address finding: %+v", r.Findings)
			}

			rec = &fixtures.RecordingDialer{}
			opts.Dialer = rec
			opts.AllowPrivate = true
			ch, _ = diagnose.New(opts)
			ch.Check(context.Background(), c.address)
			if got := rec.Dialled(); !slices.Contains(got, c.target) {
				t.Errorf("with --allow-private, %s was not dialled: %v", c.target, got)
			}
		})
	}
}
