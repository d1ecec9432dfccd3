package smtpsink

import (
	"bufio"
	"bytes"
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"net"
	"net/textproto"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/codeprobe/codeprobe/store"
)

// sinkDomain is the sink domain of every test server.
const sinkDomain = "sink.test"

// testDeadline bounds every network exchange of a test: a hang fails the
// test instead of stalling it.
const testDeadline = 20 * time.Second

// openStore opens a real SQLite store in the test's temporary directory.
func openStore(t testing.TB) *store.SQLite {
	t.Helper()
	st, err := store.OpenSQLite(filepath.Join(t.TempDir(), "sink.db"), nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return st
}

// startSink serves opts (Domains and Store defaulted) on 127.0.0.1:0 and
// returns the server and its address. The server is closed, before the
// store, when the test ends.
func startSink(t testing.TB, opts Options) (*Server, string) {
	t.Helper()
	if opts.Domains == nil {
		opts.Domains = []string{sinkDomain}
	}
	if opts.Store == nil {
		opts.Store = openStore(t)
	}
	srv, err := New(opts)
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()
	t.Cleanup(func() {
		if err := srv.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
		if err := <-served; !errors.Is(err, ErrServerClosed) {
			t.Errorf("Serve returned %v, want ErrServerClosed", err)
		}
	})
	return srv, ln.Addr().String()
}

// newToken returns a fresh send token.
func newToken(t testing.TB) string {
	t.Helper()
	const alphabet = "abcdefghijklmnopqrstuvwxyz234567"
	b := make([]byte, store.TokenLen)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	for i := range b {
		b[i] = alphabet[b[i]&31]
	}
	return string(b)
}

func bounceAddr(token string) string { return "bounce+" + token + "@" + sinkDomain }

// client speaks raw SMTP lines, as a test needs to say exactly what an
// MTA (or an attacker) would.
type client struct {
	t    testing.TB
	conn net.Conn
	r    *textproto.Reader
	w    *bufio.Writer
}

func dialFrom(t testing.TB, addr, local string) *client {
	t.Helper()
	d := net.Dialer{Timeout: testDeadline}
	if local != "" {
		d.LocalAddr = &net.TCPAddr{IP: net.ParseIP(local)}
	}
	c, err := d.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	c.SetDeadline(time.Now().Add(testDeadline))
	return &client{t: t, conn: c, r: textproto.NewReader(bufio.NewReader(c)), w: bufio.NewWriter(c)}
}

// dial connects and checks the 220 greeting.
func dial(t testing.TB, addr string) *client {
	t.Helper()
	c := dialFrom(t, addr, "")
	c.expect(220, "")
	return c
}

// reply reads one reply, multi-line or not; code 0 means the connection
// ended.
func (c *client) reply() (int, string) {
	c.t.Helper()
	code, msg, err := c.r.ReadResponse(0)
	if err != nil {
		var perr textproto.ProtocolError
		if errors.As(err, &perr) {
			c.t.Fatalf("bad reply: %v", err)
		}
		return 0, err.Error()
	}
	return code, msg
}

// write sends raw bytes.
func (c *client) write(s string) {
	c.t.Helper()
	c.w.WriteString(s)
	if err := c.w.Flush(); err != nil {
		c.t.Fatalf("writing: %v", err)
	}
}

// cmd sends one command line and returns the reply.
func (c *client) cmd(format string, args ...any) (int, string) {
	c.t.Helper()
	c.write(fmt.Sprintf(format, args...) + "\r\n")
	return c.reply()
}

// expect sends a command (or nothing when format is "") and fails the
// test unless the reply has the code; it returns the reply text.
func (c *client) expect(code int, format string, args ...any) string {
	c.t.Helper()
	var got int
	var msg string
	if format == "" {
		got, msg = c.reply()
	} else {
		got, msg = c.cmd(format, args...)
	}
	if got != code {
		c.t.Fatalf("%q: got %d %s, want %d", fmt.Sprintf(format, args...), got, msg, code)
	}
	return msg
}

// data sends DATA, the message dot-stuffed, and the final dot, and
// returns the reply to the message.
func (c *client) data(msg []byte) (int, string) {
	c.t.Helper()
	c.expect(354, "DATA")
	c.write(string(dotStuff(msg)) + ".\r\n")
	return c.reply()
}

// dotStuff doubles a leading dot on each line (RFC 5321 §4.5.2); msg must
// end with CRLF.
func dotStuff(msg []byte) []byte {
	var b bytes.Buffer
	for line := range bytes.Lines(msg) {
		if line[0] == '.' {
			b.WriteByte('.')
		}
		b.Write(line)
	}
	return b.Bytes()
}

// sendMail runs a whole transaction after EHLO and returns the reply to
// the message.
func (c *client) sendMail(from string, rcpts []string, msg []byte) (int, string) {
	c.t.Helper()
	c.expect(250, "MAIL FROM:<%s>", from)
	for _, r := range rcpts {
		c.expect(250, "RCPT TO:<%s>", r)
	}
	return c.data(msg)
}

// testMessage is a small message for token, with CRLF line endings and a
// dot-led line.
func testMessage(token string) []byte {
	return []byte("From: MAILER-DAEMON@mx.example.test\r\n" +
		"To: " + bounceAddr(token) + "\r\n" +
		"Subject: test " + token + "\r\n" +
		"\r\n" +
		"Hello.\r\n" +
		".A line that starts with a dot.\r\n")
}

// returnsFor reads back the returns tied to token, raw messages included.
func returnsFor(t testing.TB, st store.Store, token string) []*store.Return {
	t.Helper()
	ctx := context.Background()
	list, err := st.ReturnsByToken(ctx, token, 0)
	if err != nil {
		t.Fatal(err)
	}
	for i, r := range list {
		full, err := st.Return(ctx, r.ID)
		if err != nil {
			t.Fatal(err)
		}
		list[i] = full
	}
	return list
}

// waitFor polls cond until it holds or testDeadline passes. The deadline
// only turns a hang into a failure; it never decides a passing outcome.
func waitFor(t testing.TB, what string, cond func() bool) {
	t.Helper()
	end := time.Now().Add(testDeadline)
	for !cond() {
		if time.Now().After(end) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func hasLine(text, prefix string) bool {
	for line := range strings.SplitSeq(text, "\n") {
		if strings.HasPrefix(line, prefix) {
			return true
		}
	}
	return false
}
