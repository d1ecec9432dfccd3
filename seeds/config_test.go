package seeds

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/codeprobe/codeprobe/imapprobe"
)

const goodList = `
deadline: 3m
late_after: 90s
alert:
  inbox_rate_below: 0.75
  runs: 4
  webhook: https://hooks.example.net/codeprobe
seeds:
  - name: gmail-1
    provider: google
    address: codeprobe.seed1@gmail.com
    host: imap.gmail.com
    tls: tls
    auth: plain
    password_env: SEED_GMAIL_1
    after_read: delete
  - name: outlook-1
    provider: microsoft
    address: codeprobe.seed1@outlook.com
    username: codeprobe.seed1@outlook.com
    host: outlook.office365.com
    port: 993
    password_file: outlook.pw
    after_read: move
    move_to: Processed
`

func TestParse(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "outlook.pw"), []byte("from-a-file\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	env := map[string]string{"SEED_GMAIL_1": "from-the-env"}
	l, err := Parse([]byte(goodList), dir, func(k string) string { return env[k] })
	if err != nil {
		t.Fatal(err)
	}
	if l.Deadline != 3*time.Minute || l.LateAfter != 90*time.Second || l.AlertBelow != 0.75 || l.AlertRuns != 4 ||
		l.AlertWebhook != "https://hooks.example.net/codeprobe" || len(l.Seeds) != 2 {
		t.Fatalf("list = %+v", l)
	}
	g, o := l.Seeds[0], l.Seeds[1]
	if g.Password.Reveal() != "from-the-env" || g.Username != "codeprobe.seed1@gmail.com" || g.TLS != imapprobe.TLSImplicit ||
		g.Auth != imapprobe.AuthPlain || g.AfterRead != imapprobe.Delete {
		t.Errorf("gmail seed = %+v", g)
	}
	if o.Password.Reveal() != "from-a-file" || o.AfterRead != imapprobe.Move || o.MoveTo != "Processed" {
		t.Errorf("outlook seed = %+v", o)
	}
}

func TestParseRefuses(t *testing.T) {
	seed := func(extra string) string {
		return "seeds:\n  - name: s\n    address: s@gmail.com\n    host: imap.gmail.com\n    password_env: PW\n" + extra
	}
	env := func(k string) string {
		if k == "PW" {
			return "x"
		}
		return ""
	}
	tests := []struct{ name, list, want string }{
		{"a password in the list", seed("    password: hunter2\n"), "passwords never go in the seed list"},
		{"no seeds", "deadline: 1m\n", "no seeds"},
		{"unset variable", strings.Replace(seed(""), "password_env: PW", "password_env: UNSET", 1), "UNSET is empty or unset"},
		{"both password sources", seed("    password_file: pw\n"), "not both"},
		{"bad TLS mode", seed("    tls: ssl3\n"), "TLS mode"},
		{"unknown provider", seed("    provider: nosuch\n"), "unknown provider"},
		{"bad address", strings.Replace(seed(""), "s@gmail.com", "not an address", 1), "address"},
		{"bad deadline", seed("") + "deadline: soon\n", "deadline"},
		{"bad rate", seed("") + "alert:\n  inbox_rate_below: 75\n", "between 0 and 1"},
		{"move without folder", seed("    after_read: move\n"), "move_to"},
		{"same name twice", seed("") + "  - name: s\n    address: t@gmail.com\n    host: h\n    password_env: PW\n", "used twice"},
		{"unknown key", seed("    colour: blue\n"), "colour"},
	}
	for _, tt := range tests {
		_, err := Parse([]byte(tt.list), t.TempDir(), env)
		if !errors.Is(err, ErrConfig) || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: Parse = %v, want ErrConfig saying %q", tt.name, err, tt.want)
		}
		if err != nil && strings.Contains(err.Error(), "hunter2") {
			t.Errorf("%s: the error shows the password: %v", tt.name, err)
		}
	}
}
