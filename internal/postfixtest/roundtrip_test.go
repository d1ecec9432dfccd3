package postfixtest

import (
	"bytes"
	"context"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/emersion/go-msgauth/dkim"

	"github.com/codeprobe/codeprobe/diagnose/dnsx"
	"github.com/codeprobe/codeprobe/diagnose/netguard"
	"github.com/codeprobe/codeprobe/fixtures"
	"github.com/codeprobe/codeprobe/smtpsink"
	"github.com/codeprobe/codeprobe/store"
	"github.com/codeprobe/codeprobe/testcode"
)

const (
	sinkDomain   = "sink.test"
	senderDomain = "sender.test"
	rcptDomain   = "rcpt.test"
	// returnWait bounds the wait for Postfix's DSNs to reach the sink and
	// be classified; they normally take well under a second.
	returnWait = 60 * time.Second
)

// roundTripCase is one recipient at the Postfix MX and what must happen.
type roundTripCase struct {
	rcpt      string
	status    testcode.Status // the answer to our delivery
	code      int
	enhanced  string
	delivered bool   // a copy lands in the recipient's Maildir
	reason    string // the classified reason of the DSN that comes back, "" for none
	dsnStatus string // the DSN's RFC 3463 status
}

var roundTripCases = []roundTripCase{
	{rcpt: "ann@" + rcptDomain, status: testcode.StatusAccepted, code: 250, enhanced: "2.0.0", delivered: true},
	{rcpt: "nouser@" + rcptDomain, status: testcode.StatusAccepted, code: 250, enhanced: "2.0.0", reason: "userunknown", dsnStatus: "5.1.1"},
	{rcpt: "full@" + rcptDomain, status: testcode.StatusAccepted, code: 250, enhanced: "2.0.0", reason: "mailboxfull", dsnStatus: "5.2.2"},
	{rcpt: "grey@" + rcptDomain, status: testcode.StatusDeferred, code: 451, enhanced: "4.7.1"},
}

// TestPostfixRoundTrip sends test codes through a real Postfix acting as
// the recipients' MX: one is delivered with a DKIM signature that still
// verifies, two are accepted and then bounced with real DSNs that come
// back to the sink and are classified against their sends, and one is
// greylisted at RCPT.
func TestPostfixRoundTrip(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*returnWait)
	defer cancel()
	st, sinkPort := startSink(t)
	key, resolver := startKeyDNS(t)
	mx := Start(t, Config{
		Domains:   []string{rcptDomain},
		Mailboxes: []string{"ann@" + rcptDomain, "grey@" + rcptDomain},
		Transports: map[string]string{
			sinkDomain:             "smtp:[127.0.0.1]:" + strconv.Itoa(sinkPort),
			"nouser@" + rcptDomain: FailTransport + ":5.1.1 user unknown",
			"full@" + rcptDomain:   FailTransport + ":5.2.2 mailbox full",
		},
		RecipientAccess: map[string]string{"grey@" + rcptDomain: "451 4.7.1 Greylisted, try again later"},
	})
	issuer := &testcode.Issuer{Store: &testcode.MemoryCodeStore{}}
	sender := &testcode.Sender{Name: "Codeprobe", Address: "codes@" + senderDomain, DKIM: key}
	delivery := &testcode.Delivery{Mode: testcode.ModeSmarthost, Smarthost: mx.Addr,
		Guard: &netguard.Guard{AllowPrivate: true}, StepTimeout: 10 * time.Second}

	tokens := make([]string, len(roundTripCases))
	for i, tc := range roundTripCases {
		tokens[i] = send(ctx, t, st, issuer, sender, delivery, tc)
	}
	for i, tc := range roundTripCases {
		t.Run(tc.rcpt, func(t *testing.T) {
			sent, err := st.Send(ctx, tokens[i])
			if err != nil {
				t.Fatal(err)
			}
			if sent.Result.Status != store.SendStatus(tc.status) || sent.Result.EnhancedStatus != tc.enhanced {
				t.Errorf("stored send result %+v, want %s %s", sent.Result, tc.status, tc.enhanced)
			}
			if tc.reason != "" {
				checkBounce(ctx, t, st, tokens[i], tc)
			}
			if tc.delivered {
				checkDelivered(ctx, t, mx, resolver, key, tokens[i], tc.rcpt)
			}
		})
	}
	// The bounces have come back; nothing came back for the others.
	for i, tc := range roundTripCases {
		if rets, err := st.ReturnsByToken(ctx, tokens[i], 10); err != nil || (tc.reason == "") != (len(rets) == 0) {
			t.Errorf("%s: %d returns (%v)", tc.rcpt, len(rets), err)
		}
	}
	if t.Failed() {
		t.Logf("postfix mail log:\n%s", mx.Log())
	}
}

// send issues a code for tc.rcpt, composes and delivers it through the
// Postfix MX, records the send and checks the MX's answer. It returns the
// send's token.
func send(ctx context.Context, t *testing.T, st store.Store, issuer *testcode.Issuer, sender *testcode.Sender, d *testcode.Delivery, tc roundTripCase) string {
	t.Helper()
	code, err := issuer.Issue(ctx, "session-"+tc.rcpt, tc.rcpt)
	if err != nil {
		t.Fatal(err)
	}
	msg, err := sender.Compose(code, tc.rcpt, code.Token)
	if err != nil {
		t.Fatal(err)
	}
	if err := st.PutSend(ctx, &store.Send{Token: code.Token, Recipient: tc.rcpt, RecipientDomain: rcptDomain,
		From: sender.Address, SinkDomain: sinkDomain, Ordinal: code.Ordinal}); err != nil {
		t.Fatal(err)
	}
	res := d.Deliver(ctx, testcode.BounceAddress(code.Token, sinkDomain), tc.rcpt, msg)
	if res.Status != tc.status || res.Code != tc.code || res.Enhanced != tc.enhanced {
		t.Fatalf("%s: delivery %s %d %s (%s), want %s %d %s\n%+v", tc.rcpt, res.Status, res.Code, res.Enhanced,
			res.Reason, tc.status, tc.code, tc.enhanced, res.Transcript)
	}
	if tc.status == testcode.StatusAccepted && res.QueueID == "" {
		t.Errorf("%s: no queue ID parsed from %q", tc.rcpt, res.Text)
	}
	if err := st.UpdateSendResult(ctx, code.Token, store.SendResult{Status: store.SendStatus(res.Status),
		ReplyCode: res.Code, EnhancedStatus: res.Enhanced, QueueID: res.QueueID, RemoteIP: res.IP,
		Duration: res.Duration}); err != nil {
		t.Fatal(err)
	}
	return code.Token
}

// checkBounce waits for the classified DSN answering token and checks it.
func checkBounce(ctx context.Context, t *testing.T, st store.Store, token string, tc roundTripCase) {
	t.Helper()
	ret := waitClassifiedReturn(ctx, t, st, token)
	if ret == nil {
		return
	}
	c := ret.Classification
	if ret.Token != token || ret.MailFrom != "" || c.Kind != "bounce" || c.Reason != tc.reason || c.Status != tc.dsnStatus {
		t.Errorf("return %d: token %q mail from %q kind %q reason %q status %q; want token %q, <>, bounce %s %s",
			ret.ID, ret.Token, ret.MailFrom, c.Kind, c.Reason, c.Status, token, tc.reason, tc.dsnStatus)
	}
	if want := testcode.BounceAddress(token, sinkDomain); len(ret.Recipients) != 1 || ret.Recipients[0] != want {
		t.Errorf("return recipients %v, want [%s]", ret.Recipients, want)
	}
	full, err := st.Return(ctx, ret.ID)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(full.Raw, []byte("Reporting-MTA: dns; mx."+rcptDomain)) ||
		!bytes.Contains(full.Raw, []byte("Final-Recipient: rfc822; "+tc.rcpt)) {
		t.Errorf("the stored return is not Postfix's DSN for %s:\n%s", tc.rcpt, full.Raw)
	}
}

// waitClassifiedReturn polls the store until a classified return for token
// is there, or fails the test at the deadline.
func waitClassifiedReturn(ctx context.Context, t *testing.T, st store.Store, token string) *store.Return {
	t.Helper()
	deadline := time.Now().Add(returnWait)
	for {
		rets, err := st.ReturnsByToken(ctx, token, 10)
		if err != nil {
			t.Fatal(err)
		}
		if len(rets) > 1 {
			t.Errorf("%d returns for one send, want 1", len(rets))
		}
		if len(rets) > 0 && rets[0].Classification.Kind != "" {
			return rets[0]
		}
		if time.Now().After(deadline) {
			t.Errorf("no classified return for %s within %v (%d unclassified)", token, returnWait, len(rets))
			return nil
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// checkDelivered waits for the message in rcpt's Maildir and verifies its
// DKIM signature against the key served by the test DNS.
func checkDelivered(ctx context.Context, t *testing.T, mx *Instance, r dnsx.Querier, key *testcode.DKIMKey, token, rcpt string) {
	t.Helper()
	deadline := time.Now().Add(returnWait)
	var paths []string
	for len(paths) == 0 && time.Now().Before(deadline) {
		var err error
		if paths, err = mx.Delivered(rcpt); err != nil {
			t.Fatal(err)
		}
		if len(paths) == 0 {
			time.Sleep(50 * time.Millisecond)
		}
	}
	if len(paths) != 1 {
		t.Fatalf("%d messages in %s, want 1", len(paths), mx.Maildir(rcpt))
	}
	raw, err := os.ReadFile(paths[0])
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(raw, []byte("\n"+testcode.TokenHeader+": "+token+"\n")) {
		t.Errorf("the delivered message does not carry token %s", token)
	}
	if !bytes.Contains(raw, []byte("Return-Path: <"+testcode.BounceAddress(token, sinkDomain)+">")) {
		t.Errorf("the delivered message's Return-Path is not the bounce address:\n%s", raw)
	}
	// A Maildir holds lines ending in LF; the wire form a verifier sees
	// ends them in CRLF (RFC 5322 §2.1).
	wire := bytes.ReplaceAll(raw, []byte("\n"), []byte("\r\n"))
	lookup := func(name string) ([]string, error) {
		txts, _, err := dnsx.LookupTXT(ctx, r, name)
		return txts, err
	}
	vs, err := dkim.VerifyWithOptions(bytes.NewReader(wire), &dkim.VerifyOptions{LookupTXT: lookup, MaxVerifications: 4})
	if err != nil {
		t.Fatal(err)
	}
	if len(vs) != 1 || vs[0].Err != nil || vs[0].Domain != key.Domain {
		t.Fatalf("DKIM verifications of the delivered message: %+v", vs)
	}
}

// startSink runs the return-path sink on 127.0.0.1 with a SQLite store and
// returns the store and the sink's port.
func startSink(t *testing.T) (store.Store, int) {
	t.Helper()
	st, err := store.OpenSQLite(filepath.Join(t.TempDir(), "db"), nil)
	if err != nil {
		t.Fatal(err)
	}
	srv, err := smtpsink.New(smtpsink.Options{Domains: []string{sinkDomain}, Store: st})
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go srv.Serve(ln)
	t.Cleanup(func() {
		srv.Close()
		st.Close()
	})
	return st, ln.Addr().(*net.TCPAddr).Port
}

// startKeyDNS makes a DKIM key for the sender's domain, serves its record
// from an in-process DNS server and returns the key and a resolver for it.
func startKeyDNS(t *testing.T) (*testcode.DKIMKey, dnsx.Querier) {
	t.Helper()
	key, err := testcode.GenerateKey(testcode.KeyRSA)
	if err != nil {
		t.Fatal(err)
	}
	key.Selector, key.Domain = "cp1", senderDomain
	srv := fixtures.NewDNSServer()
	if err := srv.AddZone(senderDomain+".", "@ SOA ns1.test. hostmaster.test. 1 3600 600 86400 60\n"); err != nil {
		t.Fatal(err)
	}
	if err := srv.AddRecord(key.ZoneRecord()); err != nil {
		t.Fatal(err)
	}
	if err := srv.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Close() })
	r, err := dnsx.New(dnsx.Config{Servers: []string{srv.Addr}, Timeout: 2 * time.Second, Attempts: 2, CacheSize: -1})
	if err != nil {
		t.Fatal(err)
	}
	return key, r
}
