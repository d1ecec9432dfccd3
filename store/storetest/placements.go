package storetest

import (
	"errors"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/codeprobe/codeprobe/store"
)

// newPlacement is a placement of the seed provider+"-"+seed in run,
// sent at the given time and not found.
func newPlacement(run, provider, seed string, sent time.Time) *store.Placement {
	return &store.Placement{RunID: run, Seed: provider + "-" + seed, Provider: provider,
		Token: Token(run + provider + seed), Kind: store.PlacementMissing, SentAt: sent, SendStatus: "accepted"}
}

func mustPutPlacements(t *testing.T, st store.Store, ps ...*store.Placement) {
	t.Helper()
	if err := st.PutPlacements(ctx(t), ps); err != nil {
		t.Fatalf("PutPlacements: %v", err)
	}
}

func mustPlacements(t *testing.T, st store.Store, f store.PlacementFilter) []*store.Placement {
	t.Helper()
	ps, err := st.Placements(ctx(t), f)
	if err != nil {
		t.Fatalf("Placements(%+v): %v", f, err)
	}
	return ps
}

// describePlacements is "run/seed@minute" for each placement sent at(minute).
func describePlacements(ps []*store.Placement) []string {
	var out []string
	for _, p := range ps {
		out = append(out, fmt.Sprintf("%s/%s@%d", p.RunID, p.Seed, int(p.SentAt.Sub(at(0))/time.Minute)))
	}
	return out
}

func testPlacementRoundTrip(t *testing.T, st store.Store, _ *Clock) {
	// A time with nanoseconds and a zone comes back in UTC, to the microsecond.
	sent := time.Date(2026, 2, 1, 10, 30, 0, 123456789, time.FixedZone("CET", 3600))
	junk := &store.Placement{ID: 99, RunID: "run 2026-02-01T10:30 #1", Seed: "gmail-1", Provider: "google",
		Token: Token("junk"), Kind: store.PlacementJunk, Folder: "[Gmail]/Spam ünï", SentAt: sent,
		FiledAt: sent.Add(3500 * time.Millisecond), SeenAt: sent.Add(10 * time.Second), SendStatus: "accepted",
		SPF: "pass", DKIM: "fail", DMARC: "softfail", Spam: "spam"}
	missing := &store.Placement{RunID: junk.RunID, Seed: "outlook-1", Kind: store.PlacementMissing, SentAt: sent}
	failed := &store.Placement{RunID: junk.RunID, Seed: "yahoo-1", Provider: "yahoo", Kind: store.PlacementError,
		SentAt: sent, SendStatus: "rejected", Error: "550 5.7.1 message refused"}
	unfiled := &store.Placement{RunID: junk.RunID, Seed: "gmx-1", Provider: "gmx", Token: Token("unfiled"),
		Kind: store.PlacementInbox, Folder: "INBOX", SentAt: sent, SPF: "none", Spam: "not-spam"}
	in := []*store.Placement{junk, missing, failed, unfiled}
	var want []store.Placement
	for _, p := range in {
		w := *p
		w.SentAt = p.SentAt.Truncate(time.Microsecond).UTC()
		if !p.FiledAt.IsZero() {
			w.FiledAt, w.SeenAt = p.FiledAt.Truncate(time.Microsecond).UTC(), p.SeenAt.Truncate(time.Microsecond).UTC()
		}
		want = append(want, w)
	}
	mustPutPlacements(t, st, in...)
	for i, p := range in {
		if p.ID <= 0 || (i > 0 && p.ID <= in[i-1].ID) {
			t.Fatalf("IDs %d, %d, %d, %d: want positive and increasing in the batch's order", junk.ID, missing.ID, failed.ID, unfiled.ID)
		}
		want[i].ID = p.ID
	}
	got := mustPlacements(t, st, store.PlacementFilter{RunID: junk.RunID})
	if len(got) != len(in) {
		t.Fatalf("Placements = %d placements, want %d", len(got), len(in))
	}
	// All sent at once: the larger ID first.
	for i, g := range got {
		if w := want[len(want)-1-i]; !reflect.DeepEqual(*g, w) {
			t.Errorf("placement %d round trip:\n got %+v\nwant %+v", i, *g, w)
		}
	}
	for _, tc := range []struct {
		p      *store.Placement
		want   time.Duration
		wantOK bool
	}{
		{got[3], 10 * time.Second, true}, // junk: seen 10 s after sending
		{got[2], 0, false},               // missing
		{got[1], 0, false},               // error
		{got[0], 0, false},               // inbox with no time seen
	} {
		if d, ok := tc.p.Latency(); d != tc.want || ok != tc.wantOK {
			t.Errorf("%s Latency() = %v, %v; want %v, %v", tc.p.Seed, d, ok, tc.want, tc.wantOK)
		}
	}
	// An empty batch stores nothing.
	for _, empty := range [][]*store.Placement{nil, {}} {
		if err := st.PutPlacements(ctx(t), empty); err != nil {
			t.Errorf("PutPlacements(%#v) = %v, want nil", empty, err)
		}
	}
	if all := mustPlacements(t, st, store.PlacementFilter{}); len(all) != len(in) {
		t.Errorf("after empty batches %d placements, want %d", len(all), len(in))
	}
}

func testPlacementInvalid(t *testing.T, st store.Store, _ *Clock) {
	for _, tc := range []struct {
		name   string
		mutate func(*store.Placement)
	}{
		{"no run ID", func(p *store.Placement) { p.RunID = "" }},
		{"run ID of 65", func(p *store.Placement) { p.RunID = strings.Repeat("r", 65) }},
		{"run ID with a tab", func(p *store.Placement) { p.RunID = "run\t1" }},
		{"run ID not ASCII", func(p *store.Placement) { p.RunID = "lauf-ü" }},
		{"no seed", func(p *store.Placement) { p.Seed = "" }},
		{"seed not UTF-8", func(p *store.Placement) { p.Seed = "gmail\xff" }},
		{"seed too long", func(p *store.Placement) { p.Seed = strings.Repeat("s", store.MaxPlacementText+1) }},
		{"provider too long", func(p *store.Placement) { p.Provider = strings.Repeat("p", store.MaxPlacementText+1) }},
		{"zero sent time", func(p *store.Placement) { p.SentAt = time.Time{} }},
		{"sent in year 10000", func(p *store.Placement) { p.SentAt = time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC) }},
		{"no kind", func(p *store.Placement) { p.Kind = "" }},
		{"unknown kind", func(p *store.Placement) { p.Kind = "spam" }},
		{"token too short", func(p *store.Placement) { p.Token = p.Token[:19] }},
		{"token upper case", func(p *store.Placement) { p.Token = strings.ToUpper(p.Token) }},
		{"unknown send status", func(p *store.Placement) { p.SendStatus = "bounced" }},
		{"SPF of 33", func(p *store.Placement) { p.SPF = strings.Repeat("f", store.MaxVerdictLen+1) }},
		{"DKIM of 33", func(p *store.Placement) { p.DKIM = strings.Repeat("f", store.MaxVerdictLen+1) }},
		{"DMARC of 33", func(p *store.Placement) { p.DMARC = strings.Repeat("f", store.MaxVerdictLen+1) }},
		{"unknown spam verdict", func(p *store.Placement) { p.Spam = "ham" }},
		{"NUL in folder", func(p *store.Placement) { p.Kind, p.Folder = store.PlacementInbox, "IN\x00BOX" }},
		{"folder of a missing message", func(p *store.Placement) { p.Folder = "INBOX" }},
		{"filed time of a missing message", func(p *store.Placement) { p.FiledAt = at(1) }},
		{"seen time of a missing message", func(p *store.Placement) { p.SeenAt = at(1) }},
		{"error of an inbox placement", func(p *store.Placement) { p.Kind, p.Folder, p.Error = store.PlacementInbox, "INBOX", "x" }},
		{"error too long", func(p *store.Placement) {
			p.Kind, p.Error = store.PlacementError, strings.Repeat("e", store.MaxPlacementText+1)
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			good := newPlacement("bad-batch", "google", "1", at(0))
			bad := newPlacement("bad-batch", "google", "2", at(1))
			tc.mutate(bad)
			if err := st.PutPlacements(ctx(t), []*store.Placement{good, bad}); !errors.Is(err, store.ErrInvalid) {
				t.Fatalf("PutPlacements = %v, want ErrInvalid", err)
			}
			if good.ID != 0 {
				t.Errorf("the valid placement of a refused batch got ID %d", good.ID)
			}
			if all := mustPlacements(t, st, store.PlacementFilter{}); len(all) != 0 {
				t.Errorf("a refused batch stored %v", describePlacements(all))
			}
		})
	}
	if err := st.PutPlacements(ctx(t), []*store.Placement{newPlacement("r", "google", "1", at(0)), nil}); !errors.Is(err, store.ErrInvalid) {
		t.Errorf("PutPlacements with a nil placement = %v, want ErrInvalid", err)
	}
	// At the bounds, counted in characters.
	edge := newPlacement(" !~"+strings.Repeat("r", store.MaxRunIDLen-3), "google", "1", at(0))
	edge.Kind, edge.Error = store.PlacementError, strings.Repeat("é", store.MaxPlacementText)
	edge.SPF, edge.DKIM, edge.DMARC = strings.Repeat("ü", store.MaxVerdictLen), "pass", "none"
	mustPutPlacements(t, st, edge)
	got := mustPlacements(t, st, store.PlacementFilter{})
	if len(got) != 1 || got[0].RunID != edge.RunID || got[0].Error != edge.Error || got[0].SPF != edge.SPF {
		t.Errorf("placement at the bounds: got %v, want it stored as given", describePlacements(got))
	}
}

func testPlacementsFilter(t *testing.T, st store.Store, _ *Clock) {
	// Stored in this order: IDs increase down the list.
	mustPutPlacements(t, st,
		newPlacement("r1", "google", "1", at(0)),
		newPlacement("r1", "microsoft", "1", at(1)),
		newPlacement("r1", "google", "2", at(1)))
	mustPutPlacements(t, st,
		newPlacement("r2", "google", "1", at(10)),
		newPlacement("r2", "microsoft", "1", at(10)),
		newPlacement("r2", "google", "2", at(12)))
	for _, tc := range []struct {
		name string
		f    store.PlacementFilter
		want []string
	}{
		{"everything", store.PlacementFilter{}, []string{"r2/google-2@12", "r2/microsoft-1@10", "r2/google-1@10",
			"r1/google-2@1", "r1/microsoft-1@1", "r1/google-1@0"}},
		{"provider", store.PlacementFilter{Provider: "google"}, []string{"r2/google-2@12", "r2/google-1@10",
			"r1/google-2@1", "r1/google-1@0"}},
		{"seed", store.PlacementFilter{Seed: "google-1"}, []string{"r2/google-1@10", "r1/google-1@0"}},
		{"run", store.PlacementFilter{RunID: "r1"}, []string{"r1/google-2@1", "r1/microsoft-1@1", "r1/google-1@0"}},
		{"provider and run", store.PlacementFilter{Provider: "google", RunID: "r2"}, []string{"r2/google-2@12", "r2/google-1@10"}},
		{"since, inclusive", store.PlacementFilter{Since: at(10)}, []string{"r2/google-2@12", "r2/microsoft-1@10", "r2/google-1@10"}},
		{"since, a microsecond later", store.PlacementFilter{Since: at(10).Add(time.Microsecond)}, []string{"r2/google-2@12"}},
		{"seed and since", store.PlacementFilter{Seed: "microsoft-1", Since: at(1)}, []string{"r2/microsoft-1@10", "r1/microsoft-1@1"}},
		{"until, exclusive", store.PlacementFilter{Until: at(10)}, []string{"r1/google-2@1", "r1/microsoft-1@1", "r1/google-1@0"}},
		{"since and until", store.PlacementFilter{Since: at(1), Until: at(12)}, []string{"r2/microsoft-1@10", "r2/google-1@10",
			"r1/google-2@1", "r1/microsoft-1@1"}},
		{"limit", store.PlacementFilter{Limit: 2}, []string{"r2/google-2@12", "r2/microsoft-1@10"}},
		{"seed of another provider", store.PlacementFilter{Provider: "microsoft", Seed: "google-1"}, nil},
		{"unknown run", store.PlacementFilter{RunID: "r3"}, nil},
		{"provider is exact", store.PlacementFilter{Provider: "Google"}, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := describePlacements(mustPlacements(t, st, tc.f)); !slices.Equal(got, tc.want) {
				t.Errorf("Placements(%+v) =\n %v\nwant\n %v", tc.f, got, tc.want)
			}
		})
	}
}

func testPrunePlacements(t *testing.T, st store.Store, _ *Clock) {
	mustPutPlacements(t, st,
		newPlacement("r1", "google", "1", at(0)),
		newPlacement("r2", "google", "1", at(10)),
		newPlacement("r2", "google", "2", at(10)),
		newPlacement("r3", "google", "1", at(20)))
	n, err := st.PrunePlacements(ctx(t), at(10)) // strictly before: those sent at 10 are kept
	if err != nil || n != 1 {
		t.Fatalf("PrunePlacements(at 10) = %d, %v; want 1", n, err)
	}
	want := []string{"r3/google-1@20", "r2/google-2@10", "r2/google-1@10"}
	if got := describePlacements(mustPlacements(t, st, store.PlacementFilter{})); !slices.Equal(got, want) {
		t.Errorf("after pruning: %v, want %v", got, want)
	}
	if n, err := st.PrunePlacements(ctx(t), at(10)); err != nil || n != 0 {
		t.Errorf("second PrunePlacements = %d, %v; want 0", n, err)
	}
	if n, err := st.PrunePlacements(ctx(t), at(30)); err != nil || n != 3 {
		t.Errorf("PrunePlacements(at 30) = %d, %v; want 3", n, err)
	}
	if got := mustPlacements(t, st, store.PlacementFilter{}); len(got) != 0 {
		t.Errorf("after pruning everything: %v", describePlacements(got))
	}
	if _, err := st.PrunePlacements(ctx(t), time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC)); !errors.Is(err, store.ErrInvalid) {
		t.Errorf("PrunePlacements(year 10000) = %v, want ErrInvalid", err)
	}
}

// describeRuns is "run: provider@minute …" for each run, its placements
// in order.
func describeRuns(runs [][]*store.Placement) []string {
	var out []string
	for _, run := range runs {
		var b strings.Builder
		for i, p := range run {
			if i == 0 {
				b.WriteString(p.RunID + ":")
			}
			fmt.Fprintf(&b, " %s@%d", p.Provider, int(p.SentAt.Sub(at(0))/time.Minute))
		}
		out = append(out, b.String())
	}
	return out
}

func testPlacementRuns(t *testing.T, st store.Store, _ *Clock) {
	// Five runs over three providers, their times interleaved; each run is
	// one batch, stored r1 to r5. Google's runs r2 and r3 are equally
	// recent (30), r3's newest placement having the larger ID.
	runs := map[string][]struct {
		provider string
		minute   int
	}{
		"r1": {{"google", 0}, {"google", 50}, {"microsoft", 1}},
		"r2": {{"google", 10}, {"google", 30}, {"yahoo", 70}},
		"r3": {{"google", 30}, {"microsoft", 31}},
		"r4": {{"google", 40}, {"google", 5}, {"yahoo", 40}},
		"r5": {{"microsoft", 60}},
	}
	for _, run := range []string{"r1", "r2", "r3", "r4", "r5"} {
		var batch []*store.Placement
		for i, p := range runs[run] {
			batch = append(batch, newPlacement(run, p.provider, fmt.Sprint(i), at(p.minute)))
		}
		mustPutPlacements(t, st, batch...)
	}
	for _, tc := range []struct {
		provider string
		runs     int
		want     []string
	}{
		{"google", 3, []string{"r1: google@50 google@0", "r4: google@40 google@5", "r3: google@30"}},
		{"google", 10, []string{"r1: google@50 google@0", "r4: google@40 google@5", "r3: google@30", "r2: google@30 google@10"}},
		{"google", 1, []string{"r1: google@50 google@0"}},
		{"microsoft", 2, []string{"r5: microsoft@60", "r3: microsoft@31"}},
		{"yahoo", 5, []string{"r2: yahoo@70", "r4: yahoo@40"}},
		{"", 3, []string{"r2: yahoo@70 google@30 google@10", "r5: microsoft@60", "r1: google@50 microsoft@1 google@0"}},
		{"google", 0, nil},
		{"google", -1, nil},
		{"apple", 3, nil},
	} {
		t.Run(fmt.Sprintf("%s %d", tc.provider, tc.runs), func(t *testing.T) {
			got, err := st.PlacementRuns(ctx(t), tc.provider, tc.runs)
			if err != nil {
				t.Fatal(err)
			}
			if d := describeRuns(got); !slices.Equal(d, tc.want) {
				t.Errorf("PlacementRuns(%q, %d) =\n %q\nwant\n %q", tc.provider, tc.runs, d, tc.want)
			}
			for _, run := range got {
				if len(run) == 0 {
					t.Errorf("PlacementRuns(%q, %d) holds an empty run", tc.provider, tc.runs)
				}
			}
		})
	}
}
