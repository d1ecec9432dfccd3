package sitetest

import (
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/PuerkitoBio/goquery"

	"github.com/codeprobe/codeprobe/internal/demo"
)

// siteEpoch is the fixed time the tests' clocks start at: a Monday
// morning, so the pages' times read as a user would see them.
var siteEpoch = time.Date(2026, time.March, 2, 10, 2, 0, 0, time.UTC)

// siteClock is a clock the test sets: the site's Options.Now.
type siteClock struct {
	mu sync.Mutex
	t  time.Time
}

func newSiteClock(t time.Time) *siteClock { return &siteClock{t: t} }

func (c *siteClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *siteClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// startClocked starts a site whose clock stands still at siteEpoch until
// the test moves it.
func startClocked(t *testing.T) (*Site, *siteClock) {
	t.Helper()
	clk := newSiteClock(siteEpoch)
	return Start(t, Options{Now: clk.Now}), clk
}

// attr returns an attribute of the element with the data-testid, "" when
// there is none.
func tidAttr(doc *goquery.Document, id, name string) string {
	v, _ := doc.Find(`[data-testid="` + id + `"]`).First().Attr(name)
	return v
}

// text is the page's visible text with spaces collapsed.
func pageText(doc *goquery.Document) string {
	return strings.Join(strings.Fields(doc.Find("body").Text()), " ")
}

// chooseEmail starts a wizard session on the email path and checks the
// address; the client is left on the page that follows.
func chooseEmail(t *testing.T, c *Client, address string) *goquery.Document {
	t.Helper()
	c.Get("/")
	c.Post("/", url.Values{"channel": {"email"}})
	if c.LastURL.Path != "/email" {
		t.Fatalf("after choosing email: at %s (status %d), want /email", c.LastURL.Path, c.LastStatus)
	}
	return c.Post("/email", url.Values{"address": {address}})
}

// sendTestCode checks the address, asks for a test code and waits for the
// send (not its returns) to finish.
func sendTestCode(t *testing.T, s *Site, c *Client, address string) {
	t.Helper()
	doc := chooseEmail(t, c, address)
	if c.LastURL.Path != "/email/result" || !Has(doc, "send") {
		t.Fatalf("%s: at %s (status %d) with no send button: %q", address, c.LastURL.Path, c.LastStatus, TestID(doc, "verdict"))
	}
	c.Post("/email/send", nil)
	if c.LastURL.Path != "/email/status" {
		t.Fatalf("after sending to %s: at %s (status %d), want /email/status", address, c.LastURL.Path, c.LastStatus)
	}
	s.Server.Wait()
}

// waitSendState reloads the status page until the newest send is in the
// state want (returns arrive through the sink, asynchronously), and
// returns that page; it fails the test after 30 seconds.
func waitSendState(t *testing.T, c *Client, want string) *goquery.Document {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		doc := c.Get("/email/status")
		state := tidAttr(doc, "send-state", "data-state")
		if state == want {
			return doc
		}
		if time.Now().After(deadline) {
			t.Fatalf("send state %q, want %q; the page says %q", state, want, TestID(doc, "live-status"))
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// raw sends a request with the client's cookies and returns the response
// with its body read; it does not follow redirects.
func (c *Client) rawRequest(method, path string, body io.Reader, header http.Header) (*http.Response, string) {
	c.t.Helper()
	req, err := http.NewRequest(method, c.site.URL+path, body)
	if err != nil {
		c.t.Fatal(err)
	}
	for k, vs := range header {
		req.Header[k] = vs
	}
	hc := *c.http
	hc.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	resp, err := hc.Do(req)
	if err != nil {
		c.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		c.t.Fatal(err)
	}
	return resp, string(b)
}

// postForm posts a form as it is, with no csrf field added, and the given
// Origin ("" sends none).
func (c *Client) postRawForm(path string, form url.Values, origin string) (*http.Response, string) {
	c.t.Helper()
	h := http.Header{"Content-Type": {"application/x-www-form-urlencoded"}}
	if origin != "" {
		h.Set("Origin", origin)
	}
	return c.rawRequest(http.MethodPost, path, strings.NewReader(form.Encode()), h)
}

// csrf is the csrf field of the last page.
func (c *Client) formCSRF() string {
	v, _ := c.Last.Find(`input[name="csrf"]`).First().Attr("value")
	return v
}

// login signs the client in to the agent console as user.
func agentLogin(t *testing.T, c *Client, user, password string) *goquery.Document {
	t.Helper()
	c.Get("/agent/login")
	next, _ := c.Last.Find(`input[name="next"]`).Attr("value")
	return c.Post("/agent/login", url.Values{"username": {user}, "password": {password}, "next": {next}})
}

// loginDemo signs the client in as the demo agent and checks it worked.
func agentLoginDemo(t *testing.T, s *Site, c *Client) {
	t.Helper()
	doc := agentLogin(t, c, demo.User, s.Demo.Password)
	if c.LastStatus != http.StatusOK || !Has(doc, "lookup-form") {
		t.Fatalf("login: status %d at %s, no look-up form: %q", c.LastStatus, c.LastURL, TestID(doc, "error-summary"))
	}
}

// refCodePattern is a reference code: CP- and two groups of four of
// Crockford's base 32.
var refCodePattern = regexp.MustCompile(`^CP-[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{4}$`)

// parseHTML parses a page read with rawRequest.
func parseHTML(t *testing.T, body string) *goquery.Document {
	t.Helper()
	doc, err := goquery.NewDocumentFromReader(strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	return doc
}
