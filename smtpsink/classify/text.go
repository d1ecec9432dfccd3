package classify

import (
	"bytes"
	"html"
	"io"
	"regexp"
	"strings"
	"unicode/utf8"

	"github.com/emersion/go-message/charset"
	"golang.org/x/text/encoding/charmap"
)

// charsetReader converts a named charset to UTF-8 (ISO-8859-*,
// windows-125x, KOI8-R, ISO-2022-JP, Shift_JIS, GB2312, …).
func charsetReader(name string, r io.Reader) (io.Reader, error) {
	return charset.Reader(name, r)
}

// toText decodes b to UTF-8 and, for HTML, reduces it to its text. Unknown
// or lying charsets fall back to UTF-8 when valid, else windows-1252.
func toText(b []byte, cs string, isHTML bool) string {
	var s string
	cs = strings.ToLower(strings.Trim(strings.TrimSpace(cs), `"'`))
	if cs == "" && bytes.Contains(b, []byte("\x1b$B")) {
		cs = "iso-2022-jp"
	}
	switch {
	case cs == "" || cs == "us-ascii" || cs == "utf-8" || cs == "utf8":
		s = fallbackDecode(b)
	default:
		s = fallbackDecode(b)
		if r, err := charsetReader(cs, bytes.NewReader(b)); err == nil {
			if out, err := io.ReadAll(io.LimitReader(r, 4*maxPartBytes)); err == nil || len(out) > 0 {
				s = strings.ToValidUTF8(string(out), "\uFFFD")
			}
		}
	}
	if isHTML || looksLikeHTML(s) {
		s = htmlToText(s)
	}
	return s
}

func fallbackDecode(b []byte) string {
	if utf8.Valid(b) {
		return string(b)
	}
	out, err := charmap.Windows1252.NewDecoder().Bytes(b)
	if err != nil {
		return strings.ToValidUTF8(string(b), "\uFFFD")
	}
	return string(out)
}

func looksLikeHTML(s string) bool {
	head := strings.ToLower(s[:min(len(s), 512)])
	return strings.Contains(head, "<html") || strings.Contains(head, "<!doctype html") ||
		strings.Contains(head, "<body") || strings.Contains(head, "<p>") || strings.Contains(head, "<br")
}

var (
	htmlDropRe  = regexp.MustCompile(`(?is)<(script|style|head)\b.*?</(script|style|head)\s*>`)
	htmlBreakRe = regexp.MustCompile(`(?i)<(br|/p|/div|/tr|/li|/h[1-6]|/table|p|div|tr|li)\b[^>]*>`)
	htmlHrefRe  = regexp.MustCompile(`(?i)<a\b[^>]*?href\s*=\s*["']?([^"'\s>]+)[^>]*>`)
	htmlTagRe   = regexp.MustCompile(`<[^>]*>`)
	blankRunRe  = regexp.MustCompile(`\n[ \t\r]*(\n[ \t\r]*)+`)
)

// htmlToText keeps the words and links of an HTML body, one block a line.
func htmlToText(s string) string {
	s = htmlDropRe.ReplaceAllString(s, " ")
	s = htmlHrefRe.ReplaceAllString(s, " $1 ")
	s = htmlBreakRe.ReplaceAllString(s, "\n")
	s = htmlTagRe.ReplaceAllString(s, "")
	s = html.UnescapeString(s)
	s = strings.ReplaceAll(s, "\u00a0", " ")
	return blankRunRe.ReplaceAllString(s, "\n")
}

// addrRe matches a mailbox address: a dot-atom or quoted local part, and a
// domain of at least two labels. Local parts may hold UTF-8 (RFC 6531).
var addrRe = regexp.MustCompile(`(?:"[^"\r\n]{1,64}"|[^\s<>()\[\]\\,;:"'@` + "`" + `|]{1,128})@(?:[\p{L}\p{N}](?:[\p{L}\p{N}-]{0,61}[\p{L}\p{N}])?\.)+[\p{L}\p{N}](?:[\p{L}\p{N}-]{0,61}[\p{L}\p{N}])?`)

// firstAddress returns the first address in s, lower-cased, or "".
func firstAddress(s string) string {
	return cleanAddress(addrRe.FindString(s))
}

// cleanAddress lower-cases an address and trims stray punctuation.
func cleanAddress(a string) string {
	a = strings.Trim(a, ".-=")
	return strings.ToLower(a)
}

var (
	spaceRunRe = regexp.MustCompile(`\s+`)
	// continuationRe matches the reply-code prefixes of continuation lines
	// once a multi-line SMTP reply is joined (RFC 5321 §4.2.1).
	continuationRe = regexp.MustCompile(`(?:^|\s)[245]\d\d[- ](?:#?[245]\.\d{1,3}\.\d{1,3}\s)?`)
)

// normalize prepares text for phrase matching: lower case, one space
// between words, reply-code prefixes of joined lines removed.
func normalize(s string) string {
	s = collapseSpace(strings.ToLower(s))
	if mayHaveReplyCode(s) {
		s = continuationRe.ReplaceAllString(s, " ")
	}
	return strings.TrimSpace(collapseSpace(s))
}

// isPerlSpace reports whether c is in regexp's \s class: [\t\n\f\r ].
func isPerlSpace(c byte) bool {
	return c == ' ' || c == '\t' || c == '\n' || c == '\f' || c == '\r'
}

// collapseSpace is spaceRunRe.ReplaceAllString(s, " ") without the
// regexp machine: every run of \s characters becomes one space.
func collapseSpace(s string) string {
	changed := false
	for i := 0; i < len(s) && !changed; i++ {
		if isPerlSpace(s[i]) {
			changed = s[i] != ' ' || i+1 < len(s) && isPerlSpace(s[i+1])
		}
	}
	if !changed {
		return s
	}
	var b strings.Builder
	b.Grow(len(s))
	for i := 0; i < len(s); i++ {
		if !isPerlSpace(s[i]) {
			b.WriteByte(s[i])
			continue
		}
		b.WriteByte(' ')
		for i+1 < len(s) && isPerlSpace(s[i+1]) {
			i++
		}
	}
	return b.String()
}

// mayHaveReplyCode reports whether s holds what continuationRe needs: a
// reply code, [245] and two digits followed by '-' or ' '. When it does
// not, replacing continuationRe's matches would change nothing.
func mayHaveReplyCode(s string) bool {
	for i := 0; i+3 < len(s); i++ {
		switch s[i] {
		case '2', '4', '5':
			if isDigit(s[i+1]) && isDigit(s[i+2]) && (s[i+3] == '-' || s[i+3] == ' ') {
				return true
			}
		}
	}
	return false
}

func isDigit(c byte) bool { return '0' <= c && c <= '9' }

// oneLine collapses whitespace for display, bounded to n bytes.
func oneLine(s string, n int) string {
	s = strings.TrimSpace(collapseSpace(s))
	if len(s) > n {
		cut := n
		for cut > 0 && !utf8.RuneStart(s[cut]) {
			cut--
		}
		s = s[:cut]
	}
	return s
}

// lines splits text into lines without their line ends.
func lines(s string) []string {
	ls := strings.Split(s, "\n")
	for i, l := range ls {
		ls[i] = strings.TrimRight(l, "\r")
	}
	return ls
}
