package smtpsink

import (
	"bufio"
	"bytes"
	"crypto/tls"
	"net/textproto"
	"strings"
	"testing"

	"github.com/codeprobe/codeprobe/fixtures"
)

func TestStartTLS(t *testing.T) {
	ca, err := fixtures.NewCA()
	if err != nil {
		t.Fatal(err)
	}
	cert, err := ca.Issue("mx.sink.test")
	if err != nil {
		t.Fatal(err)
	}
	st := openStore(t)
	_, addr := startSink(t, Options{
		Store:     st,
		Hostname:  "mx.sink.test",
		TLSConfig: &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12},
	})

	c := dial(t, addr)
	if ehlo := c.expect(250, "EHLO mx.example.test"); !hasLine(ehlo, "STARTTLS") {
		t.Fatalf("STARTTLS not offered:\n%s", ehlo)
	}
	c.expect(220, "STARTTLS")
	tc := tls.Client(c.conn, &tls.Config{RootCAs: ca.Pool(), ServerName: "mx.sink.test"})
	if err := tc.Handshake(); err != nil {
		t.Fatalf("TLS handshake: %v", err)
	}
	c = &client{t: t, conn: tc, r: textproto.NewReader(bufio.NewReader(tc)), w: bufio.NewWriter(tc)}
	// RFC 3207 §4.2: the client starts afresh with EHLO, and the server
	// no longer offers STARTTLS.
	if ehlo := c.expect(250, "EHLO mx.example.test"); hasLine(ehlo, "STARTTLS") {
		t.Errorf("STARTTLS offered again inside TLS:\n%s", ehlo)
	}
	token := newToken(t)
	msg := testMessage(token)
	if code, text := c.sendMail("", []string{bounceAddr(token)}, msg); code != 250 {
		t.Fatalf("sending over TLS: %d %s", code, text)
	}
	c.expect(221, "QUIT")
	got := returnsFor(t, st, token)
	if len(got) != 1 || !bytes.Equal(got[0].Raw, msg) {
		t.Fatalf("stored %d returns, want the message sent over TLS", len(got))
	}
	if got[0].HELO != "mx.example.test" {
		t.Errorf("HELO %q", got[0].HELO)
	}
}

func TestNoStartTLSWithoutCertificate(t *testing.T) {
	_, addr := startSink(t, Options{})
	c := dial(t, addr)
	ehlo := c.expect(250, "EHLO mx.example.test")
	if strings.Contains(ehlo, "STARTTLS") {
		t.Errorf("STARTTLS offered without a certificate:\n%s", ehlo)
	}
	if code, _ := c.cmd("STARTTLS"); code/100 != 5 {
		t.Errorf("STARTTLS without a certificate: got %d, want 5xx", code)
	}
	if strings.Contains(ehlo, "AUTH") {
		t.Errorf("AUTH offered:\n%s", ehlo)
	}
}

// TestFailedHandshake: a client that says STARTTLS and then sends
// garbage gets no session.
func TestFailedHandshake(t *testing.T) {
	ca, err := fixtures.NewCA()
	if err != nil {
		t.Fatal(err)
	}
	cert, err := ca.Issue("mx.sink.test")
	if err != nil {
		t.Fatal(err)
	}
	st := openStore(t)
	_, addr := startSink(t, Options{Store: st, TLSConfig: &tls.Config{Certificates: []tls.Certificate{cert}}})
	c := dial(t, addr)
	c.expect(250, "EHLO mx.example.test")
	c.expect(220, "STARTTLS")
	c.write("this is not a TLS client hello\r\n")
	// The server answers in plain text or hangs up, but never takes mail.
	code, _ := c.reply()
	if code == 250 || code == 354 {
		t.Fatalf("got %d after a failed handshake", code)
	}
	if n := countReturns(t, st); n != 0 {
		t.Fatalf("%d returns stored", n)
	}
}
