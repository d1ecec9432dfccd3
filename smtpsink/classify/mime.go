package classify

import (
	"bufio"
	"bytes"
	"encoding/base64"
	"fmt"
	"io"
	"mime"
	"mime/quotedprintable"
	"strings"

	"github.com/emersion/go-message/textproto"
)

// Limits bounding the work done on one message, whatever it holds.
const (
	maxInspect   = 1 << 20   // bytes of the raw message looked at
	maxDepth     = 8         // nesting of multiparts and attached messages
	maxParts     = 64        // leaf parts kept
	maxPartBytes = 256 << 10 // decoded bytes kept per part
	maxFields    = 400       // header fields read per header block
)

// part is one leaf of the MIME tree, decoded.
type part struct {
	mediaType string
	params    map[string]string
	body      []byte // transfer-decoded content (fields for message/* parts)
	text      string // UTF-8 text of text/* parts, HTML reduced to text
	// inner is the header of an attached message (message/rfc822,
	// text/rfc822-headers); nil otherwise.
	inner *textproto.Header
	depth int
}

// message is a parsed, bounded view of a raw message.
type message struct {
	header  textproto.Header
	parts   []*part
	subject string
	from    string
	// fromAddr is the lower-case address of the From field.
	fromAddr string
}

var wordDecoder = &mime.WordDecoder{CharsetReader: charsetReader}

// parseMessage parses raw leniently: broken structure degrades to text
// rather than failing. It fails only when raw holds no header at all.
func parseMessage(raw []byte) (*message, error) {
	if len(raw) > maxInspect {
		raw = raw[:maxInspect]
	}
	raw = skipEnvelopeLines(raw)
	hdr, body, n := splitHeaderBody(raw)
	if n == 0 || !looksLikeMessageHeader(hdr) {
		return nil, fmt.Errorf("%w: no message header fields", ErrNotMessage)
	}
	m := &message{header: hdr}
	m.subject = decodeHeader(hdr.Get("Subject"))
	m.from = decodeHeader(hdr.Get("From"))
	m.fromAddr = firstAddress(m.from)
	m.walk(hdr, body, 0)
	return m, nil
}

// skipEnvelopeLines drops leading blank lines and an mbox "From " line.
func skipEnvelopeLines(b []byte) []byte {
	for len(b) > 0 {
		line, rest := cutLine(b)
		trimmed := bytes.TrimSpace(line)
		if len(trimmed) == 0 || bytes.HasPrefix(line, []byte("From ")) {
			b = rest
			continue
		}
		break
	}
	return b
}

// messageFields are header fields of which at least one must be present
// for input to count as a message.
var messageFields = []string{
	"From", "To", "Subject", "Date", "Message-Id", "Received", "Return-Path",
	"Content-Type", "Mime-Version", "Delivered-To", "Sender", "Reply-To",
	"X-Failed-Recipients", "Auto-Submitted", "In-Reply-To", "References",
}

func looksLikeMessageHeader(h textproto.Header) bool {
	for _, k := range messageFields {
		if h.Has(k) {
			return true
		}
	}
	return false
}

// cutLine splits b after its first line feed.
func cutLine(b []byte) (line, rest []byte) {
	if i := bytes.IndexByte(b, '\n'); i >= 0 {
		return b[:i], b[i+1:]
	}
	return b, nil
}

// isFieldLine reports whether line starts a header field: a name of
// printable characters other than colon, then a colon (RFC 5322 §2.2).
func isFieldLine(line []byte) bool {
	for i, c := range line {
		if c == ':' {
			return i > 0
		}
		if c == ' ' || c == '\t' {
			// "Name : value" appears in the wild: allow spaces before the colon.
			rest := bytes.TrimLeft(line[i:], " \t")
			return i > 0 && len(rest) > 0 && rest[0] == ':'
		}
		if c < 33 || c > 126 {
			return false
		}
	}
	return false
}

// splitHeaderBody separates a header block from its body. The header ends
// at the first empty line or at the first line that is neither a field nor
// a continuation, which then starts the body. Past maxFields fields only
// those that decide the classification are kept. n counts the fields kept.
func splitHeaderBody(b []byte) (h textproto.Header, body []byte, n int) {
	var clean bytes.Buffer
	rest := b
	keep := false // whether the current field is kept, for its continuations
	for len(rest) > 0 {
		line, next := cutLine(rest)
		content := bytes.TrimRight(line, "\r")
		if len(bytes.TrimSpace(content)) == 0 {
			rest = next
			break
		}
		switch {
		case content[0] == ' ' || content[0] == '\t':
			if !keep {
				rest = next
				continue
			}
		case isFieldLine(content):
			keep = n < maxFields || essentialField(content)
			if !keep {
				rest = next
				continue
			}
			n++
		default:
			h, _ = readHeader(clean.Bytes())
			return h, rest, n
		}
		clean.Write(content)
		clean.WriteString("\r\n")
		rest = next
	}
	h, _ = readHeader(clean.Bytes())
	return h, rest, n
}

// essentialFields are kept however many fields precede them.
var essentialFields = []string{"from:", "to:", "subject:", "date:", "message-id:", "content-type:",
	"content-transfer-encoding:", "in-reply-to:", "references:", "auto-submitted:", "x-failed-recipients:",
	"x-codeprobe-token:", "delivered-to:", "x-original-to:", "precedence:", "mime-version:"}

func essentialField(line []byte) bool {
	if len(line) > 40 {
		line = line[:40]
	}
	l := bytes.ToLower(line)
	for _, f := range essentialFields {
		if bytes.HasPrefix(l, []byte(f)) {
			return true
		}
	}
	return false
}

// readHeader hands pre-validated header lines to go-message's parser.
func readHeader(b []byte) (textproto.Header, error) {
	if len(b) == 0 {
		return textproto.Header{}, nil
	}
	buf := make([]byte, 0, len(b)+2)
	buf = append(append(buf, b...), '\r', '\n')
	return textproto.ReadHeader(bufio.NewReader(bytes.NewReader(buf)))
}

// decodeHeader decodes RFC 2047 encoded words, keeping the raw value when
// they are malformed.
func decodeHeader(v string) string {
	if !strings.Contains(v, "=?") {
		return strings.TrimSpace(v)
	}
	if d, err := wordDecoder.DecodeHeader(v); err == nil {
		return strings.TrimSpace(d)
	}
	return strings.TrimSpace(v)
}

// contentType parses a Content-Type field leniently; text/plain by default
// (RFC 2045 §5.2).
func contentType(h textproto.Header) (string, map[string]string) {
	v := h.Get("Content-Type")
	if v == "" {
		return "text/plain", map[string]string{}
	}
	mt, params, err := mime.ParseMediaType(v)
	if err == nil {
		return strings.ToLower(mt), params
	}
	// Broken parameters: keep the type and dig the usual ones out by hand.
	params = map[string]string{}
	t, rest, _ := strings.Cut(v, ";")
	for _, p := range strings.Split(rest, ";") {
		k, val, ok := strings.Cut(p, "=")
		if !ok {
			continue
		}
		params[strings.ToLower(strings.TrimSpace(k))] = strings.Trim(strings.TrimSpace(val), `"'`)
	}
	t = strings.ToLower(strings.TrimSpace(t))
	if !strings.Contains(t, "/") {
		t = "text/plain"
	}
	return t, params
}

// decodeTransfer undoes the Content-Transfer-Encoding, leniently: what
// cannot be decoded is kept as it is.
func decodeTransfer(b []byte, cte string) []byte {
	switch strings.ToLower(strings.TrimSpace(cte)) {
	case "base64":
		return decodeBase64(b)
	case "quoted-printable":
		out, err := io.ReadAll(io.LimitReader(quotedprintable.NewReader(bytes.NewReader(b)), maxPartBytes))
		if err != nil && len(out) == 0 {
			return b
		}
		return out
	}
	return b
}

// decodeBase64 decodes base64 ignoring whitespace and padding, stopping at
// the first character outside the alphabet.
func decodeBase64(b []byte) []byte {
	clean := make([]byte, 0, len(b))
	for _, c := range b {
		if c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '+' || c == '/' {
			clean = append(clean, c)
			continue
		}
		if c != ' ' && c != '\t' && c != '\r' && c != '\n' && c != '=' {
			break
		}
	}
	if len(clean)%4 == 1 {
		clean = clean[:len(clean)-1]
	}
	out, err := base64.RawStdEncoding.DecodeString(string(clean))
	if err != nil {
		return b
	}
	return out
}

// walk collects the leaves of an entity.
func (m *message) walk(h textproto.Header, body []byte, depth int) {
	if len(m.parts) >= maxParts {
		return
	}
	mt, params := contentType(h)
	cte := h.Get("Content-Transfer-Encoding")
	if strings.HasPrefix(mt, "multipart/") && depth < maxDepth {
		if subs := splitMultipart(body, params["boundary"]); len(subs) > 0 {
			for _, s := range subs {
				sh, sb := splitPart(s)
				m.walk(sh, sb, depth+1)
			}
			return
		}
		mt = "text/plain"
	}
	p := &part{mediaType: mt, params: params, depth: depth}
	decoded := decodeTransfer(body, cte)
	if len(decoded) > maxPartBytes {
		decoded = decoded[:maxPartBytes]
	}
	switch {
	case isAttachedMessage(mt):
		ih, ib, _ := splitHeaderBody(skipEnvelopeLines(decoded))
		p.inner = &ih
		p.body = ib
		p.text = toText(ib, "", false)
	case strings.HasPrefix(mt, "text/"):
		p.body = decoded
		p.text = toText(decoded, params["charset"], mt == "text/html")
	default:
		p.body = decoded
	}
	m.parts = append(m.parts, p)
}

func isAttachedMessage(mt string) bool {
	switch mt {
	case "message/rfc822", "message/global", "text/rfc822-headers",
		"message/rfc822-headers", "message/global-headers":
		return true
	}
	return false
}

// splitPart separates a body part's header from its content; a part that
// starts with an empty line has no header (RFC 2046 §5.1.1).
func splitPart(b []byte) (textproto.Header, []byte) {
	line, rest := cutLine(b)
	if len(bytes.TrimSpace(line)) == 0 {
		return textproto.Header{}, rest
	}
	h, body, _ := splitHeaderBody(b)
	return h, body
}

// splitMultipart cuts a multipart body at its boundary delimiters (RFC
// 2046 §5.1.1). It tolerates indented delimiters, trailing junk and a
// missing close delimiter.
func splitMultipart(body []byte, boundary string) [][]byte {
	if boundary == "" {
		return nil
	}
	delim := []byte("--" + boundary)
	var parts [][]byte
	start := -1
	pos := 0
	for pos < len(body) {
		line, _ := cutLine(body[pos:])
		next := pos + len(line) + 1
		t := bytes.TrimSpace(line)
		if bytes.HasPrefix(t, delim) {
			if start >= 0 {
				parts = append(parts, body[start:pos])
			}
			if bytes.HasPrefix(t[len(delim):], []byte("--")) {
				return parts
			}
			start = min(next, len(body))
			if len(parts) >= maxParts {
				return parts
			}
		}
		pos = next
	}
	if start >= 0 && start < len(body) {
		parts = append(parts, body[start:])
	}
	return parts
}
