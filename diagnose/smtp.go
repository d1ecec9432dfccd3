package diagnose

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net/netip"
	"strings"

	"github.com/codeprobe/codeprobe/diagnose/address"
	"github.com/codeprobe/codeprobe/diagnose/smtpprobe"
	"github.com/codeprobe/codeprobe/rules"
)

// maxSMTPAttempts bounds how many addresses are tried before the domain's
// mail servers are declared unreachable.
const maxSMTPAttempts = 3

// checkSMTP talks to the domain's mail servers in preference order, as a
// sender would (RFC 5321 §5.1), until one answers, and reports what it
// said.
//
// It returns the probe of the server that answered, nil if none did.
func (ru *run) checkSMTP(ctx context.Context, a *address.Address, ms *mailServers) *smtpprobe.Result {
	o := ru.c.opts
	var tried []*smtpprobe.Result
hosts:
	for _, h := range ms.hosts {
		for _, ip := range h.allowed {
			if len(tried) == maxSMTPAttempts || ctx.Err() != nil {
				break hosts
			}
			opts := smtpprobe.Options{
				Dialer:      ru.c.guard,
				Port:        o.SMTPPort,
				HeloName:    o.HeloName,
				StepTimeout: o.SMTPStepTimeout,
				TLSConfig:   &tls.Config{RootCAs: o.RootCAs},
				Rand:        o.Rand,
				Logger:      o.Logger,
			}
			if o.RCPT {
				opts.RCPT = a.Local + "@" + a.ASCIIDomain
				opts.MailFrom = o.MailFrom
				opts.CatchAll = true
			}
			res := smtpprobe.Probe(ctx, bare(h.name), ip, opts)
			tried = append(tried, res)
			if !unreachable(res) {
				ru.judgeSMTP(res)
				return res
			}
		}
	}
	if len(tried) == 0 {
		return nil
	}
	var where []string
	var ev []Evidence
	for _, r := range tried {
		where = append(where, fmt.Sprintf("%s (%s)", r.Host, netip.AddrPortFrom(r.IP, uint16(r.Port))))
		ev = append(ev, transcriptEvidence(r))
	}
	ru.add(newFinding(rules.SMTPUnreachable,
		fmt.Sprintf("No mail server answered on port %d within the deadline: %s. Port 25 is often blocked on the prober's side, so this alone does not mean mail is lost.",
			o.SMTPPort, strings.Join(where, ", ")), merge(ev...)...))
	return nil
}

// unreachable reports whether the probe never got a word from the server:
// the connection failed, or it opened and no banner came. A server that
// greeted us and then stalled did answer, and is reported as such.
func unreachable(r *smtpprobe.Result) bool {
	switch r.Outcome {
	case smtpprobe.OutcomeUnreachable, smtpprobe.OutcomeForbidden:
		return true
	case smtpprobe.OutcomeTimeout:
		return r.Banner.Code == 0
	}
	return false
}

// judgeSMTP turns the probe of the server that answered into findings.
func (ru *run) judgeSMTP(r *smtpprobe.Result) {
	ev := transcriptEvidence(r)
	host := r.Host
	switch r.Outcome {
	case smtpprobe.OutcomeRejected:
		reply := lastReply(r)
		what := "refused us"
		switch r.Stage {
		case smtpprobe.StageBanner:
			what = "refused the connection"
		case smtpprobe.StageRCPT:
			what = "refused the address"
		case smtpprobe.StageMail:
			what = "refused the sender"
		}
		detail := sentence(fmt.Sprintf("%s %s: %s", host, what, reply))
		if errors.Is(r.Err, smtpprobe.ErrNoSMTPUTF8) {
			detail = fmt.Sprintf("%s does not support SMTPUTF8, so it cannot take mail for an address with non-ASCII characters before the @.", host)
		}
		ru.add(newFinding(rules.SMTPRejected, detail, ev))
		return
	case smtpprobe.OutcomeGreylisted:
		ru.add(newFinding(rules.SMTPGreylisted,
			fmt.Sprintf("%s deferred the address with %s: this is greylisting, and a first message from a new sender arrives minutes late.", host, lastReply(r)), ev))
		return
	case smtpprobe.OutcomeTempFail:
		ru.add(newFinding(rules.SMTPTempFail, sentence(fmt.Sprintf("%s answered with a temporary failure: %s", host, lastReply(r))), ev))
		return
	case smtpprobe.OutcomeTimeout:
		ru.add(newFinding(rules.SMTPProtocolError,
			fmt.Sprintf("%s greeted us (%s), then went silent at the %s stage.", host, r.Banner, r.Stage), ev))
		return
	case smtpprobe.OutcomeProtocolError, smtpprobe.OutcomeError:
		ru.add(newFinding(rules.SMTPProtocolError, sentence(fmt.Sprintf("%s did not speak SMTP as expected: %v", host, r.Err)), ev))
		return
	}
	tlsNote := "it does not offer STARTTLS"
	switch {
	case r.TLS != nil:
		tlsNote = fmt.Sprintf("it offers STARTTLS (%s)", r.TLS.Version)
	case r.StartTLS:
		tlsNote = "it offers STARTTLS but refused to start it"
	}
	ru.add(newFinding(rules.SMTPOK, fmt.Sprintf("%s answered: %s; %s.", host, r.Banner, tlsNote), ev))
	switch {
	case !r.StartTLS:
		ru.add(newFinding(rules.SMTPNoSTARTTLS,
			fmt.Sprintf("%s does not offer STARTTLS: codes sent to it cross the Internet unencrypted, and senders that require TLS will not deliver.", host), ev))
	case r.TLS == nil:
		// Offered, then refused: as good as not offered (RFC 3207 §4).
		ru.add(newFinding(rules.SMTPNoSTARTTLS,
			sentence(fmt.Sprintf("%s offers STARTTLS but refused to start it (%s): codes sent to it cross the Internet unencrypted", host, r.TLSError)), ev))
	case !r.TLS.Verified:
		ru.add(newFinding(rules.SMTPTLSInvalid,
			sentence(fmt.Sprintf("%s's certificate did not verify for %s: %s", host, r.TLS.ServerName, r.TLS.VerifyError)), ev))
	}
	if r.RCPT != nil && r.RCPT.Code/100 == 2 {
		if r.CatchAll != nil && *r.CatchAll {
			ru.add(newFinding(rules.SMTPCatchAll,
				fmt.Sprintf("%s accepts mail for any address, even one that cannot exist: its acceptance of this address proves nothing.", host), ev))
		} else {
			ru.add(newFinding(rules.SMTPRecipientOK, sentence(fmt.Sprintf("%s accepted the address: %s", host, r.RCPT)), ev))
		}
	}
}

// lastReply is the server's reply that decided the outcome.
func lastReply(r *smtpprobe.Result) smtpprobe.Reply {
	var re *smtpprobe.ReplyError
	if errors.As(r.Err, &re) {
		return re.Reply
	}
	switch {
	case r.RCPT != nil && r.Stage == smtpprobe.StageRCPT:
		return *r.RCPT
	case r.Mail != nil && r.Stage == smtpprobe.StageMail:
		return *r.Mail
	}
	return r.Banner
}

// transcriptEvidence renders the SMTP dialogue without timings, which vary
// from run to run.
func transcriptEvidence(r *smtpprobe.Result) Evidence {
	ev := Evidence{Kind: "smtp"}
	for _, l := range r.Transcript {
		ev.Lines = append(ev.Lines, string(l.Dir)+": "+l.Text)
	}
	return ev
}
