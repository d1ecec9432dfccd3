package testcode

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/netip"
	"os"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/codeprobe/codeprobe/diagnose/netguard"
	"github.com/codeprobe/codeprobe/diagnose/smtpprobe"
)

// deliveryRun is one call of Deliver: its settings, its context and the
// result whose transcript every attempt appends to.
type deliveryRun struct {
	*settings
	ctx   context.Context
	res   *Result
	start time.Time
}

func (r *deliveryRun) record(dir smtpprobe.Dir, text string) {
	r.res.Transcript = append(r.res.Transcript, smtpprobe.Line{Dir: dir, At: time.Since(r.start), Text: text})
	r.log.Debug("smtp", "dir", string(dir), "text", text)
}

func (r *deliveryRun) notef(format string, args ...any) {
	r.record(smtpprobe.DirNote, fmt.Sprintf(format, args...))
}

// tlsNeed is what an attempt requires of TLS.
type tlsNeed int

const (
	tlsOpportunistic tlsNeed = iota // use it when offered; record failures (RFC 7435)
	tlsRequired                     // STARTTLS with a valid certificate, or no delivery
	tlsMTASTS                       // required by an MTA-STS policy in enforce mode (RFC 8461 §4.2)
	tlsMTASTSTesting                // opportunistic; failures are recorded as MTA-STS failures
)

// target is one server address to try.
type target struct {
	host  string // the name the certificate must match: the MX host or the smarthost
	ip    netip.Addr
	port  int
	pref  int
	tls   tlsNeed
	local bool // a local smarthost: credentials may go without TLS
}

// smtpSession is one connection to one server.
type smtpSession struct {
	r   *deliveryRun
	t   target
	att *Attempt

	raw  net.Conn // the TCP connection; its deadlines reach the TLS layer
	conn net.Conn // raw, or a *tls.Conn over it
	rr   *replyReader
	helo string
	ext  map[string]string // EHLO keywords, upper case → parameters

	mu        sync.Mutex
	cancelled bool // the context ended: deadlines stay in the past
	usable    bool // the dialogue is in step and QUIT may be sent
}

// dial connects through the Guard within one step.
func (s *smtpSession) dial() error {
	addr := netip.AddrPortFrom(s.t.ip, uint16(s.t.port)).String()
	s.r.notef("connecting to %s (%s)", addr, s.t.host)
	s.att.dialled = true
	dctx, cancel := context.WithTimeout(s.r.ctx, s.r.step)
	defer cancel()
	conn, err := s.r.guard.DialContext(dctx, "tcp", addr)
	switch {
	case err == nil && conn == nil:
		err = fmt.Errorf("%w: connect %s: the dialer returned no connection", ErrUnreachable, addr)
	case errors.Is(err, netguard.ErrForbidden):
		s.att.dialled = false
		err = fmt.Errorf("connect %s (%s): %w", addr, s.t.host, err)
	case err != nil && s.r.ctx.Err() != nil:
		err = fmt.Errorf("%w: connect %s: %w", ErrTimeout, addr, s.r.ctx.Err())
	case err != nil && errors.Is(dctx.Err(), context.DeadlineExceeded):
		err = fmt.Errorf("%w: no connection to %s within %s", ErrUnreachable, addr, s.r.step)
	case err != nil:
		err = fmt.Errorf("%w: connect %s: %w", ErrUnreachable, addr, err)
	}
	if err != nil {
		s.r.notef("%v", err)
		return err
	}
	s.raw, s.conn, s.usable = conn, conn, true
	s.rr = newReplyReader(conn, s.serverLine)
	s.helo = s.r.HeloName
	if s.helo == "" {
		s.helo = addressLiteral(conn.LocalAddr())
	}
	return nil
}

// serverLine records a line the server sent, without credentials it
// might echo, and returns what was recorded.
func (s *smtpSession) serverLine(text string) string {
	text = s.r.redact(text)
	s.r.record(smtpprobe.DirServer, text)
	return text
}

// addressLiteral is our end's address as RFC 5321 §4.1.3 writes it.
func addressLiteral(a net.Addr) string {
	if a == nil {
		return "localhost"
	}
	ap, err := netip.ParseAddrPort(a.String())
	if err != nil {
		return "localhost"
	}
	ip := ap.Addr().Unmap().WithZone("")
	if ip.Is6() {
		return "[IPv6:" + ip.String() + "]"
	}
	return "[" + ip.String() + "]"
}

// watch makes the context's end interrupt any read or write at once.
func (s *smtpSession) watch() (stop func() bool) {
	return context.AfterFunc(s.r.ctx, func() {
		s.mu.Lock()
		defer s.mu.Unlock()
		s.cancelled = true
		_ = s.raw.SetDeadline(time.Unix(1, 0))
	})
}

// arm sets the deadline of the next step: d from now, or the context's
// deadline if that comes first.
func (s *smtpSession) arm(d time.Duration) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.cancelled {
		s.usable = false
		return fmt.Errorf("%w: %w", ErrTimeout, s.ctxErr())
	}
	deadline := time.Now().Add(d)
	if cd, ok := s.r.ctx.Deadline(); ok && cd.Before(deadline) {
		deadline = cd
	}
	if err := s.raw.SetDeadline(deadline); err != nil {
		s.usable = false
		return fmt.Errorf("%w: %v", ErrProtocol, err)
	}
	return nil
}

// cmd sends one command and reads its reply within one step.
func (s *smtpSession) cmd(line string) (smtpprobe.Reply, error) {
	return s.cmdShown(line, line, s.r.step)
}

// cmdShown sends line but records shown in the transcript, so that
// credentials never reach it.
func (s *smtpSession) cmdShown(line, shown string, d time.Duration) (smtpprobe.Reply, error) {
	if err := s.arm(d); err != nil {
		return smtpprobe.Reply{}, err
	}
	s.r.record(smtpprobe.DirClient, shown)
	if _, err := io.WriteString(s.conn, line+"\r\n"); err != nil {
		return smtpprobe.Reply{}, s.ioErr("progress sending "+commandVerb(shown), err)
	}
	return s.readReply("reply to " + commandVerb(shown))
}

func (s *smtpSession) readReply(waitingFor string) (smtpprobe.Reply, error) {
	r, err := s.rr.readReply()
	if err != nil {
		return smtpprobe.Reply{}, s.ioErr(waitingFor, err)
	}
	return r, nil
}

// ioErr turns a read or write failure into the package's errors, notes it
// and marks the session unusable.
func (s *smtpSession) ioErr(what string, err error) error {
	s.usable = false
	var out error
	var ne net.Error
	switch {
	case s.ctxErr() != nil:
		out = fmt.Errorf("%w: %s: %w", ErrTimeout, what, s.ctxErr())
	case errors.Is(err, os.ErrDeadlineExceeded) || errors.As(err, &ne) && ne.Timeout():
		out = fmt.Errorf("%w: no %s within %s", ErrTimeout, what, s.r.step)
	case errors.Is(err, ErrProtocol):
		out = fmt.Errorf("%s: %w", what, err)
	case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF), errors.Is(err, net.ErrClosed),
		errors.Is(err, syscall.ECONNRESET), errors.Is(err, syscall.EPIPE), errors.Is(err, syscall.ECONNABORTED):
		out = fmt.Errorf("%w: connection closed by the server: %s", ErrProtocol, what)
	default:
		out = fmt.Errorf("%w: %s: %v", ErrProtocol, what, err)
	}
	s.r.notef("%v", out)
	return out
}

// ctxErr is the context's error, or DeadlineExceeded once its deadline
// has passed (a read cut by it can return before the context's timer).
func (s *smtpSession) ctxErr() error {
	if err := context.Cause(s.r.ctx); err != nil {
		return err
	}
	if dl, ok := s.r.ctx.Deadline(); ok && !time.Now().Before(dl) {
		return context.DeadlineExceeded
	}
	return nil
}

// expect turns a reply other than want (a code, or a class 2..5) into a
// *ReplyError. 421 also ends the session (RFC 5321 §3.8).
func (s *smtpSession) expect(stage Stage, r smtpprobe.Reply, want int) error {
	if r.Code == want || want < 10 && r.Code/100 == want {
		return nil
	}
	if r.Code == 421 || r.Code/100 != 4 && r.Code/100 != 5 {
		s.usable = false
	}
	return &ReplyError{Stage: stage, Reply: r}
}

// fail notes err, a reason of our own to end the attempt, and returns it.
func (s *smtpSession) fail(err error) error {
	s.r.notef("%v", err)
	return err
}

// quit ends the dialogue politely (RFC 5321 §4.1.1.10) while it is in
// step; the reply changes nothing.
func (s *smtpSession) quit() {
	if !s.usable || s.r.ctx.Err() != nil {
		return
	}
	if _, err := s.cmdShown("QUIT", "QUIT", min(s.r.step, maxQuitWait)); err != nil {
		s.r.log.Debug("smtp quit", "host", s.t.host, "err", err)
	}
}

// commandVerb is the command name of a line, for messages.
func commandVerb(line string) string {
	if i := strings.IndexAny(line, " :"); i >= 0 {
		return line[:i]
	}
	return line
}

// replyReader reads replies with bounded lines and line counts, so no
// server can make a delivery buffer without limit.
type replyReader struct {
	br *bufio.Reader
	// onLine records every line read, including the partial line before
	// an error, and returns it as recorded.
	onLine func(text string) string
}

func newReplyReader(r io.Reader, onLine func(string) string) *replyReader {
	return &replyReader{br: bufio.NewReaderSize(r, smtpprobe.MaxLineLength+2), onLine: onLine}
}

// readLine returns the next line without its ending, made printable.
func (rr *replyReader) readLine() (string, error) {
	b, err := rr.br.ReadSlice('\n')
	switch {
	case err == nil:
	case errors.Is(err, bufio.ErrBufferFull):
		rr.onLine(smtpprobe.Printable(b[:512]) + " [… line too long, not read further]")
		return "", fmt.Errorf("%w: reply line longer than %d octets (RFC 5321 §4.5.3.1.5 allows 512)", ErrProtocol, smtpprobe.MaxLineLength)
	case errors.Is(err, io.EOF):
		if len(b) > 0 {
			rr.onLine(smtpprobe.Printable(b[:min(len(b), 512)]) + " [… connection closed mid-line]")
		}
		return "", fmt.Errorf("%w: connection closed by the server", ErrProtocol)
	default:
		if len(b) > 0 {
			rr.onLine(smtpprobe.Printable(b[:min(len(b), 512)]) + " [… incomplete line]")
		}
		return "", err
	}
	return rr.onLine(smtpprobe.Printable(bytes.TrimSuffix(b[:len(b)-1], []byte{'\r'}))), nil
}

// readReply reads one whole reply (RFC 5321 §4.2), at most
// smtpprobe.MaxReplyLines lines.
func (rr *replyReader) readReply() (smtpprobe.Reply, error) {
	var lines []string
	for {
		line, err := rr.readLine()
		if err != nil {
			return smtpprobe.Reply{}, err
		}
		lines = append(lines, line)
		if len(line) < 4 || line[3] != '-' || line[:3] != lines[0][:3] {
			r, err := smtpprobe.ParseReply(lines)
			if err != nil {
				return smtpprobe.Reply{}, fmt.Errorf("%w: %w", ErrProtocol, err)
			}
			return r, nil
		}
		if len(lines) == smtpprobe.MaxReplyLines {
			return smtpprobe.Reply{}, fmt.Errorf("%w: reply continues past %d lines", ErrProtocol, smtpprobe.MaxReplyLines)
		}
	}
}
