package mtasts_test

import (
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/codeprobe/codeprobe/diagnose/mtasts"
)

func TestParsePolicy(t *testing.T) {
	tests := []struct {
		name    string
		in      string
		mode    string // "" means an error is expected
		mx      []string
		maxAge  int
		errPart string
	}{
		{name: "RFC 8461 §3.2 example", in: "version: STSv1\nmode: enforce\nmx: mail.example.com\nmx: *.example.net\nmx: backupmx.example.com\nmax_age: 604800\n",
			mode: "enforce", mx: []string{"mail.example.com", "*.example.net", "backupmx.example.com"}, maxAge: 604800},
		{name: "CRLF, no final newline", in: "version: STSv1\r\nmode: testing\r\nmx: MX.Example.COM\r\nmax_age: 86400",
			mode: "testing", mx: []string{"mx.example.com"}, maxAge: 86400},
		{name: "mode none needs no mx", in: "version: STSv1\nmode: none\nmax_age: 0\n", mode: "none", maxAge: 0},
		{name: "whitespace around values", in: "version:STSv1 \nmode:\t enforce\t\nmx:  mx.example.com \nmax_age: 31557600\n",
			mode: "enforce", mx: []string{"mx.example.com"}, maxAge: 31557600},
		{name: "unknown keys ignored", in: "version: STSv1\nmode: enforce\nfuture_key: a value, with spaces\nmx: mx.example.com\nmax_age: 1\n",
			mode: "enforce", mx: []string{"mx.example.com"}, maxAge: 1},
		{name: "first of repeated keys counts", in: "version: STSv1\nmode: testing\nmode: enforce\nmax_age: 10\nmax_age: 99999999999\nmx: a.example\n",
			mode: "testing", mx: []string{"a.example"}, maxAge: 10},
		{name: "trailing empty lines", in: "version: STSv1\nmode: enforce\nmx: a.example\nmax_age: 10\n\n\r\n",
			mode: "enforce", mx: []string{"a.example"}, maxAge: 10},
		{name: "A-label mx", in: "version: STSv1\nmode: enforce\nmx: xn--mnchen-3ya.example\nmax_age: 10\n",
			mode: "enforce", mx: []string{"xn--mnchen-3ya.example"}, maxAge: 10},

		{name: "empty", in: "", errPart: "policy is empty"},
		{name: "blank", in: "\r\n \n", errPart: "policy is empty"},
		{name: "no mx in enforce", in: "version: STSv1\nmode: enforce\nmax_age: 1\n", errPart: "no mx field"},
		{name: "missing version", in: "mode: enforce\nmx: a.example\nmax_age: 1\n", errPart: "version field is missing"},
		{name: "missing max_age", in: "version: STSv1\nmode: enforce\nmx: a.example\n", errPart: "max_age field is missing"},
		{name: "key in wrong case", in: "version: STSv1\nMode: enforce\nmx: a.example\nmax_age: 1\n", errPart: `"Mode" was given`},
		{name: "bad version", in: "version: STSv2\nmode: enforce\nmx: a.example\nmax_age: 1\n", errPart: "version is"},
		{name: "bad mode", in: "version: STSv1\nmode: Enforce\nmx: a.example\nmax_age: 1\n", errPart: "mode is"},
		{name: "max_age too big", in: "version: STSv1\nmode: enforce\nmx: a.example\nmax_age: 31557601\n", errPart: "more than the maximum"},
		{name: "max_age 11 digits", in: "version: STSv1\nmode: enforce\nmx: a.example\nmax_age: 00000000001\n", errPart: "1 to 10 digits"},
		{name: "max_age negative", in: "version: STSv1\nmode: enforce\nmx: a.example\nmax_age: -1\n", errPart: "whole number"},
		{name: "space before colon", in: "version : STSv1\nmode: enforce\nmx: a.example\nmax_age: 1\n", errPart: "field name"},
		{name: "no colon", in: "version STSv1\n", errPart: "not a \"key: value\""},
		{name: "empty line inside", in: "version: STSv1\n\nmode: enforce\nmx: a.example\nmax_age: 1\n", errPart: "line 2: empty line"},
		{name: "mx with trailing dot", in: "version: STSv1\nmode: enforce\nmx: a.example.\nmax_age: 1\n", errPart: "empty label"},
		{name: "mx wildcard in the middle", in: "version: STSv1\nmode: enforce\nmx: a.*.example\nmax_age: 1\n", errPart: "character '*'"},
		{name: "mx bare wildcard", in: "version: STSv1\nmode: enforce\nmx: *.\nmax_age: 1\n", errPart: "no host name"},
		{name: "mx U-label", in: "version: STSv1\nmode: enforce\nmx: münchen.example\nmax_age: 1\n", errPart: "A-label"},
		{name: "mx with port", in: "version: STSv1\nmode: enforce\nmx: a.example:25\nmax_age: 1\n", errPart: "character ':'"},
		{name: "control character in extension", in: "version: STSv1\nmode: none\nmax_age: 1\nx: a\x01b\n", errPart: "control character"},
		{name: "not UTF-8", in: "version: STSv1\nmode: none\nmax_age: 1\nx: \xff\n", errPart: "UTF-8"},
		{name: "too large", in: "version: STSv1\nmode: none\nmax_age: 1\nx: " + strings.Repeat("a", mtasts.MaxPolicySize) + "\n", errPart: "bytes, more than"},
		{name: "HTML error page", in: "<html><body>Not Found</body></html>\n", errPart: "not a \"key: value\""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p, err := mtasts.ParsePolicy([]byte(tc.in))
			if tc.mode == "" {
				if err == nil || !errors.Is(err, mtasts.ErrInvalidPolicy) || !strings.Contains(err.Error(), tc.errPart) {
					t.Fatalf("got %+v, %v; want an ErrInvalidPolicy mentioning %q", p, err, tc.errPart)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if p.Version != "STSv1" || p.Mode != tc.mode || p.MaxAge != tc.maxAge || !slices.Equal(p.MX, tc.mx) || p.Raw != tc.in {
				t.Errorf("got %+v; want mode %s, mx %v, max_age %d", p, tc.mode, tc.mx, tc.maxAge)
			}
		})
	}
}

func TestPolicyMatches(t *testing.T) {
	p := &mtasts.Policy{MX: []string{"mail.example.com", "*.example.net", "*.Mixed.Example"}}
	tests := []struct {
		host string
		want bool
	}{
		{"mail.example.com", true},
		{"MAIL.EXAMPLE.COM.", true},
		{"example.com", false},
		{"other.example.com", false},
		{"mx.example.net", true},
		{"MX.example.net.", true},
		{"example.net", false},     // a wildcard needs one label
		{"a.b.example.net", false}, // and only one (RFC 8461 §4.1)
		{".example.net", false},
		{"xexample.net", false},
		{"mx.mixed.example", true},
		{"", false},
		{".", false},
	}
	for _, tc := range tests {
		if got := p.Matches(tc.host); got != tc.want {
			t.Errorf("Matches(%q) = %v, want %v", tc.host, got, tc.want)
		}
	}
}
