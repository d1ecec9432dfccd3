package typo

import (
	"strings"
	"sync"

	"golang.org/x/net/publicsuffix"
)

// entry is a precomputed correction of one typed domain.
type entry struct {
	target  int32 // index into index.targets
	edit    string
	score   float64
	certain bool // the typed domain cannot exist
	squat   bool
}

// cand is a correction of one part of a domain: a label or a suffix.
type cand struct {
	to    string
	edit  string
	p     float64
	exact bool // no slip: the part was typed right
}

// index holds everything Suggest consults, built once from the curated
// data. It is read-only after construction and safe for concurrent use.
type index struct {
	targets  []target
	byDomain map[string]int32    // target domain → index
	legit    map[string]bool     // targets and legitimate lookalikes
	legitAt  map[[2]string]bool  // the same, by (first label, rest)
	exact    map[string][]cand   // a target label → itself, as a candidate
	families map[string]bool     // labels with several real suffixes (yahoo, gmx)
	one      map[string]entry    // single slips of targets, and squats
	weak     map[string]entry    // slips too unsafe to correct without DNS evidence
	labelFix map[string][]cand   // label slip → target labels
	sfxFix   map[string][]cand   // suffix slip that is no real suffix → known suffixes
	bySplit  map[[2]string]int32 // (label, suffix) → target
	byLabel  map[string][]int32  // label → targets, heaviest first
	undotted map[string]string   // "couk" → "co.uk", for dotless input
	tldFix   map[string]string   // generic suffix slips: "con" → "com"
}

var (
	defaultOnce sync.Once
	defaultIx   *index
)

// defaultIndex returns the index built from the embedded data. The data is
// checked by the package's tests, so a failure here is a build defect.
func defaultIndex() *index {
	defaultOnce.Do(func() {
		c, err := parseCurated(knownText, legitText, squatsText)
		if err != nil {
			panic(err)
		}
		defaultIx = newIndex(c)
	})
	return defaultIx
}

// slipOK lists the slips from a suffix to another real one that are
// common enough to correct (.co, .cm and .om for .com; .ne and .et for
// .net; .ne for .me).
var slipOK = map[[2]string]bool{
	{"com", "co"}: true, {"com", "cm"}: true, {"com", "om"}: true,
	{"net", "ne"}: true, {"net", "et"}: true, {"me", "ne"}: true,
}

// realTLD reports whether the last label of name is a delegated top-level
// domain (the ICANN section of the Public Suffix List).
func realTLD(name string) bool {
	if i := strings.LastIndexByte(name, '.'); i >= 0 {
		name = name[i+1:]
	}
	if r, ok := knownTLDs()[name]; ok {
		return r
	}
	if name == "" {
		return false
	}
	_, icann := publicsuffix.PublicSuffix(name)
	return icann
}

// knownTLDs answers realTLD without allocating for every label of up to
// three letters (all country codes, the old generic domains and every
// three-letter slip of them) and the longer generic domains people use
// for mail. It is built once and never changed.
var knownTLDs = sync.OnceValue(func() map[string]bool {
	m := make(map[string]bool, 26*26*27)
	var b [3]byte
	for x := byte('a'); x <= 'z'; x++ {
		for y := byte('a'); y <= 'z'; y++ {
			b[0], b[1] = x, y
			_, m[string(b[:2])] = publicsuffix.PublicSuffix(string(b[:2]))
			for z := byte('a'); z <= 'z'; z++ {
				b[2] = z
				_, m[string(b[:])] = publicsuffix.PublicSuffix(string(b[:]))
			}
		}
	}
	for _, l := range []string{"info", "mobi", "name", "online", "email", "cloud", "tech", "site", "store", "shop", "live", "life", "world", "company", "digital", "agency", "media", "studio", "design", "space", "website", "global", "group", "solutions", "services", "consulting", "academy", "school", "systems", "network"} {
		_, m[l] = publicsuffix.PublicSuffix(l)
	}
	return m
})

// canExist reports whether a domain name could be registered at all: two
// or more well-formed labels under a delegated top-level domain.
func canExist(d string) bool {
	if !strings.Contains(d, ".") || !realTLD(d) {
		return false
	}
	for _, l := range strings.Split(d, ".") {
		if !validLabel(l) {
			return false
		}
	}
	return true
}

// newIndex builds the lookup tables from the curated data.
func newIndex(c *curated) *index {
	ix := &index{
		targets:  c.targets,
		byDomain: map[string]int32{},
		legit:    map[string]bool{},
		legitAt:  map[[2]string]bool{},
		exact:    map[string][]cand{},
		families: map[string]bool{},
		one:      map[string]entry{},
		weak:     map[string]entry{},
		labelFix: map[string][]cand{},
		sfxFix:   map[string][]cand{},
		bySplit:  map[[2]string]int32{},
		byLabel:  map[string][]int32{},
		undotted: map[string]string{},
	}
	suffixesOf := map[string]map[string]bool{}
	note := func(d string) {
		ix.legit[d] = true
		if l, s, ok := splitDomain(d); ok {
			ix.legitAt[[2]string{l, s}] = true
			if suffixesOf[l] == nil {
				suffixesOf[l] = map[string]bool{}
			}
			suffixesOf[l][s] = true
		}
	}
	for i, t := range ix.targets {
		ix.byDomain[t.domain] = int32(i)
		ix.bySplit[[2]string{t.label, t.suffix}] = int32(i)
		ix.byLabel[t.label] = append(ix.byLabel[t.label], int32(i))
		ix.exact[t.label] = []cand{{to: t.label, p: 1, exact: true}}
		ix.undotted[strings.ReplaceAll(t.suffix, ".", "")] = t.suffix
		note(t.domain)
	}
	for d := range c.legit {
		note(d)
	}
	for l, ss := range suffixesOf {
		ix.families[l] = len(ss) > 1
	}
	ix.buildOne()
	ix.buildWeak()
	ix.buildParts()
	ix.tldFix = buildTLDFix()
	ix.addSquats(c.squats)
	return ix
}

// add records a correction of typed unless typed is itself legitimate or a
// likelier correction of it is already known.
func (ix *index) add(typed string, e entry) {
	if ix.legit[typed] {
		return
	}
	if old, ok := ix.one[typed]; ok && old.score >= e.score {
		return
	}
	e.certain = !canExist(typed)
	ix.one[typed] = e
}

// buildOne fills ix.one with every single slip of every target.
func (ix *index) buildOne() {
	for i, t := range ix.targets {
		adj := newAdjacency(layoutsFor(t.suffix)...)
		emit := func(v, edit string, p float64) {
			ix.add(v, entry{target: int32(i), edit: edit, score: t.weight * p})
		}
		labelVariants(t.label, adj, t.word, func(v, edit string, p float64) {
			if validLabel(v) {
				emit(v+"."+t.suffix, edit, p)
			}
		})
		dotVariants(t.label, t.suffix, emit)
		suffixVariants(t.suffix, adj, func(v, edit string, p float64) {
			if !ix.suffixSlipOK(t, v) {
				return
			}
			emit(t.label+"."+v, edit, p)
		})
	}
}

// buildWeak fills ix.weak with the slips buildOne holds back: those of
// short and word labels (aok.com, webb.de, range.fr).
func (ix *index) buildWeak() {
	for i, t := range ix.targets {
		adj := newAdjacency(layoutsFor(t.suffix)...)
		looseLabelVariants(t.label, adj, func(v, edit string, p float64) {
			d := v + "." + t.suffix
			if !validLabel(v) || ix.legit[d] {
				return
			}
			if _, ok := ix.one[d]; ok {
				return
			}
			if old, ok := ix.weak[d]; ok && old.score >= t.weight*p {
				return
			}
			ix.weak[d] = entry{target: int32(i), edit: edit, score: t.weight * p}
		})
	}
}

// suffixSlipOK reports whether a slip from t's suffix to v may be
// corrected: v is no real suffix, or it is a common slip (.co for .com), or
// t is a one-domain brand whose label means nothing under another suffix.
func (ix *index) suffixSlipOK(t target, v string) bool {
	if !realTLD(v) {
		return true
	}
	return slipOK[[2]string{t.suffix, v}] || t.only && !t.word
}

// buildParts fills the tables used for two slips at once and for dotless
// input: label slips, suffix slips that are no real suffix.
func (ix *index) buildParts() {
	adjAll := newAdjacency(qwerty, azerty, qwertz)
	doneLabel := map[string]bool{}
	doneSuffix := map[string]bool{}
	for _, t := range ix.targets {
		if !doneLabel[t.label] {
			doneLabel[t.label] = true
			adj := newAdjacency(layoutsFor(t.suffix)...)
			labelVariants(t.label, adj, t.word, func(v, edit string, p float64) {
				if validLabel(v) && len(ix.byLabel[v]) == 0 {
					ix.labelFix[v] = appendCand(ix.labelFix[v], cand{to: t.label, edit: edit, p: p})
				}
			})
		}
		if !doneSuffix[t.suffix] {
			doneSuffix[t.suffix] = true
			suffixVariants(t.suffix, adjAll, func(v, edit string, p float64) {
				if !realTLD(v) {
					ix.sfxFix[v] = appendCand(ix.sfxFix[v], cand{to: t.suffix, edit: edit, p: p})
				}
			})
		}
	}
}

// appendCand adds c to cs unless cs already corrects to the same string
// with at least its weight.
func appendCand(cs []cand, c cand) []cand {
	for i, o := range cs {
		if o.to == c.to {
			if c.p > o.p {
				cs[i] = c
			}
			return cs
		}
	}
	return append(cs, c)
}

// addSquats marks the known squats, correcting each toward its target with
// the slip the tables find, whatever the tables would otherwise say.
func (ix *index) addSquats(squats map[string]string) {
	for typed, to := range squats {
		ti := ix.byDomain[to]
		edit := EditMisspelling
		if s, ok := ix.lookup(typed); ok && s.Domain == to {
			edit = s.Edit
		}
		ix.one[typed] = entry{target: ti, edit: edit, score: ix.targets[ti].weight, certain: true, squat: true}
	}
}
