package phone

import (
	"strings"
	"testing"
	"unicode/utf8"
)

// FuzzCheck checks Check never panics and its result holds together.
func FuzzCheck(f *testing.F) {
	for _, s := range [][2]string{
		{"+44 7400 123456", ""}, {"07400 123456", "GB"}, {"+1 (201) 555-0123", "US"},
		{"0033612345678", "GB"}, {"+800 1234 5678", ""}, {"1-800-FLOWERS", "US"},
		{"+44 7400 123456 ext. 12", ""}, {"＋４４ ７４００ １２３４５６", ""}, {"", ""}, {"+", "ZZ"},
	} {
		f.Add(s[0], s[1])
	}
	f.Fuzz(func(t *testing.T, number, region string) {
		r := Check(number, region)
		if r.Valid && (r.E164 == "" || !strings.HasPrefix(r.E164, "+") || r.Problem != "" || !r.Possible) {
			t.Errorf("valid result without E.164 form or with a problem: %+v", r)
		}
		if !r.Valid && r.Problem == "" {
			t.Errorf("invalid result without a problem: %+v", r)
		}
		if r.Type == "" || r.SMS == "" || r.Message == "" || r.Reason == "" {
			t.Errorf("result with empty fields: %+v", r)
		}
		if len(r.Input) > MaxInput || !strings.HasPrefix(number, r.Input) {
			t.Errorf("Input %q is not a prefix of the input of at most %d bytes", r.Input, MaxInput)
		}
		if utf8.ValidString(number) && !utf8.ValidString(r.Input) {
			t.Errorf("Input %q cut inside a character", r.Input)
		}
		if len(strings.TrimSpace(number)) > MaxInput && r.Problem != ProblemTooLong {
			t.Errorf("over-long input got problem %q; want too-long", r.Problem)
		}
	})
}
