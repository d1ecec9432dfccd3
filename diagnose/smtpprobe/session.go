package smtpprobe

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"sync"
	"syscall"
	"time"
)

// session is one dialogue with one server: the connection (plain, then
// TLS), the bounded reply reader, the step deadlines and the transcript.
type session struct {
	ctx   context.Context
	opts  *options
	res   *Result
	start time.Time
	log   *slog.Logger

	raw  net.Conn // the TCP connection; deadlines set here reach the TLS layer
	conn net.Conn // what we talk over: raw, or a *tls.Conn wrapping it
	rr   *replyReader
	helo string // our name in EHLO/HELO

	mu        sync.Mutex
	cancelled bool // the context ended: deadlines stay in the past

	// usable is false once the dialogue is desynchronised or the server has
	// said goodbye (timeout, protocol error, 421): no QUIT is then sent.
	usable bool
}

func newSession(ctx context.Context, o *options, res *Result, start time.Time) *session {
	return &session{ctx: ctx, opts: o, res: res, start: start, log: o.log}
}

// attach starts talking over a newly dialled connection.
func (s *session) attach(conn net.Conn) {
	s.raw, s.conn, s.usable = conn, conn, true
	s.rr = newReplyReader(conn, s.serverLine)
}

// watch makes the context's end interrupt any read or write in progress at
// once; the returned function stops watching.
func (s *session) watch() (stop func() bool) {
	return context.AfterFunc(s.ctx, func() {
		s.mu.Lock()
		defer s.mu.Unlock()
		s.cancelled = true
		_ = s.raw.SetDeadline(time.Unix(1, 0))
	})
}

// arm sets the deadline for the next step: d from now, or the context's
// deadline if that comes first.
func (s *session) arm(d time.Duration) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.cancelled {
		return fmt.Errorf("%w: %w", ErrTimeout, s.ctxErr())
	}
	deadline := time.Now().Add(d)
	if cd, ok := s.ctx.Deadline(); ok && cd.Before(deadline) {
		deadline = cd
	}
	if err := s.raw.SetDeadline(deadline); err != nil {
		return fmt.Errorf("%w: %w: %v", ErrProtocol, ErrClosed, err)
	}
	return nil
}

func (s *session) record(dir Dir, text string) {
	s.res.Transcript = append(s.res.Transcript, Line{Dir: dir, At: time.Since(s.start), Text: text})
	s.log.Debug("smtp", "host", s.res.Host, "ip", s.res.IP, "dir", string(dir), "text", text)
}

func (s *session) serverLine(text string) { s.record(DirServer, text) }

func (s *session) notef(format string, args ...any) {
	s.record(DirNote, fmt.Sprintf(format, args...))
}

// readReply reads one reply within the current deadline.
func (s *session) readReply(waitingFor string) (Reply, error) {
	r, err := s.rr.readReply()
	if err != nil {
		return Reply{}, s.ioErr(waitingFor, err)
	}
	return r, nil
}

// cmd sends one command line and reads its reply, within one step deadline.
func (s *session) cmd(line string) (Reply, error) {
	return s.cmdWithin(line, s.opts.step)
}

func (s *session) cmdWithin(line string, d time.Duration) (Reply, error) {
	if err := s.arm(d); err != nil {
		s.usable = false
		return Reply{}, err
	}
	s.record(DirClient, line)
	if _, err := io.WriteString(s.conn, line+"\r\n"); err != nil {
		return Reply{}, s.ioErr("sending "+verb(line), err)
	}
	return s.readReply("reply to " + verb(line))
}

// ioErr turns a read or write failure into the package's errors, notes it
// in the transcript, and marks the session unusable.
func (s *session) ioErr(what string, err error) error {
	s.usable = false
	var out error
	var ne net.Error
	switch {
	case s.ctxErr() != nil:
		out = fmt.Errorf("%w: %s: %w", ErrTimeout, what, s.ctxErr())
	case errors.Is(err, os.ErrDeadlineExceeded) || errors.As(err, &ne) && ne.Timeout():
		out = fmt.Errorf("%w: no %s within %s", ErrTimeout, what, s.opts.step)
	case errors.Is(err, ErrProtocol):
		out = fmt.Errorf("%s: %w", what, err)
	case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF), errors.Is(err, net.ErrClosed),
		errors.Is(err, syscall.ECONNRESET), errors.Is(err, syscall.EPIPE), errors.Is(err, syscall.ECONNABORTED):
		out = fmt.Errorf("%w: %w: %s: %v", ErrProtocol, ErrClosed, what, err)
	default:
		out = fmt.Errorf("%w: %s: %v", ErrProtocol, what, err)
	}
	s.notef("%v", out)
	return out
}

// ctxErr is the context's error, or DeadlineExceeded as soon as its
// deadline has passed: a read cut short by that deadline can return before
// the context's own timer has fired.
func (s *session) ctxErr() error {
	if err := context.Cause(s.ctx); err != nil {
		return err
	}
	if dl, ok := s.ctx.Deadline(); ok && !time.Now().Before(dl) {
		return context.DeadlineExceeded
	}
	return nil
}

// expect turns a reply other than want into a *ReplyError; 421 also ends
// the session (RFC 5321 §3.8: the server closes after it).
func (s *session) expect(stage Stage, r Reply, want ...int) error {
	for _, w := range want {
		if r.Code == w || w < 10 && r.Code/100 == w {
			return nil
		}
	}
	if r.Code == 421 || r.Code/100 != 4 && r.Code/100 != 5 {
		s.usable = false
	}
	return &ReplyError{Stage: stage, Reply: r}
}

// quit ends the dialogue politely (RFC 5321 §4.1.1.10) when it is still in
// step; the reply is recorded but does not change the verdict.
func (s *session) quit() {
	if !s.usable || s.ctx.Err() != nil {
		return
	}
	if _, err := s.cmdWithin("QUIT", min(s.opts.step, maxQuitWait)); err != nil {
		s.log.Debug("smtp quit", "host", s.res.Host, "err", err)
	}
}

func (s *session) close() {
	_ = s.conn.Close()
}

// verb is the command name of a line, for messages.
func verb(line string) string {
	for i := 0; i < len(line); i++ {
		if line[i] == ' ' || line[i] == ':' {
			return line[:i]
		}
	}
	return line
}
