package imapprobe

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
)

// readGmailResp reads one response (RFC 9051 §2.2.2): a line and, where a
// line ends in a literal's {n}, the n bytes and the line that goes on
// after them. It returns the response flattened, each literal made a
// quoted string, so that the parser need not know of lines.
func readGmailResp(r *bufio.Reader) ([]byte, error) {
	var out []byte
	for {
		line, err := readGmailLine(r)
		if err != nil {
			return nil, err
		}
		n, at := gmailLiteral(line)
		if at < 0 {
			return append(out, line...), nil
		}
		if n > gmailMaxLiteral || len(out)+len(line)+2*n > gmailMaxResp {
			return nil, fmt.Errorf("%w: literal of %d bytes is over the limit", ErrProtocol, n)
		}
		lit := make([]byte, n)
		if _, err := io.ReadFull(r, lit); err != nil {
			return nil, err
		}
		out = append(append(out, line[:at]...), gmailQuote(string(lit))...)
	}
}

// newGmailReader buffers a connection so that readGmailResp can read a
// line of up to gmailMaxLine bytes, and no more.
func newGmailReader(r io.Reader) *bufio.Reader { return bufio.NewReaderSize(r, gmailMaxLine+2) }

// readGmailLine reads a line, CRLF (or a bare LF) removed, from a reader
// of newGmailReader.
func readGmailLine(r *bufio.Reader) ([]byte, error) {
	line, err := r.ReadSlice('\n')
	if errors.Is(err, bufio.ErrBufferFull) {
		return nil, fmt.Errorf("%w: response line longer than %d bytes", ErrProtocol, gmailMaxLine)
	} else if err != nil {
		return nil, err
	}
	return bytes.Clone(bytes.TrimSuffix(line[:len(line)-1], []byte("\r"))), nil
}

// gmailLiteral returns the size of the literal {n} or {n+} (RFC 7888)
// that ends line and where it starts, or at < 0 if none does.
func gmailLiteral(line []byte) (n, at int) {
	at = bytes.LastIndexByte(line, '{')
	if at < 0 || line[len(line)-1] != '}' {
		return 0, -1
	}
	digits := strings.TrimSuffix(string(line[at+1:len(line)-1]), "+")
	if digits == "" || len(digits) > 9 || strings.Trim(digits, "0123456789") != "" {
		return 0, -1
	}
	n, _ = strconv.Atoi(digits)
	return n, at
}

// gmailLine is one response: its tag ("*", "+" or a command's), its kind
// (OK, NO, BAD, BYE, PREAUTH, SEARCH, FETCH…, upper case; the number of
// "* 3 FETCH" skipped) and the rest, from pos.
type gmailLine struct {
	tag, kind string
	buf       []byte
	pos       int
}

func parseGmailLine(buf []byte) (*gmailLine, error) {
	ln := &gmailLine{buf: buf}
	if ln.tag = ln.word(); ln.tag == "" {
		return nil, fmt.Errorf("%w: response has no tag", ErrProtocol)
	}
	if ln.tag != "+" {
		ln.kind = strings.ToUpper(ln.word())
	}
	if _, err := strconv.ParseUint(ln.kind, 10, 32); err == nil && ln.tag == "*" {
		ln.kind = strings.ToUpper(ln.word())
	}
	return ln, nil
}

// word reads up to the next space, and skips the spaces.
func (ln *gmailLine) word() string {
	rest := ln.buf[ln.pos:]
	end := bytes.IndexByte(rest, ' ')
	if end < 0 {
		end = len(rest)
	}
	ln.pos += end
	ln.skip()
	return string(rest[:end])
}

func (ln *gmailLine) skip() {
	for ln.pos < len(ln.buf) && ln.buf[ln.pos] == ' ' {
		ln.pos++
	}
}

// text is the rest of the response: a status response's text.
func (ln *gmailLine) text() string { return string(ln.buf[ln.pos:]) }

// newestUID reads "* SEARCH uid…" (RFC 9051 §7.3.4) and returns the
// highest UID; other responses give 0.
func (ln *gmailLine) newestUID() (uint32, error) {
	var newest uint64
	for w := ln.word(); ln.kind == "SEARCH" && w != ""; w = ln.word() {
		u, err := strconv.ParseUint(w, 10, 32)
		if err != nil || u == 0 {
			return 0, fmt.Errorf("%w: SEARCH result %.20q is not a UID", ErrProtocol, w)
		}
		newest = max(newest, u)
	}
	return uint32(newest), nil
}

// gmailFetch is what a FETCH response tells of a message.
type gmailFetch struct {
	uid       uint32
	labels    []string
	hasLabels bool
}

// fetch reads the UID and X-GM-LABELS items of "* n FETCH (…)" (RFC 9051
// §7.5.2); labels are atoms (\Inbox), strings, or NIL, which is skipped.
// Other responses give nothing.
func (ln *gmailLine) fetch() (gmailFetch, error) {
	var f gmailFetch
	if ln.kind != "FETCH" {
		return f, nil
	}
	v, err := ln.value(0)
	if err != nil || v.list == nil || len(v.list)%2 != 0 {
		return f, fmt.Errorf("%w: malformed FETCH response", ErrProtocol)
	}
	for i := 0; i < len(v.list); i += 2 {
		item, val := strings.ToUpper(v.list[i].s), v.list[i+1]
		if u, err := strconv.ParseUint(val.s, 10, 32); item == "UID" && (err != nil || !val.atom) {
			return f, fmt.Errorf("%w: FETCH UID %.20q is not a number", ErrProtocol, val.s)
		} else if item == "UID" {
			f.uid = uint32(u)
		}
		if item != "X-GM-LABELS" {
			continue
		}
		f.hasLabels = true
		for _, l := range val.list {
			if l.list != nil {
				return f, fmt.Errorf("%w: X-GM-LABELS holds a list", ErrProtocol)
			} else if !l.atom || !strings.EqualFold(l.s, "NIL") {
				f.labels = append(f.labels, l.s)
			}
		}
	}
	return f, nil
}

// gmailValue is one item of a response: an atom (NIL too), a string, or a
// parenthesised list (list not nil).
type gmailValue struct {
	atom bool
	s    string
	list []gmailValue
}

// value reads an atom, a quoted string or a parenthesised list of them,
// at most gmailMaxDepth deep and gmailMaxLabels long. An atom may hold a
// bracketed part with spaces, as BODY[HEADER.FIELDS (DATE)] does.
func (ln *gmailLine) value(depth int) (gmailValue, error) {
	ln.skip()
	rest := ln.buf[ln.pos:]
	switch {
	case len(rest) == 0:
		return gmailValue{}, fmt.Errorf("%w: response ends early", ErrProtocol)
	case rest[0] == '(' && depth < gmailMaxDepth:
		ln.pos++
		v := gmailValue{list: []gmailValue{}}
		for ln.skip(); ln.pos >= len(ln.buf) || ln.buf[ln.pos] != ')'; ln.skip() {
			if len(v.list) >= gmailMaxLabels {
				return v, fmt.Errorf("%w: list of over %d items", ErrProtocol, gmailMaxLabels)
			}
			item, err := ln.value(depth + 1)
			if err != nil {
				return v, err
			}
			v.list = append(v.list, item)
		}
		ln.pos++
		return v, nil
	case rest[0] == '"':
		var s []byte
		for i := 1; i < len(rest); i++ {
			if rest[i] == '"' {
				ln.pos += i + 1
				return gmailValue{s: string(s)}, nil
			}
			if rest[i] == '\\' && i+1 < len(rest) {
				i++
			}
			s = append(s, rest[i])
		}
		return gmailValue{}, fmt.Errorf("%w: unterminated quoted string", ErrProtocol)
	}
	end, bracket := 0, false
	for ; end < len(rest); end++ {
		c := rest[end]
		bracket = (bracket || c == '[') && c != ']'
		if !bracket && (c == ' ' || c == '(' || c == ')' || c == '"' || c < 0x20 || c == 0x7f) {
			break
		}
	}
	if end == 0 {
		return gmailValue{}, fmt.Errorf("%w: unexpected %q in response", ErrProtocol, rest[0])
	}
	ln.pos += end
	return gmailValue{atom: true, s: string(rest[:end])}, nil
}
