package dnsx_test

import (
	"context"
	"errors"
	"fmt"
	"net/netip"
	"slices"
	"testing"
	"time"

	"github.com/codeprobe/codeprobe/diagnose/dnsx"
	"github.com/miekg/dns"
)

func TestLookupMX(t *testing.T) {
	s := startWorld(t)
	r := newResolver(t, dnsx.Config{Timeout: 100 * time.Millisecond, Attempts: 1}, s)
	tests := []struct {
		domain string
		want   string // the MX records, preference/host
		status dnsx.Status
		err    error
	}{
		{"example.test", "[5/mx2.example.test. 10/a-mx.example.test. 10/mx1.example.test.]", dnsx.StatusOK, nil},
		{"nullmx.example.test", "[0/.]", dnsx.StatusOK, nil},
		{"alias.example.test", "[]", dnsx.StatusNoData, nil},
		{"mx1.example.test", "[]", dnsx.StatusNoData, nil},
		{"nope.example.test", "[]", dnsx.StatusNXDomain, nil},
		{"servfail.example.test", "[]", "", dnsx.ErrServFail},
		{"drop.example.test", "[]", "", dnsx.ErrTimeout},
	}
	for _, tt := range tests {
		t.Run(tt.domain, func(t *testing.T) {
			mxs, a, err := dnsx.LookupMX(context.Background(), r, tt.domain)
			var got []string
			for _, mx := range mxs {
				got = append(got, fmt.Sprintf("%d/%s", mx.Preference, mx.Mx))
			}
			if fmt.Sprint(got) != tt.want {
				t.Errorf("MX %v, want %s", got, tt.want)
			}
			if tt.err != nil {
				if !errors.Is(err, tt.err) || a != nil {
					t.Errorf("got %v, %v; want %v", a, err, tt.err)
				}
				return
			}
			if err != nil || a.Status != tt.status || a.Type != dns.TypeMX {
				t.Errorf("got %v, %v; want %s", a, err, tt.status)
			}
		})
	}
}

func TestLookupTXT(t *testing.T) {
	s := startWorld(t)
	r := newResolver(t, dnsx.Config{}, s)
	tests := []struct {
		name string
		want []string
		tcp  bool
	}{
		// One string per record, its character-strings joined as is.
		{"spf.example.test", []string{"v=spf1 include:_spf.example.test -all"}, false},
		{"quoted.example.test", []string{`say "hi" back\slash bell` + "\a"}, false},
		{"noaddr.example.test", []string{"nothing here"}, false},
		{"mx1.example.test", nil, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			txt, a, err := dnsx.LookupTXT(context.Background(), r, tt.name)
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(txt, tt.want) || a.TCP != tt.tcp {
				t.Errorf("got %q (TCP %v), want %q", txt, a.TCP, tt.want)
			}
		})
	}
}

func TestLookupAddrs(t *testing.T) {
	s := startWorld(t)
	const timeout = 300 * time.Millisecond
	r := newResolver(t, dnsx.Config{Timeout: timeout, Attempts: 1}, s)
	tests := []struct {
		host   string
		ips    string
		cnames []string
		status dnsx.AddrStatus
		err    error
	}{
		{"mx1.example.test", "[192.0.2.1 2001:db8::1]", nil, dnsx.AddrOK, nil},
		{"v4only.example.test", "[192.0.2.3]", nil, dnsx.AddrOK, nil},
		{"alias.example.test", "[192.0.2.1 2001:db8::1]", []string{"mid.example.test.", "mx1.example.test."}, dnsx.AddrOK, nil},
		{"noaddr.example.test", "[]", nil, dnsx.AddrNoData, nil},
		{"nope.example.test", "[]", nil, dnsx.AddrNXDomain, nil},
		{"dangling.example.test", "[]", []string{"gone.example.test."}, dnsx.AddrNXDomain, nil},
		{"servfail.example.test", "[]", nil, dnsx.AddrFailed, dnsx.ErrServFail},
		{"drop.example.test", "[]", nil, dnsx.AddrFailed, dnsx.ErrTimeout},
	}
	for _, tt := range tests {
		t.Run(tt.host, func(t *testing.T) {
			start := time.Now()
			ad, err := dnsx.LookupAddrs(context.Background(), r, tt.host)
			if fmt.Sprint(ad.IPs) != tt.ips || !slices.Equal(ad.CNAMEs, tt.cnames) || ad.Status() != tt.status {
				t.Errorf("got %v %v %s; want %s %v %s", ad.IPs, ad.CNAMEs, ad.Status(), tt.ips, tt.cnames, tt.status)
			}
			if !errors.Is(err, tt.err) || (err != nil) != (ad.AErr != nil && ad.AAAAErr != nil) {
				t.Errorf("error %v (A: %v, AAAA: %v), want %v", err, ad.AErr, ad.AAAAErr, tt.err)
			}
			if (ad.A == nil) != (ad.AErr != nil) || (ad.AAAA == nil) != (ad.AAAAErr != nil) {
				t.Errorf("answers and errors both or neither: %+v", ad)
			}
			// Two timeouts asked at once take one timeout, not two.
			if took := time.Since(start); took > 2*timeout-50*time.Millisecond {
				t.Errorf("took %v: A and AAAA were not asked concurrently", took)
			}
		})
	}
}

func TestAddrsStatus(t *testing.T) {
	ok := &dnsx.Answer{Status: dnsx.StatusOK}
	nodata := &dnsx.Answer{Status: dnsx.StatusNoData}
	nx := &dnsx.Answer{Status: dnsx.StatusNXDomain}
	fail := &dnsx.Error{Err: dnsx.ErrServFail}
	one := []netip.Addr{netip.MustParseAddr("192.0.2.1")}
	tests := []struct {
		name string
		a    dnsx.Addrs
		want dnsx.AddrStatus
	}{
		{"addresses", dnsx.Addrs{IPs: one, A: ok, AAAA: nodata}, dnsx.AddrOK},
		{"addresses though AAAA failed", dnsx.Addrs{IPs: one, A: ok, AAAAErr: fail}, dnsx.AddrOK},
		{"both no-data", dnsx.Addrs{A: nodata, AAAA: nodata}, dnsx.AddrNoData},
		{"no-data and a failure is no verdict", dnsx.Addrs{A: nodata, AAAAErr: fail}, dnsx.AddrFailed},
		{"NXDOMAIN from one suffices (RFC 8020)", dnsx.Addrs{A: nx, AAAAErr: fail}, dnsx.AddrNXDomain},
		{"NXDOMAIN from AAAA", dnsx.Addrs{AErr: fail, AAAA: nx}, dnsx.AddrNXDomain},
		{"both failed", dnsx.Addrs{AErr: fail, AAAAErr: fail}, dnsx.AddrFailed},
	}
	for _, tt := range tests {
		if got := tt.a.Status(); got != tt.want {
			t.Errorf("%s: %s, want %s", tt.name, got, tt.want)
		}
	}
}
