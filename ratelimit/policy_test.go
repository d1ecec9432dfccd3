package ratelimit_test

import (
	"context"
	"errors"
	"net/netip"
	"testing"
	"time"

	"github.com/codeprobe/codeprobe/ratelimit"
)

func TestSendKeys(t *testing.T) {
	for _, tc := range []struct {
		ip, address             string
		wantIP, wantAddr, wantD string
	}{
		{"192.0.2.7", "ann@example.com", "192.0.2.7", "ann@example.com", "example.com"},
		{"::ffff:192.0.2.7", " Ann@Example.COM ", "192.0.2.7", "ann@example.com", "example.com"},
		{"2001:db8:1:2:3:4:5:6", "ann@example.com.", "2001:db8:1:2::/64", "ann@example.com", "example.com"},
		{"fe80::1%eth0", "ann@Bücher.DE", "fe80::/64", "ann@xn--bcher-kva.de", "xn--bcher-kva.de"},
		{"192.0.2.7", "\"a@b\"@C.org", "192.0.2.7", "\"a@b\"@c.org", "c.org"},
		{"192.0.2.7", "Nobody", "192.0.2.7", "nobody", ""},
		{"192.0.2.7", "ann@bad_domain..", "192.0.2.7", "ann@bad_domain.", "bad_domain."},
	} {
		ip, err := netip.ParseAddr(tc.ip)
		if err != nil {
			t.Fatal(err)
		}
		got := ratelimit.SendKeys(ip, tc.address)
		want := []ratelimit.Key{
			{Limit: ratelimit.SendIP, Subject: tc.wantIP},
			{Limit: ratelimit.SendAddress, Subject: tc.wantAddr},
			{Limit: ratelimit.SendDomain, Subject: tc.wantD},
		}
		if len(got) != len(want) {
			t.Fatalf("SendKeys(%s, %q) = %v, want %v", tc.ip, tc.address, got, want)
		}
		for i := range want {
			if got[i] != want[i] {
				t.Errorf("SendKeys(%s, %q)[%d] = %+v, want %+v", tc.ip, tc.address, i, got[i], want[i])
			}
		}
	}
	if got := ratelimit.IPSubject(netip.Addr{}); got != "invalid" {
		t.Errorf("IPSubject(zero) = %q, want invalid", got)
	}
	if got := ratelimit.LoginKey(netip.MustParseAddr("2001:db8::99")); got != (ratelimit.Key{Limit: ratelimit.LoginIP, Subject: "2001:db8::/64"}) {
		t.Errorf("LoginKey = %+v", got)
	}
}

// The policies say what their doc comments promise, in the unit a user
// sees: sends or logins in a period.
func TestPolicies(t *testing.T) {
	for _, tc := range []struct {
		lim       ratelimit.Limit
		name      string
		burst     int
		perPeriod int
		period    time.Duration
	}{
		{ratelimit.SendAddressLimit(), ratelimit.SendAddress, 2, 3, time.Hour},
		{ratelimit.SendIPLimit(), ratelimit.SendIP, 5, 10, time.Hour},
		{ratelimit.SendDomainLimit(), ratelimit.SendDomain, 20, 60, time.Hour},
		{ratelimit.LoginIPLimit(), ratelimit.LoginIP, 10, 10, 15 * time.Minute},
	} {
		if tc.lim.Name != tc.name || tc.lim.Burst != tc.burst || time.Duration(tc.perPeriod)*tc.lim.Every != tc.period {
			t.Errorf("%+v: want %s, burst %d, %d per %v", tc.lim, tc.name, tc.burst, tc.perPeriod, tc.period)
		}
	}
	if n := len(ratelimit.DefaultLimits()); n != 4 {
		t.Errorf("DefaultLimits has %d limits, want 4", n)
	}
}

// Throttle is what the auth package takes for logins.
var _ interface {
	Allow(ctx context.Context, key string) (ok bool, retryAfter time.Duration, err error)
} = (*ratelimit.Throttle)(nil)

func TestThrottle(t *testing.T) {
	c := newClock()
	f := &faultyStore{Store: newStore(t)}
	l := newLimiter(t, f, c, nil, ratelimit.DefaultLimits()...)
	th, err := l.Throttle(ratelimit.LoginIP)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	ip := ratelimit.IPSubject(netip.MustParseAddr("192.0.2.7"))
	for i := range 10 {
		if ok, after, err := th.Allow(ctx, ip); !ok || after != 0 || err != nil {
			t.Fatalf("login %d = %v, %v, %v; want allowed", i+1, ok, after, err)
		}
	}
	if ok, after, err := th.Allow(ctx, ip); ok || after != 90*time.Second || err != nil {
		t.Fatalf("login 11 = %v, %v, %v; want refused for 1m30s", ok, after, err)
	}
	if ok, _, err := th.Allow(ctx, "192.0.2.8"); !ok || err != nil {
		t.Fatalf("another IP = %v, %v; want allowed", ok, err)
	}
	c.Set(t0.Add(100 * time.Second))
	if ok, _, err := th.Allow(ctx, ip); !ok || err != nil {
		t.Fatalf("login after 100s = %v, %v; want allowed", ok, err)
	}
	if ok, after, err := th.Allow(ctx, ip); ok || after != 80*time.Second || err != nil {
		t.Fatalf("next login = %v, %v, %v; want refused for 1m20s", ok, after, err)
	}

	boom := errors.New("boom")
	f.fail(boom, nil)
	if ok, _, err := th.Allow(ctx, "192.0.2.9"); ok || !errors.Is(err, boom) {
		t.Fatalf("with a failing store = %v, %v; want refused with the error", ok, err)
	}

	if _, err := l.Throttle("login/user"); !errors.Is(err, ratelimit.ErrUnknownLimit) {
		t.Errorf("Throttle(unknown) = %v, want ErrUnknownLimit", err)
	}
}
