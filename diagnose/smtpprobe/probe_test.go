package smtpprobe

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/emersion/go-smtp"
)

// TestProbeTLS runs the whole dialogue against go-smtp with STARTTLS and
// checks what a support agent would read: TLS verified or why not, and that
// the dialogue went on over TLS either way (RFC 7435).
func TestProbeTLS(t *testing.T) {
	good, goodPool := testCert(t, testHost)
	wrong, wrongPool := testCert(t, "other.example.test")
	tests := []struct {
		name       string
		cert       tls.Certificate
		pool       *x509.CertPool
		verified   bool
		verifyText string
	}{
		{"valid certificate", good, goodPool, true, ""},
		{"certificate for another name", wrong, wrongPool, false, "other.example.test"},
		{"untrusted issuer", good, x509.NewCertPool(), false, "unknown authority"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			be := &recordingBackend{}
			addr := startGoSMTP(t, be, &tc.cert)
			opts := testOptions(addr, tc.pool)
			opts.RCPT = "ann@example.test"
			res := probe(t, addr, opts)

			if res.Outcome != OutcomeOK || res.Stage != StageDone || res.Err != nil {
				t.Fatalf("outcome %s at %s (err %v), want ok at done\n%s", res.Outcome, res.Stage, res.Err, res.TranscriptText())
			}
			if !res.StartTLS || res.TLS == nil {
				t.Fatalf("StartTLS %v, TLS %+v: want negotiated TLS", res.StartTLS, res.TLS)
			}
			if res.TLS.Verified != tc.verified || !strings.Contains(res.TLS.VerifyError, tc.verifyText) {
				t.Errorf("Verified %v, VerifyError %q; want %v and an error mentioning %q",
					res.TLS.Verified, res.TLS.VerifyError, tc.verified, tc.verifyText)
			}
			if res.TLS.Version == "" || res.TLS.CipherSuite == "" || res.TLS.ServerName != testHost || res.TLS.NotAfter.IsZero() {
				t.Errorf("incomplete TLS info %+v", res.TLS)
			}
			if !hasLine(res, DirServer, "220 mx.example.test ESMTP Service Ready") {
				t.Errorf("transcript lacks the banner:\n%s", res.TranscriptText())
			}
			want := []string{"EHLO probe.codeprobe.test", "STARTTLS", "EHLO probe.codeprobe.test",
				"MAIL FROM:<>", "RCPT TO:<ann@example.test>", "RSET", "QUIT"}
			if got := sent(res); !slices.Equal(got, want) {
				t.Errorf("sent %q, want %q", got, want)
			}
			if _, ok := res.Extensions["STARTTLS"]; ok {
				t.Errorf("extensions %v come from the EHLO before TLS, want those after (RFC 3207 §4.2)", res.Extensions)
			}
			if res.RCPT == nil || res.RCPT.Code != 250 || res.CatchAll != nil {
				t.Errorf("RCPT %v, CatchAll %v: want 250 and no catch-all verdict", res.RCPT, res.CatchAll)
			}
			if be.data != 0 || !slices.Equal(be.recipients(), []string{"ann@example.test"}) {
				t.Errorf("server saw DATA %d times and recipients %q", be.data, be.recipients())
			}
		})
	}
}

func TestProbeNoSTARTTLS(t *testing.T) {
	addr := startGoSMTP(t, &recordingBackend{}, nil)
	res := probe(t, addr, testOptions(addr, nil))
	if res.Outcome != OutcomeOK || res.StartTLS || res.TLS != nil {
		t.Fatalf("outcome %s, StartTLS %v, TLS %v: want ok without TLS", res.Outcome, res.StartTLS, res.TLS)
	}
	if !hasLine(res, DirNote, "does not offer STARTTLS") {
		t.Errorf("transcript does not say STARTTLS is missing:\n%s", res.TranscriptText())
	}
	if _, ok := res.Extensions["PIPELINING"]; !ok {
		t.Errorf("extensions %v lack PIPELINING", res.Extensions)
	}
	if got, want := sent(res), []string{"EHLO probe.codeprobe.test", "QUIT"}; !slices.Equal(got, want) {
		t.Errorf("sent %q, want %q (no envelope without RCPT)", got, want)
	}
}

// TestProbeRCPT covers the answers a recipient probe meets.
func TestProbeRCPT(t *testing.T) {
	reject := func(code int, enh smtp.EnhancedCode, msg string) func(string) error {
		return func(string) error { return &smtp.SMTPError{Code: code, EnhancedCode: enh, Message: msg} }
	}
	only := func(ok string) func(string) error {
		return func(to string) error {
			if to == ok {
				return nil
			}
			return &smtp.SMTPError{Code: 550, EnhancedCode: smtp.EnhancedCode{5, 1, 1}, Message: "No such user"}
		}
	}
	tests := []struct {
		name     string
		mail     func(string) error
		rcpt     func(string) error
		catchAll bool
		outcome  Outcome
		stage    Stage
		enhanced string
		sentinel error
		catch    *bool
	}{
		{name: "accepted", outcome: OutcomeOK, stage: StageDone},
		{name: "user unknown", rcpt: reject(550, smtp.EnhancedCode{5, 1, 1}, "User unknown"),
			outcome: OutcomeRejected, stage: StageRCPT, enhanced: "5.1.1", sentinel: ErrRejected},
		{name: "greylisted", rcpt: reject(450, smtp.EnhancedCode{4, 7, 1}, "Greylisted, try again in 5 minutes"),
			outcome: OutcomeGreylisted, stage: StageRCPT, enhanced: "4.7.1", sentinel: ErrTempFail},
		{name: "mailbox full is a deferral too", rcpt: reject(452, smtp.EnhancedCode{4, 2, 2}, "Mailbox full"),
			outcome: OutcomeGreylisted, stage: StageRCPT, enhanced: "4.2.2", sentinel: ErrTempFail},
		{name: "catch-all", catchAll: true, outcome: OutcomeOK, stage: StageDone, catch: ptr(true)},
		{name: "checks recipients", rcpt: only("ann@example.test"), catchAll: true,
			outcome: OutcomeOK, stage: StageDone, catch: ptr(false)},
		{name: "rejected recipient is not tested for catch-all", rcpt: only("bob@example.test"), catchAll: true,
			outcome: OutcomeRejected, stage: StageRCPT, enhanced: "5.1.1", sentinel: ErrRejected},
		{name: "sender greylisted", mail: reject(451, smtp.EnhancedCode{4, 7, 1}, "Please try again later"),
			outcome: OutcomeGreylisted, stage: StageMail, enhanced: "4.7.1", sentinel: ErrTempFail},
		{name: "sender deferred", mail: reject(451, smtp.EnhancedCode{4, 3, 0}, "Local error in processing"),
			outcome: OutcomeTempFail, stage: StageMail, enhanced: "4.3.0", sentinel: ErrTempFail},
		{name: "null sender refused", mail: reject(553, smtp.EnhancedCode{5, 7, 1}, "Sender rejected"),
			outcome: OutcomeRejected, stage: StageMail, enhanced: "5.7.1", sentinel: ErrRejected},
	}
	cert, pool := testCert(t, testHost)
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			be := &recordingBackend{mail: tc.mail, rcpt: tc.rcpt}
			addr := startGoSMTP(t, be, &cert)
			opts := testOptions(addr, pool)
			opts.RCPT, opts.CatchAll = "ann@example.test", tc.catchAll
			res := probe(t, addr, opts)

			if res.Outcome != tc.outcome || res.Stage != tc.stage {
				t.Fatalf("outcome %s at %s, want %s at %s (err %v)\n%s",
					res.Outcome, res.Stage, tc.outcome, tc.stage, res.Err, res.TranscriptText())
			}
			if tc.sentinel != nil && !errors.Is(res.Err, tc.sentinel) {
				t.Errorf("err %v, want %v", res.Err, tc.sentinel)
			}
			if tc.enhanced != "" {
				rep := res.RCPT
				if tc.stage == StageMail {
					rep = res.Mail
				}
				var re *ReplyError
				if rep == nil || rep.Enhanced != tc.enhanced || !errors.As(res.Err, &re) || re.Reply.Enhanced != tc.enhanced {
					t.Errorf("reply %v, err %v: want enhanced code %s", rep, res.Err, tc.enhanced)
				}
			}
			if (res.CatchAll == nil) != (tc.catch == nil) || res.CatchAll != nil && *res.CatchAll != *tc.catch {
				t.Errorf("CatchAll %v, want %v", fmtBool(res.CatchAll), fmtBool(tc.catch))
			}
			if tc.catch != nil {
				tos := be.recipients()
				if len(tos) != 2 || !strings.HasPrefix(tos[1], "codeprobe-nx-") || !strings.HasSuffix(tos[1], "@example.test") {
					t.Errorf("recipients %q: want the address, then a random one at the same domain", tos)
				}
			}
			got := sent(res)
			if slices.Contains(got, "DATA") || got[len(got)-1] != "QUIT" || tc.stage != StageDone && !slices.Contains(got, "RSET") {
				t.Errorf("sent %q: want RSET and QUIT, never DATA", got)
			}
		})
	}
}

func TestProbeEnvelopeEncoding(t *testing.T) {
	cert, pool := testCert(t, testHost)
	tests := []struct {
		name     string
		rcpt     string
		from     string
		utf8     bool
		outcome  Outcome
		wantRCPT string
		wantMail string
	}{
		{"IDNA domain becomes A-labels", "ann@bücher.example", "", false, OutcomeOK,
			"RCPT TO:<ann@xn--bcher-kva.example>", "MAIL FROM:<>"},
		{"sender given", "ann@example.test", "bounce@codes.example", false, OutcomeOK,
			"RCPT TO:<ann@example.test>", "MAIL FROM:<bounce@codes.example>"},
		{"UTF-8 local part with SMTPUTF8", "añn@example.test", "", true, OutcomeOK,
			"RCPT TO:<añn@example.test>", "MAIL FROM:<> SMTPUTF8"},
		{"UTF-8 local part without SMTPUTF8", "añn@example.test", "", false, OutcomeRejected, "", ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			be := &recordingBackend{}
			addr := startGoSMTP(t, be, &cert, func(s *smtp.Server) { s.EnableSMTPUTF8 = tc.utf8 })
			opts := testOptions(addr, pool)
			opts.RCPT, opts.MailFrom = tc.rcpt, tc.from
			res := probe(t, addr, opts)
			if res.Outcome != tc.outcome {
				t.Fatalf("outcome %s, want %s (err %v)\n%s", res.Outcome, tc.outcome, res.Err, res.TranscriptText())
			}
			got := sent(res)
			if tc.wantRCPT == "" {
				if !errors.Is(res.Err, ErrNoSMTPUTF8) || slices.ContainsFunc(got, func(s string) bool { return strings.HasPrefix(s, "MAIL") }) {
					t.Errorf("err %v, sent %q: want ErrNoSMTPUTF8 before any MAIL", res.Err, got)
				}
				return
			}
			if !slices.Contains(got, tc.wantMail) || !slices.Contains(got, tc.wantRCPT) {
				t.Errorf("sent %q, want %q and %q", got, tc.wantMail, tc.wantRCPT)
			}
		})
	}
}

func TestProbeInvalidOptions(t *testing.T) {
	addr := startGoSMTP(t, &recordingBackend{}, nil)
	base := testOptions(addr, nil)
	tests := []struct {
		name   string
		modify func(*Options)
	}{
		{"no dialer", func(o *Options) { o.Dialer = nil }},
		{"port out of range", func(o *Options) { o.Port = 70000 }},
		{"command injection in recipient", func(o *Options) { o.RCPT = "ann@example.test>\r\nDATA" }},
		{"angle bracket in recipient", func(o *Options) { o.RCPT = "ann@example.test> NOTIFY=NEVER" }},
		{"no domain", func(o *Options) { o.RCPT = "ann" }},
		{"space in HELO name", func(o *Options) { o.HeloName = "a b" }},
		{"injection in sender", func(o *Options) { o.RCPT, o.MailFrom = "ann@example.test", "x@y\nRCPT TO:<z@w>" }},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			opts := base
			tc.modify(&opts)
			res := probe(t, addr, opts)
			if res.Outcome != OutcomeError || !errors.Is(res.Err, ErrInvalidOptions) || len(res.Transcript) != 0 {
				t.Errorf("outcome %s, err %v, %d transcript lines: want error before connecting",
					res.Outcome, res.Err, len(res.Transcript))
			}
		})
	}
}

// BenchmarkProbe measures one full probe against go-smtp in-process:
// banner, EHLO, STARTTLS with verification, EHLO, MAIL, RCPT, the
// catch-all RCPT, RSET and QUIT.
func BenchmarkProbe(b *testing.B) {
	cert, pool := testCert(b, testHost)
	addr := startGoSMTP(b, &recordingBackend{}, &cert)
	opts := testOptions(addr, pool)
	opts.RCPT, opts.CatchAll = "ann@example.test", true
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	b.ReportAllocs()
	for b.Loop() {
		res := Probe(ctx, testHost, addr.Addr(), opts)
		if res.Outcome != OutcomeOK || res.TLS == nil || !res.TLS.Verified {
			b.Fatalf("outcome %s, err %v", res.Outcome, res.Err)
		}
	}
}

func ptr[T any](v T) *T { return &v }

func fmtBool(b *bool) string {
	if b == nil {
		return "nil"
	}
	if *b {
		return "true"
	}
	return "false"
}

// TestProbeCatchAllRandomness: the catch-all address comes from Options.Rand,
// so transcripts can be reproduced; without randomness the test is skipped,
// not faked.
func TestProbeCatchAllRandomness(t *testing.T) {
	addr := startGoSMTP(t, &recordingBackend{}, nil)
	opts := testOptions(addr, nil)
	opts.RCPT, opts.CatchAll = "ann@example.test", true

	opts.Rand = strings.NewReader(strings.Repeat("\x00", 13))
	res := probe(t, addr, opts)
	if !slices.Contains(sent(res), "RCPT TO:<codeprobe-nx-aaaaaaaaaaaaaaaaaaaa@example.test>") || res.CatchAll == nil || !*res.CatchAll {
		t.Errorf("sent %q, CatchAll %s", sent(res), fmtBool(res.CatchAll))
	}

	opts.Rand = strings.NewReader("")
	res = probe(t, addr, opts)
	if res.Outcome != OutcomeOK || res.CatchAll != nil || !hasLine(res, DirNote, "randomness") {
		t.Errorf("outcome %s, CatchAll %s: want ok, untested, and a note\n%s", res.Outcome, fmtBool(res.CatchAll), res.TranscriptText())
	}
}
