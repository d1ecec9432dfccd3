package imapprobe

import (
	"context"
	"net"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/codeprobe/codeprobe/imapprobe/receiver"
	"github.com/codeprobe/codeprobe/internal/mailpath"
	"github.com/codeprobe/codeprobe/testcode"
)

// gtube is SpamAssassin's test string: any message holding it scores 1000.
const gtube = "XJS*C4JDBQADN1.NSBN3*2IDNEN*GTUBE-STANDARD-ANTI-UBE-TEST-EMAIL*C.34X"

// dovecotAccount is the account of a mail path user.
func dovecotAccount(t testing.TB, p *mailpath.Path, u mailpath.User) *Account {
	t.Helper()
	host, port, _ := net.SplitHostPort(p.IMAPAddr)
	n, _ := strconv.Atoi(port)
	return &Account{Name: u.Username, Address: u.Address, Host: host, Port: n, TLS: TLSNone,
		Username: u.Username, Password: NewSecret(u.Password)}
}

// testCodeMessage composes the real test message (testcode.Sender) for
// to, DKIM-signed with key when there is one.
func testCodeMessage(t testing.TB, to string, key *testcode.DKIMKey) (token string, msg []byte) {
	t.Helper()
	issuer := &testcode.Issuer{Store: &testcode.MemoryCodeStore{}}
	session, _ := testcode.NewToken()
	code, err := issuer.Issue(context.Background(), session, to)
	if err != nil {
		t.Fatal(err)
	}
	msg, err = (&testcode.Sender{Name: "Sign-in codes", Address: "codes@sender.test", DKIM: key}).Compose(code, to, code.Token)
	if err != nil {
		t.Fatal(err)
	}
	return code.Token, msg
}

// TestDovecotPlacements runs the probe against the real path: Postfix
// with OpenDKIM and OpenDMARC, SpamAssassin, Dovecot with Sieve. A
// DKIM-signed test code lands in the inbox, and the receiver's verdicts
// (Authentication-Results written by OpenDKIM and OpenDMARC,
// SpamAssassin's X-Spam-Status) are decoded from it; a message
// SpamAssassin scores as spam lands in Junk (found through its SPECIAL-USE
// \Junk attribute); a seed that receives nothing is missing at the
// deadline.
func TestDovecotPlacements(t *testing.T) {
	key, err := testcode.GenerateKey(testcode.KeyRSA)
	if err != nil {
		t.Fatal(err)
	}
	key.Selector, key.Domain = "s1", "sender.test"
	p := mailpath.Start(t, mailpath.Options{Users: []string{"ann", "bob", "cid"}, Auth: &mailpath.AuthOptions{
		TXT: map[string][]string{
			"s1._domainkey.sender.test.": {key.TXTRecord()},
			"sender.test.":               {"v=spf1 ip4:" + mailpath.DefaultClientIP + " -all"},
			"sink.test.":                 {"v=spf1 ip4:" + mailpath.DefaultClientIP + " -all"}, // the envelope sender's domain
			"_dmarc.sender.test.":        {"v=DMARC1; p=reject"},
		},
	}})
	ann, bob, cid := p.Users[0], p.Users[1], p.Users[2]

	annToken, annMsg := testCodeMessage(t, ann.Address, key)
	p.Deliver(t, "bounce+"+annToken+"@sink.test", []string{ann.Address}, annMsg)
	bobToken, _ := testcode.NewToken()
	spam := "From: Codes <codes@sender.test>\r\nTo: " + bob.Address + "\r\nSubject: Your code\r\n" +
		"Date: Mon, 02 Mar 2026 14:00:00 +0000\r\nMessage-ID: <" + bobToken + "@sender.test>\r\n" +
		"X-Codeprobe-Token: " + bobToken + "\r\n\r\nYour code is 123456.\r\n" + gtube + "\r\n"
	p.Deliver(t, "codes@sender.test", []string{bob.Address}, []byte(spam))

	opts, rec := testOptions()
	ctx := context.Background()
	tests := []struct {
		user     mailpath.User
		token    string
		deadline time.Duration
		want     Kind
		folder   string
		flagged  bool
	}{
		{ann, annToken, time.Minute, Inbox, "INBOX", false},
		{bob, bobToken, time.Minute, Junk, "Junk", true},
		{cid, annToken, 2 * time.Second, Missing, "", false},
	}
	for _, tt := range tests {
		res, err := Wait(ctx, dovecotAccount(t, p, tt.user), opts, tt.token, time.Now().Add(tt.deadline))
		if err != nil {
			t.Fatalf("%s: Wait: %v\n%s\n%s", tt.user.Username, err, rec.text(), p.Log())
		}
		if res.Placement != tt.want {
			t.Fatalf("%s: placement %s, want %s\n%s", tt.user.Username, res.Placement, tt.want, p.Log())
		}
		if tt.want == Missing {
			continue
		}
		f := res.Found
		if f.Folder != tt.folder || (tt.want == Junk && f.SpecialUse != `\Junk`) {
			t.Errorf("%s: found in %q (%s)", tt.user.Username, f.Folder, f.Role)
		}
		v, err := receiver.Decode(f.Header, receiver.Options{})
		if err != nil {
			t.Fatal(err)
		}
		if v.Spam.Flagged == nil || *v.Spam.Flagged != tt.flagged || v.Spam.Score == nil || v.Spam.Threshold == nil {
			t.Errorf("%s: SpamAssassin's verdict decoded as %+v\n%s", tt.user.Username, v.Spam, f.Header)
		}
		if v.Latency.Hops < 2 {
			t.Errorf("%s: %d Received hops decoded, want Postfix's and the re-injection's", tt.user.Username, v.Latency.Hops)
		}
		if tt.user != ann {
			continue
		}
		a := v.Auth
		// SPF passes for the return path's domain, sink.test, which is not
		// aligned with From; DKIM's d=sender.test is, so DMARC passes.
		if a.AuthServID != p.AuthservID || a.SPF.Result != "pass" || a.DMARC.Result != "pass" || a.DMARC.Policy != "reject" ||
			len(a.DKIM) == 0 || a.DKIM[0].Result != "pass" || a.DKIM[0].Domain != "sender.test" || a.DKIM[0].Selector != "s1" {
			t.Errorf("the receiver's verdicts decoded as %+v (problems %q) from\n%s", a, v.Problems, f.Header)
		}
	}
	if !strings.Contains(rec.text(), "folders: INBOX (inbox), Junk (junk)") {
		t.Errorf("Dovecot's folders were not listed inbox then junk:\n%s", rec.text())
	}
}
