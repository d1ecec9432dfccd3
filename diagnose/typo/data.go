package typo

import (
	_ "embed"
	"errors"
	"fmt"
	"sort"
	"strconv"
	"strings"
)

// The curated data. Each file's header names its sources.
var (
	//go:embed data/known.txt
	knownText string
	//go:embed data/legit.txt
	legitText string
	//go:embed data/squats.txt
	squatsText string
)

// ErrData reports malformed curated data.
var ErrData = errors.New("typo: malformed curated data")

// target is a known domain that suggestions correct toward.
type target struct {
	domain string
	label  string // the first label: "yahoo" of yahoo.co.uk
	suffix string // the rest: "co.uk"
	weight float64
	only   bool // the brand's one domain: label.anything-else is a slip
	word   bool // the label is a word: no edits at its first or last letter
}

// curated is the parsed data files.
type curated struct {
	targets []target          // heaviest first
	legit   map[string]bool   // legitimate lookalikes, targets not included
	squats  map[string]string // typed → target
}

// lines yields the non-blank, non-comment lines of text, split in fields.
func lines(text string, fn func(n int, f []string) error) error {
	for n, line := range strings.Split(text, "\n") {
		f := strings.Fields(line)
		if len(f) == 0 || strings.HasPrefix(f[0], "#") {
			continue
		}
		if err := fn(n+1, f); err != nil {
			return err
		}
	}
	return nil
}

// splitDomain splits a registrable domain at its first dot.
func splitDomain(d string) (label, suffix string, ok bool) {
	i := strings.IndexByte(d, '.')
	if i <= 0 || i == len(d)-1 {
		return "", "", false
	}
	return d[:i], d[i+1:], true
}

// parseCurated parses the three data files.
func parseCurated(known, legit, squats string) (*curated, error) {
	c := &curated{legit: map[string]bool{}, squats: map[string]string{}}
	seen := map[string]bool{}
	err := lines(known, func(n int, f []string) error {
		if len(f) < 2 {
			return fmt.Errorf("%w: known line %d: want DOMAIN WEIGHT [FLAG...]", ErrData, n)
		}
		l, s, ok := splitDomain(f[0])
		w, err := strconv.ParseFloat(f[1], 64)
		if !ok || err != nil || w <= 0 || seen[f[0]] {
			return fmt.Errorf("%w: known line %d: %q", ErrData, n, strings.Join(f, " "))
		}
		seen[f[0]] = true
		t := target{domain: f[0], label: l, suffix: s, weight: w}
		for _, flag := range f[2:] {
			switch flag {
			case "only":
				t.only = true
			case "word":
				t.word = true
			default:
				return fmt.Errorf("%w: known line %d: unknown flag %q", ErrData, n, flag)
			}
		}
		c.targets = append(c.targets, t)
		return nil
	})
	if err != nil {
		return nil, err
	}
	sort.SliceStable(c.targets, func(i, j int) bool { return c.targets[i].weight > c.targets[j].weight })
	err = lines(legit, func(n int, f []string) error {
		if _, _, ok := splitDomain(f[0]); !ok || len(f) != 1 || seen[f[0]] {
			return fmt.Errorf("%w: legit line %d: %q", ErrData, n, strings.Join(f, " "))
		}
		c.legit[f[0]] = true
		return nil
	})
	if err != nil {
		return nil, err
	}
	err = lines(squats, func(n int, f []string) error {
		if len(f) != 2 || !seen[f[1]] || seen[f[0]] || c.legit[f[0]] {
			return fmt.Errorf("%w: squats line %d: %q", ErrData, n, strings.Join(f, " "))
		}
		c.squats[f[0]] = f[1]
		return nil
	})
	if err != nil {
		return nil, err
	}
	return c, nil
}
