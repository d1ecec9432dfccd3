package sitetest

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
)

// TestStartNeedsAChannel: continuing without choosing how the code was
// expected stays on the question, with an error summary that links to the
// radios.
func TestStartNeedsAChannel(t *testing.T) {
	s := Start(t, Options{})
	c := s.NewClient(t)
	c.Get("/")
	if !Has(c.Last, "start-form") || !Has(c.Last, "channel-email") || !Has(c.Last, "channel-app") || !Has(c.Last, "channel-sms") {
		t.Fatal("the start page does not offer email, app and text message")
	}
	doc := c.Post("/", url.Values{})
	if c.LastStatus != http.StatusUnprocessableEntity {
		t.Errorf("status %d, want 422", c.LastStatus)
	}
	if got := TestID(doc, "error-summary"); !strings.Contains(got, "Select how you were expecting your code") {
		t.Errorf("error summary %q", got)
	}
	href, _ := doc.Find(`[data-testid="error-summary"] a`).Attr("href")
	if href != "#channel" || doc.Find("#channel").Length() != 1 {
		t.Errorf("the summary links to %q; the page has %d element(s) with id channel", href, doc.Find("#channel").Length())
	}
	if title := doc.Find("title").Text(); !strings.HasPrefix(title, "Error: ") {
		t.Errorf("title %q does not start with Error:", title)
	}
}

// TestEmailAddressErrors: an empty and a malformed address are refused
// beside the field, and what was typed is kept.
func TestEmailAddressErrors(t *testing.T) {
	s := Start(t, Options{})
	for _, tc := range []struct{ typed, want string }{
		{"", "Enter your email address"},
		{"   ", "Enter your email address"},
		{"ann.gmail.com", "Enter an email address in the correct format"},
		{"not an address", "Enter an email address in the correct format"},
	} {
		c := s.NewClient(t)
		doc := chooseEmail(t, c, tc.typed)
		if c.LastStatus != http.StatusUnprocessableEntity || c.LastURL.Path != "/email" {
			t.Errorf("%q: status %d at %s, want 422 at /email", tc.typed, c.LastStatus, c.LastURL.Path)
		}
		if got := TestID(doc, "error-summary"); !strings.Contains(got, tc.want) {
			t.Errorf("%q: summary %q, want %q", tc.typed, got, tc.want)
		}
		if got := doc.Find("#address-error").Text(); !strings.Contains(got, tc.want) {
			t.Errorf("%q: no error beside the field (%q)", tc.typed, got)
		}
		if v := tidAttr(doc, "address", "value"); v != strings.TrimSpace(tc.typed) {
			t.Errorf("%q: field keeps %q", tc.typed, v)
		}
		if tidAttr(doc, "address", "aria-invalid") != "true" {
			t.Errorf("%q: field not marked aria-invalid", tc.typed)
		}
	}
}

// TestEmailTypoSuggestion: ann@gmial.com is offered ann@gmail.com;
// accepting it checks the corrected address.
func TestEmailTypoSuggestion(t *testing.T) {
	s := Start(t, Options{})
	c := s.NewClient(t)
	doc := chooseEmail(t, c, "ann@gmial.com")
	if c.LastURL.Path != "/email/suggestion" {
		t.Fatalf("at %s, want /email/suggestion", c.LastURL.Path)
	}
	if h1 := strings.TrimSpace(doc.Find("h1").Text()); h1 != "Did you mean ann@gmail.com?" {
		t.Errorf("question %q", h1)
	}
	doc = c.Post("/email/suggestion", url.Values{})
	if c.LastStatus != http.StatusUnprocessableEntity || !strings.Contains(TestID(doc, "error-summary"), "Select whether you meant ann@gmail.com") {
		t.Errorf("no answer: status %d, summary %q", c.LastStatus, TestID(doc, "error-summary"))
	}
	doc = c.Post("/email/suggestion", url.Values{"use": {"suggestion"}})
	if c.LastURL.Path != "/email/result" {
		t.Fatalf("after accepting: at %s", c.LastURL.Path)
	}
	if h1 := strings.TrimSpace(doc.Find("h1").Text()); h1 != "What we found about ann@gmail.com" {
		t.Errorf("result heading %q", h1)
	}
	if got := TestID(doc, "verdict"); got != "This address can receive email." {
		t.Errorf("verdict %q", got)
	}
	if !Has(doc, "send") || Has(doc, "finding-address.typo") {
		t.Error("the corrected address's result has no send button, or still reports the typo")
	}
	if back := tidAttr(doc, "back", "href"); back != "/email/suggestion" {
		t.Errorf("back link %q", back)
	}
}

// TestEmailUnreachable: a domain that doesn't exist and a null MX both
// say codes can't reach the address, and offer no test send.
func TestEmailUnreachable(t *testing.T) {
	s := Start(t, Options{})
	for _, tc := range []struct{ address, finding string }{
		{"jo@expired-startup.com", "finding-domain.nxdomain"},
		{"bob@parked-domain.com", "finding-mx.null"},
	} {
		c := s.NewClient(t)
		doc := chooseEmail(t, c, tc.address)
		if c.LastURL.Path != "/email/result" {
			t.Fatalf("%s: at %s", tc.address, c.LastURL.Path)
		}
		if got := TestID(doc, "verdict"); got != "Codes can't reach this address." {
			t.Errorf("%s: verdict %q", tc.address, got)
		}
		if !Has(doc, tc.finding) {
			t.Errorf("%s: no %s panel", tc.address, tc.finding)
		}
		if Has(doc, "send") || Has(doc, "send-form") {
			t.Errorf("%s: a send button is offered", tc.address)
		}
		if !Has(doc, "change-address") {
			t.Errorf("%s: no way to use a different address", tc.address)
		}
		// Posting a send anyway (with a valid form token) sends nothing.
		c.Get("/email")
		c.Post("/email/send", nil)
		if c.LastURL.Path != "/email/result" {
			t.Errorf("%s: a forced send went to %s", tc.address, c.LastURL.Path)
		}
		s.Server.Wait()
		if sends, _ := s.Demo.Store.SendsByAddress(t.Context(), tc.address, 10); len(sends) != 0 {
			t.Errorf("%s: %d send(s) recorded", tc.address, len(sends))
		}
	}
}

// TestEmailDisposable: a disposable-mail domain is flagged as a warning,
// yet a test send is still possible.
func TestEmailDisposable(t *testing.T) {
	s := Start(t, Options{})
	c := s.NewClient(t)
	doc := chooseEmail(t, c, "x7@mailinator.com")
	panel := doc.Find(`[data-testid="finding-address.disposable"]`)
	if panel.Length() == 0 {
		t.Fatalf("no disposable warning; verdict %q", TestID(doc, "verdict"))
	}
	if cl, _ := panel.Attr("class"); !strings.Contains(cl, "cp-panel--warn") {
		t.Errorf("disposable panel class %q, want a warning", cl)
	}
	if !strings.Contains(panel.Text(), "temporary email address") {
		t.Errorf("panel %q gives no advice", strings.Join(strings.Fields(panel.Text()), " "))
	}
	if got := TestID(doc, "verdict"); got != "This address can receive email, but there is something to know." {
		t.Errorf("verdict %q", got)
	}
	if !Has(doc, "send") {
		t.Error("no send button")
	}
}

// TestEmailProviderTips: the provider is named with its own junk folder
// and instructions.
func TestEmailProviderTips(t *testing.T) {
	s := Start(t, Options{})
	for _, tc := range []struct{ address, provider, junk, tip string }{
		{"ann@outlook.com", "Microsoft", "Junk Email", "Focused and Other"},
		{"ann@icloud.com", "Apple", "Junk", "Hide My Email"},
	} {
		c := s.NewClient(t)
		doc := chooseEmail(t, c, tc.address)
		if got := TestID(doc, "provider"); !strings.Contains(got, tc.provider) {
			t.Errorf("%s: provider %q, want %s", tc.address, got, tc.provider)
		}
		if got := TestID(doc, "junk-folder"); got != tc.junk {
			t.Errorf("%s: junk folder %q, want %q", tc.address, got, tc.junk)
		}
		if got := TestID(doc, "provider-tips"); !strings.Contains(got, tc.tip) {
			t.Errorf("%s: tips %q lack %q", tc.address, got, tc.tip)
		}
	}
	// A corporate gateway's quarantine is explained too.
	c := s.NewClient(t)
	doc := chooseEmail(t, c, "it@contoso.com")
	if got := TestID(doc, "gateway"); !strings.Contains(got, "Mimecast") || !strings.Contains(got, "quarantine") {
		t.Errorf("gateway panel %q", got)
	}
}

// TestChecklistAndDone: the checklist lists what no probe can see, with
// the provider's junk folder; the done page shows the session's reference,
// the same as the footer's.
func TestChecklistAndDone(t *testing.T) {
	s := Start(t, Options{})
	c := s.NewClient(t)
	chooseEmail(t, c, "ann@outlook.com")
	doc := c.Get("/email/checklist")
	got := TestID(doc, "checklist")
	for _, want := range []string{"Use only the newest code", "Keep the sign-in page open", "Wait two minutes before asking again",
		"Check your mail rules", "Look in Junk Email"} {
		if !strings.Contains(got, want) {
			t.Errorf("checklist lacks %q: %q", want, got)
		}
	}
	ref := c.Ref()
	doc = c.Get("/done")
	if got := TestID(doc, "reference"); got == "" || got != ref {
		t.Errorf("done page reference %q, footer %q", got, ref)
	}
	if !refCodePattern.MatchString(ref) {
		t.Errorf("reference %q is not CP-XXXX-XXXX", ref)
	}
	if got := pageText(doc); !strings.Contains(got, "Check your mail rules and filters") {
		t.Error("the email path's done page does not mention mail rules")
	}
}

// TestHelpPages: the locked-out and unrequested-code pages say what the
// issue asks them to.
func TestHelpPages(t *testing.T) {
	s := Start(t, Options{})
	c := s.NewClient(t)
	doc := c.Get("/help/locked")
	if got := TestID(doc, "locked-advice"); !strings.Contains(got, "don't try again yet") || !strings.Contains(got, "start the lock again") {
		t.Errorf("locked advice %q", got)
	}
	doc = c.Get("/help/unrequested")
	if got := TestID(doc, "unrequested-advice"); !strings.Contains(got, "Don't share the code") || !strings.Contains(got, "Someone may be trying to sign in") {
		t.Errorf("unrequested advice %q", got)
	}
	// The done page carries the same two sentences.
	c.Get("/")
	c.Post("/", url.Values{"channel": {"sms"}})
	doc = c.Get("/done")
	body := pageText(doc)
	for _, want := range []string{"don't retry repeatedly: each retry restarts the lock", "Someone may be trying to sign in: don't share it"} {
		if !strings.Contains(body, want) {
			t.Errorf("done page lacks %q", want)
		}
	}
	if strings.Contains(body, "Check your mail rules") {
		t.Error("the text-message path's done page talks about mail rules")
	}
}
