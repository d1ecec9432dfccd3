package typo

import (
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
)

// The targets of codeprobe issue "email-domain typo suggestions users can
// trust".
const (
	minRecall    = 0.97
	maxFalseRate = 0.005
)

// loadCorpus reads the committed corpus files.
func loadCorpus(t testing.TB) corpus {
	t.Helper()
	var c corpus
	read := func(name string, fn func(f []string)) {
		b, err := os.ReadFile(filepath.Join(corpusDir, name))
		if err != nil {
			t.Fatalf("%v (run go test -run TestCorpusUpToDate -update)", err)
		}
		for _, line := range strings.Split(string(b), "\n") {
			if line == "" || strings.HasPrefix(line, "#") {
				continue
			}
			fn(strings.Split(line, "\t"))
		}
	}
	read("typos.tsv", func(f []string) {
		c.typos = append(c.typos, corpusTypo{f[0], strings.Split(f[1], ","), f[2]})
	})
	read("legit.tsv", func(f []string) { c.legit = append(c.legit, [2]string{f[0], f[1]}) })
	read("uncertain.tsv", func(f []string) { c.uncertain = append(c.uncertain, [3]string{f[0], f[1], f[2]}) })
	return c
}

// suggester is a function under measurement: Suggest, or a baseline.
type suggester func(string) (string, bool)

// score is what a suggester achieves on the corpus.
type score struct {
	hits, typos           int
	falses, legit         int
	uncertainSuggested    int
	missByKind, allByKind map[string]int
	falseBySource         map[string]int
	misses, falseHits     []string
}

func (s score) recall() float64    { return float64(s.hits) / float64(s.typos) }
func (s score) falseRate() float64 { return float64(s.falses) / float64(s.legit) }

func measure(c corpus, sug suggester) score {
	s := score{missByKind: map[string]int{}, allByKind: map[string]int{}, falseBySource: map[string]int{}}
	for _, ty := range c.typos {
		s.typos++
		s.allByKind[ty.kind]++
		got, ok := sug(ty.typed)
		if ok && contains(ty.intended, got) {
			s.hits++
			continue
		}
		s.missByKind[ty.kind]++
		s.misses = append(s.misses, fmt.Sprintf("%s→%q (want %s)", ty.typed, got, strings.Join(ty.intended, "|")))
	}
	for _, l := range c.legit {
		s.legit++
		if got, ok := sug(l[0]); ok {
			s.falses++
			s.falseBySource[l[1]]++
			s.falseHits = append(s.falseHits, fmt.Sprintf("%s→%s (%s)", l[0], got, l[1]))
		}
	}
	for _, u := range c.uncertain {
		if _, ok := sug(u[0]); ok {
			s.uncertainSuggested++
		}
	}
	return s
}

func contains(xs []string, x string) bool {
	for _, y := range xs {
		if y == x {
			return true
		}
	}
	return false
}

func suggestDomain(d string) (string, bool) {
	s, ok := Suggest(d)
	return s.Domain, ok
}

// TestAccuracy measures Suggest on the corpus against the targets
// and logs the numbers, with the naive baseline for scale.
func TestAccuracy(t *testing.T) {
	c := loadCorpus(t)
	s := measure(c, suggestDomain)
	t.Logf("typo set: %d typed domains; recall %.2f%% (%d missed)", s.typos, 100*s.recall(), s.typos-s.hits)
	for _, k := range sortedKeys(s.allByKind) {
		t.Logf("  %-14s %4d, missed %d", k, s.allByKind[k], s.missByKind[k])
	}
	t.Logf("legitimate set: %d domains; false suggestions %.2f%% (%d) by source %v", s.legit, 100*s.falseRate(), s.falses, s.falseBySource)
	t.Logf("  sources: %v", countSources(c))
	t.Logf("uncertain set (scored by neither): %d, suggested for %d", len(c.uncertain), s.uncertainSuggested)
	for i, m := range s.misses {
		if i == 40 {
			t.Logf("  … %d more misses", len(s.misses)-40)
			break
		}
		t.Logf("  miss: %s", m)
	}
	for _, f := range s.falseHits {
		t.Logf("  false: %s", f)
	}
	b := measure(c, newBaseline(Known()).suggest)
	t.Logf("baseline (nearest known domain within edit distance 2): recall %.2f%%, false suggestions %.2f%% by source %v, uncertain suggested %d",
		100*b.recall(), 100*b.falseRate(), b.falseBySource, b.uncertainSuggested)
	if s.recall() < minRecall {
		t.Errorf("recall %.2f%% < %.0f%%", 100*s.recall(), 100*minRecall)
	}
	if s.falseRate() > maxFalseRate {
		t.Errorf("false suggestions %.2f%% > %.1f%%", 100*s.falseRate(), 100*maxFalseRate)
	}
}

func countSources(c corpus) map[string]int {
	m := map[string]int{}
	for _, l := range c.legit {
		m[l[1]]++
	}
	return m
}

func sortedKeys(m map[string]int) []string {
	var ks []string
	for k := range m {
		ks = append(ks, k)
	}
	sort.Strings(ks)
	return ks
}

// TestSquatsFlagged checks every corpus typo that is a known squat comes
// back with Squat set and certain.
func TestSquatsFlagged(t *testing.T) {
	c, err := parseCurated(knownText, legitText, squatsText)
	if err != nil {
		t.Fatal(err)
	}
	for typed, to := range c.squats {
		s, ok := Suggest(typed)
		if !ok || s.Domain != to || !s.Squat || s.Confidence != Certain {
			t.Errorf("Suggest(%q) = %+v, %v; want squat of %s", typed, s, ok, to)
		}
	}
}

// baseline is the naive suggester: the nearest known domain within
// optimal-string-alignment distance 2 (osa), heaviest first on ties.
type baseline struct{ known []string }

func newBaseline(known []string) baseline { return baseline{known} }

func (b baseline) suggest(d string) (string, bool) {
	d = strings.ToLower(strings.TrimSpace(d))
	best, bestD := "", 3
	for _, k := range b.known {
		if dist := osa(d, k, bestD); dist < bestD {
			best, bestD = k, dist
		}
	}
	if bestD == 0 || best == "" {
		return "", false
	}
	return best, true
}
