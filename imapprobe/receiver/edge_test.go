package receiver

import (
	"bytes"
	"errors"
	"strings"
	"testing"
	"time"
)

// block joins header lines with CRLF and ends the block with an empty line.
func block(lines ...string) []byte {
	return []byte(strings.Join(lines, "\r\n") + "\r\n\r\n")
}

// TestEdgeCases decodes header blocks that bend the rules.
// decodeCase is one header block and what Decode should make of it.
type decodeCase struct {
	name  string
	input []byte
	opts  Options
	want  want
}

// runCases decodes each case and checks the View.
func runCases(t *testing.T, cases []decodeCase) {
	t.Helper()
	for _, tt := range cases {
		t.Run(tt.name, func(t *testing.T) {
			v, err := Decode(tt.input, tt.opts)
			if err != nil {
				t.Fatal(err)
			}
			check(t, v, tt.want)
		})
	}
}

// twoARs holds Authentication-Results from a forwarder above the ones
// from the receiver.
var twoARs = block(
	"Authentication-Results: mx.forwarder.example; spf=pass smtp.mailfrom=a@forged.example;",
	" dkim=pass header.d=forged.example header.s=x",
	"Received: from a by b; Tue, 3 Nov 2026 18:00:03 +0000",
	"Authentication-Results: mx.google.com; spf=softfail smtp.mailfrom=a@example.com",
	"From: a@example.com",
)

// authCases bend the rules of Authentication-Results and ARC.
var authCases = []decodeCase{
	{"folded", block(
		"Authentication-Results: mx.example.net;",
		"\tspf=pass",
		"   smtp.mailfrom=a@b.example;",
		" dkim=pass",
		"\theader.d=b.example",
		"\theader.s=sel1",
		"From: a@b.example",
	), Options{}, want{
		servID: "mx.example.net", source: "Authentication-Results",
		spf: SPF{Result: "pass", Domain: "b.example"}, dkim: []DKIM{{Result: "pass", Domain: "b.example", Selector: "sel1"}},
		methods: "spf=pass dkim=pass",
	}},
	{"two ARs, topmost", twoARs, Options{}, want{
		servID: "mx.forwarder.example", source: "Authentication-Results",
		spf: SPF{Result: "pass", Domain: "forged.example"}, dkim: []DKIM{{Result: "pass", Domain: "forged.example", Selector: "x"}},
		methods: "spf=pass dkim=pass", hops: 1,
	}},
	{"two ARs, AuthServID chooses", twoARs, Options{AuthServID: "mx.google.com"}, want{
		servID: "mx.google.com", source: "Authentication-Results",
		spf: SPF{Result: "softfail", Domain: "example.com"}, methods: "spf=softfail", hops: 1,
	}},
	{"two ARs, AuthServID absent", twoARs, Options{AuthServID: "mx.absent.example"}, want{
		servID: "mx.forwarder.example", source: "Authentication-Results",
		spf: SPF{Result: "pass", Domain: "forged.example"}, dkim: []DKIM{{Result: "pass", Domain: "forged.example", Selector: "x"}},
		methods: "spf=pass dkim=pass", hops: 1,
		problems: []string{`no Authentication-Results from mx.absent.example: read the Authentication-Results from "mx.forwarder.example"`},
	}},
	{"comment with ';' inside a result", block(
		"Authentication-Results: mx.example.net; spf=pass (mx.example.net: domain of a@b.example; designates 192.0.2.1) smtp.mailfrom=a@b.example;",
		"  dkim=pass (good (nested; really) sig) header.d=b.example header.s=sel; dmarc=fail(p=QUARANTINE) header.from=b.example",
	), Options{}, want{
		servID: "mx.example.net", source: "Authentication-Results",
		spf:      SPF{"pass", "b.example", "mx.example.net: domain of a@b.example; designates 192.0.2.1"},
		dkim:     []DKIM{{"pass", "b.example", "sel", "good (nested; really) sig"}},
		dmarc:    DMARC{"fail", "b.example", "quarantine"},
		methods:  "spf=pass dkim=pass dmarc=fail",
		problems: []string{"could not be parsed by authres"},
	}},
	{"comment that looks like a property", block(
		"Authentication-Results: mx.example.net; spf=fail smtp.mailfrom=a@b.example (was smtp.mailfrom=evil.example)",
	), Options{}, want{
		servID: "mx.example.net", source: "Authentication-Results",
		spf: SPF{"fail", "b.example", "was smtp.mailfrom=evil.example"}, methods: "spf=fail",
		problems: []string{"read differently by authres"},
	}},
	{"no AR at all", block(
		"Received: from a by b; Tue, 3 Nov 2026 18:00:03 +0000",
		"Subject: hi",
	), Options{Sent: sent}, want{hops: 1, toFirst: 2 * time.Second, toLast: 2 * time.Second}},
	{"ARC only: highest instance", block(
		"ARC-Seal: i=2; a=rsa-sha256; t=1; cv=pass; d=lists.example; s=arc; b=Zm9v",
		"ARC-Authentication-Results: i=2; mx.lists.example; dkim=pass header.d=example.com header.s=s1; arc=pass",
		"ARC-Seal: i=1; a=rsa-sha256; t=1; cv=none; d=example.org; s=arc; b=YmFy",
		"ARC-Authentication-Results: i=1; mx.example.org; dkim=fail header.d=example.com",
	), Options{}, want{
		servID: "mx.lists.example", source: "ARC-Authentication-Results i=2",
		dkim:    []DKIM{{Result: "pass", Domain: "example.com", Selector: "s1"}},
		arc:     ARC{Result: "pass", Instance: 2, ChainValidation: "pass", Sealer: "lists.example"},
		methods: "dkim=pass arc=pass",
	}},
	{"ARC set without a seal, bad instance", block(
		"ARC-Authentication-Results: i=3; mx.example.org; spf=none smtp.helo=mail.example",
		"ARC-Seal: i=99; cv=fail; d=x.example",
	), Options{AuthServID: "mx.example.org"}, want{
		servID: "mx.example.org", source: "ARC-Authentication-Results i=3",
		spf: SPF{Result: "none", Domain: "mail.example"}, methods: "spf=none",
		arc:      ARC{Instance: 3},
		problems: []string{"ARC-Seal field has no valid instance tag", "ARC set i=3 has no ARC-Seal"},
	}},
}

// spamCases hold spam headers of several filters and broken values.
var spamCases = []decodeCase{
	{"Microsoft untrusted report is ignored", block(
		"X-Forefront-Antispam-Report-Untrusted: CIP:198.51.100.1;SCL:9;SFV:SPM;CAT:HSPM;",
		"X-Forefront-Antispam-Report: CIP:192.0.2.1;SCL:-1;SFV:SKN;CAT:NONE;",
	), Options{}, want{
		flagged: "not spam", scl: "-1", sfv: "SKN", cat: "NONE",
		evidence: "X-Forefront-Antispam-Report-Untrusted X-Forefront-Antispam-Report",
	}},
	{"verdicts disagree: topmost kept", block(
		"X-Spam-Flag: YES",
		"X-Spam-Status: No, score=1.2 required=5.0",
	), Options{}, want{
		flagged: "spam", score: "1.2", thresh: "5", evidence: "X-Spam-Flag X-Spam-Status",
		problems: []string{"spam verdicts disagree: X-Spam-Flag says spam, X-Spam-Status says not spam"},
	}},
	{"rspamd", block(
		"X-Spamd-Result: default: True [16.20 / 15.00]; GTUBE(15.00)[]; MIME_GOOD(-0.10)[text/plain]",
		"X-Spam: Yes",
	), Options{}, want{flagged: "spam", score: "16.2", thresh: "15", evidence: "X-Spamd-Result X-Spam"}},
	{"SpamAssassin before 3.0: hits=", block(
		"X-Spam-Status: Yes, hits=7.3 required=5.0 tests=FOO",
		"X-Spam-Score: 9.9",
	), Options{}, want{flagged: "spam", score: "7.3", thresh: "5", evidence: "X-Spam-Status X-Spam-Score"}},
	{"out-of-range levels", block(
		"X-MS-Exchange-Organization-SCL: 12",
		"X-Microsoft-Antispam: BCL:x;",
		"X-Spam-Flag: maybe",
		"X-Spam-Level: 5",
	), Options{}, want{problems: []string{
		"X-MS-Exchange-Organization-SCL holds a spam confidence level outside -1..9",
		"bulk complaint level outside 0..9", "neither YES nor NO", "not a row of stars",
	}}},
	{"SCL 5 alone is spam", block("X-MS-Exchange-Organization-SCL: 5"), Options{}, want{
		flagged: "spam", scl: "5", evidence: "X-MS-Exchange-Organization-SCL",
	}},
	{"SCL 1 alone is not spam", block("X-MS-Exchange-Organization-SCL:1"), Options{}, want{
		flagged: "not spam", scl: "1", evidence: "X-MS-Exchange-Organization-SCL",
	}},
	{"SCL 3 gives no verdict", block("X-MS-Exchange-Organization-SCL: 3"), Options{}, want{
		scl: "3", evidence: "X-MS-Exchange-Organization-SCL",
	}},
}

// blockCases bend the header block itself and its Received dates.
var blockCases = []decodeCase{
	{"clock skew beyond two minutes", block(
		"Received: from a by b; Tue, 3 Nov 2026 17:50:00 +0000",
	), Options{Sent: sent}, want{
		hops: 1, toFirst: -(10*time.Minute + time.Second), toLast: -(10*time.Minute + time.Second),
		problems: []string{"the first hop is dated 10m1s before our send", "the last hop is dated 10m1s before our send"},
	}},
	{"clock skew within two minutes", block(
		"Received: from a by b; Tue, 3 Nov 2026 17:59:00 +0000",
	), Options{Sent: sent}, want{hops: 1, toFirst: -61 * time.Second, toLast: -61 * time.Second}},
	{"unreadable Received dates", block(
		"Received: from a by b; yesterday",
		"Received: from a by b",
		"Received: from c by d; Tue, 3 Nov 2026 18:00:03 +0000",
	), Options{Sent: sent}, want{
		hops: 3, toFirst: 2 * time.Second, toLast: 2 * time.Second,
		problems: []string{`2 Received field(s) have no readable date after their last ';', such as "yesterday"`},
	}},
	{"truncated mid-field", sample("gmail.hdr")[:bytes.Index(sample("gmail.hdr"), []byte("domain of bounce@example.com designates 192.0.2.1 as permitted sender) client-ip"))-10], Options{}, want{
		servID: "mx.google.com", source: "ARC-Authentication-Results i=1",
		spf:     SPF{"pass", "example.com", "google.com: domain of bounce@example.com designates 192.0.2.1 as permitted sender"},
		dkim:    []DKIM{{"pass", "example.com", "s1", ""}},
		dmarc:   DMARC{"pass", "example.com", "reject"},
		arc:     ARC{Instance: 1, ChainValidation: "none", Sealer: "google.com"},
		methods: "dkim=pass spf=pass dmarc=pass", hops: 2,
		problems: []string{"does not end with an empty line"},
	}},
	{"truncated inside an AR comment", cutAt(sample("gmail.hdr"), "\r\nAuthentication-Results:", "domain of bou"), Options{}, want{
		servID: "mx.google.com", source: "Authentication-Results",
		spf:     SPF{Result: "pass", Reason: "google.com: domain of bou"},
		dkim:    []DKIM{{"pass", "example.com", "s1", ""}},
		arc:     ARC{Instance: 1, ChainValidation: "none", Sealer: "google.com"},
		methods: "dkim=pass spf=pass", hops: 2,
		problems: []string{"does not end with an empty line"},
	}},
	{"truncated mid-name", []byte("Received: from a by b; Tue, 3 Nov 2026 18:00:03 +0000\r\nAuthentica"), Options{}, want{
		hops: 1, problems: []string{"1 line(s) were not header fields", "does not end with an empty line"},
	}},
	{"body after the block is not read", append(block("X-Spam-Flag: NO"), "X-Spam-Flag: YES\r\n"...), Options{}, want{
		flagged: "not spam", evidence: "X-Spam-Flag",
	}},
}

// TestAuthCases decodes the authentication edge cases.
func TestAuthCases(t *testing.T) { runCases(t, authCases) }

// TestSpamCases decodes the spam-header edge cases.
func TestSpamCases(t *testing.T) { runCases(t, spamCases) }

// TestBlockCases decodes the header-block and Received edge cases.
func TestBlockCases(t *testing.T) { runCases(t, blockCases) }

// cutAt cuts b after marker, searched from the first from.
func cutAt(b []byte, from, marker string) []byte {
	i := bytes.Index(b, []byte(from))
	j := bytes.Index(b[i:], []byte(marker))
	return b[:i+j+len(marker)]
}

// TestNotHeader rejects input that holds no header field.
func TestNotHeader(t *testing.T) {
	for _, in := range []string{"", "\r\n\r\n", "just some text\nwithout a colon\n", "\xff\xfe:\x00", ": no name", "  indented: continuation\n", "From a@b Tue Nov  3 18:00:00 2026\n"} {
		v, err := Decode([]byte(in), Options{})
		if !errors.Is(err, ErrNotHeader) || v != nil {
			t.Errorf("Decode(%q) = %v, %v; want ErrNotHeader", in, v, err)
		}
	}
}

// TestBounds cuts oversized input, fields and values.
func TestBounds(t *testing.T) {
	t.Run("too many fields", func(t *testing.T) {
		var b bytes.Buffer
		for range maxFields + 10 {
			b.WriteString("X-Spam-Flag: YES\r\n")
		}
		b.WriteString("X-Spam-Flag: NO\r\n\r\n")
		v, err := Decode(b.Bytes(), Options{})
		if err != nil {
			t.Fatal(err)
		}
		if len(v.Spam.Evidence) != maxEvidence || !*v.Spam.Flagged {
			t.Errorf("%d evidence lines, flagged %v", len(v.Spam.Evidence), *v.Spam.Flagged)
		}
		check(t, &View{Problems: v.Problems}, want{problems: []string{"more than 1000 fields"}})
	})
	t.Run("too long", func(t *testing.T) {
		long := "X-Spam-Status: Yes, score=7.3 required=5.0 tests=" + strings.Repeat("A\xff ", 3*maxField) + "\r\n"
		in := []byte(long + "Subject: x\r\n" + strings.Repeat("X-Pad: "+strings.Repeat("p", 1000)+"\r\n", maxInput/1000) + "\r\n")
		v, err := Decode(in, Options{})
		if err != nil {
			t.Fatal(err)
		}
		e := v.Spam.Evidence[0]
		if len(e.Value) > maxValue || !strings.HasSuffix(e.Value, "...") || !strings.Contains(e.Value, `A\xff A\xff`) {
			t.Errorf("evidence value %q", e.Value)
		}
		if *v.Spam.Score != 7.3 {
			t.Errorf("score %v", *v.Spam.Score)
		}
		check(t, &View{Problems: v.Problems}, want{problems: []string{
			"only the first 1048576 were read", "the X-Spam-Status field is longer than 16384 bytes", "does not end with an empty line",
		}})
	})
	t.Run("folded field too long", func(t *testing.T) {
		in := block("Authentication-Results: mx.example.net; spf=pass", strings.Repeat(" smtp.helo=x.example\r\n", maxField/10))
		v, err := Decode(in, Options{})
		if err != nil {
			t.Fatal(err)
		}
		check(t, v, want{
			servID: "mx.example.net", source: "Authentication-Results", spf: SPF{Result: "pass", Domain: "x.example"}, methods: "spf=pass",
			problems: []string{"the Authentication-Results field is longer than 16384 bytes", "read differently by authres"},
		})
	})
}

// TestClean keeps values to one line of printable ASCII within the bound.
func TestClean(t *testing.T) {
	tests := []struct {
		in   string
		n    int
		want string
	}{
		{"plain", 10, "plain"},
		{"  a \t\r\n b  ", 10, "a b"},
		{"caf\xc3\xa9", 20, `caf\xc3\xa9`},
		{`back\slash`, 20, `back\\slash`},
		{"abcdefghij", 8, "abcde..."},
		{"abcd\xffefgh", 8, "abcd..."},
		{"ab\xff", 8, `ab\xff`},
		{"abcdefgh", 2, ""},
		{"=?utf-8?q?caf=C3=A9?=", 40, "=?utf-8?q?caf=C3=A9?="},
	}
	for _, tt := range tests {
		if got := clean(tt.in, tt.n); got != tt.want {
			t.Errorf("clean(%q, %d) = %q, want %q", tt.in, tt.n, got, tt.want)
		}
	}
}
