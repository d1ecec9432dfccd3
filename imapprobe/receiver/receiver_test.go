package receiver

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"
)

// sent is when the test message in testdata/headers was sent.
var sent = time.Date(2026, 11, 3, 18, 0, 1, 0, time.UTC)

// sample reads a header block from testdata/headers with CRLF line ends,
// as IMAP returns it.
func sample(name string) []byte {
	b, err := os.ReadFile(filepath.Join("testdata", "headers", name))
	if err != nil {
		panic(err)
	}
	return bytes.ReplaceAll(b, []byte("\n"), []byte("\r\n"))
}

// want is what a test expects of a View; strings stand for the pointer
// fields ("" for nil) and for the lists that are compared by name.
type want struct {
	servID, source string
	spf            SPF
	dkim           []DKIM
	dmarc          DMARC
	arc            ARC
	methods        string // "method=result …"
	flagged        string // "spam", "not spam" or ""
	score, thresh  string
	scl, bcl       string
	sfv, cat       string
	level          string
	evidence       string // header names, space-separated
	hops           int
	toFirst        time.Duration
	toLast         time.Duration
	problems       []string // one substring per problem, in order
}

// ptr formats a pointer field for comparison.
func ptr[T any](p *T) string {
	if p == nil {
		return ""
	}
	return fmt.Sprint(*p)
}

// check compares a View with what the test expects.
func check(t *testing.T, v *View, w want) {
	t.Helper()
	a := v.Auth
	var methods []string
	for _, m := range a.Methods {
		methods = append(methods, m.Method+"="+m.Result)
	}
	var ev []string
	for _, e := range v.Spam.Evidence {
		ev = append(ev, e.Header)
	}
	flagged := ""
	if v.Spam.Flagged != nil {
		flagged = spamWord(*v.Spam.Flagged)
	}
	got := want{
		servID: a.AuthServID, source: a.Source, spf: a.SPF, dkim: a.DKIM, dmarc: a.DMARC, arc: a.ARC,
		methods: strings.Join(methods, " "), flagged: flagged,
		score: ptr(v.Spam.Score), thresh: ptr(v.Spam.Threshold), scl: ptr(v.Spam.SCL), bcl: ptr(v.Spam.BCL),
		sfv: v.Spam.SFV, cat: v.Spam.Category, level: v.Spam.Level, evidence: strings.Join(ev, " "),
		hops: v.Latency.Hops, toFirst: v.Latency.ToFirstHop, toLast: v.Latency.ToLastHop,
	}
	gotProblems, wantProblems := v.Problems, w.problems
	w.problems = nil
	if !reflect.DeepEqual(got, w) {
		t.Errorf("got  %+v\nwant %+v", got, w)
	}
	if len(gotProblems) != len(wantProblems) {
		t.Errorf("problems %q, want %d matching %q", gotProblems, len(wantProblems), wantProblems)
		return
	}
	for i, p := range wantProblems {
		if !strings.Contains(gotProblems[i], p) {
			t.Errorf("problem %d %q does not say %q", i, gotProblems[i], p)
		}
	}
}

// msEvidence are the Microsoft 365 headers of the Outlook samples, in order.
const msEvidence = "X-MS-Exchange-Organization-SCL X-Microsoft-Antispam X-Forefront-Antispam-Report"

// providerCases are the samples in the shapes each provider writes.
var providerCases = []struct {
	file string
	opts Options
	want want
}{
	{"gmail.hdr", Options{Sent: sent}, want{
		servID: "mx.google.com", source: "Authentication-Results",
		spf:     SPF{"pass", "example.com", "google.com: domain of bounce@example.com designates 192.0.2.1 as permitted sender"},
		dkim:    []DKIM{{"pass", "example.com", "s1", ""}},
		dmarc:   DMARC{"pass", "example.com", "reject"},
		arc:     ARC{Instance: 1, ChainValidation: "none", Sealer: "google.com"},
		methods: "dkim=pass spf=pass dmarc=pass", hops: 3, toFirst: time.Second, toLast: 3 * time.Second,
	}},
	{"gmail.hdr", Options{AuthServID: "MX.Google.com"}, want{
		servID: "mx.google.com", source: "Authentication-Results",
		spf:     SPF{"pass", "example.com", "google.com: domain of bounce@example.com designates 192.0.2.1 as permitted sender"},
		dkim:    []DKIM{{"pass", "example.com", "s1", ""}},
		dmarc:   DMARC{"pass", "example.com", "reject"},
		arc:     ARC{Instance: 1, ChainValidation: "none", Sealer: "google.com"},
		methods: "dkim=pass spf=pass dmarc=pass", hops: 3,
	}},
	{"outlook-inbox.hdr", Options{Sent: sent}, want{
		source:  "Authentication-Results",
		spf:     SPF{"pass", "example.com", "sender IP is 192.0.2.1"},
		dkim:    []DKIM{{"pass", "example.com", "", "signature was verified"}},
		dmarc:   DMARC{Result: "pass", Domain: "example.com"},
		methods: "spf=pass dkim=pass dmarc=pass compauth=pass",
		flagged: "not spam", scl: "1", bcl: "0", sfv: "NSPM", cat: "NONE", evidence: msEvidence,
		hops: 5, toFirst: time.Second, toLast: 5 * time.Second,
		problems: []string{"has no authserv-id"},
	}},
	{"outlook-junk.hdr", Options{Sent: sent}, want{
		source:  "Authentication-Results",
		spf:     SPF{"pass", "example.com", "sender IP is 192.0.2.1"},
		dkim:    []DKIM{{"fail", "example.com", "", "body hash did not verify"}},
		dmarc:   DMARC{Result: "fail", Domain: "example.com"},
		methods: "spf=pass dkim=fail dmarc=fail compauth=fail",
		flagged: "spam", scl: "5", bcl: "7", sfv: "SPM", cat: "SPM", evidence: msEvidence,
		hops: 5, toFirst: time.Second, toLast: 5 * time.Second,
		problems: []string{"has no authserv-id"},
	}},
	{"yahoo.hdr", Options{Sent: sent, AuthServID: "atlas220.free.mail.bf1.yahoo.com"}, want{
		servID: "atlas220.free.mail.bf1.yahoo.com", source: "Authentication-Results",
		spf:     SPF{Result: "pass", Domain: "example.com"},
		dkim:    []DKIM{{"pass", "example.com", "s1", ""}},
		dmarc:   DMARC{"pass", "example.com", "reject"},
		methods: "dkim=pass spf=pass dmarc=pass", hops: 2, toFirst: time.Second, toLast: 3 * time.Second,
		problems: []string{"read differently by authres"},
	}},
	{"gmx-inbox.hdr", Options{Sent: sent}, want{
		servID: "gmx.net", source: "Authentication-Results",
		dkim: []DKIM{{Result: "pass", Domain: "example.com"}}, methods: "dkim=pass",
		flagged: "not spam", evidence: "X-UI-Filterresults X-UI-Out-Filterresults",
		hops: 2, toFirst: time.Second, toLast: 3 * time.Second,
	}},
	{"gmx-junk.hdr", Options{Sent: sent}, want{
		servID: "gmx.net", source: "Authentication-Results",
		dkim: []DKIM{{Result: "pass", Domain: "example.com"}}, methods: "dkim=pass",
		flagged: "spam", evidence: "X-UI-Filterresults",
		hops: 2, toFirst: time.Second, toLast: 3 * time.Second,
	}},
	{"spamassassin-spam.hdr", Options{Sent: sent}, want{
		servID: "mail.test", source: "Authentication-Results",
		dkim:    []DKIM{{"pass", "example.com", "s1", "2048-bit key; unprotected"}},
		methods: "dkim=pass dkim-atps=neutral",
		flagged: "spam", score: "1000", thresh: "5", level: strings.Repeat("*", 50),
		evidence: "X-Spam-Flag X-Spam-Level X-Spam-Status",
		hops:     5, toFirst: time.Second, toLast: 4 * time.Second,
		problems: []string{"could not be parsed by authres"},
	}},
	{"spamassassin-ham.hdr", Options{Sent: sent}, want{
		servID: "mail.test", source: "Authentication-Results",
		spf:     SPF{Result: "pass", Domain: "example.com"},
		dkim:    []DKIM{{Result: "pass", Domain: "example.com", Selector: "s1"}},
		dmarc:   DMARC{"pass", "example.com", "none"},
		methods: "spf=pass dkim=pass dmarc=pass",
		flagged: "not spam", score: "-0.1", thresh: "5",
		evidence: "X-Spam-Level X-Spam-Status",
		hops:     3, toFirst: time.Second, toLast: 4 * time.Second,
	}},
}

// TestProviders decodes header blocks in the shapes each provider writes.
func TestProviders(t *testing.T) {
	for _, tt := range providerCases {
		t.Run(tt.file+"/"+tt.opts.AuthServID, func(t *testing.T) {
			v, err := Decode(sample(tt.file), tt.opts)
			if err != nil {
				t.Fatal(err)
			}
			check(t, v, tt.want)
		})
	}
}

// TestEvidenceMeanings checks that the evidence says what a support agent
// needs, in the words the verdict implies.
func TestEvidenceMeanings(t *testing.T) {
	tests := []struct {
		file, header, says string
	}{
		{"outlook-junk.hdr", "X-Forefront-Antispam-Report", "spam filtering marked it as spam (SFV:SPM)"},
		{"outlook-junk.hdr", "X-Forefront-Antispam-Report", "category SPM: spam"},
		{"outlook-junk.hdr", "X-MS-Exchange-Organization-SCL", "5: spam"},
		{"outlook-junk.hdr", "X-Microsoft-Antispam", "7: from a bulk sender that draws a mixed number"},
		{"outlook-inbox.hdr", "X-Forefront-Antispam-Report", "marked it as not spam (SFV:NSPM)"},
		{"spamassassin-spam.hdr", "X-Spam-Status", "scored 1000.0 points, and 5.0 or more is spam"},
		{"spamassassin-spam.hdr", "X-Spam-Level", "50 star(s)"},
		{"spamassassin-ham.hdr", "X-Spam-Status", "judged the message not spam"},
		{"gmx-junk.hdr", "X-UI-Filterresults", "judged the message junk"},
		{"gmx-inbox.hdr", "X-UI-Out-Filterresults", "not the receiver's verdict"},
	}
	for _, tt := range tests {
		v, err := Decode(sample(tt.file), Options{})
		if err != nil {
			t.Fatal(err)
		}
		found := false
		for _, e := range v.Spam.Evidence {
			if e.Header == tt.header && strings.Contains(e.Meaning, tt.says) {
				found = true
			}
		}
		if !found {
			t.Errorf("%s: no %s evidence saying %q in %+v", tt.file, tt.header, tt.says, v.Spam.Evidence)
		}
	}
}

// TestLF accepts header blocks with bare LF line ends, as files hold them.
func TestLF(t *testing.T) {
	crlf, err := Decode(sample("gmail.hdr"), Options{Sent: sent})
	if err != nil {
		t.Fatal(err)
	}
	lf, err := Decode(bytes.ReplaceAll(sample("gmail.hdr"), []byte("\r\n"), []byte("\n")), Options{Sent: sent})
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(crlf, lf) {
		t.Errorf("LF and CRLF differ:\n%+v\n%+v", lf, crlf)
	}
}

// BenchmarkDecode decodes a typical 4 KB Gmail header block.
func BenchmarkDecode(b *testing.B) {
	h := sample("gmail.hdr")
	b.SetBytes(int64(len(h)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Decode(h, Options{Sent: sent}); err != nil {
			b.Fatal(err)
		}
	}
}
