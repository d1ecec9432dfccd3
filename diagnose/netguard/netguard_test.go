package netguard

import (
	"context"
	"errors"
	"net"
	"net/netip"
	"testing"
)

func TestClassify(t *testing.T) {
	for _, c := range []struct {
		ip      string
		special bool
		reason  string
	}{
		{"127.0.0.1", true, "loopback"},
		{"127.255.0.9", true, "loopback"},
		{"10.0.0.25", true, "private (RFC 1918)"},
		{"172.16.5.4", true, "private (RFC 1918)"},
		{"172.32.0.1", false, ""},
		{"192.168.1.1", true, "private (RFC 1918)"},
		{"169.254.169.254", true, "link-local"},
		{"100.64.0.1", true, "shared carrier-grade NAT (RFC 6598)"},
		{"0.0.0.0", true, "\"this network\" (RFC 791)"},
		{"192.0.2.1", true, "documentation (RFC 5737)"},
		{"224.0.0.1", true, "multicast"},
		{"255.255.255.255", true, "reserved (RFC 1112)"},
		{"::1", true, "loopback"},
		{"::", true, "unspecified"},
		{"fe80::1", true, "link-local"},
		{"fc00::1", true, "unique local (RFC 4193)"},
		{"2001:db8::1", true, "documentation (RFC 3849)"},
		{"::ffff:10.0.0.1", true, "private (RFC 1918)"},
		{"::ffff:142.250.153.26", false, ""},
		{"142.250.153.26", false, ""},
		{"2a00:1450:4013:c16::1a", false, ""},
		{"fe80::1%eth0", true, "link-local"},
	} {
		special, reason := Classify(netip.MustParseAddr(c.ip))
		if special != c.special || reason != c.reason {
			t.Errorf("Classify(%s) = %v, %q; want %v, %q", c.ip, special, reason, c.special, c.reason)
		}
	}
	if special, _ := Classify(netip.Addr{}); !special {
		t.Error("the zero Addr is not special")
	}
}

// recorder records dials and connects to nothing.
type recorder struct{ dialled []string }

var errNoDial = errors.New("recorder: not dialling")

func (r *recorder) DialContext(_ context.Context, _, addr string) (net.Conn, error) {
	r.dialled = append(r.dialled, addr)
	return nil, errNoDial
}

func TestGuardDial(t *testing.T) {
	ctx := context.Background()
	rec := &recorder{}
	g := &Guard{Dialer: rec}
	for _, addr := range []string{"127.0.0.1:25", "[::1]:25", "10.1.2.3:25", "169.254.169.254:80", "[::ffff:192.168.0.1]:25"} {
		_, err := g.DialContext(ctx, "tcp", addr)
		var fe *ForbiddenError
		if !errors.Is(err, ErrForbidden) || !errors.As(err, &fe) {
			t.Errorf("dial %s: %v, want ErrForbidden", addr, err)
		}
	}
	if _, err := g.DialContext(ctx, "tcp", "mx.example.com:25"); !errors.Is(err, ErrNotLiteral) {
		t.Errorf("dial a host name: %v, want ErrNotLiteral", err)
	}
	if len(rec.dialled) != 0 {
		t.Fatalf("the guard let through %v", rec.dialled)
	}
	if _, err := g.DialContext(ctx, "tcp", "142.250.153.26:25"); !errors.Is(err, errNoDial) {
		t.Errorf("a public address was not passed on: %v", err)
	}
	g.AllowPrivate = true
	if _, err := g.DialContext(ctx, "tcp", "127.0.0.1:25"); !errors.Is(err, errNoDial) {
		t.Errorf("AllowPrivate: %v", err)
	}
	if want := []string{"142.250.153.26:25", "127.0.0.1:25"}; len(rec.dialled) != 2 || rec.dialled[0] != want[0] || rec.dialled[1] != want[1] {
		t.Errorf("dialled %v, want %v", rec.dialled, want)
	}
	var nilGuard *Guard
	if err := nilGuard.Check(netip.MustParseAddr("127.0.0.1")); !errors.Is(err, ErrForbidden) {
		t.Errorf("a nil Guard allowed loopback: %v", err)
	}
}
