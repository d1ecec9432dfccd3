package seeds

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/codeprobe/codeprobe/store"
)

// history is a History over fixed runs per provider.
type history map[string][][]*store.Placement

func (h history) PlacementRuns(_ context.Context, provider string, runs int) ([][]*store.Placement, error) {
	r := h[provider]
	return r[:min(runs, len(r))], nil
}

func runOf(kinds ...store.PlacementKind) []*store.Placement {
	var out []*store.Placement
	for _, k := range kinds {
		out = append(out, &store.Placement{Kind: k})
	}
	return out
}

// hook records the alerts POSTed to it, or fails them while failing is set.
type hook struct {
	mu      sync.Mutex
	alerts  []Alert
	failing bool
}

func (h *hook) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.failing {
		http.Error(w, "down", http.StatusServiceUnavailable)
		return
	}
	var a Alert
	body, _ := io.ReadAll(r.Body)
	if err := json.Unmarshal(body, &a); err != nil || r.Header.Get("Content-Type") != "application/json" {
		http.Error(w, "bad body", http.StatusBadRequest)
		return
	}
	h.alerts = append(h.alerts, a)
}

func TestAlerter(t *testing.T) {
	h := &hook{}
	srv := httptest.NewServer(h)
	defer srv.Close()
	a := &Alerter{Webhook: srv.URL, Below: 0.75, Runs: 4, Client: srv.Client()}
	const I, J, M, E = store.PlacementInbox, store.PlacementJunk, store.PlacementMissing, store.PlacementError
	hist := history{
		"google":    {runOf(I), runOf(I), runOf(I), runOf(E)},    // errors do not count: 3 of 3
		"microsoft": {runOf(J), runOf(J), runOf(J), runOf(I)},    // 1 of 4
		"yahoo":     {runOf(I, M), runOf(I), runOf(I), runOf(I)}, // 4 of 5
	}
	ctx := context.Background()
	check := func(want ...string) {
		t.Helper()
		got, err := a.Check(ctx, hist, []string{"google", "microsoft", "yahoo"})
		if err != nil {
			t.Fatal(err)
		}
		var names []string
		for _, al := range got {
			names = append(names, al.Status+" "+al.Provider)
		}
		if strings.Join(names, ",") != strings.Join(want, ",") {
			t.Errorf("alerts = %q, want %q", names, want)
		}
	}
	check("firing microsoft")
	if len(h.alerts) != 1 || h.alerts[0].Rate.Counts["junk"] != 3 || h.alerts[0].Rate.Inbox != 0.25 ||
		!strings.Contains(h.alerts[0].Summary, "1 of 4 test codes in the inbox") {
		t.Fatalf("webhook received %+v", h.alerts)
	}
	check() // still below: no repeat
	hist["microsoft"] = [][]*store.Placement{runOf(I), runOf(I), runOf(I), runOf(J)}
	h.failing = true
	if _, err := a.Check(ctx, hist, []string{"microsoft"}); err == nil {
		t.Error("a refused webhook was no error")
	}
	h.failing = false
	check("resolved microsoft") // the lost alert is sent at the next check
	if len(h.alerts) != 2 || h.alerts[1].Status != "resolved" {
		t.Errorf("webhook received %+v", h.alerts)
	}
}
