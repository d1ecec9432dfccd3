package smtpsink

import (
	"bytes"
	"context"
	"slices"
	"strings"
	"testing"

	"github.com/codeprobe/codeprobe/store"
)

// TestRelayRefused speaks to a real server the RCPT lines open-relay
// testers use and checks every one is refused with 550 5.7.1, including
// the forms go-smtp rewrites before the sink sees them (source routes,
// quoted local parts).
func TestRelayRefused(t *testing.T) {
	st := openStore(t)
	_, addr := startSink(t, Options{Store: st})
	token := newToken(t)
	relays := []string{
		"<victim@other.test>",
		"<VICTIM@OTHER.TEST>",
		"<@a.test,@b.test:victim@other.test>",
		"<@sink.test:victim@other.test>",
		`<"victim@other.test"@sink.test>`,
		`<"victim%other.test"@sink.test>`,
		"<victim%other.test@sink.test>",
		"<other.test!victim@sink.test>",
		"<victim@other.test@sink.test>",
		"<" + bounceAddr(token) + ".>",
		"<bounce+" + token + "@sink.test.other.test>",
		"<victim@[127.0.0.1]>",
		"<victim@[IPv6:::1]>",
		"<victim@other.test.>",
		"victim@other.test",
	}
	c := dial(t, addr)
	c.expect(250, "EHLO relay-tester.test")
	c.expect(250, "MAIL FROM:<spammer@other.test>")
	for _, rcpt := range relays {
		code, msg := c.cmd("RCPT TO:%s", rcpt)
		if code != 550 || !strings.HasPrefix(msg, "5.7.1 ") {
			t.Errorf("RCPT TO:%s: got %d %s, want 550 5.7.1", rcpt, code, msg)
		}
	}
	// With no recipient accepted there is no message to take.
	if code, msg := c.cmd("DATA"); code/100 != 5 {
		t.Errorf("DATA with no recipients: got %d %s, want 5xx", code, msg)
	}
	c.expect(250, "RSET")

	// A transaction mixing refused and accepted recipients stores the
	// message for the accepted ones only.
	c.expect(250, "MAIL FROM:<>")
	c.expect(550, "RCPT TO:<victim@other.test>")
	c.expect(250, "RCPT TO:<%s>", strings.ToUpper(bounceAddr(token)))
	c.expect(550, "RCPT TO:<nobody@sink.test>")
	c.expect(250, "RCPT TO:<PostMaster@Sink.Test>")
	msg := testMessage(token)
	if code, text := c.data(msg); code != 250 {
		t.Fatalf("message: got %d %s", code, text)
	}
	c.expect(221, "QUIT")

	got := returnsFor(t, st, token)
	if len(got) != 1 {
		t.Fatalf("%d returns stored for the token, want 1", len(got))
	}
	want := []string{strings.ToUpper(bounceAddr(token)), "PostMaster@Sink.Test"}
	if !slices.Equal(got[0].Recipients, want) {
		t.Errorf("stored recipients %q, want %q", got[0].Recipients, want)
	}
	if !bytes.Equal(got[0].Raw, msg) {
		t.Errorf("stored message differs:\n%q\nwant\n%q", got[0].Raw, msg)
	}
	r := got[0]
	if r.MailFrom != "" || r.HELO != "relay-tester.test" || r.RemoteIP.String() != "127.0.0.1" || r.Size != int64(len(msg)) {
		t.Errorf("stored envelope: from %q helo %q ip %v size %d", r.MailFrom, r.HELO, r.RemoteIP, r.Size)
	}
	evs, err := st.Events(context.Background(), store.Filter{})
	if err != nil {
		t.Fatal(err)
	}
	if len(evs) != 1 {
		t.Errorf("%d events in the store, want the one return", len(evs))
	}
}

// TestPostmasterAccepted checks the mailboxes RFC 5321 §4.5.1 and RFC 2142
// require, and that a message to them is stored without a token when it
// names none.
func TestPostmasterAccepted(t *testing.T) {
	st := openStore(t)
	_, addr := startSink(t, Options{Store: st})
	c := dial(t, addr)
	c.expect(250, "EHLO mx.example.test")
	msg := []byte("From: someone@example.test\r\nSubject: hello\r\n\r\nHi postmaster.\r\n")
	for _, rcpt := range []string{"postmaster@sink.test", "POSTMASTER@SINK.TEST", "abuse@sink.test"} {
		if code, text := c.sendMail("someone@example.test", []string{rcpt}, msg); code != 250 {
			t.Fatalf("%s: got %d %s", rcpt, code, text)
		}
	}
	evs, err := st.Events(context.Background(), store.Filter{})
	if err != nil {
		t.Fatal(err)
	}
	if len(evs) != 3 {
		t.Fatalf("%d events, want 3 returns", len(evs))
	}
	for _, ev := range evs {
		if ev.Kind != store.EventReturn || ev.Return.Token != "" || ev.Return.MailFrom != "someone@example.test" {
			t.Errorf("event %+v", ev)
		}
	}
}
