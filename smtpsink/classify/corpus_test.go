package classify

import (
	"bufio"
	"crypto/sha256"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"

	"github.com/codeprobe/codeprobe/internal/testenv"
)

// dumpMisses prints every disagreement with the labels, for whoever tunes
// the generic rules (never by family: see the package documentation).
var dumpMisses = flag.Bool("corpus.misses", false, "log every file whose classification disagrees with labels.tsv")

// Targets of the bounce corpus (shared/corpora/bounces, sisimai's set).
// The target for reason agreement is 95%, on all files and leave
// one MTA family out; the classifier is not there yet, so the tests guard
// the floors it has reached against regressions, and log the distance to
// the target. The rules alone reached 92.2% and 79.9% (notes of issue 3);
// with the learned reason model (model.go) they reached 93.4% (395/423)
// and 81.1% (343/423), the model of each held-out family trained without
// its files; with the reply codes read against the status's subject and
// more of MTAs' standard wordings, 93.4% (395/423) and 82.3% (348/423).
// Most of what remains is wording only one family's files use (held out
// for it, as it should be) and labels the RFCs read otherwise.
const (
	targetAgreement = 0.95
	floorAgreement  = 0.933
	floorLOFO       = 0.822
	targetStatus    = 0.80
)

// label is one row of labels.tsv: what sisimai says about the index-th
// recipient of a file.
type label struct {
	status, replyCode, reason string
}

type corpusFile struct {
	name, family string
	hash         [32]byte
	raw          []byte
	labels       []label
}

var familyRe = regexp.MustCompile(`-\d+\.eml$`)

// loadCorpus reads the labelled messages through testenv, so CI fails
// rather than skips when the shared folder is missing.
func loadCorpus(t testing.TB) []corpusFile {
	t.Helper()
	dir := testenv.Shared(t, "corpora", "bounces")
	f, err := os.Open(filepath.Join(dir, "labels.tsv"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	byName := map[string]*corpusFile{}
	var order []string
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := sc.Text()
		if strings.HasPrefix(line, "#") || strings.TrimSpace(line) == "" {
			continue
		}
		cols := strings.Split(line, "\t")
		if len(cols) < 5 {
			t.Fatalf("labels.tsv: short row %q", line)
		}
		cf, ok := byName[cols[0]]
		if !ok {
			cf = &corpusFile{name: cols[0], family: familyRe.ReplaceAllString(cols[0], "")}
			byName[cols[0]] = cf
			order = append(order, cols[0])
		}
		cf.labels = append(cf.labels, label{status: cols[2], replyCode: cols[3], reason: cols[4]})
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	var out []corpusFile
	for _, name := range order {
		cf := byName[name]
		raw, err := os.ReadFile(filepath.Join(dir, "eml", name))
		if err != nil {
			t.Fatal(err)
		}
		cf.raw, cf.hash = raw, sha256.Sum256(raw)
		out = append(out, *cf)
	}
	if len(out) < 390 {
		t.Fatalf("corpus has %d labelled files, want the 395 of the shared set", len(out))
	}
	return out
}

// agrees reports whether a result matches the index-th label of a file.
func agrees(res *Result, l label, i int) bool {
	switch l.reason {
	case "not-a-bounce":
		return res.Kind == KindReply || res.Kind == KindUnknown
	case "vacation":
		return res.Kind == KindAutoreply && res.Reason == "vacation"
	case "feedback":
		return res.Kind == KindFeedback
	}
	return res.Kind == KindBounce && i < len(res.Recipients) && res.Recipients[i].Reason == l.reason
}

// sisimaiInternalRe matches the codes sisimai invents when a report has
// none (X.0.9NN); no parser of the message itself can find them.
var sisimaiInternalRe = regexp.MustCompile(`^[245]\.0\.9\d\d$`)

type tally struct{ ok, n int }

func (t *tally) add(ok bool) {
	t.n++
	if ok {
		t.ok++
	}
}

func (t tally) rate() float64 {
	if t.n == 0 {
		return 1
	}
	return float64(t.ok) / float64(t.n)
}

func (t tally) String() string { return fmt.Sprintf("%d/%d = %.1f%%", t.ok, t.n, 100*t.rate()) }

func familyTable(t *testing.T, title string, fam map[string]*tally) {
	t.Helper()
	names := make([]string, 0, len(fam))
	for k := range fam {
		names = append(names, k)
	}
	sort.Slice(names, func(i, j int) bool {
		if fam[names[i]].rate() != fam[names[j]].rate() {
			return fam[names[i]].rate() < fam[names[j]].rate()
		}
		return names[i] < names[j]
	})
	var b strings.Builder
	fmt.Fprintf(&b, "%s per family (lowest first):\n", title)
	for _, k := range names {
		fmt.Fprintf(&b, "  %-24s %s\n", k, fam[k])
	}
	t.Log(b.String())
}

func describe(res *Result) string {
	var b strings.Builder
	fmt.Fprintf(&b, "kind=%s reason=%s", res.Kind, res.Reason)
	for _, r := range res.Recipients {
		fmt.Fprintf(&b, "\n      %s %s %s code=%d [%s]", r.Address, r.Status, r.Reason, r.Code, oneLine(r.Diagnostic, 140))
	}
	for _, e := range res.Evidence {
		fmt.Fprintf(&b, "\n      · %s", e)
	}
	return b.String()
}

// TestCorpusReasonAgreement measures reason agreement with sisimai's labels
// on every file, per family.
func TestCorpusReasonAgreement(t *testing.T) {
	corpus := loadCorpus(t)
	var all tally
	fam := map[string]*tally{}
	for _, cf := range corpus {
		res, err := Classify(cf.raw)
		if err != nil {
			t.Fatalf("%s: %v", cf.name, err)
		}
		if fam[cf.family] == nil {
			fam[cf.family] = &tally{}
		}
		for i, l := range cf.labels {
			ok := agrees(res, l, i)
			all.add(ok)
			fam[cf.family].add(ok)
			if !ok && *dumpMisses {
				t.Logf("MISS %s #%d want %s/%s got %s", cf.name, i+1, l.reason, l.status, describe(res))
			}
		}
	}
	familyTable(t, "reason agreement", fam)
	t.Logf("reason agreement on all files: %s (target %.0f%%, floor %.1f%%)", all, 100*targetAgreement, 100*floorAgreement)
	if all.rate() < floorAgreement {
		t.Errorf("reason agreement %s fell below the %.1f%% already reached", all, 100*floorAgreement)
	}
}

// TestCorpusStatusAgreement measures how often the status found is the
// labelled one, leaving out sisimai's invented X.0.9NN codes.
func TestCorpusStatusAgreement(t *testing.T) {
	corpus := loadCorpus(t)
	var real, withInternal tally
	for _, cf := range corpus {
		res, err := Classify(cf.raw)
		if err != nil {
			t.Fatalf("%s: %v", cf.name, err)
		}
		for i, l := range cf.labels {
			if l.status == "" {
				continue
			}
			got := ""
			if i < len(res.Recipients) {
				got = res.Recipients[i].Status
			}
			ok := got == l.status
			withInternal.add(ok)
			if sisimaiInternalRe.MatchString(l.status) {
				continue
			}
			real.add(ok)
			if !ok && *dumpMisses {
				t.Logf("STATUS %s #%d want %s got %q", cf.name, i+1, l.status, got)
			}
		}
	}
	t.Logf("status agreement: %s of labels with a real RFC 3463 code; %s counting sisimai's invented X.0.9NN codes", real, withInternal)
	if real.rate() < targetStatus {
		t.Errorf("status agreement %s is below %.0f%%", real, 100*targetStatus)
	}
}

// TestCorpusLeaveOneFamilyOut measures how the phrase rules and the
// reason model generalise to MTA families they were not written against
// or trained on. The rules are hand-written, not mined, but any rule whose
// pattern matches a corpus recipient's text and names its labelled reason
// could have been written because of that file. So, for each family F, a
// rule is held out when all the files that support it so belong to F (or
// are byte-identical copies of F's files, as the corpus files some
// messages under two families), and the model is retrained on the other
// families' files only, byte-identical copies of F's excluded; F is then
// classified with those rules and that model. Only phrasing shared with
// another family counts, as RFC-based rules (status and reply codes, SMTP
// commands) do.
func TestCorpusLeaveOneFamilyOut(t *testing.T) {
	corpus := loadCorpus(t)
	support := ruleSupport(t, corpus)
	examples := corpusExamples(t, corpus)
	families := map[string][]corpusFile{}
	for _, cf := range corpus {
		families[cf.family] = append(families[cf.family], cf)
	}
	var all tally
	fam := map[string]*tally{}
	heldOut := map[string][]string{}
	for name, files := range families {
		own := map[[32]byte]bool{}
		for _, cf := range files {
			own[cf.hash] = true
		}
		c := newClassifier(func(id string) bool {
			s := support[id]
			for h := range s {
				if !own[h] {
					return true
				}
			}
			if len(s) > 0 {
				heldOut[name] = append(heldOut[name], id)
				return false
			}
			return true
		}, trainModel(examples, own))
		fam[name] = &tally{}
		for _, cf := range files {
			res, err := c.classify(cf.raw)
			if err != nil {
				t.Fatalf("%s: %v", cf.name, err)
			}
			for i, l := range cf.labels {
				ok := agrees(res, l, i)
				all.add(ok)
				fam[name].add(ok)
				if !ok && *dumpMisses {
					t.Logf("LOFO MISS %s #%d want %s got %s", cf.name, i+1, l.reason, describe(res))
				}
			}
		}
	}
	if *dumpMisses {
		for name, ids := range heldOut {
			t.Logf("held out for %s: %q", name, ids)
		}
	}
	familyTable(t, "leave-one-family-out agreement", fam)
	t.Logf("leave-one-family-out reason agreement: %s (target %.0f%%, floor %.1f%%)", all, 100*targetAgreement, 100*floorLOFO)
	if all.rate() < floorLOFO {
		t.Errorf("leave-one-family-out agreement %s fell below the %.1f%% already reached", all, 100*floorLOFO)
	}
}

// ruleSupport finds, for every phrase rule, the corpus files it could
// have been written from: a labelled recipient whose diagnostic or report
// text the rule matches, naming the labelled reason.
func ruleSupport(t *testing.T, corpus []corpusFile) map[string]map[[32]byte]bool {
	t.Helper()
	support := map[string]map[[32]byte]bool{}
	for _, cf := range corpus {
		var facts []recipientFacts
		c := newClassifier(nil, nil)
		c.trace = func(f *recipientFacts, _ string) { facts = append(facts, *f) }
		res, err := c.classify(cf.raw)
		if err != nil {
			t.Fatalf("%s: %v", cf.name, err)
		}
		for i, l := range cf.labels {
			if res.Kind != KindBounce || i >= len(res.Recipients) {
				continue
			}
			var f *recipientFacts
			for k := range facts {
				if facts[k].rcpt.Address == res.Recipients[i].Address {
					f = &facts[k]
					break
				}
			}
			if f == nil {
				continue
			}
			texts := []string{normalize(f.rcpt.Diagnostic), normalize(f.context)}
			for _, r := range phraseRules {
				if afterData(r.reason, f.command) != l.reason || !(r.re.re.MatchString(texts[0]) || r.re.re.MatchString(texts[1])) {
					continue
				}
				if support[r.id] == nil {
					support[r.id] = map[[32]byte]bool{}
				}
				support[r.id][cf.hash] = true
			}
		}
	}
	return support
}

// BenchmarkClassifyCorpus classifies every message of the shared bounce
// corpus; it reports messages per second.
func BenchmarkClassifyCorpus(b *testing.B) {
	corpus := loadCorpus(b)
	var bytes int64
	for _, cf := range corpus {
		bytes += int64(len(cf.raw))
	}
	b.SetBytes(bytes / int64(len(corpus)))
	b.ResetTimer()
	n := 0
	for i := 0; i < b.N; i++ {
		cf := corpus[i%len(corpus)]
		if _, err := Classify(cf.raw); err != nil {
			b.Fatalf("%s: %v", cf.name, err)
		}
		n++
	}
	b.ReportMetric(float64(n)/b.Elapsed().Seconds(), "msgs/s")
}

// variableRe matches what differs between two otherwise identical
// diagnostics: addresses, host names, numbers.
var variableRe = regexp.MustCompile(`<[^>]*>|[^\s<>()\[\]'"]+@[^\s<>()\[\]'"]+|\b[a-z0-9-]+(?:\.[a-z0-9-]+){2,}\b|\d+`)

// maskVariable replaces the variable parts of a diagnostic by "_".
func maskVariable(s string) string { return variableRe.ReplaceAllString(s, "_") }

// TestCorpusLabelCeiling measures how far the labels themselves let any
// classifier go: recipients whose status and diagnostic text (as the
// parser read them, normalised, with addresses, host names and numbers
// masked) are identical but whose labelled reasons
// differ cannot all be agreed with by a function of what the bounce says.
// The ceiling is the agreement of the best such function: for each
// distinct (status, diagnostic), the most common label. It also checks
// that the classifier does not exceed it, which would mean the grouping
// is wrong.
func TestCorpusLabelCeiling(t *testing.T) {
	corpus := loadCorpus(t)
	groups := map[string]map[string]int{}
	var all, agreed tally
	for _, cf := range corpus {
		res, err := Classify(cf.raw)
		if err != nil {
			t.Fatalf("%s: %v", cf.name, err)
		}
		for i, l := range cf.labels {
			agreed.add(agrees(res, l, i))
			if res.Kind != KindBounce || i >= len(res.Recipients) || l.reason == "vacation" || l.reason == "feedback" || l.reason == "not-a-bounce" {
				all.add(true) // not a bounce recipient: nothing in the grouping limits it
				continue
			}
			r := res.Recipients[i]
			key := r.Status + "|" + maskVariable(normalize(r.Diagnostic))
			if groups[key] == nil {
				groups[key] = map[string]int{}
			}
			groups[key][l.reason]++
		}
	}
	conflicts := 0
	for key, labels := range groups {
		best, n := 0, 0
		for _, c := range labels {
			best, n = max(best, c), n+c
		}
		for j := 0; j < n; j++ {
			all.add(j < best)
		}
		if len(labels) > 1 {
			conflicts += n - best
			if *dumpMisses {
				t.Logf("CONFLICT %q: %v", oneLine(key, 120), labels)
			}
		}
	}
	t.Logf("label ceiling: %s; %d labelled recipients share their status and diagnostic with a differently labelled one; the classifier agrees with %s",
		all, conflicts, agreed)
	if agreed.ok > all.ok {
		t.Errorf("the classifier agrees with %d labels, more than the ceiling of %d: the grouping is wrong", agreed.ok, all.ok)
	}
}
