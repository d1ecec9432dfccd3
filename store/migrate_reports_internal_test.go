package store

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestMigrationFromVersion5 upgrades a database at schema version 5 with
// a row in every table: every row stays, and reports can be stored and
// listed.
func TestMigrationFromVersion5(t *testing.T) {
	ctx := context.Background()
	id := strings.Repeat("ab", 32)
	path := databaseAt(t, 5,
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
		`INSERT INTO users (name, password_hash, created_at) VALUES ('ann', '$2b$x', 1)`,
		fmt.Sprintf(`INSERT INTO web_sessions VALUES ('%s', 'ann', '%s', 1, %d, 1)`, id, id[:32], codeT0.Add(time.Hour).UnixMicro()),
		`INSERT INTO rate_buckets VALUES ('k', 2.5, 1)`,
		fmt.Sprintf(`INSERT INTO wizard_sessions VALUES ('AB-0', '%s', 1, 1, 'a@x', '+15550100', '{"step":"start"}')`, id),
	)
	st := openCodeStore(t, path)
	if snd, err := st.Send(ctx, "abcdefghijklmnopqrst"); err != nil || snd.Result.ReplyCode != 250 {
		t.Errorf("send after upgrade: %+v, %v", snd, err)
	}
	if rs, err := st.ReturnsSince(ctx, time.UnixMicro(3), 0); err != nil || len(rs) != 1 || rs[0].Token != "abcdefghijklmnopqrst" {
		t.Errorf("returns after upgrade: %+v, %v; want the one", rs, err)
	}
	if s, err := st.AddressCodeSession(ctx, "s", "a@x"); err != nil || len(s.Issues) != 1 || s.Issues[0].Attempts != 2 {
		t.Errorf("code session after upgrade: %+v, %v; want its code with 2 attempts", s, err)
	}
	if as, err := st.Attempts(ctx, "s", 0); err != nil || len(as) != 1 || as[0].Verdict != VerdictOK {
		t.Errorf("attempts after upgrade: %+v, %v; want the one", as, err)
	}
	if ps, err := st.Placements(ctx, PlacementFilter{Provider: "google", Until: time.UnixMicro(8)}); err != nil || len(ps) != 1 ||
		ps[0].Folder != "Spam" {
		t.Errorf("placements after upgrade: %+v, %v; want the one", ps, err)
	}
	if u, err := st.User(ctx, "ann"); err != nil || u.PasswordHash != "$2b$x" {
		t.Errorf("user after upgrade: %+v, %v", u, err)
	}
	if ws, err := st.WebSession(ctx, id); err != nil || ws.User != "ann" {
		t.Errorf("web session after upgrade: %+v, %v", ws, err)
	}
	if bs, err := st.RateBuckets(ctx, []string{"k"}); err != nil || bs["k"].Tokens != 2.5 {
		t.Errorf("rate buckets after upgrade: %v, %v", bs, err)
	}
	if w, err := st.WizardSession(ctx, "AB-0"); err != nil || w.Phone != "+15550100" || string(w.State) != `{"step":"start"}` {
		t.Errorf("wizard session after upgrade: %+v, %v", w, err)
	}
	var name string
	if err := st.rdb.QueryRowContext(ctx, `SELECT name FROM schema_migrations WHERE version = 6`).Scan(&name); err != nil ||
		name != "reports" {
		t.Errorf("migration 6 recorded as %q, %v; want reports", name, err)
	}
	checkLatestVersion(t, st)

	r := &Report{ID: "abcdefghijklmn27", Agent: "ann", Address: "a@x", Ref: "AB-0", Body: []byte(`{}`)}
	if err := st.PutReport(ctx, r); err != nil {
		t.Fatal(err)
	}
	if rs, err := st.ReportsByAddress(ctx, "a@x", 0); err != nil || len(rs) != 1 || !rs[0].Created.Equal(codeT0) {
		t.Errorf("reports after upgrade: %+v, %v; want the one, made at the clock's %v", rs, err, codeT0)
	}
	// The user's session still goes with the user in an upgraded database.
	if err := st.DeleteUser(ctx, "ann"); err != nil {
		t.Fatal(err)
	}
	var sessions int
	if err := st.rdb.QueryRowContext(ctx, `SELECT COUNT(*) FROM web_sessions`).Scan(&sessions); err != nil || sessions != 0 {
		t.Errorf("web_sessions holds %d rows after DeleteUser, %v; want none", sessions, err)
	}
}

// TestReportQueriesUseIndexes checks that each look-up and prune of
// reports, and the dashboard's recent returns, find their rows through an
// index, in order, so that none slows down as reports pile up. The
// queries are those of reports_sqlite.go and returns.go, written out.
func TestReportQueriesUseIndexes(t *testing.T) {
	st := openCodeStore(t, filepath.Join(t.TempDir(), "plans.db"))
	for _, tc := range []struct {
		name  string
		query string
		args  []any
		index string
	}{
		{"reports by address", `SELECT ` + reportColumns + ` FROM reports WHERE address = ?
		ORDER BY created_at DESC, id DESC LIMIT ?`, []any{"a@x", 100}, "reports_by_address"},
		{"prune reports", `DELETE FROM reports WHERE created_at < ?`, []any{0}, "reports_by_created"},
		{"returns since", `SELECT ` + returnMeta + ` FROM returns WHERE received_at >= ?
		ORDER BY received_at DESC, id DESC LIMIT ?`, []any{0, 100}, "returns_by_received"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			plan := queryPlan(t, st, tc.query, tc.args...)
			if !strings.Contains(plan+" ", "INDEX "+tc.index+" ") || strings.Contains(plan, "TEMP B-TREE") {
				t.Errorf("plan %q: want it to use %s, without sorting", plan, tc.index)
			}
		})
	}
	if plan := queryPlan(t, st, `SELECT `+reportColumns+` FROM reports WHERE id = ?`, "abcdefghijklmn27"); !strings.Contains(plan,
		"sqlite_autoindex_reports_1") {
		t.Errorf("report by ID: plan %q, want the primary key's index", plan)
	}
}

// TestReportsSchemaRefusesBadRows writes reports past the validator: the
// schema's CHECK constraints refuse what checkReport would.
func TestReportsSchemaRefusesBadRows(t *testing.T) {
	ctx := context.Background()
	st := openCodeStore(t, filepath.Join(t.TempDir(), "checks.db"))
	report := func(id, agent, address, body string) string {
		return fmt.Sprintf(`INSERT INTO reports VALUES ('%s', 1, '%s', '%s', '', %s)`, id, agent, address, body)
	}
	for _, q := range []string{report("abcdefghijklmn27", "a", "b", "'{}'"),
		report("2222222222222222", "a", "b", "printf('%.*c', 1048576, 'x')"),
		report("3333333333333333", "a", "b", "CAST(x'"+strings.Repeat("c3bc", 1<<19)+"' AS TEXT)")} {
		if _, err := st.wdb.ExecContext(ctx, q); err != nil {
			t.Fatalf("%.100s: %v; want it stored", q, err)
		}
	}
	for _, q := range []string{
		report("abcdefghijklmn2", "a", "b", "'{}'"), report("abcdefghijklmn277", "a", "b", "'{}'"),
		report("ABCDEFGHIJKLMN27", "a", "b", "'{}'"), report("abcdefghijklmn01", "a", "b", "'{}'"),
		report("abcdefghijklmn2=", "a", "b", "'{}'"), report("4444444444444444", "", "b", "'{}'"),
		report("4444444444444444", "a", "", "'{}'"), report("4444444444444444", "a", "b", "'x'"),
		report("4444444444444444", "a", "b", "printf('%.*c', 1048577, 'x')"),
		report("4444444444444444", "a", "b", "CAST(x'"+strings.Repeat("c3bc", 1<<19)+"41' AS TEXT)"),
		report("abcdefghijklmn27", "a", "b", "'{}'"),
	} {
		if _, err := st.wdb.ExecContext(ctx, q); err == nil {
			t.Errorf("%.100s: stored, want it refused", q)
		}
	}
}
