package imapprobe

import (
	"bytes"
	"context"
	"fmt"
	"net"
	"slices"
	"testing"
	"time"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapclient"
	"github.com/emersion/go-smtp"

	"github.com/codeprobe/codeprobe/diagnose/netguard"
	"github.com/codeprobe/codeprobe/internal/mailpath"
	"github.com/codeprobe/codeprobe/rules"
)

// BenchmarkDovecotFind finds one test message among N in a Dovecot inbox:
// ns/op is one Find (UID SEARCH on the token header, then the match's
// header), after a first search has let Dovecot cache the header field;
// bytes-read/find shows the transfer does not grow with N.
func BenchmarkDovecotFind(b *testing.B) {
	for _, n := range []int{1000, 10000} {
		b.Run(fmt.Sprintf("messages=%d", n), func(b *testing.B) {
			p := mailpath.Start(b, mailpath.Options{Users: []string{"ann"}, NoSpamFilter: true})
			u := p.Users[0]
			fillInbox(b, p, u, n)
			d := &countingDialer{}
			opts := &Options{Guard: &netguard.Guard{AllowPrivate: true, Dialer: d}, StepTimeout: time.Minute}
			s, err := Dial(context.Background(), dovecotAccount(b, p, u), opts)
			if err != nil {
				b.Fatal(err)
			}
			defer s.Close()
			inbox := []Folder{{Name: "INBOX", Role: rules.RoleInbox}}
			start := time.Now()
			if f, err := s.Find(testToken, inbox); err != nil || f == nil {
				b.Fatalf("first Find = %v, %v", f, err)
			}
			b.ReportMetric(float64(time.Since(start).Milliseconds()), "first-find-ms")
			b.ResetTimer()
			before := d.read.Load()
			for i := 0; i < b.N; i++ {
				if f, err := s.Find(testToken, inbox); err != nil || f == nil {
					b.Fatalf("Find = %v, %v", f, err)
				}
			}
			b.ReportMetric(float64(d.read.Load()-before)/float64(b.N), "bytes-read/find")
		})
	}
}

// fillInbox appends n messages to u's inbox over IMAP, the test message
// in the middle.
func fillInbox(b *testing.B, p *mailpath.Path, u mailpath.User, n int) {
	b.Helper()
	c, err := imapclient.DialInsecure(p.IMAPAddr, nil)
	if err != nil {
		b.Fatal(err)
	}
	defer c.Close()
	if err := c.Login(u.Username, u.Password).Wait(); err != nil {
		b.Fatal(err)
	}
	for i := 0; i < n; i++ {
		msg := filler(i)
		if i == n/2 {
			msg = message(testToken, "Your code")
		}
		cmd := c.Append("INBOX", int64(len(msg)), nil)
		if _, err := cmd.Write(msg); err != nil {
			b.Fatal(err)
		}
		if err := cmd.Close(); err != nil {
			b.Fatal(err)
		}
		if _, err := cmd.Wait(); err != nil {
			b.Fatal(err)
		}
	}
	if _, err := c.Select("INBOX", &imap.SelectOptions{ReadOnly: true}).Wait(); err != nil {
		b.Fatal(err)
	}
}

// BenchmarkDovecotWait measures the time from Dovecot delivering a test
// code (its LMTP 250) to Wait reporting it, with IDLE and with polling.
// With IDLE the delivery comes once the probe idles; with polling it
// comes 0 to 4 s (in half seconds, by iteration) after the first search,
// since what polling costs depends on where in its backoff the delivery
// falls.
func BenchmarkDovecotWait(b *testing.B) {
	for _, poll := range []bool{false, true} {
		name := map[bool]string{false: "idle", true: "poll"}[poll]
		b.Run(name, func(b *testing.B) {
			p := mailpath.Start(b, mailpath.Options{Users: []string{"ann"}, NoSpamFilter: true})
			u := p.Users[0]
			// A median needs samples: at least 20, whatever b.N.
			var lat []time.Duration
			for i := 0; i < max(b.N, 20); i++ {
				lat = append(lat, waitOnce(b, p, u, poll, i))
			}
			slices.Sort(lat)
			b.ReportMetric(float64(lat[len(lat)/2].Microseconds())/1000, "median-ms")
			b.ReportMetric(float64(lat[len(lat)*9/10].Microseconds())/1000, "p90-ms")
			b.ReportMetric(float64(lat[len(lat)-1].Microseconds())/1000, "max-ms")
		})
	}
}

// waitOnce delivers one test message over LMTP while Wait is ready for
// it, and returns the delivery-to-report time.
func waitOnce(b *testing.B, p *mailpath.Path, u mailpath.User, poll bool, i int) time.Duration {
	b.Helper()
	token := fmt.Sprintf("bench%015d", i)
	token = string(bytes.Map(func(r rune) rune { // digits 0,1,8,9 are not base32
		if r >= '0' && r <= '9' {
			return 'a' + (r - '0')
		}
		return r
	}, []byte(token)))
	opts, rec := testOptions()
	opts.Poll = poll
	ready := rec.when("idling on INBOX")
	if poll {
		ready = rec.when("polling")
	}
	done := make(chan time.Time, 1)
	var res *Result
	var werr error
	go func() {
		res, werr = Wait(context.Background(), dovecotAccount(b, p, u), opts, token, time.Now().Add(time.Minute))
		done <- time.Now()
	}()
	<-ready
	if poll {
		time.Sleep(time.Duration(i%9) * 500 * time.Millisecond)
	}
	delivered := lmtpDeliver(b, p.LMTPAddr, u.Address, message(token, "Your code"))
	end := <-done
	if werr != nil || res.Placement != Inbox {
		b.Fatalf("Wait = %+v, %v", res, werr)
	}
	return end.Sub(delivered)
}

// lmtpDeliver hands msg to Dovecot's LMTP (RFC 2033) and returns when it
// answered 250 for the recipient: the message is in the mailbox.
func lmtpDeliver(b *testing.B, addr, rcpt string, msg []byte) time.Time {
	b.Helper()
	conn, err := net.DialTimeout("tcp", addr, 10*time.Second)
	if err != nil {
		b.Fatal(err)
	}
	c := smtp.NewClientLMTP(conn)
	defer c.Close()
	if err := c.Hello("bench.test"); err != nil {
		b.Fatal(err)
	}
	if err := c.Mail("codes@sender.test", nil); err != nil {
		b.Fatal(err)
	}
	if err := c.Rcpt(rcpt, nil); err != nil {
		b.Fatal(err)
	}
	w, err := c.Data()
	if err != nil {
		b.Fatal(err)
	}
	if _, err := w.Write(msg); err != nil {
		b.Fatal(err)
	}
	if _, err := w.CloseWithLMTPResponse(); err != nil {
		b.Fatalf("LMTP DATA: %v", err)
	}
	return time.Now()
}
