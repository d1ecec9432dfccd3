package sitetest

import (
	"testing"

	"github.com/codeprobe/codeprobe/internal/browsertest"
)

// keyboardWalk drives one tab with the keyboard alone and keeps every
// element the focus reached, to check each shows where the focus is.
type keyboardWalk struct {
	t       *testing.T
	tab     *browsertest.Tab
	reached []browsertest.Focused
}

// tabTo presses Tab until the element with the data-testid has the focus,
// and fails the test when it never comes round.
func (k *keyboardWalk) tabTo(id string) {
	k.t.Helper()
	start := k.tab.ActiveElement()
	for range 100 {
		k.tab.Tab(1)
		f := k.tab.ActiveElement()
		if f.Tag == "body" {
			continue // the browser's own interface, between the page's last stop and its first
		}
		k.reached = append(k.reached, f)
		if f.TestID == id {
			return
		}
		if f.Key == start.Key && start.Tag != "body" {
			break
		}
	}
	k.t.Fatalf("the keyboard cannot reach [data-testid=%q]; it went %v", id, k.reached)
}

// shiftTabTo presses Shift+Tab once and fails the test unless the focus
// lands on the element with the data-testid.
func (k *keyboardWalk) shiftTabTo(id string) {
	k.t.Helper()
	k.tab.ShiftTab(1)
	f := k.tab.ActiveElement()
	k.reached = append(k.reached, f)
	if f.TestID != id {
		k.t.Fatalf("Shift+Tab went to %v, want [data-testid=%q]", f, id)
	}
}

// typeText types text key by key into the focused field.
func (k *keyboardWalk) typeText(text string) {
	k.t.Helper()
	for _, r := range text {
		k.tab.Press(string(r))
	}
}

// newPage checks what every page must give a keyboard user: its whole focus
// order cycles (no trap), every stop in it shows the focus, and the first
// stop is the skip link, which moves the focus to the main content. The
// walk then starts again from the top of the page.
func (k *keyboardWalk) newPage(name string) {
	k.t.Helper()
	order := k.tab.FocusOrder()
	k.tab.AssertFocusVisible(order)
	if len(order) == 0 || order[0].Href != "#main" {
		k.t.Fatalf("%s: the first focus stop is %v, want the skip link; the order is %v", name, order, order)
	}
	k.tab.ResetFocus()
	k.tab.Tab(1)
	skip := k.tab.ActiveElement()
	k.reached = append(k.reached, skip)
	if skip.Href != "#main" || skip.Text != "Skip to main content" {
		k.t.Fatalf("%s: the first Tab reached %v, want the skip link", name, skip)
	}
	k.tab.Screenshot(name + "-skip-link")
	k.tab.Press("Enter")
	if main := k.tab.ActiveElement(); main.Tag != "main" {
		k.t.Errorf("%s: the skip link moved the focus to %v, want <main>", name, main)
	}
}

// TestBrowserKeyboardEmailPath walks the whole email path with the
// keyboard alone (Tab, Shift+Tab, Space, Enter and typing) from the start
// page to the verdict that the code is right.
func TestBrowserKeyboardEmailPath(t *testing.T) {
	s := Start(t, Options{})
	tab := browserTab(t, nil)
	k := &keyboardWalk{t: t, tab: tab}
	const address = "ann@gmail.com"

	tab.Navigate(s.URL + "/")
	k.newPage("start")
	k.tabTo("channel-email")
	tab.Press("Space")
	k.tabTo("continue")
	k.shiftTabTo("channel-email")
	k.tabTo("continue")
	tab.Screenshot("start-continue")
	tab.PressAndWaitLoad("Enter")
	wantTabPath(t, tab, "/email")

	k.newPage("email")
	k.tabTo("address")
	k.typeText(address)
	tab.Screenshot("email-typed")
	tab.PressAndWaitLoad("Enter")
	wantTabPath(t, tab, "/email/result")

	k.newPage("result")
	k.tabTo("send")
	tab.Screenshot("result-send")
	tab.PressAndWaitLoad("Enter")
	wantTabPath(t, tab, "/email/status")
	tab.WaitVisible(liveSendState("accepted"))

	k.newPage("status")
	code := s.EmailedCode(t, tabRef(t, tab), address)
	k.tabTo("code")
	k.typeText(code)
	k.tabTo("check-code")
	tab.PressAndWaitLoad("Space")
	tab.WaitVisible(byTestID("code-verdict") + `[data-kind="ok"]`)
	tab.Screenshot("code-received")

	tab.AssertFocusVisible(k.reached)
}
