package seeds

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/codeprobe/codeprobe/diagnose/netguard"
	"github.com/codeprobe/codeprobe/fixtures"
	"github.com/codeprobe/codeprobe/imapprobe"
	"github.com/codeprobe/codeprobe/store"
	"github.com/codeprobe/codeprobe/testcode"
)

// world is a seed world with a runner over its seeds.
type world struct {
	w      *fixtures.SeedWorld
	runner *Runner
	store  *store.SQLite
	log    *bytes.Buffer
}

// startWorld starts the providers' MX and mailboxes, and a runner sending
// real test messages (testcode.Dispatcher, smarthost mode) to them.
func startWorld(t *testing.T, providers []fixtures.SeedProvider, deadline time.Duration) *world {
	t.Helper()
	sw, err := fixtures.StartSeedWorld(providers)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { sw.Close() })
	st, err := store.OpenSQLite(":memory:", nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	host, port, _ := net.SplitHostPort(sw.IMAP.Addr)
	p, _ := strconv.Atoi(port)
	list := &List{Deadline: deadline, LateAfter: 200 * time.Millisecond}
	for _, pr := range providers {
		list.Seeds = append(list.Seeds, imapprobe.Account{Name: pr.ID + "-1", Provider: pr.ID, Address: "seed@" + pr.Domain,
			Host: host, Port: p, TLS: imapprobe.TLSNone, Username: "seed@" + pr.Domain,
			Password: imapprobe.NewSecret(fixtures.SeedPassword)})
	}
	disp := &testcode.Dispatcher{
		Issuer:     &testcode.Issuer{Store: &testcode.MemoryCodeStore{}},
		Sender:     &testcode.Sender{Name: "Example sign-in", Address: "codes@sender.test"},
		Delivery:   &testcode.Delivery{Mode: testcode.ModeSmarthost, Smarthost: sw.SMTPAddr, Guard: &netguard.Guard{AllowPrivate: true}},
		SinkDomain: "sink.test",
		Store:      st,
	}
	logs := &bytes.Buffer{}
	r := &Runner{List: list, Sender: disp, Store: st, Metrics: NewMetrics(),
		Probe:  &imapprobe.Options{Guard: &netguard.Guard{AllowPrivate: true}, StepTimeout: 10 * time.Second},
		Logger: slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))}
	r.Probe.Logger = r.Logger
	return &world{w: sw, runner: r, store: st, log: logs}
}

func TestRunPlacements(t *testing.T) {
	providers := []fixtures.SeedProvider{
		{ID: "google", Domain: "gmail.com", AuthServID: "mx.google.com", Folder: "INBOX", Folders: []string{"[Gmail]/Spam"}},
		{ID: "microsoft", Domain: "outlook.com", Folder: "Junk Email", Folders: []string{"Junk Email"}},
		{ID: "yahoo", Domain: "yahoo.com", AuthServID: "mx.yahoo.com", Folder: "INBOX", Delay: 300 * time.Millisecond, Folders: []string{"Bulk"}},
		{ID: "gmx", Domain: "gmx.de", Folder: "INBOX", Drop: true, Folders: []string{"Spamverdacht"}},
	}
	w := startWorld(t, providers, 3*time.Second)
	// One more seed whose login fails.
	bad := w.runner.List.Seeds[0]
	bad.Name, bad.Password = "google-bad-login", imapprobe.NewSecret("wrong")
	w.runner.List.Seeds = append(w.runner.List.Seeds, bad)

	run, err := w.runner.Run(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]struct {
		placement imapprobe.Kind
		folder    string
		late      bool
	}{
		"google-1":         {imapprobe.Inbox, "INBOX", false},
		"microsoft-1":      {imapprobe.Junk, "Junk Email", false},
		"yahoo-1":          {imapprobe.Inbox, "INBOX", true},
		"gmx-1":            {imapprobe.Missing, "", false},
		"google-bad-login": {Error, "", false},
	}
	for _, r := range run.Results {
		wr := want[r.Seed]
		if r.Placement != wr.placement || r.Folder != wr.folder {
			t.Errorf("%s: %s in %q, want %s in %q (error %q)", r.Seed, r.Placement, r.Folder, wr.placement, wr.folder, r.Error)
		}
		if r.Placement == imapprobe.Inbox && r.Late(w.runner.List.LateAfter) != wr.late {
			t.Errorf("%s: late = %v after %s, want %v", r.Seed, !wr.late, r.Latency, wr.late)
		}
	}
	byName := map[string]Result{}
	for _, r := range run.Results {
		byName[r.Seed] = r
	}
	if y := byName["yahoo-1"]; y.Latency < 300*time.Millisecond {
		t.Errorf("yahoo-1 latency %s is shorter than the provider's 300 ms delay", y.Latency)
	}
	ms := byName["microsoft-1"].Receiver
	if ms == nil || ms.Spam.SCL == nil || *ms.Spam.SCL != 5 || ms.Auth.SPF.Result != "pass" {
		t.Errorf("Outlook's verdicts were not decoded: %+v", ms)
	}
	if bl := byName["google-bad-login"]; !strings.Contains(bl.Error, "login refused") || bl.SendStatus != "accepted" {
		t.Errorf("bad login result = %+v", bl)
	}

	stored, err := w.store.Placements(context.Background(), store.PlacementFilter{RunID: run.ID})
	if err != nil || len(stored) != len(run.Results) {
		t.Fatalf("stored %d placements (%v), want %d", len(stored), err, len(run.Results))
	}
	for _, p := range stored {
		if p.Kind != store.PlacementKind(byName[p.Seed].Placement) || p.Token != byName[p.Seed].Token {
			t.Errorf("stored %+v disagrees with the run's %+v", p, byName[p.Seed])
		}
	}

	metrics := scrape(t, w.runner.Metrics)
	for _, line := range []string{
		`codeprobe_seed_placements_total{placement="junk",provider="microsoft",seed="microsoft-1"} 1`,
		`codeprobe_seed_placements_total{placement="missing",provider="gmx",seed="gmx-1"} 1`,
		`codeprobe_seed_probe_errors_total{provider="google",stage="imap"} 1`,
		`codeprobe_seed_receiver_auth_total{method="spf",provider="microsoft",result="pass"} 1`,
		`codeprobe_seed_delivery_latency_seconds_count{provider="yahoo"} 1`,
	} {
		if !strings.Contains(metrics, line) {
			t.Errorf("metrics lack %s", line)
		}
	}

	var table bytes.Buffer
	if err := WriteTable(&table, run, w.runner.List.LateAfter); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"inbox (late)", "Junk Email", "missing", "google-bad-login: reading the seed mailbox"} {
		if !strings.Contains(table.String(), want) {
			t.Errorf("table lacks %q:\n%s", want, table.String())
		}
	}

	// No secret anywhere: not in the JSON, the metrics, the table or the
	// logs.
	js, _ := json.Marshal(run)
	for what, text := range map[string]string{"JSON": string(js), "metrics": metrics, "table": table.String(),
		"log": w.log.String()} {
		if strings.Contains(text, fixtures.SeedPassword) || strings.Contains(text, "wrong") && what != "log" {
			t.Errorf("%s shows a password", what)
		}
	}
	if !strings.Contains(w.log.String(), "logged in as seed@gmail.com") {
		t.Error("the log lacks the login step: the secrets check above proves nothing")
	}
}

func scrape(t *testing.T, m *Metrics) string {
	t.Helper()
	srv := httptest.NewServer(m.Handler())
	defer srv.Close()
	resp, err := srv.Client().Get(srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return string(b)
}
