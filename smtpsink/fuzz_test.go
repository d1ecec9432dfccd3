package smtpsink

import (
	"bufio"
	"bytes"
	"context"
	"io"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/codeprobe/codeprobe/store"
)

// isOurs is the fuzz oracle for "never relays", written independently of
// checkRecipient: an accepted address is at the sink domain and its local
// part names no other host.
func isOurs(addr string) bool {
	at := strings.LastIndexByte(addr, '@')
	return at > 0 && strings.EqualFold(addr[at+1:], sinkDomain) && !strings.ContainsAny(addr[:at], "@%!")
}

// checkingStore is a real store that records every stored recipient not
// at the sink domain.
type checkingStore struct {
	store.Store
	mu     sync.Mutex
	relays []string
}

func (s *checkingStore) PutReturn(ctx context.Context, r *store.Return) (int64, error) {
	s.mu.Lock()
	for _, rcpt := range r.Recipients {
		if !isOurs(rcpt) {
			s.relays = append(s.relays, rcpt)
		}
	}
	s.mu.Unlock()
	return s.Store.PutReturn(ctx, r)
}

func (s *checkingStore) takeRelays() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	r := s.relays
	s.relays = nil
	return r
}

// FuzzSession feeds arbitrary client bytes to a session over loopback
// against a real store: the server must never panic, never hang (it
// hangs up within testDeadline of the end of the input), and never accept
// a recipient, or store a message, for a domain not its own.
func FuzzSession(f *testing.F) {
	t := "bounce+" + tok + "@sink.test"
	for _, seed := range []string{
		"EHLO a\r\nMAIL FROM:<>\r\nRCPT TO:<" + t + ">\r\nDATA\r\nSubject: x\r\n\r\nhi\r\n.\r\nQUIT\r\n",
		"HELO a\r\nMAIL FROM:<x@y>\r\nRCPT TO:<victim@other.test>\r\nRCPT TO:<x%other.test@sink.test>\r\nDATA\r\n.\r\n",
		"EHLO a\r\nMAIL FROM:<>\r\nRCPT TO:<@a,@b:x@other.test>\r\nRCPT TO:<\"x@other.test\"@sink.test>\r\nRCPT TO:<postmaster@SINK.TEST>\r\nDATA\r\n..dot\r\n.\r\n",
		"EHLO a\r\nMAIL FROM:<> SIZE=99999999999\r\nMAIL FROM:<> BODY=8BITMIME SMTPUTF8\r\nRCPT TO:<" + t + ">\r\nBDAT 5 LAST\r\nhello",
		"EHLO a\r\nMAIL FROM:<>\r\nRCPT TO:<" + t + ">\r\nBDAT 3\r\nabcBDAT 0 LAST\r\nRSET\r\nSTARTTLS\r\nAUTH PLAIN AGE=\r\n",
		"EHLO a\r\nMAIL FROM:<>\r\nRCPT TO:<" + t + ">\r\nDATA\r\n" + strings.Repeat("x", 1200) + "\r\n.\r\n",
		"\x00\xff\r\n\r\nEHLO \r\nMAIL\r\nRCPT TO:<>\r\nDATA\r\nVRFY x\r\nEXPN y\r\nNOOP\r\n",
		"EHLO a\r\nMAIL FROM:<>\r\nRCPT TO:<x@[127.0.0.1]>\r\nRCPT TO:<" + t + ".>\r\nRCPT TO:<other.test!x@sink.test>\r\nQUIT\r\n",
		"EHLO a\nMAIL FROM:<>\nRCPT TO:<" + strings.ToUpper(t) + ">\nDATA\nbare LF\n.\n",
	} {
		f.Add([]byte(seed))
	}
	st := &checkingStore{Store: openStore(f)}
	srv, err := New(Options{
		Domains: []string{sinkDomain}, Store: st, MaxMessageBytes: 64 << 10,
		ReadTimeout: 2 * time.Second, SessionTimeout: 5 * time.Second,
	})
	if err != nil {
		f.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		f.Fatal(err)
	}
	go srv.Serve(ln)
	f.Cleanup(func() { srv.Close() })

	f.Fuzz(func(t *testing.T, data []byte) {
		conn, err := net.DialTimeout("tcp", ln.Addr().String(), testDeadline)
		if err != nil {
			t.Fatal(err)
		}
		client := conn.(*net.TCPConn)
		defer client.Close()
		client.SetDeadline(time.Now().Add(testDeadline))
		var replies bytes.Buffer
		read := make(chan error, 1)
		go func() {
			_, err := io.Copy(&replies, io.LimitReader(client, 1<<20))
			read <- err
		}()
		// Everything, then end of input: the server answers all of it
		// and hangs up.
		client.Write(data)
		client.CloseWrite()
		if err := <-read; err != nil {
			t.Fatalf("the session did not end: %v", err)
		}
		waitFor(t, "the session to end", func() bool { return srv.lim.open() == 0 })
		if relays := st.takeRelays(); len(relays) > 0 {
			t.Fatalf("stored a message for %q", relays)
		}
		sc := bufio.NewScanner(&replies)
		for sc.Scan() {
			// go-smtp's reply to an accepted RCPT names the recipient.
			if rest, ok := strings.CutPrefix(sc.Text(), "250 2.0.0 I'll make sure <"); ok {
				rcpt, _, _ := strings.Cut(rest, "> gets this")
				if !isOurs(rcpt) {
					t.Fatalf("accepted recipient %q", rcpt)
				}
			}
		}
	})
}
