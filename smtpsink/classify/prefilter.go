package classify

import (
	"regexp"
	"regexp/syntax"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"
)

// A literal prefilter skips a regular expression when the text lacks every
// string one of its matches must contain. The strings are derived from the
// parsed pattern, never written by hand, and compared on case-folded text
// (foldKey), so a skipped expression is one that could not have matched:
// results are the same as running it, only faster.

// minPrefilterLen is the shortest required string worth a prefilter: a
// shorter one occurs in almost any text.
const minPrefilterLen = 3

// guardedRe is a compiled expression with the strings, in foldKey form,
// one of which every match contains; need is nil when none were found.
type guardedRe struct {
	re   *regexp.Regexp
	need []string
}

func mustGuard(pattern string) *guardedRe {
	g := &guardedRe{re: regexp.MustCompile(pattern)}
	if t, err := syntax.Parse(pattern, syntax.Perl); err == nil {
		if need := trimNeedles(requiredLiterals(t.Simplify())); need != nil && shortest(need) >= minPrefilterLen {
			g.need = need
		}
	}
	return g
}

func guardAll(patterns ...string) []*guardedRe {
	out := make([]*guardedRe, len(patterns))
	for i, p := range patterns {
		out[i] = mustGuard(p)
	}
	return out
}

// possible reports whether the expression may match the text whose
// foldKey is folded.
func (g *guardedRe) possible(folded string) bool {
	if g.need == nil {
		return true
	}
	for _, s := range g.need {
		if strings.Contains(folded, s) {
			return true
		}
	}
	return false
}

// findString is g.re.FindString(text), skipped when the prefilter on
// folded (text's foldKey) rules a match out.
func (g *guardedRe) findString(text, folded string) string {
	if !g.possible(folded) {
		return ""
	}
	return g.re.FindString(text)
}

// matchString is g.re.MatchString(text), with the same prefilter.
func (g *guardedRe) matchString(text, folded string) bool {
	return g.possible(folded) && g.re.MatchString(text)
}

// trimNeedles drops the spaces around required strings that stay long
// enough without them, so that searching for them does not stop at every
// space of the text. A part of a string a match contains is contained too.
func trimNeedles(need []string) []string {
	if need == nil {
		return nil
	}
	var out []string
	for _, s := range need {
		if trimmed := strings.TrimSpace(s); len(trimmed) >= minPrefilterLen {
			s = trimmed
		}
		out = union(out, []string{s})
	}
	return out
}

func shortest(ss []string) int {
	n := -1
	for _, s := range ss {
		if n < 0 || len(s) < n {
			n = len(s)
		}
	}
	return n
}

// maxExact bounds the sets of strings the analysis multiplies out.
const maxExact = 16

// litInfo is what the analysis knows of an expression: exact, when not
// nil, holds every string (in foldKey form) a match can be; need, when not
// nil, holds strings one of which every match contains.
type litInfo struct {
	exact, need []string
}

// required returns the best set of strings one of which every match
// contains, or nil.
func (li litInfo) required() []string {
	return better(li.exact, li.need)
}

// better returns the more selective of two required sets: the one whose
// shortest string is longer, then the smaller one.
func better(a, b []string) []string {
	switch {
	case a == nil:
		return b
	case b == nil:
		return a
	case shortest(a) != shortest(b):
		if shortest(a) > shortest(b) {
			return a
		}
		return b
	case len(b) < len(a):
		return b
	}
	return a
}

// requiredLiterals returns strings, in foldKey form, one of which occurs
// in every match of re, or nil when it cannot tell.
func requiredLiterals(re *syntax.Regexp) []string {
	return analyse(re).required()
}

// analyse follows Russ Cox's trigram-index analysis (codesearch), with
// whole strings in place of trigrams.
func analyse(re *syntax.Regexp) litInfo {
	switch re.Op {
	case syntax.OpLiteral:
		return litInfo{exact: []string{foldKey(string(re.Rune))}}
	case syntax.OpEmptyMatch, syntax.OpBeginLine, syntax.OpEndLine, syntax.OpBeginText, syntax.OpEndText,
		syntax.OpWordBoundary, syntax.OpNoWordBoundary:
		return litInfo{exact: []string{""}}
	case syntax.OpCharClass:
		return litInfo{exact: classStrings(re.Rune)}
	case syntax.OpCapture:
		return analyse(re.Sub[0])
	case syntax.OpQuest:
		if sub := analyse(re.Sub[0]); sub.exact != nil && len(sub.exact) < maxExact {
			return litInfo{exact: union(sub.exact, []string{""})}
		}
	case syntax.OpPlus:
		return litInfo{need: analyse(re.Sub[0]).required()}
	case syntax.OpRepeat:
		if re.Min >= 1 {
			return litInfo{need: analyse(re.Sub[0]).required()}
		}
	case syntax.OpConcat:
		return analyseConcat(re.Sub)
	case syntax.OpAlternate:
		return analyseAlternate(re.Sub)
	}
	return litInfo{}
}

func analyseConcat(subs []*syntax.Regexp) litInfo {
	var best []string
	cur := []string{""} // the exact strings of the run of exact subs so far
	allExact := true
	for _, sub := range subs {
		li := analyse(sub)
		best = better(best, li.need)
		switch {
		case li.exact == nil:
			allExact = false
			best = better(best, cur)
			cur = []string{""}
		case len(cur)*len(li.exact) > maxExact:
			allExact = false
			best = better(best, cur)
			cur = li.exact
		default:
			cur = cross(cur, li.exact)
		}
	}
	if allExact {
		return litInfo{exact: cur}
	}
	return litInfo{need: better(best, cur)}
}

func analyseAlternate(subs []*syntax.Regexp) litInfo {
	var exact, need []string
	allExact := true
	for _, sub := range subs {
		li := analyse(sub)
		if allExact && li.exact != nil && len(exact)+len(li.exact) <= maxExact {
			exact = union(exact, li.exact)
		} else {
			allExact = false
		}
		r := li.required()
		if r == nil {
			return litInfo{}
		}
		need = union(need, r)
	}
	if allExact {
		return litInfo{exact: exact}
	}
	return litInfo{need: need}
}

// classStrings returns the foldKey forms of a small character class given
// as rune ranges, or nil for a large one.
func classStrings(ranges []rune) []string {
	var out []string
	for i := 0; i+1 < len(ranges); i += 2 {
		if ranges[i+1]-ranges[i] >= maxExact {
			return nil
		}
		for r := ranges[i]; r <= ranges[i+1]; r++ {
			out = union(out, []string{foldKey(string(r))})
			if len(out) > maxExact {
				return nil
			}
		}
	}
	return out
}

func cross(a, b []string) []string {
	out := make([]string, 0, len(a)*len(b))
	for _, x := range a {
		for _, y := range b {
			out = union(out, []string{x + y})
		}
	}
	return out
}

// union appends the strings of b not in a.
func union(a, b []string) []string {
	for _, s := range b {
		if !slices.Contains(a, s) {
			a = append(a, s)
		}
	}
	return a
}

// foldKey maps every rune to one representative of its Unicode simple
// case-folding orbit, the one regexp's (?i) matching uses: ASCII letters
// to lower case, others to the smallest rune of the orbit. Invalid bytes
// become U+FFFD, as regexp reads them. Two strings that match each other
// case-insensitively have the same foldKey, so a case-insensitive match of
// a literal in a text is a substring of the text's foldKey.
func foldKey(s string) string {
	ascii := true
	for i := 0; i < len(s); i++ {
		if c := s[i]; c >= utf8.RuneSelf || 'A' <= c && c <= 'Z' {
			ascii = false
			break
		}
	}
	if ascii {
		return s
	}
	var b strings.Builder
	b.Grow(len(s))
	for _, r := range s {
		switch {
		case r < utf8.RuneSelf:
			if 'A' <= r && r <= 'Z' {
				r += 'a' - 'A'
			}
			b.WriteByte(byte(r))
		default:
			b.WriteRune(foldRune(r))
		}
	}
	return b.String()
}

// foldRune returns the representative of r's case-folding orbit.
func foldRune(r rune) rune {
	least := r
	for f := unicode.SimpleFold(r); f != r; f = unicode.SimpleFold(f) {
		least = min(least, f)
	}
	if 'A' <= least && least <= 'Z' {
		least += 'a' - 'A'
	}
	return least
}
