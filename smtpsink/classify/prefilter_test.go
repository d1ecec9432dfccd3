package classify

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// guardedAll lists every expression that runs behind a literal prefilter.
func guardedAll() []*guardedRe {
	all := []*guardedRe{vacationSubjectRe, vacationBodyRe, ticketSubjectRe, ticketBodyRe, moderationRe, bounceBodyRe}
	for _, h := range helpdesks {
		all = append(all, h.re)
	}
	for _, h := range listSystemRe {
		all = append(all, h.re)
	}
	for _, r := range phraseRules {
		all = append(all, r.re)
	}
	all = append(all, challengeAsks...)
	return append(all, challengeContext...)
}

// checkPrefilterSound fails when an expression matches text although its
// prefilter would have skipped it.
func checkPrefilterSound(t *testing.T, text string) {
	t.Helper()
	folded := foldKey(text)
	for _, g := range guardedAll() {
		if !g.possible(folded) && g.re.MatchString(text) {
			t.Errorf("prefilter %q skips %q, which matches %q", g.need, g.re, g.re.FindString(text))
		}
	}
}

func TestFoldKey(t *testing.T) {
	tests := []struct{ in, want string }{
		{"Out Of OFFICE", "out of office"},
		{"already lower", "already lower"},
		{"\u212Aelvin", "kelvin"},         // KELVIN SIGN folds with k
		{"mi\u017Fsing", "missing"},       // LONG S folds with s
		{"ÜBER über", "Über Über"},        // the least rune of the orbit
		{"ПОДТВЕРДИТЕ", "ПОДТВЕРДИТЕ"},    // idem
		{"a\xffb", "a\uFFFDb"},            // invalid bytes read as U+FFFD
		{"ΣΑΣ σας", "ΣΑΣ ΣΑΣ"},            // final sigma too
		{"\u00B5 \u03BC \u039C", "µ µ µ"}, // micro sign, mu, capital mu
	}
	for _, tt := range tests {
		if got := foldKey(tt.in); got != tt.want {
			t.Errorf("foldKey(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

// TestPrefilterSound checks on the texts of every sample and corpus
// message, and on case and Unicode variants of them, that no expression
// is skipped where it matches.
func TestPrefilterSound(t *testing.T) {
	names, raws := goldenInputs(t)
	variants := []func(string) string{
		func(s string) string { return s },
		strings.ToUpper,
		func(s string) string { return strings.NewReplacer("k", "\u212A", "s", "\u017F").Replace(s) },
	}
	for _, n := range names {
		m, err := parseMessage(raws[n])
		if err != nil {
			continue
		}
		body := bodyText(m)
		vs, texts := variants, []string{m.subject, body, normalize(m.subject + "\n" + body), headerDump(m) + "\n" + body, reportText(m)}
		if strings.HasPrefix(n, "corpus/") {
			// The corpus is large: its bounce texts as the classifier
			// scans them suffice.
			vs, texts = variants[:1], []string{normalize(m.subject + "\n" + body), reportText(m)}
		}
		for _, text := range texts {
			for _, v := range vs {
				checkPrefilterSound(t, v(text))
			}
		}
	}
	if t.Failed() {
		return
	}
	// Every prefilter must still let some text through: a prefilter that
	// never passes would silently disable its expression.
	for _, g := range guardedAll() {
		if g.need != nil && !g.possible(strings.Join(g.need, " ")) {
			t.Errorf("prefilter %q of %q passes nothing", g.need, g.re)
		}
	}
}

// TestPrefilterUsed guards the speed-up itself: the long expressions of
// the body scans must have a prefilter.
func TestPrefilterUsed(t *testing.T) {
	for name, g := range map[string]*guardedRe{
		"vacationBodyRe": vacationBodyRe, "ticketBodyRe": ticketBodyRe,
		"moderationRe": moderationRe, "bounceBodyRe": bounceBodyRe,
	} {
		if g.need == nil {
			t.Errorf("%s has no prefilter", name)
		}
	}
	for i, g := range append(append([]*guardedRe{}, challengeAsks...), challengeContext...) {
		if g.need == nil {
			t.Errorf("challenge pattern %d (%q) has no prefilter", i, g.re)
		}
	}
}

func TestCollapseSpace(t *testing.T) {
	for _, s := range []string{"", " ", "a", "a b", "a  b", "\t\ta\r\n b\f", "x\vy", "a \u00a0 b", "end  ", "\xff \t\xfe"} {
		if got, want := collapseSpace(s), spaceRunRe.ReplaceAllString(s, " "); got != want {
			t.Errorf("collapseSpace(%q) = %q, want %q", s, got, want)
		}
		if got, want := mayHaveReplyCode(s), continuationRe.MatchString(s); want && !got {
			t.Errorf("mayHaveReplyCode(%q) = false, but continuationRe matches", s)
		}
	}
}

// FuzzPrefilter checks that prefilters never skip an expression that
// matches, and that the regexp-free normalisation helpers agree with the
// expressions they replace.
func FuzzPrefilter(f *testing.F) {
	paths, _ := filepath.Glob(filepath.Join("testdata", "samples", "*", "*.eml"))
	for _, p := range paths {
		if raw, err := os.ReadFile(p); err == nil && len(raw) < 4096 {
			f.Add(string(raw))
		}
	}
	f.Add("Please CONFIRM THAT YOU ARE A REAL PERSON; your message is being held. 550-5.1.1 ſender verification")
	f.Fuzz(func(t *testing.T, text string) {
		checkPrefilterSound(t, text)
		checkPrefilterSound(t, normalize(text))
		if got, want := collapseSpace(text), spaceRunRe.ReplaceAllString(text, " "); got != want {
			t.Fatalf("collapseSpace(%q) = %q, want %q", text, got, want)
		}
		if !mayHaveReplyCode(text) && continuationRe.MatchString(text) {
			t.Fatalf("mayHaveReplyCode(%q) = false, but continuationRe matches", text)
		}
	})
}
