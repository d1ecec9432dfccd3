package sitetest

import (
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"

	"github.com/codeprobe/codeprobe/internal/browsertest"
)

// TestMain keeps one Chromium up for all the browser tests of the package.
func TestMain(m *testing.M) { browsertest.Main(m) }

// browserTab opens a browser tab for a test of the site. The tabs of a test
// binary share one browser, whose cookies ignore the port: they are
// cleared, so that no session of an earlier test's site leaks in.
func browserTab(t *testing.T, opts *browsertest.TabOptions) *browsertest.Tab {
	t.Helper()
	tab := browsertest.Open(t, opts)
	if _, err := chromedp.Call(tab.Context(), network.ClearBrowserCookies, cdp.Empty{}); err != nil {
		t.Fatalf("clearing the browser's cookies: %v", err)
	}
	return tab
}

// byTestID is the CSS selector of the element with the data-testid.
func byTestID(id string) string { return `[data-testid="` + id + `"]` }

// tabAtPath returns a [browsertest.Tab.WaitURL] condition: the page is path.
func tabAtPath(path string) func(*url.URL) bool {
	return func(u *url.URL) bool { return u.Path == path }
}

// wantTabPath fails the test unless the tab shows the page at path.
func wantTabPath(t *testing.T, tab *browsertest.Tab, path string) {
	t.Helper()
	if got := tab.URL().Path; got != path {
		t.Fatalf("at %s, want %s; the page says %q", got, path, tab.Text("main"))
	}
}

// tabRef reads the wizard session's reference code from the page
// footer, where the user finds it.
func tabRef(t *testing.T, tab *browsertest.Tab) string {
	t.Helper()
	ref := strings.TrimSpace(tab.Text(byTestID("footer-ref") + " strong"))
	if ref == "" {
		t.Fatal("the footer shows no reference code")
	}
	return ref
}

// tabChooseChannel opens the start page and goes on with the channel
// ("email", "app" or "sms"), with the mouse.
func tabChooseChannel(t *testing.T, tab *browsertest.Tab, s *Site, channel string) {
	t.Helper()
	tab.Navigate(s.URL + "/")
	tab.Click(byTestID("channel-" + channel))
	tab.ClickAndWaitLoad(byTestID("continue"))
	wantTabPath(t, tab, "/"+channel)
}

// tabCheckAddress types an address on the email page and checks it.
func tabCheckAddress(t *testing.T, tab *browsertest.Tab, address string) {
	t.Helper()
	tab.Fill(byTestID("address"), address)
	tab.ClickAndWaitLoad(byTestID("continue"))
}

// liveSendState is the selector of the newest test send in the given state.
func liveSendState(state string) string {
	return byTestID("send-state") + `[data-state="` + state + `"]`
}

// TestBrowserEmailCodeReceived walks the email path in Chromium with
// JavaScript on, from the address to "code received": the address is
// checked and its provider named, a test code is sent, the live status
// says the provider accepted it, and the code the user reads in the
// email is the right one.
func TestBrowserEmailCodeReceived(t *testing.T) {
	s := Start(t, Options{})
	tab := browserTab(t, nil)
	const address = "ann@gmail.com"

	tabChooseChannel(t, tab, s, "email")
	tab.Screenshot("1-email-form")
	tabCheckAddress(t, tab, address)
	wantTabPath(t, tab, "/email/result")
	if got := tab.Text(byTestID("provider")); !strings.Contains(got, "Google") {
		t.Errorf("provider heading %q does not name Google", got)
	}
	if got := tab.Text(byTestID("verdict")); got != "This address can receive email." {
		t.Errorf("verdict %q, want that the address can receive email", got)
	}
	tab.Screenshot("2-result")

	tab.ClickAndWaitLoad(byTestID("send"))
	wantTabPath(t, tab, "/email/status")
	tab.WaitVisible(liveSendState("accepted"))
	if got := tab.Text(byTestID("send-headline")); !strings.Contains(got, "accepted the test code") {
		t.Errorf("send headline %q does not say the code was accepted", got)
	}
	tab.Screenshot("3-status-accepted")

	code := s.EmailedCode(t, tabRef(t, tab), address)
	tab.Fill(byTestID("code"), code)
	tab.ClickAndWaitLoad(byTestID("check-code"))
	tab.WaitVisible(byTestID("code-verdict") + `[data-kind="ok"]`)
	if got := tab.Text(byTestID("code-verdict")); got == "" {
		t.Error("the ok verdict says nothing")
	}
	tab.Screenshot("4-code-received")
}

// TestBrowserEmailBounceLive shows the status page's live region (the
// enhancement of /static/live.js) turning an accepted send into a bounce
// without the page being reloaded: a mark left on the window survives.
func TestBrowserEmailBounceLive(t *testing.T) {
	s := Start(t, Options{ReturnDelay: time.Second})
	tab := browserTab(t, nil)
	const address = "full@gmail.com"

	tabChooseChannel(t, tab, s, "email")
	tabCheckAddress(t, tab, address)
	wantTabPath(t, tab, "/email/result")
	tab.ClickAndWaitLoad(byTestID("send"))
	wantTabPath(t, tab, "/email/status")
	// The mark and the navigation entry count go with the document: a
	// reload or a new page would lose the one and restart the other.
	browsertest.Eval[bool](tab, `window.__codeprobeMark = "still here"; true`)
	before := tab.URL().String()
	first := browsertest.Eval[string](tab, `document.querySelector('[data-testid="send-state"]').dataset.state`)
	t.Logf("the status page opened with the send %s", first)

	tab.WaitVisible(liveSendState("bounced"))
	tab.Screenshot("status-bounced")

	if mark := browsertest.Eval[string](tab, `String(window.__codeprobeMark)`); mark != "still here" {
		t.Errorf("the window's mark is %q: the page was reloaded instead of updated in place", mark)
	}
	if after := tab.URL().String(); after != before {
		t.Errorf("the page moved from %s to %s", before, after)
	}
	if got := tab.Text(byTestID("live-status")); !strings.Contains(got, "mailbox is full") {
		t.Errorf("live status %q does not say the mailbox is full", got)
	}
	reason := browsertest.Eval[string](tab, `document.querySelector('[data-testid="return"]').dataset.reason`)
	if reason != "mailboxfull" {
		t.Errorf("return reason %q, want mailboxfull", reason)
	}
}

// TestBrowserEmailNoJavaScript walks the same email path with JavaScript
// off: every step is a plain form, and the status of the send is reached
// with the "Check again" button.
func TestBrowserEmailNoJavaScript(t *testing.T) {
	s := Start(t, Options{})
	tab := browserTab(t, &browsertest.TabOptions{NoJavaScript: true})
	const address = "ann@gmail.com"

	tabChooseChannel(t, tab, s, "email")
	tabCheckAddress(t, tab, address)
	wantTabPath(t, tab, "/email/result")
	if got := tab.Text(byTestID("provider")); !strings.Contains(got, "Google") {
		t.Errorf("provider heading %q does not name Google", got)
	}
	tab.ClickAndWaitLoad(byTestID("send"))
	wantTabPath(t, tab, "/email/status")

	// Nothing updates the page by itself now: once the send is over, the
	// button shows its outcome.
	s.Server.Wait()
	tab.ClickAndWaitLoad(byTestID("refresh"))
	wantTabPath(t, tab, "/email/status")
	tab.WaitVisible(liveSendState("accepted"))
	audit(t, tab, "status-after-check-again")

	code := s.EmailedCode(t, tabRef(t, tab), address)
	tab.Fill(byTestID("code"), code)
	tab.ClickAndWaitLoad(byTestID("check-code"))
	tab.WaitVisible(byTestID("code-verdict") + `[data-kind="ok"]`)
	tab.Screenshot("code-received")
}

// tabAttr returns an attribute of the first element matching the CSS
// selector, failing the test when there is none.
func tabAttr(t *testing.T, tab *browsertest.Tab, selector, name string) string {
	t.Helper()
	tab.WaitVisible(selector)
	js := `document.querySelector(` + strconv.Quote(selector) + `).getAttribute(` + strconv.Quote(name) + `) || ""`
	v := browsertest.Eval[string](tab, js)
	if v == "" {
		t.Fatalf("%s has no %s", selector, name)
	}
	return v
}
