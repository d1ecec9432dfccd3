package testcode

import (
	"bytes"
	"crypto"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"net/mail"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/emersion/go-message"
	"github.com/emersion/go-msgauth/dkim"

	"github.com/codeprobe/codeprobe/diagnose/address"
)

// MessageSubject is the Subject of every test message. It is fixed: no
// code, address or other variable text goes in it.
const MessageSubject = "Your test verification code"

// MessageLanguage is the Content-Language of the test message (RFC 3282).
const MessageLanguage = "en"

// TokenHeader carries the send token in the test message.
const TokenHeader = "X-Codeprobe-Token"

// signedHeaders are the header fields the DKIM signatures cover (RFC 6376
// §5.4). From is listed twice: the second, absent instance makes the
// signature fail if anyone adds a From field (RFC 6376 §8.15,
// "oversigning").
var signedHeaders = []string{
	"From", "From", "To", "Subject", "Date", "Message-ID", "MIME-Version",
	"Content-Type", TokenHeader, "Auto-Submitted",
}

var (
	// ErrRecipient: the recipient is not a bare, valid addr-spec, or has
	// control characters (a header-injection attempt).
	ErrRecipient = errors.New("invalid recipient address")
	// ErrSender: the Sender's name or address cannot go in a From field.
	ErrSender = errors.New("invalid sender")
	// ErrToken: the token is not a send token (see ValidToken).
	ErrToken = errors.New("invalid send token")
	// ErrCode: the Code has no 6–8 digit value or no validity period.
	ErrCode = errors.New("invalid code")
	// ErrDKIMKey: a signing key without a key, selector or domain, or
	// whose domain is not the sender's domain or a parent of it.
	ErrDKIMKey = errors.New("unusable DKIM key")
)

// Sender is who test messages come from and how they are signed. Address is
// required. DKIM may be nil for an unsigned message (tests of receivers that
// should flag it); production signs.
type Sender struct {
	// Name is the display name of the From field; empty for none.
	Name string
	// Address is the From address; its domain names the Message-ID.
	Address string
	// DKIM signs every message (RFC 6376).
	DKIM *DKIMKey
	// MoreDKIM are further keys to sign with, each adding a signature:
	// an Ed25519 key beside an RSA one, since not every receiver verifies
	// Ed25519 yet (RFC 8463 §5).
	MoreDKIM []*DKIMKey
	// Now is the clock for the Date field; nil means time.Now.
	Now func() time.Time
}

// Compose builds the test message carrying code to the recipient to, for
// the send token: a multipart/alternative text and HTML message (RFC 2046
// §5.1.4) with a fixed subject and body in which only the code, its times
// and the recipient's address vary, DKIM-signed with the Sender's keys.
// Lines end in CRLF and stay within 78 characters (RFC 5322 §2.1.1).
//
// to is the only user-supplied value: it must be a bare addr-spec (RFC 5322
// §3.4.1, as diagnose/address parses it) with no control characters, or
// Compose fails with ErrRecipient. A local part with UTF-8 needs SMTPUTF8
// (RFC 6531) to deliver; its header is then RFC 6532 UTF-8.
func (s *Sender) Compose(code Code, to string, token string) ([]byte, error) {
	if !ValidToken(token) {
		return nil, ErrToken
	}
	if err := checkCode(code); err != nil {
		return nil, err
	}
	rcpt, err := recipientAddress(to)
	if err != nil {
		return nil, err
	}
	from, domain, err := s.fromField()
	if err != nil {
		return nil, err
	}
	keys, err := s.signingKeys(domain)
	if err != nil {
		return nil, err
	}
	now := time.Now
	if s.Now != nil {
		now = s.Now
	}
	var buf bytes.Buffer
	fields := headerFields{
		{"From", from},
		{"To", rcpt},
		{"Subject", MessageSubject},
		{"Date", now().UTC().Format(time.RFC1123Z)},
		{"Message-ID", "<" + token + "@" + domain + ">"},
		{"MIME-Version", "1.0"},
		{"Content-Language", MessageLanguage},
		{"Auto-Submitted", "auto-generated"}, // RFC 3834 §5
		{TokenHeader, token},
	}
	body := bodyData{Code: code.Value, To: rcpt, Until: codeClock(code.ExpiresAt),
		Sent: code.IssuedAt.UTC().Format("15:04 UTC on Monday 2 January 2006"),
		TTL:  humanDuration(code.ExpiresAt.Sub(code.IssuedAt))}
	if err := writeMessage(&buf, fields, body); err != nil {
		return nil, err
	}
	return signMessage(buf.Bytes(), keys)
}

// checkCode refuses a Code that cannot be shown.
func checkCode(c Code) error {
	if n := len(c.Value); n < 6 || n > 8 {
		return fmt.Errorf("%w: %d digits", ErrCode, n)
	}
	for i := 0; i < len(c.Value); i++ {
		if c.Value[i] < '0' || c.Value[i] > '9' {
			return fmt.Errorf("%w: not all digits", ErrCode)
		}
	}
	if !c.ExpiresAt.After(c.IssuedAt) {
		return fmt.Errorf("%w: it expires before it is issued", ErrCode)
	}
	return nil
}

// headerUnsafe reports a character that must never reach a header field:
// invalid UTF-8, C0 and C1 controls (CR and LF above all), DEL, and the
// Unicode line and paragraph separators.
func headerUnsafe(s string) bool {
	if !utf8.ValidString(s) {
		return true
	}
	for _, r := range s {
		if unicode.IsControl(r) || r == '\u2028' || r == '\u2029' {
			return true
		}
	}
	return false
}

// recipientAddress validates to and returns it in canonical form: the
// local part as typed and the domain in lower-case A-labels.
func recipientAddress(to string) (string, error) {
	if headerUnsafe(to) {
		return "", fmt.Errorf("%w: it has control characters or line breaks", ErrRecipient)
	}
	a, err := address.Parse(to)
	if err != nil {
		return "", fmt.Errorf("%w: %w", ErrRecipient, err)
	}
	if a.Raw != to {
		return "", fmt.Errorf("%w: give the bare address, without spaces or angle brackets", ErrRecipient)
	}
	return a.String(), nil
}

// fromField validates the Sender and returns the From field's value and the
// sender's domain.
func (s *Sender) fromField() (string, string, error) {
	if headerUnsafe(s.Name) || headerUnsafe(s.Address) {
		return "", "", fmt.Errorf("%w: control characters in the name or address", ErrSender)
	}
	a, err := address.Parse(s.Address)
	if err != nil {
		return "", "", fmt.Errorf("%w: %w", ErrSender, err)
	}
	if a.ASCIIDomain == "" || a.NeedsSMTPUTF8 {
		return "", "", fmt.Errorf("%w: %s must be an ASCII address at a domain name", ErrSender, s.Address)
	}
	if len(s.Name) > 64 {
		return "", "", fmt.Errorf("%w: the name is longer than 64 bytes", ErrSender)
	}
	from := (&mail.Address{Name: strings.TrimSpace(s.Name), Address: a.String()}).String()
	return from, a.ASCIIDomain, nil
}

// signingKeys returns the keys to sign with, checking that each aligns with
// the sender's domain (RFC 7489 §3.1.1, relaxed alignment).
func (s *Sender) signingKeys(domain string) ([]*DKIMKey, error) {
	var keys []*DKIMKey
	if s.DKIM != nil {
		keys = append(keys, s.DKIM)
	}
	keys = append(keys, s.MoreDKIM...)
	for _, k := range keys {
		if k == nil || k.Kind() == "" {
			return nil, fmt.Errorf("%w: no private key", ErrDKIMKey)
		}
		if !validDNSLabels(k.Selector) || !validDNSLabels(k.Domain) {
			return nil, fmt.Errorf("%w: selector %q or domain %q is not a DNS name", ErrDKIMKey, k.Selector, k.Domain)
		}
		d := strings.ToLower(strings.TrimSuffix(k.Domain, "."))
		if domain != d && !strings.HasSuffix(domain, "."+d) {
			return nil, fmt.Errorf("%w: d=%s does not align with the From domain %s (RFC 7489 §3.1.1)", ErrDKIMKey, d, domain)
		}
	}
	return keys, nil
}

// validDNSLabels reports a dot-separated name of letters, digits, hyphens
// and underscores, as selectors and signing domains are.
func validDNSLabels(name string) bool {
	name = strings.TrimSuffix(name, ".")
	if name == "" || len(name) > 253 {
		return false
	}
	for label := range strings.SplitSeq(name, ".") {
		if label == "" || len(label) > 63 {
			return false
		}
		for i := 0; i < len(label); i++ {
			c := label[i]
			if !isASCIILetter(c) && (c < '0' || c > '9') && c != '-' && c != '_' {
				return false
			}
		}
	}
	return true
}

// signMessage adds one DKIM-Signature per key, relaxed/relaxed (RFC 6376
// §3.4.2, §3.4.4) with SHA-256 (RFC 8301 §3.1).
func signMessage(msg []byte, keys []*DKIMKey) ([]byte, error) {
	for _, k := range keys {
		signer, err := dkim.NewSigner(&dkim.SignOptions{
			Domain:                 strings.TrimSuffix(k.Domain, "."),
			Selector:               k.Selector,
			Signer:                 k.signer,
			Hash:                   crypto.SHA256,
			HeaderCanonicalization: dkim.CanonicalizationRelaxed,
			BodyCanonicalization:   dkim.CanonicalizationRelaxed,
			HeaderKeys:             signedHeaders,
		})
		if err != nil {
			return nil, fmt.Errorf("testcode: DKIM signing with %s: %w", k.Name(), err)
		}
		_, werr := signer.Write(msg)
		if err := errors.Join(werr, signer.Close()); err != nil {
			return nil, fmt.Errorf("testcode: DKIM signing with %s: %w", k.Name(), err)
		}
		msg = append([]byte(refoldSignature(signer.Signature())), msg...)
	}
	return msg, nil
}

// refoldSignature folds a DKIM-Signature field at its spaces so that its
// lines stay within 78 characters; go-msgauth starts with an 80-odd one.
// Only existing white space becomes a fold, which relaxed header
// canonicalization (RFC 6376 §3.4.2) reduces to the same single space, so
// the signature still verifies. The h= list has no spaces and stays on one
// line.
func refoldSignature(field string) string {
	unfolded := strings.ReplaceAll(strings.TrimSuffix(field, "\r\n"), "\r\n", "")
	name, value, _ := strings.Cut(unfolded, ":")
	return foldField(name, strings.TrimLeft(value, " "))
}

// headerFields are the message's header fields, in order.
type headerFields [][2]string

// writeMessage writes the header and the two alternative parts to buf.
func writeMessage(buf *bytes.Buffer, fields headerFields, body bodyData) error {
	var b [16]byte
	if _, err := rand.Read(b[:]); err != nil {
		return fmt.Errorf("testcode: reading random bytes: %w", err)
	}
	boundary := "=_codeprobe_" + hex.EncodeToString(b[:])
	var h message.Header
	all := append(fields[:len(fields):len(fields)],
		[2]string{"Content-Type", "multipart/alternative; boundary=\"" + boundary + "\""})
	// A go-message header writes the field added last first.
	for i := len(all) - 1; i >= 0; i-- {
		h.AddRaw([]byte(foldField(all[i][0], all[i][1])))
	}
	w, err := message.CreateWriter(buf, h)
	if err != nil {
		return fmt.Errorf("testcode: writing message header: %w", err)
	}
	for _, part := range []struct {
		mediaType string
		render    func(bodyData) (string, error)
	}{{"text/plain", renderText}, {"text/html", renderHTML}} {
		text, err := part.render(body)
		if err != nil {
			return err
		}
		var ph message.Header
		ph.SetContentType(part.mediaType, map[string]string{"charset": "utf-8"})
		ph.Set("Content-Transfer-Encoding", "quoted-printable")
		pw, err := w.CreatePart(ph)
		if err != nil {
			return fmt.Errorf("testcode: writing %s part: %w", part.mediaType, err)
		}
		if _, err := pw.Write([]byte(text)); err != nil {
			return fmt.Errorf("testcode: writing %s part: %w", part.mediaType, err)
		}
		if err := pw.Close(); err != nil {
			return fmt.Errorf("testcode: writing %s part: %w", part.mediaType, err)
		}
	}
	if err := w.Close(); err != nil {
		return fmt.Errorf("testcode: closing message: %w", err)
	}
	return nil
}
