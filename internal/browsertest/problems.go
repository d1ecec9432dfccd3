package browsertest

import (
	"encoding/json"
	"fmt"
	"net/url"
	"strings"
	"sync"

	"github.com/chromedp/cdproto/log"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/cdproto/runtime"
)

// ProblemKind says where a [Problem] came from.
type ProblemKind string

// The kinds of problem a tab records.
const (
	// ProblemConsole is a console.error or console.assert call of the page.
	ProblemConsole ProblemKind = "console"
	// ProblemException is an uncaught exception or unhandled rejection.
	ProblemException ProblemKind = "exception"
	// ProblemBrowser is an error the browser itself logged for the page,
	// such as a Content-Security-Policy violation.
	ProblemBrowser ProblemKind = "browser"
	// ProblemRequest is a request that failed (no answer, blocked by the
	// CSP or the browser) or was answered with HTTP status 400 or above.
	ProblemRequest ProblemKind = "request"
)

// Problem is something a user's browser would flag on a page: a console
// error, an uncaught exception, a CSP violation, a failed request.
type Problem struct {
	Kind ProblemKind
	// Text is the message as the DevTools console shows it, or for a
	// request the error or status.
	Text string
	// URL is the script or request the problem is about, when known.
	URL string
	// Source is the browser's category for a ProblemBrowser ("security" for
	// CSP, "network", "javascript"…); empty otherwise.
	Source string
}

// String describes the problem on one line.
func (p Problem) String() string {
	s := string(p.Kind)
	if p.Source != "" {
		s += " (" + p.Source + ")"
	}
	s += ": " + p.Text
	if p.URL != "" && !strings.Contains(p.Text, p.URL) {
		s += " [" + p.URL + "]"
	}
	return s
}

// Problems returns the problems the tab has seen so far and not yet taken.
func (tab *Tab) Problems() []Problem {
	return tab.problems.snapshot()
}

// TakeProblems returns the problems the tab has seen so far and forgets
// them, so that a test that expects a problem can check it and still have
// every other one fail the test.
func (tab *Tab) TakeProblems() []Problem {
	return tab.problems.take()
}

// AssertNoProblems fails the test for each problem the tab has seen so far,
// and forgets them. The tab also does this when the test ends.
func (tab *Tab) AssertNoProblems() {
	tab.t.Helper()
	for _, p := range tab.problems.take() {
		tab.t.Errorf("browsertest: %s", p)
	}
}

// recorder collects a tab's problems from its protocol events. Its listen
// method runs in the tab's event loop, so it only files what it sees.
type recorder struct {
	mu       sync.Mutex
	problems []Problem
	urls     map[network.RequestID]string // requests in flight
}

func newRecorder() *recorder {
	return &recorder{urls: make(map[network.RequestID]string)}
}

func (r *recorder) add(p Problem) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.problems = append(r.problems, p)
}

func (r *recorder) snapshot() []Problem {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]Problem(nil), r.problems...)
}

func (r *recorder) take() []Problem {
	r.mu.Lock()
	defer r.mu.Unlock()
	p := r.problems
	r.problems = nil
	return p
}

// listen is the tab's chromedp listener (the v0.23 successor of
// ListenTarget): it sees every event of the tab, in order.
func (r *recorder) listen(ev any) {
	switch ev := ev.(type) {
	case *runtime.EventConsoleAPICalled:
		if ev.Type == runtime.ConsoleAPICalledTypeError || ev.Type == runtime.ConsoleAPICalledTypeAssert {
			p := Problem{Kind: ProblemConsole, Text: "console." + string(ev.Type) + ": " + argsText(ev.Args)}
			if st := ev.StackTrace; st != nil && len(st.CallFrames) > 0 {
				p.URL = st.CallFrames[0].URL
			}
			r.add(p)
		}
	case *runtime.EventExceptionThrown:
		r.add(exceptionProblem(ev.ExceptionDetails))
	case *log.EventEntryAdded:
		// The network's log entries repeat the request events below.
		if en := ev.Entry; en != nil && en.Level == log.EntryLevelError && en.Source != log.EntrySourceNetwork {
			r.add(Problem{Kind: ProblemBrowser, Text: en.Text, URL: en.URL, Source: string(en.Source)})
		}
	case *network.EventRequestWillBeSent:
		if ev.Request != nil {
			r.mu.Lock()
			r.urls[ev.RequestID] = ev.Request.URL
			r.mu.Unlock()
		}
	case *network.EventResponseReceived:
		if resp := ev.Response; resp != nil && resp.Status >= 400 && !implicitFavicon(ev) {
			r.add(Problem{Kind: ProblemRequest, URL: resp.URL,
				Text: fmt.Sprintf("HTTP %d %s for %s", resp.Status, resp.StatusText, resp.URL)})
		}
	case *network.EventLoadingFinished:
		r.forget(ev.RequestID)
	case *network.EventLoadingFailed:
		u := r.forget(ev.RequestID)
		if ev.Canceled && ev.BlockedReason == "" {
			return // the page moved on; not a failure a user sees
		}
		text := ev.ErrorText
		if ev.BlockedReason != "" {
			text += " (blocked: " + string(ev.BlockedReason) + ")"
		}
		r.add(Problem{Kind: ProblemRequest, URL: u, Text: text + " for " + u})
	}
}

// implicitFavicon reports the browser's own request for /favicon.ico, made
// for every page that names no icon; a missing one is no fault of the page.
func implicitFavicon(ev *network.EventResponseReceived) bool {
	u, err := url.Parse(ev.Response.URL)
	return err == nil && u.Path == "/favicon.ico" && ev.Type == network.ResourceTypeOther
}

// forget drops a finished request and returns its URL.
func (r *recorder) forget(id network.RequestID) string {
	r.mu.Lock()
	defer r.mu.Unlock()
	u := r.urls[id]
	delete(r.urls, id)
	return u
}

func exceptionProblem(d *runtime.ExceptionDetails) Problem {
	if d == nil {
		return Problem{Kind: ProblemException, Text: "an exception without details"}
	}
	text := d.Text
	if obj := d.Exception; obj != nil && obj.Description != "" {
		desc, _, _ := strings.Cut(obj.Description, "\n")
		text += " " + desc
	}
	p := Problem{Kind: ProblemException, Text: strings.TrimSpace(text), URL: d.URL}
	if p.URL == "" && d.StackTrace != nil && len(d.StackTrace.CallFrames) > 0 {
		p.URL = d.StackTrace.CallFrames[0].URL
	}
	return p
}

// argsText renders console arguments roughly as the DevTools console does.
func argsText(args []*runtime.RemoteObject) string {
	parts := make([]string, 0, len(args))
	for _, a := range args {
		switch {
		case a.Type == runtime.RemoteObjectTypeString:
			var s string
			if err := json.Unmarshal([]byte(a.Value), &s); err == nil {
				parts = append(parts, s)
				continue
			}
			parts = append(parts, string(a.Value))
		case a.Description != "":
			parts = append(parts, a.Description)
		case len(a.Value) > 0:
			parts = append(parts, string(a.Value))
		default:
			parts = append(parts, string(a.Type))
		}
	}
	return strings.Join(parts, " ")
}
