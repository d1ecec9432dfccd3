package sitetest

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"
)

// TestSendOutcomes sends a test code to each kind of demo address and
// reads what the live status page tells the user.
func TestSendOutcomes(t *testing.T) {
	for _, tc := range []struct {
		address, state string
		reason         string // the return's reason, "" when none comes back
		says           string // in the status the user reads
	}{
		{"ann@gmail.com", "accepted", "", "accepted the test code at"},
		{"full@gmail.com", "bounced", "mailboxfull", "Your mailbox is full"},
		{"gone@outlook.com", "bounced", "userunknown", "this address doesn't exist"},
		{"challenge@yahoo.com", "challenged", "", "A filter is holding the test code"},
		{"away@gmx.net", "autoreplied", "", "automatic reply"},
		{"ann@greylist.test", "deferred", "", "asked us to try again later"},
		{"nobody@icloud.com", "rejected", "", "refused the test code"},
	} {
		t.Run(tc.address, func(t *testing.T) {
			t.Parallel()
			s := Start(t, Options{})
			c := s.NewClient(t)
			sendTestCode(t, s, c, tc.address)
			doc := waitSendState(t, c, tc.state)
			status := TestID(doc, "live-status")
			if !strings.Contains(status, tc.says) {
				t.Errorf("status %q does not say %q", status, tc.says)
			}
			if tc.reason != "" {
				if r := tidAttr(doc, "return", "data-reason"); r != tc.reason {
					t.Errorf("return reason %q, want %q", r, tc.reason)
				}
			}
			// Only a code that stayed delivered is said to be in the
			// mailbox: not one that bounced or that a filter holds.
			inMailbox := strings.Contains(status, "It should be in your mailbox")
			if want := tc.state == "accepted" || tc.state == "autoreplied"; inMailbox != want {
				t.Errorf("state %s: says the code should be in the mailbox = %v, want %v", tc.state, inMailbox, want)
			}
		})
	}
}

// TestSendOutcomeAdvice: each outcome that needs the user to act says
// what to do.
func TestSendOutcomeAdvice(t *testing.T) {
	for _, tc := range []struct{ address, state, advice string }{
		{"nobody@icloud.com", "rejected", "Check the address for typos"},
		{"ann@greylist.test", "deferred", "Wait 10 to 15 minutes before asking for another code"},
		{"challenge@yahoo.com", "challenged", "approve our sender"},
	} {
		t.Run(tc.address, func(t *testing.T) {
			t.Parallel()
			s := Start(t, Options{})
			c := s.NewClient(t)
			sendTestCode(t, s, c, tc.address)
			doc := waitSendState(t, c, tc.state)
			panel := doc.Find(`[data-testid="send-state"]`)
			if n := panel.Find("p").Length(); n < 2 {
				t.Errorf("the %s panel has %d paragraph(s): no advice", tc.state, n)
			}
			if tc.advice != "" && !strings.Contains(panel.Text(), tc.advice) {
				t.Errorf("the %s panel lacks %q: %q", tc.state, tc.advice, strings.Join(strings.Fields(panel.Text()), " "))
			}
			if cl, _ := panel.Attr("class"); !strings.Contains(cl, "cp-panel--fail") && !strings.Contains(cl, "cp-panel--warn") {
				t.Errorf("the %s panel is styled %q", tc.state, cl)
			}
		})
	}
}

// TestCodeVerdicts: the code box tells the newest code from an earlier
// one, a slip of one digit, nothing typed, and (after the code's life) an
// expired one.
func TestCodeVerdicts(t *testing.T) {
	s, clk := startClocked(t)
	c := s.NewClient(t)
	const address = "ann@gmail.com"
	sendTestCode(t, s, c, address)
	first := s.EmailedCode(t, c.Ref(), address)
	c.Get("/email/result")
	clk.Advance(30 * time.Second)
	c.Post("/email/send", nil)
	if c.LastURL.Path != "/email/status" {
		t.Fatalf("second send: at %s (status %d)", c.LastURL.Path, c.LastStatus)
	}
	s.Server.Wait()
	newest := s.EmailedCode(t, c.Ref(), address)
	if newest == first {
		t.Fatalf("two sends gave the same code %s", first)
	}
	doc := c.Get("/email/status")
	if !Has(doc, "earlier-send") {
		t.Error("the status page does not list the earlier send")
	}

	check := func(typed, wantKind, wantText string) {
		t.Helper()
		doc := c.Post("/email/code", url.Values{"code": {typed}})
		if c.LastStatus != http.StatusOK {
			t.Fatalf("typed %q: status %d", typed, c.LastStatus)
		}
		if k := tidAttr(doc, "code-verdict", "data-kind"); k != wantKind {
			t.Errorf("typed %q: verdict %q (%s), want %s", typed, k, TestID(doc, "code-verdict"), wantKind)
		}
		if got := TestID(doc, "code-verdict"); !strings.Contains(got, wantText) {
			t.Errorf("typed %q: verdict says %q, want %q", typed, got, wantText)
		}
	}
	check(first, "earlier", "code 1 of 2")
	check(oneDigitOff(newest), "near-miss", "")
	check(newest, "ok", "That is the right code")

	doc = c.Post("/email/code", url.Values{"code": {""}})
	if c.LastStatus != http.StatusUnprocessableEntity {
		t.Errorf("empty code: status %d, want 422", c.LastStatus)
	}
	if got := TestID(doc, "error-summary"); !strings.Contains(got, "Enter the code from the email") {
		t.Errorf("empty code: summary %q", got)
	}
	if href, _ := doc.Find(`[data-testid="error-summary"] a`).Attr("href"); href != "#code" {
		t.Errorf("empty code: summary links to %q", href)
	}

	clk.Advance(24 * time.Hour)
	check(newest, "expired", "expired")
}

// oneDigitOff changes the last digit of a code.
func oneDigitOff(code string) string {
	b := []byte(code)
	i := len(b) - 1
	b[i] = '0' + (b[i]-'0'+1)%10
	return string(b)
}

// TestStatusJSON: the live status the page's script polls gives the same
// state as the page, and says when nothing more will change.
func TestStatusJSON(t *testing.T) {
	s := Start(t, Options{})
	c := s.NewClient(t)
	sendTestCode(t, s, c, "full@gmail.com")
	waitSendState(t, c, "bounced")
	resp, body := c.rawRequest(http.MethodGet, "/email/status.json", nil, nil)
	var live struct {
		Version string `json:"version"`
		Final   bool   `json:"final"`
		HTML    string `json:"html"`
	}
	if resp.StatusCode != http.StatusOK || json.Unmarshal([]byte(body), &live) != nil {
		t.Fatalf("status %d: %.200s", resp.StatusCode, body)
	}
	if !live.Final || !strings.Contains(live.HTML, `data-state="bounced"`) {
		t.Errorf("final %v, html %.200s", live.Final, live.HTML)
	}
	if v := tidAttr(c.Get("/email/status"), "live-status", "data-live-version"); v != live.Version {
		t.Errorf("the page's version %q differs from the JSON's %q", v, live.Version)
	}
	// Without a session there is nothing to poll.
	resp, _ = s.NewClient(t).rawRequest(http.MethodGet, "/email/status.json", nil, nil)
	if resp.StatusCode == http.StatusOK {
		t.Error("status.json answered without a session")
	}
}

// TestSessionEnded: a form posted after the session is gone (cookies
// cleared) says so and offers to start again.
func TestSessionEnded(t *testing.T) {
	s := Start(t, Options{})
	c := s.NewClient(t)
	resp, body := c.postRawForm("/email", url.Values{"address": {"ann@gmail.com"}, "csrf": {"x"}}, s.URL)
	if resp.StatusCode != http.StatusBadRequest {
		t.Errorf("status %d, want 400", resp.StatusCode)
	}
	doc := parseHTML(t, body)
	if !strings.Contains(doc.Find("h1").Text(), "Your session has ended") || tidAttr(doc, "start-again", "href") != "/" {
		t.Errorf("page %q", pageText(doc))
	}
	// A GET of a later step goes back to the start.
	if c.Get("/email/status"); c.LastURL.Path != "/" {
		t.Errorf("GET /email/status without a session: at %s", c.LastURL.Path)
	}
}
