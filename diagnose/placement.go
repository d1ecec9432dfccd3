package diagnose

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/codeprobe/codeprobe/rules"
)

// Defaults of the placement findings.
const (
	// DefaultPlacementRuns is how many latest seed runs a check reads.
	DefaultPlacementRuns = 4
	// DefaultPlacementLateAfter is the latency past which a code counts
	// as late: sign-in pages commonly offer a new code after a minute or
	// two.
	DefaultPlacementLateAfter = 2 * time.Minute
	// DefaultPlacementMaxAge is how old a seed run may be and still say
	// something about today.
	DefaultPlacementMaxAge = 24 * time.Hour
)

// SeedPlacement is where one test code landed in one seed mailbox.
type SeedPlacement struct {
	Seed string
	// Kind is "inbox", "junk", "other", "missing" or "error".
	Kind    string
	Folder  string
	Sent    time.Time
	Latency time.Duration // time to being seen; 0 unless found
}

// PlacementSource gives a provider's latest seed runs, newest first, each
// run's placements of that provider. cmd adapts store.Store to it.
type PlacementSource interface {
	PlacementRuns(ctx context.Context, provider string, runs int) ([][]SeedPlacement, error)
}

// placementTally counts a provider's recent placements.
type placementTally struct {
	inbox, junk, other, late, missing, n int
	junkFolders                          map[string]int
	latest                               time.Time
	lines                                []string
}

// checkPlacement adds the placement finding of the report's provider from
// the latest seed runs, when there are any recent enough.
func (ru *run) checkPlacement(ctx context.Context) {
	o := &ru.c.opts
	if o.Placements == nil || ru.r.Provider == "" {
		return
	}
	runs, err := o.Placements.PlacementRuns(ctx, ru.r.Provider, o.PlacementRuns)
	if err != nil {
		o.Logger.Debug("reading seed placements", "provider", ru.r.Provider, "error", err)
		return
	}
	t := tallyPlacements(runs, o.PlacementLateAfter, o.Now().Add(-o.PlacementMaxAge))
	if t.n == 0 {
		return
	}
	id, what := t.verdict()
	p, _ := rules.ProviderByID(ru.r.Provider)
	detail := fmt.Sprintf("Our test codes %s at %s in %s of the last %d seed tests (the latest sent %s).",
		what, p.Name, countOf(t, id), t.n, t.latest.UTC().Format("2006-01-02 15:04 MST"))
	ru.add(newFinding(id, detail, Evidence{Kind: "seed", Lines: t.lines}))
}

func tallyPlacements(runs [][]SeedPlacement, lateAfter time.Duration, since time.Time) placementTally {
	t := placementTally{junkFolders: map[string]int{}}
	for _, run := range runs {
		for _, p := range run {
			if p.Kind == "error" || p.Sent.Before(since) {
				continue
			}
			t.n++
			if p.Sent.After(t.latest) {
				t.latest = p.Sent
			}
			line := fmt.Sprintf("%s %s: %s", p.Sent.UTC().Format(time.RFC3339), p.Seed, p.Kind)
			if p.Folder != "" {
				line += " in " + p.Folder
			}
			switch p.Kind {
			case "missing":
				t.missing++
				line += " by the deadline"
			case "junk":
				t.junk++
				t.junkFolders[p.Folder]++
			case "inbox", "other":
				if p.Latency > lateAfter {
					t.late++
				} else if p.Kind == "inbox" {
					t.inbox++
				} else {
					t.other++
				}
			}
			if p.Latency > 0 {
				line += fmt.Sprintf(" after %s", p.Latency.Round(100*time.Millisecond))
			}
			t.lines = append(t.lines, line)
		}
	}
	return t
}

// verdict picks the finding: the inbox when at least three in four codes
// reached it (or another folder, such as a tab or All Mail) in time; else
// the most common failure, junk before missing before late on a tie.
func (t placementTally) verdict() (id, what string) {
	if 4*(t.inbox+t.other) >= 3*t.n {
		return rules.PlacementInbox, "reached the inbox"
	}
	switch best := max(t.junk, t.missing, t.late); best {
	case t.junk:
		return rules.PlacementJunk, "landed in the junk folder (" + t.junkFolder() + ")"
	case t.missing:
		return rules.PlacementMissing, "never arrived"
	}
	return rules.PlacementDelayed, "arrived late"
}

func (t placementTally) junkFolder() string {
	var names []string
	for n := range t.junkFolders {
		names = append(names, n)
	}
	sort.Slice(names, func(i, j int) bool {
		if t.junkFolders[names[i]] != t.junkFolders[names[j]] {
			return t.junkFolders[names[i]] > t.junkFolders[names[j]]
		}
		return names[i] < names[j]
	})
	return strings.Join(names, ", ")
}

func countOf(t placementTally, id string) string {
	n := map[string]int{rules.PlacementInbox: t.inbox + t.other, rules.PlacementJunk: t.junk,
		rules.PlacementMissing: t.missing, rules.PlacementDelayed: t.late}[id]
	return fmt.Sprint(n)
}
