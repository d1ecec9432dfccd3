package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

// databaseAt creates a database file at schema version v, fills it with
// the statements, and closes it.
func databaseAt(t *testing.T, v int, stmts ...string) string {
	t.Helper()
	ctx := context.Background()
	ms, err := embeddedMigrations()
	if err != nil || len(ms) < 3 || ms[1].name != "code_issues" || ms[2].name != "attempts_on_address_sessions" {
		t.Fatalf("migrations %v, %v", ms, err)
	}
	path := filepath.Join(t.TempDir(), "old.db")
	db, err := sql.Open("sqlite", path+"?_txlock=immediate&_pragma=foreign_keys(1)")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if err := migrate(ctx, db, ms[:v], 1); err != nil {
		t.Fatal(err)
	}
	for _, q := range stmts {
		if _, err := db.ExecContext(ctx, q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	return path
}

// v1Rows puts a row in every table of schema version 1.
var v1Rows = []string{
	`INSERT INTO sends VALUES ('abcdefghijklmnopqrst', 1, 's', 'a@x', 'x', 'f@y', 'sink', 1, '', 0, '', '', '', '', '', 0, 1)`,
	`INSERT INTO returns (received_at, mail_from, recipients, remote_ip, helo, size, raw) VALUES (1, '', '[]', '', '', 1, x'41')`,
	`INSERT INTO code_sessions VALUES ('legacy', x'01', 7, 1)`,
	`INSERT INTO code_attempts (session_id, address, code, attempted_at, verdict, matched_token, matched_ordinal)
		VALUES ('legacy', 'a@x', '123456', 2, 'ok', '', 0)`,
}

// TestMigrationFromVersion1 upgrades a database at schema version 1: its
// sends and returns stay; its code sessions, which have no (session,
// address) counterpart, go with their attempts.
func TestMigrationFromVersion1(t *testing.T) {
	ctx := context.Background()
	st := openCodeStore(t, databaseAt(t, 1, v1Rows...))
	if snd, err := st.Send(ctx, "abcdefghijklmnopqrst"); err != nil || snd.Recipient != "a@x" {
		t.Errorf("send after upgrade: %+v, %v", snd, err)
	}
	if r, err := st.Return(ctx, 1); err != nil || string(r.Raw) != "A" {
		t.Errorf("return after upgrade: %+v, %v", r, err)
	}
	if as, err := st.Attempts(ctx, "legacy", 0); err != nil || len(as) != 0 {
		t.Errorf("attempts of a version-1 session after upgrade: %+v, %v; want none", as, err)
	}
	checkVersion3Schema(t, st)
}

// TestMigrationFromVersion2 upgrades a database at schema version 2 whose
// attempts belong to version-1 sessions, some with a version-2 session of
// the same ID and address: those are kept, with their IDs, the others go.
func TestMigrationFromVersion2(t *testing.T) {
	ctx := context.Background()
	path := databaseAt(t, 2, append(slices.Clone(v1Rows),
		`INSERT INTO code_address_sessions (session_id, address, secret, digits, created_at) VALUES ('legacy', 'a@x', x'02', 6, 3)`,
		`INSERT INTO code_issues (session_id, address, ordinal, issued_at, expires_at, token) VALUES ('legacy', 'a@x', 1, 4, 5, 't')`,
		`INSERT INTO code_attempts (session_id, address, code, attempted_at, verdict, matched_token, matched_ordinal)
			VALUES ('legacy', 'b@x', '654321', 6, 'unknown', '', 0)`,
		`INSERT INTO code_attempts (session_id, address, code, attempted_at, verdict, matched_token, matched_ordinal)
			VALUES ('legacy', 'a@x', '111111', 7, 'near-miss', 'abcdefghijklmnopqrst', 1)`,
		`INSERT INTO code_attempts (session_id, address, code, attempted_at, verdict, matched_token, matched_ordinal)
			VALUES ('legacy', 'c@x', '222222', 8, 'earlier', '', 0)`,
	)...)
	st := openCodeStore(t, path)
	as, err := st.Attempts(ctx, "legacy", 0)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, a := range as {
		got = append(got, a.Address+" "+a.Code+" "+string(a.Verdict))
	}
	if want := []string{"a@x 111111 near-miss", "a@x 123456 ok"}; !slices.Equal(got, want) || as[0].ID != 3 || as[1].ID != 1 {
		t.Fatalf("attempts after upgrade: %v (IDs %v); want %v with IDs 3 and 1", got, as, want)
	}
	if evs, err := st.Events(ctx, Filter{Address: "a@x"}); err != nil || len(evs) != 3 {
		t.Errorf("events of a@x after upgrade: %d, %v; want the send and two attempts", len(evs), err)
	}
	// IDs go on past those of the attempts left behind (4 was c@x's).
	id, err := st.PutAttempt(ctx, &Attempt{SessionID: "legacy", Address: "a@x", Verdict: VerdictTooManyAttempts})
	if err != nil || id != 5 {
		t.Errorf("first attempt after upgrade: ID %d, %v; want 5", id, err)
	}
	// The attempts go with their session.
	if n, err := st.PruneCodeSessions(ctx, codeT0); err != nil || n != 1 {
		t.Fatalf("PruneCodeSessions = %d, %v; want 1", n, err)
	}
	for _, table := range []string{"code_attempts", "code_issues", "code_address_sessions"} {
		var rows int
		if err := st.rdb.QueryRowContext(ctx, `SELECT COUNT(*) FROM `+table).Scan(&rows); err != nil || rows != 0 {
			t.Errorf("%s has %d rows after pruning, %v; want none", table, rows, err)
		}
	}
	checkVersion3Schema(t, st)
}

// checkVersion3Schema checks what migration 3 makes: code_sessions gone,
// code_attempts with its indexes and its foreign key to
// code_address_sessions, and no row breaking a foreign key; and that the
// database is at the latest version.
func checkVersion3Schema(t *testing.T, st *SQLite) {
	t.Helper()
	ctx := context.Background()
	if got := tables(t, st.rdb); slices.Contains(got, "code_sessions") || !slices.Contains(got, "code_attempts") ||
		slices.Contains(got, "code_attempts_new") {
		t.Errorf("tables %v: want code_attempts and no code_sessions", got)
	}
	var indexes []string
	rows, err := st.rdb.QueryContext(ctx, `SELECT name FROM sqlite_schema WHERE type = 'index' AND tbl_name = 'code_attempts'
		AND name NOT LIKE 'sqlite_%' ORDER BY name`)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var n string
		if err := rows.Scan(&n); err != nil {
			t.Fatal(err)
		}
		indexes = append(indexes, n)
	}
	rows.Close()
	if want := []string{"attempts_by_address", "attempts_by_session", "attempts_by_token"}; !slices.Equal(indexes, want) {
		t.Errorf("indexes of code_attempts %v, want %v", indexes, want)
	}
	var parent string
	if err := st.rdb.QueryRowContext(ctx, `SELECT "table" FROM pragma_foreign_key_list('code_attempts')`).Scan(&parent); err != nil ||
		parent != "code_address_sessions" {
		t.Errorf("code_attempts references %q, %v; want code_address_sessions", parent, err)
	}
	var broken int
	if err := st.rdb.QueryRowContext(ctx, `SELECT COUNT(*) FROM pragma_foreign_key_check`).Scan(&broken); err != nil || broken != 0 {
		t.Errorf("foreign_key_check: %d rows, %v; want none", broken, err)
	}
	// The foreign key holds even for a statement that bypasses PutAttempt's
	// check.
	_, err = st.wdb.ExecContext(ctx, `INSERT INTO code_attempts (session_id, address, code, attempted_at, verdict,
		matched_token, matched_ordinal) VALUES ('nobody', 'a@x', '', 0, 'ok', '', 0)`)
	if err == nil || !strings.Contains(err.Error(), "FOREIGN KEY") {
		t.Errorf("an attempt without its session: %v, want a foreign key failure", err)
	}
	checkLatestVersion(t, st)
}

// TestPruneCodeSessionsInChunks prunes more than one chunk, with sessions
// to keep among those to prune, so that a chunk that stops at a kept
// session does not end the prune early, and cancels a prune between
// chunks.
func TestPruneCodeSessionsInChunks(t *testing.T) {
	ctx := context.Background()
	st := openCodeStore(t, filepath.Join(t.TempDir(), "prune.db"))
	const total = 3*pruneChunk + 7
	kept := 0
	for i := range total {
		created := codeT0
		if i%5 == 0 {
			created, kept = codeT0.Add(time.Hour), kept+1
		}
		s := &AddressCodeSession{ID: "s", Address: fmt.Sprintf("u%d@x", i),
			Secret: []byte("k"), Digits: 6, Created: created}
		if _, err := st.OpenAddressCodeSession(ctx, s); err != nil {
			t.Fatal(err)
		}
		if _, err := st.PutAttempt(ctx, &Attempt{SessionID: "s", Address: s.Address, Verdict: VerdictUnknown}); err != nil {
			t.Fatal(err)
		}
	}
	cancelled, cancel := context.WithCancel(ctx)
	cancel()
	if n, err := st.PruneCodeSessions(cancelled, codeT0.Add(time.Minute)); n != 0 || !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled prune = %d, %v; want 0 and context.Canceled", n, err)
	}
	n, err := st.PruneCodeSessions(ctx, codeT0.Add(time.Minute))
	if err != nil || n != int64(total-kept) {
		t.Fatalf("PruneCodeSessions = %d, %v; want %d", n, err, total-kept)
	}
	var sessions, attempts int
	if err := st.rdb.QueryRowContext(ctx, `SELECT (SELECT COUNT(*) FROM code_address_sessions), (SELECT COUNT(*) FROM code_attempts)`).
		Scan(&sessions, &attempts); err != nil || sessions != kept || attempts != kept {
		t.Errorf("%d sessions and %d attempts kept, %v; want %d of each", sessions, attempts, err, kept)
	}
}
