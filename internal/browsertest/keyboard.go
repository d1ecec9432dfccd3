package browsertest

import (
	"fmt"
	"strings"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"
)

// maxTabs bounds every walk through a page's focus order.
const maxTabs = 500

// Focused describes the element that has the keyboard focus.
type Focused struct {
	Tag    string `json:"tag"`    // lower-case tag name; "body" when nothing is focused
	ID     string `json:"id"`     // the id attribute
	TestID string `json:"testid"` // the data-testid attribute
	Name   string `json:"name"`   // the name attribute
	Type   string `json:"type"`   // the type attribute
	Role   string `json:"role"`   // the role attribute
	Href   string `json:"href"`   // the href attribute
	// Text is the element's label, roughly as a screen reader finds it:
	// aria-label, its <label>'s text, its own visible text, or its
	// placeholder, cut to 80 characters.
	Text string `json:"text"`
	// Outline and BoxShadow are the element's computed outline and
	// box-shadow while focused.
	Outline   string `json:"outline"`
	BoxShadow string `json:"boxShadow"`
	// FocusVisible reports a visible focus indicator: a computed outline
	// whose style is not none and whose width is not zero, or a box-shadow
	// that is not none.
	FocusVisible bool `json:"focusVisible"`
	// Key identifies the element within its document, so that a walk can
	// tell when it meets the same element again.
	Key int `json:"key"`
}

// String names the element as a test failure should: tag, id, test id and
// text.
func (f Focused) String() string {
	var b strings.Builder
	b.WriteString(f.Tag)
	if f.ID != "" {
		b.WriteString("#" + f.ID)
	}
	if f.TestID != "" {
		fmt.Fprintf(&b, "[data-testid=%q]", f.TestID)
	}
	if f.Text != "" {
		fmt.Fprintf(&b, " %q", f.Text)
	}
	return b.String()
}

// inPage reports whether an element of the page has the focus (rather than
// the body, meaning nothing, or the browser's own interface).
func (f Focused) inPage() bool { return f.Tag != "" && f.Tag != "body" && f.Tag != "html" }

// activeJS describes document.activeElement. It runs through the DevTools
// protocol, so it works with the page's scripts off.
const activeJS = `(() => {
	const el = document.activeElement || document.body;
	const w = window.__browsertestKeys || (window.__browsertestKeys = {next: 1, map: new WeakMap()});
	if (!w.map.has(el)) { w.map.set(el, w.next++); }
	const cs = getComputedStyle(el);
	const outline = cs.outlineStyle !== "none" && parseFloat(cs.outlineWidth) > 0;
	const shadow = cs.boxShadow !== "" && cs.boxShadow !== "none";
	const attr = n => el.getAttribute(n) || "";
	const label = el.labels && el.labels.length ? el.labels[0].innerText.trim() : "";
	let text = attr("aria-label") || label || (el.innerText || "").trim() || attr("placeholder") || "";
	text = String(text).replace(/\s+/g, " ").slice(0, 80);
	return {
		tag: el.tagName.toLowerCase(), id: el.id || "", testid: attr("data-testid"),
		name: attr("name"), type: attr("type"), role: attr("role"), href: attr("href"),
		text: text, outline: cs.outline, boxShadow: cs.boxShadow,
		focusVisible: outline || shadow, key: w.map.get(el),
	};
})()`

// resetFocusJS moves the focus, and the browser's sequential focus
// navigation starting point, to the start of the document, so that the next
// Tab reaches the first focusable element.
const resetFocusJS = `(() => {
	if (document.activeElement && document.activeElement !== document.body) { document.activeElement.blur(); }
	const probe = document.createElement("span");
	probe.tabIndex = -1;
	document.body.prepend(probe);
	probe.focus();
	probe.remove();
})()`

// ActiveElement describes the element that has the keyboard focus.
func (tab *Tab) ActiveElement() Focused {
	tab.t.Helper()
	f, err := chromedp.Run(tab.ctx, chromedp.Evaluate[Focused](activeJS))
	if err != nil {
		tab.t.Fatalf("browsertest: reading the focused element: %v", err)
	}
	return f
}

// Tab presses the Tab key n times.
func (tab *Tab) Tab(n int) {
	tab.t.Helper()
	tab.do("pressing Tab", chromedp.KeyEvent(strings.Repeat(kb.Tab, n)))
}

// ShiftTab presses Shift+Tab n times.
func (tab *Tab) ShiftTab(n int) {
	tab.t.Helper()
	tab.do("pressing Shift+Tab", chromedp.KeyEvent(strings.Repeat(kb.Tab, n), chromedp.KeyModifiers(chromedp.ModifierShift)))
}

// keyNames maps the key names Press accepts to chromedp's keys.
var keyNames = map[string]string{
	"Enter": kb.Enter, "Space": " ", " ": " ", "Tab": kb.Tab, "Escape": kb.Escape,
	"Backspace": kb.Backspace, "Delete": kb.Delete, "Home": kb.Home, "End": kb.End,
	"PageUp": kb.PageUp, "PageDown": kb.PageDown, "ArrowUp": kb.ArrowUp,
	"ArrowDown": kb.ArrowDown, "ArrowLeft": kb.ArrowLeft, "ArrowRight": kb.ArrowRight,
}

// Press presses one key on the focused element: a name from the DOM's
// KeyboardEvent.key ("Enter", " " or "Space", "Escape", "ArrowDown",
// "Home"…) or a single character. It does not wait for a navigation the key
// may start; use [Tab.PressAndWaitLoad] for that.
func (tab *Tab) Press(key string) {
	tab.t.Helper()
	tab.do("pressing "+key, chromedp.KeyEvent(tab.key(key)))
}

// PressAndWaitLoad presses a key, as [Tab.Press] does, on a link or button
// that loads a new page, and waits for that page to finish loading.
func (tab *Tab) PressAndWaitLoad(key string) {
	tab.t.Helper()
	tab.waitLoad("pressing "+key, chromedp.KeyEvent(tab.key(key)))
}

// key returns chromedp's key for a name Press accepts.
func (tab *Tab) key(name string) string {
	tab.t.Helper()
	if k, ok := keyNames[name]; ok {
		return k
	}
	if len([]rune(name)) != 1 {
		tab.t.Fatalf("browsertest: unknown key %q", name)
	}
	return name
}

// ResetFocus moves the keyboard focus back to the start of the page, where
// it is after a page loads: the next Tab reaches the first focusable
// element.
func (tab *Tab) ResetFocus() {
	tab.t.Helper()
	tab.do("resetting the focus", chromedp.Evaluate[chromedp.Void](resetFocusJS))
}

// FocusOrder tabs through the page from its start until the focus comes
// back to the first element it reached, and returns the elements in the
// order the keyboard reaches them. A page with nothing focusable gives
// none. The test fails when the focus never cycles (a keyboard trap).
func (tab *Tab) FocusOrder() []Focused {
	tab.t.Helper()
	tab.ResetFocus()
	var order []Focused
	outside := 0 // Tabs in a row that left the page
	for range maxTabs {
		tab.Tab(1)
		f := tab.ActiveElement()
		if !f.inPage() {
			if outside++; outside > 2 && len(order) == 0 {
				return nil
			}
			continue
		}
		outside = 0
		if len(order) > 0 && f.Key == order[0].Key {
			return order
		}
		order = append(order, f)
	}
	tab.t.Fatalf("browsertest: the focus did not come back to %v within %d Tabs (a keyboard trap?); it went %v",
		order[0], maxTabs, order)
	return nil
}

// TabTo presses Tab until the focused element satisfies match, and returns
// it. The test fails when the whole focus order goes round without a match:
// the element cannot be reached by keyboard.
func (tab *Tab) TabTo(match func(Focused) bool) Focused {
	tab.t.Helper()
	var first *Focused
	var seen []string
	for range maxTabs {
		tab.Tab(1)
		f := tab.ActiveElement()
		if !f.inPage() {
			continue
		}
		if match(f) {
			return f
		}
		if first != nil && f.Key == first.Key {
			tab.t.Fatalf("browsertest: no element reachable by Tab matches; the focus order is %v", seen)
		}
		if first == nil {
			first = &f
		}
		seen = append(seen, f.String())
	}
	tab.t.Fatalf("browsertest: no match within %d Tabs; reached %v", maxTabs, seen)
	return Focused{}
}

// TabToTestID presses Tab until the element with data-testid id has the
// focus, and fails the test when the keyboard cannot reach it or when the
// element shows no visible focus indicator.
func (tab *Tab) TabToTestID(id string) Focused {
	tab.t.Helper()
	f := tab.TabTo(func(f Focused) bool { return f.TestID == id })
	if !f.FocusVisible {
		tab.t.Errorf("browsertest: %v has the focus but shows no focus indicator (outline %q, box-shadow %q)",
			f, f.Outline, f.BoxShadow)
	}
	return f
}

// AssertFocusVisible fails the test for each element of order that shows no
// visible focus indicator when focused.
func (tab *Tab) AssertFocusVisible(order []Focused) {
	tab.t.Helper()
	for _, f := range order {
		if !f.FocusVisible {
			tab.t.Errorf("browsertest: %v shows no focus indicator (outline %q, box-shadow %q)", f, f.Outline, f.BoxShadow)
		}
	}
}
