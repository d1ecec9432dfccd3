package sitetest

import (
	"context"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"
	"github.com/pquerna/otp"
	"github.com/pquerna/otp/totp"

	"github.com/codeprobe/codeprobe/internal/browsertest"
	"github.com/codeprobe/codeprobe/internal/demo"
)

// longWalk is the deadline of a tab that visits many pages: a loaded
// machine must not fail it for want of time.
const longWalk = 3 * time.Minute

// audit photographs the page in the tab and fails the test for every
// WCAG 2.1 A or AA rule of axe-core it breaks.
func audit(t *testing.T, tab *browsertest.Tab, name string) {
	t.Helper()
	tab.Screenshot(name)
	tab.AssertNoViolations()
}

// takeRefusal takes the problems of a page the site answered with status
// on purpose (a form with an error, an expired form or session), failing
// the test unless that answer is all there is.
func takeRefusal(t *testing.T, tab *browsertest.Tab, status int) {
	t.Helper()
	got := tab.TakeProblems()
	ok := len(got) == 1 && got[0].Kind == browsertest.ProblemRequest &&
		strings.HasPrefix(got[0].Text, "HTTP "+strconv.Itoa(status)+" ")
	if !ok {
		t.Errorf("problems %v, want only the HTTP %d answer", got, status)
	}
}

// TestBrowserAccessibilityWizard runs axe-core in Chromium on every page
// of the wizard: each path's pages, their forms answered with an error,
// the email path's blocked result and bounced status, the help pages, and
// the pages of an expired form and an ended session.
func TestBrowserAccessibilityWizard(t *testing.T) {
	s := Start(t, Options{})
	tab := browserTab(t, &browsertest.TabOptions{Timeout: longWalk})

	tab.Navigate(s.URL + "/")
	audit(t, tab, "start")
	tab.ClickAndWaitLoad(byTestID("continue"))
	tab.WaitVisible(byTestID("error-summary"))
	takeRefusal(t, tab, http.StatusUnprocessableEntity)
	audit(t, tab, "start-error")

	tab.Navigate(s.URL + "/help/locked")
	audit(t, tab, "help-locked")
	tab.Navigate(s.URL + "/help/unrequested")
	audit(t, tab, "help-unrequested")

	tabChooseChannel(t, tab, s, "email")
	audit(t, tab, "email")
	tab.ClickAndWaitLoad(byTestID("continue"))
	tab.WaitVisible(byTestID("error-summary"))
	takeRefusal(t, tab, http.StatusUnprocessableEntity)
	audit(t, tab, "email-error")

	tabCheckAddress(t, tab, "ann@gmial.com")
	wantTabPath(t, tab, "/email/suggestion")
	audit(t, tab, "suggestion")
	tab.ClickAndWaitLoad(byTestID("continue"))
	tab.WaitVisible(byTestID("error-summary"))
	takeRefusal(t, tab, http.StatusUnprocessableEntity)
	audit(t, tab, "suggestion-error")
	tab.Click(byTestID("use-suggestion"))
	tab.ClickAndWaitLoad(byTestID("continue"))
	wantTabPath(t, tab, "/email/result")
	audit(t, tab, "result")

	tab.ClickAndWaitLoad(byTestID("send"))
	tab.WaitVisible(liveSendState("accepted"))
	audit(t, tab, "status-accepted")
	tab.ClickAndWaitLoad(byTestID("check-code"))
	tab.WaitVisible(byTestID("error-summary"))
	takeRefusal(t, tab, http.StatusUnprocessableEntity)
	audit(t, tab, "status-code-error")
	code := s.EmailedCode(t, tabRef(t, tab), "ann@gmail.com")
	tab.Fill(byTestID("code"), code)
	tab.ClickAndWaitLoad(byTestID("check-code"))
	tab.WaitVisible(byTestID("code-verdict") + `[data-kind="ok"]`)
	audit(t, tab, "code-verdict")

	tab.Navigate(s.URL + "/email/checklist")
	audit(t, tab, "checklist")
	tab.Navigate(s.URL + "/done")
	audit(t, tab, "done")

	tab.Navigate(s.URL + "/email")
	tabCheckAddress(t, tab, "jo@expired-startup.com")
	wantTabPath(t, tab, "/email/result")
	if got := tab.Text(byTestID("verdict")); got != "Codes can't reach this address." {
		t.Errorf("verdict for jo@expired-startup.com %q, want the blocked one", got)
	}
	audit(t, tab, "result-blocked")

	tab.Navigate(s.URL + "/email")
	tabCheckAddress(t, tab, "full@gmail.com")
	tab.ClickAndWaitLoad(byTestID("send"))
	tab.WaitVisible(liveSendState("bounced"))
	audit(t, tab, "status-bounced")

	tab.Navigate(s.URL + "/app")
	tab.Click("summary") // the typed key's disclosure, open
	audit(t, tab, "app")
	tab.ClickAndWaitLoad(byTestID("check-code"))
	tab.WaitVisible(byTestID("error-summary"))
	takeRefusal(t, tab, http.StatusUnprocessableEntity)
	audit(t, tab, "app-error")
	tab.Click("summary")
	key := strings.ReplaceAll(tab.Text(byTestID("manual-key")), " ", "")
	appCode, err := totp.GenerateCodeCustom(key, time.Now(), totp.ValidateOpts{
		Period: 30, Digits: otp.DigitsSix, Algorithm: otp.AlgorithmSHA1})
	if err != nil {
		t.Fatal(err)
	}
	tab.Fill(byTestID("code"), appCode)
	tab.ClickAndWaitLoad(byTestID("check-code"))
	wantTabPath(t, tab, "/app/result")
	audit(t, tab, "app-result")

	tab.Navigate(s.URL + "/sms")
	audit(t, tab, "sms")
	tab.ClickAndWaitLoad(byTestID("continue"))
	tab.WaitVisible(byTestID("error-summary"))
	takeRefusal(t, tab, http.StatusUnprocessableEntity)
	audit(t, tab, "sms-error")
	tab.Fill(byTestID("number"), "+44 7700 900123")
	tab.ClickAndWaitLoad(byTestID("continue"))
	wantTabPath(t, tab, "/sms/result")
	audit(t, tab, "sms-result")

	// A form whose token no longer matches the session, and a form posted
	// after the browser lost the session's cookie.
	tab.Navigate(s.URL + "/email")
	browsertest.Eval[bool](tab, `document.querySelector('input[name="csrf"]').value = "stale"; true`)
	tab.ClickAndWaitLoad(byTestID("continue"))
	takeRefusal(t, tab, http.StatusForbidden)
	audit(t, tab, "form-expired")
	tab.Navigate(s.URL + "/email")
	if _, err := chromedp.Call(tab.Context(), network.ClearBrowserCookies, cdp.Empty{}); err != nil {
		t.Fatal(err)
	}
	tab.ClickAndWaitLoad(byTestID("continue"))
	takeRefusal(t, tab, http.StatusBadRequest)
	audit(t, tab, "session-ended")
}

// TestBrowserAccessibilityConsole runs axe-core on the agent console's
// login, look-up and report pages and on the dashboard.
func TestBrowserAccessibilityConsole(t *testing.T) {
	s := Start(t, Options{})
	tab := browserTab(t, nil)

	tab.Navigate(s.URL + "/agent/login")
	audit(t, tab, "login")
	tab.Fill(byTestID("username"), demo.User)
	tab.Fill(byTestID("password"), s.Demo.Password)
	tab.ClickAndWaitLoad(byTestID("sign-in"))
	wantTabPath(t, tab, "/agent")
	audit(t, tab, "lookup")

	tab.Fill(byTestID("q"), "ann@gmail.com")
	tab.ClickAndWaitLoad(byTestID("lookup"))
	tab.ClickAndWaitLoad(byTestID("run-check"))
	tab.WaitVisible(byTestID("permalink"))
	audit(t, tab, "report")

	tab.Navigate(s.URL + "/dashboard")
	wantTabPath(t, tab, "/dashboard")
	audit(t, tab, "dashboard")
}

// TestBrowserAccessibilityConsoleData audits the console's pages once
// they have data: the dashboard with a seed run's charts and a bounce,
// an address with a test send and its returned message, and that message.
func TestBrowserAccessibilityConsoleData(t *testing.T) {
	s := Start(t, Options{})
	if err := s.Demo.SeedRun(context.Background()); err != nil {
		t.Fatalf("seed run: %v", err)
	}
	tab := browserTab(t, &browsertest.TabOptions{Timeout: longWalk})
	tab.Navigate(s.URL + "/agent/login")
	tab.Fill(byTestID("username"), demo.User)
	tab.Fill(byTestID("password"), s.Demo.Password)
	tab.ClickAndWaitLoad(byTestID("sign-in"))
	wantTabPath(t, tab, "/agent")

	tab.Fill(byTestID("q"), "full@gmail.com")
	tab.ClickAndWaitLoad(byTestID("lookup"))
	tab.ClickAndWaitLoad(byTestID("send-code"))
	s.Server.Wait()
	address := tab.URL()
	address.RawQuery, address.Fragment = "", ""
	// The send is over; its bounce comes back to the sink by itself, and
	// the page shows it when reloaded.
	deadline, _ := tab.Context().Deadline()
	for {
		tab.Navigate(address.String())
		if browsertest.Eval[bool](tab, `!!document.querySelector('[data-testid="return"][data-kind="bounce"]')`) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("no bounce shown for the test send to full@gmail.com; the sends say %q", tab.Text("#sends + *"))
		}
		time.Sleep(100 * time.Millisecond)
	}
	tab.Click(byTestID("send") + " details summary") // the SMTP transcript, open
	audit(t, tab, "address-with-send")

	tab.ClickAndWaitLoad(byTestID("return") + " a")
	tab.WaitVisible(byTestID("raw"))
	audit(t, tab, "returned-message")

	tab.Navigate(s.URL + "/dashboard")
	tab.WaitVisible("svg[role=img]")
	audit(t, tab, "dashboard-with-data")
}
