package smtpprobe

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"os"
	"strings"
	"time"
)

// startTLS upgrades the session (RFC 3207). A refusal (4xx/5xx other than
// 421) is recorded and the dialogue continues in plain text, as an
// opportunistic MTA would; a failed handshake ends it, since the stream is
// then unusable. After the handshake the certificate is verified against
// the host name and the outcome recorded, never fatal (RFC 7435), and EHLO
// is sent again (RFC 3207 §4.2).
func (s *session) startTLS(host string) error {
	r, err := s.cmd("STARTTLS")
	if err != nil {
		return err
	}
	if r.Code != 220 {
		if r.Code == 421 || r.Code/100 != 4 && r.Code/100 != 5 {
			return s.expect(StageSTARTTLS, r, 220)
		}
		s.res.TLSError = "STARTTLS refused: " + r.String()
		s.notef("STARTTLS refused; continuing without TLS")
		return nil
	}
	// RFC 3207 §5 (and CVE-2011-0411): anything the server sent after the
	// 220 was sent in plain text and must not be taken as TLS-protected.
	if n := s.rr.buffered(); n > 0 {
		s.usable = false
		err := fmt.Errorf("%w: server sent %d octets after 220 to STARTTLS, before the TLS handshake", ErrProtocol, n)
		s.notef("%v", err)
		return err
	}
	name := strings.TrimSuffix(host, ".")
	if name == "" {
		name = s.res.IP.String()
	}
	sni := name
	if _, err := netip.ParseAddr(name); err == nil {
		sni = "" // RFC 6066 §3: no IP literals in SNI
	}
	if err := s.arm(s.opts.step); err != nil {
		s.usable = false
		return err
	}
	tc := tls.Client(s.raw, s.opts.tlsConfig(sni))
	s.notef("TLS handshake (server name %q)", sni)
	if err := tc.HandshakeContext(s.ctx); err != nil {
		s.usable = false
		s.res.TLSError = err.Error()
		return s.handshakeErr(err)
	}
	s.conn = tc
	s.rr = newReplyReader(tc, s.serverLine)
	s.res.TLS = DescribeTLS(tc.ConnectionState(), name, s.opts.TLSConfig)
	if s.res.TLS.Verified {
		s.notef("%s %s, certificate verified for %s", s.res.TLS.Version, s.res.TLS.CipherSuite, name)
	} else {
		s.notef("%s %s, certificate NOT verified: %s", s.res.TLS.Version, s.res.TLS.CipherSuite, s.res.TLS.VerifyError)
	}
	return s.ehlo(StageSTARTTLS, false)
}

func (s *session) handshakeErr(err error) error {
	var out error
	var ne net.Error
	switch {
	case s.ctxErr() != nil:
		out = fmt.Errorf("%w: TLS handshake: %w", ErrTimeout, s.ctxErr())
	case errors.Is(err, os.ErrDeadlineExceeded) || errors.As(err, &ne) && ne.Timeout():
		out = fmt.Errorf("%w: TLS handshake not done within %s", ErrTimeout, s.opts.step)
	default:
		out = fmt.Errorf("%w: %w: %v", ErrProtocol, ErrTLS, err)
	}
	s.notef("%v", out)
	return out
}

// DescribeTLS summarises a negotiated TLS session as evidence, and
// verifies the peer's chain as crypto/tls would have with verification on:
// it must lead to cfg's roots (the system's when cfg or its RootCAs is
// nil), be valid now (by cfg.Time when set), and name the host. The
// delivery code of package testcode reports its sessions the same way.
func DescribeTLS(cs tls.ConnectionState, name string, cfg *tls.Config) *TLSInfo {
	info := &TLSInfo{
		Version:     tls.VersionName(cs.Version),
		CipherSuite: tls.CipherSuiteName(cs.CipherSuite),
		ServerName:  name,
	}
	if len(cs.PeerCertificates) == 0 {
		info.VerifyError = "server sent no certificate"
		return info
	}
	leaf := cs.PeerCertificates[0]
	info.Chain = cs.PeerCertificates
	info.NotAfter = leaf.NotAfter
	info.Issuer = leaf.Issuer.String()
	info.PeerNames = append(info.PeerNames, leaf.DNSNames...)
	for _, ip := range leaf.IPAddresses {
		info.PeerNames = append(info.PeerNames, ip.String())
	}
	if len(info.PeerNames) == 0 && leaf.Subject.CommonName != "" {
		info.PeerNames = []string{leaf.Subject.CommonName}
	}
	opts := x509.VerifyOptions{
		DNSName:       name,
		Intermediates: x509.NewCertPool(),
		CurrentTime:   time.Now(),
	}
	if cfg != nil {
		opts.Roots = cfg.RootCAs
		if cfg.Time != nil {
			opts.CurrentTime = cfg.Time()
		}
	}
	for _, c := range cs.PeerCertificates[1:] {
		opts.Intermediates.AddCert(c)
	}
	if _, err := leaf.Verify(opts); err != nil {
		info.VerifyError = err.Error()
	} else {
		info.Verified = true
	}
	return info
}
