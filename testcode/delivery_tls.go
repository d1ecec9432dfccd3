package testcode

import (
	"crypto/tls"
	"encoding/base64"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"os"
	"strings"

	"github.com/codeprobe/codeprobe/diagnose/smtpprobe"
)

// startTLS upgrades the session when the server offers STARTTLS (RFC
// 3207), verifies the certificate against the host name, and says EHLO
// again (§4.2). What happens when TLS cannot be had, or the certificate
// is not valid, depends on what the target requires: see [tlsNeed].
func (s *smtpSession) startTLS() error {
	if _, offered := s.ext["STARTTLS"]; !offered {
		return s.withoutTLS(s.t.host+" does not offer STARTTLS", nil)
	}
	r, err := s.cmd("STARTTLS")
	if err != nil {
		return err
	}
	if r.Code != 220 {
		rerr := s.expect(StageSTARTTLS, r, 220)
		if !s.usable {
			return rerr
		}
		return s.withoutTLS("STARTTLS refused: "+r.String(), rerr)
	}
	// RFC 3207 §5 (CVE-2011-0411): what the server sent after its 220
	// came in plain text and must not be taken as protected.
	if n := s.rr.br.Buffered(); n > 0 {
		s.usable = false
		err := fmt.Errorf("%w: server sent %d octets after 220 to STARTTLS, before the TLS handshake", ErrProtocol, n)
		s.r.notef("%v", err)
		return err
	}
	if err := s.arm(s.r.step); err != nil {
		return err
	}
	name := strings.TrimSuffix(s.t.host, ".")
	sni := name
	if _, err := netip.ParseAddr(name); err == nil {
		sni = "" // RFC 6066 §3: no IP literals in SNI
	}
	s.r.notef("TLS handshake (server name %q)", sni)
	tc := tls.Client(s.raw, s.tlsConfig(sni))
	if err := tc.HandshakeContext(s.r.ctx); err != nil {
		s.usable = false
		s.att.TLSError = err.Error()
		herr := s.handshakeErr(err)
		switch s.t.tls {
		case tlsMTASTS:
			s.r.addMTASTSFailure(s.t.host + ": TLS handshake failed: not delivering to it")
			return fmt.Errorf("%w: %w", ErrMTASTS, herr)
		case tlsMTASTSTesting:
			s.r.mtastsFailure("%s: TLS handshake failed", s.t.host)
		}
		return herr
	}
	s.conn = tc
	s.rr = newReplyReader(tc, s.rr.onLine)
	info := smtpprobe.DescribeTLS(tc.ConnectionState(), name, s.r.TLSConfig)
	s.att.TLS = info
	if info.Verified {
		s.r.notef("%s %s, certificate verified for %s", info.Version, info.CipherSuite, name)
	} else if err := s.unverified(info); err != nil {
		return err
	}
	return s.ehlo(false)
}

// withoutTLS decides whether the dialogue may go on in plain text; rerr
// is the server's refusal of STARTTLS, if it refused.
func (s *smtpSession) withoutTLS(reason string, rerr error) error {
	switch s.t.tls {
	case tlsRequired:
		if rerr != nil {
			return s.fail(fmt.Errorf("%w: %w", ErrTLSRequired, rerr))
		}
		return s.fail(fmt.Errorf("%w: %s, and TLS is required with a relay that is not on this machine", ErrTLSRequired, reason))
	case tlsMTASTS:
		s.r.addMTASTSFailure(reason + ": not delivering to it")
		return s.fail(fmt.Errorf("%w: %w: %s, and the domain's MTA-STS policy requires TLS (RFC 8461 §4.2)", ErrMTASTS, ErrTLSRequired, reason))
	case tlsMTASTSTesting:
		s.r.mtastsFailure("%s (delivered anyway: the policy is in testing mode)", reason)
	}
	s.att.TLSError = reason
	s.r.notef("%s; the message travels unencrypted", reason)
	return nil
}

// unverified decides whether the dialogue may go on over TLS whose
// certificate could not be verified: opportunistic TLS records it (RFC
// 7435); a relay that must use TLS, or an MTA-STS policy in enforce mode
// (RFC 8461 §4.2), does not accept it.
func (s *smtpSession) unverified(info *smtpprobe.TLSInfo) error {
	reason := fmt.Sprintf("certificate of %s not valid: %s", info.ServerName, info.VerifyError)
	switch s.t.tls {
	case tlsRequired:
		if s.r.TLSConfig == nil || !s.r.TLSConfig.InsecureSkipVerify {
			return s.fail(fmt.Errorf("%w: %s", ErrTLSRequired, reason))
		}
	case tlsMTASTS:
		s.r.addMTASTSFailure(reason + ": not delivering to it")
		return s.fail(fmt.Errorf("%w: %w: %s (RFC 8461 §4.2)", ErrMTASTS, ErrTLSRequired, reason))
	case tlsMTASTSTesting:
		s.r.mtastsFailure("%s (delivered anyway: the policy is in testing mode)", reason)
	}
	s.att.TLSError = reason
	s.r.notef("%s %s, %s", info.Version, info.CipherSuite, reason)
	return nil
}

// tlsConfig is the client configuration for STARTTLS. The certificate is
// verified after the handshake, so that a failure can be recorded and
// judged by what the target requires.
func (s *smtpSession) tlsConfig(serverName string) *tls.Config {
	cfg := &tls.Config{}
	if s.r.TLSConfig != nil {
		cfg = s.r.TLSConfig.Clone()
	}
	cfg.ServerName = serverName
	cfg.InsecureSkipVerify = true
	cfg.VerifyPeerCertificate = nil
	cfg.VerifyConnection = nil
	return cfg
}

func (s *smtpSession) handshakeErr(err error) error {
	var out error
	var ne net.Error
	switch {
	case s.ctxErr() != nil:
		out = fmt.Errorf("%w: TLS handshake: %w", ErrTimeout, s.ctxErr())
	case errors.Is(err, os.ErrDeadlineExceeded) || errors.As(err, &ne) && ne.Timeout():
		out = fmt.Errorf("%w: TLS handshake not done within %s", ErrTimeout, s.r.step)
	default:
		out = fmt.Errorf("%w: TLS handshake failed: %v", ErrProtocol, err)
	}
	s.r.notef("%v", out)
	return out
}

// auth authenticates with AUTH PLAIN and an initial response (RFC 4954
// §4, RFC 4616 §2). The credentials go only over TLS with a valid
// certificate, or to a local relay, and the transcript shows
// "AUTH PLAIN <redacted>".
func (s *smtpSession) auth() error {
	_, isTLS := s.conn.(*tls.Conn)
	trusted := s.att.TLS != nil && s.att.TLS.Verified || s.r.TLSConfig != nil && s.r.TLSConfig.InsecureSkipVerify
	switch {
	case s.t.local:
	case !isTLS:
		return s.fail(fmt.Errorf("%w: will not send the password unencrypted to %s", ErrTLSRequired, s.t.host))
	case !trusted:
		return s.fail(fmt.Errorf("%w: will not send the password to %s over TLS whose certificate is not valid", ErrTLSRequired, s.t.host))
	}
	mechs, offered := s.ext["AUTH"]
	if !offered || !containsFold(strings.Fields(mechs), "PLAIN") {
		return s.fail(fmt.Errorf("%w: %s offers AUTH mechanisms %q", ErrAuthUnavailable, s.t.host, mechs))
	}
	r, err := s.cmdShown("AUTH PLAIN "+s.r.authResponse(), "AUTH PLAIN <redacted>", s.r.step)
	if err != nil {
		return err
	}
	if r.Code == 334 {
		// The server ignored the initial response: cancel (RFC 4954 §4).
		_, _ = s.cmdShown("*", "*", s.r.step)
		return s.fail(fmt.Errorf("%w: AUTH PLAIN: the server asked again after the initial response", ErrProtocol))
	}
	return s.expect(StageAuth, r, 235)
}

// authResponse is the AUTH PLAIN initial response: authzid (empty), NUL,
// username, NUL, password, in base64 (RFC 4616 §2).
func (r *deliveryRun) authResponse() string {
	return base64.StdEncoding.EncodeToString([]byte("\x00" + r.Username + "\x00" + r.Password))
}

// redact removes the credentials from text a server sent, should it echo
// them.
func (r *deliveryRun) redact(text string) string {
	if r.Username == "" && r.Password == "" {
		return text
	}
	text = strings.ReplaceAll(text, r.authResponse(), "<redacted>")
	if len(r.Password) >= 4 {
		text = strings.ReplaceAll(text, r.Password, "<redacted>")
	}
	return text
}

func containsFold(list []string, s string) bool {
	for _, x := range list {
		if strings.EqualFold(x, s) {
			return true
		}
	}
	return false
}
