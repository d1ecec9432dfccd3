package dashboard

import (
	"context"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"github.com/codeprobe/codeprobe/store"
)

var t0 = time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)

func openStore(t *testing.T) *store.SQLite {
	t.Helper()
	st, err := store.OpenSQLite(filepath.Join(t.TempDir(), "d.db"), nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return st
}

// TestBuildCountsEveryPlacementAcrossPages stores more placements than one
// store page (store.MaxLimit), several at the very same instant across the
// page boundary, and checks the dashboard counts each exactly once, with
// the inbox rate, the alert flag, the latency percentiles and the
// receivers' verdicts a sender would read.
func TestBuildCountsEveryPlacementAcrossPages(t *testing.T) {
	st := openStore(t)
	ctx := context.Background()
	const runs = 600 // two seeds each: 1,200 placements
	var ps []*store.Placement
	for i := range runs {
		sent := t0.Add(time.Duration(i/4) * time.Minute) // four placements share each instant
		for j, p := range []struct {
			provider string
			kind     store.PlacementKind
		}{{"google", store.PlacementInbox}, {"microsoft", store.PlacementJunk}} {
			kind := p.kind
			if p.provider == "google" && i%10 == 0 {
				kind = store.PlacementMissing
			}
			pl := &store.Placement{RunID: fmt.Sprintf("r%d", i), Seed: fmt.Sprintf("%s-%d", p.provider, j), Provider: p.provider,
				Kind: kind, SentAt: sent, SendStatus: "accepted"}
			if kind.Found() {
				pl.Folder, pl.FiledAt = "INBOX", sent.Add(time.Second)
				pl.SeenAt = sent.Add(time.Duration(1+i%10) * time.Second)
				pl.SPF, pl.DKIM, pl.DMARC = "pass", "pass", "pass"
			}
			ps = append(ps, pl)
		}
	}
	if err := st.PutPlacements(ctx, ps); err != nil {
		t.Fatal(err)
	}
	d, err := Build(ctx, st, t0, t0.Add(24*time.Hour), time.Hour, 0.8)
	if err != nil {
		t.Fatal(err)
	}
	if len(d.Providers) != 2 {
		t.Fatalf("%d providers, want 2", len(d.Providers))
	}
	byID := map[string]*ProviderStats{}
	total := 0
	for _, p := range d.Providers {
		byID[p.ID] = p
		total += p.Sent
	}
	if total != 2*runs {
		t.Errorf("counted %d placements, want %d (each once, across pages)", total, 2*runs)
	}
	g, m := byID["google"], byID["microsoft"]
	if g.Inbox != 540 || g.Missing != 60 || g.InboxRate != 0.9 || g.Alert {
		t.Errorf("Google: inbox %d, missing %d, rate %.2f, alert %v; want 540, 60, 0.90, no alert", g.Inbox, g.Missing, g.InboxRate, g.Alert)
	}
	if m.Junk != runs || m.InboxRate != 0 || !m.Alert {
		t.Errorf("Microsoft: junk %d, rate %.2f, alert %v; want %d, 0, alert", m.Junk, m.InboxRate, m.Alert, runs)
	}
	if m.P50 != 5*time.Second || m.P99 != 10*time.Second {
		t.Errorf("Microsoft latency p50 %s p99 %s, want 5s and 10s", m.P50, m.P99)
	}
	if m.DKIM["pass"] != runs {
		t.Errorf("Microsoft DKIM verdicts %v, want %d passes", m.DKIM, runs)
	}
	if n := len(g.Placement.Buckets); n != 3 {
		t.Errorf("Google has %d hourly buckets, want 3 (150 minutes of runs)", n)
	}
}

// TestBuildCountsReturnsByReason: bounces by reason and challenges by
// system, newest first in the recent list.
func TestBuildCountsReturnsByReason(t *testing.T) {
	st := openStore(t)
	ctx := context.Background()
	for i, c := range []store.Classification{
		{Kind: "bounce", Reason: "mailboxfull"}, {Kind: "bounce", Reason: "mailboxfull"},
		{Kind: "bounce", Reason: "userunknown"}, {Kind: "challenge", System: "boxtrapper"}, {Kind: "autoreply"},
	} {
		id, err := st.PutReturn(ctx, &store.Return{Received: t0.Add(time.Duration(i) * time.Minute), Raw: []byte("x")})
		if err != nil {
			t.Fatal(err)
		}
		if err := st.SetClassification(ctx, id, c); err != nil {
			t.Fatal(err)
		}
	}
	d, err := Build(ctx, st, t0, t0.Add(time.Hour), time.Hour, 0.8)
	if err != nil {
		t.Fatal(err)
	}
	if d.Bounces["mailboxfull"] != 2 || d.Bounces["userunknown"] != 1 || d.Challenges["boxtrapper"] != 1 {
		t.Errorf("bounces %v, challenges %v", d.Bounces, d.Challenges)
	}
	if len(d.Recent) != 4 || d.Recent[0].Classification.Kind != "challenge" {
		t.Errorf("recent: %d returns, first %q; want 4, the challenge first", len(d.Recent), d.Recent[0].Classification.Kind)
	}
}
