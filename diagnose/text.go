package diagnose

import (
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"
)

// The subpackages phrase their problems as clauses ("the policy host does
// not exist", with the RFC section in a field of its own); a finding's
// detail is told in sentences. These helpers make the one into the other.

// sentence makes s a sentence: trimmed, first letter capitalised unless
// the first word is a name (a host, an address, a DNS label), ending with a
// full stop (or the ! or ? it has).
func sentence(s string) string {
	s = strings.Join(strings.Fields(s), " ")
	if s == "" {
		return ""
	}
	first, _, _ := strings.Cut(s, " ")
	if !strings.ContainsAny(first, ".@_") {
		r, n := utf8.DecodeRuneInString(s)
		s = string(unicode.ToUpper(r)) + s[n:]
	}
	if !strings.HasSuffix(s, ".") && !strings.HasSuffix(s, "!") && !strings.HasSuffix(s, "?") {
		s += "."
	}
	return s
}

// joinSentences joins clauses as sentences.
func joinSentences(parts []string) string {
	out := make([]string, 0, len(parts))
	for _, p := range parts {
		if p = sentence(p); p != "" && !slices.Contains(out, p) {
			out = append(out, p)
		}
	}
	return strings.Join(out, " ")
}

// withRef appends " (ref)" to s unless s already cites it, or ref is empty.
func withRef(s, ref string) string {
	s = strings.TrimSuffix(strings.TrimSpace(s), ".")
	if ref == "" || strings.Contains(s, ref) {
		return s
	}
	// "(§4.5)" written by the subpackage and "RFC 7208 §4.5" are the same.
	if _, sec, ok := strings.Cut(ref, "§"); ok && strings.Contains(s, "§"+sec) {
		return s
	}
	return s + " (" + ref + ")"
}
