package store

import (
	"context"
	"database/sql"
	"errors"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"testing/fstest"
)

func TestLoadMigrations(t *testing.T) {
	file := func(s string) *fstest.MapFile { return &fstest.MapFile{Data: []byte(s)} }
	for _, tc := range []struct {
		name    string
		fsys    fstest.MapFS
		want    []int
		wantErr string
	}{
		{"ordered by number", fstest.MapFS{"0002_b.sql": file("B"), "0001_a.sql": file("A")}, []int{1, 2}, ""},
		{"none", fstest.MapFS{}, nil, ""},
		{"gap", fstest.MapFS{"0001_a.sql": file("A"), "0003_c.sql": file("C")}, nil, "without gaps"},
		{"starts at 2", fstest.MapFS{"0002_b.sql": file("B")}, nil, "without gaps"},
		{"twice the same number", fstest.MapFS{"0001_a.sql": file("A"), "0001_b.sql": file("B")}, nil, "without gaps"},
		{"bad name", fstest.MapFS{"0001_a.sql": file("A"), "2_b.sql": file("B")}, nil, "NNNN_name.sql"},
		{"not sql", fstest.MapFS{"README.md": file("x")}, nil, "NNNN_name.sql"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ms, err := loadMigrations(tc.fsys)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("loadMigrations = %v, want an error containing %q", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			var got []int
			for _, m := range ms {
				got = append(got, m.version)
			}
			if !slices.Equal(got, tc.want) {
				t.Errorf("versions %v, want %v", got, tc.want)
			}
		})
	}
}

func TestEmbeddedMigrationsLoad(t *testing.T) {
	ms, err := embeddedMigrations()
	if err != nil || len(ms) == 0 || ms[0].name != "init" {
		t.Fatalf("embedded migrations: %v, %v", ms, err)
	}
}

func tables(t *testing.T, db *sql.DB) []string {
	t.Helper()
	rows, err := db.Query("SELECT name FROM sqlite_schema WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name")
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var names []string
	for rows.Next() {
		var n string
		if err := rows.Scan(&n); err != nil {
			t.Fatal(err)
		}
		names = append(names, n)
	}
	return names
}

func testDB(t *testing.T) *sql.DB {
	t.Helper()
	db, err := sql.Open("sqlite", filepath.Join(t.TempDir(), "m.db")+"?_txlock=immediate")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

func TestMigrateIsTransactional(t *testing.T) {
	db := testDB(t)
	ctx := context.Background()
	good := []migration{{1, "one", "CREATE TABLE one (x)"}}
	if err := migrate(ctx, db, good, 1); err != nil {
		t.Fatal(err)
	}
	// Version 3 fails: versions 2 and 3 are both left unapplied.
	next := append(slices.Clone(good),
		migration{2, "two", "CREATE TABLE two (x); INSERT INTO one VALUES (1)"},
		migration{3, "three", "CREATE TABLE three (x); THIS IS NOT SQL"})
	err := migrate(ctx, db, next, 2)
	if err == nil || !strings.Contains(err.Error(), "0003_three") {
		t.Fatalf("migrate = %v, want the failure of 0003_three", err)
	}
	if got := tables(t, db); !slices.Equal(got, []string{"one", "schema_migrations"}) {
		t.Errorf("tables after a failed migration: %v, want only one and schema_migrations", got)
	}
	var rows int
	if err := db.QueryRow("SELECT COUNT(*) FROM one").Scan(&rows); err != nil || rows != 0 {
		t.Errorf("a failed migration left %d rows in one (%v)", rows, err)
	}
	var version int
	if err := db.QueryRow("SELECT MAX(version) FROM schema_migrations").Scan(&version); err != nil || version != 1 {
		t.Errorf("schema version %d after a failed migration, want 1 (%v)", version, err)
	}
	// Fixed, the same list applies 2 and 3 at once; applying it again
	// changes nothing.
	next[2].sql = "CREATE TABLE three (x)"
	for range 2 {
		if err := migrate(ctx, db, next, 3); err != nil {
			t.Fatal(err)
		}
	}
	var applied int
	if err := db.QueryRow("SELECT COUNT(*) FROM schema_migrations").Scan(&applied); err != nil || applied != 3 {
		t.Errorf("%d migrations recorded, want 3 (%v)", applied, err)
	}
	if err := migrate(ctx, db, good, 4); !errors.Is(err, ErrSchemaTooNew) {
		t.Errorf("migrating back to version 1 = %v, want ErrSchemaTooNew", err)
	}
}
