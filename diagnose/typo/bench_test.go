package typo

import (
	"math/rand/v2"
	"testing"
)

// benchMix is a realistic stream of typed domains: mostly right (weighted
// toward the big providers), some typos from the corpus, some company and
// university domains.
func benchMix(tb testing.TB) []string {
	c := loadCorpus(tb)
	known := Known()
	var company []string
	for _, l := range c.legit {
		if l[1] == "held-out" {
			company = append(company, l[0])
		}
	}
	r := rand.New(rand.NewPCG(corpusSeed, 1))
	mix := make([]string, 0, 10000)
	for range cap(mix) {
		switch x := r.IntN(100); {
		case x < 70:
			mix = append(mix, known[min(r.IntN(len(known)), r.IntN(len(known)), r.IntN(20))])
		case x < 80:
			mix = append(mix, c.typos[r.IntN(len(c.typos))].typed)
		default:
			mix = append(mix, company[r.IntN(len(company))])
		}
	}
	return mix
}

// BenchmarkSuggest measures Suggest over the mix; the issue asks for at
// least 100,000 suggestions per second per core.
func BenchmarkSuggest(b *testing.B) {
	mix := benchMix(b)
	defaultIndex()
	b.ReportAllocs()
	b.ResetTimer()
	i := 0
	for b.Loop() {
		Suggest(mix[i%len(mix)])
		i++
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "suggestions/s")
}

// BenchmarkIndexBuild measures building the tables, paid once per process.
func BenchmarkIndexBuild(b *testing.B) {
	c, err := parseCurated(knownText, legitText, squatsText)
	if err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		newIndex(c)
	}
}

// TestSuggestAllocs checks the common cases allocate nothing: a right
// domain, a company domain, a typo in the table.
func TestSuggestAllocs(t *testing.T) {
	defaultIndex()
	for _, d := range []string{"gmail.com", "siemens.com", "gmial.com", "hotmial.co.uk", "mail.acme.co.uk"} {
		if n := testing.AllocsPerRun(100, func() { Suggest(d) }); n != 0 {
			t.Errorf("Suggest(%q) allocates %.0f times", d, n)
		}
	}
}
