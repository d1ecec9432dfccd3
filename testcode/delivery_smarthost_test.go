package testcode

import (
	"bufio"
	"crypto/tls"
	"encoding/base64"
	"encoding/json"
	"errors"
	"net"
	"net/netip"
	"strings"
	"testing"

	"github.com/emersion/go-smtp"

	"github.com/codeprobe/codeprobe/diagnose/netguard"
	"github.com/codeprobe/codeprobe/fixtures"
)

// notLocal makes a loopback relay count as remote, so the TLS rules for a
// relay elsewhere apply to the in-process servers.
func notLocal(netip.Addr) bool { return false }

// smarthost returns a Delivery to the relay at addr that may dial loopback.
func smarthost(addr string) *Delivery {
	return &Delivery{Mode: ModeSmarthost, Smarthost: addr, Guard: &netguard.Guard{AllowPrivate: true}}
}

// TestSmarthostSTARTTLSAuth delivers through a relay that requires
// STARTTLS and AUTH PLAIN, found by address and by name, and checks that
// the credentials appear nowhere but on the wire.
func TestSmarthostSTARTTLSAuth(t *testing.T) {
	for _, byName := range []bool{false, true} {
		name := map[bool]string{false: "by address", true: "by name"}[byName]
		t.Run(name, func(t *testing.T) {
			certName := "127.0.0.1"
			if byName {
				certName = "smtp.relay.test"
			}
			cert, ca := issue(t, certName)
			be := &recordingBackend{
				users: map[string]string{testUser: testPass},
				data: func([]byte) error {
					return &smtp.SMTPError{Code: 250, EnhancedCode: smtp.EnhancedCode{2, 0, 0}, Message: "Ok: queued as 4XyZ12AbC"}
				},
			}
			addr := startSMTP(t, be, cert)
			var logs logBuffer
			d := smarthost(addr.String())
			d.Username, d.Password = testUser, testPass
			d.IsLocal = notLocal
			d.TLSConfig = &tls.Config{RootCAs: ca.Pool()}
			d.Logger = logs.logger()
			if byName {
				dns := fixtures.NewDNSServer()
				if err := dns.AddZone("relay.test.", "relay.test. SOA ns.relay.test. h.relay.test. 1 1 1 1 60\nsmtp.relay.test. A 127.0.0.1\n"); err != nil {
					t.Fatal(err)
				}
				if err := dns.Start(); err != nil {
					t.Fatal(err)
				}
				t.Cleanup(func() { _ = dns.Close() })
				d.Resolver = testResolver(t, dns.Addr)
				d.Smarthost = "smtp.relay.test:" + strings.TrimPrefix(addr.String(), "127.0.0.1:")
			}
			res := d.Deliver(testContext(t), testFrom, "ann@example.test", []byte(testMessage))
			if res.Status != StatusAccepted || res.QueueID != "4XyZ12AbC" || res.Code != 250 || res.Enhanced != "2.0.0" {
				t.Fatalf("got %s %d %s queue %q (%v); want accepted 250 2.0.0 queue 4XyZ12AbC\n%s",
					res.Status, res.Code, res.Enhanced, res.QueueID, res.Err, transcriptOf(res))
			}
			if res.TLS == nil || !res.TLS.Verified || res.TLS.ServerName != certName {
				t.Errorf("TLS = %+v, want a session verified for %s", res.TLS, certName)
			}
			got := be.got()
			if len(got) != 1 || got[0].auth != testUser || got[0].from != testFrom || string(got[0].data) != testMessage {
				t.Fatalf("server received %+v", got)
			}
			text := transcriptOf(res)
			if !strings.Contains(text, "C: AUTH PLAIN <redacted>") || !strings.Contains(text, "S: 235") {
				t.Errorf("transcript lacks the redacted AUTH and its 235:\n%s", text)
			}
			assertNoSecrets(t, res, logs.String())
		})
	}
}

// assertNoSecrets fails when the password, or the AUTH PLAIN response that
// carries it, is in the transcript, the result's JSON or the log.
func assertNoSecrets(t *testing.T, res *Result, logs string) {
	t.Helper()
	js, err := json.Marshal(res)
	if err != nil {
		t.Fatal(err)
	}
	ir := base64.StdEncoding.EncodeToString([]byte("\x00" + testUser + "\x00" + testPass))
	for where, text := range map[string]string{"transcript": transcriptOf(res), "JSON": string(js), "log": logs, "reason": res.Reason} {
		for _, secret := range []string{testPass, ir} {
			if strings.Contains(text, secret) {
				t.Errorf("the %s holds a secret %q:\n%s", where, secret, text)
			}
		}
	}
	if !strings.Contains(logs, "AUTH PLAIN <redacted>") {
		t.Errorf("the log does not show the AUTH step:\n%s", logs)
	}
}

// TestSmarthostEchoedCredentials: a server that quotes the AUTH line back
// must not get the credentials into the transcript.
func TestSmarthostEchoedCredentials(t *testing.T) {
	var logs logBuffer
	addr := startScript(t, func(c net.Conn, r *bufio.Reader) {
		sayRaw(c, "220 relay.test ESMTP\r\n")
		readRaw(r)
		sayRaw(c, "250-relay.test\r\n250 AUTH PLAIN\r\n")
		line := readRaw(r)
		sayRaw(c, "535 5.7.8 bad credentials in "+strings.TrimSpace(line)+"\r\n")
		readRaw(r)
		sayRaw(c, "221 bye\r\n")
	})
	d := smarthost(addr.String())
	d.Username, d.Password, d.Logger = testUser, testPass, logs.logger()
	res := d.Deliver(testContext(t), testFrom, "ann@example.test", []byte(testMessage))
	if res.Status != StatusRejected || res.Stage != StageAuth || res.Code != 535 || res.Enhanced != "5.7.8" {
		t.Fatalf("got %s at %s %d %s, want rejected at auth 535 5.7.8\n%s", res.Status, res.Stage, res.Code, res.Enhanced, transcriptOf(res))
	}
	if !strings.Contains(transcriptOf(res), "bad credentials in AUTH PLAIN <redacted>") {
		t.Errorf("the echoed line is not redacted:\n%s", transcriptOf(res))
	}
	assertNoSecrets(t, res, logs.String())
}

// TestSmarthostTLSRules: TLS is required of a relay elsewhere, optional
// with a local one, and credentials never go unencrypted to a relay
// elsewhere.
func TestSmarthostTLSRules(t *testing.T) {
	badCert, badCA := issue(t, "other-name.test")
	tests := []struct {
		name      string
		cert      *tls.Certificate
		local     bool
		plaintext bool // AllowPlaintext
		creds     bool
		status    Status
		sentinel  error
		delivered bool
	}{
		{name: "no STARTTLS, relay elsewhere", status: StatusError, sentinel: ErrTLSRequired},
		{name: "no STARTTLS, local relay", local: true, status: StatusAccepted, delivered: true},
		{name: "no STARTTLS, plaintext allowed", plaintext: true, status: StatusAccepted, delivered: true},
		{name: "no STARTTLS, plaintext allowed, credentials", plaintext: true, creds: true, status: StatusError, sentinel: ErrTLSRequired},
		{name: "certificate for another name, plaintext allowed, credentials", cert: badCert, plaintext: true, creds: true, status: StatusError, sentinel: ErrTLSRequired},
		{name: "certificate for another name, plaintext allowed", cert: badCert, plaintext: true, status: StatusAccepted, delivered: true},
		{name: "certificate for another name", cert: badCert, status: StatusError, sentinel: ErrTLSRequired},
		{name: "certificate for another name, local relay", cert: badCert, local: true, status: StatusAccepted, delivered: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			be := &recordingBackend{}
			addr := startSMTP(t, be, tt.cert, func(s *smtp.Server) { s.AllowInsecureAuth = true })
			d := smarthost(addr.String())
			d.AllowPlaintext = tt.plaintext
			d.TLSConfig = &tls.Config{RootCAs: badCA.Pool()}
			if !tt.local {
				d.IsLocal = notLocal
			}
			if tt.creds {
				d.Username, d.Password = testUser, testPass
			}
			res := d.Deliver(testContext(t), testFrom, "ann@example.test", []byte(testMessage))
			if res.Status != tt.status || tt.sentinel != nil && !errors.Is(res.Err, tt.sentinel) {
				t.Fatalf("got %s (%v), want %s (%v)\n%s", res.Status, res.Err, tt.status, tt.sentinel, transcriptOf(res))
			}
			if got := len(be.got()); got != map[bool]int{false: 0, true: 1}[tt.delivered] {
				t.Errorf("server received %d messages", got)
			}
			if text := transcriptOf(res); !tt.delivered && (strings.Contains(text, "MAIL FROM") || strings.Contains(text, "AUTH")) {
				t.Errorf("refused delivery still sent the envelope or credentials:\n%s", text)
			}
		})
	}
}

// TestQueueIDFromServer scripts the reply after DATA in each common form
// and checks the queue ID found in it.
func TestQueueIDFromServer(t *testing.T) {
	tests := []struct {
		enhanced smtp.EnhancedCode
		text     string
		want     string
	}{
		{smtp.EnhancedCode{2, 0, 0}, "Ok: queued as 3F1A2B4C5D", "3F1A2B4C5D"},
		{smtp.EnhancedCode{2, 0, 0}, "OK id=1rAbCd-000123-XY", "1rAbCd-000123-XY"},
		{smtp.EnhancedCode{2, 0, 0}, "x8QLmYAb012345 Message accepted for delivery", "x8QLmYAb012345"},
		{smtp.EnhancedCode{2, 6, 0}, "<abcdefghijklmnopqrst@sender.example> [InternalId=21487762354234, Hostname=AM6PR01MB1234.eurprd01.prod.exchangelabs.com] 9432 bytes in 0.061, 150.912 KB/sec Queued mail for delivery", "21487762354234"},
		{smtp.EnhancedCode{2, 0, 0}, "OK  1700000000 a1si1234567wrb.123 - gsmtp", "a1si1234567wrb.123"},
		{smtp.EnhancedCode{2, 0, 0}, "ok dirdel", "ok dirdel"},
	}
	for _, tt := range tests {
		t.Run(tt.want, func(t *testing.T) {
			be := &recordingBackend{data: func([]byte) error {
				return &smtp.SMTPError{Code: 250, EnhancedCode: tt.enhanced, Message: tt.text}
			}}
			addr := startSMTP(t, be, nil)
			res := smarthost(addr.String()).Deliver(testContext(t), testFrom, "ann@example.test", []byte(testMessage))
			if res.Status != StatusAccepted || res.QueueID != tt.want || res.Text != tt.text {
				t.Fatalf("got %s queue %q text %q (%v), want accepted queue %q\n%s", res.Status, res.QueueID, res.Text, res.Err, tt.want, transcriptOf(res))
			}
		})
	}
}

// TestSmarthostReplies maps the server's refusals at each stage.
func TestSmarthostReplies(t *testing.T) {
	smtpErr := func(code int, enh smtp.EnhancedCode, msg string) error {
		return &smtp.SMTPError{Code: code, EnhancedCode: enh, Message: msg}
	}
	tests := []struct {
		name     string
		be       *recordingBackend
		status   Status
		stage    Stage
		code     int
		enhanced string
		sentinel error
	}{
		{name: "greylisted at RCPT", be: &recordingBackend{rcpt: func(string) error {
			return smtpErr(451, smtp.EnhancedCode{4, 7, 1}, "Greylisted, please try again in 300 seconds")
		}}, status: StatusDeferred, stage: StageRCPT, code: 451, enhanced: "4.7.1", sentinel: ErrDeferred},
		{name: "unknown user at RCPT", be: &recordingBackend{rcpt: func(string) error {
			return smtpErr(550, smtp.EnhancedCode{5, 1, 1}, "User unknown")
		}}, status: StatusRejected, stage: StageRCPT, code: 550, enhanced: "5.1.1", sentinel: ErrRejected},
		{name: "spam at DATA", be: &recordingBackend{data: func([]byte) error {
			return smtpErr(554, smtp.EnhancedCode{5, 7, 1}, "Message rejected as spam")
		}}, status: StatusRejected, stage: StageData, code: 554, enhanced: "5.7.1", sentinel: ErrRejected},
		{name: "sender refused at MAIL", be: &recordingBackend{mail: func(string) error {
			return smtpErr(553, smtp.EnhancedCode{5, 7, 1}, "Sender address rejected")
		}}, status: StatusRejected, stage: StageMail, code: 553, enhanced: "5.7.1", sentinel: ErrRejected},
		{name: "queue full at DATA", be: &recordingBackend{data: func([]byte) error {
			return smtpErr(452, smtp.EnhancedCode{4, 3, 1}, "Insufficient system storage")
		}}, status: StatusDeferred, stage: StageData, code: 452, enhanced: "4.3.1", sentinel: ErrDeferred},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			addr := startSMTP(t, tt.be, nil)
			res := smarthost(addr.String()).Deliver(testContext(t), testFrom, "ann@example.test", []byte(testMessage))
			if res.Status != tt.status || res.Stage != tt.stage || res.Code != tt.code || res.Enhanced != tt.enhanced {
				t.Fatalf("got %s at %s %d %s, want %s at %s %d %s\n%s", res.Status, res.Stage, res.Code, res.Enhanced,
					tt.status, tt.stage, tt.code, tt.enhanced, transcriptOf(res))
			}
			var re *ReplyError
			if !errors.Is(res.Err, tt.sentinel) || !errors.As(res.Err, &re) || re.Stage != tt.stage {
				t.Errorf("Err = %v, want a *ReplyError at %s wrapping %v", res.Err, tt.stage, tt.sentinel)
			}
			if res.QueueID != "" || len(tt.be.got()) != 0 && tt.stage != StageData {
				t.Errorf("queue ID %q, %d messages kept", res.QueueID, len(tt.be.got()))
			}
		})
	}
}

func TestSplitSmarthost(t *testing.T) {
	tests := []struct {
		in   string
		host string
		port int
		ok   bool
	}{
		{"smtp.relay.test:2525", "smtp.relay.test", 2525, true},
		{"smtp.relay.test", "smtp.relay.test", DefaultSubmissionPort, true},
		{"192.0.2.1", "192.0.2.1", DefaultSubmissionPort, true},
		{"[2001:db8::1]:465", "2001:db8::1", 465, true},
		{"[2001:db8::1]", "2001:db8::1", DefaultSubmissionPort, true},
		{"2001:db8::1", "2001:db8::1", DefaultSubmissionPort, true},
		{":25", "", 0, false},
		{"relay.test:smtp", "", 0, false},
		{"relay.test:70000", "", 0, false},
		{"[relay.test", "", 0, false},
	}
	for _, tt := range tests {
		host, port, err := splitSmarthost(tt.in)
		if host != tt.host || port != tt.port || (err == nil) != tt.ok || err != nil && !errors.Is(err, ErrInvalidDelivery) {
			t.Errorf("splitSmarthost(%q) = %q, %d, %v; want %q, %d, ok %v", tt.in, host, port, err, tt.host, tt.port, tt.ok)
		}
	}
}
