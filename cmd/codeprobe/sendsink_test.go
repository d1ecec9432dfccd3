package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"io"
	"net"
	"net/smtp"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/codeprobe/codeprobe/store"
	"github.com/codeprobe/codeprobe/testcode"
	gosmtp "github.com/emersion/go-smtp"
)

// acceptAll is a recipient's mail server that takes every message.
type acceptAll struct {
	mu   sync.Mutex
	msgs [][]byte
	from []string
}

func (b *acceptAll) NewSession(*gosmtp.Conn) (gosmtp.Session, error) {
	return &acceptSession{b: b}, nil
}

type acceptSession struct {
	b    *acceptAll
	from string
}

func (s *acceptSession) Reset()        {}
func (s *acceptSession) Logout() error { return nil }
func (s *acceptSession) Mail(from string, _ *gosmtp.MailOptions) error {
	s.from = from
	return nil
}
func (s *acceptSession) Rcpt(string, *gosmtp.RcptOptions) error { return nil }
func (s *acceptSession) Data(r io.Reader) error {
	raw, err := io.ReadAll(r)
	s.b.mu.Lock()
	defer s.b.mu.Unlock()
	s.b.msgs = append(s.b.msgs, raw)
	s.b.from = append(s.b.from, s.from)
	return err
}

func startAcceptAll(t *testing.T) (*acceptAll, string) {
	t.Helper()
	b := &acceptAll{}
	srv := gosmtp.NewServer(b)
	srv.Domain = "mx.rcpt.test"
	srv.AllowInsecureAuth = true
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go srv.Serve(ln)
	t.Cleanup(func() { srv.Close() })
	return b, ln.Addr().String()
}

// TestSendSinkEvents runs the three commands together: `send` delivers a
// signed test code through a smarthost and records it, `sink` takes the
// bounce that comes back for it, and `events` shows both, newest first.
func TestSendSinkEvents(t *testing.T) {
	dir := t.TempDir()
	db := filepath.Join(dir, "codeprobe.db")
	keyFile := filepath.Join(dir, "s1.key")
	if _, errOut, code := runCLI(t, "", "dkim", "keygen", "--selector", "s1", "--domain", "ours.test", "--out", keyFile); code != 0 {
		t.Fatal(errOut)
	}

	ctx, stop := context.WithCancel(context.Background())
	pr, pw := io.Pipe()
	sinkDone := make(chan error, 1)
	go func() {
		sinkDone <- run(ctx, []string{"sink", "--listen", "127.0.0.1:0", "--domain", "sink.test", "--db", db}, nil, pw, io.Discard)
		pw.Close()
	}()
	line, err := bufio.NewReader(pr).ReadString('\n')
	if err != nil {
		t.Fatal(err)
	}
	go io.Copy(io.Discard, pr)
	sinkAddr := line[strings.LastIndex(line, " ")+1 : len(line)-1]
	defer func() {
		stop()
		if err := <-sinkDone; err != nil {
			t.Errorf("sink: %v", err)
		}
	}()

	mx, mxAddr := startAcceptAll(t)
	out, errOut, code := runCLI(t, "", "send", "--json", "--to", "ann@rcpt.test", "--from", "codes@ours.test",
		"--sink-domain", "sink.test", "--smarthost", mxAddr, "--dkim-key", keyFile, "--dkim-selector", "s1", "--db", db)
	if code != 0 {
		t.Fatalf("send: exit %d: %s%s", code, out, errOut)
	}
	var sent struct {
		Token, Status string
		Finding       struct{ ID string }
		Transcript    []string
	}
	if err := json.Unmarshal([]byte(out), &sent); err != nil {
		t.Fatal(err)
	}
	if sent.Status != "accepted" || sent.Finding.ID != "send.accepted" || len(sent.Token) != 20 {
		t.Fatalf("send result: %s", out)
	}
	mx.mu.Lock()
	if len(mx.msgs) != 1 || mx.from[0] != "bounce+"+sent.Token+"@sink.test" || !bytes.Contains(mx.msgs[0], []byte("DKIM-Signature:")) {
		t.Fatalf("the recipient's server got %d messages, envelope %v", len(mx.msgs), mx.from)
	}
	mx.mu.Unlock()

	// The recipient's server bounces it to the return path.
	bounce := strings.ReplaceAll(dsn, "abcdefghijklmnopqrst", sent.Token)
	if err := smtp.SendMail(sinkAddr, nil, "", []string{"bounce+" + sent.Token + "@sink.test"}, []byte(bounce)); err != nil {
		t.Fatalf("bouncing to the sink: %v", err)
	}

	// Classification is asynchronous: wait for it, bounded.
	deadline := time.Now().Add(20 * time.Second)
	for {
		out, errOut, code = runCLI(t, "", "events", "--db", db, "--token", sent.Token, "--json")
		if code != 0 {
			t.Fatalf("events: exit %d: %s", code, errOut)
		}
		if strings.Contains(out, `"reason":"userunknown"`) || time.Now().After(deadline) {
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	var kinds []string
	for _, e := range decodeReports(t, out) {
		str := func(k string) string { v, _ := e[k].(string); return v }
		kinds = append(kinds, str("kind")+"/"+str("status")+str("return_kind")+str("reason"))
	}
	want := []string{"return/bounceuserunknown", "result/accepted", "send/"}
	if strings.Join(kinds, " ") != strings.Join(want, " ") {
		t.Errorf("events newest first: %v, want %v", kinds, want)
	}
	text, _, _ := runCLI(t, "", "events", "--db", db, "--address", "ann@rcpt.test")
	if !strings.Contains(text, "returned  bounce (userunknown)") || !strings.Contains(text, "accepted  by") {
		t.Errorf("events text:\n%s", text)
	}
}

// TestConfigFileAndEnvironment: defaults come from CODEPROBE_* variables
// and a configuration file, the command line winning over both.
func TestConfigFileAndEnvironment(t *testing.T) {
	dir := t.TempDir()
	conf := filepath.Join(dir, "codeprobe.conf")
	os.WriteFile(conf, []byte("# defaults\ndb = "+filepath.Join(dir, "from-file.db")+"\n\n[events]\nlimit = 7\n[send]\nsink-domain = sink.test\n"), 0o644)
	env := map[string]string{"CODEPROBE_CONFIG": conf, "CODEPROBE_LIMIT": ""}
	getenv := func(k string) string { return env[k] }

	fs := newEventsFlagsForTest()
	if err := fs.Parse(nil); err != nil {
		t.Fatal(err)
	}
	if err := applyConfig(fs, "events", getenv); err != nil {
		t.Fatal(err)
	}
	if got := fs.Lookup("db").Value.String(); got != filepath.Join(dir, "from-file.db") {
		t.Errorf("db from the file: %q", got)
	}
	if got := fs.Lookup("limit").Value.String(); got != "7" {
		t.Errorf("limit from [events]: %q", got)
	}

	env["CODEPROBE_LIMIT"] = "9"
	fs = newEventsFlagsForTest()
	fs.Parse([]string{"--db", "cli.db"})
	applyConfig(fs, "events", getenv)
	if fs.Lookup("db").Value.String() != "cli.db" || fs.Lookup("limit").Value.String() != "9" {
		t.Errorf("precedence: db %s limit %s, want cli.db (command line) and 9 (environment)",
			fs.Lookup("db").Value, fs.Lookup("limit").Value)
	}

	os.WriteFile(conf, []byte("[events]\nbogus = 1\n"), 0o644)
	fs = newEventsFlagsForTest()
	fs.Parse(nil)
	if err := applyConfig(fs, "events", getenv); err == nil {
		t.Error("an unknown key in [events] was accepted")
	}
}

// newEventsFlagsForTest is a flag set shaped like `codeprobe events`'.
func newEventsFlagsForTest() *flag.FlagSet {
	fs := flag.NewFlagSet("events", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.String("db", "", "")
	fs.Int("limit", 100, "")
	fs.String("config", "", "")
	return fs
}

// TestSendKeepsTheCode: with --db, the code of a send is kept in the
// database, so another process can check what the user types.
func TestSendKeepsTheCode(t *testing.T) {
	dir := t.TempDir()
	db := filepath.Join(dir, "codeprobe.db")
	_, mxAddr := startAcceptAll(t)
	out, errOut, code := runCLI(t, "", "send", "--json", "--to", "ann@rcpt.test", "--from", "codes@ours.test",
		"--sink-domain", "sink.test", "--smarthost", mxAddr, "--db", db)
	if code != 0 {
		t.Fatalf("send: exit %d: %s", code, errOut)
	}
	var sent struct{ Token, Session, Code string }
	if err := json.Unmarshal([]byte(out), &sent); err != nil {
		t.Fatal(err)
	}
	st, err := store.OpenSQLite(db, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	issuer := &testcode.Issuer{Store: &testcode.StoreCodeStore{Store: st}}
	v, err := issuer.Check(context.Background(), sent.Session, "ann@rcpt.test", sent.Code)
	if err != nil || v.Kind != testcode.KindOK {
		t.Errorf("the code sent does not check as ok from the database: %+v, %v", v, err)
	}
}
