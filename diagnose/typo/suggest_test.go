package typo

import (
	"errors"
	"slices"
	"strings"
	"testing"
)

// TestSuggestIssueExamples checks the cases the issue names.
func TestSuggestIssueExamples(t *testing.T) {
	tests := []struct {
		typed, want string
		conf        Confidence
		squat       bool
		edit        string
	}{
		{"gmial.com", "gmail.com", Certain, true, EditTransposition},
		{"gmail.con", "gmail.com", Certain, false, EditTLD},
		{"gmail,com", "gmail.com", Certain, false, EditComma},
		{"gmailcom", "gmail.com", Certain, false, EditMissingDot},
		{"hotmial.co.uk", "hotmail.co.uk", Likely, false, EditTransposition},
		{"yahooo.fr", "yahoo.fr", Likely, false, EditDuplication},
		{"gmail.co", "gmail.com", Certain, true, EditTLD},
		{"hotmail.cm", "hotmail.com", Certain, true, EditTLD},
		{"gmai.com", "gmail.com", Certain, true, EditDeletion},
		{"yaho.com", "yahoo.com", Certain, true, EditDeletion},
		{"outlok.com", "outlook.com", Certain, true, EditDeletion},
		{"hotmai.com", "hotmail.com", Certain, true, EditDeletion},
		{"gmail..com", "gmail.com", Certain, false, EditDoubleDot},
		{"gmail.com.", "gmail.com", Certain, false, EditTrailingDot},
		{"GMAIL,COM", "gmail.com", Certain, false, EditComma},
		{" Gmail.Con ", "gmail.com", Certain, false, EditTLD},
		{"hotmail.co.k", "hotmail.co.uk", Certain, false, EditTLD},
		{"hotmail.couk", "hotmail.co.uk", Certain, false, EditTLD},
		{"hotmail.fe", "hotmail.fr", Certain, false, EditTLD},
		{"gmail.cmo", "gmail.com", Certain, false, EditTLD},
		{"gmail.comm", "gmail.com", Certain, false, EditTLD},
		{"gmail.vom", "gmail.com", Certain, false, EditTLD},
		{"comcast.ne", "comcast.net", Likely, false, EditTLD},
		{"gnail.comm", "gmail.com", Likely, false, EditSubstitution + "+" + EditTLD},
		{"gnail.dee", "gmail.com", Likely, false, EditSubstitution + "+" + EditTLD},
		{"yahooo.cmo", "yahoo.com", Likely, false, EditDuplication + "+" + EditTLD},
		{"gmail.de", "gmail.com", Likely, false, EditTLD},
		{"yahoo.net", "yahoo.com", Likely, false, EditTLD},
		{"gmail", "gmail.com", Certain, false, EditMissingTLD},
		{"gmialcom", "gmail.com", Likely, false, EditMissingDot + "+" + EditTransposition},
		{"gmail.com.com", "gmail.com", Likely, false, EditExtraTLD},
		{"#gmail.com", "gmail.com", Certain, false, EditStray},
		{"ｇｍａｉｌ．ｃｏｍ", "gmail.com", Certain, false, EditUnicode},
		{"t-onlie.de", "t-online.de", Likely, false, EditDeletion},
		{"gmx,net", "gmx.net", Certain, false, EditComma},
		{"qq.con", "qq.com", Certain, false, EditTLD},
		{"acme.con", "acme.com", Certain, false, EditTLD},
		{"acme,com", "acme.com", Certain, false, EditComma},
		{"uni-koeln.dee", "uni-koeln.de", Certain, false, EditTLD},
		{"gmial,com", "gmail.com", Certain, true, EditComma + "+" + EditTransposition},
	}
	for _, tt := range tests {
		got, ok := Suggest(tt.typed)
		want := Suggestion{Domain: tt.want, Confidence: tt.conf, Squat: tt.squat, Edit: tt.edit}
		if !ok || got != want {
			t.Errorf("Suggest(%q) = %+v, %v; want %+v", tt.typed, got, ok, want)
		}
	}
}

// TestSuggestNever checks domains that must never get a suggestion: real
// lookalikes, company domains, correct domains in any case, and input
// that is no domain at all.
func TestSuggestNever(t *testing.T) {
	never := []string{
		"gmx.at", "hotmail.de", "pm.me", "mac.com", "mail.com", "o2.pl", "aon.com", "cloud.com",
		"yahoo-inc.com", "google.com", "microsoft.com", "hp.com", "ge.com", "bt.com", "ibm.com",
		"outlook.de", "outlook.fr", "yahoo.de", "ymail.com", "rocketmail.com", "live.co.uk",
		"msn.cn", "email.com", "gmx.com", "live.de", "mail.de", "wp.pl", "aol.de", "me.com",
		"GMAIL.COM", "Gmail.com", "acme.com", "mail.acme.co.uk", "ox.ac.uk", "münchen.de",
		"xn--mnchen-3ya.de", "yahoo.co.jp", "orange.com", "range.fr", "roger.com", "aok.com",
		"gm.com", "webb.de", "fmail.de", "gnail.fr", "", " ", "@gmail.com", "gmail.com@", "a b@c", "-", ".", "..",
		"exa_mple.com", strings.Repeat("a", 300) + ".com",
	}
	for _, d := range never {
		if got, ok := Suggest(d); ok {
			t.Errorf("Suggest(%q) = %+v; want no suggestion", d, got)
		}
	}
}

// TestKnownNeverCorrected checks no known target is ever corrected, and
// that Known lists them heaviest first.
func TestKnownNeverCorrected(t *testing.T) {
	known := Known()
	if len(known) < 100 || known[0] != "gmail.com" {
		t.Fatalf("Known() = %d domains starting %q", len(known), known[:1])
	}
	if len(slices.Compact(slices.Sorted(slices.Values(known)))) != len(known) {
		t.Error("Known() has duplicates")
	}
	for _, d := range known {
		if s, ok := Suggest(d); ok {
			t.Errorf("Suggest(%q) = %+v", d, s)
		}
	}
}

// TestSharpen checks the DNS evidence rules.
func TestSharpen(t *testing.T) {
	likely := Suggestion{Domain: "gmail.com", Confidence: Likely, Edit: EditTLD}
	certain := Suggestion{Domain: "gmail.com", Confidence: Certain, Edit: EditComma}
	squat := Suggestion{Domain: "gmail.com", Confidence: Likely, Squat: true, Edit: EditDeletion}
	tests := []struct {
		in      Suggestion
		hasMail bool
		want    Suggestion
		ok      bool
	}{
		{likely, true, Suggestion{}, false},
		{likely, false, Suggestion{Domain: "gmail.com", Confidence: Certain, Edit: EditTLD}, true},
		{certain, true, certain, true},
		{certain, false, certain, true},
		{squat, true, squat, true},
		{squat, false, Suggestion{Domain: "gmail.com", Confidence: Certain, Squat: true, Edit: EditDeletion}, true},
	}
	for _, tt := range tests {
		got, ok := Sharpen(tt.in, tt.hasMail)
		if got != tt.want || ok != tt.ok {
			t.Errorf("Sharpen(%+v, %v) = %+v, %v; want %+v, %v", tt.in, tt.hasMail, got, ok, tt.want, tt.ok)
		}
	}
}

// TestParseCuratedErrors checks malformed data is refused with ErrData.
func TestParseCuratedErrors(t *testing.T) {
	tests := []struct{ known, legit, squats string }{
		{"gmail.com\n", "", ""},
		{"gmail.com x\n", "", ""},
		{"gmail.com 5 shiny\n", "", ""},
		{"gmail.com 5\ngmail.com 5\n", "", ""},
		{"gmail.com 5\n", "gmail.com\n", ""},
		{"gmail.com 5\n", "", "gmai.com yahoo.com\n"},
		{"gmail.com 5\n", "mail.com\n", "mail.com gmail.com\n"},
		{"nodot 5\n", "", ""},
	}
	for _, tt := range tests {
		if _, err := parseCurated(tt.known, tt.legit, tt.squats); !errors.Is(err, ErrData) {
			t.Errorf("parseCurated(%q, %q, %q) = %v; want ErrData", tt.known, tt.legit, tt.squats, err)
		}
	}
	if _, err := parseCurated(knownText, legitText, squatsText); err != nil {
		t.Fatalf("embedded data: %v", err)
	}
}

// TestIndexDeterministic checks two builds of the index agree entry for
// entry, so suggestions never depend on map iteration order.
func TestIndexDeterministic(t *testing.T) {
	c, err := parseCurated(knownText, legitText, squatsText)
	if err != nil {
		t.Fatal(err)
	}
	a, b := newIndex(c), newIndex(c)
	if len(a.one) != len(b.one) || len(a.tldFix) != len(b.tldFix) {
		t.Fatal("index sizes differ between builds")
	}
	for k, v := range a.one {
		if b.one[k] != v {
			t.Fatalf("one[%q]: %+v vs %+v", k, v, b.one[k])
		}
	}
	for k, v := range a.tldFix {
		if b.tldFix[k] != v {
			t.Fatalf("tldFix[%q]: %q vs %q", k, v, b.tldFix[k])
		}
	}
}
