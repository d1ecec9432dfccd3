package sitetest

import (
	"flag"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/PuerkitoBio/goquery"
	"github.com/nyaruka/phonenumbers"
)

var updateGolden = flag.Bool("update", false, "rewrite the golden HTML files in testdata/golden")

// masks replace what differs from run to run: form tokens, reference
// codes, the test enrolment's key, the live region's version, the
// receiving server's queue ID, the static assets' content hashes (which
// change with every edit of the CSS, not with the page), and when a
// return arrived (the demo's sink stamps it with the wall clock, not the
// site's).
var masks = []struct {
	re   *regexp.Regexp
	with string
}{
	{regexp.MustCompile(`(name="csrf" value=")[^"]*"`), `${1}CSRF"`},
	{regexp.MustCompile(`CP-[0-9A-Z]{4}-[0-9A-Z]{4}`), `CP-XXXX-XXXX`},
	{regexp.MustCompile(`(data-testid="manual-key">)[^<]*<`), `${1}MANUAL-KEY<`},
	{regexp.MustCompile(`(data-live-version=")[^"]*"`), `${1}VERSION"`},
	{regexp.MustCompile(`\(their reference [^)]*\)`), `(their reference QUEUE-ID)`},
	{regexp.MustCompile(`(\?v=)[^"&]+`), `${1}HASH`},
	{regexp.MustCompile(`(</strong> \(at )\d\d:\d\d:\d\d UTC\)`), `${1}RECEIVED)`},
}

// goldenHTML is the page as compared: masked, one tag per line.
func goldenHTML(t *testing.T, doc *goquery.Document) string {
	t.Helper()
	h, err := doc.Html()
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range masks {
		h = m.re.ReplaceAllString(h, m.with)
	}
	return strings.ReplaceAll(h, "><", ">\n<") + "\n"
}

// checkGolden compares the page with testdata/golden/name.html; with
// -update it rewrites the file. On a mismatch it writes name.html.got
// beside it and shows the first lines that differ.
func checkGolden(t *testing.T, name string, doc *goquery.Document) {
	t.Helper()
	got := goldenHTML(t, doc)
	path := filepath.Join("testdata", "golden", name+".html")
	if *updateGolden {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -run TestGoldenPages -update to create it)", err)
	}
	if got == string(want) {
		os.Remove(path + ".got")
		return
	}
	if err := os.WriteFile(path+".got", []byte(got), 0o644); err != nil {
		t.Fatal(err)
	}
	t.Errorf("%s differs from %s (written to %s.got):\n%s", name, path, path, shortDiff(string(want), got, 8))
}

// shortDiff lists up to max lines that differ, by line number.
func shortDiff(want, got string, max int) string {
	w, g := strings.Split(want, "\n"), strings.Split(got, "\n")
	var b strings.Builder
	n := 0
	for i := 0; i < len(w) || i < len(g); i++ {
		var wl, gl string
		if i < len(w) {
			wl = w[i]
		}
		if i < len(g) {
			gl = g[i]
		}
		if wl == gl {
			continue
		}
		fmt.Fprintf(&b, "line %d:\n- %s\n+ %s\n", i+1, wl, gl)
		if n++; n == max {
			b.WriteString("…\n")
			break
		}
	}
	if len(w) != len(g) {
		fmt.Fprintf(&b, "(%d lines, want %d)\n", len(g), len(w))
	}
	return b.String()
}

// TestGoldenPages renders every wizard page on a site whose clock stands
// still, and compares the HTML with the golden files.
func TestGoldenPages(t *testing.T) {
	email := func(address string) func(*testing.T, *Site, *siteClock, *Client) {
		return func(t *testing.T, s *Site, _ *siteClock, c *Client) { chooseEmail(t, c, address) }
	}
	status := func(address, state string) func(*testing.T, *Site, *siteClock, *Client) {
		return func(t *testing.T, s *Site, _ *siteClock, c *Client) {
			sendTestCode(t, s, c, address)
			waitSendState(t, c, state)
		}
	}
	app := func(offset time.Duration) func(*testing.T, *Site, *siteClock, *Client) {
		return func(t *testing.T, s *Site, clk *siteClock, c *Client) {
			key := startApp(t, c)
			c.Post("/app", url.Values{"code": {appCode(t, key, clk.Now().Add(offset))}})
		}
	}
	sms := func(typ phonenumbers.PhoneNumberType) func(*testing.T, *Site, *siteClock, *Client) {
		return func(t *testing.T, s *Site, _ *siteClock, c *Client) {
			c.Get("/")
			c.Post("/", url.Values{"channel": {"sms"}})
			n := phonenumbers.Format(phonenumbers.GetExampleNumberForType("GB", typ), phonenumbers.NATIONAL)
			c.Post("/sms", url.Values{"number": {n}, "region": {"GB"}})
		}
	}
	pages := []struct {
		name   string
		walk   func(*testing.T, *Site, *siteClock, *Client)
		path   string // where the walk must end
		status int
	}{
		{"start", func(t *testing.T, s *Site, _ *siteClock, c *Client) { c.Get("/") }, "/", 200},
		{"start-error", func(t *testing.T, s *Site, _ *siteClock, c *Client) { c.Get("/"); c.Post("/", nil) }, "/", 422},
		{"email-form", func(t *testing.T, s *Site, _ *siteClock, c *Client) {
			c.Get("/")
			c.Post("/", url.Values{"channel": {"email"}})
		}, "/email", 200},
		{"email-error", email("ann.gmail.com"), "/email", 422},
		{"email-suggestion", email("ann@gmial.com"), "/email/suggestion", 200},
		{"result-ok", email("ann@gmail.com"), "/email/result", 200},
		{"result-provider", email("ann@outlook.com"), "/email/result", 200},
		{"result-gateway", email("it@contoso.com"), "/email/result", 200},
		{"result-disposable", email("x7@mailinator.com"), "/email/result", 200},
		{"result-blocked", email("jo@expired-startup.com"), "/email/result", 200},
		{"status-accepted", status("ann@gmail.com", "accepted"), "/email/status", 200},
		{"status-bounced", status("full@gmail.com", "bounced"), "/email/status", 200},
		{"status-challenged", status("challenge@yahoo.com", "challenged"), "/email/status", 200},
		{"status-autoreplied", status("away@gmx.net", "autoreplied"), "/email/status", 200},
		{"status-deferred", status("ann@greylist.test", "deferred"), "/email/status", 200},
		{"status-rejected", status("nobody@icloud.com", "rejected"), "/email/status", 200},
		{"status-code-ok", func(t *testing.T, s *Site, clk *siteClock, c *Client) {
			status("ann@gmail.com", "accepted")(t, s, clk, c)
			c.Post("/email/code", url.Values{"code": {s.EmailedCode(t, c.Ref(), "ann@gmail.com")}})
		}, "/email/status", 200},
		{"status-code-near-miss", func(t *testing.T, s *Site, clk *siteClock, c *Client) {
			status("ann@gmail.com", "accepted")(t, s, clk, c)
			c.Post("/email/code", url.Values{"code": {oneDigitOff(s.EmailedCode(t, c.Ref(), "ann@gmail.com"))}})
		}, "/email/status", 200},
		{"checklist", func(t *testing.T, s *Site, _ *siteClock, c *Client) {
			chooseEmail(t, c, "ann@outlook.com")
			c.Get("/email/checklist")
		}, "/email/checklist", 200},
		{"done", func(t *testing.T, s *Site, _ *siteClock, c *Client) {
			chooseEmail(t, c, "ann@outlook.com")
			c.Get("/done")
		}, "/done", 200},
		{"help-locked", func(t *testing.T, s *Site, _ *siteClock, c *Client) { c.Get("/help/locked") }, "/help/locked", 200},
		{"help-unrequested", func(t *testing.T, s *Site, _ *siteClock, c *Client) { c.Get("/help/unrequested") }, "/help/unrequested", 200},
		{"app-enrolment", func(t *testing.T, s *Site, _ *siteClock, c *Client) { startApp(t, c) }, "/app", 200},
		{"app-malformed", func(t *testing.T, s *Site, _ *siteClock, c *Client) {
			startApp(t, c)
			c.Post("/app", url.Values{"code": {"12ab"}})
		}, "/app", 422},
		{"app-ok", app(0), "/app/result", 200},
		{"app-skewed", app(-95 * time.Second), "/app/result", 200},
		{"app-timezone", app(2 * time.Hour), "/app/result", 200},
		{"sms-form", func(t *testing.T, s *Site, _ *siteClock, c *Client) {
			c.Get("/")
			c.Post("/", url.Values{"channel": {"sms"}})
		}, "/sms", 200},
		{"sms-voip", sms(phonenumbers.VOIP), "/sms/result", 200},
		{"sms-mobile", sms(phonenumbers.MOBILE), "/sms/result", 200},
		{"sms-landline", sms(phonenumbers.FIXED_LINE), "/sms/result", 200},
	}
	for _, p := range pages {
		t.Run(p.name, func(t *testing.T) {
			t.Parallel()
			s, clk := startClocked(t)
			c := s.NewClient(t)
			p.walk(t, s, clk, c)
			if c.LastURL.Path != p.path || c.LastStatus != p.status {
				t.Fatalf("at %s with status %d, want %s with %d", c.LastURL.Path, c.LastStatus, p.path, p.status)
			}
			checkGolden(t, p.name, c.Last)
		})
	}
}

// TestGoldenMasks: the masks hide what varies and only that.
func TestGoldenMasks(t *testing.T) {
	doc, err := goquery.NewDocumentFromReader(strings.NewReader(`<p data-testid="footer-ref">CP-7K3M-9QX2</p>` +
		`<input type="hidden" name="csrf" value="abc-123_x"/><p class="cp-key" data-testid="manual-key">ABCD EFGH</p>` +
		`<link rel="stylesheet" href="/static/site.css?v=0123abcd"/><p>Accepted at 10:02:00 UTC (their reference Q1w2E3).</p>` +
		`<p><strong>The test code bounced.</strong> (at 06:17:29 UTC)</p>`))
	if err != nil {
		t.Fatal(err)
	}
	got := goldenHTML(t, doc)
	for _, gone := range []string{"7K3M", "abc-123_x", "ABCD EFGH", "0123abcd", "Q1w2E3", "06:17:29"} {
		if strings.Contains(got, gone) {
			t.Errorf("%q is not masked in:\n%s", gone, got)
		}
	}
	if !strings.Contains(got, "10:02:00 UTC") {
		t.Error("a fixed time was masked")
	}
}
