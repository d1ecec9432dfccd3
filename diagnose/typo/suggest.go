package typo

import "strings"

// suggest is [Suggest] on this index.
func (ix *index) suggest(raw string) (Suggestion, bool) {
	d, rep, ok := normalize(raw)
	if !ok {
		return Suggestion{}, false
	}
	if ix.legit[d] {
		if rep == "" {
			return Suggestion{}, false
		}
		return Suggestion{Domain: d, Confidence: Certain, Edit: rep}, true
	}
	s, ok := ix.lookup(d)
	switch {
	case ok && rep != "":
		s.Edit = rep + "+" + s.Edit
		return s, true
	case ok:
		return s, true
	case rep != "" && canExist(d):
		// The repair alone is the whole correction (acme,com → acme.com).
		return Suggestion{Domain: d, Confidence: Certain, Edit: rep}, true
	}
	return Suggestion{}, false
}

// lookup corrects a repaired domain that is not legitimate.
func (ix *index) lookup(d string) (Suggestion, bool) {
	if e, ok := ix.one[d]; ok {
		return ix.suggestion(e), true
	}
	if !strings.Contains(d, ".") {
		return ix.dotless(d)
	}
	if s, ok := ix.extraTLD(d); ok {
		return s, true
	}
	l, sfx, _ := splitDomain(d)
	if best, ok := ix.twoSlips(l, sfx); ok {
		best.certain = !canExist(d) && best.edit == EditTLD
		return ix.suggestion(best), true
	}
	return ix.genericTLD(d)
}

func (ix *index) suggestion(e entry) Suggestion {
	c := Likely
	if e.certain {
		c = Certain
	}
	return Suggestion{Domain: ix.targets[e.target].domain, Confidence: c, Squat: e.squat, Edit: e.edit}
}

// labelCands returns the targets' labels that l may be: itself when it is
// one, and the labels one slip away.
func (ix *index) labelCands(l string) []cand {
	if c, ok := ix.exact[l]; ok {
		return c
	}
	return ix.labelFix[l]
}

// twoSlips corrects a label slip and a suffix slip made together
// (yahooo.cmo), and a one-domain brand's label under a foreign suffix
// (gmail.de; gmial.dee, but not gmial.de): the cases the single-slip
// table does not hold.
func (ix *index) twoSlips(l, sfx string) (entry, bool) {
	labels := ix.labelCands(l)
	if len(labels) == 0 {
		return entry{}, false
	}
	sfxs := ix.sfxFix[sfx]
	var best entry
	found := false
	consider := func(ti int32, edit string, score float64) {
		if !found || score > best.score {
			best, found = entry{target: ti, edit: edit, score: score}, true
		}
	}
	if len(sfxs) == 0 && labels[0].exact && !realTLD(sfx) {
		// The label is right and the suffix cannot exist: any one slip
		// of one of the label's suffixes will do (hotmail.comr).
		for _, ti := range ix.byLabel[l] {
			if osa(sfx, ix.targets[ti].suffix, 2) == 1 {
				consider(ti, EditTLD, ix.targets[ti].weight*pNear)
			}
		}
	}
	for _, lc := range labels {
		for _, sc := range sfxs {
			if ti, ok := ix.bySplit[[2]string{lc.to, sc.to}]; ok {
				consider(ti, joinEdits(lc.edit, sc.edit), ix.targets[ti].weight*lc.p*sc.p*pSecond)
			}
		}
		if ix.legitAt[[2]string{lc.to, sfx}] || !lc.exact && realTLD(sfx) {
			// Another brand's real domain, or two slips landing on a
			// real suffix (fmail.de): too far to be sure.
			continue
		}
		for _, ti := range ix.byLabel[lc.to] {
			t := ix.targets[ti]
			switch {
			case t.only && !t.word:
				consider(ti, joinEdits(lc.edit, EditTLD), t.weight*lc.p*pSwapTLD)
			case ix.families[t.label] && !t.word && isGeneric(sfx) && t.suffix == "com":
				// yahoo.net, hotmail.org: the brands use no such domain.
				consider(ti, joinEdits(lc.edit, EditTLD), t.weight*lc.p*pSwapTLD)
			}
		}
	}
	return best, found
}

// isGeneric reports the generic suffixes people put in place of .com.
func isGeneric(sfx string) bool {
	switch sfx {
	case "net", "org", "info", "biz":
		return true
	}
	return false
}

func joinEdits(a, b string) string {
	switch {
	case a == "":
		return b
	case b == "":
		return a
	}
	return a + "+" + b
}

// extraTLD corrects a target typed with its suffix twice or with a stray
// suffix after it (gmail.com.com, gmail.com.co).
func (ix *index) extraTLD(d string) (Suggestion, bool) {
	i := strings.LastIndexByte(d, '.')
	head, tail := d[:i], d[i+1:]
	ti, ok := ix.byDomain[head]
	if !ok {
		return Suggestion{}, false
	}
	switch tail {
	case "com", "co", "cm", "om", "con", "net", "c":
		s := ix.suggestion(entry{target: ti, edit: EditExtraTLD, certain: !realTLD(tail)})
		return s, true
	}
	return Suggestion{}, false
}

// dotless corrects a domain typed without any dot: a target with its dot
// missed (gmailcom, hotmailcouk, gmialcom), a bare target label (gmail), or
// any name run into .com, .net or .org (acmecom).
func (ix *index) dotless(d string) (Suggestion, bool) {
	var best entry
	found := false
	for i := 1; i < len(d); i++ {
		sfx, ok := ix.undotted[d[i:]]
		if !ok {
			continue
		}
		for _, lc := range ix.labelCands(d[:i]) {
			ti, ok := ix.bySplit[[2]string{lc.to, sfx}]
			if !ok {
				continue
			}
			score := ix.targets[ti].weight * lc.p
			if !found || score > best.score {
				best = entry{target: ti, edit: joinEdits(EditMissingDot, lc.edit), score: score, certain: lc.exact}
				found = true
			}
		}
	}
	if found {
		return ix.suggestion(best), true
	}
	if tis := ix.byLabel[d]; len(tis) > 0 && !ix.targets[tis[0]].word {
		t := ix.targets[tis[0]]
		return ix.suggestion(entry{target: tis[0], edit: EditMissingTLD, certain: t.only}), true
	}
	for _, g := range [...]string{"com", "net", "org"} {
		if l, ok := strings.CutSuffix(d, g); ok && len(l) >= 3 && validLabel(l) {
			return Suggestion{Domain: l + "." + g, Confidence: Likely, Edit: EditMissingDot}, true
		}
	}
	return Suggestion{}, false
}

// genericTLD corrects a slip of a common suffix in any domain whose
// suffix does not exist (acme.con → acme.com, acme.co.k → acme.co.uk,
// acme.com.com → acme.com), longest suffix first.
func (ix *index) genericTLD(d string) (Suggestion, bool) {
	if strings.HasSuffix(d, ".com.com") {
		head := d
		for strings.HasSuffix(head, ".com.com") {
			head = head[:len(head)-len(".com")]
		}
		if validName(head) {
			return ix.then(head, EditExtraTLD, Likely), true
		}
	}
	if realTLD(d) {
		return Suggestion{}, false
	}
	dots := make([]int, 0, 3)
	for i := len(d) - 1; i > 0 && len(dots) < 3; i-- {
		if d[i] == '.' {
			dots = append(dots, i)
		}
	}
	for n := len(dots) - 1; n >= 0; n-- {
		head, tail := d[:dots[n]], d[dots[n]+1:]
		to, ok := ix.tldFix[tail]
		if !ok && n == 0 && osa(tail, "com", 2) == 1 {
			to, ok = "com", true // any slip of com into no suffix at all
		}
		if !ok || !validName(head) {
			continue
		}
		return ix.then(head+"."+to, EditTLD, Certain), true
	}
	return Suggestion{}, false
}

// then returns the suggestion of fixed, a repaired name whose suffix
// exists, or of what fixed is itself a slip of (maail.com.co1 → maail.com
// → mail.com). The recursion ends: a name with a real suffix and no
// doubled .com is not repaired again.
func (ix *index) then(fixed, edit string, c Confidence) Suggestion {
	if ix.legit[fixed] {
		return Suggestion{Domain: fixed, Confidence: c, Edit: edit}
	}
	if s, ok := ix.lookup(fixed); ok {
		s.Edit = joinEdits(edit, s.Edit)
		s.Squat = false // what was typed is not the squat
		if c == Likely {
			s.Confidence = Likely
		}
		return s
	}
	return Suggestion{Domain: fixed, Confidence: c, Edit: edit}
}

// validName reports whether d is one or more well-formed labels.
func validName(d string) bool {
	for {
		l, rest, more := strings.Cut(d, ".")
		if !validLabel(l) {
			return false
		}
		if !more {
			return true
		}
		d = rest
	}
}

// osa is the optimal string alignment distance of a and b (Levenshtein
// with adjacent transpositions), or limit when it is at least limit.
func osa(a, b string, limit int) int {
	if d := len(a) - len(b); d >= limit || -d >= limit {
		return limit
	}
	var rows [3][16]int
	if len(b) >= len(rows[0]) {
		return limit
	}
	prev2, prev, cur := &rows[0], &rows[1], &rows[2]
	for j := 0; j <= len(b); j++ {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
			if i > 1 && j > 1 && a[i-1] == b[j-2] && a[i-2] == b[j-1] {
				cur[j] = min(cur[j], prev2[j-2]+1)
			}
		}
		prev2, prev, cur = prev, cur, prev2
	}
	return min(prev[len(b)], limit)
}
