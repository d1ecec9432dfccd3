package browsertest

import (
	"bytes"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"
)

func TestCleanPageHasNoViolations(t *testing.T) {
	site := newSite(t)
	tab := Open(t, nil)
	tab.Navigate(site.URL + "/clean")
	if vs := tab.Axe(); len(vs) != 0 {
		t.Errorf("violations on a clean page: %v", vs)
	}
	tab.AssertNoViolations()
}

func TestViolationsAreFound(t *testing.T) {
	site := newSite(t)
	tab := Open(t, nil)
	tab.Navigate(site.URL + "/bad")
	vs := tab.Axe()
	var ids []string
	for _, v := range vs {
		ids = append(ids, v.ID)
		if v.Impact == "" || v.Help == "" || len(v.Nodes) == 0 || len(v.Nodes[0].Target) == 0 {
			t.Errorf("violation %s lacks impact, help or node targets: %+v", v.ID, v)
		}
	}
	for _, want := range []string{"image-alt", "label"} {
		if !slices.Contains(ids, want) {
			t.Errorf("axe found %v, want %s among them", ids, want)
		}
	}
	for _, v := range vs {
		if v.ID == "image-alt" && v.Nodes[0].Target[0] != "img" {
			t.Errorf("image-alt targets %v, want the img", v.Nodes[0].Target)
		}
	}
}

// TestAssertNoViolationsReports runs AssertNoViolations against a recording
// testing.TB, to show that each violation fails the test by name.
func TestAssertNoViolationsReports(t *testing.T) {
	site := newSite(t)
	rec := &recordingTB{TB: t}
	tab := Open(t, nil)
	tab.t = rec
	tab.Navigate(site.URL + "/bad")
	tab.AssertNoViolations()
	all := strings.Join(rec.errors, "\n")
	for _, want := range []string{"image-alt", "label", "/bad", "<img"} {
		if !strings.Contains(all, want) {
			t.Errorf("the failures do not mention %q:\n%s", want, all)
		}
	}
}

func TestAxeUnderStrictCSP(t *testing.T) {
	site := newSite(t)
	tab := Open(t, nil)
	tab.Navigate(site.URL + "/csp")
	if vs := tab.Axe(); len(vs) != 0 {
		t.Errorf("violations on a clean page under a strict CSP: %v", vs)
	}
	if !Eval[bool](tab, `typeof axe.run === "function"`) {
		t.Error("axe-core is not in the page after injection")
	}
	// The page's own policy still holds: an inline script is refused.
	if p := tab.TakeProblems(); len(p) != 0 {
		t.Errorf("injecting axe-core caused problems: %v", p)
	}
}

func TestCSPViolationIsAProblem(t *testing.T) {
	site := newSite(t)
	tab := Open(t, nil)
	tab.Navigate(site.URL + "/csp-inline")
	if got := tab.Text("#h"); got != "Inline script" {
		t.Errorf("the inline script ran under a strict CSP: heading %q", got)
	}
	ps := tab.TakeProblems()
	if !slices.ContainsFunc(ps, func(p Problem) bool {
		return p.Kind == ProblemBrowser && strings.Contains(p.Text, "Content Security Policy")
	}) {
		t.Errorf("problems %v, want a Content Security Policy violation", ps)
	}
}

func TestJavaScriptSwitch(t *testing.T) {
	site := newSite(t)
	t.Run("on", func(t *testing.T) {
		tab := Open(t, nil)
		tab.Navigate(site.URL + "/nojs")
		if got := tab.Text("#msg"); got != "JavaScript ran" {
			t.Errorf("with JavaScript: %q", got)
		}
	})
	t.Run("off", func(t *testing.T) {
		tab := Open(t, &TabOptions{NoJavaScript: true})
		tab.Navigate(site.URL + "/nojs")
		if got := tab.Text("#msg"); got != "Works without JavaScript" {
			t.Errorf("without JavaScript: %q", got)
		}
		// A second page load in the tab stays without JavaScript.
		tab.Navigate(site.URL + "/nojs?again")
		if got := tab.Text("#msg"); got != "Works without JavaScript" {
			t.Errorf("without JavaScript, second load: %q", got)
		}
		// The harness's own probes still work.
		tab.AssertNoViolations()
		tab.Tab(1)
		if f := tab.ActiveElement(); f.Tag != "body" {
			t.Errorf("focus on %v, want nothing focusable", f)
		}
	})
}

func TestFormWithoutJavaScript(t *testing.T) {
	site := newSite(t)
	tab := Open(t, &TabOptions{NoJavaScript: true})
	tab.Navigate(site.URL + "/form")
	tab.Fill(`[data-testid="email"]`, "ann@gmial.com")
	tab.ClickAndWaitLoad(`[data-testid="next"]`)
	u := tab.WaitURL(func(u *url.URL) bool { return u.Path == "/done" })
	if got := u.Query().Get("email"); got != "ann@gmial.com" {
		t.Errorf("submitted email %q", got)
	}
	if got := tab.Text("#done"); got != "Thanks" {
		t.Errorf("done page says %q", got)
	}
}

func TestSubmit(t *testing.T) {
	site := newSite(t)
	for _, noJS := range []bool{false, true} {
		t.Run(fmt.Sprintf("NoJavaScript=%v", noJS), func(t *testing.T) {
			tab := Open(t, &TabOptions{NoJavaScript: noJS})
			tab.Navigate(site.URL + "/form")
			tab.Fill(`[data-testid="email"]`, "first")
			tab.Fill(`[data-testid="email"]`, "bob@example.com") // replaces, not appends
			tab.Submit(`[data-testid="email"]`)
			u := tab.WaitURL(func(u *url.URL) bool { return u.Path == "/done" })
			if got := u.Query().Get("email"); got != "bob@example.com" {
				t.Errorf("submitted email %q", got)
			}
		})
	}
}

func TestFocusOrder(t *testing.T) {
	site := newSite(t)
	tab := Open(t, nil)
	tab.Navigate(site.URL + "/form")
	order := tab.FocusOrder()
	var got []string
	for _, f := range order {
		got = append(got, f.TestID)
	}
	want := []string{"email", "junk", "next", "help", "hidden-focus"}
	if !slices.Equal(got, want) {
		t.Fatalf("focus order %v, want %v", got, want)
	}
	for _, f := range order {
		if visible := f.TestID != "hidden-focus"; f.FocusVisible != visible {
			t.Errorf("%v: FocusVisible %v, want %v (outline %q, box-shadow %q)",
				f, f.FocusVisible, visible, f.Outline, f.BoxShadow)
		}
	}
	rec := &recordingTB{TB: t}
	tab.t = rec
	tab.AssertFocusVisible(order)
	tab.t = t
	if len(rec.errors) != 1 || !strings.Contains(rec.errors[0], "hidden-focus") {
		t.Errorf("AssertFocusVisible reported %q, want one failure for hidden-focus", rec.errors)
	}
	// Shift+Tab goes back.
	tab.ResetFocus()
	tab.Tab(3)
	tab.ShiftTab(1)
	if f := tab.ActiveElement(); f.TestID != "junk" {
		t.Errorf("after Tab×3, Shift+Tab: focus on %v, want junk", f)
	}
}

func TestKeyboardOnlyPath(t *testing.T) {
	site := newSite(t)
	tab := Open(t, nil)
	tab.Navigate(site.URL + "/form")
	tab.TabToTestID("email")
	tab.Press("a")
	tab.Press("@")
	tab.Press("b")
	tab.TabToTestID("junk")
	tab.Press(" ")
	if !Eval[bool](tab, `document.querySelector('[data-testid="junk"]').checked`) {
		t.Error("Space did not tick the checkbox")
	}
	tab.TabToTestID("next")
	tab.PressAndWaitLoad("Enter")
	u := tab.WaitURL(func(u *url.URL) bool { return u.Path == "/done" })
	if q := u.Query(); q.Get("email") != "a@b" || q.Get("junk") != "on" {
		t.Errorf("submitted %v, want email=a@b and junk=on", q)
	}
}

func TestScreenshot(t *testing.T) {
	site := newSite(t)
	dir := t.TempDir()
	t.Setenv(ArtifactsEnv, dir)
	tab := Open(t, nil)
	tab.Navigate(site.URL + "/clean")
	path := tab.Screenshot("clean page")
	if want := filepath.Join(dir, "TestScreenshot", "clean_page.png"); path != want {
		t.Errorf("saved to %s, want %s", path, want)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.HasPrefix(b, []byte("\x89PNG\r\n\x1a\n")) {
		t.Errorf("%s is not a PNG: starts %q", path, b[:min(8, len(b))])
	}
}

func TestArtifactDirDefault(t *testing.T) {
	t.Setenv(ArtifactsEnv, "")
	root, err := moduleRoot()
	if err != nil {
		t.Fatal(err)
	}
	mine := filepath.Join(root, "test-artifacts", "TestArtifactDirDefault")
	t.Cleanup(func() {
		os.RemoveAll(mine)
		os.Remove(filepath.Join(root, "test-artifacts")) // only when empty
	})
	t.Run("sub/../test", func(t *testing.T) {
		dir := ArtifactDir(t)
		want := filepath.Join(mine, "sub", "_", "test")
		if dir != want {
			t.Errorf("ArtifactDir = %s, want %s", dir, want)
		}
	})
}

func TestProblemsAreReported(t *testing.T) {
	site := newSite(t)
	cases := []struct {
		path string
		kind ProblemKind
		text string
	}{
		{"/noisy", ProblemConsole, "code store unreachable"},
		{"/throws", ProblemException, "TypeError"},
		{"/broken-img", ProblemRequest, "HTTP 404"},
		{"/offnet", ProblemRequest, "192.0.2.1"},
	}
	for _, c := range cases {
		t.Run(strings.TrimPrefix(c.path, "/"), func(t *testing.T) {
			tab := Open(t, nil)
			tab.Navigate(site.URL + c.path)
			ps := tab.TakeProblems()
			if !slices.ContainsFunc(ps, func(p Problem) bool {
				return p.Kind == c.kind && strings.Contains(p.String(), c.text)
			}) {
				t.Errorf("problems %v, want a %s problem with %q", ps, c.kind, c.text)
			}
		})
	}
}

// TestProblemsFailTheTest shows that a tab whose page logs an error fails
// its test when the test ends, unless the test took the problems or the tab
// allows them.
func TestProblemsFailTheTest(t *testing.T) {
	site := newSite(t)
	rec := &recordingTB{TB: t}
	t.Cleanup(func() { // runs after the tab's own cleanup
		if len(rec.errors) != 1 || !strings.Contains(rec.errors[0], "code store unreachable") {
			t.Errorf("the tab's cleanup reported %q, want the console error", rec.errors)
		}
	})
	tab := Start(t).NewTab(rec, nil)
	tab.Navigate(site.URL + "/noisy")

	allowed := Start(t).NewTab(t, &TabOptions{AllowProblems: true})
	allowed.Navigate(site.URL + "/noisy")
	if len(allowed.Problems()) == 0 {
		t.Error("a tab that allows problems still records them")
	}
}

// recordingTB is a testing.TB that keeps the failures it is given instead
// of failing the test.
type recordingTB struct {
	testing.TB
	errors []string
}

func (r *recordingTB) Errorf(format string, args ...any) {
	r.errors = append(r.errors, fmt.Sprintf(format, args...))
}

func (r *recordingTB) Error(args ...any) { r.errors = append(r.errors, fmt.Sprint(args...)) }

func TestParallelTabs(t *testing.T) {
	site := newSite(t)
	for _, p := range []string{"/clean", "/form", "/csp", "/done"} {
		t.Run(strings.TrimPrefix(p, "/"), func(t *testing.T) {
			t.Parallel()
			tab := Open(t, nil)
			tab.Navigate(site.URL + p)
			if got := tab.URL().Path; got != p {
				t.Errorf("tab shows %s, want %s", got, p)
			}
			tab.WaitVisible("h1")
		})
	}
}

// TestMissingSkipsOrFails follows internal/testenv: a missing browser or
// axe-core skips the test, unless CI or the developer requires it.
func TestMissingSkipsOrFails(t *testing.T) {
	for _, c := range []struct {
		env, val string
		want     string
	}{
		{"CODEPROBE_REQUIRE_BROWSER", "", "skip"},
		{"CODEPROBE_REQUIRE_BROWSER", "1", "fatal"},
		{"CODEPROBE_REQUIRE_SHARED", "1", "fatal"},
	} {
		t.Run(c.env+"="+c.val, func(t *testing.T) {
			t.Setenv("CODEPROBE_REQUIRE_BROWSER", "")
			t.Setenv("CODEPROBE_REQUIRE_SHARED", "")
			t.Setenv(c.env, c.val)
			rec := &endingTB{TB: t}
			done := make(chan struct{})
			go func() {
				defer close(done)
				missing(rec, "Chromium is not installed")
			}()
			<-done
			if rec.how != c.want || !strings.Contains(rec.why, "Chromium is not installed") {
				t.Errorf("missing() did %s(%q), want %s", rec.how, rec.why, c.want)
			}
		})
	}
}

// endingTB records how a test would have ended (Skip or Fatal) and ends
// only the goroutine that called it.
type endingTB struct {
	testing.TB
	how, why string
}

func (e *endingTB) Skip(args ...any) {
	e.how, e.why = "skip", fmt.Sprint(args...)
	runtime.Goexit()
}

func (e *endingTB) Fatal(args ...any) {
	e.how, e.why = "fatal", fmt.Sprint(args...)
	runtime.Goexit()
}

func (e *endingTB) Fatalf(format string, args ...any) {
	e.how, e.why = "fatal", fmt.Sprintf(format, args...)
	runtime.Goexit()
}

// TestWaitEndsAtDeadline shows that a wait for an element that never comes
// fails the test at the tab's deadline instead of hanging.
func TestWaitEndsAtDeadline(t *testing.T) {
	site := newSite(t)
	rec := &endingTB{TB: t}
	tab := Start(t).NewTab(rec, &TabOptions{Timeout: 3 * time.Second})
	tab.Navigate(site.URL + "/done")
	done := make(chan struct{})
	go func() {
		defer close(done)
		tab.WaitVisible("#never")
	}()
	<-done
	if rec.how != "fatal" || !strings.Contains(rec.why, "deadline") || !strings.Contains(rec.why, "#never") {
		t.Errorf("the wait ended with %s(%q), want a failure naming #never and the deadline", rec.how, rec.why)
	}
}
