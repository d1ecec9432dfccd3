package testcode

import (
	"crypto/tls"
	"io"
	"sync/atomic"
	"testing"
	"time"

	"github.com/emersion/go-smtp"
)

// countingBackend takes every message and only counts them.
type countingBackend struct{ n atomic.Int64 }

func (b *countingBackend) NewSession(*smtp.Conn) (smtp.Session, error) {
	return countingSession{b}, nil
}

type countingSession struct{ b *countingBackend }

func (countingSession) Reset()                               {}
func (countingSession) Logout() error                        { return nil }
func (countingSession) Mail(string, *smtp.MailOptions) error { return nil }
func (countingSession) Rcpt(string, *smtp.RcptOptions) error { return nil }
func (s countingSession) Data(r io.Reader) error {
	_, err := io.Copy(io.Discard, r)
	s.b.n.Add(1)
	return err
}

// BenchmarkDeliver measures whole deliveries (connect, EHLO, the
// transaction, QUIT) to an in-process server on loopback, in plain text
// and with STARTTLS, one at a time.
func BenchmarkDeliver(b *testing.B) {
	for _, withTLS := range []bool{false, true} {
		name := map[bool]string{false: "plain", true: "starttls"}[withTLS]
		b.Run(name, func(b *testing.B) {
			be := &countingBackend{}
			var cert *tls.Certificate
			d := smarthost("")
			if withTLS {
				c, authority := issue(b, "127.0.0.1")
				cert = c
				d.TLSConfig = &tls.Config{RootCAs: authority.Pool()}
				d.IsLocal = notLocal
			}
			d.Smarthost = startSMTP(b, be, cert).String()
			d.StepTimeout = 10 * time.Second
			msg := []byte(testMessage)
			ctx := testContext(b)
			b.ReportAllocs()
			start := time.Now()
			for b.Loop() {
				if res := d.Deliver(ctx, testFrom, "ann@example.test", msg); res.Status != StatusAccepted {
					b.Fatalf("%s: %v\n%s", res.Status, res.Err, transcriptOf(res))
				}
			}
			b.ReportMetric(float64(be.n.Load())/time.Since(start).Seconds(), "deliveries/s")
		})
	}
}
