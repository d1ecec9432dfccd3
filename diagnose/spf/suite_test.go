package spf

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/netip"
	"os"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/codeprobe/codeprobe/diagnose/dnsx"
	"github.com/codeprobe/codeprobe/fixtures"
	"github.com/codeprobe/codeprobe/internal/testenv"
	"github.com/miekg/dns"
	"gopkg.in/yaml.v3"
)

// The openspf RFC 7208 test suite (release 2014.04), run against a real DNS
// server in-process serving each scenario's zone data.

type suiteScenario struct {
	Description string               `yaml:"description"`
	Tests       map[string]suiteCase `yaml:"tests"`
	ZoneData    map[string][]any     `yaml:"zonedata"`
}

type suiteCase struct {
	Spec        any     `yaml:"spec"`
	Helo        string  `yaml:"helo"`
	Host        string  `yaml:"host"`
	MailFrom    string  `yaml:"mailfrom"`
	Result      any     `yaml:"result"`
	Explanation *string `yaml:"explanation"`
}

func (c suiteCase) results() []Result {
	switch v := c.Result.(type) {
	case string:
		return []Result{Result(v)}
	case []any:
		var out []Result
		for _, r := range v {
			out = append(out, Result(fmt.Sprint(r)))
		}
		return out
	}
	return nil
}

// findShared walks up from the package directory to the one holding
// shared/, where test data from outside the project lives.
func findShared(t testing.TB, rel string) string {
	t.Helper()
	return testenv.Shared(t, rel)
}

func loadSuite(t testing.TB) []suiteScenario {
	data, err := os.ReadFile(findShared(t, "conformance/spf/rfc7208-tests.yml"))
	if err != nil {
		t.Fatal(err)
	}
	dec := yaml.NewDecoder(bytes.NewReader(data))
	var out []suiteScenario
	for {
		var s suiteScenario
		err := dec.Decode(&s)
		if errors.Is(err, io.EOF) {
			return out
		}
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, s)
	}
}

func TestRFC7208Suite(t *testing.T) {
	scenarios := loadSuite(t)
	passed, total := 0, 0
	var skips []string
	for _, sc := range scenarios {
		srv, timeouts := serveZone(t, sc.ZoneData)
		res, err := dnsx.New(dnsx.Config{Servers: []string{srv.Addr}, Timeout: 400 * time.Millisecond, Attempts: 2})
		if err != nil {
			t.Fatal(err)
		}
		c := &Checker{Resolver: res, DefaultExplanation: "DEFAULT", ReceiverName: "receiver.example.org",
			Now: func() time.Time { return time.Unix(1700000000, 0) }}
		names := make([]string, 0, len(sc.Tests))
		for name := range sc.Tests {
			names = append(names, name)
		}
		sort.Strings(names)
		for _, name := range names {
			tc := sc.Tests[name]
			total++
			var skipped bool
			ok := t.Run(sc.Description+"/"+name, func(t *testing.T) {
				defer func() { skipped = t.Skipped() }()
				runSuiteCase(t, c, tc)
			})
			switch {
			case skipped:
				skips = append(skips, name)
			case ok:
				passed++
			}
		}
		checkTimeoutEmulation(t, srv, timeouts)
		srv.Close()
	}
	t.Logf("openspf RFC 7208 suite: %d passed of %d, %d skipped %v", passed, total, len(skips), skips)
	if total != 203 {
		t.Errorf("the suite has %d tests, want 203: was the file changed?", total)
	}
}

func runSuiteCase(t *testing.T, c *Checker, tc suiteCase) {
	ip, err := netip.ParseAddr(tc.Host)
	if err != nil {
		t.Fatalf("host %q: %v", tc.Host, err)
	}
	ev := c.Check(context.Background(), ip, tc.Helo, tc.MailFrom)
	want := tc.results()
	if !slices.Contains(want, ev.Result) {
		t.Errorf("spec %v: result %s, want %v (err: %v)\nrecord: %q\n%s", tc.Spec, ev.Result, want, ev.Err, ev.Record, dumpTree(ev.Tree))
	}
	if tc.Explanation != nil && ev.Explanation != *tc.Explanation {
		t.Errorf("spec %v: explanation %q, want %q", tc.Spec, ev.Explanation, *tc.Explanation)
	}
}

func dumpTree(n *Node) string {
	var b strings.Builder
	var walk func(n *Node, depth int)
	walk = func(n *Node, depth int) {
		ind := strings.Repeat("  ", depth)
		fmt.Fprintf(&b, "%s%s %s %q → %s %s\n", ind, n.Via, n.Domain, n.Record, n.Result, n.Error)
		for _, l := range n.Lookups {
			fmt.Fprintf(&b, "%s  ? %s %s %s %q %s\n", ind, l.Name, l.Type, l.Status, l.Records, l.Term)
		}
		for _, c := range n.Children {
			walk(c, depth+1)
		}
	}
	if n != nil {
		walk(n, 0)
	}
	return b.String()
}

// timeoutName records a name whose zone data says TIMEOUT. As in the
// suite's reference driver, a question times out unless a record of its
// type comes before TIMEOUT in the list. The fixture server drops whole
// names, so a name is dropped when its TXT question must time out, and
// checkTimeoutEmulation verifies afterwards that no question whose answer
// the emulation got wrong was asked.
type timeoutName struct {
	served map[string]bool // types listed before TIMEOUT
	drop   bool
}

// serveZone starts a fixture DNS server with the scenario's records. Like
// the suite's drivers, it publishes each SPF-type record as TXT too when
// the name lists no TXT record ("TXT: NONE" suppresses that).
func serveZone(t *testing.T, zone map[string][]any) (*fixtures.DNSServer, map[string]timeoutName) {
	t.Helper()
	srv := fixtures.NewDNSServer()
	timeouts := map[string]timeoutName{}
	for name, entries := range zone {
		owner, err := queryName(name)
		if err != nil {
			t.Fatalf("zone name %q: %v", name, err)
		}
		add := func(typ, rdata string) {
			if err := srv.AddRecord(owner + " 300 IN " + typ + " " + rdata); err != nil {
				t.Fatalf("%s %s %s: %v", owner, typ, rdata, err)
			}
		}
		hasTXT := false
		for _, e := range entries {
			if m, ok := e.(map[string]any); ok && m["TXT"] != nil {
				hasTXT = true
			}
		}
		var spfCopies []string
		timeout, served := false, map[string]bool{}
		for _, e := range entries {
			m, ok := e.(map[string]any)
			if !ok {
				if e != "TIMEOUT" {
					t.Fatalf("%s: unknown zone entry %v", name, e)
				}
				timeout = true
				continue
			}
			for typ, val := range m {
				if val == "NONE" {
					continue
				}
				rdata := zoneRdata(t, typ, val)
				add(typ, rdata)
				if typ == "SPF" && !hasTXT {
					spfCopies = append(spfCopies, rdata)
				}
				if !timeout {
					served[typ] = true
				}
			}
		}
		for _, rdata := range spfCopies {
			add("TXT", rdata)
		}
		if timeout {
			tn := timeoutName{served: served, drop: !served["TXT"]}
			timeouts[owner] = tn
			if tn.drop {
				srv.SetBehaviour(owner, fixtures.Behaviour{Drop: true})
			}
		}
	}
	// SetBehaviour covers the names below the one given too; the suite's
	// TIMEOUT covers only its own name, so the names below a dropped one
	// that have data of their own get their normal behaviour back.
	for name := range zone {
		owner, _ := queryName(name)
		for dropped, tn := range timeouts {
			if tn.drop && owner != dropped && dns.IsSubDomain(dropped, owner) && !timeouts[owner].drop {
				srv.SetBehaviour(owner, fixtures.Behaviour{})
			}
		}
	}
	if err := srv.Start(); err != nil {
		t.Fatal(err)
	}
	return srv, timeouts
}

// zoneRdata renders a suite record value in master-file syntax.
func zoneRdata(t *testing.T, typ string, val any) string {
	switch typ {
	case "TXT", "SPF":
		var strs []string
		switch v := val.(type) {
		case string:
			strs = []string{v}
		case []any:
			for _, s := range v {
				strs = append(strs, fmt.Sprint(s))
			}
		}
		var parts []string
		for _, s := range strs {
			// A character-string holds at most 255 octets (RFC 1035 §3.3).
			for len(s) > 255 {
				parts = append(parts, quoteTXT(s[:255]))
				s = s[255:]
			}
			parts = append(parts, quoteTXT(s))
		}
		return strings.Join(parts, " ")
	case "MX":
		v, ok := val.([]any)
		if !ok || len(v) != 2 {
			t.Fatalf("MX %v", val)
		}
		host := fmt.Sprint(v[1])
		if host == "" {
			return fmt.Sprint(v[0]) + " ."
		}
		return fmt.Sprint(v[0]) + " " + dns.Fqdn(host)
	case "PTR", "CNAME":
		return dns.Fqdn(fmt.Sprint(val))
	case "A", "AAAA":
		return fmt.Sprint(val)
	}
	t.Fatalf("unknown record type %s", typ)
	return ""
}

// quoteTXT quotes s as a master-file character-string, escaping every
// octet that is not printable ASCII (RFC 1035 §5.1).
func quoteTXT(s string) string {
	var b strings.Builder
	b.WriteByte('"')
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '"' || c == '\\':
			b.WriteByte('\\')
			b.WriteByte(c)
		case c < ' ' || c > '~':
			fmt.Fprintf(&b, "\\%03d", c)
		default:
			b.WriteByte(c)
		}
	}
	b.WriteByte('"')
	return b.String()
}

func checkTimeoutEmulation(t *testing.T, srv *fixtures.DNSServer, timeouts map[string]timeoutName) {
	t.Helper()
	for name, tn := range timeouts {
		for _, qt := range []uint16{dns.TypeTXT, dns.TypeSPF, dns.TypeA, dns.TypeAAAA, dns.TypeMX, dns.TypePTR} {
			typ := dns.TypeToString[qt]
			if srv.QueriesFor(name, qt) > 0 && tn.drop == tn.served[typ] {
				t.Errorf("%s %s was asked, but the fixture server cannot answer it as the suite means (TIMEOUT emulation)", name, typ)
			}
		}
	}
}
