package store

import (
	"context"
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
