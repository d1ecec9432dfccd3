package classify

import (
	"bufio"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
)

// Targets on the hand-written samples of testdata/samples.
const (
	targetChallengeRecall = 0.95
	targetKindAccuracy    = 0.95
)

// sample is one row of testdata/samples/want.tsv: a message written for
// these tests and what it must be classified as.
type sample struct {
	file, kind, system, reason, token, url string
}

func loadSamples(t testing.TB) []sample {
	t.Helper()
	f, err := os.Open(filepath.Join("testdata", "samples", "want.tsv"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out []sample
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if strings.HasPrefix(sc.Text(), "#") || strings.TrimSpace(sc.Text()) == "" {
			continue
		}
		c := strings.Split(sc.Text(), "\t")
		for len(c) < 6 {
			c = append(c, "")
		}
		out = append(out, sample{file: c[0], kind: c[1], system: c[2], reason: c[3], token: c[4], url: c[5]})
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

func classifySample(t testing.TB, s sample) *Result {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join("testdata", "samples", s.file))
	if err != nil {
		t.Fatal(err)
	}
	res, err := Classify(raw)
	if err != nil {
		t.Fatalf("%s: %v", s.file, err)
	}
	return res
}

// subtype groups samples for reporting: challenge, vacation, ticket,
// moderation, reply, bounce, feedback.
func subtype(s sample) string {
	base := filepath.Base(s.file)
	for _, p := range []string{"vacation", "ticket", "moderation"} {
		if strings.HasPrefix(base, p+"-") {
			return p
		}
	}
	return s.kind
}

// TestSamples checks every written sample against its expected kind,
// system, reason, token and challenge link, and measures challenge recall
// and per-kind accuracy.
func TestSamples(t *testing.T) {
	samples := loadSamples(t)
	counts := map[string]int{}
	for _, s := range samples {
		counts[subtype(s)]++
	}
	for kind, min := range map[string]int{"challenge": 24, "vacation": 20, "ticket": 15, "moderation": 6, "reply": 10} {
		if counts[kind] < min {
			t.Errorf("only %d %s samples, want at least %d", counts[kind], kind, min)
		}
	}
	perKind := map[string]*tally{}
	var recall tally
	falsePositives := 0
	for _, s := range samples {
		res := classifySample(t, s)
		st := subtype(s)
		if perKind[st] == nil {
			perKind[st] = &tally{}
		}
		ok := string(res.Kind) == s.kind && res.System == s.system && res.Reason == s.reason
		if s.kind == string(KindBounce) || s.kind == string(KindFeedback) {
			ok = string(res.Kind) == s.kind && res.Reason == s.reason
		}
		perKind[st].add(ok)
		if !ok {
			t.Errorf("%s: got kind=%s system=%q reason=%q, want kind=%s system=%q reason=%q\n%s",
				s.file, res.Kind, res.System, res.Reason, s.kind, s.system, s.reason, describe(res))
		}
		if s.kind == string(KindChallenge) {
			recall.add(res.Kind == KindChallenge)
			if res.ChallengeURL != s.url {
				t.Errorf("%s: challenge URL %q, want %q", s.file, res.ChallengeURL, s.url)
			}
		} else if res.Kind == KindChallenge {
			falsePositives++
			t.Errorf("%s: false challenge: %s", s.file, describe(res))
		}
		if res.Token != s.token {
			t.Errorf("%s: token %q, want %q", s.file, res.Token, s.token)
		}
	}
	names := make([]string, 0, len(perKind))
	for k := range perKind {
		names = append(names, k)
	}
	sort.Strings(names)
	var b strings.Builder
	for _, k := range names {
		fmt.Fprintf(&b, "  %-11s %s\n", k, perKind[k])
		if perKind[k].rate() < targetKindAccuracy {
			t.Errorf("%s accuracy %s is below %.0f%%", k, perKind[k], 100*targetKindAccuracy)
		}
	}
	t.Logf("accuracy on the written samples per kind:\n%s", b.String())
	t.Logf("challenge recall %s (target %.0f%%); false challenges among %d other samples: %d",
		recall, 100*targetChallengeRecall, len(samples)-recall.n, falsePositives)
	if recall.rate() < targetChallengeRecall {
		t.Errorf("challenge recall %s is below the %.0f%% target", recall, 100*targetChallengeRecall)
	}
}

// TestNoChallengeInCorpus requires zero false challenges on the real
// bounces, auto-replies and reports of the shared corpus.
func TestNoChallengeInCorpus(t *testing.T) {
	corpus := loadCorpus(t)
	n := 0
	for _, cf := range corpus {
		res, err := Classify(cf.raw)
		if err != nil {
			t.Fatalf("%s: %v", cf.name, err)
		}
		if res.Kind == KindChallenge {
			n++
			t.Errorf("%s: classified as a challenge: %s", cf.name, describe(res))
		}
	}
	t.Logf("false challenges among %d corpus messages: %d", len(corpus), n)
}
