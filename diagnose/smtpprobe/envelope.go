package smtpprobe

import (
	"crypto/rand"
	"crypto/tls"
	"encoding/base32"
	"fmt"
	"io"
	"log/slog"
	"net/netip"
	"strings"
	"time"

	"golang.org/x/net/idna"
)

// options is Options with defaults applied and addresses checked.
type options struct {
	Options
	step     time.Duration
	log      *slog.Logger
	mailFrom string // the reverse-path without brackets; "" is the null path
	// mailFromUTF8: the sender's local part is not ASCII (RFC 6531 §3.2).
	mailFromUTF8 bool
	rcpt         *mailbox
}

// mailbox is a recipient ready for RCPT TO.
type mailbox struct {
	addr   string // local@domain, domain in A-labels
	domain string
	utf8   bool // the local part is not ASCII: needs SMTPUTF8 (RFC 6531 §3.2)
}

func (o Options) resolve(ip netip.Addr) (*options, error) {
	r := &options{Options: o, step: o.StepTimeout, log: o.Logger}
	if o.Dialer == nil {
		return nil, fmt.Errorf("%w: Options.Dialer is required", ErrInvalidOptions)
	}
	if !ip.IsValid() {
		return nil, fmt.Errorf("%w: no IP address to probe", ErrInvalidOptions)
	}
	if r.Port == 0 {
		r.Port = DefaultPort
	}
	if r.Port < 1 || r.Port > 65535 {
		return nil, fmt.Errorf("%w: port %d", ErrInvalidOptions, o.Port)
	}
	if r.step <= 0 {
		r.step = DefaultStepTimeout
	}
	if r.log == nil {
		r.log = slog.New(slog.DiscardHandler)
	}
	if o.HeloName != "" && !validHelo(o.HeloName) {
		return nil, fmt.Errorf("%w: HELO name %q", ErrInvalidOptions, o.HeloName)
	}
	if o.RCPT == "" {
		return r, nil
	}
	mb, err := parseMailbox(o.RCPT)
	if err != nil {
		return nil, fmt.Errorf("%w: recipient: %w", ErrInvalidOptions, err)
	}
	r.rcpt = mb
	if from := strings.TrimSpace(o.MailFrom); from != "" && from != "<>" {
		fb, err := parseMailbox(from)
		if err != nil {
			return nil, fmt.Errorf("%w: sender: %w", ErrInvalidOptions, err)
		}
		r.mailFrom, r.mailFromUTF8 = fb.addr, fb.utf8
	}
	return r, nil
}

// parseMailbox checks an address before it goes into MAIL FROM:<…> or
// RCPT TO:<…>. It is not a syntax checker (package address is): it makes
// sure the address fits in a path (RFC 5321 §4.5.3.1.3: 256 octets with the
// brackets), cannot end the command early or smuggle another one in (no
// control characters, no angle brackets), and has its domain in A-labels.
func parseMailbox(addr string) (*mailbox, error) {
	if len(addr) > 254 {
		return nil, fmt.Errorf("%q is longer than 254 octets (RFC 5321 §4.5.3.1.3)", clip(addr))
	}
	for _, c := range []byte(addr) {
		if c < 0x20 || c == 0x7f || c == '<' || c == '>' {
			return nil, fmt.Errorf("%q contains a control character or angle bracket", addr)
		}
	}
	at := strings.LastIndexByte(addr, '@')
	if at <= 0 || at == len(addr)-1 {
		return nil, fmt.Errorf("%q is not local-part@domain", addr)
	}
	local, domain := addr[:at], addr[at+1:]
	if !strings.HasPrefix(domain, "[") {
		d, err := idna.Lookup.ToASCII(strings.TrimSuffix(domain, "."))
		if err != nil {
			return nil, fmt.Errorf("domain %q: %w", domain, err)
		}
		domain = d
	}
	return &mailbox{addr: local + "@" + domain, domain: domain, utf8: !isASCII(local)}, nil
}

// validHelo accepts a domain name or an address literal without spaces or
// control characters (RFC 5321 §4.1.1.1).
func validHelo(name string) bool {
	if len(name) > 255 {
		return false
	}
	for _, c := range []byte(name) {
		if c <= ' ' || c >= 0x7f {
			return false
		}
	}
	return true
}

// heloName is what we say in EHLO: the configured name, or the address
// literal of our end of the connection (RFC 5321 §4.1.4, §4.1.3).
func (o *options) heloName(local string) string {
	if o.HeloName != "" {
		return o.HeloName
	}
	ap, err := netip.ParseAddrPort(local)
	if err != nil {
		return "localhost"
	}
	ip := ap.Addr().Unmap().WithZone("")
	if ip.Is6() {
		return "[IPv6:" + ip.String() + "]"
	}
	return "[" + ip.String() + "]"
}

// tlsConfig is the client configuration for STARTTLS to host. Verification
// is done after the handshake by [DescribeTLS], so that a certificate that
// fails is recorded and the session continues (RFC 7435).
func (o *options) tlsConfig(serverName string) *tls.Config {
	var cfg *tls.Config
	if o.TLSConfig != nil {
		cfg = o.TLSConfig.Clone()
	} else {
		cfg = &tls.Config{}
	}
	cfg.ServerName = serverName
	cfg.InsecureSkipVerify = true
	cfg.VerifyPeerCertificate = nil
	cfg.VerifyConnection = nil
	return cfg
}

// nonexistentLocalPart returns a local part no mailbox has: 20 random
// base32 characters (100 bits) behind a recognisable prefix.
func (o *options) nonexistentLocalPart() (string, error) {
	src := o.Rand
	if src == nil {
		src = rand.Reader
	}
	var b [13]byte
	if _, err := io.ReadFull(src, b[:]); err != nil {
		return "", fmt.Errorf("catch-all test: randomness: %w", err)
	}
	enc := base32.StdEncoding.WithPadding(base32.NoPadding).EncodeToString(b[:])
	return "codeprobe-nx-" + strings.ToLower(enc[:20]), nil
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			return false
		}
	}
	return true
}
