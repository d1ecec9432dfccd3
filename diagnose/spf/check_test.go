package spf

import (
	"context"
	"errors"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/codeprobe/codeprobe/diagnose/dnsx"
	"github.com/codeprobe/codeprobe/fixtures"
)

// world is the fixture DNS data the Check and Audit tests share.
const world = `
$ORIGIN test.
@            SOA ns.test. host.test. 1 3600 600 86400 60
example      TXT "v=spf1 ip4:192.0.2.1 include:_spf.example.test mx -all exp=_exp.example.test"
example      MX  10 mx.example.test.
mx.example   A   203.0.113.5
_spf.example TXT "v=spf1 ip4:198.51.100.0/24 ~all exp=_exp2.example.test"
_exp.example TXT "%{i} is not allowed to send for %{d} (%{l}, %{r}, %{t})"
_exp2.example TXT "never shown: include does not explain"
other        TXT "some other text"
redirect     TXT "v=spf1 ip4:192.0.2.200 redirect=example.test"
plain        TXT "v=spf1 -all"
toomany      TXT "v=spf1 a a a a a a a a a a a ip4:192.0.2.9 -all"
toomany      A   192.0.2.250
voids        TXT "v=spf1 a:nx1.test a:nx2.test exists:nx3.test ip4:192.0.2.9 -all"
mxmany       TXT "v=spf1 mx -all"
multi        TXT "v=spf1 -all"
multi        TXT "V=SPF1 +all"
syntax       TXT "v=spf1 a:foo -all"
slowinc      TXT "v=spf1 include:slow.test -all"
failinc      TXT "v=spf1 include:broken.test -all"
noneinc      TXT "v=spf1 include:other.test -all"
ptrname      TXT "v=spf1 ptr -all exp=_exp.ptrname.test"
_exp.ptrname TXT "connect from %{p}"
2.2.0.192.in-addr.arpa. PTR host.ptrname.test.
host.ptrname A 192.0.2.2
`

func startWorld(t testing.TB) (*fixtures.DNSServer, *dnsx.Resolver) {
	t.Helper()
	srv := fixtures.NewDNSServer()
	if err := srv.AddZone("test.", world); err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 11; i++ {
		if err := srv.AddRecord("mxmany.test. 300 IN MX " + string(rune('0'+i%10)) + " mx" + string(rune('a'+i)) + ".mxmany.test."); err != nil {
			t.Fatal(err)
		}
	}
	srv.SetBehaviour("slow.test.", fixtures.Behaviour{Drop: true})
	srv.SetBehaviour("broken.test.", fixtures.Behaviour{ServFail: true})
	if err := srv.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Close() })
	res, err := dnsx.New(dnsx.Config{Servers: []string{srv.Addr}, Timeout: 300 * time.Millisecond, Attempts: 2})
	if err != nil {
		t.Fatal(err)
	}
	return srv, res
}

func TestCheck(t *testing.T) {
	_, res := startWorld(t)
	c := &Checker{Resolver: res, ReceiverName: "mx.receiver.test", Now: func() time.Time { return time.Unix(1234567890, 0) }}
	tests := []struct {
		name, ip, helo, from string
		want                 Result
		matched              string // Evaluation.Matched.Text
		lookups, voids       int
		explanation          string
		err                  error
	}{
		{"ip4 match", "192.0.2.1", "h.test", "ann@example.test", Pass, "ip4:192.0.2.1", 0, 0, "", nil},
		{"ip4-mapped client", "::ffff:192.0.2.1", "h.test", "ann@example.test", Pass, "ip4:192.0.2.1", 0, 0, "", nil},
		{"include match", "198.51.100.7", "h.test", "ann@example.test", Pass, "include:_spf.example.test", 1, 0, "", nil},
		{"mx match", "203.0.113.5", "h.test", "ann@example.test", Pass, "mx", 2, 0, "", nil},
		{"fail explained", "192.0.2.99", "h.test", "ann@example.test", Fail, "-all", 2, 0,
			"192.0.2.99 is not allowed to send for example.test (ann, mx.receiver.test, 1234567890)", nil},
		{"null sender uses helo", "192.0.2.99", "plain.test", "", Fail, "-all", 0, 0,
			"192.0.2.99 is not one of plain.test's designated mail servers.", nil},
		{"redirect", "192.0.2.99", "h.test", "bob@redirect.test", Fail, "-all", 3, 0,
			"192.0.2.99 is not allowed to send for example.test (bob, mx.receiver.test, 1234567890)", nil},
		{"ptr and %{p}", "192.0.2.2", "h.test", "x@ptrname.test", Pass, "ptr", 1, 0, "", nil},
		{"ptr no match", "192.0.2.3", "h.test", "x@ptrname.test", Fail, "-all", 1, 1, "connect from unknown", nil},
		{"too many lookups", "192.0.2.9", "h.test", "x@toomany.test", PermError, "", 11, 0, "", ErrTooManyLookups},
		{"too many void lookups", "192.0.2.9", "h.test", "x@voids.test", PermError, "", 3, 3, "", ErrTooManyVoidLookups},
		{"too many MX", "192.0.2.9", "h.test", "x@mxmany.test", PermError, "", 1, 0, "", ErrTooManyMX},
		{"multiple records", "192.0.2.9", "h.test", "x@multi.test", PermError, "", 0, 0, "", ErrMultipleRecords},
		{"syntax error", "192.0.2.9", "h.test", "x@syntax.test", PermError, "", 0, 0, "", ErrSyntax},
		{"include times out", "192.0.2.9", "h.test", "x@slowinc.test", TempError, "", 1, 0, "", dnsx.ErrTimeout},
		{"include servfail", "192.0.2.9", "h.test", "x@failinc.test", TempError, "", 1, 0, "", dnsx.ErrServFail},
		{"include without record", "192.0.2.9", "h.test", "x@noneinc.test", PermError, "", 1, 0, "", ErrNoRecord},
		{"no record", "192.0.2.9", "h.test", "x@other.test", None, "", 0, 0, "", ErrNoRecord},
		{"nxdomain", "192.0.2.9", "h.test", "x@nowhere.test", None, "", 0, 0, "", ErrNoRecord},
		{"single label", "192.0.2.9", "h.test", "x@localhost", None, "", 0, 0, "", ErrInvalidDomain},
		{"domain literal", "192.0.2.9", "[192.0.2.9]", "", None, "", 0, 0, "", ErrInvalidDomain},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ev := c.Check(context.Background(), netip.MustParseAddr(tt.ip), tt.helo, tt.from)
			if ev.Result != tt.want {
				t.Fatalf("result %s, want %s (err %v)\n%s", ev.Result, tt.want, ev.Err, dumpTree(ev.Tree))
			}
			matched := ""
			if ev.Matched != nil {
				matched = ev.Matched.Text
			}
			if matched != tt.matched || ev.Lookups != tt.lookups || ev.VoidLookups != tt.voids {
				t.Errorf("matched %q, %d lookups, %d void; want %q, %d, %d\n%s", matched, ev.Lookups, ev.VoidLookups, tt.matched, tt.lookups, tt.voids, dumpTree(ev.Tree))
			}
			if ev.Explanation != tt.explanation {
				t.Errorf("explanation %q, want %q", ev.Explanation, tt.explanation)
			}
			if tt.err == nil && ev.Err != nil || tt.err != nil && !errors.Is(ev.Err, tt.err) {
				t.Errorf("err %v, want %v", ev.Err, tt.err)
			}
		})
	}
}

// TestCheckTree checks the explanation a support agent reads: which record
// led where, which questions were asked, what matched.
func TestCheckTree(t *testing.T) {
	_, res := startWorld(t)
	c := &Checker{Resolver: res}
	ev := c.Check(context.Background(), netip.MustParseAddr("192.0.2.99"), "h.test", "bob@redirect.test")
	root := ev.Tree
	if root.Domain != "redirect.test" || root.Record != "v=spf1 ip4:192.0.2.200 redirect=example.test" || ev.Record != root.Record {
		t.Fatalf("root %+v", root)
	}
	if len(root.Children) != 1 || root.Children[0].Via != "redirect=example.test" || root.Children[0].Result != Fail || root.Children[0].Matched != "-all" {
		t.Fatalf("redirect child: %s", dumpTree(root))
	}
	ex := root.Children[0]
	if len(ex.Children) != 1 || ex.Children[0].Via != "include:_spf.example.test" || ex.Children[0].Result != SoftFail {
		t.Fatalf("include child: %s", dumpTree(root))
	}
	var asked []string
	for _, l := range ex.Lookups {
		asked = append(asked, l.Type+" "+l.Name+" "+l.Status+" "+strings.Join(l.Records, ","))
	}
	want := []string{
		"TXT example.test. ok v=spf1 ip4:192.0.2.1 include:_spf.example.test mx -all exp=_exp.example.test",
		"MX example.test. ok 10 mx.example.test.",
		"A mx.example.test. ok 203.0.113.5",
		"TXT _exp.example.test. ok %{i} is not allowed to send for %{d} (%{l}, %{r}, %{t})",
	}
	if strings.Join(asked, "\n") != strings.Join(want, "\n") {
		t.Errorf("questions asked for example.test:\n%s\nwant\n%s", strings.Join(asked, "\n"), strings.Join(want, "\n"))
	}
}

// TestCheckDeadline checks that a check never outlives its bound: a
// resolver that never answers yields temperror in time.
func TestCheckDeadline(t *testing.T) {
	srv, _ := startWorld(t)
	res, err := dnsx.New(dnsx.Config{Servers: []string{srv.Addr}, Timeout: 5 * time.Second, Attempts: 3})
	if err != nil {
		t.Fatal(err)
	}
	c := &Checker{Resolver: res, Timeout: 300 * time.Millisecond}
	start := time.Now()
	ev := c.Check(context.Background(), netip.MustParseAddr("192.0.2.9"), "h.test", "x@slowinc.test")
	if took := time.Since(start); took > 2*time.Second {
		t.Errorf("check took %v with a 300ms bound", took)
	}
	if ev.Result != TempError || !errors.Is(ev.Err, ErrTempDNS) {
		t.Errorf("result %s, err %v; want temperror", ev.Result, ev.Err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	ev = (&Checker{Resolver: res}).Check(ctx, netip.MustParseAddr("192.0.2.9"), "h.test", "x@example.test")
	if ev.Result != TempError {
		t.Errorf("cancelled context: result %s, want temperror", ev.Result)
	}
	ev = c.Check(context.Background(), netip.Addr{}, "h.test", "x@example.test")
	if ev.Result != PermError || !errors.Is(ev.Err, ErrInvalidIP) {
		t.Errorf("invalid IP: %s %v", ev.Result, ev.Err)
	}
}

func TestSplitSender(t *testing.T) {
	tests := []struct{ from, helo, local, domain string }{
		{"ann@example.com", "h", "ann", "example.com"},
		{"<ann@example.com>", "h", "ann", "example.com"},
		{"", "mail.example.net", "postmaster", "mail.example.net"},
		{"<>", "mail.example.net", "postmaster", "mail.example.net"},
		{"@example.net", "h", "postmaster", "example.net"},
		{"a@b@example.org", "h", "a@b", "example.org"},
		{"example.org", "h", "postmaster", "example.org"},
	}
	for _, tt := range tests {
		l, d := splitSender(tt.from, tt.helo)
		if l != tt.local || d != tt.domain {
			t.Errorf("splitSender(%q, %q) = %q, %q", tt.from, tt.helo, l, d)
		}
	}
}
