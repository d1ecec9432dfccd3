package classify

import (
	"math"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"unicode"
)

// The learned part of naming a bounce reason. The phrase rules know the
// sentences they were written for; an MTA they never saw words the same
// failure otherwise. An averaged perceptron (Collins 2002) over what the
// classifier already reads about a recipient — the words and word pairs
// of the diagnostic with addresses, hosts, links and numbers masked, the
// enhanced status code's subject and detail (RFC 3463 §2), the reply
// code, whether the failure is transient, the SMTP command and a local
// program's failure — names a reason from the words MTAs share. It is
// asked only where the rules' signal is weak (see [modelTrust]).
//
// The model is trained on sisimai's labelled corpus by a test
// (go test ./smtpsink/classify -run TestModelTable -update) and shipped
// as the generated table of model_table.go; nothing is read at run time.
// It keeps only features seen in the reports of at least two MTA
// families, so what it knows is phrasing MTAs share, not one product's
// boilerplate.

// reasonModel is a linear model over binary features: a reason's score
// is its bias plus the weights of the features present, and its
// confidence the softmax of the scores. Weights are integers in
// thousandths of a perceptron update, trained with integers only, so the
// table a retrain gives is the same on every machine.
type reasonModel struct {
	classes []string // the reasons it can name
	bias    []int32
	weights map[string][]classWeight
}

// classWeight is a feature's weight for one class.
type classWeight struct {
	class uint8
	w     int32
}

// modelScale is the unit of the weights, one perceptron update; the
// softmax reads it as one nat. The result is a confidence, not a
// calibrated probability, so modelTrust's levels were measured.
const modelScale = 1000

// prediction is the model's reason for a recipient, its confidence and
// the features that spoke most for it.
type prediction struct {
	reason string
	p      float64
	why    []string
}

// predict returns the most probable reason among those allowed, or a zero
// prediction when the model knows none of the words.
func (m *reasonModel) predict(feats []string, allowed func(string) bool) prediction {
	if m == nil || len(m.classes) == 0 {
		return prediction{}
	}
	scores := make([]int64, len(m.classes))
	for c, b := range m.bias {
		scores[c] = int64(b)
	}
	var known []string
	words := 0
	for _, f := range feats {
		ws, ok := m.weights[f]
		if !ok {
			continue
		}
		known = append(known, f)
		if isWordFeature(f) {
			words++
		}
		for _, w := range ws {
			scores[w.class] += int64(w.w)
		}
	}
	if words == 0 {
		// Without a word it knows, the model has only the codes the
		// rules already read.
		return prediction{}
	}
	best := -1
	for c, s := range scores {
		if allowed(m.classes[c]) && (best < 0 || s > scores[best]) {
			best = c
		}
	}
	if best < 0 {
		return prediction{}
	}
	sum := 0.0
	for c, s := range scores {
		if allowed(m.classes[c]) {
			sum += math.Exp(float64(s-scores[best]) / modelScale)
		}
	}
	return prediction{reason: m.classes[best], p: 1 / sum, why: m.strongest(known, best)}
}

func isWordFeature(f string) bool {
	return strings.HasPrefix(f, "w:") || strings.HasPrefix(f, "b:")
}

// strongest names the three features that weigh most for class c.
func (m *reasonModel) strongest(known []string, c int) []string {
	weight := func(f string) int32 {
		for _, w := range m.weights[f] {
			if int(w.class) == c {
				return w.w
			}
		}
		return 0
	}
	ranked := slices.Clone(known)
	slices.SortStableFunc(ranked, func(a, b string) int { return int(weight(b)) - int(weight(a)) })
	var out []string
	for _, f := range ranked[:min(len(ranked), 3)] {
		if weight(f) > 0 {
			out = append(out, f)
		}
	}
	return out
}

// maxFeatureText bounds the text turned into features.
const maxFeatureText = 2 << 10

var (
	featURLRe    = regexp.MustCompile(`(?:https?://|www\.)\S+`)
	featAddrRe   = regexp.MustCompile(`\S+@\S+`)
	featStatusRe = regexp.MustCompile(`(?:^|[^\d.])[245]\.\d{1,3}\.\d{1,3}\b`)
	featIPRe     = regexp.MustCompile(`\d{1,3}(?:\.\d{1,3}){3}`)
	featHostRe   = regexp.MustCompile(`[\p{L}\d-]+(?:\.[\p{L}\d-]+)+`)
	// featFrameRe matches what a reporting MTA wraps a remote reply in:
	// the host that said it and the command it answered, which are
	// features of their own.
	featFrameRe = regexp.MustCompile(`\(?in reply to (?:the )?(?:end of )?[a-z]+(?: from| to)? command\)?|\bhost \S+ said:|\(ultimately generated from \S+\)`)
)

// featureWords splits a diagnostic into the words the model reads:
// lower case, with addresses, links, hosts and IP addresses replaced by
// their kind and numbers and status codes dropped, since they are
// features of their own or vary from one message to the next.
func featureWords(s string) []string {
	s = strings.ToLower(s[:min(len(s), maxFeatureText)])
	s = featFrameRe.ReplaceAllString(s, " ")
	s = featURLRe.ReplaceAllString(s, " ")
	s = featAddrRe.ReplaceAllString(s, " ")
	s = featStatusRe.ReplaceAllString(s, " ")
	s = featIPRe.ReplaceAllString(s, " ip ")
	s = featHostRe.ReplaceAllString(s, " ")
	words := strings.FieldsFunc(s, func(r rune) bool { return !unicode.IsLetter(r) })
	out := words[:0]
	for _, w := range words {
		if len(w) > 1 && !stopWords[w] {
			out = append(out, w)
		}
	}
	return out
}

// stopWords carry no reason.
var stopWords = map[string]bool{
	"the": true, "a": true, "an": true, "to": true, "of": true, "and": true, "or": true, "is": true,
	"be": true, "this": true, "that": true, "it": true, "was": true, "are": true, "for": true, "in": true,
	"please": true, "you": true, "your": true, "has": true, "have": true, "been": true, "see": true, "visit": true,
}

// reasonFeatures lists the features of a recipient, each once: the
// status code's subject and detail (RFC 3463 §2; a class-only X.0.0 says
// nothing the class does not), the reply code, whether the failure is
// transient, the SMTP command, a local program's failure (x-unix), and
// the words ("w:") and word pairs ("b:") of the diagnostic.
func reasonFeatures(f *recipientFacts) []string {
	r := &f.rcpt
	var out []string
	seen := map[string]bool{}
	add := func(s string) {
		if !seen[s] {
			seen[s] = true
			out = append(out, s)
		}
	}
	if st := strings.Split(r.Status, "."); len(st) == 3 && st[1] != "0" {
		add("subject:" + st[1])
		add("detail:" + st[1] + "." + st[2])
	}
	if r.Code != 0 {
		add("code:" + strconv.Itoa(r.Code))
	}
	if transient(r) {
		add("transient")
	}
	if f.command != "" {
		add("command:" + f.command)
	}
	if strings.HasPrefix(r.DiagnosticType, "x-unix") {
		add("type:x-unix")
	}
	words := featureWords(r.Diagnostic)
	for i, w := range words {
		add("w:" + w)
		if i > 0 {
			add("b:" + words[i-1] + " " + w)
		}
	}
	return out
}

// modelTrust returns the confidence the model needs to replace a reason
// named by a kind of signal, and false where it may not. Success, status
// codes with one meaning, the phrase rules, and the RFC meanings of the
// other status and reply codes are the rules' own ground. The model may
// overrule a refusal before RCPT only when nearly sure, a weak word
// ("denied") when fairly sure, and it names the reason wherever only the
// class of the status or the DSN action did. The levels were chosen on
// the leave-one-family-out measure (corpus_test.go), which is what a
// user meeting an unseen MTA gets.
func modelTrust(by signal) (float64, bool) {
	switch by {
	case byRefusal:
		return 0.97, true
	case byWeakPhrase:
		return 0.7, true
	case byClass:
		return 0.25, true
	}
	return 0, false
}

// modelReason asks the model for a reason where the signal that named one
// is weak enough, and returns its prediction when it is sure enough.
func (c *classifier) modelReason(f *recipientFacts, by signal) (prediction, bool) {
	need, ok := modelTrust(by)
	if !ok || c.model == nil {
		return prediction{}, false
	}
	pr := c.model.predict(reasonFeatures(f), allowedAfter(f.command))
	return pr, pr.reason != "" && pr.p >= need
}

// modelWhy is the evidence line of a reason the model named.
func modelWhy(pr prediction, ruled string) string {
	why := "model: " + pr.reason + " at " + strconv.Itoa(int(pr.p*100+0.5)) + "%"
	if len(pr.why) > 0 {
		why += " from " + strings.Join(pr.why, ", ")
	}
	if ruled != "" {
		why += " (rules: " + ruled + ")"
	}
	return why
}
