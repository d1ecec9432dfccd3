package main

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// runCLI runs a command line and returns its output and exit status.
func runCLI(t *testing.T, stdin string, args ...string) (stdout, stderr string, code int) {
	t.Helper()
	var out, errb bytes.Buffer
	err := run(context.Background(), args, strings.NewReader(stdin), &out, &errb)
	code = exitCode(err, &errb)
	return out.String(), errb.String(), code
}

// decodeReports parses JSON Lines output.
func decodeReports(t *testing.T, out string) []map[string]any {
	t.Helper()
	var rs []map[string]any
	dec := json.NewDecoder(strings.NewReader(out))
	for dec.More() {
		var r map[string]any
		if err := dec.Decode(&r); err != nil {
			t.Fatalf("output is not JSON Lines: %v\n%s", err, out)
		}
		rs = append(rs, r)
	}
	return rs
}

func findingIDs(r map[string]any) []string {
	var ids []string
	fs, _ := r["findings"].([]any)
	for _, f := range fs {
		ids = append(ids, f.(map[string]any)["id"].(string))
	}
	return ids
}

// TestCheckJSONContract checks the fields DESIGN.md promises to outside
// tests, and the exit statuses.
func TestCheckJSONContract(t *testing.T) {
	out, errOut, code := runCLI(t, "", "check", "--demo", "--json", "--no-smtp", "ann@gmial.com")
	if code != 1 {
		t.Fatalf("exit %d for a dead domain, want 1\n%s", code, errOut)
	}
	rs := decodeReports(t, out)
	if len(rs) != 1 {
		t.Fatalf("%d reports, want 1", len(rs))
	}
	r := rs[0]
	for _, k := range []string{"address", "domain", "valid_syntax", "provider", "mx", "findings", "duration_ms"} {
		if _, ok := r[k]; !ok {
			t.Errorf("report lacks %q: %v", k, r)
		}
	}
	if r["address"] != "ann@gmial.com" || r["domain"] != "gmial.com" || r["valid_syntax"] != true || r["suggestion"] != "ann@gmail.com" {
		t.Errorf("report: %v", r)
	}
	f := r["findings"].([]any)[0].(map[string]any)
	if f["id"] != "domain.nxdomain" || f["severity"] != "fail" || f["summary"] == "" || f["detail"] == "" {
		t.Errorf("first finding: %v", f)
	}

	out, _, code = runCLI(t, "", "check", "--demo", "--json", "--no-smtp", "ann@gmail.com")
	if code != 0 {
		t.Errorf("exit %d for a good address, want 0", code)
	}
	if r := decodeReports(t, out)[0]; r["provider"] != "google" || len(r["mx"].([]any)) != 2 {
		t.Errorf("good address: %v", r)
	}
}

func TestCheckUsageErrors(t *testing.T) {
	for _, args := range [][]string{
		{"check"},
		{"check", "--format", "xml", "a@b.c"},
		{"check", "--format", "csv", "a@b.c"},
		{"check", "--bogus", "a@b.c"},
		{"check", "--demo", "--resolver", "127.0.0.1:53", "a@b.c"},
		{"frobnicate"},
		{},
	} {
		_, _, code := runCLI(t, "", args...)
		if code != 2 {
			t.Errorf("%q: exit %d, want 2", args, code)
		}
	}
}

// TestCheckOffline needs no network at all: --offline with no resolver.
func TestCheckOffline(t *testing.T) {
	out, _, code := runCLI(t, "", "check", "--offline", "--json", "ann@gmail,com", "info@gmx.at")
	if code != 1 {
		t.Errorf("exit %d, want 1 (the first address is invalid)", code)
	}
	rs := decodeReports(t, out)
	if len(rs) != 2 || rs[0]["suggestion"] != "ann@gmail.com" || rs[0]["valid_syntax"] != false {
		t.Fatalf("offline reports: %v", rs)
	}
	if ids := findingIDs(rs[1]); strings.Join(ids, " ") != "address.freemail address.role" && strings.Join(ids, " ") != "address.role address.freemail" {
		t.Errorf("info@gmx.at offline: %v", ids)
	}
	if _, ok := rs[1]["suggestion"]; ok {
		t.Errorf("gmx.at got a suggestion: %v", rs[1])
	}
}

// TestCheckTextOutput: the human report names the verdict, the fix and the
// advice from the catalogue.
func TestCheckTextOutput(t *testing.T) {
	out, _, _ := runCLI(t, "", "check", "--demo", "--no-smtp", "ann@gmial.com")
	for _, want := range []string{"ann@gmial.com — codes will not arrive", "Did you mean ann@gmail.com?", "domain.nxdomain", "Tell the user:"} {
		if !strings.Contains(out, want) {
			t.Errorf("text output lacks %q:\n%s", want, out)
		}
	}
}

// TestBulkKeepsOrder: bulk mode prints reports in input order whatever
// order they complete in, skips blank and comment lines, and reads CSV with
// an email column.
func TestBulkKeepsOrder(t *testing.T) {
	var in strings.Builder
	var want []string
	domains := []string{"gmail.com", "dns-timeout.test", "gmial.com", "parked-domain.com", "contoso.com"}
	in.WriteString("# a comment\n\n")
	for i := range 60 {
		a := fmt.Sprintf("user%d@%s", i, domains[i%len(domains)])
		want = append(want, a)
		in.WriteString(a + "\n")
	}
	out, errOut, code := runCLI(t, in.String(), "check", "--demo", "--no-smtp", "--timeout", "5s", "--file", "-", "--json", "--concurrency", "8")
	if code != 1 {
		t.Errorf("exit %d, want 1\n%s", code, errOut)
	}
	rs := decodeReports(t, out)
	if len(rs) != len(want) {
		t.Fatalf("%d reports for %d addresses", len(rs), len(want))
	}
	for i, r := range rs {
		if r["address"] != want[i] {
			t.Fatalf("report %d is for %v, want %s: order lost", i, r["address"], want[i])
		}
	}

	csvIn := "id,name,email\n1,Ann,ann@gmail.com\n2,\"Doe, Jo\",jo@expired-startup.com\n3,Nobody,\n"
	path := filepath.Join(t.TempDir(), "users.csv")
	os.WriteFile(path, []byte(csvIn), 0o644)
	out, _, _ = runCLI(t, "", "check", "--demo", "--no-smtp", "--file", path, "--format", "csv")
	rows, err := csv.NewReader(strings.NewReader(out)).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != 3 || rows[0][0] != "address" || rows[1][0] != "ann@gmail.com" || rows[2][0] != "jo@expired-startup.com" || rows[2][6] != "fail" {
		t.Errorf("CSV output: %q", rows)
	}
}

func TestBulkMissingFile(t *testing.T) {
	_, errOut, code := runCLI(t, "", "check", "--offline", "--file", "/nonexistent/list.txt")
	if code != 2 || !strings.Contains(errOut, "no such file") {
		t.Errorf("exit %d, %q", code, errOut)
	}
}

func TestRulesCommand(t *testing.T) {
	out, _, code := runCLI(t, "", "rules")
	if code != 0 || !strings.Contains(out, "mx.null") || !strings.Contains(out, "smtp.greylisted") {
		t.Errorf("rules list (exit %d):\n%s", code, out)
	}
	out, _, _ = runCLI(t, "", "rules", "mx.null")
	if !strings.Contains(out, "RFC 7505") || !strings.Contains(out, "For the user:") {
		t.Errorf("rules mx.null:\n%s", out)
	}
	out, _, _ = runCLI(t, "", "rules", "--json")
	var list []map[string]any
	if err := json.Unmarshal([]byte(out), &list); err != nil || len(list) < 60 {
		t.Errorf("rules --json: %d rules, %v", len(list), err)
	}
	if _, _, code := runCLI(t, "", "rules", "no.such"); code != 2 {
		t.Errorf("unknown rule: exit %d, want 2", code)
	}
}

func TestExitCode(t *testing.T) {
	var b bytes.Buffer
	if c := exitCode(nil, &b); c != 0 {
		t.Error(c)
	}
	if c := exitCode(errFound, &b); c != 1 || b.Len() != 0 {
		t.Errorf("errFound: %d %q", c, b.String())
	}
	if c := exitCode(errors.New("boom"), &b); c != 2 || !strings.Contains(b.String(), "boom") {
		t.Errorf("plain error: %d %q", c, b.String())
	}
}

// FuzzReadAddresses: whatever the input list, reading it never panics and
// yields trimmed, non-empty addresses, no comment lines.
func FuzzReadAddresses(f *testing.F) {
	for _, seed := range []string{
		"ann@example.com\nbob@example.org\n",
		"# comment\n\n  spaced@example.com  \r\n",
		"id,email\n1,ann@example.com\n2,\n",
		"\ufeffEmail,name\n\"quoted, name\"@example.com,Ann\n",
		"email\n\"unterminated\n",
		"a,b,c\n1,2,3\n",
	} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, in string) {
		readAddresses(strings.NewReader(in), func(a string) bool {
			if a == "" || a != strings.TrimSpace(a) {
				t.Fatalf("emitted %q", a)
			}
			return true
		})
	})
}

// failingWriter fails every write after the first n bytes, like a full disk.
type failingWriter struct{ n int }

func (w *failingWriter) Write(p []byte) (int, error) {
	if w.n <= 0 {
		return 0, errors.New("no space left on device")
	}
	w.n -= len(p)
	return len(p), nil
}

// TestBulkWriteFailure: when the output cannot be written, bulk mode stops
// reading, drains what it took, and exits 2 with the error once — it does
// not hang.
func TestBulkWriteFailure(t *testing.T) {
	var in strings.Builder
	for i := range 500 {
		fmt.Fprintf(&in, "user%d@gmail.com\n", i)
	}
	var errb bytes.Buffer
	err := run(context.Background(), []string{"check", "--demo", "--no-smtp", "--json", "--file", "-", "--concurrency", "4"},
		strings.NewReader(in.String()), &failingWriter{n: 2000}, &errb)
	code := exitCode(err, &errb)
	if code != 2 || strings.Count(errb.String(), "no space left") != 1 {
		t.Fatalf("exit %d, stderr %q; want 2 and the error once", code, errb.String())
	}
}

// TestBulkInterrupted: a cancelled run (Ctrl-C) prints nothing made up
// after the cancellation and exits 2.
func TestBulkInterrupted(t *testing.T) {
	pr, pw := io.Pipe()
	ctx, cancel := context.WithCancel(context.Background())
	var out, errb bytes.Buffer
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, []string{"check", "--demo", "--no-smtp", "--json", "--file", "-"}, pr, &out, &errb)
	}()
	fmt.Fprintln(pw, "ann@gmail.com")
	cancel()
	// The reader may be blocked on input: closing it is what a terminal's
	// Ctrl-C does to a pipeline too.
	pw.Close()
	code := exitCode(<-done, &errb)
	if code != 2 || !strings.Contains(errb.String(), "interrupted") {
		t.Fatalf("exit %d, stderr %q; want 2, interrupted", code, errb.String())
	}
	for _, r := range decodeReports(t, out.String()) {
		for _, id := range findingIDs(r) {
			if strings.HasPrefix(id, "dns.") {
				t.Errorf("a report built after cancellation was printed: %v", r)
			}
		}
	}
}

func TestCheckFlagValidation(t *testing.T) {
	for _, args := range [][]string{
		{"check", "--timeout", "0s", "a@b.example"},
		{"check", "--timeout", "-5s", "a@b.example"},
		{"check", "--smtp-port", "99999", "a@b.example"},
		{"check", "--offline", "--from-domain", "x.example", "a@b.example"},
		{"check", "--offline", "--rcpt", "a@b.example"},
		{"check", "--demo", "--from-domain", "not a domain", "a@b.example"},
	} {
		if _, errOut, code := runCLI(t, "", args...); code != 2 {
			t.Errorf("%q: exit %d (%s), want 2", args, code, errOut)
		}
	}
	// After "--", everything is an address, even what looks like a flag.
	out, _, _ := runCLI(t, "", "check", "--offline", "--json", "--", "-x@example.com", "--json")
	if rs := decodeReports(t, out); len(rs) != 2 || rs[1]["address"] != "--json" {
		t.Errorf("arguments after --: %v", rs)
	}
}
