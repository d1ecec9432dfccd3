package browsertest

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"testing"
	"time"

	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"
)

// DefaultTabTimeout is the deadline of a tab when [TabOptions.Timeout] is
// zero: every action of the test in that tab must be done by then.
const DefaultTabTimeout = 60 * time.Second

// TabOptions configure a new tab. A nil *TabOptions means the defaults:
// JavaScript on, a 60-second deadline, problems asserted absent.
type TabOptions struct {
	// NoJavaScript turns script execution off in the tab before its first
	// page loads (emulation.setScriptExecutionDisabled), to prove that a page
	// works without JavaScript. The harness's own probes (axe, focus
	// inspection) still run: the DevTools protocol evaluates them.
	NoJavaScript bool

	// Timeout is the tab's deadline, from its opening; zero means
	// DefaultTabTimeout.
	Timeout time.Duration

	// AllowProblems stops the tab from failing the test, when it closes, for
	// the console errors and failed requests it saw. [Tab.Problems] and
	// [Tab.TakeProblems] still report them.
	AllowProblems bool
}

// Tab is one browser tab of one test. Its helpers fail the test on error and
// must be called from the test's goroutine.
type Tab struct {
	t        testing.TB
	ctx      context.Context
	problems *recorder
	noJS     bool
}

// Open starts (or reuses) the test binary's browser and opens a tab in it;
// see [Start] and [Browser.NewTab].
func Open(t testing.TB, opts *TabOptions) *Tab {
	t.Helper()
	return Start(t).NewTab(t, opts)
}

// NewTab opens a tab for the test t with its own deadline. When the test
// ends the tab is closed and, unless opts.AllowProblems, the test fails for
// every console error, uncaught exception, CSP violation and failed request
// the tab saw and the test did not take with [Tab.TakeProblems].
func (b *Browser) NewTab(t testing.TB, opts *TabOptions) *Tab {
	t.Helper()
	if opts == nil {
		opts = &TabOptions{}
	}
	timeout := opts.Timeout
	if timeout <= 0 {
		timeout = DefaultTabTimeout
	}
	rec := newRecorder()
	deadlineCtx, cancelDeadline := context.WithTimeout(b.ctx, timeout)
	ctx, cancel := chromedp.NewContext(deadlineCtx, chromedp.WithListener(rec.listen))
	tab := &Tab{t: t, ctx: ctx, problems: rec, noJS: opts.NoJavaScript}
	t.Cleanup(func() {
		if !opts.AllowProblems && ctx.Err() == nil {
			// A round trip delivers the events the page sent before it.
			_, _ = chromedp.Run(ctx, chromedp.Evaluate[chromedp.Void](`0`))
			for _, p := range rec.take() {
				t.Errorf("browsertest: %s", p)
			}
		}
		cancel()
		cancelDeadline()
	})
	if err := chromedp.Do(ctx); err != nil {
		t.Fatalf("browsertest: opening a tab: %v", err)
	}
	if opts.NoJavaScript {
		tab.setScripts(false)
	}
	return tab
}

// setScripts turns the page's script execution on or off.
func (tab *Tab) setScripts(on bool) {
	tab.t.Helper()
	_, err := chromedp.Call(tab.ctx, emulation.SetScriptExecutionDisabled,
		emulation.SetScriptExecutionDisabledParams{Value: !on})
	if err != nil {
		tab.t.Fatalf("browsertest: turning JavaScript on=%v: %v", on, err)
	}
}

// Context returns the tab's chromedp context, for actions the helpers do
// not cover; it ends at the tab's deadline.
func (tab *Tab) Context() context.Context { return tab.ctx }

// do runs chromedp actions in the tab and fails the test on error.
func (tab *Tab) do(what string, actions ...chromedp.Action[chromedp.Void]) {
	tab.t.Helper()
	if err := chromedp.Do(tab.ctx, actions...); err != nil {
		tab.fatal(what, err)
	}
}

// fatal fails the test for an action that failed, saying so when the cause
// is the tab's deadline: a wait for something that never happened.
func (tab *Tab) fatal(what string, err error) {
	tab.t.Helper()
	if errors.Is(err, context.DeadlineExceeded) || errors.Is(tab.ctx.Err(), context.DeadlineExceeded) {
		tab.t.Fatalf("browsertest: %s: still waiting at the tab's deadline (TabOptions.Timeout): %v", what, err)
	}
	tab.t.Fatalf("browsertest: %s: %v", what, err)
}

// Navigate loads url in the tab and waits for its load event. It fails the
// test when the page cannot be loaded; an HTTP error status is recorded as
// a problem instead.
func (tab *Tab) Navigate(url string) {
	tab.t.Helper()
	tab.do("navigating to "+url, chromedp.Navigate(url))
}

// Click clicks the first element matching the CSS selector, once it is
// visible, with a real mouse event at its centre.
func (tab *Tab) Click(selector string) {
	tab.t.Helper()
	tab.do("clicking "+selector, chromedp.Click(chromedp.CSS(selector), chromedp.NodeVisible))
}

// ClickAndWaitLoad clicks the element matching the CSS selector and waits
// for the page it leads to (a link or a submit button) to finish loading.
func (tab *Tab) ClickAndWaitLoad(selector string) {
	tab.t.Helper()
	tab.waitLoad("clicking "+selector, chromedp.Click(chromedp.CSS(selector), chromedp.NodeVisible))
}

// Fill replaces the value of the form field matching the CSS selector with
// text: it waits for the field to be visible, focuses it, selects what it
// holds and types text key by key over it, as a user would.
func (tab *Tab) Fill(selector, text string) {
	tab.t.Helper()
	tab.WaitVisible(selector)
	// select() does not apply to every input type (email, number): those
	// are emptied instead.
	selected := Eval[bool](tab, fmt.Sprintf(`(() => {
		const el = document.querySelector(%s);
		el.focus();
		try { el.select(); } catch (e) {}
		const all = el.value === "" || (el.selectionStart === 0 && el.selectionEnd === el.value.length);
		if (!all) { el.value = ""; }
		return all && el.value !== "";
	})()`, jsString(selector)))
	switch {
	case text != "":
		tab.do("typing into "+selector, chromedp.KeyEvent(text))
	case selected:
		tab.do("emptying "+selector, chromedp.KeyEvent(kb.Backspace))
	}
}

// Submit submits the form of the element matching the CSS selector (the
// form itself or any field in it) through the form's default button, as
// pressing Enter in a field does: with validation, the submit event and the
// button's name and value. It then waits for the resulting page to load.
func (tab *Tab) Submit(selector string) {
	tab.t.Helper()
	js := fmt.Sprintf(`(() => {
		const el = document.querySelector(%s);
		if (!el) { throw new Error("no element matches the selector"); }
		const form = el instanceof HTMLFormElement ? el : el.form;
		if (!form) { throw new Error("the element is in no form"); }
		const button = Array.from(form.elements).find(e => e.type === "submit" || e.type === "image");
		form.requestSubmit(button || null);
	})()`, jsString(selector))
	tab.waitLoad("submitting the form of "+selector, chromedp.Evaluate[chromedp.Void](js))
}

// waitLoad runs the trigger and waits for the main frame's next load event.
func (tab *Tab) waitLoad(what string, trigger chromedp.Action[chromedp.Void]) {
	tab.t.Helper()
	_, err := chromedp.Run(tab.ctx, chromedp.WaitEvent(page.LoadEventFired, nil, trigger))
	if err != nil {
		tab.fatal(what, err)
	}
}

// Text returns the rendered text (innerText) of the first visible element
// matching the CSS selector.
func (tab *Tab) Text(selector string) string {
	tab.t.Helper()
	s, err := chromedp.Run(tab.ctx, chromedp.Text(chromedp.CSS(selector), chromedp.NodeVisible))
	if err != nil {
		tab.fatal("reading the text of "+selector, err)
	}
	return s
}

// WaitVisible waits, until the tab's deadline, for an element matching the
// CSS selector to be visible.
func (tab *Tab) WaitVisible(selector string) {
	tab.t.Helper()
	tab.do("waiting for "+selector+" to be visible", chromedp.WaitVisible(chromedp.CSS(selector)))
}

// URL returns the URL of the page in the tab.
func (tab *Tab) URL() *url.URL {
	tab.t.Helper()
	loc, err := chromedp.Run(tab.ctx, chromedp.Location())
	if err != nil {
		tab.t.Fatalf("browsertest: reading the location: %v", err)
	}
	u, err := url.Parse(loc)
	if err != nil {
		tab.t.Fatalf("browsertest: the location %q: %v", loc, err)
	}
	return u
}

// WaitURL waits, until the tab's deadline, for the main frame's URL to
// satisfy match, and returns it. It wakes on every navigation, including
// history changes within the document.
func (tab *Tab) WaitURL(match func(*url.URL) bool) *url.URL {
	tab.t.Helper()
	// Subscribe before looking, so no navigation falls between the two.
	ctx, cancel := context.WithCancel(tab.ctx)
	defer cancel()
	navigated := chromedp.Events(ctx, page.FrameNavigated)
	inDocument := chromedp.Events(ctx, page.NavigatedWithinDocument)
	changed := make(chan struct{}, 1)
	notify := func() {
		select {
		case changed <- struct{}{}:
		default:
		}
	}
	go func() {
		for ev, err := range navigated {
			if err != nil {
				return
			}
			if ev.Frame != nil && ev.Frame.ParentID == "" {
				notify()
			}
		}
	}()
	go func() {
		for _, err := range inDocument {
			if err != nil {
				return
			}
			notify()
		}
	}()
	for {
		loc, err := chromedp.Run(ctx, chromedp.Location())
		if err != nil {
			tab.t.Fatalf("browsertest: waiting for the URL: %v", err)
		}
		if u, err := url.Parse(loc); err == nil && match(u) {
			return u
		}
		select {
		case <-changed:
		case <-ctx.Done():
			tab.t.Fatalf("browsertest: the URL is still %s at the tab's deadline: %v", loc, ctx.Err())
		}
	}
}

// Eval evaluates a JavaScript expression in the page through the DevTools
// protocol (so it runs even when the page's own scripts are off or blocked
// by its CSP) and returns its value, awaiting it if it is a promise.
func Eval[T any](tab *Tab, expression string) T {
	tab.t.Helper()
	v, err := chromedp.Run(tab.ctx, chromedp.Evaluate[T](expression, chromedp.EvalAwaitPromise))
	if err != nil {
		tab.fatal(fmt.Sprintf("evaluating %.80q", expression), err)
	}
	return v
}

// jsString quotes s as a JavaScript string literal.
func jsString(s string) string {
	b, err := json.Marshal(s)
	if err != nil {
		panic(err) // a Go string always marshals
	}
	return string(b)
}
