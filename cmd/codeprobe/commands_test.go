package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/codeprobe/codeprobe/diagnose/dkimkey"
)

// dsn is a minimal RFC 3464 bounce of a test send, written for this test.
const dsn = "From: MAILER-DAEMON@mx.example.net (Mail Delivery System)\r\n" +
	"To: bounce+abcdefghijklmnopqrst@sink.codeprobe.test\r\n" +
	"Subject: Undelivered Mail Returned to Sender\r\n" +
	"MIME-Version: 1.0\r\n" +
	"Content-Type: multipart/report; report-type=delivery-status; boundary=\"B\"\r\n" +
	"\r\n--B\r\nContent-Type: text/plain\r\n\r\nThe mailbox does not exist.\r\n" +
	"--B\r\nContent-Type: message/delivery-status\r\n\r\n" +
	"Reporting-MTA: dns; mx.example.net\r\n\r\n" +
	"Final-Recipient: rfc822; nobody@example.net\r\nAction: failed\r\nStatus: 5.1.1\r\n" +
	"Diagnostic-Code: smtp; 550 5.1.1 <nobody@example.net>: Recipient address rejected: User unknown\r\n" +
	"\r\n--B--\r\n"

func TestClassifyCommand(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "bounce.eml")
	os.WriteFile(path, []byte(dsn), 0o644)

	out, errOut, code := runCLI(t, "", "classify", "--json", path)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	var c map[string]any
	if err := json.Unmarshal([]byte(out), &c); err != nil {
		t.Fatalf("%v: %s", err, out)
	}
	rs, _ := c["recipients"].([]any)
	if c["kind"] != "bounce" || c["reason"] != "userunknown" || c["token"] != "abcdefghijklmnopqrst" || len(rs) != 1 {
		t.Fatalf("classify --json: %v", c)
	}
	if r := rs[0].(map[string]any); r["status"] != "5.1.1" || r["address"] != "nobody@example.net" {
		t.Errorf("recipient: %v", r)
	}

	out, _, code = runCLI(t, dsn, "classify", "-")
	if code != 0 || !strings.Contains(out, "-: bounce (userunknown)") || !strings.Contains(out, "abcdefghijklmnopqrst") {
		t.Errorf("classify from stdin (exit %d):\n%s", code, out)
	}

	_, errOut, code = runCLI(t, "", "classify", path, filepath.Join(dir, "missing.eml"))
	if code != 2 || !strings.Contains(errOut, "missing.eml") {
		t.Errorf("a missing file: exit %d, %q", code, errOut)
	}
}

func TestDKIMKeygen(t *testing.T) {
	dir := t.TempDir()
	for _, kind := range []string{"rsa", "ed25519"} {
		path := filepath.Join(dir, kind+".key")
		out, errOut, code := runCLI(t, "", "dkim", "keygen", "--type", kind, "--selector", "s2026", "--domain", "Codes.Example.com", "--out", path)
		if code != 0 {
			t.Fatalf("%s: exit %d: %s", kind, code, errOut)
		}
		fi, err := os.Stat(path)
		if err != nil || fi.Mode().Perm() != 0o600 {
			t.Fatalf("%s: key file %v, %v; want mode 0600", kind, fi, err)
		}
		name, rest, _ := strings.Cut(strings.TrimSpace(out), " 3600 IN TXT ")
		if name != "s2026._domainkey.codes.example.com." {
			t.Errorf("%s: record owner %q", kind, name)
		}
		txt := strings.ReplaceAll(strings.Trim(rest, `"`), `" "`, "")
		k, err := dkimkey.ParseRecord(txt)
		if err != nil || k.KeyType != kind || k.Status != dkimkey.StatusOK {
			t.Errorf("%s: the printed record parses as %+v, %v", kind, k, err)
		}
		if _, _, code := runCLI(t, "", "dkim", "keygen", "--selector", "s2026", "--domain", "codes.example.com", "--out", path); code != 2 {
			t.Errorf("%s: an existing key file was overwritten (exit %d)", kind, code)
		}
	}
	for _, args := range [][]string{
		{"dkim", "keygen", "--domain", "example.com"},
		{"dkim", "keygen", "--selector", "bad selector", "--domain", "example.com"},
		{"dkim", "keygen", "--selector", "s1", "--domain", "not a domain"},
		{"dkim", "keygen", "--selector", "s1", "--domain", "example.com", "--type", "dsa"},
		{"dkim"},
	} {
		if _, _, code := runCLI(t, "", args...); code != 2 {
			t.Errorf("%q: exit %d, want 2", args, code)
		}
	}
}
