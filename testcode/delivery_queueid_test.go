package testcode

import (
	"strings"
	"testing"
	"unicode/utf8"
)

func TestParseQueueID(t *testing.T) {
	tests := []struct{ name, text, want string }{
		{"Postfix", "Ok: queued as 3F1A2B4C5D", "3F1A2B4C5D"},
		{"Postfix long ID", "Ok: queued as 4Xyz1q2w3sz9abc", "4Xyz1q2w3sz9abc"},
		{"SendGrid", "Ok: queued as ZGVm1Hb8RnyjpBlHBVEJhw", "ZGVm1Hb8RnyjpBlHBVEJhw"},
		{"queued as, trailing dot", "queued as 9C4E2A1B0F.", "9C4E2A1B0F"},
		{"Exim", "OK id=1rAbCd-000123-XY", "1rAbCd-000123-XY"},
		{"Exim 4.97 ID", "OK id=1sXyZa-00000000Ab1-0cDe", "1sXyZa-00000000Ab1-0cDe"},
		{"GMX", "Requested mail action okay, completed: id=1MZCkd-1abcDE0xyz-00NsVc", "1MZCkd-1abcDE0xyz-00NsVc"},
		{"Microsoft 365", "<abc@sender.example> [InternalId=21487762354234, Hostname=AM6PR01MB1234.eurprd01.prod.exchangelabs.com] 9432 bytes in 0.061, 150.912 KB/sec Queued mail for delivery", "21487762354234"},
		{"Exchange on premises", "<abc@sender.example> [InternalId=8375734, Hostname=EX01.corp.example] Queued mail for delivery", "8375734"},
		{"Gmail", "OK  1700000000 a1si1234567wrb.123 - gsmtp", "a1si1234567wrb.123"},
		{"Sendmail", "x8QLmYAb012345 Message accepted for delivery", "x8QLmYAb012345"},
		{"Proofpoint", "3x12abc4d5-1 Message accepted for delivery", "3x12abc4d5-1"},
		{"Cisco", "ok:  Message 123456789 accepted", "123456789"},
		{"Haraka", "Message Queued (F9C8A4E3-1B2C-4D5E-8F90-123456789ABC.1)", "F9C8A4E3-1B2C-4D5E-8F90-123456789ABC.1"},
		{"qmail", "ok 1700000000 qp 12345", "12345"},
		{"Amazon SES", "Ok 0100018c6d8a9b9b-3f1e2d4c-0000-0000-0000-000000000000-000000", "0100018c6d8a9b9b-3f1e2d4c-0000-0000-0000-000000000000-000000"},
		{"go-smtp, no ID", "OK: queued", "OK: queued"},
		{"Yahoo, no ID", "ok dirdel", "ok dirdel"},
		{"word queued is not an ID", "Message queued as accepted", "Message queued as accepted"},
		{"id= inside a word", "uid=5 saved", "uid=5 saved"},
		{"empty", "", ""},
		{"spaces", "   ", ""},
		{"trimmed fallback", "  Great success  ", "Great success"},
	}
	for _, tt := range tests {
		if got := ParseQueueID(tt.text); got != tt.want {
			t.Errorf("%s: ParseQueueID(%q) = %q, want %q", tt.name, tt.text, got, tt.want)
		}
	}
	long := strings.Repeat("é", 150)
	if got := ParseQueueID(long); len(got) > maxQueueIDText || !utf8.ValidString(got) || !strings.HasPrefix(long, got) {
		t.Errorf("long text kept as %q (%d octets)", got, len(got))
	}
}

// FuzzQueueID: any reply text yields a piece of itself, bounded, and
// never a panic.
func FuzzQueueID(f *testing.F) {
	for _, s := range []string{
		"Ok: queued as 3F1A2B4C5D",
		"OK id=1rAbCd-000123-XY",
		"<abc@sender.example> [InternalId=21487762354234, Hostname=AM6PR01MB1234.eurprd01.prod.exchangelabs.com] Queued mail for delivery",
		"OK  1700000000 a1si1234567wrb.123 - gsmtp",
		"x8QLmYAb012345 Message accepted for delivery",
		"ok:  Message 123456789 accepted",
		"Message Queued (F9C8A4E3-1B2C.1)",
		"ok 1700000000 qp 12345",
		"Ok 0100018c6d8a9b9b-000000",
		"queued as ",
		"id=",
		"[InternalId=",
		" - gsmtp",
		"message accepted",
		"Queued (",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, text string) {
		got := ParseQueueID(text)
		trimmed := strings.TrimSpace(text)
		if len(got) > maxQueueIDText {
			t.Fatalf("ParseQueueID(%q) = %q: %d octets", text, got, len(got))
		}
		if !strings.Contains(trimmed, got) {
			t.Fatalf("ParseQueueID(%q) = %q, not part of the text", text, got)
		}
		if (got == "") != (trimmed == "") {
			t.Fatalf("ParseQueueID(%q) = %q", text, got)
		}
		if utf8.ValidString(text) && !utf8.ValidString(got) {
			t.Fatalf("ParseQueueID(%q) = %q: not UTF-8", text, got)
		}
	})
}
