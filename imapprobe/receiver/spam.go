package receiver

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
)

// Headers that look like verdicts but are not read, on purpose:
//   - Yahoo and AOL's X-YMail-OSG and Gmail's X-Gm-Message-State and
//     X-Google-Smtp-Source are opaque to anyone outside those providers;
//     their verdict is the folder the message is filed in (Gmail's labels
//     too), which the IMAP prober reads.
//   - Fields not described in Microsoft's "Anti-spam message headers"
//     page are, in its words, for its anti-spam team's diagnostics only.

// numberRe matches a bounded decimal number, so scores stay finite.
const numberRe = `[-+]?\d{1,9}(?:\.\d{1,9})?`

var (
	// spamStatusRe reads SpamAssassin's X-Spam-Status: "Yes, score=7.3
	// required=5.0 tests=…" ("hits=" before SpamAssassin 3.0).
	spamStatusRe = regexp.MustCompile(`(?i)^\s*(yes|no)\b`)
	scoreRe      = regexp.MustCompile(`(?i)\b(?:score|hits)=(` + numberRe + `)`)
	requiredRe   = regexp.MustCompile(`(?i)\brequired=(` + numberRe + `)`)
	leadNumberRe = regexp.MustCompile(`^\s*(` + numberRe + `)`)
	// spamdResultRe reads rspamd's X-Spamd-Result: "default: False [0.40 / 15.00]; …".
	spamdResultRe = regexp.MustCompile(`^\s*[\w-]+:\s*(?i:true|false)\s*\[\s*(` + numberRe + `)\s*/\s*(` + numberRe + `)\s*\]`)
)

// verdict is one header's yes/no spam verdict.
type verdict struct {
	header string
	spam   bool
}

// spamReader collects the spam verdict from the fields, topmost first.
type spamReader struct {
	d        *decoder
	s        *Spam
	verdicts []verdict
}

// spam fills View.Spam. The topmost field of a kind wins; when headers
// disagree on the verdict the topmost one is kept and the disagreement
// is a problem.
func (d *decoder) spam() {
	r := &spamReader{d: d, s: &d.view.Spam}
	for _, f := range d.fields {
		r.field(f)
	}
	if len(r.verdicts) == 0 {
		return
	}
	first := r.verdicts[0]
	r.s.Flagged = &first.spam
	for _, v := range r.verdicts[1:] {
		if v.spam != first.spam {
			d.problem("spam verdicts disagree: %s says %s, %s says %s; kept %s, the topmost",
				first.header, spamWord(first.spam), v.header, spamWord(v.spam), first.header)
			break
		}
	}
}

// spamWord names a verdict.
func spamWord(spam bool) string {
	if spam {
		return "spam"
	}
	return "not spam"
}

// field reads one field if it is a spam header.
func (r *spamReader) field(f field) {
	switch f.key {
	case "x-spam-flag":
		r.yesNo(f, "SpamAssassin")
	case "x-spam":
		r.yesNo(f, "rspamd")
	case "x-spam-status":
		r.spamStatus(f)
	case "x-spam-score":
		if m := leadNumberRe.FindStringSubmatch(f.value); m != nil {
			r.score(f, m[1], "")
			return
		}
		r.d.problem("X-Spam-Score holds no number: %q", clean(f.value, 40))
	case "x-spam-level":
		r.level(f)
	case "x-spamd-result":
		if m := spamdResultRe.FindStringSubmatch(f.value); m != nil {
			r.score(f, m[1], m[2])
		}
	case "x-ui-filterresults":
		r.gmx(f)
	case "x-ui-out-filterresults":
		r.evidence(f, "GMX's filter verdict on the sending side, for mail sent from GMX or web.de: not the receiver's verdict, ignored")
	default:
		r.microsoft(f)
	}
}

// evidence adds one evidence line, bounded.
func (r *spamReader) evidence(f field, meaning string) {
	if len(r.s.Evidence) < maxEvidence {
		r.s.Evidence = append(r.s.Evidence, Evidence{Header: clean(f.name, 64), Value: clean(f.value, maxValue), Meaning: meaning})
	}
}

// judge records a header's verdict.
func (r *spamReader) judge(f field, spam bool) {
	r.verdicts = append(r.verdicts, verdict{header: clean(f.name, 64), spam: spam})
}

// yesNo reads a YES/NO flag: SpamAssassin's X-Spam-Flag, rspamd's X-Spam.
func (r *spamReader) yesNo(f field, filter string) {
	switch strings.ToLower(strings.TrimSpace(f.value)) {
	case "yes", "true":
		r.judge(f, true)
		r.evidence(f, filter+" flagged the message as spam")
	case "no", "false":
		r.judge(f, false)
		r.evidence(f, filter+" did not flag the message as spam")
	default:
		r.d.problem("%s is neither YES nor NO: %q", clean(f.name, 64), clean(f.value, 40))
	}
}

// spamStatus reads SpamAssassin's X-Spam-Status.
func (r *spamReader) spamStatus(f field) {
	m := spamStatusRe.FindStringSubmatch(f.value)
	if m == nil {
		r.d.problem("X-Spam-Status does not start with Yes or No: %q", clean(f.value, 40))
		return
	}
	spam := strings.EqualFold(m[1], "yes")
	r.judge(f, spam)
	var score, required string
	if sm := scoreRe.FindStringSubmatch(f.value); sm != nil {
		score = sm[1]
	}
	if rm := requiredRe.FindStringSubmatch(f.value); rm != nil {
		required = rm[1]
	}
	r.score(field{}, score, required)
	meaning := fmt.Sprintf("the spam filter judged the message %s", spamWord(spam))
	if score != "" && required != "" {
		meaning += fmt.Sprintf(": it scored %s points, and %s or more is spam", score, required)
	}
	r.evidence(f, meaning)
}

// score records a score and threshold, unless set by a field above; f
// adds evidence when it is named.
func (r *spamReader) score(f field, score, threshold string) {
	sv, serr := strconv.ParseFloat(score, 64)
	tv, terr := strconv.ParseFloat(threshold, 64)
	if serr == nil && r.s.Score == nil {
		r.s.Score = &sv
	}
	if terr == nil && r.s.Threshold == nil {
		r.s.Threshold = &tv
	}
	if f.name == "" || serr != nil {
		return
	}
	if terr == nil {
		r.evidence(f, fmt.Sprintf("the spam filter scored the message %s points; it treats %s or more as spam", score, threshold))
		return
	}
	r.evidence(f, fmt.Sprintf("the spam filter scored the message %s points (more is more likely spam)", score))
}

// level reads SpamAssassin's X-Spam-Level: one '*' per point of score.
func (r *spamReader) level(f field) {
	v := strings.TrimSpace(f.value)
	if strings.Trim(v, "*") != "" {
		r.d.problem("X-Spam-Level is not a row of stars: %q", clean(v, 40))
		return
	}
	if r.s.Level == "" {
		r.s.Level = clean(v, 64)
	}
	r.evidence(f, fmt.Sprintf("%d star(s): the spam score rounded down, one star a point", len(v)))
}

// gmx reads GMX and web.de's X-UI-Filterresults: "notjunk:1;…" when the
// filter let the message through, "junk:N;…" when it filed it as junk.
// The numbers and the other fields are not documented and are not read.
func (r *spamReader) gmx(f field) {
	first, _, _ := strings.Cut(f.value, ";")
	key, _, _ := strings.Cut(strings.TrimSpace(first), ":")
	switch strings.ToLower(strings.TrimSpace(key)) {
	case "notjunk":
		r.judge(f, false)
		r.evidence(f, "GMX/web.de's filter did not judge the message junk")
	case "junk":
		r.judge(f, true)
		r.evidence(f, "GMX/web.de's filter judged the message junk")
	default:
		r.d.problem("X-UI-Filterresults starts with neither junk nor notjunk: %q", clean(f.value, 40))
	}
}
