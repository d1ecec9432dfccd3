package testcode

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net/netip"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/emersion/go-smtp"

	"github.com/codeprobe/codeprobe/diagnose/mtasts"
	"github.com/codeprobe/codeprobe/diagnose/netguard"
	"github.com/codeprobe/codeprobe/fixtures"
)

// directEnv is a small world of its own: a DNS server for our zones and a
// virtual network whose public-looking addresses lead to in-process
// servers on loopback.
type directEnv struct {
	t    *testing.T
	dns  *fixtures.DNSServer
	net  *fixtures.VirtualNet
	ca   *fixtures.CA
	next int // the last octet of the next virtual address
}

func newDirectEnv(t *testing.T) *directEnv {
	t.Helper()
	e := &directEnv{t: t, dns: fixtures.NewDNSServer(), net: fixtures.NewVirtualNet(), next: 1}
	if err := e.dns.AddZone(".", ". SOA ns.root.test. h.root.test. 1 1800 900 604800 60\n"); err != nil {
		t.Fatal(err)
	}
	if err := e.dns.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = e.dns.Close() })
	_, e.ca = issue(t, "unused.test")
	return e
}

func (e *directEnv) record(rr string) {
	e.t.Helper()
	if err := e.dns.AddRecord(rr); err != nil {
		e.t.Fatal(err)
	}
}

// mx publishes host as an MX of domain at a new virtual address routed
// to real (or to nothing, refusing connections, when real is invalid),
// and returns the virtual address.
func (e *directEnv) mx(domain string, pref int, host string, real netip.AddrPort) netip.Addr {
	e.t.Helper()
	ip := e.host(host, real)
	e.record(fmt.Sprintf("%s. 300 IN MX %d %s.", domain, pref, host))
	return ip
}

// host gives host an A record at a new virtual address routed to real.
func (e *directEnv) host(host string, real netip.AddrPort) netip.Addr {
	e.t.Helper()
	ip := netip.AddrFrom4([4]byte{5, 9, 20, byte(e.next)})
	e.next++
	e.record(fmt.Sprintf("%s. 300 IN A %s", host, ip))
	if real.IsValid() {
		e.net.Route(netip.AddrPortFrom(ip, 25), real.String())
	}
	return ip
}

// delivery is a direct Delivery in this world.
func (e *directEnv) delivery() *Delivery {
	return &Delivery{
		Mode:        ModeDirect,
		Resolver:    testResolver(e.t, e.dns.Addr),
		Guard:       &netguard.Guard{Dialer: e.net},
		TLSConfig:   &tls.Config{RootCAs: e.ca.Pool()},
		StepTimeout: 5 * time.Second,
	}
}

// tlsServer starts a go-smtp server with STARTTLS for host, signed by the
// world's CA.
func (e *directEnv) tlsServer(be *recordingBackend, host string) netip.AddrPort {
	e.t.Helper()
	cert, err := e.ca.Issue(host)
	if err != nil {
		e.t.Fatal(err)
	}
	return startSMTP(e.t, be, &cert)
}

func greylist(string) error {
	return &smtp.SMTPError{Code: 451, EnhancedCode: smtp.EnhancedCode{4, 7, 1}, Message: "Greylisted, please try again in 300 seconds"}
}

func attemptHosts(res *Result) []string {
	var out []string
	for _, a := range res.Attempts {
		out = append(out, fmt.Sprintf("%s %s %d", a.Host, a.Status, a.Code))
	}
	return out
}

// TestDirectRouting covers MX preference order, falling back to the next
// MX, implicit MX and giving up.
func TestDirectRouting(t *testing.T) {
	none := netip.AddrPort{}
	type mxSpec struct {
		pref int
		be   *recordingBackend // nil: the address refuses connections
	}
	tests := []struct {
		name     string
		mxs      []mxSpec // published in this order; names mx0, mx1, …
		implicit bool     // no MX: the domain's own A record leads to mxs[0]
		maxAtt   int
		status   Status
		code     int
		taker    int // the index of the server that must get the message, -1 none
		attempts []string
		sentinel error
	}{
		{name: "preference order", mxs: []mxSpec{{20, &recordingBackend{}}, {10, &recordingBackend{}}}, status: StatusAccepted, code: 250, taker: 1,
			attempts: []string{"mx1.dest.test accepted 250"}},
		{name: "next MX after connection refused", mxs: []mxSpec{{10, nil}, {20, &recordingBackend{}}}, status: StatusAccepted, code: 250, taker: 1,
			attempts: []string{"mx0.dest.test deferred 0", "mx1.dest.test accepted 250"}},
		{name: "next MX after greylisting", mxs: []mxSpec{{10, &recordingBackend{rcpt: greylist}}, {20, &recordingBackend{}}}, status: StatusAccepted, code: 250, taker: 1,
			attempts: []string{"mx0.dest.test deferred 451", "mx1.dest.test accepted 250"}},
		{name: "all greylist", mxs: []mxSpec{{10, &recordingBackend{rcpt: greylist}}, {20, &recordingBackend{rcpt: greylist}}}, status: StatusDeferred, code: 451, taker: -1,
			attempts: []string{"mx0.dest.test deferred 451", "mx1.dest.test deferred 451"}, sentinel: ErrDeferred},
		{name: "greylist then unreachable keeps the reply", mxs: []mxSpec{{10, &recordingBackend{rcpt: greylist}}, {20, nil}}, status: StatusDeferred, code: 451, taker: -1,
			attempts: []string{"mx0.dest.test deferred 451", "mx1.dest.test deferred 0"}, sentinel: ErrDeferred},
		{name: "all unreachable", mxs: []mxSpec{{10, nil}, {20, nil}}, status: StatusDeferred, taker: -1,
			attempts: []string{"mx0.dest.test deferred 0", "mx1.dest.test deferred 0"}, sentinel: ErrUnreachable},
		{name: "MaxAttempts", mxs: []mxSpec{{10, nil}, {20, nil}, {30, nil}, {40, &recordingBackend{}}}, maxAtt: 2, status: StatusDeferred, taker: -1,
			attempts: []string{"mx0.dest.test deferred 0", "mx1.dest.test deferred 0"}, sentinel: ErrUnreachable},
		{name: "5xx at RCPT ends it", mxs: []mxSpec{{10, &recordingBackend{rcpt: func(string) error {
			return &smtp.SMTPError{Code: 550, EnhancedCode: smtp.EnhancedCode{5, 1, 1}, Message: "No such user"}
		}}}, {20, &recordingBackend{}}}, status: StatusRejected, code: 550, taker: -1,
			attempts: []string{"mx0.dest.test rejected 550"}, sentinel: ErrRejected},
		{name: "implicit MX", mxs: []mxSpec{{0, &recordingBackend{}}}, implicit: true, status: StatusAccepted, code: 250, taker: 0,
			attempts: []string{"dest.test accepted 250"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newDirectEnv(t)
			var virtual []string
			for i, m := range tt.mxs {
				real := none
				if m.be != nil {
					real = startSMTP(t, m.be, nil)
				}
				var ip netip.Addr
				if tt.implicit {
					ip = e.host("dest.test", real)
				} else {
					ip = e.mx("dest.test", m.pref, fmt.Sprintf("mx%d.dest.test", i), real)
				}
				virtual = append(virtual, netip.AddrPortFrom(ip, 25).String())
			}
			d := e.delivery()
			d.MaxAttempts = tt.maxAtt
			res := d.Deliver(testContext(t), testFrom, "ann@dest.test", []byte(testMessage))
			if res.Status != tt.status || res.Code != tt.code || !slices.Equal(attemptHosts(res), tt.attempts) {
				t.Fatalf("got %s %d attempts %q (%v), want %s %d attempts %q\n%s", res.Status, res.Code, attemptHosts(res), res.Err,
					tt.status, tt.code, tt.attempts, transcriptOf(res))
			}
			if tt.sentinel != nil && !errors.Is(res.Err, tt.sentinel) {
				t.Errorf("Err = %v, want %v", res.Err, tt.sentinel)
			}
			for i, m := range tt.mxs {
				if m.be == nil {
					continue
				}
				if n, want := len(m.be.got()), map[bool]int{true: 1}[i == tt.taker]; n != want {
					t.Errorf("mx%d received %d messages, want %d", i, n, want)
				}
			}
			if tt.maxAtt > 0 {
				if dialled := e.net.Dialed(); len(dialled) != tt.maxAtt || dialled[0] != virtual[0] {
					t.Errorf("dialled %q, want the first %d of %q", dialled, tt.maxAtt, virtual)
				}
			}
		})
	}
}

// TestDirectFixtureWorld delivers into the fixture world: its DNS, its
// virtual network, its MTA-STS policies and its mail servers.
func TestDirectFixtureWorld(t *testing.T) {
	w, err := fixtures.StartWorld()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = w.Close() })
	tests := []struct {
		rcpt     string
		status   Status
		stage    Stage
		code     int
		enhanced string
		sentinel error
		evidence string // in the transcript
		mtasts   string // the policy mode seen
		noDial   string // an address that must not be dialled
	}{
		{rcpt: "ann@gmail.com", status: StatusRejected, stage: StageData, code: 554, enhanced: "5.5.1", sentinel: ErrRejected,
			evidence: "certificate verified for gmail-smtp-in.l.google.com", mtasts: "enforce"},
		{rcpt: "ann@parked-domain.com", status: StatusRejected, stage: StageRoute, enhanced: "5.1.10", sentinel: ErrNullMX,
			evidence: `MX of parked-domain.com: 0 .`, noDial: "185.199.110.153:25"},
		{rcpt: "ann@sts-mismatch.test", status: StatusDeferred, stage: StageRoute, sentinel: ErrMTASTS,
			evidence: "mx.sts-mismatch.test is not covered by the policy", mtasts: "enforce", noDial: "5.9.10.16:25"},
		{rcpt: "ann@sts-testing.test", status: StatusRejected, stage: StageData, code: 554, enhanced: "5.5.1", sentinel: ErrRejected,
			evidence: "mode testing, mx mx.sts-testing.test", mtasts: "testing"},
		{rcpt: "ann@sts-invalid.test", status: StatusRejected, stage: StageData, code: 554, enhanced: "5.5.1", sentinel: ErrRejected,
			evidence: "no MTA-STS policy could be had for sts-invalid.test"},
		{rcpt: "ann@greylist.test", status: StatusDeferred, stage: StageRCPT, code: 451, enhanced: "4.7.1", sentinel: ErrDeferred},
		{rcpt: "ann@no-such-domain.test", status: StatusError, stage: StageRoute, sentinel: ErrNoRoute, evidence: "does not exist"},
		{rcpt: "ann@blocklisted.test", status: StatusRejected, stage: StageBanner, code: 554, enhanced: "5.7.1", sentinel: ErrRejected},
		{rcpt: "nobody@implicit-mx.com", status: StatusRejected, stage: StageRCPT, code: 550, enhanced: "5.1.1", sentinel: ErrRejected,
			evidence: "implicit MX"},
	}
	for _, tt := range tests {
		t.Run(tt.rcpt, func(t *testing.T) {
			d := &Delivery{Mode: ModeDirect, Resolver: testResolver(t, w.DNS.Addr), Guard: &netguard.Guard{Dialer: w.Net},
				TLSConfig: w.TLSConfig(), StepTimeout: 5 * time.Second}
			res := d.Deliver(testContext(t), testFrom, tt.rcpt, []byte(testMessage))
			text := transcriptOf(res)
			if res.Status != tt.status || res.Stage != tt.stage || res.Code != tt.code || res.Enhanced != tt.enhanced || !errors.Is(res.Err, tt.sentinel) {
				t.Fatalf("got %s at %s %d %s (%v), want %s at %s %d %s (%v)\n%s", res.Status, res.Stage, res.Code, res.Enhanced, res.Err,
					tt.status, tt.stage, tt.code, tt.enhanced, tt.sentinel, text)
			}
			if !strings.Contains(text, tt.evidence) {
				t.Errorf("transcript lacks %q:\n%s", tt.evidence, text)
			}
			if tt.mtasts != "" && (res.MTASTS == nil || res.MTASTS.Mode != tt.mtasts) {
				t.Errorf("MTASTS = %+v, want mode %s", res.MTASTS, tt.mtasts)
			}
			if tt.noDial != "" && slices.Contains(w.Net.Dialed(), tt.noDial) {
				t.Errorf("dialled %s, which must not be", tt.noDial)
			}
		})
	}
}

// TestDirectForbidden: MX hosts at private or loopback addresses are
// refused before any connection is tried.
func TestDirectForbidden(t *testing.T) {
	w, err := fixtures.StartWorld()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = w.Close() })
	for rcpt, addr := range map[string]string{
		"ann@private-mx.test":    "10.0.0.25",
		"ann@loopback-mx.test":   "127.0.0.1",
		"ann@metadata-mx.test":   "169.254.169.254",
		"ann@v6loopback-mx.test": "::1",
	} {
		t.Run(rcpt, func(t *testing.T) {
			rec := &fixtures.RecordingDialer{}
			d := &Delivery{Mode: ModeDirect, Resolver: testResolver(t, w.DNS.Addr), Guard: &netguard.Guard{Dialer: rec}}
			res := d.Deliver(testContext(t), testFrom, rcpt, []byte(testMessage))
			if res.Status != StatusError || !errors.Is(res.Err, netguard.ErrForbidden) || !strings.Contains(res.Reason, addr) {
				t.Fatalf("got %s (%v), want an error naming %s\n%s", res.Status, res.Err, addr, transcriptOf(res))
			}
			if got := rec.Dialled(); len(got) != 0 {
				t.Errorf("dialled %q", got)
			}
		})
	}
}

// TestDirectMTASTS checks a policy's demands against our own servers.
func TestDirectMTASTS(t *testing.T) {
	policy := func(mode string, mx ...string) MTASTSPolicyFunc {
		return func(context.Context, string) (*mtasts.Policy, error) {
			return &mtasts.Policy{Version: "STSv1", Mode: mode, MX: mx, MaxAge: 86400}, nil
		}
	}
	tests := []struct {
		name     string
		policy   MTASTSPolicyFunc
		badCert  bool // mx1's certificate names another host
		status   Status
		taker    int // 0 plain mx0, 1 TLS mx1, -1 none
		failures int
		attempts []string
	}{
		{name: "enforce skips the server without TLS", policy: policy("enforce", "*.dest.test"), status: StatusAccepted, taker: 1,
			attempts: []string{"mx0.dest.test deferred 0", "mx1.dest.test accepted 250"}, failures: 1},
		{name: "enforce, only the server without TLS listed", policy: policy("enforce", "mx0.dest.test"), status: StatusDeferred, taker: -1,
			attempts: []string{"mx0.dest.test deferred 0", "mx1.dest.test deferred 0"}, failures: 2},
		{name: "enforce refuses a certificate for another name", policy: policy("enforce", "*.dest.test"), badCert: true, status: StatusDeferred, taker: -1,
			attempts: []string{"mx0.dest.test deferred 0", "mx1.dest.test deferred 0"}, failures: 2},
		{name: "testing delivers anyway", policy: policy("testing", "mx9.dest.test"), status: StatusAccepted, taker: 0,
			attempts: []string{"mx0.dest.test accepted 250"}, failures: 2},
		{name: "policy unavailable", policy: func(context.Context, string) (*mtasts.Policy, error) {
			return nil, mtasts.ErrTimeout
		}, status: StatusAccepted, taker: 0, attempts: []string{"mx0.dest.test accepted 250"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newDirectEnv(t)
			plain, secure := &recordingBackend{}, &recordingBackend{}
			e.mx("dest.test", 10, "mx0.dest.test", startSMTP(t, plain, nil))
			certName := "mx1.dest.test"
			if tt.badCert {
				certName = "other.test"
			}
			e.mx("dest.test", 20, "mx1.dest.test", e.tlsServer(secure, certName))
			d := e.delivery()
			d.MTASTS = tt.policy
			res := d.Deliver(testContext(t), testFrom, "ann@dest.test", []byte(testMessage))
			if res.Status != tt.status || !slices.Equal(attemptHosts(res), tt.attempts) || res.MTASTS == nil || len(res.MTASTS.Failures) != tt.failures {
				t.Fatalf("got %s attempts %q MTA-STS %+v (%v), want %s attempts %q with %d failures\n%s", res.Status, attemptHosts(res),
					res.MTASTS, res.Err, tt.status, tt.attempts, tt.failures, transcriptOf(res))
			}
			if n := len(plain.got()); n != map[bool]int{true: 1}[tt.taker == 0] {
				t.Errorf("the server without TLS received %d messages", n)
			}
			if n := len(secure.got()); n != map[bool]int{true: 1}[tt.taker == 1] {
				t.Errorf("the server with TLS received %d messages", n)
			}
			if tt.status == StatusDeferred && !errors.Is(res.Err, ErrMTASTS) {
				t.Errorf("Err = %v, want ErrMTASTS", res.Err)
			}
			if tt.taker == 1 && (res.TLS == nil || !res.TLS.Verified) {
				t.Errorf("delivered without verified TLS: %+v", res.TLS)
			}
		})
	}
}
