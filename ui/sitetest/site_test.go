package sitetest

import (
	"net/url"
	"strings"
	"testing"
	"time"
)

// TestEmailPathMailboxFull walks the email path with no JavaScript: the
// address is checked, a test code is sent, the demo's MX accepts it and
// then bounces it (mailbox full), and the status page says so.
func TestEmailPathMailboxFull(t *testing.T) {
	s := Start(t, Options{})
	c := s.NewClient(t)
	c.Get("/")
	c.Post("/", url.Values{"channel": {"email"}})
	if c.LastURL.Path != "/email" {
		t.Fatalf("after choosing email: at %s, want /email", c.LastURL.Path)
	}
	doc := c.Post("/email", url.Values{"address": {"full@gmail.com"}})
	if c.LastURL.Path != "/email/result" {
		t.Fatalf("after the address: at %s (status %d), want /email/result; page: %s", c.LastURL.Path, c.LastStatus, TestID(doc, "error-summary"))
	}
	if got := TestID(doc, "provider"); !strings.Contains(got, "Google") {
		t.Errorf("provider = %q, want Google named", got)
	}
	c.Post("/email/send", nil)
	if c.LastURL.Path != "/email/status" {
		t.Fatalf("after sending: at %s, want /email/status", c.LastURL.Path)
	}
	s.Server.Wait()
	deadline := time.Now().Add(30 * time.Second)
	var state string
	for time.Now().Before(deadline) {
		doc = c.Get("/email/status")
		state, _ = doc.Find(`[data-testid="send-state"]`).Attr("data-state")
		if state == "bounced" {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	if state != "bounced" {
		t.Fatalf("send state %q, want bounced; page says %q", state, TestID(doc, "live-status"))
	}
	if r, _ := doc.Find(`[data-testid="return"]`).Attr("data-reason"); r != "mailboxfull" {
		t.Errorf("return reason %q, want mailboxfull", r)
	}
	if !strings.Contains(TestID(doc, "live-status"), "mailbox is full") {
		t.Errorf("status %q does not tell the user the mailbox is full", TestID(doc, "live-status"))
	}
}

// TestEmailCodeReceived types the code of the test email: the wizard says
// it is the right one.
func TestEmailCodeReceived(t *testing.T) {
	s := Start(t, Options{})
	c := s.NewClient(t)
	c.Get("/")
	c.Post("/", url.Values{"channel": {"email"}})
	c.Post("/email", url.Values{"address": {"ann@gmail.com"}})
	c.Post("/email/send", nil)
	s.Server.Wait()
	code := s.EmailedCode(t, c.Ref(), "ann@gmail.com")
	doc := c.Post("/email/code", url.Values{"code": {code}})
	if k, _ := doc.Find(`[data-testid="code-verdict"]`).Attr("data-kind"); k != "ok" {
		t.Fatalf("verdict %q (%s), want ok", k, TestID(doc, "code-verdict"))
	}
}

// TestStatusBeforeAnySend: opening the status page before asking for a
// test code does not claim one is being sent.
func TestStatusBeforeAnySend(t *testing.T) {
	s := Start(t, Options{})
	c := s.NewClient(t)
	c.Get("/")
	c.Post("/", url.Values{"channel": {"email"}})
	c.Post("/email", url.Values{"address": {"ann@gmail.com"}})
	doc := c.Get("/email/status")
	if st, _ := doc.Find(`[data-testid="send-state"]`).Attr("data-state"); st != "none" {
		t.Errorf("status before any send: state %q (%s), want none", st, TestID(doc, "live-status"))
	}
	if strings.Contains(TestID(doc, "live-status"), "Sending") {
		t.Errorf("the page says a code is being sent: %q", TestID(doc, "live-status"))
	}
}
