package testcode

import (
	"bytes"
	"fmt"
	"log/slog"
	"net"
	"net/netip"
	"strconv"
	"strings"
	"time"

	"golang.org/x/net/idna"

	"github.com/codeprobe/codeprobe/diagnose/netguard"
)

// Limits on the message (RFC 5322 §2.1.1, RFC 5321 §4.5.3.1.6): a line
// holds at most 998 octets before its CRLF.
const maxMessageLine = 998

// settings is a Delivery with its defaults applied and its input checked.
type settings struct {
	*Delivery
	mode     Mode
	step     time.Duration
	port     int
	attempts int
	log      *slog.Logger
	guard    *netguard.Guard
	isLocal  func(netip.Addr) bool

	from, rcpt envelopeAddress
	msg        []byte
	body       messageShape
}

// envelopeAddress is an address ready for MAIL FROM:<…> or RCPT TO:<…>.
type envelopeAddress struct {
	addr   string // local@domain with the domain in A-labels; "" is the null path
	domain string // A-labels, or an address literal "[192.0.2.1]"
	utf8   bool   // the local part is not ASCII (RFC 6531 §3.2)
}

// messageShape is what the envelope must declare for a message.
type messageShape struct {
	eightBit   bool // some octet is not 7-bit: BODY=8BITMIME (RFC 6152)
	headerUTF8 bool // the header is not ASCII: SMTPUTF8 (RFC 6532, RFC 6531 §3.4)
}

// settle applies the defaults and checks the input.
func (d *Delivery) settle(from, rcpt string, msg []byte) (*settings, error) {
	s := &settings{Delivery: d, mode: d.Mode, step: d.StepTimeout, port: d.Port, attempts: d.MaxAttempts,
		log: d.Logger, guard: d.Guard, isLocal: d.IsLocal, msg: msg}
	if s.step <= 0 {
		s.step = DefaultStepTimeout
	}
	if s.attempts <= 0 {
		s.attempts = DefaultMaxAttempts
	}
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	if s.guard == nil {
		s.guard = &netguard.Guard{}
	}
	if s.isLocal == nil {
		s.isLocal = netip.Addr.IsLoopback
	}
	switch d.Mode {
	case ModeSmarthost:
		if d.Smarthost == "" {
			return nil, fmt.Errorf("%w: smarthost mode needs Smarthost", ErrInvalidDelivery)
		}
	case ModeDirect:
		if d.Resolver == nil {
			return nil, fmt.Errorf("%w: direct mode needs a Resolver", ErrInvalidDelivery)
		}
		if s.port == 0 {
			s.port = 25
		}
	default:
		return nil, fmt.Errorf("%w: mode %q (want %q or %q)", ErrInvalidDelivery, d.Mode, ModeSmarthost, ModeDirect)
	}
	if s.port < 0 || s.port > 65535 {
		return nil, fmt.Errorf("%w: port %d", ErrInvalidDelivery, d.Port)
	}
	if d.HeloName != "" && !validHeloName(d.HeloName) {
		return nil, fmt.Errorf("%w: HELO name %q", ErrInvalidDelivery, d.HeloName)
	}
	if strings.ContainsRune(d.Username, 0) || strings.ContainsRune(d.Password, 0) {
		// RFC 4616 §2: NUL separates the fields; the values are not quoted.
		return nil, fmt.Errorf("%w: the username or password contains NUL", ErrInvalidDelivery)
	}
	var err error
	if from = strings.TrimSpace(from); from != "" && from != "<>" {
		if s.from, err = parseEnvelopeAddress(from); err != nil {
			return nil, fmt.Errorf("%w: envelope sender: %w", ErrInvalidDelivery, err)
		}
	}
	if s.rcpt, err = parseEnvelopeAddress(strings.TrimSpace(rcpt)); err != nil {
		return nil, fmt.Errorf("%w: recipient: %w", ErrInvalidDelivery, err)
	}
	if s.body, err = inspectMessage(msg); err != nil {
		return nil, fmt.Errorf("%w: message: %w", ErrInvalidDelivery, err)
	}
	return s, nil
}

// needsSMTPUTF8 reports whether the transaction needs SMTPUTF8 (RFC 6531
// §3.4): a non-ASCII local part in the envelope, or a non-ASCII header.
func (s *settings) needsSMTPUTF8() bool {
	return s.from.utf8 || s.rcpt.utf8 || s.body.headerUTF8
}

// parseEnvelopeAddress checks an address before it goes into a path: it
// must fit (RFC 5321 §4.5.3.1.3: 256 octets with the brackets), must not
// be able to end the command early or smuggle another (no control
// characters, no angle brackets), and gets its domain in A-labels.
func parseEnvelopeAddress(addr string) (envelopeAddress, error) {
	if len(addr) > 254 {
		return envelopeAddress{}, fmt.Errorf("%q… is longer than 254 octets (RFC 5321 §4.5.3.1.3)", addr[:40])
	}
	for _, c := range []byte(addr) {
		if c < 0x20 || c == 0x7f || c == '<' || c == '>' {
			return envelopeAddress{}, fmt.Errorf("%q contains a control character or an angle bracket", addr)
		}
	}
	at := strings.LastIndexByte(addr, '@')
	if at <= 0 || at == len(addr)-1 {
		return envelopeAddress{}, fmt.Errorf("%q is not local-part@domain", addr)
	}
	local, domain := addr[:at], addr[at+1:]
	if strings.HasPrefix(domain, "[") {
		if _, err := parseAddressLiteral(domain); err != nil {
			return envelopeAddress{}, err
		}
	} else {
		d, err := idna.Lookup.ToASCII(strings.TrimSuffix(domain, "."))
		if err != nil {
			return envelopeAddress{}, fmt.Errorf("domain %q: %w", domain, err)
		}
		domain = strings.ToLower(d)
	}
	return envelopeAddress{addr: local + "@" + domain, domain: domain, utf8: !isSevenBit([]byte(local))}, nil
}

// parseAddressLiteral reads "[192.0.2.1]" or "[IPv6:2001:db8::1]"
// (RFC 5321 §4.1.3).
func parseAddressLiteral(lit string) (netip.Addr, error) {
	inner, ok := strings.CutPrefix(lit, "[")
	if inner, ok = strings.CutSuffix(inner, "]"); !ok {
		return netip.Addr{}, fmt.Errorf("address literal %q is not closed", lit)
	}
	v6, isV6 := strings.CutPrefix(inner, "IPv6:")
	ip, err := netip.ParseAddr(v6)
	if err != nil || ip.Is6() != isV6 || ip.Zone() != "" {
		return netip.Addr{}, fmt.Errorf("address literal %q is not an IP address (RFC 5321 §4.1.3)", lit)
	}
	return ip, nil
}

// validHeloName accepts a domain name or an address literal without
// spaces or control characters (RFC 5321 §4.1.1.1).
func validHeloName(name string) bool {
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

// inspectMessage checks that msg can be sent as DATA and finds what the
// envelope must declare. It refuses NUL octets (RFC 5322 §2.1, RFC 6152
// §2) and lines longer than 998 octets (RFC 5321 §4.5.3.1.6), which
// servers reject or break.
func inspectMessage(msg []byte) (messageShape, error) {
	var shape messageShape
	if len(msg) == 0 {
		return shape, fmt.Errorf("empty")
	}
	if i := bytes.IndexByte(msg, 0); i >= 0 {
		return shape, fmt.Errorf("NUL octet at offset %d", i)
	}
	inHeader := true
	for n, rest := 1, msg; len(rest) > 0; n++ {
		line, next := splitMessageLine(rest)
		if len(line) > maxMessageLine {
			return shape, fmt.Errorf("line %d is %d octets long, more than %d (RFC 5321 §4.5.3.1.6)", n, len(line), maxMessageLine)
		}
		if len(line) == 0 {
			inHeader = false
		}
		if !isSevenBit(line) {
			shape.eightBit = true
			shape.headerUTF8 = shape.headerUTF8 || inHeader
		}
		rest = next
	}
	return shape, nil
}

// splitMessageLine returns the first line of b without its ending (CRLF,
// or a bare LF or CR) and what follows the ending.
func splitMessageLine(b []byte) (line, rest []byte) {
	i := bytes.IndexAny(b, "\r\n")
	if i < 0 {
		return b, nil
	}
	if b[i] == '\r' && i+1 < len(b) && b[i+1] == '\n' {
		return b[:i], b[i+2:]
	}
	return b[:i], b[i+1:]
}

func isSevenBit(b []byte) bool {
	for _, c := range b {
		if c >= 0x80 {
			return false
		}
	}
	return true
}

// splitSmarthost splits host:port, defaulting the port.
func splitSmarthost(hostport string) (string, int, error) {
	host, portText, err := net.SplitHostPort(hostport)
	if err != nil {
		// No port: a name, an IPv4 address, or an IPv6 address with or
		// without brackets.
		h, bracketed := strings.CutPrefix(hostport, "[")
		if bracketed {
			h, bracketed = strings.CutSuffix(h, "]")
			if !bracketed {
				h = ""
			}
		}
		_, perr := netip.ParseAddr(h)
		if h != "" && !strings.ContainsAny(h, "[]") && (perr == nil || !bracketed && !strings.Contains(h, ":")) {
			return h, DefaultSubmissionPort, nil
		}
		return "", 0, fmt.Errorf("%w: smarthost %q: %w", ErrInvalidDelivery, hostport, err)
	}
	if host == "" {
		return "", 0, fmt.Errorf("%w: smarthost %q has no host", ErrInvalidDelivery, hostport)
	}
	port, err := strconv.Atoi(portText)
	if err != nil || port < 1 || port > 65535 {
		return "", 0, fmt.Errorf("%w: smarthost %q: bad port", ErrInvalidDelivery, hostport)
	}
	return host, port, nil
}
