package smtpprobe

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"unicode/utf8"
)

// Reply is one SMTP reply, single- or multi-line (RFC 5321 §4.2).
type Reply struct {
	// Code is the three-digit reply code.
	Code int `json:"code"`
	// Enhanced is the enhanced status code from the first line's text
	// (RFC 3463, "5.1.1"), or "" if there is none.
	Enhanced string `json:"enhanced,omitempty"`
	// Lines holds the text of each line, after the code and the separator;
	// the enhanced code, when present, is left in place.
	Lines []string `json:"lines"`
}

// Text returns the reply's text as one string: the lines joined with
// spaces, each without its leading enhanced status code.
func (r Reply) Text() string {
	parts := make([]string, 0, len(r.Lines))
	for _, l := range r.Lines {
		if _, rest, ok := cutEnhanced(l); ok {
			l = rest
		}
		if l = strings.TrimSpace(l); l != "" {
			parts = append(parts, l)
		}
	}
	return strings.Join(parts, " ")
}

// String returns "550 5.1.1 text", as a postmaster would quote it.
func (r Reply) String() string {
	s := strconv.Itoa(r.Code)
	if r.Enhanced != "" {
		s += " " + r.Enhanced
	}
	if t := r.Text(); t != "" {
		s += " " + t
	}
	return s
}

// greylistWords are phrases greylisting implementations (Postgrey,
// milter-greylist, Exim and Postfix policy servers, the big providers) put
// in their deferrals.
var greylistWords = []string{
	"greylist", "graylist", "grey list", "gray list", "grey-list", "gray-list",
	"try again later", "try later", "postgrey",
}

// LooksGreylisted reports whether a reply is a deferral typical of
// greylisting: 450 or 451 with enhanced code 4.7.1, 4.7.0 or 4.2.0 (RFC
// 3463 §3.8, §3.3), or with text naming greylisting or asking to try again
// later. The probe treats any 4xx on RCPT as greylisting; this test is for
// replies to other commands.
func (r Reply) LooksGreylisted() bool {
	if r.Code != 450 && r.Code != 451 {
		return false
	}
	switch r.Enhanced {
	case "4.7.1", "4.7.0", "4.2.0":
		return true
	}
	text := strings.ToLower(r.Text())
	for _, w := range greylistWords {
		if strings.Contains(text, w) {
			return true
		}
	}
	return false
}

var errEmptyReply = errors.New("empty reply")

// ParseReply parses the lines of one reply, without line endings, as
// received. Every line starts with the same three-digit code (RFC 5321
// §4.2.1), followed by "-" on every line but the last, and by a space or
// nothing on the last. Errors wrap ErrProtocol.
func ParseReply(lines []string) (Reply, error) {
	if len(lines) == 0 {
		return Reply{}, fmt.Errorf("%w: %w", ErrProtocol, errEmptyReply)
	}
	if len(lines) > MaxReplyLines {
		return Reply{}, fmt.Errorf("%w: reply of more than %d lines", ErrProtocol, MaxReplyLines)
	}
	r := Reply{Lines: make([]string, 0, len(lines))}
	for i, line := range lines {
		code, err := parseCode(line)
		if err != nil {
			return Reply{}, fmt.Errorf("%w: reply line %d %q: %w", ErrProtocol, i+1, clip(line), err)
		}
		if i == 0 {
			r.Code = code
		} else if code != r.Code {
			return Reply{}, fmt.Errorf("%w: multi-line reply mixes codes %d and %d (RFC 5321 §4.2.1)", ErrProtocol, r.Code, code)
		}
		last := i == len(lines)-1
		sep := byte(' ')
		if len(line) > 3 {
			sep = line[3]
		}
		switch {
		case !last && sep != '-':
			return Reply{}, fmt.Errorf("%w: reply line %d ends the reply but more lines follow", ErrProtocol, i+1)
		case last && sep != ' ':
			return Reply{}, fmt.Errorf("%w: last reply line %q has separator %q, want a space (RFC 5321 §4.2)", ErrProtocol, clip(line), sep)
		}
		text := ""
		if len(line) > 4 {
			text = line[4:]
		}
		r.Lines = append(r.Lines, text)
	}
	if len(r.Lines) > 0 {
		if enh, _, ok := cutEnhanced(r.Lines[0]); ok && enh[0] == byte('0'+r.Code/100) {
			r.Enhanced = enh
		}
	}
	return r, nil
}

// parseCode reads the reply code at the start of line: three digits, the
// first 2 to 5 (RFC 5321 §4.2.1; 1yz is not used by SMTP).
func parseCode(line string) (int, error) {
	if len(line) < 3 {
		return 0, errors.New("too short for a reply code")
	}
	for i := range 3 {
		if line[i] < '0' || line[i] > '9' {
			return 0, errors.New("does not start with a three-digit code")
		}
	}
	if line[0] < '2' || line[0] > '5' {
		return 0, errors.New("reply code outside 2xx-5xx")
	}
	return int(line[0]-'0')*100 + int(line[1]-'0')*10 + int(line[2]-'0'), nil
}

// cutEnhanced splits an enhanced status code off the start of text:
// class "." subject "." detail, class 2, 4 or 5, subject and detail of one
// to three digits (RFC 3463 §2), followed by a space or the end.
func cutEnhanced(text string) (code, rest string, ok bool) {
	if len(text) < 5 || (text[0] != '2' && text[0] != '4' && text[0] != '5') || text[1] != '.' {
		return "", text, false
	}
	i := 2
	for part := range 2 {
		n := 0
		for i < len(text) && text[i] >= '0' && text[i] <= '9' {
			i++
			n++
		}
		if n < 1 || n > 3 {
			return "", text, false
		}
		if part == 0 {
			if i >= len(text) || text[i] != '.' {
				return "", text, false
			}
			i++
		}
	}
	if i < len(text) && text[i] != ' ' && text[i] != '\t' {
		return "", text, false
	}
	return text[:i], strings.TrimLeft(text[i:], " \t"), true
}

// parseExtensions reads the EHLO keywords from the lines after the first
// (RFC 5321 §4.1.1.1: ehlo-line = ehlo-keyword *( SP ehlo-param )).
// Keywords are upper-cased; lines that are not keywords are skipped.
func parseExtensions(r Reply) map[string]string {
	ext := make(map[string]string, len(r.Lines))
	for _, l := range r.Lines[min(1, len(r.Lines)):] {
		kw, params, _ := strings.Cut(strings.TrimSpace(l), " ")
		if !isKeyword(kw) {
			continue
		}
		ext[strings.ToUpper(kw)] = strings.TrimSpace(params)
	}
	return ext
}

// isKeyword: ehlo-keyword = (ALPHA / DIGIT) *(ALPHA / DIGIT / "-").
func isKeyword(s string) bool {
	if s == "" || s[0] == '-' {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-') {
			return false
		}
	}
	return true
}

// clip shortens s to about 80 octets for an error message, at a rune
// boundary.
func clip(s string) string {
	if len(s) <= 80 {
		return s
	}
	i := 80
	for i > 0 && !utf8.RuneStart(s[i]) {
		i--
	}
	return s[:i] + "…"
}
