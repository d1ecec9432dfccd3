package receiver

import (
	"bytes"
	"strings"
)

// field is one unfolded header field; the topmost field comes first.
type field struct {
	name  string // as written
	key   string // lower case, for matching
	value string // unfolded (RFC 5322 §2.2.3), raw bytes
}

// split reads the fields of a header block up to its first empty line
// (RFC 5322 §2.1), bounded by maxFields and maxField.
func (d *decoder) split(b []byte) []field {
	var (
		fields            []field
		cur               []byte // the field being read, "name:value"
		curOK             bool   // cur is a field, not a skipped line
		bad, firstBad     int
		long              []string
		ended, overflowed bool
	)
	flush := func() {
		if curOK {
			fields = append(fields, newField(cur))
		}
		cur, curOK = cur[:0], false
	}
	line := 0
	for len(b) > 0 && !overflowed {
		var l []byte
		if i := bytes.IndexByte(b, '\n'); i >= 0 {
			l, b = b[:i], b[i+1:]
		} else {
			l, b = b, nil
		}
		line++
		l = bytes.TrimSuffix(l, []byte{'\r'})
		switch {
		case len(l) == 0:
			ended = true
		case l[0] == ' ' || l[0] == '\t':
			if !curOK {
				bad, firstBad = bad+1, firstNonZero(firstBad, line)
				continue
			}
			if len(cur)+len(l) > maxField {
				if n := maxField - len(cur); n > 0 {
					cur = append(cur, l[:n]...)
				}
				if len(long) == 0 || long[len(long)-1] != fieldName(cur) {
					long = append(long, fieldName(cur))
				}
				continue
			}
			cur = append(cur, l...)
			continue
		default:
			flush()
			if !isFieldLine(l) {
				bad, firstBad = bad+1, firstNonZero(firstBad, line)
				continue
			}
			if len(fields) == maxFields {
				overflowed = true
				continue
			}
			if len(l) > maxField {
				long = append(long, fieldName(l))
				l = l[:maxField]
			}
			cur, curOK = append(cur, l...), true
			continue
		}
		break
	}
	flush()
	d.splitProblems(bad, firstBad, long, overflowed, ended || overflowed || len(fields) == 0)
	return fields
}

// splitProblems reports what split could not read.
func (d *decoder) splitProblems(bad, firstBad int, long []string, overflowed, ended bool) {
	if bad > 0 {
		d.problem("%d line(s) were not header fields and were skipped, the first at line %d", bad, firstBad)
	}
	for _, n := range long {
		d.problem("the %s field is longer than %d bytes; the rest was cut", clean(n, 64), maxField)
	}
	if overflowed {
		d.problem("the header block has more than %d fields; the rest were not read", maxFields)
	}
	if !ended {
		d.problem("the header block does not end with an empty line: it may have been cut, and its last field may be incomplete")
	}
}

// firstNonZero returns a unless it is zero, else b.
func firstNonZero(a, b int) int {
	if a != 0 {
		return a
	}
	return b
}

// isFieldLine reports whether l starts an RFC 5322 §2.2 field: a name of
// printable ASCII other than ':', then ':' (white space before the colon
// is obsolete syntax, RFC 5322 §4.5, and accepted).
func isFieldLine(l []byte) bool {
	i := bytes.IndexByte(l, ':')
	if i <= 0 {
		return false
	}
	name := bytes.TrimRight(l[:i], " \t")
	if len(name) == 0 {
		return false
	}
	for _, c := range name {
		if c < 33 || c > 126 {
			return false
		}
	}
	return true
}

// fieldName returns the name of a "name:value" line.
func fieldName(l []byte) string {
	if i := bytes.IndexByte(l, ':'); i > 0 {
		return string(bytes.TrimRight(l[:i], " \t"))
	}
	return string(l)
}

// newField splits a "name:value" line.
func newField(l []byte) field {
	i := bytes.IndexByte(l, ':')
	name := string(bytes.TrimRight(l[:i], " \t"))
	return field{name: name, key: strings.ToLower(name), value: string(l[i+1:])}
}

// all returns the values of the fields named key (lower case), topmost
// first.
func (d *decoder) all(key string) []field {
	var out []field
	for _, f := range d.fields {
		if f.key == key {
			out = append(out, f)
		}
	}
	return out
}

// clean returns s on one line as printable ASCII of at most n bytes: runs
// of white space become one space, a backslash is written \\ and other
// bytes outside 0x20–0x7E are escaped as \xNN; a cut value ends in "...".
func clean(s string, n int) string {
	if isClean(s, n) {
		return s
	}
	var b strings.Builder
	space := false
	mark := 0 // the longest prefix, at a piece boundary, that leaves room for "..."
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c == ' ' || c == '\t' || c == '\r' || c == '\n' {
			space = b.Len() > 0
			continue
		}
		if b.Len() <= n-3 {
			mark = b.Len()
		}
		esc := ""
		need := 1
		if c < 0x20 || c > 0x7e || c == '\\' {
			esc = escapeByte(c)
			need = len(esc)
		}
		if space {
			need++
		}
		if b.Len()+need > n {
			if n < 3 {
				return ""
			}
			return b.String()[:mark] + "..."
		}
		if space {
			b.WriteByte(' ')
			space = false
		}
		if esc != "" {
			b.WriteString(esc)
		} else {
			b.WriteByte(c)
		}
	}
	return b.String()
}

// isClean reports whether clean would return s unchanged: at most n
// bytes of printable ASCII other than '\\', single spaces inside.
func isClean(s string, n int) bool {
	if len(s) > n || len(s) > 0 && (s[0] == ' ' || s[len(s)-1] == ' ') {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < 0x20 || c > 0x7e || c == '\\' || c == ' ' && s[i-1] == ' ' {
			return false
		}
	}
	return true
}

// escapeByte writes c as \xNN, or a backslash as \\.
func escapeByte(c byte) string {
	if c == '\\' {
		return `\\`
	}
	const hex = "0123456789abcdef"
	return `\x` + string([]byte{hex[c>>4], hex[c&15]})
}
