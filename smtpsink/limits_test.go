package smtpsink

import (
	"bytes"
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/codeprobe/codeprobe/store"
)

// countReturns is the number of returns in the store.
func countReturns(t testing.TB, st store.Store) int {
	t.Helper()
	evs, err := st.Events(context.Background(), store.Filter{})
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, ev := range evs {
		if ev.Kind == store.EventReturn {
			n++
		}
	}
	return n
}

// messageOfSize is a message of exactly n bytes (n ≥ 100) in lines of 78
// characters.
func messageOfSize(token string, n int) []byte {
	head := []byte("To: " + bounceAddr(token) + "\r\nSubject: size\r\n\r\n")
	b := bytes.NewBuffer(head)
	for b.Len() < n {
		line := strings.Repeat("x", min(78, n-b.Len()-2))
		b.WriteString(line + "\r\n")
	}
	return b.Bytes()[:n]
}

func TestMessageSizeLimit(t *testing.T) {
	st := openStore(t)
	_, addr := startSink(t, Options{Store: st, MaxMessageBytes: 4096})
	token := newToken(t)
	c := dial(t, addr)
	ehlo := c.expect(250, "EHLO mx.example.test")
	// One more than the limit: see Options.MaxMessageBytes.
	if !hasLine(ehlo, "SIZE 4097") {
		t.Errorf("EHLO does not advertise SIZE 4097:\n%s", ehlo)
	}
	// RFC 1870 §6.1: a declared size over the limit is refused at MAIL.
	if code, msg := c.cmd("MAIL FROM:<> SIZE=4097"); code != 552 || !strings.HasPrefix(msg, "5.3.4") {
		t.Errorf("MAIL SIZE=4097: got %d %s, want 552 5.3.4", code, msg)
	}
	c.expect(250, "MAIL FROM:<> SIZE=4096")
	c.expect(250, "RCPT TO:<%s>", bounceAddr(token))
	if code, msg := c.data(messageOfSize(token, 4096)); code != 250 {
		t.Fatalf("4096-byte message: got %d %s", code, msg)
	}
	// A size not declared, or declared falsely, is caught on the bytes.
	for _, n := range []int{4097, 4098, 20000} {
		c.expect(250, "MAIL FROM:<> SIZE=100")
		c.expect(250, "RCPT TO:<%s>", bounceAddr(token))
		if code, msg := c.data(messageOfSize(token, n)); code != 552 || !strings.HasPrefix(msg, "5.3.4") {
			t.Fatalf("%d-byte message: got %d %s, want 552 5.3.4", n, code, msg)
		}
	}
	c.expect(250, "NOOP")
	got := returnsFor(t, st, token)
	if len(got) != 1 || got[0].Size != 4096 {
		t.Fatalf("stored %d returns, want only the 4096-byte one", len(got))
	}
}

func TestRecipientLimit(t *testing.T) {
	_, addr := startSink(t, Options{MaxRecipients: 3})
	c := dial(t, addr)
	c.expect(250, "EHLO mx.example.test")
	c.expect(250, "MAIL FROM:<>")
	for range 3 {
		c.expect(250, "RCPT TO:<%s>", bounceAddr(newToken(t)))
	}
	if code, msg := c.cmd("RCPT TO:<%s>", bounceAddr(newToken(t))); code != 452 || !strings.HasPrefix(msg, "4.5.3") {
		t.Fatalf("fourth RCPT: got %d %s, want 452 4.5.3", code, msg)
	}
	// The transaction goes on with the recipients it has.
	if code, msg := c.data(testMessage(newToken(t))); code != 250 {
		t.Fatalf("message: got %d %s", code, msg)
	}
}

func TestCommandLineLimit(t *testing.T) {
	_, addr := startSink(t, Options{MaxLineLength: 1000})
	c := dial(t, addr)
	c.expect(250, "EHLO mx.example.test")
	// 998 octets and CRLF: the longest line RFC 5321 §4.5.3.1.6 allows.
	c.expect(250, "NOOP %s", strings.Repeat("a", 998-5))
	if code, msg := c.cmd("NOOP %s", strings.Repeat("a", 1100)); code != 500 {
		t.Fatalf("1100-octet command: got %d %s, want 500", code, msg)
	}
	if code, _ := c.reply(); code != 0 {
		t.Fatalf("connection still open after an over-long line (reply %d)", code)
	}
}

func TestDataLineLimit(t *testing.T) {
	st := openStore(t)
	_, addr := startSink(t, Options{Store: st, MaxLineLength: 1000})
	token := newToken(t)
	c := dial(t, addr)
	c.expect(250, "EHLO mx.example.test")
	head := "To: " + bounceAddr(token) + "\r\n\r\n"
	ok := []byte(head + strings.Repeat("b", 998) + "\r\n")
	if code, msg := c.sendMail("", []string{bounceAddr(token)}, ok); code != 250 {
		t.Fatalf("998-octet text line: got %d %s", code, msg)
	}
	long := []byte(head + strings.Repeat("b", 1200) + "\r\n")
	if code, msg := c.sendMail("", []string{bounceAddr(token)}, long); code != 500 || !strings.HasPrefix(msg, "5.5.2") {
		t.Fatalf("1200-octet text line: got %d %s, want 500 5.5.2", code, msg)
	}
	got := returnsFor(t, st, token)
	if len(got) != 1 || !bytes.Equal(got[0].Raw, ok) {
		t.Fatalf("stored %d returns, want only the one with the 998-octet line", len(got))
	}
}

// TestSessionTimeout: a client that keeps the session busy is still cut
// off when SessionTimeout is over, with 421 (RFC 5321 §3.8), although each
// command comes well within ReadTimeout.
func TestSessionTimeout(t *testing.T) {
	const session = 300 * time.Millisecond
	_, addr := startSink(t, Options{SessionTimeout: session, ReadTimeout: time.Hour})
	start := time.Now()
	c := dial(t, addr)
	var code int
	var msg string
	for {
		if code, msg = c.cmd("NOOP"); code != 250 {
			break
		}
	}
	if code != 421 || !strings.HasPrefix(msg, "4.4.2") {
		t.Fatalf("got %d %s, want 421 4.4.2", code, msg)
	}
	if code, _ := c.reply(); code != 0 {
		t.Fatalf("connection still open after 421 (reply %d)", code)
	}
	if took := time.Since(start); took < session {
		t.Fatalf("session ended after %v, before its %v", took, session)
	}
}

// TestSessionTimeoutDuringData: a message trickled in too slowly is not
// acknowledged, and nothing is stored.
func TestSessionTimeoutDuringData(t *testing.T) {
	st := openStore(t)
	_, addr := startSink(t, Options{Store: st, SessionTimeout: time.Second, ReadTimeout: time.Hour})
	token := newToken(t)
	c := dial(t, addr)
	c.expect(250, "EHLO mx.example.test")
	c.expect(250, "MAIL FROM:<>")
	c.expect(250, "RCPT TO:<%s>", bounceAddr(token))
	c.expect(354, "DATA")
	c.write("Subject: slow\r\n\r\n")
	code, msg := c.reply() // the server speaks only when time is up
	if code != 451 || !strings.HasPrefix(msg, "4.4.2") {
		t.Fatalf("got %d %s, want 451 4.4.2", code, msg)
	}
	if got := returnsFor(t, st, token); len(got) != 0 {
		t.Fatalf("%d returns stored from a message cut off", len(got))
	}
}

// TestReadTimeout: a client that says nothing after the greeting gets
// 421 once ReadTimeout is over.
func TestReadTimeout(t *testing.T) {
	_, addr := startSink(t, Options{ReadTimeout: 200 * time.Millisecond})
	c := dial(t, addr)
	if code, msg := c.reply(); code != 421 || !strings.HasPrefix(msg, "4.4.2") {
		t.Fatalf("idle client: got %d %s, want 421 4.4.2", code, msg)
	}
}

// TestConnectionLimits opens connections from three loopback addresses
// against MaxConnsPerIP 2 and MaxConns 3.
func TestConnectionLimits(t *testing.T) {
	srv, addr := startSink(t, Options{MaxConnsPerIP: 2, MaxConns: 3})
	greet := func(local string) (int, string) {
		c := dialFrom(t, addr, local)
		code, msg := c.reply()
		if code == 220 {
			t.Cleanup(func() { c.conn.Close() })
		}
		return code, msg
	}
	first := dialFrom(t, addr, "127.0.0.1")
	first.expect(220, "")
	if code, msg := greet("127.0.0.1"); code != 220 {
		t.Fatalf("second connection from 127.0.0.1: %d %s", code, msg)
	}
	if code, msg := greet("127.0.0.1"); code != 421 || !strings.HasPrefix(msg, "4.7.0") {
		t.Fatalf("third connection from 127.0.0.1: got %d %s, want 421 4.7.0", code, msg)
	}
	if code, msg := greet("127.0.0.2"); code != 220 {
		t.Fatalf("first connection from 127.0.0.2: %d %s", code, msg)
	}
	if code, msg := greet("127.0.0.3"); code != 421 || !strings.HasPrefix(msg, "4.3.2") {
		t.Fatalf("fourth connection in all: got %d %s, want 421 4.3.2", code, msg)
	}
	// A connection that ends frees its place.
	first.expect(221, "QUIT")
	waitFor(t, "the connection to close", func() bool { return srv.lim.open() == 2 })
	if code, msg := greet("127.0.0.1"); code != 220 {
		t.Fatalf("connection from 127.0.0.1 after one closed: %d %s", code, msg)
	}
}

// TestChunking sends messages with BDAT (RFC 3030), which go-smtp offers:
// the chunks are stored joined, byte for byte, and the size limit holds.
func TestChunking(t *testing.T) {
	st := openStore(t)
	_, addr := startSink(t, Options{Store: st, MaxMessageBytes: 4096})
	token := newToken(t)
	c := dial(t, addr)
	if ehlo := c.expect(250, "EHLO mx.example.test"); !hasLine(ehlo, "CHUNKING") {
		t.Fatalf("CHUNKING not offered:\n%s", ehlo)
	}
	msg := testMessage(token)
	c.expect(250, "MAIL FROM:<>")
	c.expect(250, "RCPT TO:<%s>", bounceAddr(token))
	c.write(fmt.Sprintf("BDAT %d\r\n%s", 10, msg[:10]))
	c.expect(250, "")
	c.write(fmt.Sprintf("BDAT %d LAST\r\n%s", len(msg)-10, msg[10:]))
	c.expect(250, "")

	big := messageOfSize(token, 4097)
	c.expect(250, "MAIL FROM:<>")
	c.expect(250, "RCPT TO:<%s>", bounceAddr(token))
	c.write(fmt.Sprintf("BDAT %d LAST\r\n%s", len(big), big))
	if code, msg := c.reply(); code != 552 || !strings.HasPrefix(msg, "5.3.4") {
		t.Fatalf("4097-byte chunk: got %d %s, want 552 5.3.4", code, msg)
	}
	c.expect(250, "NOOP")
	got := returnsFor(t, st, token)
	if len(got) != 1 || !bytes.Equal(got[0].Raw, msg) {
		t.Fatalf("stored %d returns, want the chunked message intact", len(got))
	}
}
