package classify

import (
	"errors"
	"os"
	"path/filepath"
	"regexp"
	"testing"
	"time"
)

// reasons is the vocabulary a recipient's reason is drawn from.
var reasons = map[string]bool{
	"": true, "userunknown": true, "mailboxfull": true, "filtered": true, "rejected": true, "blocked": true,
	"expired": true, "hostunknown": true, "suspend": true, "spamdetected": true, "policyviolation": true,
	"securityerror": true, "mesgtoobig": true, "exceedlimit": true, "networkerror": true, "notaccept": true,
	"norelaying": true, "systemerror": true, "systemfull": true, "toomanyconn": true, "contenterror": true,
	"mailererror": true, "onhold": true, "syntaxerror": true, "delivered": true, "vacation": true,
	"feedback": true, "undefined": true, "authfailure": true, "requireptr": true, "notcompliantrfc": true,
	"badreputation": true, "hasmoved": true, "speeding": true, "virusdetected": true, "failedstarttls": true,
}

var (
	validStatusRe = regexp.MustCompile(`^[245]\.\d{1,3}\.\d{1,3}$`)
	validTokenRe  = regexp.MustCompile(`^[a-z2-7]{20}$`)
)

// checkWellFormed asserts the invariants every result keeps.
func checkWellFormed(t *testing.T, res *Result) {
	t.Helper()
	switch res.Kind {
	case KindBounce, KindAutoreply, KindChallenge, KindFeedback, KindReply, KindUnknown:
	default:
		t.Fatalf("kind %q", res.Kind)
	}
	if !reasons[res.Reason] {
		t.Errorf("reason %q not in the vocabulary", res.Reason)
	}
	if len(res.Recipients) > maxRecipients {
		t.Errorf("%d recipients", len(res.Recipients))
	}
	for _, r := range res.Recipients {
		if !reasons[r.Reason] || r.Status != "" && !validStatusRe.MatchString(r.Status) || r.Code < 0 || r.Code > 599 {
			t.Errorf("malformed recipient %+v", r)
		}
		if len(r.Diagnostic) > 2100 {
			t.Errorf("diagnostic of %d bytes", len(r.Diagnostic))
		}
	}
	if res.Token != "" && !validTokenRe.MatchString(res.Token) {
		t.Errorf("token %q", res.Token)
	}
	if res.Kind != KindChallenge && res.ChallengeURL != "" {
		t.Errorf("challenge URL on a %s", res.Kind)
	}
	if len(res.Evidence) > 24 {
		t.Errorf("%d evidence lines", len(res.Evidence))
	}
}

// addSampleSeeds seeds a fuzz target with the written samples.
func addSampleSeeds(f *testing.F) {
	files, _ := filepath.Glob(filepath.Join("testdata", "samples", "*", "*.eml"))
	if len(files) == 0 {
		f.Fatal("no samples under testdata/samples")
	}
	for _, p := range files {
		b, err := os.ReadFile(p)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
}

// FuzzClassify feeds whole messages: Classify never panics, returns either
// a well-formed result or ErrNotMessage, and finishes quickly.
func FuzzClassify(f *testing.F) {
	addSampleSeeds(f)
	f.Fuzz(func(t *testing.T, raw []byte) {
		start := time.Now()
		res, err := Classify(raw)
		if elapsed := time.Since(start); elapsed > 5*time.Second {
			t.Fatalf("Classify took %v on %d bytes", elapsed, len(raw))
		}
		if err != nil {
			if !errors.Is(err, ErrNotMessage) || res != nil {
				t.Fatalf("error %v with result %v", err, res)
			}
			return
		}
		checkWellFormed(t, res)
	})
}

// FuzzDeliveryStatus feeds message/delivery-status bodies to the RFC 3464
// field parser.
func FuzzDeliveryStatus(f *testing.F) {
	f.Add("Reporting-MTA: dns; mx.example.org\n\nFinal-Recipient: rfc822; a@example.com\nAction: failed\nStatus: 5.1.1\nDiagnostic-Code: smtp; 550 5.1.1 unknown\n")
	f.Add("Final-Recipient: rfc822;b@example.com\nAction: delayed\nStatus: 4.4.7 (timed out)\nFinal-Recipient: c@example.com\nStatus: 2.0.0\n")
	f.Add("Final-Recipient: rfc822; |/bin/prog d@example.com\nX-Actual-Recipient: X-Unix; |/bin/prog\nAction: failed\nStatus: 5.0.0\nDiagnostic-Code: X-Unix; 77\n")
	f.Add("Original-Recipient: rfc822;e@example.com\nDiagnostic-Code: smtp;\n  550-5.7.1 first\n  550 5.7.1 second\n")
	f.Fuzz(func(t *testing.T, body string) {
		ds := parseDeliveryStatus(body)
		if len(ds.Recipients) > maxRecipients {
			t.Fatalf("%d recipients", len(ds.Recipients))
		}
		for _, r := range ds.Recipients {
			if r.address() == "" {
				t.Errorf("recipient without an address: %+v", r)
			}
			if r.Status != "" && !validStatusRe.MatchString(r.Status) {
				t.Errorf("status %q", r.Status)
			}
		}
		inlineDeliveryStatus(body)
	})
}
