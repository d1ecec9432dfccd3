package receiver

import (
	"reflect"
	"testing"
	"time"
)

// TestParseDate reads the Received dates real MTAs write.
func TestParseDate(t *testing.T) {
	want := time.Date(2026, 11, 3, 18, 0, 1, 0, time.UTC)
	tests := []struct {
		in string
		ok bool
	}{
		{"Tue, 03 Nov 2026 18:00:01 +0000", true},                   // RFC 5322 §3.3
		{"Tue, 03 Nov 2026 10:00:01 -0800 (PST)", true},             // Gmail
		{"Tue,  3 Nov 2026 18:00:01 +0000 (UTC)", true},             // Postfix
		{"3 Nov 2026 18:00:01 -0000", true},                         // qmail: no weekday, -0000
		{"Tue, 3 Nov 2026\r\n 18:00:01 +0000", true},                // Exchange, folded
		{"Tue, 3 Nov 2026 18:00:01 GMT", true},                      // obsolete zone
		{"Tue 3 Nov 2026 18:00:01 +0000", true},                     // weekday without comma
		{"Tuesday, 3 Nov 2026 18:00:01 +0000", true},                // weekday spelled out
		{"Tue, 3 Nov 2026 19:00:01 +0100 (CET) (added by x)", true}, // two comments
		{"Tue Nov  3 18:00:01 2026", true},                          // ctime
		{"Tue Nov 3 18:00:01 UTC 2026", true},                       // date(1)
		{"2026-11-03T18:00:01Z", true},                              // RFC 3339
		{"Tue, 3 Nov 2026 18:00:01.000 +0000", true},                // fractional seconds
		{"Tue,\t3  Nov   2026 18:00:01   +0000  ", true},            // extra white space
		{"", false},
		{"yesterday", false},
		{"Tue, 3 Nov 2026 25:00:01 +0000", false},
		{"Tue, 3 Nov 2026 18:00:01 +0000 (cut off", true}, // a truncated trailing comment
		{"Tue, 3 Nov 2026 18:00:01", false},               // no zone
	}
	for _, tt := range tests {
		got, ok := parseDate(tt.in)
		if ok != tt.ok || ok && !got.Equal(want) {
			t.Errorf("parseDate(%q) = %v, %v; want %v, %v", tt.in, got, ok, want, tt.ok)
		}
	}
}

// TestParseAR reads Authentication-Results payloads tolerantly.
func TestParseAR(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want arField
	}{
		{"RFC 8601 §6 example", "example.com; spf=pass smtp.mailfrom=example.net", arField{"example.com", []resinfo{
			{method: "spf", result: "pass", props: map[string]string{"smtp.mailfrom": "example.net"}},
		}}},
		{"version and no result", "mx.example.org 1; none", arField{id: "mx.example.org"}},
		{"Microsoft: no authserv-id", "spf=pass (sender IP is 192.0.2.1) smtp.mailfrom=example.com;dmarc=bestguesspass action=none header.from=example.com", arField{"", []resinfo{
			{method: "spf", result: "pass", props: map[string]string{"smtp.mailfrom": "example.com"}, comment: "sender IP is 192.0.2.1"},
			{method: "dmarc", result: "bestguesspass", props: map[string]string{"action": "none", "header.from": "example.com"}},
		}}},
		{"result glued to a comment", "atlas.yahoo.com; dmarc=pass(p=REJECT) header.from=example.com;", arField{"atlas.yahoo.com", []resinfo{
			{method: "dmarc", result: "pass", props: map[string]string{"header.from": "example.com"}, comment: "p=REJECT"},
		}}},
		{"white space around '=' and a method version", "mx.example; DKIM/1 = Pass reason = \"good sig\" header.d= example.com", arField{"mx.example", []resinfo{
			{method: "dkim", result: "pass", reason: "good sig", props: map[string]string{"header.d": "example.com"}},
		}}},
		{"quoted local part and SRS address", `mx.example; spf=pass smtp.mailfrom="a b"@example.com; spf=neutral smtp.mailfrom=SRS0=AbCd=XY=example.com=b@fwd.example`, arField{"mx.example", []resinfo{
			{method: "spf", result: "pass", props: map[string]string{"smtp.mailfrom": "a b@example.com"}},
			{method: "spf", result: "neutral", props: map[string]string{"smtp.mailfrom": "SRS0=AbCd=XY=example.com=b@fwd.example"}},
		}}},
		{"nested comment with quoted pair and ';'", `mx.example (a; (b\) c)); arc=pass (i=1 spf=pass; dkim=pass)`, arField{"mx.example", []resinfo{
			{method: "arc", result: "pass", props: map[string]string{}, comment: "i=1 spf=pass; dkim=pass"},
		}}},
		{"garbage", "((( ;;; = ==", arField{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := parseAR(tt.in)
			for i := range tt.want.results {
				if tt.want.results[i].props == nil {
					tt.want.results[i].props = map[string]string{}
				}
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("parseAR(%q)\n got %+v\nwant %+v", tt.in, got, tt.want)
			}
		})
	}
}
