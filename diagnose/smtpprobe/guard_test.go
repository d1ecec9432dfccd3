package smtpprobe

import (
	"context"
	"errors"
	"net"
	"net/netip"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/codeprobe/codeprobe/diagnose/netguard"
)

// recordingDialer records every address it is asked for and never
// connects anywhere.
type recordingDialer struct {
	mu    sync.Mutex
	addrs []string
}

var errNotDialled = errors.New("recording dialer: not connecting")

func (d *recordingDialer) DialContext(_ context.Context, network, address string) (net.Conn, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.addrs = append(d.addrs, network+" "+address)
	return nil, errNotDialled
}

func (d *recordingDialer) calls() []string {
	d.mu.Lock()
	defer d.mu.Unlock()
	return append([]string(nil), d.addrs...)
}

// TestProbeAddressPolicy: an MX record is attacker-controlled, so the
// prober must never dial a loopback, private, link-local or unique-local
// address unless --allow-private says so.
func TestProbeAddressPolicy(t *testing.T) {
	ips := []struct{ ip, dialled string }{
		{"127.0.0.1", "tcp 127.0.0.1:2525"},
		{"10.1.2.3", "tcp 10.1.2.3:2525"},
		{"169.254.169.254", "tcp 169.254.169.254:2525"},
		{"::1", "tcp [::1]:2525"},
		{"192.168.1.1", "tcp 192.168.1.1:2525"},
		{"fc00::1", "tcp [fc00::1]:2525"},
		{"::ffff:10.0.0.1", "tcp [::ffff:10.0.0.1]:2525"},
	}
	for _, tc := range ips {
		ip := netip.MustParseAddr(tc.ip)
		t.Run(tc.ip+"/refused", func(t *testing.T) {
			rec := &recordingDialer{}
			opts := Options{Dialer: &netguard.Guard{Dialer: rec}, Port: 2525, RCPT: "ann@example.test", StepTimeout: time.Second}
			res := Probe(context.Background(), testHost, ip, opts)
			if res.Outcome != OutcomeForbidden || res.Stage != StageConnect || !errors.Is(res.Err, netguard.ErrForbidden) {
				t.Errorf("outcome %s at %s, err %v: want forbidden at connect", res.Outcome, res.Stage, res.Err)
			}
			if calls := rec.calls(); len(calls) != 0 {
				t.Errorf("dialer was called with %q", calls)
			}
			if !hasLine(res, DirNote, "refusing to connect to "+tc.ip) {
				t.Errorf("transcript does not say why:\n%s", res.TranscriptText())
			}
		})
		t.Run(tc.ip+"/allowed", func(t *testing.T) {
			rec := &recordingDialer{}
			opts := Options{Dialer: &netguard.Guard{Dialer: rec, AllowPrivate: true}, Port: 2525, StepTimeout: time.Second}
			res := Probe(context.Background(), testHost, ip, opts)
			if res.Outcome != OutcomeUnreachable || !errors.Is(res.Err, ErrUnreachable) || !errors.Is(res.Err, errNotDialled) {
				t.Errorf("outcome %s, err %v: want unreachable from the recording dialer", res.Outcome, res.Err)
			}
			if calls := rec.calls(); !slices.Equal(calls, []string{tc.dialled}) {
				t.Errorf("dialer called with %q, want %q", calls, tc.dialled)
			}
		})
	}
}

// TestProbeUnreachable: nothing listens on the port.
func TestProbeUnreachable(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := netip.MustParseAddrPort(l.Addr().String())
	l.Close()
	res := probe(t, addr, testOptions(addr, nil))
	if res.Outcome != OutcomeUnreachable || res.Stage != StageConnect || !errors.Is(res.Err, ErrUnreachable) {
		t.Errorf("outcome %s at %s, err %v: want unreachable at connect", res.Outcome, res.Stage, res.Err)
	}
}

// blackholeDialer never completes a connection until its context ends.
type blackholeDialer struct{}

func (blackholeDialer) DialContext(ctx context.Context, _, _ string) (net.Conn, error) {
	<-ctx.Done()
	return nil, ctx.Err()
}

func TestProbeConnectTimeout(t *testing.T) {
	opts := Options{Dialer: blackholeDialer{}, StepTimeout: 150 * time.Millisecond}
	res := Probe(context.Background(), testHost, netip.MustParseAddr("192.0.2.1"), opts)
	if res.Outcome != OutcomeUnreachable || res.Port != DefaultPort || res.Duration > 3*time.Second {
		t.Errorf("outcome %s, port %d after %s: want unreachable on port 25 after the step timeout",
			res.Outcome, res.Port, res.Duration)
	}
	if res.Err == nil || !errors.Is(res.Err, ErrUnreachable) {
		t.Errorf("err %v", res.Err)
	}
}
