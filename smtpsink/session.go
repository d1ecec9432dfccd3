package smtpsink

import (
	"bytes"
	"context"
	"errors"
	"io"
	"log/slog"
	"net"
	"net/netip"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/emersion/go-smtp"

	"github.com/codeprobe/codeprobe/store"
)

// Replies to MAIL and DATA.
var (
	// RFC 5321 §4.2.3 451: "local error in processing". The store did not
	// confirm the message is safe, so it is not acknowledged (RFC 5321
	// §6.1); RFC 3463 4.3.0 "other or undefined mail system status".
	errNotStored = &smtp.SMTPError{Code: 451, EnhancedCode: smtp.EnhancedCode{4, 3, 0},
		Message: "Message not stored, try again later"}
	// RFC 5321 §4.5.3.1.10: "500 Line too long".
	errLineTooLong = &smtp.SMTPError{Code: 500, EnhancedCode: smtp.EnhancedCode{5, 5, 2},
		Message: "Line too long"}
	errReadMessage = &smtp.SMTPError{Code: 451, EnhancedCode: smtp.EnhancedCode{4, 4, 2},
		Message: "Connection timed out or failed while reading the message"}
	errSenderSyntax = &smtp.SMTPError{Code: 553, EnhancedCode: smtp.EnhancedCode{5, 1, 7},
		Message: "Bad sender address syntax"}
)

// maxSizeHint bounds the buffer allocated ahead on the word of SIZE=.
const maxSizeHint = 1 << 20

// session is one SMTP session: from the first EHLO (or STARTTLS) to the
// end of the connection. go-smtp calls its methods from the connection's
// goroutine, except Data after BDAT, which it calls from another while the
// connection's goroutine waits.
type session struct {
	srv    *Server
	conn   *smtp.Conn
	sc     *sessionConn // nil for connections not accepted by a listener of ours
	remote netip.Addr
	tls    bool
	log    *slog.Logger

	// The transaction: set by Mail and Rcpt, cleared by Reset.
	helo     string
	from     string
	rcpts    []recipient
	sizeHint int64 // the SIZE= the client declared, at most maxSizeHint
}

func remoteAddr(a net.Addr) netip.Addr {
	if tcp, ok := a.(*net.TCPAddr); ok {
		return tcp.AddrPort().Addr().Unmap()
	}
	return netip.Addr{}
}

// Mail starts a transaction. Any sender is welcome, the null reverse-path
// of bounces (RFC 5321 §4.5.5) first of all; it is only checked to be
// text the store can keep.
func (s *session) Mail(from string, opts *smtp.MailOptions) error {
	// RFC 1870 §6.1: a declared size over the limit is refused at once.
	if opts != nil && opts.Size > s.srv.opts.MaxMessageBytes {
		return smtp.ErrDataTooLarge
	}
	if !utf8.ValidString(from) || strings.ContainsFunc(from, func(r rune) bool { return r < ' ' || r == 0x7f }) {
		return errSenderSyntax
	}
	s.helo = strings.ToValidUTF8(s.conn.Hostname(), "\uFFFD")
	s.helo = strings.ReplaceAll(s.helo, "\x00", "\uFFFD")
	s.from = from
	s.rcpts = s.rcpts[:0]
	s.sizeHint = 0
	if opts != nil {
		s.sizeHint = min(opts.Size, maxSizeHint)
	}
	return nil
}

// Rcpt accepts a recipient at a sink domain or refuses it: see
// checkRecipient. go-smtp enforces MaxRecipients before calling it.
func (s *session) Rcpt(to string, _ *smtp.RcptOptions) error {
	r, err := checkRecipient(to, s.srv.domains)
	if err != nil {
		s.log.Info("recipient refused", "rcpt", sanitizeForLog(to), "code", err.Code)
		return err
	}
	s.rcpts = append(s.rcpts, r)
	return nil
}

// Data reads the message, stores it and returns nil, so that go-smtp
// answers 250, only once the store confirmed the message is on disk.
func (s *session) Data(r io.Reader) error {
	var buf bytes.Buffer
	buf.Grow(int(s.sizeHint) + bytes.MinRead)
	if _, err := buf.ReadFrom(r); err != nil {
		return s.readError(err)
	}
	dataAt := time.Now()
	raw := buf.Bytes()
	if int64(len(raw)) > s.srv.opts.MaxMessageBytes {
		return smtp.ErrDataTooLarge
	}
	j := s.tie(raw)
	ret := &store.Return{
		Received:   s.srv.opts.Now(),
		MailFrom:   s.from,
		Recipients: make([]string, len(s.rcpts)),
		RemoteIP:   s.remote,
		HELO:       s.helo,
		Size:       int64(len(raw)),
		Raw:        raw,
		Token:      j.token,
	}
	for i, rc := range s.rcpts {
		ret.Recipients[i] = rc.addr
	}
	id, err := s.store(ret)
	if err != nil {
		s.log.Error("message not stored", "from", sanitizeForLog(s.from), "size", len(raw), "error", err)
		return errNotStored
	}
	j.id = id
	s.srv.cls.stored()
	s.log.Info("message stored", "id", id, "token", j.token, "from", sanitizeForLog(s.from),
		"rcpts", len(s.rcpts), "size", len(raw), "helo", sanitizeForLog(s.helo), "tls", s.tls)
	if s.sc != nil && s.srv.opts.OnAck != nil {
		s.sc.ack.Store(&pendingAck{
			ack:    Ack{ID: id, Token: j.token, Size: int64(len(raw))},
			dataAt: dataAt,
			notify: s.srv.opts.OnAck,
		})
	}
	// The message is safe whatever happens now. Classifying it never
	// holds up the reply: when the workers are busy the sweeper finds it
	// in the store later.
	s.srv.cls.offer(j)
	return nil
}

// tie finds the token of the send a message answers: the first envelope
// recipient's bounce+TOKEN, else the token the classifier finds in the
// message (which then runs before storing, as the token is stored with
// the message).
func (s *session) tie(raw []byte) *job {
	j := &job{raw: raw}
	for _, rc := range s.rcpts {
		if rc.token != "" {
			j.token, j.tokenFrom = rc.token, tokenFromEnvelope
			return j
		}
	}
	j.classify(s.srv.opts.Classify)
	if j.res != nil && store.ValidToken(j.res.Token) {
		j.token, j.tokenFrom = j.res.Token, tokenFromMessage
	}
	return j
}

// store puts the message in the store, within StoreTimeout and the
// session's end, unless the server is closing.
func (s *session) store(ret *store.Return) (int64, error) {
	if !s.srv.storing.enter() {
		return 0, ErrServerClosed
	}
	defer s.srv.storing.leave()
	ctx, cancel := context.WithTimeout(s.srv.cls.ctx, s.srv.opts.StoreTimeout)
	defer cancel()
	if s.sc != nil {
		var cancelEnd context.CancelFunc
		ctx, cancelEnd = context.WithDeadline(ctx, s.sc.end)
		defer cancelEnd()
	}
	return s.srv.opts.Store.PutReturn(ctx, ret)
}

// readError turns a failure reading the message into the reply.
func (s *session) readError(err error) error {
	var se *smtp.SMTPError
	switch {
	case errors.As(err, &se):
		return se // 552 5.3.4 from the size limit
	case errors.Is(err, smtp.ErrTooLongLine):
		return errLineTooLong
	}
	s.log.Info("message not received", "error", err)
	return errReadMessage
}

// Reset ends the transaction (RSET, a new EHLO, the end of DATA).
func (s *session) Reset() {
	s.from = ""
	s.rcpts = s.rcpts[:0]
}

// Logout ends the session.
func (s *session) Logout() error { return nil }

// sanitizeForLog bounds and cleans client-given text for a log line.
func sanitizeForLog(v string) string {
	const max = 256
	if len(v) > max {
		v = v[:max]
	}
	v = strings.ToValidUTF8(v, "\uFFFD")
	return strings.Map(func(r rune) rune {
		if r < ' ' || r == 0x7f {
			return '?'
		}
		return r
	}, v)
}
