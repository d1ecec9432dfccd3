package sitetest

import (
	"net/url"
	"strings"
	"testing"

	"github.com/codeprobe/codeprobe/internal/demo"
)

// TestBrowserAgentReport follows a support agent in Chromium: the console
// sends them to the login page, they sign in, look up the reference a user
// got from the wizard, open the user's address, run the full check, and
// open the report's permanent link.
func TestBrowserAgentReport(t *testing.T) {
	s := Start(t, Options{})
	const address = "ann@gmail.com"
	user := s.NewClient(t)
	user.Get("/")
	user.Post("/", url.Values{"channel": {"email"}})
	user.Post("/email", url.Values{"address": {address}})
	ref := user.Ref()
	if ref == "" {
		t.Fatal("the wizard gave the user no reference")
	}

	tab := browserTab(t, nil)
	tab.Navigate(s.URL + "/agent")
	login := tab.WaitURL(tabAtPath("/agent/login"))
	if next := login.Query().Get("next"); next != "/agent" {
		t.Errorf("login page's next is %q, want /agent", next)
	}
	tab.Screenshot("1-login")
	tab.Fill(byTestID("username"), demo.User)
	tab.Fill(byTestID("password"), s.Demo.Password)
	tab.ClickAndWaitLoad(byTestID("sign-in"))
	wantTabPath(t, tab, "/agent")
	if got := tab.Text(byTestID("logout")); !strings.Contains(got, demo.User) {
		t.Errorf("sign-out button %q does not name the agent %s", got, demo.User)
	}

	tab.Fill(byTestID("q"), ref)
	tab.Screenshot("2-lookup")
	tab.ClickAndWaitLoad(byTestID("lookup"))
	wantTabPath(t, tab, "/agent/ref/"+ref)
	if got := tab.Text(byTestID("channel")); got != "by email" {
		t.Errorf("channel %q, want by email", got)
	}
	tab.Screenshot("3-reference")

	tab.ClickAndWaitLoad(`main a[href^="/agent/address/"]`) // "Open this address"
	if got := tab.Text("h1"); got != address {
		t.Fatalf("address page heading %q, want %s", got, address)
	}
	tab.ClickAndWaitLoad(byTestID("run-check"))
	if p := tab.URL().Path; !strings.HasPrefix(p, "/agent/reports/") {
		t.Fatalf("after running the check: at %s, want a report", p)
	}
	if got := tab.Text(byTestID("provider")); !strings.Contains(got, "Google") {
		t.Errorf("report's provider %q does not name Google", got)
	}
	tab.WaitVisible(byTestID("findings"))
	tab.Screenshot("4-report")

	permalink := tab.URL().ResolveReference(&url.URL{Path: tabAttr(t, tab, byTestID("permalink"), "href")})
	tab.Navigate(permalink.String())
	wantTabPath(t, tab, permalink.Path)
	meta := tab.Text(byTestID("report-meta"))
	if !strings.Contains(meta, "Check run by "+demo.User) {
		t.Errorf("report meta %q does not say who ran the check", meta)
	}
	tab.WaitVisible(byTestID("findings"))
	tab.Screenshot("5-permalink")
}
