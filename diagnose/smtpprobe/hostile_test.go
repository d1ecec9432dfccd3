package smtpprobe

import (
	"bufio"
	"context"
	"errors"
	"io"
	"net"
	"net/netip"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode/utf8"
)

// TestProbeHostile scripts servers that misbehave and checks that each
// yields a clear verdict, quickly, with the evidence in the transcript.
func TestProbeHostile(t *testing.T) {
	// Cases whose verdict is a timeout use a short step and must end soon
	// after it; the others keep the default step and must end long before
	// it, by the bounds on what a server may send rather than by a timeout.
	const (
		shortStep = 2 * time.Second
		longStep  = 10 * time.Second
	)
	tests := []struct {
		name     string
		script   func(c net.Conn, r *bufio.Reader)
		rcpt     string
		outcome  Outcome
		stage    Stage
		sentinel error
		errText  string
		evidence string // a server line or note the transcript must hold
		sentQUIT bool
	}{
		{
			name:    "silent after connect",
			script:  func(c net.Conn, r *bufio.Reader) { _, _ = r.ReadByte() },
			outcome: OutcomeTimeout, stage: StageBanner, sentinel: ErrTimeout, errText: "no banner within 2s",
		},
		{
			name: "banner dripped a byte at a time",
			script: func(c net.Conn, r *bufio.Reader) {
				for range 1000 {
					if !say(c, "2") {
						return
					}
					time.Sleep(50 * time.Millisecond)
				}
			},
			outcome: OutcomeTimeout, stage: StageBanner, sentinel: ErrTimeout, evidence: "2 [… incomplete line]",
		},
		{
			name: "endless continuation lines",
			script: func(c net.Conn, r *bufio.Reader) {
				for say(c, "220-still greeting you\r\n") {
				}
			},
			outcome: OutcomeProtocolError, stage: StageBanner, sentinel: ErrProtocol, errText: "past 100 lines",
		},
		{
			name: "10 MB line",
			script: func(c net.Conn, r *bufio.Reader) {
				say(c, "220 ")
				chunk := strings.Repeat("A", 64<<10)
				for i := 0; i < 160 && say(c, chunk); i++ {
				}
				say(c, "\r\n")
			},
			outcome: OutcomeProtocolError, stage: StageBanner, sentinel: ErrProtocol, errText: "longer than 4096 octets",
			evidence: "not read further",
		},
		{
			name: "554 banner: blocklisted",
			script: func(c net.Conn, r *bufio.Reader) {
				say(c, "554-5.7.1 Service unavailable; client [192.0.2.9] blocked using zen.spamhaus.org\r\n554 5.7.1 See https://check.spamhaus.org\r\n")
				dialogue(c, r, nil)
			},
			outcome: OutcomeRejected, stage: StageBanner, sentinel: ErrRejected,
			evidence: "554-5.7.1 Service unavailable; client [192.0.2.9] blocked", sentQUIT: true,
		},
		{
			name:    "421 banner: busy",
			script:  func(c net.Conn, r *bufio.Reader) { say(c, "421 4.3.2 Too many connections, try later\r\n") },
			outcome: OutcomeTempFail, stage: StageBanner, sentinel: ErrTempFail, evidence: "421 4.3.2 Too many connections",
		},
		{
			name:    "not SMTP",
			script:  func(c net.Conn, r *bufio.Reader) { say(c, "SSH-2.0-OpenSSH_9.6\r\n") },
			outcome: OutcomeProtocolError, stage: StageBanner, sentinel: ErrProtocol, errText: "three-digit code",
			evidence: "SSH-2.0-OpenSSH_9.6",
		},
		{
			name:    "positive banner other than 220",
			script:  func(c net.Conn, r *bufio.Reader) { say(c, "250 hello\r\n"); dialogue(c, r, nil) },
			outcome: OutcomeProtocolError, stage: StageBanner, sentinel: ErrProtocol,
		},
		{
			name: "inconsistent multi-line codes",
			script: func(c net.Conn, r *bufio.Reader) {
				say(c, "220 mx ESMTP\r\n")
				dialogue(c, r, map[string]string{"EHLO": "250-mx.example.test\r\n550 5.0.0 no\r\n"})
			},
			outcome: OutcomeProtocolError, stage: StageEHLO, sentinel: ErrProtocol, errText: "mixes codes 250 and 550",
		},
		{
			name: "closes mid-dialogue",
			script: func(c net.Conn, r *bufio.Reader) {
				say(c, "220 mx ESMTP\r\n")
				for {
					line, ok := hear(r)
					if !ok || strings.HasPrefix(line, "MAIL") {
						return
					}
					say(c, "250 mx.example.test\r\n")
				}
			},
			rcpt:    "ann@example.test",
			outcome: OutcomeProtocolError, stage: StageMail, sentinel: ErrClosed,
		},
		{
			name: "closes mid-line",
			script: func(c net.Conn, r *bufio.Reader) {
				say(c, "220 mx ESMTP\r\n")
				hear(r)
				say(c, "250-mx.example.test\r\n250-PIPEL")
			},
			outcome: OutcomeProtocolError, stage: StageEHLO, sentinel: ErrClosed, evidence: "250-PIPEL",
		},
		{
			name: "silent after RCPT",
			script: func(c net.Conn, r *bufio.Reader) {
				say(c, "220 mx ESMTP\r\n")
				dialogue(c, r, map[string]string{"RCPT": ""})
			},
			rcpt:    "ann@example.test",
			outcome: OutcomeTimeout, stage: StageRCPT, sentinel: ErrTimeout, errText: "no reply to RCPT",
		},
		{
			name: "STARTTLS response injection",
			script: func(c net.Conn, r *bufio.Reader) {
				say(c, "220 mx ESMTP\r\n")
				dialogue(c, r, map[string]string{
					"EHLO":     "250-mx.example.test\r\n250 STARTTLS\r\n",
					"STARTTLS": "220 2.0.0 Ready\r\n250 2.1.5 injected\r\n",
				})
			},
			outcome: OutcomeProtocolError, stage: StageSTARTTLS, sentinel: ErrProtocol, errText: "after 220 to STARTTLS",
		},
		{
			name: "TLS handshake answered with text",
			script: func(c net.Conn, r *bufio.Reader) {
				say(c, "220 mx ESMTP\r\n")
				dialogue(c, r, map[string]string{
					"EHLO":     "250-mx.example.test\r\n250 STARTTLS\r\n",
					"STARTTLS": "220 2.0.0 Ready\r\n",
				})
				say(c, "this is not TLS\r\n")
			},
			outcome: OutcomeProtocolError, stage: StageSTARTTLS, sentinel: ErrTLS,
		},
		{
			name: "control characters are escaped",
			script: func(c net.Conn, r *bufio.Reader) {
				say(c, "220 mx \x1b[2J\x1b[31mpwned\x00\xff\r\n")
				dialogue(c, r, nil)
			},
			outcome: OutcomeOK, stage: StageDone, evidence: `220 mx \x1b[2J\x1b[31mpwned\x00\xff`, sentQUIT: true,
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			addr := startScript(t, tc.script)
			opts := testOptions(addr, nil)
			step := longStep
			if tc.outcome == OutcomeTimeout {
				step = shortStep
			}
			opts.StepTimeout, opts.RCPT = step, tc.rcpt
			res := probe(t, addr, opts)

			if res.Outcome != tc.outcome || res.Stage != tc.stage {
				t.Fatalf("outcome %s at %s, want %s at %s (err %v)\n%s",
					res.Outcome, res.Stage, tc.outcome, tc.stage, res.Err, res.TranscriptText())
			}
			if tc.sentinel != nil && !errors.Is(res.Err, tc.sentinel) {
				t.Errorf("err %v, want %v", res.Err, tc.sentinel)
			}
			if tc.errText != "" && (res.Err == nil || !strings.Contains(res.Err.Error(), tc.errText)) {
				t.Errorf("err %v, want it to say %q", res.Err, tc.errText)
			}
			if tc.evidence != "" && !hasLine(res, DirServer, tc.evidence) && !hasLine(res, DirNote, tc.evidence) {
				t.Errorf("transcript lacks %q:\n%s", tc.evidence, res.TranscriptText())
			}
			if got := slices.Contains(sent(res), "QUIT"); got != tc.sentQUIT {
				t.Errorf("QUIT sent: %v, want %v", got, tc.sentQUIT)
			}
			if res.Duration > min(5*step, longStep/2) {
				t.Errorf("took %s with a %s step timeout", res.Duration, step)
			}
			for _, l := range res.Transcript {
				if len(l.Text) > 2*MaxLineLength || strings.ContainsAny(l.Text, "\x00\x1b\r\n") {
					t.Errorf("transcript line of %d octets, or with control characters: %.80q", len(l.Text), l.Text)
				}
			}
		})
	}
}

// TestProbeRecoverable checks the deviations a real MTA copes with.
func TestProbeRecoverable(t *testing.T) {
	tests := []struct {
		name    string
		replies map[string]string
		banner  string
		check   func(t *testing.T, res *Result)
	}{
		{
			name:    "EHLO unknown: HELO fallback",
			replies: map[string]string{"EHLO": "502 5.5.2 Command not recognized\r\n", "HELO": "250 mx.example.test\r\n"},
			check: func(t *testing.T, res *Result) {
				if !res.HeloFallback || res.EHLO.Code != 250 || res.Extensions != nil || res.StartTLS {
					t.Errorf("HeloFallback %v, EHLO %v, extensions %v", res.HeloFallback, res.EHLO, res.Extensions)
				}
			},
		},
		{
			name: "STARTTLS refused: continue in plain text",
			replies: map[string]string{
				"EHLO":     "250-mx.example.test\r\n250-STARTTLS\r\n250 8BITMIME\r\n",
				"STARTTLS": "454 4.7.0 TLS not available due to local problem\r\n",
			},
			check: func(t *testing.T, res *Result) {
				if !res.StartTLS || res.TLS != nil || !strings.Contains(res.TLSError, "454 4.7.0 TLS not available") {
					t.Errorf("StartTLS %v, TLS %v, TLSError %q", res.StartTLS, res.TLS, res.TLSError)
				}
				if !slices.Contains(sent(res), "MAIL FROM:<>") {
					t.Errorf("the envelope was not tried after the refusal: %q", sent(res))
				}
			},
		},
		{
			name:    "bare LF line endings and a code-only last line",
			banner:  "220-mx.example.test\n220\n",
			replies: map[string]string{"EHLO": "250-mx.example.test\n250-SIZE 1000\n250 SMTPUTF8\n"},
			check: func(t *testing.T, res *Result) {
				if res.Banner.Code != 220 || len(res.Banner.Lines) != 2 || res.Extensions["SIZE"] != "1000" {
					t.Errorf("banner %+v, extensions %v", res.Banner, res.Extensions)
				}
			},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			banner := tc.banner
			if banner == "" {
				banner = "220 mx.example.test ESMTP\r\n"
			}
			addr := startScript(t, func(c net.Conn, r *bufio.Reader) {
				say(c, banner)
				dialogue(c, r, tc.replies)
			})
			opts := testOptions(addr, nil)
			opts.RCPT = "ann@example.test"
			res := probe(t, addr, opts)
			if res.Outcome != OutcomeOK || res.Stage != StageDone {
				t.Fatalf("outcome %s at %s (err %v)\n%s", res.Outcome, res.Stage, res.Err, res.TranscriptText())
			}
			tc.check(t, res)
		})
	}
}

// TestProbeContext checks that the context bounds the whole probe: its
// cancellation interrupts a read at once, and its deadline holds even when
// every single step is within StepTimeout.
func TestProbeContext(t *testing.T) {
	t.Run("cancelled while waiting", func(t *testing.T) {
		addr := startScript(t, func(c net.Conn, r *bufio.Reader) {
			say(c, "220 mx ESMTP\r\n")
			_, _ = io.Copy(io.Discard, r)
		})
		opts := testOptions(addr, nil)
		opts.StepTimeout = time.Minute
		ctx, cancel := context.WithCancel(context.Background())
		time.AfterFunc(100*time.Millisecond, cancel)
		res := Probe(ctx, testHost, addr.Addr(), opts)
		if res.Outcome != OutcomeTimeout || !errors.Is(res.Err, context.Canceled) || res.Duration > 2*time.Second {
			t.Errorf("outcome %s, err %v after %s: want a timeout soon after cancellation", res.Outcome, res.Err, res.Duration)
		}
	})
	t.Run("deadline across slow steps", func(t *testing.T) {
		addr := startScript(t, func(c net.Conn, r *bufio.Reader) {
			say(c, "220 mx ESMTP\r\n")
			for {
				if _, ok := hear(r); !ok {
					return
				}
				time.Sleep(150 * time.Millisecond)
				if !say(c, "250 OK\r\n") {
					return
				}
			}
		})
		opts := testOptions(addr, nil)
		opts.StepTimeout, opts.RCPT = 5*time.Second, "ann@example.test"
		ctx, cancel := context.WithTimeout(context.Background(), 400*time.Millisecond)
		defer cancel()
		res := Probe(ctx, testHost, addr.Addr(), opts)
		if res.Outcome != OutcomeTimeout || !errors.Is(res.Err, context.DeadlineExceeded) || res.Duration > 3*time.Second {
			t.Errorf("outcome %s, err %v after %s: want a timeout at the 400ms deadline", res.Outcome, res.Err, res.Duration)
		}
	})
}

// pipeDialer connects the prober to a server that sends script, whatever
// the prober says, then hangs up.
type pipeDialer struct {
	script []byte
	wg     sync.WaitGroup
}

func (d *pipeDialer) DialContext(context.Context, string, string) (net.Conn, error) {
	client, server := net.Pipe()
	d.wg.Go(func() { _, _ = io.Copy(io.Discard, server) })
	d.wg.Go(func() {
		_, _ = server.Write(d.script)
		_ = server.Close()
	})
	return client, nil
}

var validOutcomes = map[Outcome]bool{
	OutcomeOK: true, OutcomeRejected: true, OutcomeGreylisted: true, OutcomeTempFail: true,
	OutcomeProtocolError: true, OutcomeTimeout: true,
}

// FuzzProbe runs whole dialogues against arbitrary server output: the probe
// must never panic or hang, must reach a verdict, and must keep a printable
// transcript.
func FuzzProbe(f *testing.F) {
	for _, s := range []string{
		"220 mx ESMTP\r\n250-mx\r\n250 SMTPUTF8\r\n250 2.1.0 ok\r\n250 2.1.5 ok\r\n250 2.1.5 ok\r\n250 2.0.0 ok\r\n221 2.0.0 bye\r\n",
		"220 mx ESMTP\r\n250-mx\r\n250 SMTPUTF8\r\n250 ok\r\n450 4.7.1 Greylisted\r\n250 reset\r\n221 bye\r\n",
		"220 mx ESMTP\r\n250-mx\r\n250 STARTTLS\r\n220 go ahead\r\n\x16\x03\x01\x00\x05hello",
		"220 mx ESMTP\r\n502 5.5.2 what\r\n250 mx\r\n250 ok\r\n550 5.1.1 unknown\r\n250 ok\r\n221 bye\r\n",
		"554 5.7.1 blocked\r\n221 bye\r\n",
		"421 busy\r\n",
		"220-a\r\n220-b\r\n",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, script []byte) {
		d := &pipeDialer{script: script}
		opts := Options{Dialer: d, StepTimeout: 200 * time.Millisecond, RCPT: "ann@example.test", CatchAll: true}
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		res := Probe(ctx, testHost, netip.MustParseAddr("192.0.2.1"), opts)
		d.wg.Wait()
		if !validOutcomes[res.Outcome] || (res.Outcome == OutcomeOK) != (res.Err == nil) {
			t.Fatalf("outcome %q with err %v", res.Outcome, res.Err)
		}
		if res.Duration > 3*time.Second {
			t.Fatalf("probe took %s", res.Duration)
		}
		for _, l := range res.Transcript {
			if strings.ContainsAny(l.Text, "\r\n\x00\x1b") || !utf8.ValidString(l.Text) {
				t.Fatalf("unprintable transcript line %q", l.Text)
			}
			if l.Dir == DirClient && strings.HasPrefix(l.Text, "DATA") {
				t.Fatal("DATA sent")
			}
		}
	})
}
