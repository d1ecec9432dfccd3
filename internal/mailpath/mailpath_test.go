package mailpath

import (
	"bytes"
	"fmt"
	"net"
	"net/mail"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapclient"
)

// gtube is SpamAssassin's GTUBE string: any message carrying it scores
// 1000 and is flagged as spam.
const gtube = "XJS*C4JDBQADN1.NSBN3*2IDNEN*GTUBE-STANDARD-ANTI-UBE-TEST-EMAIL*C.34X"

// deliveryWait bounds the wait for Postfix to hand a message to Dovecot;
// it normally takes well under a second.
const deliveryWait = 60 * time.Second

// imapWait bounds a whole IMAP session with Dovecot.
const imapWait = 30 * time.Second

// message returns a well-formed RFC 5322 message with CRLF line endings.
func message(from, to, subject, body string) []byte {
	lines := []string{
		"Date: " + time.Now().Format(time.RFC1123Z),
		fmt.Sprintf("Message-ID: <%d.%s@sender.test>", time.Now().UnixNano(), strings.ReplaceAll(subject, " ", "-")),
		"From: Codeprobe <" + from + ">",
		"To: <" + to + ">",
		"Subject: " + subject,
		"MIME-Version: 1.0",
		"Content-Type: text/plain; charset=utf-8",
		"",
		body,
		"",
	}
	return []byte(strings.Join(lines, "\r\n"))
}

// header parses raw's header, failing t when it is not a message.
func header(t *testing.T, raw []byte) mail.Header {
	t.Helper()
	m, err := mail.ReadMessage(bytes.NewReader(raw))
	if err != nil {
		t.Fatalf("delivered message does not parse: %v\n%s", err, raw)
	}
	return m.Header
}

// placementCase is one message delivered through the path and where it
// must land.
type placementCase struct {
	name    string
	user    string
	subject string
	body    string
	mailbox string // where it lands
	other   string // where it must not
	status  string // the prefix of X-Spam-Status
	flag    string // X-Spam-Flag, "" for absent
}

var placementCases = []placementCase{
	{name: "ham", user: "ann", subject: "Your sign-in code", body: "Your code is 482913. It expires in 10 minutes.",
		mailbox: Inbox, other: Junk, status: "No,"},
	{name: "gtube", user: "bob", subject: "Your sign-in code", body: "Your code is 482913.\r\n" + gtube,
		mailbox: Junk, other: Inbox, status: "Yes,", flag: "YES"},
}

// TestMailPath sends a clean message and a GTUBE message through Postfix,
// spamd and Dovecot and checks where each lands and what SpamAssassin
// wrote on it, then checks Junk's SPECIAL-USE attribute over IMAP.
func TestMailPath(t *testing.T) {
	begin := time.Now()
	p := Start(t, Options{Users: []string{"ann", "bob"}})
	t.Logf("Start: %v", time.Since(begin).Round(time.Millisecond))

	for _, tc := range placementCases {
		t.Run(tc.name, func(t *testing.T) {
			to := tc.user + "@" + p.Domain
			sent := time.Now()
			p.Deliver(t, "codes@sender.test", []string{to}, message("codes@sender.test", to, tc.subject, tc.body))
			p.WaitDelivered(t, tc.user, 1, deliveryWait)
			t.Logf("delivery, SMTP to mailbox: %v", time.Since(sent).Round(time.Millisecond))
			if n := p.Count(t, tc.user, tc.mailbox); n != 1 {
				t.Errorf("%s holds %d messages, want 1", tc.mailbox, n)
			}
			if n := p.Count(t, tc.user, tc.other); n != 0 {
				t.Errorf("%s holds %d messages, want 0", tc.other, n)
			}
			msgs := p.Messages(t, tc.user, tc.mailbox)
			if len(msgs) != 1 {
				t.Fatalf("%d files in %s's Maildir, want 1", len(msgs), tc.mailbox)
			}
			h := header(t, msgs[0])
			if h.Get("Subject") != tc.subject {
				t.Errorf("delivered Subject %q, want %q", h.Get("Subject"), tc.subject)
			}
			if got := h.Get("X-Spam-Status"); !strings.HasPrefix(got, tc.status) {
				t.Errorf("X-Spam-Status %q, want it to begin %q", got, tc.status)
			}
			if got := h.Get("X-Spam-Flag"); got != tc.flag {
				t.Errorf("X-Spam-Flag %q, want %q", got, tc.flag)
			}
			// The code stays readable where it lands: SpamAssassin adds
			// headers and does not wrap spam in a report (report_safe 0).
			if ct := h.Get("Content-Type"); ct != "text/plain; charset=utf-8" {
				t.Errorf("delivered Content-Type %q, want the original text/plain", ct)
			}
			if !bytes.Contains(msgs[0], []byte("Your code is 482913.")) {
				t.Errorf("the delivered message lost its body:\n%s", msgs[0])
			}
			// One pass through the filter: the return listener must not
			// send the re-injected message to spamd again.
			if n := len(h["X-Spam-Checker-Version"]); n != 1 {
				t.Errorf("%d X-Spam-Checker-Version headers, want 1 (one pass through spamd)", n)
			}
		})
	}

	t.Run("special-use", func(t *testing.T) {
		attrs, junk := listSpecialUse(t, p, p.Users[1])
		for mbox, attr := range map[string]imap.MailboxAttr{
			Junk: imap.MailboxAttrJunk, "Sent": imap.MailboxAttrSent,
			"Trash": imap.MailboxAttrTrash, "Drafts": imap.MailboxAttrDrafts,
		} {
			if !hasAttr(attrs[mbox], attr) {
				t.Errorf("LIST attributes of %s: %v, want %s", mbox, attrs[mbox], attr)
			}
		}
		if hasAttr(attrs[Inbox], imap.MailboxAttrJunk) {
			t.Errorf("INBOX is listed as %s", imap.MailboxAttrJunk)
		}
		if junk != 1 {
			t.Errorf("STATUS Junk MESSAGES %d over IMAP, want 1 (the GTUBE message)", junk)
		}
	})
}

// listSpecialUse logs in as u over IMAP and returns each mailbox's LIST
// attributes with RETURN (SPECIAL-USE) (RFC 6154 §2) and the number of
// messages STATUS reports for Junk.
func listSpecialUse(t *testing.T, p *Path, u User) (map[string][]imap.MailboxAttr, uint32) {
	t.Helper()
	c, err := imapclient.DialInsecure(p.IMAPAddr, &imapclient.Options{Dialer: &net.Dialer{Timeout: dialTimeout}})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	// A bound on the whole session: closing the connection ends any wait.
	watchdog := time.AfterFunc(imapWait, func() { c.Close() })
	defer watchdog.Stop()
	if err := c.Login(u.Username, u.Password).Wait(); err != nil {
		t.Fatalf("IMAP login as %s: %v", u.Username, err)
	}
	list, err := c.List("", "*", &imap.ListOptions{ReturnSpecialUse: true}).Collect()
	if err != nil {
		t.Fatalf("LIST: %v", err)
	}
	attrs := make(map[string][]imap.MailboxAttr, len(list))
	for _, l := range list {
		attrs[l.Mailbox] = l.Attrs
	}
	st, err := c.Status(Junk, &imap.StatusOptions{NumMessages: true}).Wait()
	if err != nil {
		t.Fatalf("STATUS Junk: %v", err)
	}
	if err := c.Logout().Wait(); err != nil {
		t.Errorf("LOGOUT: %v", err)
	}
	if st.NumMessages == nil {
		t.Fatal("STATUS Junk returned no MESSAGES")
	}
	return attrs, *st.NumMessages
}

func hasAttr(attrs []imap.MailboxAttr, want imap.MailboxAttr) bool {
	for _, a := range attrs {
		if a == want {
			return true
		}
	}
	return false
}

// TestNoSpamFilter checks that without SpamAssassin even a GTUBE message
// reaches INBOX, unmarked: the Junk filing above is SpamAssassin's doing.
func TestNoSpamFilter(t *testing.T) {
	p := Start(t, Options{Users: []string{"carol"}, Domain: "other.test", NoSpamFilter: true})
	if p.SpamdAddr != "" {
		t.Errorf("SpamdAddr %q with NoSpamFilter", p.SpamdAddr)
	}
	to := "carol@other.test"
	p.Deliver(t, "codes@sender.test", []string{to}, message("codes@sender.test", to, "Your sign-in code", gtube))
	p.WaitDelivered(t, "carol", 1, deliveryWait)
	if n := p.Count(t, to, Inbox); n != 1 {
		t.Errorf("INBOX holds %d messages, want 1", n)
	}
	msgs := p.Messages(t, to, Inbox)
	if len(msgs) != 1 {
		t.Fatalf("%d files in the INBOX Maildir, want 1", len(msgs))
	}
	if h := header(t, msgs[0]); h.Get("X-Spam-Status") != "" || h.Get("X-Spam-Flag") != "" {
		t.Errorf("unfiltered message carries X-Spam-Status %q, X-Spam-Flag %q", h.Get("X-Spam-Status"), h.Get("X-Spam-Flag"))
	}
}

// TestConcurrentPaths runs two Paths at once, for the same domain and
// user, and checks that each keeps its own mail: the first receives one
// message, the second two.
func TestConcurrentPaths(t *testing.T) {
	for i := range 2 {
		t.Run(fmt.Sprintf("path%d", i), func(t *testing.T) {
			t.Parallel()
			begin := time.Now()
			p := Start(t, Options{Users: []string{"ann"}})
			t.Logf("Start beside another: %v", time.Since(begin).Round(time.Millisecond))
			to := "ann@" + p.Domain
			subject := fmt.Sprintf("path %d", i)
			for range i + 1 {
				p.Deliver(t, "codes@sender.test", []string{to}, message("codes@sender.test", to, subject, "hello"))
			}
			p.WaitDelivered(t, "ann", i+1, deliveryWait)
			msgs := p.Messages(t, "ann", Inbox)
			if len(msgs) != i+1 {
				t.Fatalf("%d messages in INBOX, want %d", len(msgs), i+1)
			}
			for _, raw := range msgs {
				if got := header(t, raw).Get("Subject"); got != subject {
					t.Errorf("INBOX holds a message with Subject %q, want only %q", got, subject)
				}
			}
		})
	}
}

// TestOptions checks which Options Start accepts, and the users it makes.
func TestOptions(t *testing.T) {
	tests := []struct {
		name    string
		o       Options
		wantErr bool
		want    []string // addresses
	}{
		{name: "default domain", o: Options{Users: []string{"ann", "bob.smith"}},
			want: []string{"ann@seed.test", "bob.smith@seed.test"}},
		{name: "own domain", o: Options{Users: []string{"ann"}, Domain: "Example.TEST"}, want: []string{"ann@example.test"}},
		{name: "no users", o: Options{}, wantErr: true},
		{name: "duplicate", o: Options{Users: []string{"ann", "ann"}}, wantErr: true},
		{name: "upper case", o: Options{Users: []string{"Ann"}}, wantErr: true},
		{name: "address", o: Options{Users: []string{"ann@seed.test"}}, wantErr: true},
		{name: "passwd-file separator", o: Options{Users: []string{"ann:x"}}, wantErr: true},
		{name: "path", o: Options{Users: []string{"../ann"}}, wantErr: true},
		{name: "auth", o: Options{Users: []string{"ann"}, Auth: &AuthOptions{TXT: map[string][]string{"sender.test.": {"v=spf1 -all"}}}},
			want: []string{"ann@seed.test"}},
		{name: "loopback client", o: Options{Users: []string{"ann"}, Auth: &AuthOptions{ClientIP: "127.0.0.2"}}, wantErr: true},
		{name: "IPv6 client", o: Options{Users: []string{"ann"}, Auth: &AuthOptions{ClientIP: "2001:db8::1"}}, wantErr: true},
		{name: "TXT owner", o: Options{Users: []string{"ann"}, Auth: &AuthOptions{TXT: map[string][]string{"a..test.": {"x"}}}}, wantErr: true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p, err := newPath(tc.o)
			if p != nil && p.Dir != "" {
				os.RemoveAll(p.Dir)
			}
			if (err != nil) != tc.wantErr {
				t.Fatalf("newPath: %v, want error %v", err, tc.wantErr)
			}
			if err != nil {
				return
			}
			var got []string
			seen := map[string]bool{}
			for _, u := range p.Users {
				got = append(got, u.Address)
				if u.Username != u.Address || len(u.Password) < 16 || seen[u.Password] {
					t.Errorf("user %+v: want the address as login and a fresh random password", u)
				}
				seen[u.Password] = true
			}
			if strings.Join(got, " ") != strings.Join(tc.want, " ") {
				t.Errorf("addresses %v, want %v", got, tc.want)
			}
			ports := map[int]bool{p.port.smtp: true, p.port.imap: true, p.port.lmtp: true, p.port.spamd: true, p.port.reinject: true}
			if len(ports) != 5 {
				t.Errorf("ports %+v are not distinct", p.port)
			}
		})
	}
}
