package mailpath

import (
	"bytes"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/base64"
	"strings"
	"testing"
	"time"

	"github.com/codeprobe/codeprobe/internal/testenv"
	"github.com/emersion/go-msgauth/authres"
	"github.com/emersion/go-msgauth/dkim"
	"github.com/miekg/dns"
)

const (
	senderDomain = "sender.test"
	selector     = "s1"
)

// dkimKey returns a new RSA-2048 key and its DKIM key record (RFC 6376
// §3.6.1).
func dkimKey(t *testing.T) (*rsa.PrivateKey, string) {
	t.Helper()
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	pub, err := x509.MarshalPKIXPublicKey(&key.PublicKey)
	if err != nil {
		t.Fatal(err)
	}
	return key, "v=DKIM1; k=rsa; p=" + base64.StdEncoding.EncodeToString(pub)
}

// signedMessage returns message(…) DKIM-signed (RFC 6376) by
// senderDomain with key.
func signedMessage(t *testing.T, key *rsa.PrivateKey, to, subject, body string) []byte {
	t.Helper()
	var out bytes.Buffer
	err := dkim.Sign(&out, bytes.NewReader(message("codes@"+senderDomain, to, subject, body)), &dkim.SignOptions{
		Domain: senderDomain, Selector: selector, Signer: key,
		HeaderCanonicalization: dkim.CanonicalizationRelaxed, BodyCanonicalization: dkim.CanonicalizationRelaxed,
	})
	if err != nil {
		t.Fatal(err)
	}
	return out.Bytes()
}

// authResults returns the results of the Authentication-Results headers
// in raw written by authservID, by method, failing t when there is none.
func authResults(t *testing.T, raw []byte, authservID string) map[string]authres.Result {
	t.Helper()
	got := map[string]authres.Result{}
	values := header(t, raw)["Authentication-Results"]
	for _, v := range values {
		id, results, err := authres.Parse(stripComments(v))
		if err != nil {
			t.Errorf("Authentication-Results %q: %v", v, err)
			continue
		}
		if id != authservID {
			continue
		}
		for _, r := range results {
			switch r := r.(type) {
			case *authres.DKIMResult:
				got["dkim"] = r
			case *authres.SPFResult:
				got["spf"] = r
			case *authres.DMARCResult:
				got["dmarc"] = r
			}
		}
	}
	t.Logf("Authentication-Results as delivered: %q", values)
	if len(got) == 0 {
		t.Fatalf("no Authentication-Results from %s among %q", authservID, values)
	}
	return got
}

// stripComments removes RFC 5322 comments (CFWS, §3.2.2) from an
// Authentication-Results value, outside quoted strings. go-msgauth's
// authres.Parse splits at every ';', even inside OpenDKIM's comment
// "(2048-bit key; unprotected)", and fails on what a real receiver writes.
func stripComments(v string) string {
	var b strings.Builder
	depth, quoted, escaped := 0, false, false
	for _, r := range v {
		switch {
		case escaped:
			escaped = false
		case r == '\\':
			escaped = true
		case quoted:
			quoted = r != '"'
		case r == '"' && depth == 0:
			quoted = true
		case r == '(':
			depth++
			continue
		case r == ')' && depth > 0:
			depth--
			continue
		}
		if depth == 0 {
			b.WriteRune(r)
		}
	}
	return b.String()
}

// TestAuth sends a DKIM-signed message, the same message altered after
// signing, and an unsigned one through a path with OpenDKIM and OpenDMARC,
// and checks the Authentication-Results each receives.
func TestAuth(t *testing.T) {
	key, keyTXT := dkimKey(t)
	begin := time.Now()
	p := Start(t, Options{Users: []string{"ann", "bob", "carol", "dave"}, Auth: &AuthOptions{TXT: map[string][]string{
		selector + "._domainkey." + senderDomain + ".": {keyTXT},
		senderDomain + ".":             {"v=spf1 ip4:" + DefaultClientIP + " -all"},
		"_dmarc." + senderDomain + ".": {"v=DMARC1; p=reject"},
		"bounces.test.":                {"v=spf1 -all"},
	}}})
	t.Logf("Start with Auth: %v", time.Since(begin).Round(time.Millisecond))
	if p.AuthservID != "mx.seed.test" {
		t.Errorf("AuthservID %q, want mx.seed.test", p.AuthservID)
	}

	signed := signedMessage(t, key, "ann@seed.test", "Your sign-in code", "Your code is 482913.")
	altered := bytes.Replace(signedMessage(t, key, "bob@seed.test", "Your sign-in code", "Your code is 482913."),
		[]byte("482913"), []byte("000000"), 1)
	signedDave := signedMessage(t, key, "dave@seed.test", "Your sign-in code", "Your code is 482913.")
	unsigned := message("codes@"+senderDomain, "carol@seed.test", "Your sign-in code", "Your code is 482913.")
	// bounces.test's SPF record fails every client, and it is not aligned
	// with From: the signed message sent from it passes DMARC by DKIM
	// alone (OpenDMARC read OpenDKIM's result), the altered message by SPF
	// alone, and the unsigned one fails.
	tests := []struct {
		name  string
		user  string
		from  string // envelope sender
		msg   []byte
		dkim  authres.ResultValue // "" for no dkim= other than pass
		spf   authres.ResultValue
		dmarc authres.ResultValue
	}{
		{name: "signed", user: "ann", from: "codes@" + senderDomain, msg: signed,
			dkim: authres.ResultPass, spf: authres.ResultPass, dmarc: authres.ResultPass},
		{name: "signed, SPF fails", user: "dave", from: "codes@bounces.test", msg: signedDave,
			dkim: authres.ResultPass, spf: authres.ResultFail, dmarc: authres.ResultPass},
		{name: "altered", user: "bob", from: "codes@" + senderDomain, msg: altered,
			dkim: authres.ResultFail, spf: authres.ResultPass, dmarc: authres.ResultPass},
		{name: "unsigned", user: "carol", from: "codes@bounces.test", msg: unsigned,
			spf: authres.ResultFail, dmarc: authres.ResultFail},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			sent := time.Now()
			p.Deliver(t, tc.from, []string{tc.user + "@seed.test"}, tc.msg)
			p.WaitDelivered(t, tc.user, 1, deliveryWait)
			t.Logf("delivery with Auth, SMTP to mailbox: %v", time.Since(sent).Round(time.Millisecond))
			msgs := p.Messages(t, tc.user, Inbox)
			if len(msgs) != 1 {
				t.Fatalf("%d messages in INBOX, want 1", len(msgs))
			}
			res := authResults(t, msgs[0], p.AuthservID)
			d, _ := res["dkim"].(*authres.DKIMResult)
			switch {
			case tc.dkim == "":
				if d != nil && d.Value == authres.ResultPass {
					t.Errorf("dkim=%s for an unsigned message", d.Value)
				}
			case d == nil:
				t.Errorf("no dkim= result, want %s", tc.dkim)
			case d.Value != tc.dkim || d.Domain != senderDomain:
				t.Errorf("dkim=%s header.d=%s, want dkim=%s header.d=%s", d.Value, d.Domain, tc.dkim, senderDomain)
			}
			if s, _ := res["spf"].(*authres.SPFResult); s == nil || s.Value != tc.spf {
				t.Errorf("spf result %+v, want %s", s, tc.spf)
			}
			if m, _ := res["dmarc"].(*authres.DMARCResult); m == nil || m.Value != tc.dmarc || m.From != senderDomain {
				t.Errorf("dmarc result %+v, want %s header.from=%s", m, tc.dmarc, senderDomain)
			}
			if t.Failed() {
				t.Logf("delivered header:\n%s", msgs[0][:bytes.Index(msgs[0], []byte("\n\n"))+1])
			}
		})
	}
	// The keys and policies came from the path's own server.
	for _, q := range []struct {
		name  string
		qtype uint16
	}{
		{selector + "._domainkey." + senderDomain, dns.TypeTXT},
		{"_dmarc." + senderDomain, dns.TypeTXT},
		{senderDomain, dns.TypeTXT},
	} {
		if p.dns.queries(q.name, q.qtype) == 0 {
			t.Errorf("the path's DNS server was never asked %s %s; it was asked: %s", q.name, dns.TypeToString[q.qtype], p.dns.questions())
		}
	}
}

// TestAuthDNS checks the milters' DNS server's answers: long TXT records
// split into strings, NXDOMAIN for unknown names and no data for other
// types.
func TestAuthDNS(t *testing.T) {
	long := strings.Repeat("k", 600)
	s, err := newAuthDNS(map[string][]string{"s1._domainkey.Sender.TEST.": {"v=DKIM1; p=" + long}})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.start(); err != nil {
		if testenv.Required() {
			t.Fatal(err)
		}
		t.Skipf("cannot listen on port 53 of 127.0.0.0/8 (not root?): %v", err)
	}
	defer s.stop()
	tests := []struct {
		name    string
		qtype   uint16
		rcode   int
		answers int
	}{
		{"s1._domainkey.sender.test.", dns.TypeTXT, dns.RcodeSuccess, 1},
		{"s1._domainkey.sender.test.", dns.TypeA, dns.RcodeSuccess, 0},
		{"_domainkey.sender.test.", dns.TypeTXT, dns.RcodeSuccess, 0}, // empty non-terminal
		{"other.test.", dns.TypeTXT, dns.RcodeNameError, 0},
	}
	for _, net := range []string{"udp", "tcp"} {
		for _, tc := range tests {
			m := new(dns.Msg)
			m.SetQuestion(tc.name, tc.qtype)
			m.SetEdns0(4096, false)
			c := &dns.Client{Net: net, Timeout: dialTimeout}
			r, _, err := c.Exchange(m, s.addr)
			if err != nil {
				t.Fatalf("%s %s over %s: %v", tc.name, dns.TypeToString[tc.qtype], net, err)
			}
			if r.Rcode != tc.rcode || len(r.Answer) != tc.answers {
				t.Errorf("%s %s over %s: %s with %d answers, want %s with %d", tc.name, dns.TypeToString[tc.qtype], net,
					dns.RcodeToString[r.Rcode], len(r.Answer), dns.RcodeToString[tc.rcode], tc.answers)
				continue
			}
			if tc.answers == 1 {
				txt := r.Answer[0].(*dns.TXT).Txt
				if len(txt) != 3 || strings.Join(txt, "") != "v=DKIM1; p="+long {
					t.Errorf("TXT strings %d of lengths, want the record split in 3", len(txt))
				}
			}
		}
	}
	if n := s.queries("S1._domainkey.sender.test", dns.TypeTXT); n != 2 {
		t.Errorf("queries counted %d, want 2", n)
	}
}

// TestAuthNoDMARC checks that NoDMARC leaves OpenDMARC out: OpenDKIM's
// dkim= result is the only one written.
func TestAuthNoDMARC(t *testing.T) {
	key, keyTXT := dkimKey(t)
	p := Start(t, Options{Users: []string{"ann"}, NoSpamFilter: true, Auth: &AuthOptions{NoDMARC: true, TXT: map[string][]string{
		selector + "._domainkey." + senderDomain + ".": {keyTXT},
		senderDomain + ".":             {"v=spf1 ip4:" + DefaultClientIP + " -all"},
		"_dmarc." + senderDomain + ".": {"v=DMARC1; p=reject"},
	}}})
	if p.dmarc != nil {
		t.Error("OpenDMARC runs with NoDMARC")
	}
	p.Deliver(t, "codes@"+senderDomain, []string{"ann@seed.test"}, signedMessage(t, key, "ann@seed.test", "Your sign-in code", "482913"))
	p.WaitDelivered(t, "ann", 1, deliveryWait)
	msgs := p.Messages(t, "ann", Inbox)
	if len(msgs) != 1 {
		t.Fatalf("%d messages in INBOX, want 1", len(msgs))
	}
	res := authResults(t, msgs[0], p.AuthservID)
	if d, _ := res["dkim"].(*authres.DKIMResult); d == nil || d.Value != authres.ResultPass {
		t.Errorf("dkim result %+v, want pass", d)
	}
	if res["spf"] != nil || res["dmarc"] != nil {
		t.Errorf("spf %+v, dmarc %+v written without OpenDMARC", res["spf"], res["dmarc"])
	}
}
