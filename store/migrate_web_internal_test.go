package store

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestMigrationFromVersion4 upgrades a database at schema version 4 with
// a row in every table: every row stays, and the web site's records can
// be stored, their sessions going with their user.
func TestMigrationFromVersion4(t *testing.T) {
	ctx := context.Background()
	path := databaseAt(t, 4,
		`INSERT INTO sends VALUES ('abcdefghijklmnopqrst', 1, 's', 'a@x', 'x', 'f@y', 'sink', 1, 'accepted', 250, '', '', '', '', '', 0, 2)`,
		`INSERT INTO returns (received_at, mail_from, recipients, remote_ip, helo, size, raw, token)
			VALUES (3, '', '[]', '', '', 1, x'41', 'abcdefghijklmnopqrst')`,
		`INSERT INTO code_address_sessions (session_id, address, secret, digits, created_at) VALUES ('s', 'a@x', x'02', 6, 3)`,
		`INSERT INTO code_issues (session_id, address, ordinal, issued_at, expires_at, token, attempts)
			VALUES ('s', 'a@x', 1, 4, 5, 'abcdefghijklmnopqrst', 2)`,
		`INSERT INTO code_attempts (session_id, address, code, attempted_at, verdict, matched_token, matched_ordinal)
			VALUES ('s', 'a@x', '123456', 6, 'ok', 'abcdefghijklmnopqrst', 1)`,
		`INSERT INTO placements (run_id, seed, provider, token, kind, folder, sent_at, filed_at, seen_at,
			send_status, spf, dkim, dmarc, spam, error)
			VALUES ('r', 'gmail-1', 'google', '', 'junk', 'Spam', 7, 8, 9, 'accepted', 'pass', 'fail', 'none', 'spam', '')`,
	)
	st := openCodeStore(t, path)
	if snd, err := st.Send(ctx, "abcdefghijklmnopqrst"); err != nil || snd.Result.ReplyCode != 250 {
		t.Errorf("send after upgrade: %+v, %v", snd, err)
	}
	if rs, err := st.ReturnsByToken(ctx, "abcdefghijklmnopqrst", 0); err != nil || len(rs) != 1 {
		t.Errorf("returns after upgrade: %+v, %v; want the one", rs, err)
	}
	if s, err := st.AddressCodeSession(ctx, "s", "a@x"); err != nil || len(s.Issues) != 1 || s.Issues[0].Attempts != 2 {
		t.Errorf("code session after upgrade: %+v, %v; want its code with 2 attempts", s, err)
	}
	if as, err := st.Attempts(ctx, "s", 0); err != nil || len(as) != 1 || as[0].Verdict != VerdictOK {
		t.Errorf("attempts after upgrade: %+v, %v; want the one", as, err)
	}
	if ps, err := st.Placements(ctx, PlacementFilter{Provider: "google"}); err != nil || len(ps) != 1 || ps[0].Folder != "Spam" ||
		ps[0].DKIM != "fail" {
		t.Errorf("placements after upgrade: %+v, %v; want the one", ps, err)
	}
	var name string
	if err := st.rdb.QueryRowContext(ctx, `SELECT name FROM schema_migrations WHERE version = 5`).Scan(&name); err != nil ||
		name != "web" {
		t.Errorf("migration 5 recorded as %q, %v; want web", name, err)
	}
	checkLatestVersion(t, st)

	if err := st.PutUser(ctx, &User{Name: "ann", PasswordHash: "$2b$10$abc"}); err != nil {
		t.Fatal(err)
	}
	id := strings.Repeat("ab", 32)
	if err := st.PutWebSession(ctx, &WebSession{ID: id, User: "ann", CSRF: id[:32], Expires: codeT0.Add(time.Hour)}); err != nil {
		t.Fatal(err)
	}
	if u, err := st.RecordLogin(ctx, "ann", false, LoginPolicy{LockAfter: 1, LockFor: time.Minute}); err != nil ||
		!u.LockedUntil.Equal(codeT0.Add(time.Minute)) {
		t.Errorf("RecordLogin after upgrade: %+v, %v; want locked for a minute", u, err)
	}
	if err := st.SaveRateBuckets(ctx, []RateBucket{{Key: "k", Tokens: 1, At: codeT0}}); err != nil {
		t.Error(err)
	}
	if err := st.PutWizardSession(ctx, &WizardSession{Ref: "ABCD", SecretHash: id, Address: "a@x"}); err != nil {
		t.Error(err)
	}
	if ws, err := st.WizardSessionsByAddress(ctx, "a@x", 0); err != nil || len(ws) != 1 {
		t.Errorf("wizard sessions after upgrade: %+v, %v; want the one", ws, err)
	}
	// The foreign key of web_sessions works in an upgraded database.
	if err := st.DeleteUser(ctx, "ann"); err != nil {
		t.Fatal(err)
	}
	var sessions int
	if err := st.rdb.QueryRowContext(ctx, `SELECT COUNT(*) FROM web_sessions`).Scan(&sessions); err != nil || sessions != 0 {
		t.Errorf("web_sessions holds %d rows after DeleteUser, %v; want none", sessions, err)
	}
}

// TestWebQueriesUseIndexes checks that each look-up and prune of the web
// site's records finds its rows through an index, in order, so that none
// slows down as sessions and buckets pile up.
func TestWebQueriesUseIndexes(t *testing.T) {
	st := openCodeStore(t, filepath.Join(t.TempDir(), "plans.db"))
	for _, tc := range []struct {
		name  string
		query string
		args  []any
		index string
	}{
		{"wizard sessions by address", wizardSessionsQuery("a@x"), []any{"a@x", 100}, "wizard_sessions_by_address"},
		{"wizard sessions by phone", wizardSessionsQuery("+15550100"), []any{"+15550100", 100}, "wizard_sessions_by_phone"},
		{"prune wizard sessions", pruneWizardSessions, []any{0, pruneChunk}, "wizard_sessions_by_updated"},
		{"prune web sessions", pruneWebSessions, []any{0, pruneChunk}, "web_sessions_by_expiry"},
		{"sessions of a user (cascade)", `SELECT id FROM web_sessions WHERE user_name = ?`, []any{"ann"}, "web_sessions_by_user"},
		{"prune rate buckets", pruneRateBuckets, []any{0, pruneChunk}, "rate_buckets_by_at"},
		{"rate buckets", rateBucketsQuery(3), []any{"a", "b", "c"}, "sqlite_autoindex_rate_buckets_1"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			plan := queryPlan(t, st, tc.query, tc.args...)
			if !strings.Contains(plan+" ", "INDEX "+tc.index+" ") || strings.Contains(plan, "TEMP B-TREE") {
				t.Errorf("plan %q: want it to use %s, without sorting", plan, tc.index)
			}
		})
	}
}

// TestWebSchemaRefusesBadRows writes rows past the validators: the
// schema's CHECK constraints and foreign key refuse what the validators
// would, so a bug in the Go code cannot store a malformed record.
func TestWebSchemaRefusesBadRows(t *testing.T) {
	ctx := context.Background()
	st := openCodeStore(t, filepath.Join(t.TempDir(), "checks.db"))
	id := strings.Repeat("0a", 32)
	user := func(name, hash string) string {
		return fmt.Sprintf(`INSERT INTO users (name, password_hash, created_at) VALUES ('%s', '%s', 1)`, name, hash)
	}
	session := func(id, user, csrf string) string {
		return fmt.Sprintf(`INSERT INTO web_sessions VALUES ('%s', '%s', '%s', 1, 2, 1)`, id, user, csrf)
	}
	bucket := func(key, tokens string) string {
		return fmt.Sprintf(`INSERT INTO rate_buckets VALUES (%s, %s, 1)`, key, tokens)
	}
	wizard := func(ref, hash, state string) string {
		return fmt.Sprintf(`INSERT INTO wizard_sessions VALUES ('%s', '%s', 1, 1, '', '', %s)`, ref, hash, state)
	}
	for _, q := range []string{user("ann", "$2b$x"), user(strings.Repeat("z", 64), "$"+strings.Repeat("~", 511)),
		session(id, "ann", id[:32]), bucket("'k'", "-1.5"), bucket("CAST(x'"+strings.Repeat("c3a9", 100)+"' AS TEXT)", "0"),
		wizard("AB-0", id, "'{}'"), wizard(strings.Repeat("Z", 32), strings.ToUpper(id), "printf('%.*c', 262144, 'x')")} {
		if _, err := st.wdb.ExecContext(ctx, q); err != nil {
			t.Fatalf("%s: %v; want it stored", q, err)
		}
	}
	for _, q := range []string{
		user("", "$2b$x"), user("Ann", "$2b$x"), user("a b", "$2b$x"), user("é", "$2b$x"), user(strings.Repeat("z", 65), "$2b$x"),
		`INSERT INTO users (name, password_hash, created_at) VALUES (CAST(x'61006e' AS TEXT), '$2b$x', 1)`,
		user("bob", ""), user("bob", "$"), user("bob", "hunter2"), user("bob", "$2b$ x"), user("bob", "$"+strings.Repeat("~", 512)),
		`INSERT INTO users (name, password_hash, created_at, failed_logins) VALUES ('bob', '$2b$x', 1, -1)`,
		session(strings.ToUpper(id), "ann", id[:32]), session(id[:63], "ann", id[:32]), session(id, "bob", id[:32]),
		session(strings.Repeat("0b", 32), "nobody", id[:32]), session(strings.Repeat("0b", 32), "ann", id[:31]),
		session(strings.Repeat("0b", 32), "ann", strings.Repeat("z", 32)),
		bucket("''", "1"), bucket("'"+strings.Repeat("k", 201)+"'", "1"), bucket("CAST(x'6b006b' AS TEXT)", "1"),
		bucket("'nan'", "NULL"),
		wizard("ab-0", id, "''"), wizard("ABC", id, "''"), wizard(strings.Repeat("Z", 33), id, "''"), wizard("AB_0", id, "''"),
		wizard("AB-1", id[:63], "''"), wizard("AB-1", strings.Repeat("g", 64), "''"),
		wizard("AB-1", id, "printf('%.*c', 262145, 'x')"),
	} {
		if _, err := st.wdb.ExecContext(ctx, q); err == nil {
			t.Errorf("%.200s: stored, want it refused", q)
		}
	}
}

// TestPruneWebInChunks prunes more rate buckets than one chunk holds, and
// cancels a prune before its first chunk.
func TestPruneWebInChunks(t *testing.T) {
	ctx := context.Background()
	st := openCodeStore(t, filepath.Join(t.TempDir(), "prune.db"))
	const old, kept = 2*pruneChunk + 10, 5
	var bs []RateBucket
	for i := range old + kept {
		bs = append(bs, RateBucket{Key: fmt.Sprint("k", i), At: codeT0.Add(time.Duration(i) * time.Second)})
	}
	if err := st.SaveRateBuckets(ctx, bs); err != nil {
		t.Fatal(err)
	}
	cut := codeT0.Add(old * time.Second)
	cancelled, cancel := context.WithCancel(ctx)
	cancel()
	if n, err := st.PruneRateBuckets(cancelled, cut); n != 0 || !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled prune = %d, %v; want 0 and context.Canceled", n, err)
	}
	if n, err := st.PruneRateBuckets(ctx, cut); err != nil || n != old {
		t.Fatalf("PruneRateBuckets = %d, %v; want %d", n, err, old)
	}
	var keys []string
	for _, b := range bs {
		keys = append(keys, b.Key)
	}
	left, err := st.RateBuckets(ctx, keys)
	if err != nil || len(left) != kept {
		t.Fatalf("after pruning: %d buckets, %v; want %d", len(left), err, kept)
	}
	for k, b := range left {
		if b.At.Before(cut) {
			t.Errorf("bucket %s saved at %v was kept, before the cut %v", k, b.At, cut)
		}
	}
}
