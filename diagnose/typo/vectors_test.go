package typo

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/codeprobe/codeprobe/internal/testenv"
)

// sharedDir finds the repository's sibling shared/ directory by walking up
// from the package directory.
func sharedDir(t *testing.T) string {
	t.Helper()
	return testenv.Shared(t, "corpora", "typo")
}

// vector is one public test vector, reduced to a domain: what was typed
// and what the other library answers ("" for no suggestion).
type vector struct {
	source, typed, want string
}

// readVectors loads the three public vector files.
func readVectors(t *testing.T) []vector {
	dir := sharedDir(t)
	var out []vector
	read := func(name string, fn func(f []string)) {
		b, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			t.Fatal(err)
		}
		for _, line := range strings.Split(string(b), "\n") {
			if strings.TrimSpace(line) == "" || strings.HasPrefix(line, "#") {
				continue
			}
			fn(strings.Split(line, "\t"))
		}
	}
	read("mailcheck/mailcheck-spec-suggest-vectors.tsv", func(f []string) {
		out = append(out, vector{"mailcheck", domainOf(f[0]), noSuggestion(f[2])})
	})
	read("email-spell-checker/email-spell-checker-test-vectors.tsv", func(f []string) {
		switch {
		case f[0] == "run":
			out = append(out, vector{"email-spell-checker", domainOf(f[1]), noSuggestion(f[3])})
		case strings.HasSuffix(f[2], "topLevelDomains"):
			out = append(out, vector{"email-spell-checker", "example." + f[1], "example." + f[3]})
		case strings.HasSuffix(f[2], "secondLevelDomains"):
			out = append(out, vector{"email-spell-checker", f[1] + ".com", f[3] + ".com"})
		default:
			out = append(out, vector{"email-spell-checker", f[1], f[3]})
		}
	})
	read("email_typo-ruby/email_typo-test-vectors.tsv", func(f []string) {
		out = append(out, vector{"email_typo", domainOf(f[0]), domainOf(f[1])})
	})
	for i, v := range out {
		if strings.EqualFold(v.typed, v.want) {
			out[i].want = "" // "leave unchanged"
		}
	}
	return out
}

// domainOf returns what follows the first @ of an address, or "".
func domainOf(addr string) string {
	_, d, ok := strings.Cut(strings.TrimSpace(addr), "@")
	if !ok {
		return ""
	}
	return d
}

func noSuggestion(s string) string {
	if strings.HasPrefix(s, "(no") {
		return ""
	}
	return s
}

// Reasons for the disagreements with the public vectors that are kept on
// purpose.
const (
	whyGmailUK   = "Gmail has no .co.uk domain (and gmail.co.uk is not Google's): the typist meant gmail.com"
	whyTwoSlips  = "two slips in a short label (a missed letter and a swap, a rotation): too far to be sure"
	whyDense     = "three characters or fewer, or four made from a three-letter label: such names are all registered and in use"
	whyRealTLD   = "the suffix is a real country code (.cm Cameroon, .om Oman, .ne Niger, .et Ethiopia, .co Colombia) and the domain is no known provider's: it may exist"
	whyAmbiguous = "the slip could come from two suffixes about as common (.fe: .fr or .de; .ed: .edu or .de; .r: .ru or .fr or .br)"
	whyTheirList = "the vector relies on that library's test-only domain list (emaildomain.com)"
	whyAddress   = "address-level garbage (@@, /), handled by the address parser, not the domain suggester"
	whyFourWord  = "a four-letter label: only doubled and swapped letters are corrected, other slips make registered names and words (zoho/zopo, live/livr)"
	whyOtherSfx  = "a second-level suffix swap (.co.br/.com.br, .co.ar, .com.uk, .gob.br) between suffixes that both exist somewhere: not corrected for unknown domains"
	whyOurs      = "ours is as plausible: a swapped pair (co.lp → co.pl), a missed key (dek → dk)"
	whyFixAll    = "codeprobe fixes a suffix that cannot exist in any domain, subdomains included"
	whyTwoReal   = "a slip in the label and another real suffix (goooglemail.net): two slips that land on a name that can exist"
	whyFarSuffix = "two slips in the suffix (comme, con.com, rul, mxg): not corrected for unknown domains"
)

// deliberate lists the vectors codeprobe answers differently on purpose.
var deliberate = map[string]string{
	"mailcheck\temaildomain.co":              whyRealTLD,
	"mailcheck\tmail.randomsmallcompany.cmo": whyFixAll,
	"email-spell-checker\tzopo.com":          whyFourWord,
	"email-spell-checker\temaildoman.com":    whyTheirList,
	"email-spell-checker\tgmsn.com":          whyDense,
	"email-spell-checker\tlivr.com":          whyFourWord,
	"email-spell-checker\texample.com.uk":    whyOtherSfx,
	"email_typo\tgmila.com":                  whyTwoSlips,
	"email_typo\tgoooglemail.net":            whyTwoReal,
	"email_typo\tgmai.co.uk":                 whyGmailUK,
	"email_typo\tgmal.co.uk":                 whyGmailUK,
	"email_typo\tgmaal.co.uk":                whyGmailUK,
	"email_typo\tgmil.co.uk":                 whyGmailUK,
	"email_typo\tgmial.co.uk":                whyGmailUK,
	"email_typo\tgmali.co.uk":                whyGmailUK,
	"email_typo\tgmila.co.uk":                whyGmailUK,
	"email_typo\tgmaill.co.uk":               whyGmailUK,
	"email_typo\tgamil.co.uk":                whyGmailUK,
	"email_typo\tgnail.co.uk":                whyGmailUK,
	"email_typo\tgmail.co.um":                whyGmailUK,
	"email_typo\tgmail.o.uk":                 whyGmailUK,
	"email_typo\tgmail.couk":                 whyGmailUK,
	"email_typo\texample.co.lp":              whyOurs,
	"email_typo\texample.dek":                whyOurs,
	"email_typo\texample.co.br":              whyOtherSfx,
	"email_typo\texample.cobr":               whyFarSuffix,
	"email_typo\tgogglemaii.com":             whyTwoSlips,
	"email_typo\tgooglemila.com":             whyTwoSlips,
	"email_typo\taho.com":                    whyDense,
	"email_typo\tyhao.com":                   whyTwoSlips,
	"email_typo\tyho.com":                    whyDense,
	"email_typo\tyhooo.com":                  whyTwoSlips,
	"email_typo\tyao.com":                    whyDense,
	"email_typo\thtomali.com":                whyTwoSlips,
	"email_typo\tail.cm":                     whyDense,
	"email_typo\tao.com":                     whyDense,
	"email_typo\tol.com":                     whyDense,
	"email_typo\t@example.com":               whyAddress,
	"email_typo\texample.cm":                 whyRealTLD,
	"email_typo\texample.co,":                whyRealTLD,
	"email_typo\texample.co.":                whyRealTLD,
	"email_typo\texample.co<":                whyRealTLD,
	"email_typo\texample.co>":                whyRealTLD,
	"email_typo\texample.comme":              whyFarSuffix,
	"email_typo\texample.con.com":            whyFarSuffix,
	"email_typo\texample.om":                 whyRealTLD,
	"email_typo\texamplec.om":                whyRealTLD,
	"email_typo\texample.ne":                 whyRealTLD,
	"email_typo\texample.et":                 whyRealTLD,
	"email_typo\ticld.com":                   whyTwoSlips,
	"email_typo\texample.rul":                whyFarSuffix,
	"email_typo\texample.r":                  whyAmbiguous,
	"email_typo\texample.com/.au":            whyAddress,
	"email_typo\texample.fe":                 whyAmbiguous,
	"email_typo\texample.gob.br":             whyOtherSfx,
	"email_typo\texample.ed":                 whyAmbiguous,
	"email_typo\texample.ed.br":              whyAmbiguous,
	"email_typo\texample.edi.br":             whyFarSuffix,
	"email_typo\texample.com.mxg":            whyFarSuffix,
	"email_typo\texample.co.ar":              whyOtherSfx,
	"email_typo\texample.co.au":              whyOtherSfx,
}

// TestPublicVectors runs the public test vectors of mailcheck,
// email-spell-checker and email_typo, reports agreement, and fails on a
// disagreement not listed, with its reason, in deliberate (or on a listed
// one that no longer disagrees).
func TestPublicVectors(t *testing.T) {
	vs := readVectors(t)
	agree := map[string]int{}
	total := map[string]int{}
	seen := map[string]bool{}
	for _, v := range vs {
		total[v.source]++
		s, ok := Suggest(v.typed)
		got := ""
		if ok {
			got = s.Domain
		}
		key := v.source + "\t" + v.typed
		if got == v.want {
			agree[v.source]++
			if deliberate[key] != "" {
				t.Errorf("%s: %q now agrees (%q); drop it from deliberate", v.source, v.typed, got)
			}
			continue
		}
		seen[key] = true
		if deliberate[key] == "" {
			t.Errorf("%s: Suggest(%q) = %q, vector wants %q", v.source, v.typed, got, v.want)
		}
	}
	all := 0
	for src, n := range total {
		t.Logf("%-20s agreement %d/%d (%.0f%%)", src, agree[src], n, 100*float64(agree[src])/float64(n))
		all += agree[src]
	}
	t.Logf("all vectors: agreement %d/%d; %d deliberate disagreements", all, len(vs), len(seen))
	byReason := map[string]int{}
	for k := range seen {
		byReason[deliberate[k]]++
	}
	for r, n := range byReason {
		t.Logf("  %2d × %s", n, r)
	}
	for k := range deliberate {
		if !seen[k] {
			t.Errorf("deliberate lists %q, which is not a disagreement", k)
		}
	}
}
