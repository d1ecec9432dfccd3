package typo

import (
	"testing"
	"unicode/utf8"
)

// FuzzSuggest checks Suggest never panics, and that what it suggests is a
// well-formed lower-case A-label domain that it would not correct again.
func FuzzSuggest(f *testing.F) {
	for _, s := range []string{"gmail.com", "gmial.com", "gmail,com", "gmailcom", "GMAIL.COM.", "ｇｍａｉｌ．ｃｏｍ", "acme.con", "a.b.c.d.e.co.k", "xn--mnchen-3ya.de", "@", "..", "-.-", "gmail.com.com"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		s, ok := Suggest(in)
		if !ok {
			if s != (Suggestion{}) {
				t.Fatalf("Suggest(%q) = %+v with false", in, s)
			}
			return
		}
		if s.Confidence != Certain && s.Confidence != Likely || s.Edit == "" {
			t.Fatalf("Suggest(%q) = %+v: bad confidence or edit", in, s)
		}
		if !utf8.ValidString(s.Domain) || !validName(s.Domain) || len(s.Domain) > maxDomain {
			t.Fatalf("Suggest(%q) = %+v: not a well-formed domain", in, s)
		}
		if again, ok := Suggest(s.Domain); ok {
			t.Fatalf("Suggest(%q) = %q, which is corrected again to %+v", in, s.Domain, again)
		}
	})
}
