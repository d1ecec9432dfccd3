package receiver

import "strings"

// arField is an Authentication-Results payload read by the comment-aware
// parser.
type arField struct {
	id      string // authserv-id; empty when the field has none
	results []resinfo
}

// resinfo is one RFC 8601 §2.2 resinfo: a method, its result, the reason,
// the properties and the receiver's first comment.
type resinfo struct {
	method, result string
	reason         string
	props          map[string]string // ptype.property, lower case
	comment        string
}

// segment is one ';'-separated part of a payload, with its comments
// taken out.
type segment struct {
	words    []string
	comments []string
}

// parseAR reads an RFC 8601 §2.2 payload tolerantly: comments (which
// may nest and hold '=' or ';') are set aside, quoted strings are
// unquoted, white space around '=' is accepted, the authserv-id may be
// missing (Microsoft's form), and a result glued to a comment
// ("pass(p=REJECT)") is read as the result.
func parseAR(v string) arField {
	segs := splitSegments(v, -1)
	var a arField
	for i, s := range segs {
		pairs, bare := pairsOf(s.words)
		if i == 0 {
			a.id = idOf(pairs, bare)
		}
		if len(pairs) == 0 {
			continue
		}
		r := resinfo{
			method: strings.ToLower(pairs[0].key),
			result: strings.ToLower(pairs[0].value),
			props:  map[string]string{},
		}
		if j := strings.IndexByte(r.method, '/'); j >= 0 {
			r.method = strings.TrimSpace(r.method[:j]) // RFC 8601 §2.2 method-version
		}
		for _, p := range pairs[1:] {
			k := strings.ToLower(p.key)
			if k == "reason" {
				r.reason = firstOf(r.reason, p.value)
			} else if _, seen := r.props[k]; !seen {
				r.props[k] = p.value
			}
		}
		if len(s.comments) > 0 {
			r.comment = s.comments[0]
		}
		a.results = append(a.results, r)
	}
	return a
}

// firstOf returns a unless it is empty, else b.
func firstOf(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

// authServID returns the authserv-id of a payload, reading only its
// first segment.
func authServID(v string) string {
	pairs, bare := pairsOf(splitSegments(v, 1)[0].words)
	return idOf(pairs, bare)
}

// idOf returns the authserv-id of a payload's first segment: its first
// bare word, unless a method=result pair comes first (Microsoft's form).
func idOf(pairs []pair, bare []bareWord) string {
	if len(bare) > 0 && (len(pairs) == 0 || bare[0].at < pairs[0].at) {
		return bare[0].text
	}
	return ""
}

// splitSegments splits v at the semicolons outside comments and quoted
// strings, collecting words and comments; it stops after limit segments
// when limit is positive.
func splitSegments(v string, limit int) []segment {
	segs := []segment{{}}
	cur := &segs[0]
	for i := 0; i < len(v); {
		c := v[i]
		switch {
		case c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == ')':
			i++
		case c == ';':
			if len(segs) == limit {
				return segs
			}
			segs = append(segs, segment{})
			cur = &segs[len(segs)-1]
			i++
		case c == '(':
			text, n := readComment(v[i:])
			cur.comments = append(cur.comments, text)
			i += n
		default:
			w, n := readWord(v[i:])
			cur.words = append(cur.words, w)
			i += n
		}
	}
	return segs
}

// readComment reads a comment starting at s[0] == '(' with nesting and
// quoted pairs (RFC 5322 §3.2.2); an unclosed comment runs to the end.
// It returns the comment's text and the bytes read.
func readComment(s string) (string, int) {
	var b strings.Builder
	depth := 0
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c == '\\' && i+1 < len(s):
			i++
			b.WriteByte(s[i])
		case c == '(':
			if depth > 0 {
				b.WriteByte(c)
			}
			depth++
		case c == ')':
			depth--
			if depth == 0 {
				return strings.TrimSpace(b.String()), i + 1
			}
			b.WriteByte(c)
		default:
			b.WriteByte(c)
		}
	}
	return strings.TrimSpace(b.String()), len(s)
}

// readWord reads a run of bytes up to white space, ';' or a comment;
// quoted strings inside it are unquoted (RFC 5322 §3.2.4).
func readWord(s string) (string, int) {
	var b strings.Builder
	i := 0
	for i < len(s) {
		c := s[i]
		if c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == ';' || c == '(' || c == ')' {
			break
		}
		if c != '"' {
			b.WriteByte(c)
			i++
			continue
		}
		for i++; i < len(s) && s[i] != '"'; i++ {
			if s[i] == '\\' && i+1 < len(s) {
				i++
			}
			b.WriteByte(s[i])
		}
		i++ // the closing quote, or past the end
	}
	return b.String(), min(i, len(s))
}

// pair is one key=value of a segment; at is the index of its first word.
type pair struct {
	key, value string
	at         int
}

// bareWord is a word that is not part of a pair.
type bareWord struct {
	text string
	at   int
}

// pairsOf groups words into key=value pairs, accepting white space on
// either side of '=' (RFC 8601 §2.2 allows CFWS there).
func pairsOf(words []string) ([]pair, []bareWord) {
	var (
		pairs []pair
		bare  []bareWord
	)
	for i := 0; i < len(words); i++ {
		w := words[i]
		k := strings.IndexByte(w, '=')
		switch {
		case k < 0:
			if i+1 < len(words) && strings.HasPrefix(words[i+1], "=") {
				at := i
				val := words[i+1][1:]
				i++
				if val == "" && i+1 < len(words) {
					i++
					val = words[i]
				}
				pairs = append(pairs, pair{w, val, at})
				continue
			}
			bare = append(bare, bareWord{w, i})
		case k == 0:
			continue
		default:
			val := w[k+1:]
			at := i
			if val == "" && i+1 < len(words) && !strings.Contains(words[i+1], "=") {
				i++
				val = words[i]
			}
			pairs = append(pairs, pair{w[:k], val, at})
		}
	}
	return pairs, bare
}
