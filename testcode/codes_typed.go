package testcode

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// Miss names one way what a user typed differs from the code.
type Miss string

// The differences Check recognises. The first five are format only: the
// digits are right once they are cleaned up. The last five are near misses
// of the digits themselves.
const (
	MissSpaces     Miss = "spaces"           // white space before or after the code
	MissPrefix     Miss = "prefix"           // letters in front, as in "G-123456"
	MissSeparators Miss = "separators"       // spaces, dashes or dots among the digits
	MissLetters    Miss = "letters"          // the letter O for 0, I or l for 1
	MissWideDigits Miss = "non-ascii-digits" // full-width or other scripts' digits
	MissWrongDigit Miss = "wrong-digit"      // one digit wrong
	MissSwapped    Miss = "swapped"          // two adjacent digits swapped
	MissMissing    Miss = "missing-digit"    // one digit left out
	MissDoubled    Miss = "doubled-digit"    // one digit typed twice
	MissExtra      Miss = "extra-digit"      // one digit too many, not a repeat
)

// Difference is one Miss and where it is: Pos is the 1-based position in
// the code of the wrong, doubled or first swapped digit, 0 when the miss
// has no single position.
type Difference struct {
	Miss Miss
	Pos  int
}

// maxTyped bounds the input normalise looks at; anything longer is not a
// code typed by hand.
const maxTyped = 64

// attemptText is typed as an attempt keeps it ([CodeAttempt.Typed]): blanks
// trimmed, invalid UTF-8 and control characters (NUL among them) replaced
// by U+FFFD, and cut to at most maxTyped bytes without splitting a
// character.
func attemptText(typed string) string {
	t := strings.TrimLeftFunc(typed, isBlank)
	// Every byte of input gives at least one of output, so what is kept
	// comes from the first maxTyped bytes: the cut, with room to spare,
	// saves cleaning a long input's tail.
	if len(t) > 4*maxTyped {
		t = t[:4*maxTyped]
	}
	t = strings.TrimRightFunc(strings.ToValidUTF8(t, "\uFFFD"), isBlank)
	var b strings.Builder
	for _, r := range t {
		if unicode.IsControl(r) {
			r = utf8.RuneError
		}
		if b.Len()+utf8.RuneLen(r) > maxTyped {
			break
		}
		b.WriteRune(r)
	}
	return strings.TrimRightFunc(b.String(), isBlank)
}

// typedCode is what a user typed, cleaned up.
type typedCode struct {
	digits  string       // ASCII digits
	misses  []Difference // format differences found while cleaning
	garbled bool         // has characters that are not part of a code
}

// normalise cleans up typed: it trims white space, drops a letter prefix
// such as "G-", separators among the digits, maps the letters O, I and l
// and other scripts' digits to ASCII digits, and records each change.
func normalise(typed string) typedCode {
	var in typedCode
	if len(typed) > maxTyped || !utf8.ValidString(typed) {
		in.garbled = true
		return in
	}
	t := strings.TrimFunc(typed, isBlank)
	if t != typed {
		in.note(MissSpaces)
	}
	if rest, ok := cutPrefix(t); ok {
		t = rest
		in.note(MissPrefix)
	}
	var b strings.Builder
	for _, r := range t {
		if d, ascii, ok := digitValue(r); ok {
			b.WriteByte(byte('0' + d))
			if !ascii {
				in.note(MissWideDigits)
			}
			continue
		}
		switch {
		case isSeparator(r):
			in.note(MissSeparators)
		case r == 'O' || r == 'o':
			b.WriteByte('0')
			in.note(MissLetters)
		case r == 'I' || r == 'l' || r == '|':
			b.WriteByte('1')
			in.note(MissLetters)
		default:
			in.garbled = true
			return in
		}
	}
	in.digits = b.String()
	return in
}

// note records m once.
func (in *typedCode) note(m Miss) {
	for _, d := range in.misses {
		if d.Miss == m {
			return
		}
	}
	in.misses = append(in.misses, Difference{Miss: m})
}

// cutPrefix removes a prefix of one to eight ASCII letters that a service
// puts before its codes ("G-123456", "FB-123456", "code: 123456"): the
// letters must be followed by a dash or colon, or, for two letters or more,
// by a space, and then by a digit.
func cutPrefix(t string) (string, bool) {
	j := 0
	for j < len(t) && j <= 8 && isASCIILetter(t[j]) {
		j++
	}
	if j == 0 || j > 8 {
		return t, false
	}
	rest := strings.TrimLeftFunc(t[j:], isBlank)
	spaced := len(rest) < len(t[j:])
	sep := false
	if rest != "" && (rest[0] == '-' || rest[0] == ':') {
		rest, sep = strings.TrimLeftFunc(rest[1:], isBlank), true
	}
	if !sep && !(spaced && j >= 2) {
		return t, false
	}
	r, _ := utf8.DecodeRuneInString(rest)
	if _, _, ok := digitValue(r); !ok {
		return t, false
	}
	return rest, true
}

func isASCIILetter(c byte) bool { return ('a' <= c && c <= 'z') || ('A' <= c && c <= 'Z') }

// isBlank reports white space and the invisible characters that come with
// copy and paste (zero-width space, word joiner, byte order mark).
func isBlank(r rune) bool {
	return unicode.IsSpace(r) || r == '\u200b' || r == '\u2060' || r == '\ufeff'
}

// isSeparator reports characters people put between groups of digits.
func isSeparator(r rune) bool {
	return isBlank(r) || strings.ContainsRune("-.\u2010\u2011\u2012\u2013\u2014\u2212", r)
}

// digitValue returns the value of a decimal digit of any script (Unicode
// category Nd). Unicode encodes each script's digits as a contiguous run
// 0–9, so the value is the distance from the start of the run, modulo 10
// for scripts with several runs in a row (mathematical digits).
func digitValue(r rune) (value int, ascii, ok bool) {
	if '0' <= r && r <= '9' {
		return int(r - '0'), true, true
	}
	if r < 0x80 || !unicode.Is(unicode.Nd, r) {
		return 0, false, false
	}
	start := r
	for k := 0; k < 64 && unicode.Is(unicode.Nd, start-1); k++ {
		start--
	}
	return int(r-start) % 10, false, true
}

// nearMiss reports whether typed is one slip away from code (both ASCII
// digits): one digit wrong, two adjacent digits swapped, one left out, one
// doubled or one extra.
func nearMiss(typed, code string) (Difference, bool) {
	d := len(code)
	switch len(typed) {
	case d:
		var diff []int
		for k := 0; k < d; k++ {
			if typed[k] != code[k] {
				diff = append(diff, k)
			}
		}
		switch {
		case len(diff) == 1:
			return Difference{Miss: MissWrongDigit, Pos: diff[0] + 1}, true
		case len(diff) == 2 && diff[1] == diff[0]+1 &&
			typed[diff[0]] == code[diff[1]] && typed[diff[1]] == code[diff[0]]:
			return Difference{Miss: MissSwapped, Pos: diff[0] + 1}, true
		}
	case d - 1:
		if dropsOne(code, typed) >= 0 {
			return Difference{Miss: MissMissing}, true
		}
	case d + 1:
		k := dropsOne(typed, code)
		switch {
		case k < 0:
		case k > 0 && typed[k] == typed[k-1]:
			// k is the first difference, so a doubled digit is always
			// the second of its pair.
			return Difference{Miss: MissDoubled, Pos: k}, true
		default:
			return Difference{Miss: MissExtra}, true
		}
	}
	return Difference{}, false
}

// dropsOne returns the index k such that long without long[k] is short,
// or -1; long must be one byte longer than short.
func dropsOne(long, short string) int {
	k := 0
	for k < len(short) && long[k] == short[k] {
		k++
	}
	if long[k+1:] == short[k:] {
		return k
	}
	return -1
}
