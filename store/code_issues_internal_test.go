package store

import (
	"context"
	"database/sql"
	"errors"
	"path/filepath"
	"slices"
	"sync"
	"testing"
	"time"
)

var codeT0 = time.Date(2026, 3, 2, 14, 0, 0, 0, time.UTC)

func openCodeStore(t *testing.T, path string) *SQLite {
	t.Helper()
	st, err := OpenSQLite(path, &SQLiteOptions{Now: func() time.Time { return codeT0 }})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return st
}

func TestAddressCodeSessions(t *testing.T) {
	ctx := context.Background()
	st := openCodeStore(t, ":memory:")
	a := &AddressCodeSession{ID: "s1", Address: "ann@example.com", Secret: []byte("secret-a"), Digits: 6, Created: codeT0}
	got, err := st.OpenAddressCodeSession(ctx, a)
	if err != nil || string(got.Secret) != "secret-a" || len(got.Issues) != 0 || !got.Created.Equal(codeT0) {
		t.Fatalf("open = %+v, %v", got, err)
	}
	for k := 1; k <= 3; k++ {
		at := codeT0.Add(time.Duration(k) * time.Minute)
		is, err := st.AppendCodeIssue(ctx, "s1", "ann@example.com", CodeIssue{Issued: at, Expires: at.Add(time.Hour), Token: "t"}, 3)
		if err != nil || is.Ordinal != k || !is.Issued.Equal(at) {
			t.Fatalf("append %d = %+v, %v", k, is, err)
		}
	}
	if _, err := st.AppendCodeIssue(ctx, "s1", "ann@example.com", CodeIssue{Issued: codeT0}, 3); !errors.Is(err, ErrLimit) {
		t.Errorf("fourth code with limit 3: %v, want ErrLimit", err)
	}
	for _, tc := range []struct{ id, addr string }{{"s1", "bob@example.com"}, {"s2", "ann@example.com"}} {
		if _, err := st.AppendCodeIssue(ctx, tc.id, tc.addr, CodeIssue{Issued: codeT0}, 3); !errors.Is(err, ErrNotFound) {
			t.Errorf("append to %s/%s: %v, want ErrNotFound", tc.id, tc.addr, err)
		}
		if _, err := st.AddressCodeSession(ctx, tc.id, tc.addr); !errors.Is(err, ErrNotFound) {
			t.Errorf("read %s/%s: %v, want ErrNotFound", tc.id, tc.addr, err)
		}
	}
	// Reopening keeps the stored secret and issues.
	again, err := st.OpenAddressCodeSession(ctx, &AddressCodeSession{ID: "s1", Address: "ann@example.com", Secret: []byte("other"), Digits: 8})
	if err != nil || string(again.Secret) != "secret-a" || again.Digits != 6 || len(again.Issues) != 3 {
		t.Fatalf("reopen = %+v, %v", again, err)
	}
	for want := 1; want <= 2; want++ {
		if n, err := st.CountCodeAttempt(ctx, "s1", "ann@example.com", 3); err != nil || n != want {
			t.Errorf("attempt %d: count %d, %v", want, n, err)
		}
	}
	if _, err := st.CountCodeAttempt(ctx, "s1", "ann@example.com", 4); !errors.Is(err, ErrNotFound) {
		t.Errorf("attempt on code 4: %v, want ErrNotFound", err)
	}
	s, err := st.AddressCodeSession(ctx, "s1", "ann@example.com")
	if err != nil || len(s.Issues) != 3 || s.Issues[2].Attempts != 2 || s.Issues[0].Attempts != 0 {
		t.Fatalf("session = %+v, %v", s, err)
	}
	for k, is := range s.Issues {
		if is.Ordinal != k+1 || !is.Expires.Equal(is.Issued.Add(time.Hour)) {
			t.Errorf("issue %d = %+v", k, is)
		}
	}
	if _, err := st.OpenAddressCodeSession(ctx, &AddressCodeSession{ID: "s3", Address: "a@b", Digits: 6}); !errors.Is(err, ErrInvalid) {
		t.Errorf("session without secret: %v, want ErrInvalid", err)
	}
}

func TestRecentAddressCodeSessions(t *testing.T) {
	ctx := context.Background()
	st := openCodeStore(t, ":memory:")
	open := func(id, addr string, created time.Time, issued ...time.Time) {
		t.Helper()
		if _, err := st.OpenAddressCodeSession(ctx, &AddressCodeSession{ID: id, Address: addr, Secret: []byte("k"), Digits: 6, Created: created}); err != nil {
			t.Fatal(err)
		}
		for _, at := range issued {
			if _, err := st.AppendCodeIssue(ctx, id, addr, CodeIssue{Issued: at, Expires: at}, 10); err != nil {
				t.Fatal(err)
			}
		}
	}
	at := func(m int) time.Time { return codeT0.Add(time.Duration(m) * time.Minute) }
	open("old", "ann@x", at(0))                 // active at 0
	open("busy", "ann@x", at(1), at(2), at(9))  // active at 9
	open("tie-a", "ann@x", at(5))               // active at 5
	open("tie-b", "ann@x", at(3), at(5))        // active at 5, created later
	open("bob", "bob@x", at(20), at(21))        // another address
	open("newest-first", "ann@x", at(4), at(7)) // active at 7
	for _, tc := range []struct {
		since time.Time
		limit int
		want  []string
	}{
		{at(0), 10, []string{"busy", "newest-first", "tie-a", "tie-b", "old"}},
		{at(5), 10, []string{"busy", "newest-first", "tie-a", "tie-b"}},
		{at(6), 10, []string{"busy", "newest-first"}},
		{at(0), 2, []string{"busy", "newest-first"}},
		{at(10), 10, nil},
	} {
		got, err := st.RecentAddressCodeSessions(ctx, "ann@x", tc.since, tc.limit)
		if err != nil {
			t.Fatal(err)
		}
		var ids []string
		for _, s := range got {
			ids = append(ids, s.ID)
		}
		if !slices.Equal(ids, tc.want) {
			t.Errorf("since %v limit %d: %v, want %v", tc.since, tc.limit, ids, tc.want)
		}
		if len(got) > 0 && got[0].ID == "busy" && len(got[0].Issues) != 2 {
			t.Errorf("busy has %d issues, want 2", len(got[0].Issues))
		}
	}
}

// TestAppendCodeIssueConcurrent issues codes from two stores open on the
// same file, as two processes would: every ordinal is handed out once.
func TestAppendCodeIssueConcurrent(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "codes.db")
	stores := []*SQLite{openCodeStore(t, path), openCodeStore(t, path)}
	if _, err := stores[0].OpenAddressCodeSession(ctx, &AddressCodeSession{ID: "s", Address: "a@x", Secret: []byte("k"), Digits: 6}); err != nil {
		t.Fatal(err)
	}
	const n, limit = 40, 32
	var (
		wg      sync.WaitGroup
		mu      sync.Mutex
		got     []int
		limited int
	)
	for g := range n {
		wg.Go(func() {
			is, err := stores[g%2].AppendCodeIssue(ctx, "s", "a@x", CodeIssue{Issued: codeT0, Expires: codeT0}, limit)
			mu.Lock()
			defer mu.Unlock()
			switch {
			case errors.Is(err, ErrLimit):
				limited++
			case err != nil:
				t.Error(err)
			default:
				got = append(got, is.Ordinal)
			}
		})
	}
	wg.Wait()
	slices.Sort(got)
	if len(got) != limit || limited != n-limit || got[0] != 1 || got[limit-1] != limit || len(slices.Compact(got)) != limit {
		t.Errorf("ordinals %v, %d refused; want 1…%d each once and %d refused", got, limited, limit, n-limit)
	}
}

// TestMigration2KeepsRows upgrades a database at schema version 1, with a
// row in every table of version 1, to the current schema.
func TestMigration2KeepsRows(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "v1.db")
	ms, err := embeddedMigrations()
	if err != nil || len(ms) < 2 || ms[1].name != "code_issues" {
		t.Fatalf("migrations %v, %v", ms, err)
	}
	db, err := sql.Open("sqlite", path+"?_txlock=immediate")
	if err != nil {
		t.Fatal(err)
	}
	if err := migrate(ctx, db, ms[:1], 1); err != nil {
		t.Fatal(err)
	}
	for _, q := range []string{
		`INSERT INTO sends VALUES ('abcdefghijklmnopqrst', 1, 's', 'a@x', 'x', 'f@y', 'sink', 1, '', 0, '', '', '', '', '', 0, 1)`,
		`INSERT INTO returns (received_at, mail_from, recipients, remote_ip, helo, size, raw) VALUES (1, '', '[]', '', '', 1, x'41')`,
		`INSERT INTO code_sessions VALUES ('legacy', x'01', 7, 1)`,
		`INSERT INTO code_attempts (session_id, address, code, attempted_at, verdict, matched_token, matched_ordinal)
			VALUES ('legacy', 'a@x', '123456', 2, 'ok', '', 0)`,
	} {
		if _, err := db.ExecContext(ctx, q); err != nil {
			t.Fatal(err)
		}
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	st := openCodeStore(t, path)
	if snd, err := st.Send(ctx, "abcdefghijklmnopqrst"); err != nil || snd.Recipient != "a@x" {
		t.Errorf("send after upgrade: %+v, %v", snd, err)
	}
	if r, err := st.Return(ctx, 1); err != nil || string(r.Raw) != "A" {
		t.Errorf("return after upgrade: %+v, %v", r, err)
	}
	if cs, err := st.CodeSession(ctx, "legacy"); err != nil || cs.Counter != 7 {
		t.Errorf("code session after upgrade: %+v, %v", cs, err)
	}
	if as, err := st.Attempts(ctx, "legacy", 0); err != nil || len(as) != 1 || as[0].Code != "123456" {
		t.Errorf("attempts after upgrade: %+v, %v", as, err)
	}
	if c, err := st.NextCounter(ctx, "legacy"); err != nil || c != 7 {
		t.Errorf("NextCounter after upgrade = %d, %v", c, err)
	}
	if _, err := st.OpenAddressCodeSession(ctx, &AddressCodeSession{ID: "legacy", Address: "a@x", Secret: []byte("k"), Digits: 6}); err != nil {
		t.Errorf("new-style session beside a legacy one of the same ID: %v", err)
	}
	var version int
	if err := st.rdb.QueryRowContext(ctx, `SELECT MAX(version) FROM schema_migrations`).Scan(&version); err != nil || version != len(ms) {
		t.Errorf("schema version %d, %v; want %d", version, err, len(ms))
	}
}
