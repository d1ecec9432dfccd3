package imapprobe

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"reflect"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"
)

// gmailStep is one command the fake Gmail expects and what it answers.
type gmailStep struct {
	// want is the command without its tag, each literal inlined after
	// its {n}\r\n; "" is a bare CRLF (a cancelled SASL exchange).
	want string
	// reply is sent back, "TAG" standing for the command's tag; "" sends
	// nothing, as a server that stopped answering.
	reply string
	// flood follows the reply with an endless line.
	flood bool
}

// fakeGmail serves one connection on 127.0.0.1: it sends greeting, then
// checks each command against script, answering as Gmail does, and
// fails the test on a command it did not expect. It returns the client
// side of the connection.
func fakeGmail(t *testing.T, greeting string, script []gmailStep) net.Conn {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		c, err := l.Accept()
		l.Close()
		if err != nil {
			t.Error(err)
			return
		}
		defer c.Close()
		_ = c.SetDeadline(time.Now().Add(10 * time.Second))
		r := bufio.NewReader(c)
		_, _ = io.WriteString(c, greeting)
		tag := ""
		for i, st := range script {
			got, err := readGmailCommand(t, c, r, &tag)
			if err != nil || got != st.want {
				t.Errorf("command %d: got %q (%v), want %q", i, got, err, st.want)
				return
			}
			_, _ = io.WriteString(c, strings.ReplaceAll(st.reply, "TAG", tag))
			for buf := []byte(strings.Repeat("a", 32<<10)); st.flood; {
				if _, err := c.Write(buf); err != nil {
					return
				}
			}
		}
		if rest, _ := io.ReadAll(r); len(rest) > 0 {
			t.Errorf("unexpected commands after the script: %q", rest)
		}
	}()
	conn, err := net.Dial("tcp", l.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close(); <-done })
	return conn
}

// readGmailCommand reads one command with its literals, checking that
// the client waits for the continuation request before each literal.
func readGmailCommand(t *testing.T, c net.Conn, r *bufio.Reader, tag *string) (string, error) {
	var cmd strings.Builder
	for {
		line, err := r.ReadString('\n')
		if err != nil {
			return cmd.String(), err
		}
		line = strings.TrimSuffix(line, "\r\n")
		cmd.WriteString(line)
		n, at := gmailLiteral([]byte(line))
		if at < 0 {
			break
		}
		_ = c.SetReadDeadline(time.Now().Add(50 * time.Millisecond))
		if _, err := r.Peek(1); err == nil {
			t.Errorf("client sent a literal before the continuation request")
		}
		_ = c.SetDeadline(time.Now().Add(10 * time.Second))
		_, _ = io.WriteString(c, "+ go ahead\r\n")
		lit := make([]byte, n)
		if _, err := io.ReadFull(r, lit); err != nil {
			return cmd.String(), err
		}
		cmd.WriteString("\r\n" + string(lit))
	}
	t1, rest, ok := strings.Cut(cmd.String(), " ")
	if !ok {
		return cmd.String(), nil
	}
	*tag = t1
	return rest, nil
}

const (
	gmailGreeting = "* OK Gimap ready for requests from 127.0.0.1 h1mb12345\r\n"
	gmailSearch   = "UID SEARCH HEADER X-Codeprobe-Token " + testToken
	gmailOK       = "TAG OK Success\r\n"
)

var (
	gmailLogin = gmailStep{want: `LOGIN "u1" "` + testPassword + `"`,
		reply: "* CAPABILITY IMAP4rev1 UNSELECT IDLE X-GM-EXT-1 UTF8=ACCEPT\r\nTAG OK u1 authenticated (Success)\r\n"}
	gmailEnable  = gmailStep{want: "ENABLE UTF8=ACCEPT", reply: "* ENABLED UTF8=ACCEPT\r\n" + gmailOK}
	gmailExamine = gmailStep{want: `EXAMINE "INBOX"`, reply: "* FLAGS (\\Answered \\Flagged \\Draft \\Deleted \\Seen $NotPhishing $Phishing)\r\n" +
		"* OK [PERMANENTFLAGS ()] Flags permitted.\r\n* OK [UIDVALIDITY 1] UIDs valid.\r\n* 3 EXISTS\r\n* 0 RECENT\r\n" +
		"* OK [UIDNEXT 43] Predicted next UID.\r\n* OK [HIGHESTMODSEQ 4242]\r\nTAG OK [READ-ONLY] INBOX selected. (Success)\r\n"}
	gmailLogout = gmailStep{want: "LOGOUT", reply: "* BYE LOGOUT Requested\r\nTAG OK 73 good day (Success)\r\n"}
)

// gmailCategorySearches are the category searches for UID 42, the one of
// hit (if any) finding it.
func gmailCategorySearches(hit string) []gmailStep {
	var steps []gmailStep
	for _, c := range gmailCategories {
		st := gmailStep{want: `UID SEARCH UID 42 X-GM-RAW "category:` + c + `"`, reply: "* SEARCH\r\n" + gmailOK}
		if c == hit {
			st.reply = "* SEARCH 42\r\n" + gmailOK
		}
		if steps = append(steps, st); c == hit {
			break
		}
	}
	return steps
}

func gmailScript(steps ...[]gmailStep) []gmailStep {
	var all []gmailStep
	for _, s := range steps {
		all = append(all, s...)
	}
	return all
}

type tokenFunc func(context.Context) (Secret, error)

func (f tokenFunc) Token(ctx context.Context) (Secret, error) { return f(ctx) }

func TestGmailCategory(t *testing.T) {
	found := []gmailStep{gmailLogin, gmailEnable, gmailExamine, {want: gmailSearch, reply: "* SEARCH 41 42\r\n" + gmailOK}}
	labels := "* 1 FETCH (FLAGS (\\Seen) BODY[HEADER.FIELDS (SUBJECT)] {12}\r\nSubject: x\r\n)\r\n" +
		"* OK [ALERT] {5}\r\nhello\r\n* 2 FETCH (X-GM-LABELS (Other) UID 7)\r\n" +
		"* 3 FETCH (X-GM-LABELS (\\Inbox \"\\\\Important\" \"Receipts 2026\" \"say \\\"hi\\\"\" {6}\r\nKäufe NIL) UID 42)\r\n" + gmailOK
	user, pass := `jo "q"\x`, "pässwörd"
	xoauth := gmailB64("user=u1\x01auth=Bearer ya29.token-never-shown\x01\x01")
	tests := []struct {
		name      string
		greeting  string
		acct      func(*Account)
		folder    string
		script    []gmailStep
		want      *GmailPlacement
		wantErr   []error
		wantText  string // in the error
		forbidden string // never in the error
	}{
		{name: "promotions", script: gmailScript(found,
			[]gmailStep{{want: "UID FETCH 42 (X-GM-LABELS)", reply: labels}}, gmailCategorySearches("promotions"), []gmailStep{gmailLogout}),
			want: &GmailPlacement{Category: "promotions", Labels: []string{`\Inbox`, `\Important`, "Receipts 2026", `say "hi"`, "Käufe"}}},
		{name: "primary", script: gmailScript(found,
			[]gmailStep{{want: "UID FETCH 42 (X-GM-LABELS)", reply: "* 3 FETCH (UID 42 X-GM-LABELS ())\r\n" + gmailOK}},
			gmailCategorySearches(""), []gmailStep{gmailLogout}),
			want: &GmailPlacement{Category: "primary"}},
		{name: "not found", script: []gmailStep{gmailLogin, gmailEnable, gmailExamine,
			{want: gmailSearch, reply: "* 4 EXISTS\r\n* SEARCH\r\n" + gmailOK}, gmailLogout}},
		{name: "login refused", script: []gmailStep{{want: gmailLogin.want,
			reply: "TAG NO [AUTHENTICATIONFAILED] Invalid credentials for " + testPassword + " (Failure)\r\n"}},
			wantErr: []error{ErrAuth, ErrProtocol}, wantText: "Invalid credentials", forbidden: testPassword},
		{name: "username and password as literals", acct: func(a *Account) { a.Username, a.Password = user, NewSecret(pass) },
			script: []gmailStep{{want: fmt.Sprintf("LOGIN {%d}\r\n%s {%d}\r\n%s", len(user), user, len(pass), pass), reply: gmailOK},
				gmailEnable, gmailExamine, {want: gmailSearch, reply: "* SEARCH\r\n" + gmailOK}, gmailLogout}},
		{name: "preauth, 8-bit folder", greeting: "* PREAUTH IMAP4rev1 server logged in as u1\r\n", folder: "Boîte",
			script: []gmailStep{{want: "ENABLE UTF8=ACCEPT", reply: "TAG BAD Unknown command\r\n"},
				{want: "EXAMINE {6}\r\nBoîte", reply: gmailOK}, {want: gmailSearch, reply: "* SEARCH\r\n" + gmailOK}, gmailLogout}},
		{name: "xoauth2 refused", acct: func(a *Account) {
			a.Auth, a.Tokens = AuthXOAuth2, tokenFunc(func(context.Context) (Secret, error) { return NewSecret("ya29.token-never-shown"), nil })
		}, script: []gmailStep{{want: "AUTHENTICATE XOAUTH2 " + xoauth, reply: "+ eyJzdGF0dXMiOiI0MDAifQ==\r\n"},
			{want: "", reply: "TAG NO [AUTHENTICATIONFAILED] Invalid credentials " + xoauth + " (Failure)\r\n"}},
			wantErr: []error{ErrAuth}, wantText: "Invalid credentials", forbidden: "ya29"},
		{name: "examine refused", script: []gmailStep{gmailLogin, gmailEnable,
			{want: `EXAMINE "INBOX"`, reply: "TAG NO [NONEXISTENT] Unknown Mailbox: INBOX (Failure)\r\n"}},
			wantErr: []error{ErrProtocol}, wantText: "Unknown Mailbox"},
		{name: "bye greeting", greeting: "* BYE Too many simultaneous connections. (Failure)\r\n",
			wantErr: []error{ErrProtocol}, wantText: "Too many simultaneous connections"},
		{name: "bye mid-dialogue", script: []gmailStep{gmailLogin, gmailEnable,
			{want: `EXAMINE "INBOX"`, reply: "* BYE System error\r\n"}}, wantErr: []error{ErrProtocol}, wantText: "System error"},
		{name: "unsupported auth", acct: func(a *Account) { a.Auth = "gssapi" }, wantErr: []error{ErrConfig}, wantText: "LOGIN, PLAIN or XOAUTH2"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			greeting, folder := cmpOr(tt.greeting, gmailGreeting), cmpOr(tt.folder, "INBOX")
			a := &Account{Name: "gmail-1", Host: "127.0.0.1", Username: "u1", Password: NewSecret(testPassword)}
			if tt.acct != nil {
				tt.acct(a)
			}
			got, err := gmailCategory(fakeGmail(t, greeting, tt.script), a, folder, testToken, 5*time.Second)
			for _, want := range tt.wantErr {
				if !errors.Is(err, want) {
					t.Errorf("error %v, want %v", err, want)
				}
			}
			if len(tt.wantErr) == 0 && err != nil {
				t.Fatalf("error %v", err)
			}
			if err != nil && (!strings.Contains(err.Error(), tt.wantText) || tt.forbidden != "" && strings.Contains(err.Error(), tt.forbidden)) {
				t.Errorf("error text %q: want %q in it, %q not", err, tt.wantText, tt.forbidden)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("got %+v, want %+v", got, tt.want)
			}
		})
	}
}

func cmpOr(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

func TestGmailCategoryBadToken(t *testing.T) {
	for _, tok := range []string{"", "ABCDEFGHIJKLMNOPQRST", "abc\r\nLOGOUT", testToken + "a"} {
		a := &Account{Name: "gmail-1", Username: "u1", Password: NewSecret(testPassword)}
		if _, err := gmailCategory(nil, a, "INBOX", tok, time.Second); !errors.Is(err, ErrConfig) {
			t.Errorf("token %q: error %v, want ErrConfig", tok, err)
		}
	}
}

// TestGmailCategoryTimeout: a server that stops answering mid-dialogue
// costs one step timeout, not a hang.
func TestGmailCategoryTimeout(t *testing.T) {
	conn := fakeGmail(t, gmailGreeting, []gmailStep{gmailLogin, gmailEnable, {want: `EXAMINE "INBOX"`, reply: "* 3 EXISTS\r\n"}})
	a := &Account{Name: "gmail-1", Username: "u1", Password: NewSecret(testPassword)}
	start := time.Now()
	_, err := gmailCategory(conn, a, "INBOX", testToken, 300*time.Millisecond)
	if !errors.Is(err, ErrTimeout) {
		t.Errorf("error %v, want ErrTimeout", err)
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Errorf("took %v with a 300ms step", d)
	}
}

// TestGmailCategoryEndlessLine: a line that never ends is refused once
// past gmailMaxLine, without reading on or holding it all.
func TestGmailCategoryEndlessLine(t *testing.T) {
	conn := fakeGmail(t, gmailGreeting, []gmailStep{{want: gmailLogin.want, reply: "* OK ", flood: true}})
	a := &Account{Name: "gmail-1", Username: "u1", Password: NewSecret(testPassword)}
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	_, err := gmailCategory(conn, a, "INBOX", testToken, 5*time.Second)
	runtime.ReadMemStats(&after)
	if !errors.Is(err, ErrProtocol) || errors.Is(err, ErrTimeout) || !strings.Contains(err.Error(), "longer than") {
		t.Errorf("error %v, want ErrProtocol for an overlong line", err)
	}
	if n := after.TotalAlloc - before.TotalAlloc; n > 2<<20 {
		t.Errorf("allocated %d bytes for a refused line", n)
	}
}

// TestGmailLiteralLimits: literals and responses past their bounds are
// refused before they are read.
func TestGmailLiteralLimits(t *testing.T) {
	big := strconv.Itoa(gmailMaxLiteral + 1)
	tests := map[string]string{
		"literal too big": "* 1 FETCH (X-GM-LABELS ({" + big + "}\r\n",
		"huge literal":    "* OK {999999999}\r\n",
		"too many labels": "* 1 FETCH (X-GM-LABELS (" + strings.Repeat("a ", gmailMaxLabels+1) + "))\r\n",
		"too deep":        "* 1 FETCH (X-GM-LABELS " + strings.Repeat("(", 20) + "\r\n",
		"unterminated":    "* 1 FETCH (X-GM-LABELS (\"abc))\r\n",
	}
	for name, in := range tests {
		t.Run(name, func(t *testing.T) {
			_, err := gmailParse([]byte(in))
			if !errors.Is(err, ErrProtocol) {
				t.Errorf("error %v, want ErrProtocol", err)
			}
		})
	}
}
