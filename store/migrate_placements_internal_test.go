package store

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

// checkLatestVersion checks that the database records the latest of the
// embedded migrations.
func checkLatestVersion(t *testing.T, st *SQLite) {
	t.Helper()
	ms, err := embeddedMigrations()
	if err != nil {
		t.Fatal(err)
	}
	var version int
	if err := st.rdb.QueryRowContext(context.Background(), `SELECT MAX(version) FROM schema_migrations`).Scan(&version); err != nil ||
		version != len(ms) {
		t.Errorf("schema version %d, %v; want %d", version, err, len(ms))
	}
}

// TestMigrationFromVersion3 upgrades a database at schema version 3 with
// a send, a return and a code session with a code and an attempt: every
// row stays, and placements can be stored.
func TestMigrationFromVersion3(t *testing.T) {
	ctx := context.Background()
	path := databaseAt(t, 3,
		`INSERT INTO sends VALUES ('abcdefghijklmnopqrst', 1, 's', 'a@x', 'x', 'f@y', 'sink', 1, 'accepted', 250, '', '', '', '', '', 0, 2)`,
		`INSERT INTO returns (received_at, mail_from, recipients, remote_ip, helo, size, raw, token)
			VALUES (3, '', '[]', '', '', 1, x'41', 'abcdefghijklmnopqrst')`,
		`INSERT INTO code_address_sessions (session_id, address, secret, digits, created_at) VALUES ('s', 'a@x', x'02', 6, 3)`,
		`INSERT INTO code_issues (session_id, address, ordinal, issued_at, expires_at, token, attempts)
			VALUES ('s', 'a@x', 1, 4, 5, 'abcdefghijklmnopqrst', 2)`,
		`INSERT INTO code_attempts (session_id, address, code, attempted_at, verdict, matched_token, matched_ordinal)
			VALUES ('s', 'a@x', '123456', 6, 'too-many-attempts', 'abcdefghijklmnopqrst', 1)`,
	)
	st := openCodeStore(t, path)
	if snd, err := st.Send(ctx, "abcdefghijklmnopqrst"); err != nil || snd.Recipient != "a@x" || snd.Result.ReplyCode != 250 {
		t.Errorf("send after upgrade: %+v, %v", snd, err)
	}
	if rs, err := st.ReturnsByToken(ctx, "abcdefghijklmnopqrst", 0); err != nil || len(rs) != 1 || rs[0].Size != 1 {
		t.Errorf("returns after upgrade: %+v, %v; want the one", rs, err)
	}
	s, err := st.AddressCodeSession(ctx, "s", "a@x")
	if err != nil || len(s.Issues) != 1 || s.Issues[0].Attempts != 2 || s.Issues[0].Token != "abcdefghijklmnopqrst" {
		t.Errorf("code session after upgrade: %+v, %v; want its code with 2 attempts", s, err)
	}
	if as, err := st.Attempts(ctx, "s", 0); err != nil || len(as) != 1 || as[0].Verdict != VerdictTooManyAttempts {
		t.Errorf("attempts after upgrade: %+v, %v; want the one", as, err)
	}
	var name string
	if err := st.rdb.QueryRowContext(ctx, `SELECT name FROM schema_migrations WHERE version = 4`).Scan(&name); err != nil ||
		name != "placements" {
		t.Errorf("migration 4 recorded as %q, %v; want placements", name, err)
	}
	checkLatestVersion(t, st)
	p := &Placement{RunID: "r", Seed: "gmail-1", Provider: "google", Kind: PlacementInbox, Folder: "INBOX", SentAt: codeT0}
	if err := st.PutPlacements(ctx, []*Placement{p}); err != nil || p.ID != 1 {
		t.Fatalf("PutPlacements after upgrade: ID %d, %v; want 1", p.ID, err)
	}
	if ps, err := st.Placements(ctx, PlacementFilter{Provider: "google"}); err != nil || len(ps) != 1 || ps[0].Folder != "INBOX" {
		t.Errorf("Placements after upgrade: %+v, %v", ps, err)
	}
}

// queryPlan is SQLite's plan for the query, its steps joined by "; ".
func queryPlan(t *testing.T, st *SQLite, q string, args ...any) string {
	t.Helper()
	rows, err := st.rdb.Query(`EXPLAIN QUERY PLAN `+q, args...)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var plan []string
	for rows.Next() {
		var id, parent, unused int
		var detail string
		if err := rows.Scan(&id, &parent, &unused, &detail); err != nil {
			t.Fatal(err)
		}
		plan = append(plan, detail)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return strings.Join(plan, "; ")
}

// TestPlacementQueriesUseIndexes checks that each way of selecting
// placements finds them through an index and reads them in order, so that
// none slows down as placements pile up.
func TestPlacementQueriesUseIndexes(t *testing.T) {
	st := openCodeStore(t, filepath.Join(t.TempDir(), "plans.db"))
	filter := func(f PlacementFilter) func() (string, []any) {
		return func() (string, []any) { return placementsQuery(f) }
	}
	latest := func(provider string) func() (string, []any) {
		return func() (string, []any) { return latestRunsQuery(provider) }
	}
	for _, tc := range []struct {
		name  string
		query func() (string, []any)
		index string
	}{
		{"by provider", filter(PlacementFilter{Provider: "google"}), "placements_by_provider"},
		{"by seed since", filter(PlacementFilter{Seed: "gmail-1", Since: codeT0}), "placements_by_seed"},
		{"by run", filter(PlacementFilter{RunID: "r"}), "placements_by_run"},
		{"since", filter(PlacementFilter{Since: codeT0}), "placements_by_sent"},
		{"everything", filter(PlacementFilter{}), "placements_by_sent"},
		{"latest runs of a provider", latest("google"), "placements_by_provider"},
		{"latest runs of every provider", latest(""), "placements_by_sent"},
		{"prune", func() (string, []any) { return prunePlacements, []any{0, pruneChunk} }, "placements_by_sent"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			q, args := tc.query()
			plan := queryPlan(t, st, q, args...)
			if !strings.Contains(plan+" ", "INDEX "+tc.index+" ") || strings.Contains(plan, "TEMP B-TREE") {
				t.Errorf("plan %q: want it to use %s, without sorting", plan, tc.index)
			}
		})
	}
}

// TestPrunePlacementsInChunks prunes more than one chunk, and cancels a
// prune before its first chunk.
func TestPrunePlacementsInChunks(t *testing.T) {
	ctx := context.Background()
	st := openCodeStore(t, filepath.Join(t.TempDir(), "prune.db"))
	const old, kept = 2*pruneChunk + 10, 5
	var batch []*Placement
	for i := range old + kept {
		batch = append(batch, &Placement{RunID: fmt.Sprint(i % 7), Seed: "s", Kind: PlacementMissing,
			SentAt: codeT0.Add(time.Duration(i) * time.Second)})
	}
	// Shuffled, so that IDs do not follow the times.
	slices.Reverse(batch[:old/2])
	if err := st.PutPlacements(ctx, batch); err != nil {
		t.Fatal(err)
	}
	cut := codeT0.Add(old * time.Second)
	cancelled, cancel := context.WithCancel(ctx)
	cancel()
	if n, err := st.PrunePlacements(cancelled, cut); n != 0 || !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled prune = %d, %v; want 0 and context.Canceled", n, err)
	}
	if n, err := st.PrunePlacements(ctx, cut); err != nil || n != old {
		t.Fatalf("PrunePlacements = %d, %v; want %d", n, err, old)
	}
	ps, err := st.Placements(ctx, PlacementFilter{})
	if err != nil || len(ps) != kept || ps[kept-1].SentAt.Before(cut) {
		t.Errorf("after pruning: %d placements, %v; want the %d sent at or after %v", len(ps), err, kept, cut)
	}
}
