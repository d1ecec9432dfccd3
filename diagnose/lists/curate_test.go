package lists

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"unicode"

	"github.com/codeprobe/codeprobe/internal/testenv"
	"golang.org/x/net/publicsuffix"
)

// This file is the generator of the curated data files: it reads the
// upstream lists from the shared corpora directory, applies the rules of
// curate_rules_test.go and compares the result with data/. Run
//
//	go test ./diagnose/lists -run TestCuratedLists -update
//
// to rewrite data/ after changing a rule or the upstream files.

var update = flag.Bool("update", false, "rewrite the curated files in data/ from the shared corpora")

const (
	upstreamDisposable = "disposable_email_blocklist.conf"
	upstreamFree       = "free-providers-aftership.txt"
	upstreamRole       = "role-localparts-aftership.txt"
)

// corporaDir finds shared/corpora/domains by walking up from the package
// directory; the test is skipped when it is absent.
func corporaDir(t *testing.T) string {
	t.Helper()
	return testenv.Shared(t, "corpora", "domains")
}

// readUpstream returns the normalised entries of an upstream list: trimmed
// (the AfterShip file has a stray no-break space), lower-cased,
// de-duplicated, sorted.
func readUpstream(t *testing.T, dir, name string) []string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(dir, name))
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for line := range strings.Lines(string(b)) {
		e := strings.ToLower(strings.TrimFunc(line, unicode.IsSpace))
		if e != "" && !strings.HasPrefix(e, "#") {
			out = append(out, e)
		}
	}
	slices.Sort(out)
	return slices.Compact(out)
}

// removal records an upstream entry left out of a curated list and why.
type removal struct{ entry, why string }

// curateFree applies the free-provider rules: disposable domains and
// near-misses of big providers go, unless allowed.
func curateFree(entries []string, disposable []string) (kept []string, removed []removal) {
	for _, e := range entries {
		if d, found := underDisposable(disposable, e); found {
			removed = append(removed, removal{e, "disposable: " + d + " is on the disposable list"})
			continue
		}
		if why, near := nearMiss(e); near && !slices.Contains(freeAllow, e) {
			removed = append(removed, removal{e, why})
			continue
		}
		kept = append(kept, e)
	}
	return kept, removed
}

// underDisposable returns the domain of the sorted disposable list that
// domain is or is a subdomain of, as IsDisposable would match it.
func underDisposable(disposable []string, domain string) (string, bool) {
	for d := domain; strings.Contains(d, "."); d = d[strings.IndexByte(d, '.')+1:] {
		if _, found := slices.BinarySearch(disposable, d); found {
			return d, true
		}
	}
	return "", false
}

// nearMiss reports whether domain is within Damerau-Levenshtein distance 2
// of a big provider's domain, carries a big provider's name under another
// suffix, or has a name within distance 2 of a provider family's, and
// names the closest such provider. The big providers' own domains and
// their subdomains are not near-misses.
func nearMiss(domain string) (string, bool) {
	name, registrable := splitName(domain)
	if slices.Contains(majorExact, registrable) {
		return "", false
	}
	best, why := 3, ""
	for _, p := range majorExact {
		// The distance is at least the difference in length.
		if abs(len(domain)-len(p)) <= 2 {
			if d := distance(domain, p); d < best {
				best, why = d, fmt.Sprintf("within distance %d of %s", d, p)
			}
		}
		if name == majorNames[p] && best > 0 {
			best, why = 0, fmt.Sprintf("the name of %s under another suffix", p)
		}
	}
	for _, f := range majorFamilies {
		if d := distance(name, f); d < best || (d == 0 && best == 0) {
			best, why = d, fmt.Sprintf("name within distance %d of the %s.* family", d, f)
		}
	}
	return why, best <= 2
}

// majorNames maps each of majorExact to its name (gmail for gmail.com).
var majorNames = func() map[string]string {
	m := make(map[string]string, len(majorExact))
	for _, p := range majorExact {
		m[p], _ = splitName(p)
	}
	return m
}()

func abs(n int) int { return max(n, -n) }

// genericSLD are second-level labels that countries use under their code
// where the public suffix list does not say so (yahoo.com.is).
var genericSLD = []string{"ac", "co", "com", "edu", "gov", "net", "org"}

// splitName returns the name a domain is registered under and the
// registrable domain: ("yahoo", "yahoo.co.uk") for mail.yahoo.co.uk, and
// ("yahoo", "yahoo.com.is") where com.is is missing from the public
// suffix list.
func splitName(domain string) (name, registrable string) {
	suffix, _ := publicsuffix.PublicSuffix(domain)
	rest := strings.TrimSuffix(strings.TrimSuffix(domain, suffix), ".")
	labels := strings.Split(rest, ".")
	i := len(labels) - 1
	if i > 0 && slices.Contains(genericSLD, labels[i]) {
		i--
	}
	return labels[i], strings.Join(labels[i:], ".") + "." + suffix
}

// distance is the Damerau-Levenshtein distance (optimal string alignment:
// insertions, deletions, substitutions and transpositions of adjacent
// characters) between a and b.
func distance(a, b string) int {
	ra, rb := []rune(a), []rune(b)
	prev2 := make([]int, len(rb)+1)
	prev := make([]int, len(rb)+1)
	cur := make([]int, len(rb)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(ra); i++ {
		cur[0] = i
		for j := 1; j <= len(rb); j++ {
			cost := 1
			if ra[i-1] == rb[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
			if i > 1 && j > 1 && ra[i-1] == rb[j-2] && ra[i-2] == rb[j-1] {
				cur[j] = min(cur[j], prev2[j-2]+1)
			}
		}
		prev2, prev, cur = prev, cur, prev2
	}
	return prev[len(rb)]
}

// curateRole drops the personal names of roleDrop.
func curateRole(entries []string) (kept []string, removed []removal) {
	for _, e := range entries {
		if slices.Contains(roleDrop, e) {
			removed = append(removed, removal{e, "a personal name"})
			continue
		}
		kept = append(kept, e)
	}
	return kept, removed
}

// render writes a data file: header comment lines, then one entry a line.
func render(header string, entries []string) string {
	var b strings.Builder
	for line := range strings.Lines(header) {
		b.WriteString(strings.TrimRight("# "+strings.TrimRight(line, "\n"), " ") + "\n")
	}
	for _, e := range entries {
		b.WriteString(e + "\n")
	}
	return b.String()
}

func renderRemovals(header string, removed []removal) string {
	lines := make([]string, len(removed))
	for i, r := range removed {
		lines[i] = r.entry + "\t" + r.why
	}
	return render(header, lines)
}

// TestCuratedLists regenerates every curated file from upstream and fails
// if the committed one differs (or rewrites it with -update).
func TestCuratedLists(t *testing.T) {
	dir := corporaDir(t)
	mit, err := os.ReadFile(filepath.Join(dir, "aftership.LICENSE"))
	if err != nil {
		t.Fatal(err)
	}
	disposable := readUpstream(t, dir, upstreamDisposable)
	free, freeRemoved := curateFree(readUpstream(t, dir, upstreamFree), disposable)
	free = slices.Concat(free, freeAdd)
	slices.Sort(free)
	free = slices.Compact(free)
	role, roleRemoved := curateRole(readUpstream(t, dir, upstreamRole))
	t.Logf("disposable %d; free %d kept, %d removed; role %d kept, %d removed",
		len(disposable), len(free), len(freeRemoved), len(role), len(roleRemoved))
	files := map[string]string{
		"disposable-domains.txt":     render(disposableHeader, disposable),
		"free-providers.txt":         render(freeHeader+string(mit), free),
		"free-providers-removed.txt": renderRemovals(removedHeader, freeRemoved),
		"role-localparts.txt":        render(roleHeader+string(mit), role),
	}
	for name, want := range files {
		path := filepath.Join("data", name)
		if *update {
			if err := os.WriteFile(path, []byte(want), 0o644); err != nil {
				t.Fatal(err)
			}
			continue
		}
		got, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		if string(got) != want {
			t.Errorf("%s is not what the curation rules produce from %s; run go test -run TestCuratedLists -update", path, dir)
		}
	}
}

// TestAllowListIsNeeded keeps freeAllow and freeAdd honest: every allowed
// entry must be in the upstream list and be one the rules would otherwise
// remove; every added one must be missing upstream and pass the rules.
func TestAllowListIsNeeded(t *testing.T) {
	upstream := readUpstream(t, corporaDir(t), upstreamFree)
	for _, e := range freeAdd {
		if _, found := slices.BinarySearch(upstream, e); found {
			t.Errorf("added %s is already in the upstream list", e)
		}
		if why, near := nearMiss(e); near {
			t.Errorf("added %s is %s", e, why)
		}
	}
	for _, e := range freeAllow {
		if _, found := slices.BinarySearch(upstream, e); !found {
			t.Errorf("allowed %s is not in the upstream list", e)
		}
		if _, near := nearMiss(e); !near {
			t.Errorf("allowed %s is not a near-miss of a big provider; it needs no allow-list entry", e)
		}
	}
}

func TestDistance(t *testing.T) {
	tests := []struct {
		a, b string
		want int
	}{
		{"gmail.com", "gmail.com", 0},
		{"gmial.com", "gmail.com", 1},
		{"gmail.co", "gmail.com", 1},
		{"hotmail.cm", "hotmail.com", 1},
		{"yahooo.com", "yahoo.com", 1},
		{"gmial.co", "gmail.com", 2},
		{"me.com", "qq.com", 2},
		{"ca", "abc", 3},
		{"", "abc", 3},
		{"bücher", "bucher", 1},
	}
	for _, tt := range tests {
		if got := distance(tt.a, tt.b); got != tt.want {
			t.Errorf("distance(%q, %q) = %d, want %d", tt.a, tt.b, got, tt.want)
		}
	}
}

const disposableHeader = `Disposable (throw-away) email domains; a domain listed here also covers its subdomains.
Source: disposable-email-domains, https://github.com/disposable-email-domains/disposable-email-domains
        (disposable_email_blocklist.conf)
Licence: CC0 1.0 Universal, public domain dedication, https://creativecommons.org/publicdomain/zero/1.0/
Curation: lower-cased, de-duplicated and sorted; generated by curate_test.go:
  go test ./diagnose/lists -run TestCuratedLists -update
`

const freeHeader = `Domains of free consumer email providers.
Source: AfterShip email-verifier, https://github.com/AfterShip/email-verifier (free domain list)
Licence: MIT, reproduced below.
Curation: the upstream list also holds typo-squats of big providers (gmail.ru, yaho.com, hitmail.com),
which must never count as legitimate: every entry within Damerau-Levenshtein distance 2 of a big
provider's domain, with its name under another suffix, or with a name within distance 2 of a
provider family (hotmail.*, yahoo.* ...) is removed unless it is a real provider on the allow list
of curate_rules_test.go; so are domains that are (subdomains of) disposable ones.
free-providers-removed.txt names every removed entry and why. A few real providers missing
upstream (o2.pl, tuta.io, mailbox.org ...) are added from curate_rules_test.go. Generated by
curate_test.go:
  go test ./diagnose/lists -run TestCuratedLists -update

`

const removedHeader = `Entries of AfterShip email-verifier's free domain list left out of free-providers.txt, and why.
Not embedded: this file documents the curation done by curate_test.go and curate_rules_test.go.
`

const roleHeader = `Local parts of role (shared) mailboxes: info, support, noreply ...
Source: AfterShip email-verifier, https://github.com/AfterShip/email-verifier (role account list)
Licence: MIT, reproduced below.
Curation: lower-cased, de-duplicated, sorted; plainly personal names (alexa, dean, gardner) removed.
Generated by curate_test.go:
  go test ./diagnose/lists -run TestCuratedLists -update

`
