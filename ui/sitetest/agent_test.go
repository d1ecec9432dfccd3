package sitetest

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/nyaruka/phonenumbers"
)

// TestAgentNeedsLogin: every console page sends a browser without a
// session to the login page, remembering where it was going.
func TestAgentNeedsLogin(t *testing.T) {
	s := Start(t, Options{})
	c := s.NewClient(t)
	for _, path := range []string{"/agent", "/agent/address/ann@gmail.com", "/agent/reports/abcdefghijklmnop",
		"/agent/ref/CP-0000-0000", "/agent/returns/1", "/dashboard"} {
		resp, _ := c.rawRequest(http.MethodGet, path, nil, nil)
		if resp.StatusCode != http.StatusSeeOther {
			t.Errorf("GET %s: status %d, want 303", path, resp.StatusCode)
			continue
		}
		loc, err := url.Parse(resp.Header.Get("Location"))
		if err != nil || loc.Path != "/agent/login" || loc.Query().Get("next") != path {
			t.Errorf("GET %s: sent to %q, want /agent/login?next=%s", path, resp.Header.Get("Location"), path)
		}
	}
}

// TestAgentReport: an agent signs in, looks up an address, runs the full
// check and gets a report with a permanent link and a JSON export.
func TestAgentReport(t *testing.T) {
	s := Start(t, Options{})
	c := s.NewClient(t)
	doc := c.Get("/agent/address/full@gmail.com")
	if c.LastURL.Path != "/agent/login" {
		t.Fatalf("without a session: at %s", c.LastURL.Path)
	}
	doc = agentLogin(t, c, "demo", "not the password")
	if c.LastStatus != http.StatusUnauthorized || !strings.Contains(TestID(doc, "error-summary"), "wrong") {
		t.Errorf("wrong password: status %d, %q", c.LastStatus, TestID(doc, "error-summary"))
	}
	// The login returns to the page asked for first.
	c.Get("/agent/address/full@gmail.com")
	next, _ := c.Last.Find(`input[name="next"]`).Attr("value")
	doc = c.Post("/agent/login", url.Values{"username": {"demo"}, "password": {s.Demo.Password}, "next": {next}})
	if c.LastURL.Path != "/agent/address/full@gmail.com" {
		t.Fatalf("after login: at %s (status %d), want the address page", c.LastURL.Path, c.LastStatus)
	}
	if !strings.Contains(TestID(doc, "logout"), "demo") {
		t.Errorf("the header does not name the agent: %q", TestID(doc, "logout"))
	}

	doc = c.Get("/agent")
	if !Has(doc, "lookup-form") {
		t.Fatal("no look-up form")
	}
	doc = c.Get("/agent?q=" + url.QueryEscape(" Full@Gmail.com "))
	if c.LastURL.Path != "/agent/address/full@gmail.com" {
		t.Fatalf("look-up: at %s", c.LastURL.Path)
	}
	if !Has(doc, "no-check") || !Has(doc, "no-sends") || !Has(doc, "run-check") {
		t.Error("a fresh address page lacks the no-check or no-sends note or the run button")
	}

	doc = c.Post("/agent/address/full@gmail.com/check", nil)
	if !strings.HasPrefix(c.LastURL.Path, "/agent/reports/") {
		t.Fatalf("after the check: at %s (status %d)", c.LastURL.Path, c.LastStatus)
	}
	reportURL := c.LastURL.Path
	if got := tidAttr(doc, "permalink", "href"); got != reportURL {
		t.Errorf("permanent link %q, want %q", got, reportURL)
	}
	if got := TestID(doc, "provider"); !strings.Contains(got, "Google") {
		t.Errorf("provider %q", got)
	}
	if !Has(doc, "findings") || !strings.Contains(TestID(doc, "report-meta"), "Check run by demo") {
		t.Errorf("report lacks findings or its meta line: %q", TestID(doc, "report-meta"))
	}
	reply := TestID(doc, "reply")
	if !strings.HasPrefix(reply, "Hello,") {
		t.Errorf("reply %q", reply)
	}

	// The permanent link shows the same report in a new session.
	c2 := s.NewClient(t)
	agentLoginDemo(t, s, c2)
	doc2 := c2.Get(reportURL)
	if c2.LastStatus != http.StatusOK || TestID(doc2, "reply") != reply || TestID(doc2, "report-meta") != TestID(doc, "report-meta") {
		t.Errorf("the permanent link in another session: status %d, reply or meta differ", c2.LastStatus)
	}
	if c2.Get("/agent/reports/zzzzzzzzzzzzzzzz"); c2.LastStatus != http.StatusNotFound {
		t.Errorf("an unknown report: status %d, want 404", c2.LastStatus)
	}

	resp, body := c.rawRequest(http.MethodGet, tidAttr(doc, "json-export", "href"), nil, nil)
	if resp.StatusCode != http.StatusOK || !strings.HasPrefix(resp.Header.Get("Content-Type"), "application/json") {
		t.Fatalf("JSON export: status %d, type %q", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	var exp map[string]json.RawMessage
	if err := json.Unmarshal([]byte(body), &exp); err != nil {
		t.Fatalf("JSON export is not JSON: %v", err)
	}
	for _, k := range []string{"id", "address", "agent", "check", "causes", "reply", "sends"} {
		if _, ok := exp[k]; !ok {
			t.Errorf("JSON export lacks %q: %.300s", k, body)
		}
	}
	var addr, agent, expReply string
	var check struct {
		Address  string            `json:"address"`
		Findings []json.RawMessage `json:"findings"`
	}
	json.Unmarshal(exp["address"], &addr)
	json.Unmarshal(exp["agent"], &agent)
	json.Unmarshal(exp["reply"], &expReply)
	json.Unmarshal(exp["check"], &check)
	if addr != "full@gmail.com" || agent != "demo" || check.Address != "full@gmail.com" || len(check.Findings) == 0 {
		t.Errorf("JSON export: address %q, agent %q, check of %q with %d findings", addr, agent, check.Address, len(check.Findings))
	}
	if strings.Join(strings.Fields(expReply), " ") != reply {
		t.Errorf("JSON reply differs from the page's")
	}
}

// TestAgentRefCase: the reference a wizard user reads out opens their
// case: the channel, what they did, the sends with the bounce, the causes
// and a reply that quotes the reference; the returned message is shown
// raw.
func TestAgentRefCase(t *testing.T) {
	s := Start(t, Options{})
	user := s.NewClient(t)
	sendTestCode(t, s, user, "full@gmail.com")
	waitSendState(t, user, "bounced")
	ref := user.Ref()

	c := s.NewClient(t)
	agentLoginDemo(t, s, c)
	spoken := strings.ToLower(strings.ReplaceAll(strings.TrimPrefix(ref, "CP-"), "-", " "))
	doc := c.Get("/agent?q=" + url.QueryEscape(spoken))
	if c.LastURL.Path != "/agent/ref/"+ref {
		t.Fatalf("look-up of %q: at %s, want /agent/ref/%s", spoken, c.LastURL.Path, ref)
	}
	if got := TestID(doc, "channel"); got != "by email" {
		t.Errorf("channel %q", got)
	}
	trail := TestID(doc, "trail")
	for _, step := range []string{"chose email", "checked an email address", "asked for a test code"} {
		if !strings.Contains(trail, step) {
			t.Errorf("trail %q lacks %q", trail, step)
		}
	}
	send := doc.Find(`[data-testid="send"]`)
	if send.Length() != 1 {
		t.Fatalf("%d sends shown, want 1", send.Length())
	}
	if st, _ := send.Attr("data-status"); st != "accepted" {
		t.Errorf("send status %q", st)
	}
	if k, _ := send.Find(`[data-testid="return"]`).Attr("data-kind"); k != "bounce" {
		t.Errorf("return kind %q, want bounce", k)
	}
	if !strings.Contains(send.Find(`[data-testid="transcript"]`).Text(), "RCPT TO:<full@gmail.com>") {
		t.Errorf("no SMTP transcript with the RCPT")
	}
	if doc.Find(`[data-testid="causes"] li`).Length() == 0 {
		t.Error("no likely causes")
	}
	if reply := TestID(doc, "reply"); !strings.Contains(reply, ref) || !strings.Contains(strings.ToLower(reply), "mailbox") {
		t.Errorf("reply %q does not quote %s or mention the mailbox", reply, ref)
	}

	link, ok := send.Find(`a[href^="/agent/returns/"]`).Attr("href")
	if !ok {
		t.Fatal("no link to the returned message")
	}
	doc = c.Get(link)
	if got := TestID(doc, "kind"); !strings.Contains(got, "bounce") || !strings.Contains(got, "mailboxfull") {
		t.Errorf("return kind %q", got)
	}
	raw := doc.Find(`[data-testid="raw"]`).Text()
	if !strings.Contains(raw, "multipart/report") || !strings.Contains(raw, "5.2.2") {
		t.Errorf("raw message is not the DSN: %.300q", raw)
	}

	// The address's page lists the help session by its reference.
	doc = c.Get("/agent/address/full@gmail.com")
	if doc.Find(`[data-testid="wizard-sessions"] a[href="/agent/ref/`+ref+`"]`).Length() != 1 {
		t.Errorf("the address page does not link the help session %s", ref)
	}

	resp, body := c.rawRequest(http.MethodGet, "/agent/ref/"+ref+"/json", nil, nil)
	var exp map[string]any
	if resp.StatusCode != http.StatusOK || json.Unmarshal([]byte(body), &exp) != nil || exp["ref"] != ref {
		t.Errorf("ref JSON: status %d, %.200s", resp.StatusCode, body)
	}
}

// TestAgentPhoneLookup: an agent finds a text-message help session by
// the number, however it is written.
func TestAgentPhoneLookup(t *testing.T) {
	s := Start(t, Options{})
	user := s.NewClient(t)
	user.Get("/")
	user.Post("/", url.Values{"channel": {"sms"}})
	mobile := phonenumbers.GetExampleNumberForType("GB", phonenumbers.MOBILE)
	e164 := phonenumbers.Format(mobile, phonenumbers.E164)
	user.Post("/sms", url.Values{"number": {phonenumbers.Format(mobile, phonenumbers.NATIONAL)}, "region": {"GB"}})
	if user.LastURL.Path != "/sms/result" {
		t.Fatalf("at %s", user.LastURL.Path)
	}
	ref := user.Ref()

	c := s.NewClient(t)
	agentLoginDemo(t, s, c)
	typed := phonenumbers.Format(mobile, phonenumbers.INTERNATIONAL) // "+44 7400 123456"
	doc := c.Get("/agent?q=" + url.QueryEscape(typed))
	if doc.Find(`[data-testid="wizard-sessions"] a[href="/agent/ref/`+ref+`"]`).Length() != 1 {
		t.Fatalf("look-up of %q does not list %s: %q", typed, ref, pageText(doc))
	}
	doc = c.Get("/agent/ref/" + ref)
	if got := TestID(doc, "channel"); got != "by text message" {
		t.Errorf("channel %q", got)
	}
	if got := TestID(doc, "sms"); !strings.Contains(got, e164) || !strings.Contains(got, "mobile") {
		t.Errorf("sms line %q", got)
	}
}

// TestAgentLookupErrors: what is neither an address, a phone number nor
// a reference is refused beside the field; an unknown reference is 404.
func TestAgentLookupErrors(t *testing.T) {
	s := Start(t, Options{})
	c := s.NewClient(t)
	agentLoginDemo(t, s, c)
	doc := c.Get("/agent?q=hello")
	if c.LastStatus != http.StatusUnprocessableEntity || !Has(doc, "error-summary") {
		t.Errorf("q=hello: status %d", c.LastStatus)
	}
	doc = c.Get("/agent?q=" + url.QueryEscape("+44 7700 900123"))
	if c.LastStatus != http.StatusOK || !Has(doc, "no-matches") {
		t.Errorf("unknown phone: status %d, no 'nobody asked' note", c.LastStatus)
	}
	c.Get("/agent/ref/CP-0000-0000")
	if c.LastStatus != http.StatusNotFound {
		t.Errorf("unknown reference: status %d", c.LastStatus)
	}
}

// TestAgentLogout: signing out ends the session; the old cookie no longer
// opens the console.
func TestAgentLogout(t *testing.T) {
	s := Start(t, Options{})
	c := s.NewClient(t)
	agentLoginDemo(t, s, c)
	u, _ := url.Parse(s.URL)
	old := c.http.Jar.Cookies(u)
	c.Post("/agent/logout", nil)
	if c.LastURL.Path != "/agent/login" {
		t.Fatalf("after logout: at %s (status %d)", c.LastURL.Path, c.LastStatus)
	}
	c.Get("/agent")
	if c.LastURL.Path != "/agent/login" {
		t.Errorf("after logout GET /agent: at %s", c.LastURL.Path)
	}
	// A copy of the old cookie is refused too: the session is gone on the
	// server, not only in the browser.
	replay := s.NewClient(t)
	replay.http.Jar.SetCookies(u, old)
	replay.Get("/agent")
	if replay.LastURL.Path != "/agent/login" {
		t.Errorf("the old session cookie still opens %s", replay.LastURL.Path)
	}
}
