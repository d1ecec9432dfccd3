package testcode

import (
	"bytes"
	"errors"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/emersion/go-message/mail"

	"github.com/codeprobe/codeprobe/diagnose/address"
)

const testToken = "k7m2q4x5vbnhd3ja6wpe"

// testCode is a code issued at 14:02 UTC, valid for 10 minutes.
func testCode() Code {
	at := time.Date(2026, 3, 2, 14, 2, 0, 0, time.UTC)
	return Code{Value: "338314", Ordinal: 4, IssuedAt: at, ExpiresAt: at.Add(10 * time.Minute), Token: testToken}
}

func testSender(keys ...*DKIMKey) *Sender {
	s := &Sender{Name: "Example Sign-in", Address: "codes@mail.example.com",
		Now: func() time.Time { return time.Date(2026, 3, 2, 14, 2, 5, 0, time.UTC) }}
	if len(keys) > 0 {
		s.DKIM, s.MoreDKIM = keys[0], keys[1:]
	}
	return s
}

// parsedMessage is a test message read back with go-message.
type parsedMessage struct {
	header mail.Header
	parts  map[string]string // media type → decoded body
}

func parseMessage(t *testing.T, msg []byte) parsedMessage {
	t.Helper()
	r, err := mail.CreateReader(bytes.NewReader(msg))
	if err != nil {
		t.Fatal(err)
	}
	p := parsedMessage{header: r.Header, parts: make(map[string]string)}
	for {
		part, err := r.NextPart()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		h, ok := part.Header.(*mail.InlineHeader)
		if !ok {
			t.Fatalf("part is an attachment: %v", part.Header)
		}
		mt, params, _ := h.ContentType()
		if params["charset"] != "utf-8" {
			t.Errorf("%s charset %q", mt, params["charset"])
		}
		body, err := io.ReadAll(part.Body)
		if err != nil {
			t.Fatal(err)
		}
		p.parts[mt] = string(body)
	}
	return p
}

// checkLines checks CRLF line endings and line lengths: at most 78
// everywhere but where a single word does not fit (RFC 5322 §2.1.1), and
// never over 998.
func checkLines(t *testing.T, msg []byte, longOK func(line string) bool) {
	t.Helper()
	if bytes.Contains(bytes.ReplaceAll(msg, []byte("\r\n"), nil), []byte("\n")) || bytes.Contains(bytes.ReplaceAll(msg, []byte("\r\n"), nil), []byte("\r")) {
		t.Error("bare CR or LF in the message")
	}
	if !bytes.HasSuffix(msg, []byte("\r\n")) {
		t.Error("message does not end in CRLF")
	}
	for line := range strings.SplitSeq(string(msg), "\r\n") {
		if len(line) > 998 || (len(line) > 78 && !longOK(line)) {
			t.Errorf("line of %d characters: %q", len(line), line)
		}
	}
}

func TestComposeMessage(t *testing.T) {
	msg, err := testSender().Compose(testCode(), "ann@example.com", testToken)
	if err != nil {
		t.Fatal(err)
	}
	checkLines(t, msg, func(string) bool { return false })
	p := parseMessage(t, msg)
	h := p.header
	from, _ := h.AddressList("From")
	to, _ := h.AddressList("To")
	if len(from) != 1 || from[0].Name != "Example Sign-in" || from[0].Address != "codes@mail.example.com" {
		t.Errorf("From = %v", from)
	}
	if len(to) != 1 || to[0].Address != "ann@example.com" {
		t.Errorf("To = %v", to)
	}
	if subj, _ := h.Subject(); subj != MessageSubject {
		t.Errorf("Subject = %q", subj)
	}
	if d, _ := h.Date(); !d.Equal(time.Date(2026, 3, 2, 14, 2, 5, 0, time.UTC)) {
		t.Errorf("Date = %v", d)
	}
	if id, _ := h.MessageID(); id != testToken+"@mail.example.com" {
		t.Errorf("Message-ID = %q", id)
	}
	for key, want := range map[string]string{
		"X-Codeprobe-Token": testToken,
		"Auto-Submitted":    "auto-generated",
		"MIME-Version":      "1.0",
		"Content-Language":  "en",
	} {
		if got := h.Get(key); got != want {
			t.Errorf("%s = %q, want %q", key, got, want)
		}
	}
	if mt, _, _ := h.ContentType(); mt != "multipart/alternative" {
		t.Errorf("Content-Type %q", mt)
	}
	if h.Has("DKIM-Signature") {
		t.Error("signed without a key")
	}
	if len(p.parts) != 2 {
		t.Fatalf("parts: %v", p.parts)
	}
	for _, mt := range []string{"text/plain", "text/html"} {
		body := p.parts[mt]
		for _, want := range []string{"338314", "ann@example.com", "until 14:12 UTC", "at 14:02 UTC on Monday 2 March 2026", "10 minutes"} {
			if !strings.Contains(body, want) {
				t.Errorf("%s part lacks %q:\n%s", mt, want, body)
			}
		}
	}
	html := strings.ToLower(p.parts["text/html"])
	for _, banned := range []string{"<img", "src=", "http:", "https:", "<script", "url(", "<link", "<a "} {
		if strings.Contains(html, banned) {
			t.Errorf("HTML part has %q: remote content or tracking", banned)
		}
	}
}

func TestComposeRecipientForms(t *testing.T) {
	tests := []struct {
		name, to, header, html string
	}{
		{"IDN domain in A-labels", "ann@Bücher.example", "ann@xn--bcher-kva.example", "ann@xn--bcher-kva.example"},
		{"markup in a quoted local part is escaped", `"<b>x</b>&"@example.com`, `"<b>x</b>&"@example.com`, `&#34;&lt;b&gt;x&lt;/b&gt;&amp;&#34;@example.com`},
		{"UTF-8 local part (RFC 6532)", "josé@example.com", "josé@example.com", "josé@example.com"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			msg, err := testSender().Compose(testCode(), tc.to, testToken)
			if err != nil {
				t.Fatal(err)
			}
			p := parseMessage(t, msg)
			if got := p.header.Get("To"); got != tc.header {
				t.Errorf("To = %q, want %q", got, tc.header)
			}
			if subj, _ := p.header.Subject(); subj != MessageSubject {
				t.Errorf("Subject = %q", subj)
			}
			if !strings.Contains(p.parts["text/html"], tc.html) {
				t.Errorf("HTML part lacks %q", tc.html)
			}
			if strings.Contains(p.parts["text/html"], "<b>") {
				t.Error("recipient markup reached the HTML part")
			}
		})
	}
}

func TestComposeLongAddress(t *testing.T) {
	to := strings.Repeat("a", 64) + "@" + strings.Repeat("b", 63) + "." + strings.Repeat("c", 63) + ".example.com"
	msg, err := testSender().Compose(testCode(), to, testToken)
	if err != nil {
		t.Fatal(err)
	}
	// Only the To field, a single word, may be longer than 78.
	checkLines(t, msg, func(line string) bool { return line == "To: "+to })
	p := parseMessage(t, msg)
	if !strings.Contains(p.parts["text/plain"], to) || !strings.Contains(p.parts["text/html"], to) {
		t.Error("the address does not survive quoted-printable wrapping")
	}
}

func TestComposeRefusesInjection(t *testing.T) {
	for _, to := range []string{
		"ann@example.com\r\nBcc: eve@evil.example",
		"ann@example.com\nBcc: eve@evil.example",
		"ann@example.com\r",
		"ann@example.com\r\n",
		"\r\nSubject: you won",
		"ann@exa\x00mple.com",
		"ann@example.com\u2028Bcc: eve@evil.example",
		"ann@example.com\u0085",
		"ann\x7f@example.com",
		" ann@example.com",
		"<ann@example.com>",
		"Ann <ann@example.com>",
		"ann@example.com, eve@evil.example",
		"ann@example.com\xff",
		"",
		"ann",
	} {
		_, err := testSender().Compose(testCode(), to, testToken)
		if !errors.Is(err, ErrRecipient) {
			t.Errorf("Compose to %q: err = %v, want ErrRecipient", to, err)
		}
	}
	_, err := testSender().Compose(testCode(), "ann@@example.com", testToken)
	if !errors.Is(err, address.ErrSyntax) {
		t.Errorf("syntax error not wrapped: %v", err)
	}
}

func TestComposeErrors(t *testing.T) {
	rsaKey := testKey(t, KeyRSA)
	other := &DKIMKey{Selector: "s", Domain: "other.example", signer: rsaKey.signer}
	parent := &DKIMKey{Selector: "s", Domain: "example.com", signer: rsaKey.signer}
	badSel := &DKIMKey{Selector: "s 1", Domain: "example.com", signer: rsaKey.signer}
	expired := testCode()
	expired.ExpiresAt = expired.IssuedAt
	tests := []struct {
		name   string
		sender *Sender
		code   Code
		token  string
		want   error
	}{
		{"bad token", testSender(), testCode(), "NOT-A-TOKEN", ErrToken},
		{"no code", testSender(), Code{}, testToken, ErrCode},
		{"letters in code", testSender(), Code{Value: "12345a", IssuedAt: expired.IssuedAt, ExpiresAt: testCode().ExpiresAt}, testToken, ErrCode},
		{"no validity", testSender(), expired, testToken, ErrCode},
		{"CRLF in name", &Sender{Name: "x\r\nBcc: y@z.example", Address: "a@example.com"}, testCode(), testToken, ErrSender},
		{"no sender", &Sender{}, testCode(), testToken, ErrSender},
		{"sender at a literal", &Sender{Address: "a@[192.0.2.1]"}, testCode(), testToken, ErrSender},
		{"unaligned key", testSender(other), testCode(), testToken, ErrDKIMKey},
		{"key without key", testSender(&DKIMKey{Selector: "s", Domain: "example.com"}), testCode(), testToken, ErrDKIMKey},
		{"bad selector", testSender(badSel), testCode(), testToken, ErrDKIMKey},
		{"nil extra key", testSender(parent, nil), testCode(), testToken, ErrDKIMKey},
	}
	for _, tc := range tests {
		if _, err := tc.sender.Compose(tc.code, "ann@example.com", tc.token); !errors.Is(err, tc.want) {
			t.Errorf("%s: err = %v, want %v", tc.name, err, tc.want)
		}
	}
	// A key of a parent domain aligns (relaxed alignment).
	if _, err := testSender(parent).Compose(testCode(), "ann@example.com", testToken); err != nil {
		t.Errorf("parent-domain key: %v", err)
	}
}

func TestComposeNonASCIIName(t *testing.T) {
	s := testSender()
	s.Name = "Équipe de connexion"
	msg, err := s.Compose(testCode(), "ann@example.com", testToken)
	if err != nil {
		t.Fatal(err)
	}
	checkLines(t, msg, func(string) bool { return false })
	if bytes.ContainsFunc(msg[:bytes.Index(msg, []byte("\r\n\r\n"))], func(r rune) bool { return r > 0x7e }) {
		t.Error("raw non-ASCII in the header of an ASCII-addressed message")
	}
	p := parseMessage(t, msg)
	from, _ := p.header.AddressList("From")
	if len(from) != 1 || from[0].Name != "Équipe de connexion" {
		t.Errorf("From = %v", from)
	}
}
