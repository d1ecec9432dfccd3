package imapprobe

import (
	"context"
	"fmt"
	"log/slog"
	"net"
	"net/netip"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/codeprobe/codeprobe/diagnose/netguard"
	"github.com/codeprobe/codeprobe/fixtures"
)

const (
	testToken    = "abcdefghijklmnopqrst"
	testPassword = "s3cret-Pa55word-never-shown"
)

// seedFolders are the folders of every test seed: Gmail's, GMX's and a
// generic junk folder, and a folder of the user's own.
var seedFolders = []string{"Junk", "[Gmail]/Spam", "Spamverdacht", "Receipts", "Processed"}

// startSeeds starts an in-memory IMAP server with seed users u1…un.
func startSeeds(t testing.TB, n int) *fixtures.SeedServer {
	t.Helper()
	var users []fixtures.SeedUser
	for i := 1; i <= n; i++ {
		users = append(users, fixtures.SeedUser{Username: "u" + strconv.Itoa(i), Password: testPassword, Folders: seedFolders})
	}
	srv, err := fixtures.StartSeedServer(fixtures.SeedServerOptions{Users: users})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Close() })
	return srv
}

// account returns a plaintext loopback account for a seed user.
func account(t testing.TB, srv *fixtures.SeedServer, user, provider string) *Account {
	t.Helper()
	host, port, _ := net.SplitHostPort(srv.Addr)
	p, _ := strconv.Atoi(port)
	return &Account{Name: "seed-" + user, Provider: provider, Address: user + "@seed.test", Host: host, Port: p,
		TLS: TLSNone, Username: user, Password: NewSecret(testPassword)}
}

// testOptions allow loopback and log every step to the returned recorder.
func testOptions() (*Options, *logRecorder) {
	rec := &logRecorder{}
	return &Options{Guard: &netguard.Guard{AllowPrivate: true}, StepTimeout: 10 * time.Second,
		Logger: slog.New(rec)}, rec
}

// message is a test message carrying a token.
func message(token, subject string) []byte {
	return []byte("From: Codeprobe <codes@sender.test>\r\n" +
		"To: seed@seed.test\r\n" +
		"Subject: " + subject + "\r\n" +
		"Date: Mon, 02 Mar 2026 14:00:00 +0000\r\n" +
		"Message-ID: <" + token + "@sender.test>\r\n" +
		"X-Codeprobe-Token: " + token + "\r\n" +
		"Received: from mx.seed.test by imap.seed.test; Mon, 02 Mar 2026 14:00:03 +0000\r\n" +
		"\r\n" +
		"Your code is 123456.\r\n")
}

// filler is an ordinary message with no token.
func filler(i int) []byte {
	return []byte(fmt.Sprintf("From: someone%d@example.net\r\nTo: seed@seed.test\r\nSubject: newsletter %d\r\n"+
		"Message-ID: <%d@example.net>\r\n\r\nHello %d.\r\n", i, i, i, i))
}

func deliver(t testing.TB, srv *fixtures.SeedServer, user, folder string, msg []byte) {
	t.Helper()
	if err := srv.Deliver(user, folder, msg, time.Date(2026, 3, 2, 14, 0, 5, 0, time.UTC)); err != nil {
		t.Fatal(err)
	}
}

// logRecorder is a slog.Handler keeping every record's message and
// attributes as text, and telling waiters when a step containing some
// text was logged.
type logRecorder struct {
	mu      sync.Mutex
	lines   []string
	waiters []logWaiter
}

type logWaiter struct {
	substr string
	ch     chan struct{}
}

func (r *logRecorder) Enabled(context.Context, slog.Level) bool { return true }
func (r *logRecorder) WithAttrs([]slog.Attr) slog.Handler       { return r }
func (r *logRecorder) WithGroup(string) slog.Handler            { return r }

func (r *logRecorder) Handle(_ context.Context, rec slog.Record) error {
	var b strings.Builder
	b.WriteString(rec.Message)
	rec.Attrs(func(a slog.Attr) bool {
		b.WriteString(" " + a.Key + "=" + a.Value.String())
		return true
	})
	line := b.String()
	r.mu.Lock()
	defer r.mu.Unlock()
	r.lines = append(r.lines, line)
	kept := r.waiters[:0]
	for _, w := range r.waiters {
		if strings.Contains(line, w.substr) {
			close(w.ch)
			continue
		}
		kept = append(kept, w)
	}
	r.waiters = kept
	return nil
}

// when returns a channel closed once a line containing substr is logged.
func (r *logRecorder) when(substr string) <-chan struct{} {
	r.mu.Lock()
	defer r.mu.Unlock()
	ch := make(chan struct{})
	r.waiters = append(r.waiters, logWaiter{substr, ch})
	return ch
}

func (r *logRecorder) text() string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return strings.Join(r.lines, "\n")
}

type netipAddr = netip.Addr

func mustAddr(s string) netip.Addr { return netip.MustParseAddr(s) }
