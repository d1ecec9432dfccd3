package testcode

import (
	"bufio"
	"bytes"
	"context"
	"crypto/tls"
	"errors"
	"io"
	"log"
	"log/slog"
	"net"
	"net/netip"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"

	"github.com/codeprobe/codeprobe/diagnose/dnsx"
	"github.com/codeprobe/codeprobe/fixtures"
)

// testMessage is a small composed message with CRLF line endings.
const testMessage = "From: codeprobe <bounce+abcdefghijklmnopqrst@sink.example>\r\n" +
	"To: ann@example.test\r\n" +
	"Subject: Your code\r\n" +
	"Message-ID: <abcdefghijklmnopqrst@sender.example>\r\n" +
	"X-Codeprobe-Token: abcdefghijklmnopqrst\r\n" +
	"\r\n" +
	"Your code is 123456.\r\n"

const (
	testFrom = "bounce+abcdefghijklmnopqrst@sink.example"
	testUser = "relay-user"
	testPass = "s3cret-Pa55word"
)

// received is one message a recording backend took.
type received struct {
	from string
	rcpt []string
	opts smtp.MailOptions
	data []byte
	auth string // the username that authenticated, if any
}

// recordingBackend is a go-smtp backend that keeps every message and
// answers each step as scripted: a nil func accepts.
type recordingBackend struct {
	mail func(from string) error
	rcpt func(to string) error
	data func(msg []byte) error // a *smtp.SMTPError with Code 250 scripts the reply text
	// users, when set, offers AUTH PLAIN and requires it before MAIL.
	users map[string]string

	mu       sync.Mutex
	messages []received
	sessions int
}

func (b *recordingBackend) NewSession(*smtp.Conn) (smtp.Session, error) {
	b.mu.Lock()
	b.sessions++
	b.mu.Unlock()
	s := &recSession{b: b}
	if b.users != nil {
		return &authRecSession{s}, nil
	}
	return s, nil
}

func (b *recordingBackend) got() []received {
	b.mu.Lock()
	defer b.mu.Unlock()
	return append([]received(nil), b.messages...)
}

func (b *recordingBackend) sessionCount() int {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.sessions
}

type recSession struct {
	b    *recordingBackend
	cur  received
	user string
}

func (s *recSession) Reset()        { s.cur = received{} }
func (s *recSession) Logout() error { return nil }

func (s *recSession) Mail(from string, opts *smtp.MailOptions) error {
	if s.b.users != nil && s.user == "" {
		return smtp.ErrAuthRequired
	}
	s.cur = received{from: from, opts: *opts, auth: s.user}
	if s.b.mail != nil {
		return s.b.mail(from)
	}
	return nil
}

func (s *recSession) Rcpt(to string, _ *smtp.RcptOptions) error {
	if s.b.rcpt != nil {
		if err := s.b.rcpt(to); err != nil {
			return err
		}
	}
	s.cur.rcpt = append(s.cur.rcpt, to)
	return nil
}

func (s *recSession) Data(r io.Reader) error {
	data, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	s.cur.data = data
	if s.b.data != nil {
		if err := s.b.data(data); err != nil {
			var se *smtp.SMTPError
			if !errors.As(err, &se) || se.Code/100 != 2 {
				return err
			}
			defer s.keep()
			return err
		}
	}
	s.keep()
	return nil
}

func (s *recSession) keep() {
	s.b.mu.Lock()
	s.b.messages = append(s.b.messages, s.cur)
	s.b.mu.Unlock()
}

// authRecSession offers AUTH PLAIN against the backend's users.
type authRecSession struct{ *recSession }

func (s *authRecSession) AuthMechanisms() []string { return []string{sasl.Plain} }

func (s *authRecSession) Auth(string) (sasl.Server, error) {
	return sasl.NewPlainServer(func(_, user, pass string) error {
		if want, ok := s.b.users[user]; !ok || want != pass {
			return smtp.ErrAuthFailed
		}
		s.user = user
		return nil
	}), nil
}

// startSMTP serves be with go-smtp on 127.0.0.1:0, offering STARTTLS with
// cert when cert is non-nil.
func startSMTP(t testing.TB, be smtp.Backend, cert *tls.Certificate, configure ...func(*smtp.Server)) netip.AddrPort {
	t.Helper()
	srv := smtp.NewServer(be)
	srv.Domain = "mx.test"
	srv.ReadTimeout = 10 * time.Second
	srv.WriteTimeout = 10 * time.Second
	srv.ErrorLog = log.New(io.Discard, "", 0)
	if cert != nil {
		srv.TLSConfig = &tls.Config{Certificates: []tls.Certificate{*cert}}
	}
	for _, f := range configure {
		f(srv)
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go func() { _ = srv.Serve(l) }()
	t.Cleanup(func() { _ = srv.Close() })
	return netip.MustParseAddrPort(l.Addr().String())
}

// startScript serves every connection with handle, a raw protocol script.
func startScript(t testing.TB, handle func(c net.Conn, r *bufio.Reader)) netip.AddrPort {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	t.Cleanup(func() { _ = l.Close(); wg.Wait() })
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			wg.Go(func() {
				defer c.Close()
				_ = c.SetDeadline(time.Now().Add(20 * time.Second))
				handle(c, bufio.NewReader(c))
			})
		}
	}()
	return netip.MustParseAddrPort(l.Addr().String())
}

// sayRaw writes s to c, reporting whether it could.
func sayRaw(c net.Conn, s string) bool {
	_, err := io.WriteString(c, s)
	return err == nil
}

// readRaw reads one line from the client ("" when it has gone).
func readRaw(r *bufio.Reader) string {
	line, _ := r.ReadString('\n')
	return line
}

// scriptedMTA answers like a plain ESMTP server offering ext, and sends
// dataReply after the message, which it hands to onData raw (with the
// dot-stuffing as it came over the wire).
func scriptedMTA(ext []string, dataReply string, onData func(raw []byte)) func(net.Conn, *bufio.Reader) {
	return func(c net.Conn, r *bufio.Reader) {
		say := func(s string) { _, _ = io.WriteString(c, s+"\r\n") }
		say("220 scripted.test ESMTP")
		for {
			line, err := r.ReadString('\n')
			if err != nil {
				return
			}
			verb := strings.ToUpper(strings.Fields(line + " x")[0])
			switch verb {
			case "EHLO":
				lines := append([]string{"scripted.test"}, ext...)
				for i, l := range lines {
					sep := "-"
					if i == len(lines)-1 {
						sep = " "
					}
					say("250" + sep + l)
				}
			case "MAIL", "RCPT", "RSET", "NOOP":
				say("250 2.0.0 OK")
			case "DATA":
				say("354 go ahead")
				var raw bytes.Buffer
				for {
					l, err := r.ReadString('\n')
					if err != nil {
						return
					}
					if l == ".\r\n" {
						break
					}
					raw.WriteString(l)
				}
				if onData != nil {
					onData(raw.Bytes())
				}
				say(dataReply)
			case "QUIT":
				say("221 bye")
				return
			default:
				say("502 5.5.2 unknown command")
			}
		}
	}
}

// issue returns a certificate for names from a new fixture CA, and the CA.
func issue(t testing.TB, names ...string) (*tls.Certificate, *fixtures.CA) {
	t.Helper()
	ca, err := fixtures.NewCA()
	if err != nil {
		t.Fatal(err)
	}
	cert, err := ca.Issue(names...)
	if err != nil {
		t.Fatal(err)
	}
	return &cert, ca
}

// logBuffer is a Logger writing every record, debug included, to a buffer.
type logBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (l *logBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.Write(p)
}

func (l *logBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.String()
}

func (l *logBuffer) logger() *slog.Logger {
	return slog.New(slog.NewTextHandler(l, &slog.HandlerOptions{Level: slog.LevelDebug}))
}

// transcriptOf is the result's transcript as text.
func transcriptOf(res *Result) string {
	var b strings.Builder
	for _, l := range res.Transcript {
		b.WriteString(l.String())
		b.WriteByte('\n')
	}
	return b.String()
}

// testResolver is a resolver asking only srv.
func testResolver(t testing.TB, addr string) *dnsx.Resolver {
	t.Helper()
	r, err := dnsx.New(dnsx.Config{Servers: []string{addr}, Timeout: 2 * time.Second, Attempts: 1, CacheSize: -1})
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// testContext bounds a test's delivery.
func testContext(t testing.TB) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	t.Cleanup(cancel)
	return ctx
}
