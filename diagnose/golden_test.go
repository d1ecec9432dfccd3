package diagnose_test

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/codeprobe/codeprobe/diagnose"
	"github.com/codeprobe/codeprobe/diagnose/dnsx"
	"github.com/codeprobe/codeprobe/fixtures"
	"github.com/codeprobe/codeprobe/rules"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/golden")

var (
	worldOnce sync.Once
	world     *fixtures.World
	worldErr  error
)

// theWorld starts the fixture world once for all tests of the package.
func theWorld(t testing.TB) *fixtures.World {
	t.Helper()
	worldOnce.Do(func() { world, worldErr = fixtures.StartWorld() })
	if worldErr != nil {
		t.Fatal(worldErr)
	}
	return world
}

// worldOptions are the options of a check against the fixture world. The
// deadlines are long enough for a loaded machine to answer every question
// that is answered at all (the cases that time out meet a server that
// never answers, not a slow one), and short enough that those cases take
// two seconds, in parallel.
func worldOptions(t testing.TB, w *fixtures.World) diagnose.Options {
	t.Helper()
	r, err := dnsx.New(dnsx.Config{Servers: []string{w.DNS.Addr}, Timeout: 2 * time.Second, Attempts: 1})
	if err != nil {
		t.Fatal(err)
	}
	return diagnose.Options{
		Resolver:        r,
		Dialer:          w.Net,
		RootCAs:         w.RootCAs(),
		Timeout:         10 * time.Second,
		SMTPStepTimeout: 2 * time.Second,
		HeloName:        "probe.codeprobe.test",
		Rand:            zeroReader{},
	}
}

// goldenCase is one address of the fixture world and how to check it.
type goldenCase struct {
	name    string
	address string
	opts    func(*diagnose.Options)
	sender  string // --from-domain
	want    []string
}

func rcpt(o *diagnose.Options)    { o.RCPT = true }
func offline(o *diagnose.Options) { o.Offline = true }
func noSMTP(o *diagnose.Options)  { o.NoSMTP = true }

// goldenCases cover every finding the fixture world can produce; want
// lists the IDs each case exists for, checked on top of the golden file so
// that an -update cannot silently lose the point of a case.
var goldenCases = []goldenCase{
	{name: "good-gmail", address: "ann@gmail.com", want: []string{"mx.ok", "smtp.ok", "mx.provider", "mtasts.enforce", "tlsrpt.ok", "address.freemail", "dnssec.insecure", "dane.none"}},
	{name: "rcpt-ok", address: "ann@gmail.com", opts: rcpt, want: []string{"smtp.recipient-ok"}},
	{name: "rcpt-unknown-user", address: "no.such.user@gmail.com", opts: rcpt, want: []string{"smtp.rejected"}},
	{name: "typo-nxdomain", address: "ann@gmial.com", want: []string{"address.typo", "domain.nxdomain"}},
	{name: "typo-squat", address: "ann@gmail.co", want: []string{"address.typo"}},
	{name: "typo-comma", address: "ann@gmail,com", want: []string{"address.syntax", "address.typo"}},
	{name: "typo-missing-dot", address: "ann@gmailcom", want: []string{"address.syntax", "address.typo"}},
	{name: "typo-offline", address: "ann@hotmial.co.uk", opts: offline, want: []string{"address.typo"}},
	{name: "syntax-double-dot", address: "a..b@example.com", want: []string{"address.syntax"}},
	{name: "syntax-no-at", address: "ann.gmail.com", want: []string{"address.syntax"}},
	{name: "role", address: "info@gmail.com", opts: noSMTP, want: []string{"address.role"}},
	{name: "disposable", address: "x7@mailinator.com", opts: noSMTP, want: []string{"address.disposable"}},
	{name: "idn-smtputf8", address: "用户@bücher.example", opts: noSMTP, want: []string{"address.idn", "address.smtputf8"}},
	{name: "ip-literal", address: "ann@[5.9.10.1]", want: []string{"address.ip-literal"}},
	{name: "null-mx", address: "bob@parked-domain.com", want: []string{"mx.null"}},
	{name: "nxdomain", address: "jo@expired-startup.com", want: []string{"domain.nxdomain"}},
	{name: "gateway-m365", address: "it@contoso.com", want: []string{"mx.provider"}},
	{name: "implicit-mx", address: "x@implicit-mx.com", want: []string{"mx.implicit"}},
	{name: "mx-none", address: "x@no-mail.test", want: []string{"mx.none"}},
	{name: "mx-unresolvable", address: "x@unresolvable-mx.test", want: []string{"mx.unresolvable"}},
	{name: "mx-half-resolvable", address: "x@half-resolvable.test", want: []string{"mx.unresolvable", "mx.ok"}},
	{name: "mx-private", address: "x@private-mx.test", want: []string{"mx.private-address"}},
	{name: "mx-loopback", address: "x@loopback-mx.test", want: []string{"mx.private-address"}},
	{name: "mx-metadata", address: "x@metadata-mx.test", want: []string{"mx.private-address"}},
	{name: "mx-cname", address: "x@cname-mx.test", want: []string{"mx.cname"}},
	{name: "mx-ip-literal", address: "x@iplit-mx.test", want: []string{"mx.ip-literal"}},
	{name: "dns-timeout", address: "x@dns-timeout.test", want: []string{"dns.timeout"}},
	{name: "dns-servfail", address: "x@dns-servfail.test", want: []string{"dns.servfail"}},
	{name: "dns-refused", address: "x@dns-refused.test", want: []string{"dns.error"}},
	{name: "smtp-greylisted", address: "sam@greylist.test", opts: rcpt, want: []string{"smtp.greylisted"}},
	{name: "smtp-blocklisted", address: "ann@blocklisted.test", want: []string{"smtp.rejected"}},
	{name: "smtp-no-starttls", address: "ann@no-starttls.test", want: []string{"smtp.no-starttls"}},
	{name: "smtp-bad-cert", address: "ann@badcert.test", want: []string{"smtp.tls-invalid"}},
	{name: "smtp-unreachable", address: "ann@offline-mx.test", want: []string{"smtp.unreachable"}},
	{name: "smtp-silent", address: "ann@silent-mx.test", want: []string{"smtp.unreachable"}},
	{name: "smtp-busy", address: "ann@busy-mx.test", want: []string{"smtp.tempfail"}},
	{name: "smtp-garbage", address: "ann@garbage-mx.test", want: []string{"smtp.protocol-error"}},
	{name: "smtp-catch-all", address: "ann@catchall.test", opts: rcpt, want: []string{"smtp.catch-all"}},
	{name: "dnssec-dane", address: "ann@signed.test", want: []string{"dnssec.secure", "dane.present"}},
	{name: "dane-mismatch", address: "ann@dane-mismatch.test", want: []string{"dane.mismatch"}},
	{name: "dane-insecure", address: "ann@dane-insecure.test", want: []string{"dane.insecure"}},
	{name: "dane-unusable", address: "ann@dane-pkix.test", want: []string{"dane.unusable"}},
	{name: "mtasts-mismatch", address: "ann@sts-mismatch.test", want: []string{"mtasts.mx-mismatch", "tlsrpt.invalid"}},
	{name: "mtasts-broken", address: "ann@sts-broken.test", want: []string{"mtasts.fetch-failed"}},
	{name: "mtasts-testing", address: "ann@sts-testing.test", want: []string{"mtasts.testing"}},
	{name: "mtasts-invalid", address: "ann@sts-invalid.test", want: []string{"mtasts.invalid"}},
	{name: "mtasts-private", address: "ann@sts-private.test", want: []string{"mtasts.private-address"}},
	{name: "flaky-policy-dns", address: "ann@flaky-dns.test", want: []string{"mtasts.temperror", "dane.temperror"}},
	{name: "sender-good", address: "ann@gmail.com", opts: noSMTP, sender: "acme-bank.test", want: []string{"spf.ok", "dmarc.ok", "dkim.ok"}},
	{name: "sender-inherited", address: "ann@gmail.com", opts: noSMTP, sender: "codes.acme-bank.test", want: []string{"dmarc.inherited"}},
	{name: "sender-sloppy", address: "ann@gmail.com", opts: noSMTP, sender: "sloppy-sender.test", want: []string{"spf.too-many-lookups", "spf.permissive", "spf.ptr", "dmarc.policy-none", "dmarc.no-rua", "dkim.weak"}},
	{name: "sender-broken", address: "ann@gmail.com", opts: noSMTP, sender: "broken-sender.test", want: []string{"spf.multiple", "dmarc.invalid", "dkim.revoked", "dkim.invalid", "dkim.insecure", "dkim.testing"}},
	{name: "sender-typo", address: "ann@gmail.com", opts: noSMTP, sender: "typo-sender.test", want: []string{"spf.syntax", "dmarc.multiple"}},
	{name: "sender-partial", address: "ann@gmail.com", opts: noSMTP, sender: "partial-sender.test", want: []string{"spf.void-lookups", "dmarc.pct"}},
	{name: "sender-reporting", address: "ann@gmail.com", opts: noSMTP, sender: "reporting-sender.test", want: []string{"dmarc.rua-unauthorised"}},
	{name: "sender-bare", address: "ann@gmail.com", opts: noSMTP, sender: "bare-sender.test", want: []string{"spf.none", "dmarc.none", "dkim.none"}},
	{name: "sender-dns-failure", address: "ann@gmail.com", opts: noSMTP, sender: "dns-servfail.test", want: []string{"spf.temperror", "dmarc.temperror", "dkim.temperror"}},
	{name: "placement-inbox", address: "ann@gmail.com", opts: seedRuns("inbox", "inbox", "junk", "inbox"), want: []string{"placement.inbox"}},
	{name: "placement-junk", address: "ann@gmail.com", opts: seedRuns("junk", "junk", "inbox", "junk"), want: []string{"placement.junk"}},
	{name: "placement-delayed", address: "ann@gmail.com", opts: seedRuns("late", "late", "inbox", "error"), want: []string{"placement.delayed"}},
	{name: "placement-missing", address: "ann@gmail.com", opts: seedRuns("missing", "missing", "junk", "inbox"), want: []string{"placement.missing"}},
	{name: "placement-stale", address: "ann@gmail.com", opts: seedRuns("old", "old"), want: []string{"mx.provider"}},
}

// placementNow is the clock of the placement cases.
var placementNow = time.Date(2026, 3, 2, 15, 0, 0, 0, time.UTC)

// seedRuns gives the check a seed history for Google of one run per kind,
// newest first, a quarter of an hour apart: "late" is an inbox placement
// seen after 5 minutes, "old" an inbox placement from two days before.
func seedRuns(kinds ...string) func(*diagnose.Options) {
	return func(o *diagnose.Options) {
		o.NoSMTP = true
		o.Now = func() time.Time { return placementNow }
		src := seedHistory{}
		for i, k := range kinds {
			p := diagnose.SeedPlacement{Seed: "gmail-1", Kind: k, Sent: placementNow.Add(-time.Duration(i+1) * 15 * time.Minute)}
			switch k {
			case "inbox":
				p.Folder, p.Latency = "INBOX", 2*time.Second
			case "junk":
				p.Folder, p.Latency = "[Gmail]/Spam", 3*time.Second
			case "late":
				p.Kind, p.Folder, p.Latency = "inbox", "INBOX", 5*time.Minute
			case "old":
				p.Kind, p.Folder, p.Sent = "inbox", "INBOX", placementNow.Add(-48*time.Hour)
			}
			src["google"] = append(src["google"], []diagnose.SeedPlacement{p})
		}
		o.Placements = src
	}
}

// seedHistory is a fixed PlacementSource.
type seedHistory map[string][][]diagnose.SeedPlacement

func (h seedHistory) PlacementRuns(_ context.Context, provider string, runs int) ([][]diagnose.SeedPlacement, error) {
	r := h[provider]
	return r[:min(runs, len(r))], nil
}

// senderSelectors are the DKIM selectors the sender cases ask for.
var senderSelectors = []string{"google", "s1", "old", "bad", "tiny"}

func runGolden(t *testing.T, w *fixtures.World, c goldenCase) *diagnose.Report {
	t.Helper()
	opts := worldOptions(t, w)
	opts.DKIMSelectors = senderSelectors
	if c.opts != nil {
		c.opts(&opts)
	}
	ch, err := diagnose.New(opts)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	r := ch.Check(ctx, c.address)
	if c.sender != "" {
		r.Sender = ch.CheckSender(ctx, c.sender)
	}
	return r
}

// TestGolden checks the whole JSON report of each case against
// testdata/golden/NAME.json. Run with -update to rewrite them after a
// deliberate change, and read the diff.
func TestGolden(t *testing.T) {
	w := theWorld(t)
	seen := map[string]bool{}
	var mu sync.Mutex
	t.Run("cases", func(t *testing.T) {
		for _, c := range goldenCases {
			t.Run(c.name, func(t *testing.T) {
				t.Parallel()
				r := runGolden(t, w, c)
				r.DurationMS = 0
				var buf bytes.Buffer
				enc := json.NewEncoder(&buf)
				enc.SetEscapeHTML(false)
				enc.SetIndent("", "  ")
				if err := enc.Encode(r); err != nil {
					t.Fatal(err)
				}
				got := buf.Bytes()
				ids := map[string]bool{}
				for _, f := range allFindings(r) {
					ids[f.ID] = true
				}
				mu.Lock()
				for id := range ids {
					seen[id] = true
				}
				mu.Unlock()
				for _, id := range c.want {
					if !ids[id] {
						t.Errorf("%s: no %s finding; got %v", c.address, id, keys(ids))
					}
				}
				compareGolden(t, filepath.Join("testdata", "golden", c.name+".json"), got)
			})
		}
	})
	if t.Failed() {
		return
	}
	// Every finding in the catalogue that the recipient and sender checks
	// can produce is shown by some case.
	var missing []string
	for _, r := range rules.All() {
		if !checkAreas[r.Area()] {
			continue
		}
		if !seen[r.ID] && !notInWorld[r.ID] {
			missing = append(missing, r.ID)
		}
	}
	if len(missing) > 0 {
		t.Errorf("no golden case produces %v: add a fixture-world case (or list the ID in notInWorld with the reason)", missing)
	}
}

// checkAreas are the areas of the catalogue (the part of an ID before its
// first dot) whose findings Check and CheckSender produce; other areas
// belong to other parts of codeprobe.
var checkAreas = map[string]bool{
	"address": true, "domain": true, "mx": true, "dns": true, "dnssec": true, "smtp": true,
	"spf": true, "dmarc": true, "dkim": true, "mtasts": true, "tlsrpt": true, "dane": true,
	"placement": true,
}

// notInWorld lists catalogue IDs that no fixture-world case can produce,
// with the reason.
var notInWorld = map[string]bool{}

func allFindings(r *diagnose.Report) []diagnose.Finding {
	fs := append([]diagnose.Finding(nil), r.Findings...)
	if r.Sender != nil {
		fs = append(fs, r.Sender.Findings...)
	}
	return fs
}

func keys(m map[string]bool) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

func compareGolden(t *testing.T, path string, got []byte) {
	t.Helper()
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if !bytes.Equal(got, want) {
		gotPath := strings.TrimSuffix(path, ".json") + ".got"
		os.WriteFile(gotPath, got, 0o644)
		t.Errorf("report differs from %s; wrote %s (diff them; -update accepts)", path, gotPath)
	}
}

// zeroReader makes the catch-all probe's random local part the same in
// every run, so that golden transcripts are stable.
type zeroReader struct{}

func (zeroReader) Read(p []byte) (int, error) {
	clear(p)
	return len(p), nil
}
