package testcode

import (
	"bufio"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/codeprobe/codeprobe/diagnose/netguard"
	"github.com/codeprobe/codeprobe/diagnose/smtpprobe"
)

// attempt runs one session with t and records its outcome in att.
func (r *deliveryRun) attempt(t target, att *Attempt) {
	start := time.Now()
	s := &smtpSession{r: r, t: t, att: att}
	att.Stage = StageConnect
	var final *smtpprobe.Reply
	err := s.dial()
	if err == nil {
		stop := s.watch()
		final, err = s.dialogue()
		s.quit()
		stop()
		_ = s.conn.Close()
	}
	r.conclude(att, err, final)
	att.Duration = time.Since(start)
}

// dialogue is the session, step by step; it returns the reply to the
// message, or the first failure.
func (s *smtpSession) dialogue() (*smtpprobe.Reply, error) {
	s.att.Stage = StageBanner
	if err := s.arm(s.r.step); err != nil {
		return nil, err
	}
	banner, err := s.readReply("banner")
	if err != nil {
		return nil, err
	}
	// RFC 5321 §3.1: 220 greets; 554 refuses the session, and the client
	// sends QUIT; 421 means come back later (§3.8).
	if err := s.expect(StageBanner, banner, 220); err != nil {
		return nil, err
	}
	s.att.Stage = StageEHLO
	if err := s.ehlo(true); err != nil {
		return nil, err
	}
	s.att.Stage = StageSTARTTLS
	if err := s.startTLS(); err != nil {
		return nil, err
	}
	if s.r.Username != "" || s.r.Password != "" {
		s.att.Stage = StageAuth
		if err := s.auth(); err != nil {
			return nil, err
		}
	}
	return s.transaction()
}

// ehlo greets the server (RFC 5321 §4.1.1.1) and records its extensions;
// the first time, a server that does not know EHLO (500, 502) is greeted
// with HELO instead and offers none (§3.2).
func (s *smtpSession) ehlo(first bool) error {
	r, err := s.cmd("EHLO " + s.helo)
	if err != nil {
		return err
	}
	helo := false
	if first && (r.Code == 500 || r.Code == 502) {
		s.r.notef("server does not understand EHLO; greeting with HELO (RFC 5321 §3.2)")
		if r, err = s.cmd("HELO " + s.helo); err != nil {
			return err
		}
		helo = true
	}
	if err := s.expect(StageEHLO, r, 250); err != nil {
		return err
	}
	s.ext = map[string]string{}
	if !helo {
		s.ext = ehloKeywords(r)
	}
	return nil
}

// ehloKeywords reads the keywords of an EHLO reply, from the second line
// on (RFC 5321 §4.1.1.1), upper case. The pre-standard "AUTH=PLAIN LOGIN"
// form counts as AUTH.
func ehloKeywords(r smtpprobe.Reply) map[string]string {
	ext := make(map[string]string, len(r.Lines))
	for _, l := range r.Lines[min(1, len(r.Lines)):] {
		kw, params, _ := strings.Cut(strings.TrimSpace(l), " ")
		kw = strings.ToUpper(kw)
		if rest, ok := strings.CutPrefix(kw, "AUTH="); ok {
			kw, params = "AUTH", strings.TrimSpace(rest+" "+params)
		}
		if _, seen := ext[kw]; !seen || params != "" {
			ext[kw] = strings.TrimSpace(params)
		}
	}
	return ext
}

// transaction sends the envelope and the message (RFC 5321 §3.3).
func (s *smtpSession) transaction() (*smtpprobe.Reply, error) {
	s.att.Stage = StageMail
	params, err := s.mailParams()
	if err != nil {
		return nil, s.fail(err)
	}
	r, err := s.cmd("MAIL FROM:<" + s.r.from.addr + ">" + params)
	if err != nil {
		return nil, err
	}
	if err := s.expect(StageMail, r, 2); err != nil {
		return nil, err
	}
	s.att.Stage = StageRCPT
	if r, err = s.cmd("RCPT TO:<" + s.r.rcpt.addr + ">"); err != nil {
		return nil, err
	}
	if err := s.expect(StageRCPT, r, 2); err != nil {
		return nil, err
	}
	s.att.Stage = StageData
	if r, err = s.cmd("DATA"); err != nil {
		return nil, err
	}
	if err := s.expect(StageData, r, 354); err != nil {
		return nil, err
	}
	if err := s.arm(s.r.step); err != nil {
		return nil, err
	}
	s.r.record(smtpprobe.DirClient, fmt.Sprintf("<%d bytes of message>", len(s.r.msg)))
	w := bufio.NewWriterSize(s.conn, 32<<10)
	if err := writeDotStuffed(w, s.r.msg); err != nil {
		return nil, s.ioErr("progress sending the message", err)
	}
	if err := w.Flush(); err != nil {
		return nil, s.ioErr("progress sending the message", err)
	}
	s.r.record(smtpprobe.DirClient, ".")
	if err := s.arm(s.r.step); err != nil {
		return nil, err
	}
	if r, err = s.readReply("reply to the message"); err != nil {
		// RFC 1047: the server may have taken the message and failed to
		// say so in time; a retry can then deliver it twice.
		s.r.notef("the server may have taken the message all the same")
		return nil, err
	}
	if err := s.expect(StageData, r, 2); err != nil {
		return nil, err
	}
	s.att.Stage = StageDone
	s.r.notef("message accepted; queue ID %q", ParseQueueID(r.Text()))
	return &r, nil
}

// mailParams are the MAIL FROM parameters the message needs, or why this
// server cannot take it.
func (s *smtpSession) mailParams() (string, error) {
	var p strings.Builder
	_, utf8OK := s.ext["SMTPUTF8"]
	if s.r.needsSMTPUTF8() {
		if !utf8OK {
			return "", fmt.Errorf("%w, and the envelope <%s> → <%s> or the header is not ASCII (RFC 6531 §3.4)",
				ErrNoSMTPUTF8, s.r.from.addr, s.r.rcpt.addr)
		}
		p.WriteString(" SMTPUTF8")
	}
	if s.r.body.eightBit {
		_, ok := s.ext["8BITMIME"]
		switch {
		case ok:
			p.WriteString(" BODY=8BITMIME")
		case !s.r.needsSMTPUTF8():
			return "", fmt.Errorf("%w, and the message has 8-bit content (RFC 6152 §3); compose it with 7-bit transfer encodings", ErrNo8BitMIME)
		}
	}
	if v, ok := s.ext["SIZE"]; ok {
		if limit, err := strconv.ParseInt(v, 10, 64); err == nil && limit > 0 && int64(len(s.r.msg)) > limit {
			return "", fmt.Errorf("%w: %d octets, and the server takes at most %d (RFC 1870 §6)", ErrMessageTooLarge, len(s.r.msg), limit)
		}
		fmt.Fprintf(&p, " SIZE=%d", len(s.r.msg))
	}
	return p.String(), nil
}

// writeDotStuffed writes msg as the content of DATA: every line ending as
// CRLF (a bare CR or LF would let servers disagree on where lines, and
// the message, end: RFC 5321 §2.3.8, "SMTP smuggling"), every line that
// starts with "." with another "." before it (§4.5.2), a CRLF after a
// last line that lacks one, and the closing ".CRLF" (§4.1.1.4).
func writeDotStuffed(w *bufio.Writer, msg []byte) error {
	for rest := msg; len(rest) > 0; {
		var line []byte
		line, rest = splitMessageLine(rest)
		if len(line) > 0 && line[0] == '.' {
			if err := w.WriteByte('.'); err != nil {
				return err
			}
		}
		if _, err := w.Write(line); err != nil {
			return err
		}
		if _, err := w.WriteString("\r\n"); err != nil {
			return err
		}
	}
	_, err := w.WriteString(".\r\n")
	return err
}

// conclude records how an attempt ended.
func (r *deliveryRun) conclude(att *Attempt, err error, final *smtpprobe.Reply) {
	att.Err, att.Status = err, statusOf(err)
	var re *ReplyError
	if errors.As(err, &re) {
		final = &re.Reply
	}
	if final != nil {
		att.Code, att.Enhanced, att.Text = final.Code, final.Enhanced, final.Text()
	}
	if att.Enhanced == "" {
		att.Enhanced = localEnhanced(err)
	}
	switch {
	case err != nil:
		att.Reason = err.Error()
	case final != nil:
		att.QueueID = ParseQueueID(final.Text())
		att.Reason = "accepted: " + final.String()
	}
}

// statusOf maps an attempt's error to the delivery status.
func statusOf(err error) Status {
	var re *ReplyError
	switch {
	case err == nil:
		return StatusAccepted
	case errors.Is(err, ErrMTASTS):
		return StatusDeferred // RFC 8461 §5: never fail permanently on a policy
	case errors.As(err, &re) && re.Reply.Code/100 == 5:
		return StatusRejected
	case errors.As(err, &re):
		return StatusDeferred
	case errors.Is(err, netguard.ErrForbidden), errors.Is(err, ErrInvalidDelivery), errors.Is(err, ErrNoRoute),
		errors.Is(err, ErrTLSRequired), errors.Is(err, ErrAuthUnavailable), errors.Is(err, ErrNoSMTPUTF8),
		errors.Is(err, ErrNo8BitMIME):
		return StatusError
	case errors.Is(err, ErrNullMX), errors.Is(err, ErrMessageTooLarge):
		return StatusRejected
	default: // ErrUnreachable, ErrTimeout, ErrProtocol, ErrDNS: an MTA would retry
		return StatusDeferred
	}
}

// localEnhanced is the enhanced status code (RFC 3463) an MTA gives a
// failure it decides itself, as Postfix puts it in a bounce.
func localEnhanced(err error) string {
	switch {
	case err == nil:
		return ""
	case errors.Is(err, ErrNullMX):
		return "5.1.10" // RFC 7505 §4.2
	case errors.Is(err, ErrMessageTooLarge):
		return "5.3.4"
	case errors.Is(err, ErrNoSMTPUTF8):
		return "5.6.7" // RFC 6531 §3.6.2
	case errors.Is(err, ErrNo8BitMIME):
		return "5.6.3"
	}
	return ""
}

// final reports whether an attempt's outcome ends the delivery: accepted,
// or refused in a way every other server of the domain would repeat (5xx
// to AUTH or the transaction, a message the server cannot take). A 4xx, a
// connection failure, a 5xx greeting (skipped, as Postfix's
// smtp_skip_5xx_greeting does) or a forbidden address moves on to the
// next server.
func (a *Attempt) final() bool {
	switch a.Status {
	case StatusAccepted:
		return true
	case StatusRejected:
		return a.Stage == StageAuth || a.Stage == StageMail || a.Stage == StageRCPT || a.Stage == StageData
	case StatusError:
		return !errors.Is(a.Err, netguard.ErrForbidden) && !errors.Is(a.Err, ErrNoRoute)
	}
	return false
}
