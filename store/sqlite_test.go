package store_test

import (
	"context"
	"database/sql"
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/codeprobe/codeprobe/store"
	"github.com/codeprobe/codeprobe/store/storetest"
)

func TestConformanceFile(t *testing.T) {
	storetest.Run(t, func(t *testing.T, now func() time.Time) store.Store {
		return openFile(t, filepath.Join(t.TempDir(), "codeprobe.db"), &store.SQLiteOptions{Now: now})
	})
}

func TestConformanceMemory(t *testing.T) {
	storetest.Run(t, func(t *testing.T, now func() time.Time) store.Store {
		return openFile(t, ":memory:", &store.SQLiteOptions{Now: now})
	})
}

func openFile(t testing.TB, path string, opts *store.SQLiteOptions) *store.SQLite {
	t.Helper()
	st, err := store.OpenSQLite(path, opts)
	if err != nil {
		t.Fatalf("OpenSQLite(%s): %v", path, err)
	}
	t.Cleanup(func() {
		if err := st.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
	})
	return st
}

// rawDB opens the database file directly, bypassing the store.
func rawDB(t testing.TB, path string) *sql.DB {
	t.Helper()
	db, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

func TestOpenSetsDurablePragmas(t *testing.T) {
	path := filepath.Join(t.TempDir(), "p.db")
	st := openFile(t, path, nil)
	if _, err := st.PutReturn(t.Context(), &store.Return{Raw: []byte("x")}); err != nil {
		t.Fatal(err)
	}
	var mode string
	if err := rawDB(t, path).QueryRow("PRAGMA journal_mode").Scan(&mode); err != nil || mode != "wal" {
		t.Errorf("journal_mode = %q, %v; want wal (persistent in the file)", mode, err)
	}
	if _, err := os.Stat(path + "-wal"); err != nil {
		t.Errorf("no write-ahead log beside the open database: %v", err)
	}
}

func TestOpenRefusesBadPaths(t *testing.T) {
	for _, path := range []string{"", "a\x00b", filepath.Join(t.TempDir(), "missing-dir", "x.db")} {
		if st, err := store.OpenSQLite(path, nil); err == nil {
			st.Close()
			t.Errorf("OpenSQLite(%q) succeeded", path)
		}
	}
	if _, err := store.OpenSQLite("", nil); !errors.Is(err, store.ErrInvalid) {
		t.Errorf("OpenSQLite(\"\") = %v, want ErrInvalid", err)
	}
	// A file that is not a database is refused, not overwritten.
	junk := filepath.Join(t.TempDir(), "junk.db")
	if err := os.WriteFile(junk, []byte("this is not an SQLite database, just text padded out to look like a file......."), 0o600); err != nil {
		t.Fatal(err)
	}
	if st, err := store.OpenSQLite(junk, nil); err == nil {
		st.Close()
		t.Error("OpenSQLite(junk file) succeeded")
	}
}

func TestPathWithURIChars(t *testing.T) {
	// Characters that mean something in a URI are part of the file name.
	dir := filepath.Join(t.TempDir(), "a dir?x=1#frag%20")
	if err := os.Mkdir(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, "db?.sqlite")
	st := openFile(t, path, nil)
	if _, err := st.PutReturn(t.Context(), &store.Return{Raw: []byte("x")}); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(path); err != nil {
		t.Errorf("database not at the given path: %v", err)
	}
}

func TestMigrationsFreshAndReopen(t *testing.T) {
	path := filepath.Join(t.TempDir(), "m.db")
	st, err := store.OpenSQLite(path, nil)
	if err != nil {
		t.Fatal(err)
	}
	id, err := st.PutReturn(t.Context(), &store.Return{Raw: []byte("kept across reopen")})
	if err != nil {
		t.Fatal(err)
	}
	if err := st.Close(); err != nil {
		t.Fatal(err)
	}
	versions := func() []int {
		rows, err := rawDB(t, path).Query("SELECT version FROM schema_migrations ORDER BY version")
		if err != nil {
			t.Fatal(err)
		}
		defer rows.Close()
		var vs []int
		for rows.Next() {
			var v int
			if err := rows.Scan(&v); err != nil {
				t.Fatal(err)
			}
			vs = append(vs, v)
		}
		return vs
	}
	first := versions()
	if len(first) == 0 || first[0] != 1 {
		t.Fatalf("schema_migrations after a fresh open = %v, want versions from 1", first)
	}
	for range 2 {
		st = openFile(t, path, nil)
		r, err := st.Return(t.Context(), id)
		if err != nil || string(r.Raw) != "kept across reopen" {
			t.Fatalf("after reopening: %+v, %v", r, err)
		}
		if err := st.Close(); err != nil {
			t.Fatal(err)
		}
	}
	if again := versions(); len(again) != len(first) {
		t.Errorf("reopening changed schema_migrations from %v to %v", first, again)
	}
}

func TestMigrationsRefuseNewerSchema(t *testing.T) {
	path := filepath.Join(t.TempDir(), "new.db")
	st, err := store.OpenSQLite(path, nil)
	if err != nil {
		t.Fatal(err)
	}
	st.Close()
	db := rawDB(t, path)
	if _, err := db.Exec("INSERT INTO schema_migrations (version, name, applied_at) VALUES (9999, 'from_the_future', 0)"); err != nil {
		t.Fatal(err)
	}
	if _, err := db.Exec("CREATE TABLE future_table (x)"); err != nil {
		t.Fatal(err)
	}
	st, err = store.OpenSQLite(path, nil)
	if !errors.Is(err, store.ErrSchemaTooNew) {
		if st != nil {
			st.Close()
		}
		t.Fatalf("OpenSQLite(newer schema) = %v, want ErrSchemaTooNew", err)
	}
	var n int
	if err := db.QueryRowContext(context.Background(), "SELECT COUNT(*) FROM schema_migrations WHERE version = 9999").Scan(&n); err != nil || n != 1 {
		t.Errorf("the refused database was changed: %d rows for version 9999, %v", n, err)
	}
}
