package smtpprobe

import (
	"context"
	"errors"
	"fmt"
	"net/netip"
	"time"

	"github.com/codeprobe/codeprobe/diagnose/netguard"
)

// Probe talks SMTP to host (the MX name, used for the certificate check)
// at ip, on opts.Port, and reports what happened. It never returns nil and
// never takes longer than the context allows: each step is bounded by
// opts.StepTimeout and the whole by ctx. The connection is always closed,
// after QUIT whenever the dialogue is still in step.
func Probe(ctx context.Context, host string, ip netip.Addr, opts Options) *Result {
	start := time.Now()
	res := &Result{Host: host, IP: ip, Port: opts.Port, Stage: StageConnect}
	o, err := opts.resolve(ip)
	if err != nil {
		res.Outcome, res.Err = OutcomeError, err
		res.Duration = time.Since(start)
		return res
	}
	res.Port = o.Port
	s := newSession(ctx, o, res, start)
	if err := s.dial(host); err != nil {
		res.Err, res.Outcome = err, outcomeOf(err)
		res.Duration = time.Since(start)
		return res
	}
	stop := s.watch()
	err = s.run(host)
	s.quit()
	stop()
	s.close()
	res.Err, res.Outcome = err, outcomeOf(err)
	res.Duration = time.Since(start)
	o.log.Debug("smtp probe", "host", host, "ip", ip, "stage", res.Stage, "outcome", res.Outcome,
		"duration", res.Duration, "err", err)
	return res
}

// dial connects through the caller's dialer, which applies the address
// policy, within one step.
func (s *session) dial(host string) error {
	addr := netip.AddrPortFrom(s.res.IP, uint16(s.opts.Port)).String()
	s.notef("connecting to %s (%s)", addr, host)
	dctx, cancel := context.WithTimeout(s.ctx, s.opts.step)
	defer cancel()
	conn, err := s.opts.Dialer.DialContext(dctx, "tcp", addr)
	switch {
	case err == nil && conn == nil:
		err = fmt.Errorf("%w: connect %s: dialer returned no connection", ErrUnreachable, addr)
	case errors.Is(err, netguard.ErrForbidden):
		err = fmt.Errorf("connect %s: %w", addr, err)
	case err != nil && errors.Is(dctx.Err(), context.DeadlineExceeded) && s.ctx.Err() == nil:
		err = fmt.Errorf("%w: no connection to %s within %s", ErrUnreachable, addr, s.opts.step)
	case err != nil:
		err = fmt.Errorf("%w: connect %s: %w", ErrUnreachable, addr, err)
	}
	if err != nil {
		s.notef("%v", err)
		return err
	}
	s.attach(conn)
	local := ""
	if la := conn.LocalAddr(); la != nil {
		local = la.String()
	}
	s.helo = s.opts.heloName(local)
	// Our address, not the ephemeral port: a blocklisted source address is
	// a common reason for a 554 greeting.
	if ap, err := netip.ParseAddrPort(local); err == nil {
		s.notef("connected from %s", ap.Addr())
	}
	return nil
}

// run is the dialogue, stage by stage; it returns the first failure.
func (s *session) run(host string) error {
	s.res.Stage = StageBanner
	if err := s.arm(s.opts.step); err != nil {
		return err
	}
	banner, err := s.readReply("banner")
	if err != nil {
		return err
	}
	s.res.Banner = banner
	// RFC 5321 §3.1: 220 greets; 554 refuses the session (the client then
	// sends QUIT); 421 means busy, come back later (§3.8).
	if err := s.expect(StageBanner, banner, 220); err != nil {
		return err
	}
	s.res.Stage = StageEHLO
	if err := s.ehlo(StageEHLO, true); err != nil {
		return err
	}
	if s.res.StartTLS {
		s.res.Stage = StageSTARTTLS
		if err := s.startTLS(host); err != nil {
			return err
		}
	} else {
		s.notef("server does not offer STARTTLS: mail to it travels unencrypted")
	}
	if s.opts.rcpt != nil {
		if err := s.envelope(); err != nil {
			return err
		}
	}
	s.res.Stage = StageDone
	return nil
}

// ehlo greets the server (RFC 5321 §4.1.1.1) and records its extensions.
// The first time, a server that does not know EHLO (500, 502) is greeted
// with HELO instead (§3.2).
func (s *session) ehlo(stage Stage, first bool) error {
	r, err := s.cmd("EHLO " + s.helo)
	if err != nil {
		return err
	}
	if first && (r.Code == 500 || r.Code == 502) {
		s.notef("server does not understand EHLO; greeting with HELO (RFC 5321 §3.2)")
		if r, err = s.cmd("HELO " + s.helo); err != nil {
			return err
		}
		s.res.HeloFallback = true
	}
	s.res.EHLO = r
	if err := s.expect(stage, r, 250); err != nil {
		return err
	}
	s.res.Extensions = nil
	if !s.res.HeloFallback {
		s.res.Extensions = parseExtensions(r)
	}
	if first {
		_, s.res.StartTLS = s.res.Extensions["STARTTLS"]
	}
	return nil
}

// envelope asks whether the server would take the recipient: MAIL FROM,
// RCPT TO, the catch-all test if asked for, then RSET (RFC 5321 §4.1.1.5).
// DATA is never sent.
func (s *session) envelope() error {
	rcpt := s.opts.rcpt
	s.res.Stage = StageMail
	mail := "MAIL FROM:<" + s.opts.mailFrom + ">"
	if rcpt.utf8 || s.opts.mailFromUTF8 {
		if _, ok := s.res.Extensions["SMTPUTF8"]; !ok {
			err := fmt.Errorf("%w: %w, and the envelope <%s> → <%s> is not ASCII (RFC 6531 §3.2)",
				ErrRejected, ErrNoSMTPUTF8, s.opts.mailFrom, rcpt.addr)
			s.notef("%v", err)
			return err
		}
		mail += " SMTPUTF8"
	}
	r, err := s.cmd(mail)
	if err != nil {
		return err
	}
	s.res.Mail = &r
	if err := s.expect(StageMail, r, 2); err != nil {
		s.rset()
		return err
	}
	s.res.Stage = StageRCPT
	r, err = s.cmd("RCPT TO:<" + rcpt.addr + ">")
	if err != nil {
		return err
	}
	s.res.RCPT = &r
	if err := s.expect(StageRCPT, r, 2); err != nil {
		s.rset()
		return err
	}
	if s.opts.CatchAll {
		s.catchAll()
	}
	s.rset()
	return nil
}

// catchAll asks for a recipient that cannot exist at the same domain. A
// 2xx means the server accepts every recipient (at least at RCPT time), a
// 5xx that it checks; anything else leaves the question open.
func (s *session) catchAll() {
	local, err := s.opts.nonexistentLocalPart()
	if err != nil {
		s.notef("%v", err)
		return
	}
	addr := local + "@" + s.opts.rcpt.domain
	s.notef("catch-all test: a recipient that cannot exist")
	r, err := s.cmd("RCPT TO:<" + addr + ">")
	if err != nil {
		return
	}
	s.res.CatchAllReply = &r
	var accepts bool
	switch r.Code / 100 {
	case 2:
		accepts = true
	case 5:
		accepts = false
	default:
		if r.Code == 421 {
			s.usable = false
		}
		s.notef("catch-all test inconclusive")
		return
	}
	s.res.CatchAll = &accepts
	if accepts {
		s.notef("catch-all: the server accepts recipients that cannot exist, so accepting RCPT proves nothing")
	} else {
		s.notef("not catch-all: the server rejects recipients that do not exist")
	}
}

// rset clears the transaction; its reply does not change the verdict.
func (s *session) rset() {
	if s.usable {
		_, _ = s.cmd("RSET")
	}
}

// outcomeOf maps the dialogue's error to the verdict.
func outcomeOf(err error) Outcome {
	var re *ReplyError
	switch {
	case err == nil:
		return OutcomeOK
	case errors.As(err, &re):
		return replyOutcome(re)
	case errors.Is(err, netguard.ErrForbidden):
		return OutcomeForbidden
	case errors.Is(err, ErrInvalidOptions):
		return OutcomeError
	case errors.Is(err, ErrUnreachable):
		return OutcomeUnreachable
	case errors.Is(err, ErrTimeout):
		return OutcomeTimeout
	case errors.Is(err, ErrRejected):
		return OutcomeRejected
	default:
		return OutcomeProtocolError
	}
}

// replyOutcome classifies a reply that ended the dialogue. Any 4xx on RCPT
// defers the mail and is reported as greylisting; on MAIL only a deferral
// that looks like greylisting is; 421 is the server closing (RFC 5321 §3.8).
func replyOutcome(re *ReplyError) Outcome {
	code := re.Reply.Code
	switch {
	case code == 421:
		return OutcomeTempFail
	case code/100 == 5:
		return OutcomeRejected
	case code/100 == 4 && re.Stage == StageRCPT,
		code/100 == 4 && re.Stage == StageMail && re.Reply.LooksGreylisted():
		return OutcomeGreylisted
	case code/100 == 4:
		return OutcomeTempFail
	default:
		return OutcomeProtocolError
	}
}
