package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/codeprobe/codeprobe/fixtures"
	"github.com/codeprobe/codeprobe/seeds"
	"github.com/codeprobe/codeprobe/store"
)

// TestSeedsRunDemo: the demo world files Outlook's code in Junk and
// delivers Yahoo's late, so the run exits 1 and says so.
func TestSeedsRunDemo(t *testing.T) {
	var stdout, stderr bytes.Buffer
	err := run(context.Background(), []string{"seeds", "run", "--demo", "--json"}, strings.NewReader(""), &stdout, &stderr)
	var ee *exitError
	if !errors.As(err, &ee) || ee.code != 1 {
		t.Fatalf("seeds run --demo = %v, want exit status 1\n%s", err, stderr.String())
	}
	var r seeds.Run
	if err := json.Unmarshal(stdout.Bytes(), &r); err != nil {
		t.Fatalf("output is not one JSON run: %v\n%s", err, stdout.String())
	}
	got := map[string]string{}
	for _, res := range r.Results {
		got[res.Seed] = string(res.Placement) + " " + res.Folder
		if res.Seed == "yahoo-demo" && !res.Late(5*time.Second) {
			t.Errorf("yahoo-demo was not late: %s", res.Latency)
		}
	}
	want := map[string]string{"google-demo": "inbox INBOX", "microsoft-demo": "junk Junk Email",
		"yahoo-demo": "inbox INBOX", "gmx-demo": "inbox INBOX"}
	for seed, w := range want {
		if got[seed] != w {
			t.Errorf("%s: %q, want %q", seed, got[seed], w)
		}
	}
	if strings.Contains(stdout.String()+stderr.String(), fixtures.SeedPassword) {
		t.Error("the output shows a seed password")
	}
}

// TestSeedsWatchMetrics: watch serves /metrics with the first run's
// placements, and stops cleanly when interrupted.
func TestSeedsWatchMetrics(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	out := &syncBuffer{}
	var stderr syncBuffer
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, []string{"seeds", "watch", "--demo", "--every", "1h", "--metrics-listen", "127.0.0.1:0"},
			strings.NewReader(""), out, &stderr)
	}()
	addr := out.waitFor(t, &stderr, "metrics on http://", "/metrics\n")
	out.waitFor(t, out, "yahoo-demo", "\n")
	resp, err := http.Get("http://" + addr + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if !strings.Contains(string(body), `codeprobe_seed_placements_total{placement="junk",provider="microsoft",seed="microsoft-demo"} 1`) {
		t.Errorf("metrics lack Outlook's junk placement:\n%s", body)
	}
	cancel()
	if err := <-done; err != nil {
		t.Errorf("watch ended with %v", err)
	}
}

// syncBuffer is a bytes.Buffer safe for a writer and a reader at once.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// waitFor waits until src holds prefix and returns what follows it up to
// end; it gives up after a minute.
func (s *syncBuffer) waitFor(t *testing.T, src *syncBuffer, prefix, end string) string {
	t.Helper()
	deadline := time.Now().Add(time.Minute)
	for time.Now().Before(deadline) {
		text := src.String()
		if i := strings.Index(text, prefix); i >= 0 {
			rest := text[i+len(prefix):]
			if j := strings.Index(rest, end); j >= 0 {
				return rest[:j]
			}
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatalf("no %q in:\n%s", prefix, src.String())
	return ""
}

// TestCheckReadsPlacements: check --db names where codes land at the
// address's provider, from the stored seed runs.
func TestCheckReadsPlacements(t *testing.T) {
	db := t.TempDir() + "/seeds.db"
	st, err := store.OpenSQLite(db, nil)
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	var ps []*store.Placement
	for i, kind := range []store.PlacementKind{store.PlacementJunk, store.PlacementJunk, store.PlacementInbox} {
		p := &store.Placement{RunID: "run" + string(rune('a'+i)), Seed: "outlook-1", Provider: "microsoft", Kind: kind,
			SentAt: now.Add(-time.Duration(i+1) * time.Hour), Folder: "Junk Email"}
		if kind == store.PlacementInbox {
			p.Folder = "INBOX"
		}
		p.SeenAt = p.SentAt.Add(2 * time.Second)
		ps = append(ps, p)
	}
	if err := st.PutPlacements(context.Background(), ps); err != nil {
		t.Fatal(err)
	}
	st.Close()
	var stdout, stderr bytes.Buffer
	err = run(context.Background(), []string{"check", "--demo", "--no-smtp", "--json", "--db", db, "bob@outlook.com"},
		strings.NewReader(""), &stdout, &stderr)
	if err != nil {
		t.Fatalf("check = %v\n%s", err, stderr.String())
	}
	var rep struct {
		Findings []struct{ ID, Detail string }
	}
	if err := json.Unmarshal(stdout.Bytes(), &rep); err != nil {
		t.Fatal(err)
	}
	for _, f := range rep.Findings {
		if f.ID == "placement.junk" {
			if !strings.Contains(f.Detail, "Junk Email") || !strings.Contains(f.Detail, "2 of the last 3") {
				t.Errorf("placement.junk detail = %q", f.Detail)
			}
			return
		}
	}
	t.Errorf("no placement.junk in %s", stdout.String())
}
