package testcode

import (
	"bufio"
	"context"
	"errors"
	"io"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/codeprobe/codeprobe/diagnose/netguard"
	"github.com/codeprobe/codeprobe/fixtures"
)

// readUntilData answers a plain ESMTP dialogue up to and including the
// 354 reply to DATA, and reports whether the client got that far.
func readUntilData(c net.Conn, r *bufio.Reader) bool {
	sayRaw(c, "220 hostile.test ESMTP\r\n")
	for {
		line := readRaw(r)
		switch verb := strings.ToUpper(strings.TrimSpace(line)); {
		case line == "":
			return false
		case strings.HasPrefix(verb, "EHLO"):
			sayRaw(c, "250-hostile.test\r\n250 8BITMIME\r\n")
		case verb == "DATA":
			return sayRaw(c, "354 go ahead\r\n")
		default:
			sayRaw(c, "250 ok\r\n")
		}
	}
}

// hostileCase is a server that misbehaves and the outcome it must yield.
type hostileCase struct {
	name     string
	script   func(c net.Conn, r *bufio.Reader)
	stall    bool // the script stops reading after 354 until the test ends
	msg      string
	status   Status
	stage    Stage
	code     int
	sentinel error
	evidence string // in the transcript
}

// hostileStep is the step deadline of the hostile cases.
const hostileStep = 300 * time.Millisecond

func hostileCases() []hostileCase {
	return []hostileCase{
		{name: "silent after connect", script: func(c net.Conn, r *bufio.Reader) { readRaw(r) },
			status: StatusDeferred, stage: StageBanner, sentinel: ErrTimeout, evidence: "no banner within 300ms"},
		{name: "silent after the message", script: func(c net.Conn, r *bufio.Reader) {
			if readUntilData(c, r) {
				_, _ = io.Copy(io.Discard, r)
			}
		}, status: StatusDeferred, stage: StageData, sentinel: ErrTimeout, evidence: "no reply to the message within 300ms"},
		{name: "not reading the message", stall: true, msg: strings.Repeat(strings.Repeat("x", 98)+"\r\n", 320<<10), status: StatusDeferred, stage: StageData, sentinel: ErrTimeout,
			evidence: "no progress sending the message within 300ms"},
		{name: "endless reply line", script: func(c net.Conn, r *bufio.Reader) {
			sayRaw(c, "220 "+strings.Repeat("x", 10000))
			readRaw(r)
		}, status: StatusDeferred, stage: StageBanner, sentinel: ErrProtocol, evidence: "line too long"},
		{name: "endless continuation lines", script: func(c net.Conn, r *bufio.Reader) {
			for sayRaw(c, "220-still greeting you\r\n") {
			}
		}, status: StatusDeferred, stage: StageBanner, sentinel: ErrProtocol, evidence: "220-still greeting you"},
		{name: "not SMTP", script: func(c net.Conn, r *bufio.Reader) { sayRaw(c, "HTTP/1.1 400 Bad Request\r\n") },
			status: StatusDeferred, stage: StageBanner, sentinel: ErrProtocol, evidence: "HTTP/1.1 400 Bad Request"},
		{name: "busy", script: func(c net.Conn, r *bufio.Reader) { sayRaw(c, "421 4.3.2 too many connections\r\n") },
			status: StatusDeferred, stage: StageBanner, code: 421, sentinel: ErrDeferred},
		{name: "closes after EHLO", script: func(c net.Conn, r *bufio.Reader) {
			sayRaw(c, "220 hostile.test ESMTP\r\n")
			readRaw(r)
		}, status: StatusDeferred, stage: StageEHLO, sentinel: ErrProtocol, evidence: "connection closed by the server"},
		{name: "plain text injected after STARTTLS", script: func(c net.Conn, r *bufio.Reader) {
			sayRaw(c, "220 hostile.test ESMTP\r\n")
			readRaw(r)
			sayRaw(c, "250-hostile.test\r\n250 STARTTLS\r\n")
			readRaw(r)
			sayRaw(c, "220 go ahead\r\n250 injected\r\n")
			readRaw(r)
		}, status: StatusDeferred, stage: StageSTARTTLS, sentinel: ErrProtocol, evidence: "after 220 to STARTTLS"},
		{name: "escape sequences", script: func(c net.Conn, r *bufio.Reader) { sayRaw(c, "554 \x1b[2Jno\x00 thanks\r\n"); readRaw(r) },
			status: StatusRejected, stage: StageBanner, code: 554, sentinel: ErrRejected, evidence: `554 \x1b[2Jno\x00 thanks`},
		{name: "HELO only", script: func(c net.Conn, r *bufio.Reader) {
			sayRaw(c, "220 old.test SMTP\r\n")
			readRaw(r)
			sayRaw(c, "502 5.5.1 EHLO not implemented\r\n")
			for line := readRaw(r); line != "" && !strings.HasPrefix(line, "DATA"); line = readRaw(r) {
				sayRaw(c, "250 ok\r\n")
			}
			sayRaw(c, "354 go\r\n")
			for line := readRaw(r); line != "" && line != ".\r\n"; line = readRaw(r) {
			}
			sayRaw(c, "250 ok queued as 7F3E2D1C0B\r\n")
			readRaw(r)
		}, status: StatusAccepted, stage: StageDone, code: 250, evidence: "greeting with HELO"},
	}
}

// TestHostileServers scripts servers that misbehave: each must yield a
// clear outcome, bounded by the step deadline or by the limits on what a
// server may send, never a hang.
func TestHostileServers(t *testing.T) {
	const step = hostileStep
	for _, tt := range hostileCases() {
		t.Run(tt.name, func(t *testing.T) {
			script, done := tt.script, make(chan struct{})
			if tt.stall {
				script = func(c net.Conn, r *bufio.Reader) {
					if readUntilData(c, r) {
						<-done
					}
				}
			}
			addr := startScript(t, script)
			t.Cleanup(func() { close(done) })
			d := smarthost(addr.String())
			d.StepTimeout = step
			msg := tt.msg
			if msg == "" {
				msg = testMessage
			}
			res := d.Deliver(testContext(t), testFrom, "ann@example.test", []byte(msg))
			text := transcriptOf(res)
			if res.Status != tt.status || res.Stage != tt.stage || res.Code != tt.code || tt.sentinel != nil && !errors.Is(res.Err, tt.sentinel) {
				t.Fatalf("got %s at %s %d (%v), want %s at %s %d (%v)\n%s", res.Status, res.Stage, res.Code, res.Err,
					tt.status, tt.stage, tt.code, tt.sentinel, text)
			}
			if !strings.Contains(text, tt.evidence) {
				t.Errorf("transcript lacks %q:\n%s", tt.evidence, text)
			}
			// A verdict by deadline comes one step after the last reply,
			// never after several: the bound is loose, the hang it catches
			// is not. It counts from the connection, after the checks of
			// the message, which the race detector slows down.
			if took := res.Duration - res.Transcript[0].At; took > 10*step {
				t.Errorf("took %s with a %s step\n%s", took, step, text)
			}
		})
	}
}

// TestContextBoundsDelivery: the context's deadline cuts a step shorter
// than StepTimeout.
func TestContextBoundsDelivery(t *testing.T) {
	addr := startScript(t, func(c net.Conn, r *bufio.Reader) { readRaw(r) })
	d := smarthost(addr.String())
	d.StepTimeout = time.Minute
	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	res := d.Deliver(ctx, testFrom, "ann@example.test", []byte(testMessage))
	if res.Status != StatusDeferred || !errors.Is(res.Err, ErrTimeout) || !errors.Is(res.Err, context.DeadlineExceeded) {
		t.Fatalf("got %s (%v), want deferred by the context's deadline\n%s", res.Status, res.Err, transcriptOf(res))
	}
	if res.Duration > 10*time.Second {
		t.Errorf("took %s", res.Duration)
	}
}

// TestDirectSilentServer: the fixture world's MX that never speaks defers
// the delivery within the step deadline.
func TestDirectSilentServer(t *testing.T) {
	w, err := fixtures.StartWorld()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = w.Close() })
	const step = 300 * time.Millisecond
	d := &Delivery{Mode: ModeDirect, Resolver: testResolver(t, w.DNS.Addr), Guard: &netguard.Guard{Dialer: w.Net}, StepTimeout: step}
	res := d.Deliver(testContext(t), testFrom, "ann@silent-mx.test", []byte(testMessage))
	if res.Status != StatusDeferred || res.Stage != StageBanner || !errors.Is(res.Err, ErrTimeout) {
		t.Fatalf("got %s at %s (%v), want deferred at the banner by timeout\n%s", res.Status, res.Stage, res.Err, transcriptOf(res))
	}
	if res.Duration > 10*step {
		t.Errorf("took %s with a %s step", res.Duration, step)
	}
}
