package browsertest

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"

	"github.com/chromedp/chromedp"
)

// axeTags are the axe-core rule tags Axe runs: WCAG 2.0 and 2.1, levels A
// and AA.
var axeTags = []string{"wcag2a", "wcag2aa", "wcag21a", "wcag21aa"}

// axePath is where `npm ci --prefix internal/browsertest` puts axe-core,
// relative to the module root.
const axePath = "internal/browsertest/node_modules/axe-core/axe.min.js"

// Violation is one axe-core rule a page breaks.
type Violation struct {
	ID      string          `json:"id"`     // the rule, e.g. "image-alt"
	Impact  string          `json:"impact"` // minor, moderate, serious, critical
	Help    string          `json:"help"`   // what the rule asks for
	HelpURL string          `json:"helpUrl"`
	Nodes   []ViolationNode `json:"nodes"`
}

// ViolationNode is one element that breaks a rule.
type ViolationNode struct {
	// Target is the CSS selector path of the element; one entry per frame
	// or shadow root it is inside.
	Target []string `json:"target"`
	// HTML is the start of the element's markup.
	HTML string `json:"html"`
	// FailureSummary says how to fix it.
	FailureSummary string `json:"failureSummary"`
}

// String describes the violation and every element that breaks it.
func (v Violation) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s (%s): %s — %s", v.ID, v.Impact, v.Help, v.HelpURL)
	for _, n := range v.Nodes {
		fmt.Fprintf(&b, "\n\t%s %s", strings.Join(n.Target, " "), n.HTML)
		if n.FailureSummary != "" {
			fmt.Fprintf(&b, "\n\t\t%s", strings.ReplaceAll(n.FailureSummary, "\n", "\n\t\t"))
		}
	}
	return b.String()
}

// axeSource caches axe.min.js once read.
var axeSource struct {
	once sync.Once
	js   string
	err  error
}

// loadAxe reads axe.min.js from the module's node_modules.
func loadAxe() (string, error) {
	axeSource.once.Do(func() {
		root, err := moduleRoot()
		if err != nil {
			axeSource.err = err
			return
		}
		b, err := os.ReadFile(filepath.Join(root, filepath.FromSlash(axePath)))
		axeSource.js, axeSource.err = string(b), err
	})
	return axeSource.js, axeSource.err
}

// Axe runs axe-core's WCAG 2.1 A and AA rules (the tags wcag2a, wcag2aa,
// wcag21a and wcag21aa) on the page in the tab and returns the violations. axe-core is injected through the DevTools
// protocol, which the page's Content-Security-Policy does not govern, and
// is read from node_modules: nothing is fetched. When it is not installed
// the test is skipped, or failed where browser tests are required.
func (tab *Tab) Axe() []Violation {
	tab.t.Helper()
	src, err := loadAxe()
	if err != nil {
		missing(tab.t, "axe-core is not installed (run npm ci --prefix internal/browsertest): "+err.Error())
	}
	loaded, err := chromedp.Run(tab.ctx, chromedp.Evaluate[bool](`typeof window.axe === "object" && typeof window.axe.run === "function"`))
	if err != nil {
		tab.t.Fatalf("browsertest: axe: %v", err)
	}
	if !loaded {
		if err := chromedp.Do(tab.ctx, chromedp.Evaluate[chromedp.Void](src)); err != nil {
			tab.t.Fatalf("browsertest: injecting axe-core: %v", err)
		}
	}
	if tab.noJS {
		// axe.run waits on timers, which do not run while scripts are off.
		// Turning them on does not run the page's scripts, which the parser
		// has already skipped; they go off again before Axe returns.
		tab.setScripts(true)
		defer tab.setScripts(false)
	}
	run := fmt.Sprintf(`axe.run(document, {
		runOnly: {type: "tag", values: %s},
		resultTypes: ["violations"],
	}).then(r => r.violations.map(v => ({
		id: v.id, impact: v.impact || "", help: v.help, helpUrl: v.helpUrl,
		nodes: v.nodes.map(n => ({
			target: n.target.map(t => Array.isArray(t) ? t.join(" >>> ") : String(t)),
			html: n.html, failureSummary: n.failureSummary || "",
		})),
	})))`, jsStrings(axeTags))
	vs, err := chromedp.Run(tab.ctx, chromedp.Evaluate[[]Violation](run, chromedp.EvalAwaitPromise))
	if err != nil {
		tab.t.Fatalf("browsertest: running axe-core: %v", err)
	}
	return vs
}

// AssertNoViolations runs [Tab.Axe] and fails the test once for each
// violation, naming the rule, its impact, the fix and every offending
// element.
func (tab *Tab) AssertNoViolations() {
	tab.t.Helper()
	vs := tab.Axe()
	loc, _ := chromedp.Run(tab.ctx, chromedp.Location())
	for _, v := range vs {
		tab.t.Errorf("browsertest: accessibility violation on %s: %s", loc, v)
	}
}

// jsStrings renders a JavaScript array of string literals.
func jsStrings(ss []string) string {
	q := make([]string, len(ss))
	for i, s := range ss {
		q[i] = jsString(s)
	}
	return "[" + strings.Join(q, ", ") + "]"
}
