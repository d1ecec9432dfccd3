package smtpprobe

import (
	"bufio"
	"context"
	"crypto/tls"
	"crypto/x509"
	"io"
	"log"
	"net"
	"net/netip"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-smtp"

	"github.com/codeprobe/codeprobe/diagnose/netguard"
	"github.com/codeprobe/codeprobe/fixtures"
)

const testHost = "mx.example.test"

// testCert is a certificate for names from a fresh fixture CA, and a pool
// trusting that CA.
func testCert(t testing.TB, names ...string) (tls.Certificate, *x509.CertPool) {
	t.Helper()
	ca, err := fixtures.NewCA()
	if err != nil {
		t.Fatal(err)
	}
	cert, err := ca.Issue(names...)
	if err != nil {
		t.Fatal(err)
	}
	return cert, ca.Pool()
}

// recordingBackend is a go-smtp backend that records the envelope and
// answers RCPT with rcpt (nil accepts everyone).
type recordingBackend struct {
	mail func(from string) error
	rcpt func(to string) error

	mu    sync.Mutex
	froms []string
	tos   []string
	data  int
}

func (b *recordingBackend) NewSession(*smtp.Conn) (smtp.Session, error) { return &recSession{b}, nil }

func (b *recordingBackend) recipients() []string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return append([]string(nil), b.tos...)
}

func (b *recordingBackend) senders() []string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return append([]string(nil), b.froms...)
}

type recSession struct{ b *recordingBackend }

func (s *recSession) Reset()        {}
func (s *recSession) Logout() error { return nil }
func (s *recSession) Mail(from string, _ *smtp.MailOptions) error {
	s.b.mu.Lock()
	s.b.froms = append(s.b.froms, from)
	s.b.mu.Unlock()
	if s.b.mail != nil {
		return s.b.mail(from)
	}
	return nil
}
func (s *recSession) Rcpt(to string, _ *smtp.RcptOptions) error {
	s.b.mu.Lock()
	s.b.tos = append(s.b.tos, to)
	s.b.mu.Unlock()
	if s.b.rcpt != nil {
		return s.b.rcpt(to)
	}
	return nil
}
func (s *recSession) Data(r io.Reader) error {
	s.b.mu.Lock()
	s.b.data++
	s.b.mu.Unlock()
	_, err := io.Copy(io.Discard, r)
	return err
}

// startGoSMTP serves be with go-smtp on 127.0.0.1:0, offering STARTTLS
// with cert when cert is non-nil.
func startGoSMTP(t testing.TB, be smtp.Backend, cert *tls.Certificate, configure ...func(*smtp.Server)) netip.AddrPort {
	t.Helper()
	srv := smtp.NewServer(be)
	srv.Domain = testHost
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

// startScript serves each connection with handle, a raw protocol script.
// Handlers must not call t.Fatal; they return when the client goes away.
func startScript(t testing.TB, handle func(c net.Conn, r *bufio.Reader)) netip.AddrPort {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var (
		wg    sync.WaitGroup
		mu    sync.Mutex
		conns []net.Conn
	)
	wg.Go(func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			mu.Lock()
			conns = append(conns, c)
			mu.Unlock()
			wg.Go(func() {
				defer c.Close()
				handle(c, bufio.NewReader(c))
			})
		}
	})
	t.Cleanup(func() {
		_ = l.Close()
		mu.Lock()
		for _, c := range conns {
			_ = c.Close()
		}
		mu.Unlock()
		wg.Wait()
	})
	return netip.MustParseAddrPort(l.Addr().String())
}

// say writes raw protocol text; errors mean the client left.
func say(c net.Conn, text string) bool {
	_, err := io.WriteString(c, text)
	return err == nil
}

// hear reads one command line, without its ending.
func hear(r *bufio.Reader) (string, bool) {
	line, err := r.ReadString('\n')
	return strings.TrimRight(line, "\r\n"), err == nil
}

// dialogue answers each command whose verb is a key with its reply, QUIT
// with 221 and anything else with 250 OK, until the client leaves.
func dialogue(c net.Conn, r *bufio.Reader, replies map[string]string) {
	for {
		line, ok := hear(r)
		if !ok {
			return
		}
		v := strings.ToUpper(verb(line))
		if rep, found := replies[v]; found {
			if !say(c, rep) {
				return
			}
			continue
		}
		if v == "QUIT" {
			say(c, "221 2.0.0 Bye\r\n")
			return
		}
		if !say(c, "250 OK\r\n") {
			return
		}
	}
}

// testOptions dials loopback through a Guard that allows it.
func testOptions(addr netip.AddrPort, pool *x509.CertPool) Options {
	return Options{
		Dialer:      &netguard.Guard{AllowPrivate: true},
		Port:        int(addr.Port()),
		HeloName:    "probe.codeprobe.test",
		StepTimeout: 10 * time.Second,
		TLSConfig:   &tls.Config{RootCAs: pool},
	}
}

func probe(t testing.TB, addr netip.AddrPort, opts Options) *Result {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	return Probe(ctx, testHost, addr.Addr(), opts)
}

// sent lists the lines we sent, in order.
func sent(res *Result) []string {
	var out []string
	for _, l := range res.Transcript {
		if l.Dir == DirClient {
			out = append(out, l.Text)
		}
	}
	return out
}

// hasLine reports whether the transcript holds a line from dir containing s.
func hasLine(res *Result, dir Dir, s string) bool {
	for _, l := range res.Transcript {
		if l.Dir == dir && strings.Contains(l.Text, s) {
			return true
		}
	}
	return false
}
