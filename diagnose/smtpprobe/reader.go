package smtpprobe

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"strings"
	"unicode/utf8"
)

// evidencePrefix is how much of an over-long line the transcript keeps.
const evidencePrefix = 512

// replyReader reads replies with bounded lines and bounded line counts, so
// that no server can make the prober buffer more than MaxLineLength+2
// octets at a time or MaxReplyLines lines per reply.
type replyReader struct {
	br *bufio.Reader
	// onLine receives every line read, printable, including the partial
	// line before an error; nil ignores them.
	onLine func(text string)
}

func newReplyReader(r io.Reader, onLine func(string)) *replyReader {
	return &replyReader{br: bufio.NewReaderSize(r, MaxLineLength+2), onLine: onLine}
}

func (rr *replyReader) emit(text string) {
	if rr.onLine != nil {
		rr.onLine(text)
	}
}

// readLine returns the next line without its ending, made printable. A line
// ends with CRLF; a bare LF is tolerated as many clients do. Errors other
// than the underlying reader's wrap ErrProtocol.
func (rr *replyReader) readLine() (string, error) {
	b, err := rr.br.ReadSlice('\n')
	switch {
	case err == nil:
	case errors.Is(err, bufio.ErrBufferFull):
		rr.emit(Printable(b[:evidencePrefix]) + fmt.Sprintf(" [… line longer than %d octets, not read further]", MaxLineLength))
		return "", fmt.Errorf("%w: reply line longer than %d octets (RFC 5321 §4.5.3.1.5 allows 512)", ErrProtocol, MaxLineLength)
	case errors.Is(err, io.EOF):
		if len(b) > 0 {
			rr.emit(Printable(truncate(b)) + " [… connection closed mid-line]")
		}
		return "", fmt.Errorf("%w: %w", ErrProtocol, ErrClosed)
	default:
		if len(b) > 0 {
			rr.emit(Printable(truncate(b)) + " [… incomplete line]")
		}
		return "", err
	}
	b = bytes.TrimSuffix(b[:len(b)-1], []byte{'\r'})
	if len(b) > MaxLineLength {
		rr.emit(Printable(b[:evidencePrefix]) + fmt.Sprintf(" [… line longer than %d octets]", MaxLineLength))
		return "", fmt.Errorf("%w: reply line longer than %d octets (RFC 5321 §4.5.3.1.5 allows 512)", ErrProtocol, MaxLineLength)
	}
	text := Printable(b)
	rr.emit(text)
	return text, nil
}

// readReply reads one whole reply: lines up to and including the first
// whose fourth octet is not "-", at most MaxReplyLines of them.
func (rr *replyReader) readReply() (Reply, error) {
	var lines []string
	for {
		line, err := rr.readLine()
		if err != nil {
			return Reply{}, err
		}
		lines = append(lines, line)
		// The reply ends at a line without "-" after the code; a line that
		// is not a reply line, or changes the code, ends it as an error.
		if len(line) < 4 || line[3] != '-' || line[:3] != lines[0][:3] {
			return ParseReply(lines)
		}
		if _, err := parseCode(line); err != nil {
			return ParseReply(lines)
		}
		if len(lines) == MaxReplyLines {
			return Reply{}, fmt.Errorf("%w: reply continues past %d lines", ErrProtocol, MaxReplyLines)
		}
	}
}

// buffered reports how many octets the server sent that have not been read.
func (rr *replyReader) buffered() int { return rr.br.Buffered() }

func truncate(b []byte) []byte {
	if len(b) > evidencePrefix {
		return b[:evidencePrefix]
	}
	return b
}

// Printable returns b as valid UTF-8 without control characters: tabs and
// printable runes stay, every other byte becomes \xNN. A transcript is shown
// to people in terminals and web pages; a hostile server must not be able to
// put escape sequences or fake lines into it. Every SMTP transcript of
// codeprobe (this package's and testcode's deliveries) goes through it.
func Printable(b []byte) string {
	var sb strings.Builder
	sb.Grow(len(b))
	for len(b) > 0 {
		r, size := utf8.DecodeRune(b)
		switch {
		case r == utf8.RuneError && size <= 1,
			r < 0x20 && r != '\t', r == 0x7f, r >= 0x80 && r < 0xa0,
			r == 0x2028, r == 0x2029, r >= 0x202a && r <= 0x202e, r >= 0x2066 && r <= 0x2069:
			for _, c := range b[:size] {
				fmt.Fprintf(&sb, `\x%02x`, c)
			}
		default:
			sb.Write(b[:size])
		}
		b = b[size:]
	}
	return sb.String()
}
