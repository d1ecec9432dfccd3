package store

import (
	"context"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// TestPurgeRawInChunks purges more than one chunk and checks that the
// purge finds its rows through the index of unpurged messages, so that
// each chunk costs the same however many were purged before.
func TestPurgeRawInChunks(t *testing.T) {
	s, err := OpenSQLite(filepath.Join(t.TempDir(), "purge.db"), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	ctx := context.Background()
	base := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	const old = 2*purgeChunk + 10
	var wg sync.WaitGroup
	for i := range old + 5 {
		wg.Go(func() {
			if _, err := s.PutReturn(ctx, &Return{Received: base.Add(time.Duration(i) * time.Second), Raw: []byte("m")}); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	n, err := s.PurgeRaw(ctx, base.Add(old*time.Second))
	if err != nil || n != old {
		t.Fatalf("PurgeRaw = %d, %v; want %d", n, err, old)
	}
	var kept int
	if err := s.rdb.QueryRow("SELECT COUNT(*) FROM returns WHERE raw IS NOT NULL").Scan(&kept); err != nil || kept != 5 {
		t.Errorf("%d raw messages kept, want 5 (%v)", kept, err)
	}

	rows, err := s.rdb.Query(`EXPLAIN QUERY PLAN SELECT id FROM returns WHERE raw IS NOT NULL AND received_at < ? LIMIT ?`, 0, purgeChunk)
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
	if p := strings.Join(plan, "; "); !strings.Contains(p, "returns_unpurged") {
		t.Errorf("the purge's query plan is %q, want it to use returns_unpurged", p)
	}
}
