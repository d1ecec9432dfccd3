package mtasts_test

import (
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/codeprobe/codeprobe/diagnose/dnsx"
	"github.com/codeprobe/codeprobe/diagnose/mtasts"
	"github.com/codeprobe/codeprobe/diagnose/netguard"
	"github.com/codeprobe/codeprobe/fixtures"
)

func TestCheckDNS(t *testing.T) {
	srv, resolver := startDNS(t, map[string]string{"example.test.": zoneExample, "test.": zoneTest})
	srv.SetBehaviour("_mta-sts.servfail.test.", fixtures.Behaviour{ServFail: true})
	srv.SetBehaviour("mta-sts.hostfail.test.", fixtures.Behaviour{ServFail: true})

	tests := []struct {
		domain   string
		status   mtasts.Status
		err      error
		problems []string
		txtID    string
	}{
		{domain: "none.test", status: mtasts.StatusNone},
		{domain: "absent.test", status: mtasts.StatusNone},
		{domain: "badtxt.test", status: mtasts.StatusInvalid, err: mtasts.ErrInvalidTXT, problems: []string{mtasts.ProblemInvalidTXT}},
		{domain: "multi.test", status: mtasts.StatusInvalid, err: mtasts.ErrInvalidTXT, problems: []string{mtasts.ProblemMultipleTXT}},
		{domain: "nohost.test", status: mtasts.StatusFetchFailed, err: mtasts.ErrNoPolicyHost, problems: []string{mtasts.ProblemFetchFailed}, txtID: "1"},
		{domain: "hostfail.test", status: mtasts.StatusTempError, err: dnsx.ErrServFail, problems: []string{mtasts.ProblemTempError}, txtID: "1"},
		{domain: "servfail.test", status: mtasts.StatusTempError, err: dnsx.ErrServFail, problems: []string{mtasts.ProblemTempError}},
		// RFC 8461 §3.1 allows the TXT record to be reached through a CNAME;
		// the policy host is still mta-sts.alias.test, which does not exist.
		{domain: "alias.test", status: mtasts.StatusFetchFailed, err: mtasts.ErrNoPolicyHost, problems: []string{mtasts.ProblemFetchFailed}, txtID: "20240101T000000Z"},
	}
	for _, tc := range tests {
		t.Run(tc.domain, func(t *testing.T) {
			f := &mtasts.Fetcher{
				Resolver: resolver,
				Guard:    &netguard.Guard{AllowPrivate: true, Dialer: &recordingDialer{t: t, fail: true}},
				Timeout:  2 * time.Second,
			}
			res := f.Check(context.Background(), tc.domain, []string{"mx.example.test"})
			if res.Status != tc.status {
				t.Fatalf("status %q, want %q (err %v)", res.Status, tc.status, res.Err)
			}
			checkErr(t, res.Err, tc.err)
			if got := problemIDs(res.Problems); !slices.Equal(got, tc.problems) {
				t.Errorf("problems %v, want %v (%+v)", got, tc.problems, res.Problems)
			}
			if got := txtID(res); got != tc.txtID {
				t.Errorf("TXT id %q, want %q", got, tc.txtID)
			}
			if res.TXTAnswer == nil && tc.domain != "servfail.test" {
				t.Error("no TXT answer kept")
			}
		})
	}
}

func txtID(r *mtasts.Result) string {
	if r.TXT == nil {
		return ""
	}
	return r.TXT.ID
}

// A policy host resolving to loopback and RFC 1918 addresses is refused
// before any connection is attempted.
func TestCheckPrivateAddressNeverDialled(t *testing.T) {
	_, resolver := startDNS(t, map[string]string{"test.": zoneTest})
	dialer := &recordingDialer{t: t, fail: true}
	f := &mtasts.Fetcher{Resolver: resolver, Guard: &netguard.Guard{Dialer: dialer}}
	res := f.Check(context.Background(), "private.test", nil)
	if res.Status != mtasts.StatusFetchFailed {
		t.Fatalf("status %q, want fetch-failed", res.Status)
	}
	if !errors.Is(res.Err, mtasts.ErrPrivateAddress) {
		t.Errorf("error %v, want ErrPrivateAddress", res.Err)
	}
	if got := problemIDs(res.Problems); !slices.Equal(got, []string{mtasts.ProblemPrivateAddress, mtasts.ProblemFetchFailed}) {
		t.Errorf("problems %v", got)
	}
	detail := res.Problems[0].Detail
	if !strings.Contains(detail, "127.0.0.1") || !strings.Contains(detail, "10.1.2.3") {
		t.Errorf("detail %q does not name both refused addresses", detail)
	}
	if d := dialer.dialled(); len(d) != 0 {
		t.Errorf("dialled %v", d)
	}
}

// A server that stalls at any stage costs no more than the fetch deadline.
func TestCheckSlowServer(t *testing.T) {
	ca := newTestCA(t)
	cert := ca.issue(t, "mta-sts.example.test")
	_, resolver := startDNS(t, map[string]string{"example.test.": zoneExample})

	stallHeaders := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-r.Context().Done():
		case <-time.After(10 * time.Second):
		}
	})
	dripBody := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain")
		io.WriteString(w, "version: STSv1\n")
		w.(http.Flusher).Flush()
		for i := 0; i < 100; i++ {
			select {
			case <-r.Context().Done():
				return
			case <-time.After(100 * time.Millisecond):
			}
			io.WriteString(w, "x")
			w.(http.Flusher).Flush()
		}
	})
	cases := map[string]int{
		"headers never sent": startPolicyServer(t, cert, stallHeaders),
		"body dripped":       startPolicyServer(t, cert, dripBody),
		"no TLS handshake":   silentListener(t),
	}
	for name, port := range cases {
		t.Run(name, func(t *testing.T) {
			f := &mtasts.Fetcher{
				Resolver: resolver,
				Guard:    &netguard.Guard{AllowPrivate: true},
				RootCAs:  ca.pool,
				Port:     port,
				Timeout:  400 * time.Millisecond,
			}
			start := time.Now()
			res := f.Check(context.Background(), "example.test", nil)
			elapsed := time.Since(start)
			if res.Status != mtasts.StatusFetchFailed || !errors.Is(res.Err, mtasts.ErrTimeout) {
				t.Errorf("status %q, error %v; want fetch-failed with ErrTimeout", res.Status, res.Err)
			}
			if elapsed > 1500*time.Millisecond {
				t.Errorf("took %v with a 400ms timeout", elapsed)
			}
			t.Logf("gave up after %v", elapsed)
		})
	}

	// The caller's deadline applies too when it is the shorter one.
	f := &mtasts.Fetcher{Resolver: resolver, Guard: &netguard.Guard{AllowPrivate: true}, RootCAs: ca.pool,
		Port: cases["headers never sent"], Timeout: time.Minute}
	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	start := time.Now()
	res := f.Check(ctx, "example.test", nil)
	if !errors.Is(res.Err, mtasts.ErrTimeout) || time.Since(start) > 1500*time.Millisecond {
		t.Errorf("caller deadline: %v after %v", res.Err, time.Since(start))
	}
}

// silentListener accepts TCP connections on 127.0.0.1 and never says a
// word, and returns its port.
func silentListener(t *testing.T) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	t.Cleanup(func() { close(done); ln.Close() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go func() { <-done; c.Close() }()
		}
	}()
	return ln.Addr().(*net.TCPAddr).Port
}

// When the first address of the policy host refuses the connection, the
// next one is tried, each through the guard.
func TestCheckTriesEachAddress(t *testing.T) {
	ca := newTestCA(t)
	port := startPolicyServer(t, ca.issue(t, "mta-sts.example.test"), policyHandler("text/plain", goodPolicy))
	_, resolver := startDNS(t, map[string]string{"example.test.": `
@          SOA   ns1 host 1 2 3 4 60
_mta-sts   TXT   "v=STSv1; id=1"
mta-sts    A     127.0.0.2
mta-sts    A     127.0.0.1
`})
	dialer := &recordingDialer{t: t}
	f := &mtasts.Fetcher{Resolver: resolver, Guard: &netguard.Guard{AllowPrivate: true, Dialer: dialer},
		RootCAs: ca.pool, Port: port, Timeout: 2 * time.Second}
	res := f.Check(context.Background(), "example.test", []string{"mx1.example.test"})
	if res.Status != mtasts.StatusEnforce || len(res.Problems) != 0 {
		t.Fatalf("status %q, problems %+v, err %v", res.Status, res.Problems, res.Err)
	}
	p := strconv.Itoa(port)
	if got, want := dialer.dialled(), []string{"127.0.0.2:" + p, "127.0.0.1:" + p}; !slices.Equal(got, want) {
		t.Errorf("dialled %v, want %v", got, want)
	}
}
