package classify

import (
	"bytes"
	"errors"
	"strconv"
	"strings"
	"testing"
)

func TestNotAMessage(t *testing.T) {
	for _, in := range []string{"", "\r\n\r\n", "hello world\n", "\x00\x01\x02\xff", "  indented: first line\n", "X-Only-Custom: field\n\nbody"} {
		res, err := Classify([]byte(in))
		if !errors.Is(err, ErrNotMessage) || res != nil {
			t.Errorf("Classify(%q) = %v, %v; want nil, ErrNotMessage", in, res, err)
		}
	}
	if _, err := Classify([]byte("From MAILER-DAEMON Tue May 14 09:12:45 2024\nSubject: hi\n\nbody")); err != nil {
		t.Errorf("a message after an mbox From line: %v", err)
	}
}

const tok = "abcdefghijklmnopqrs2"

func TestFindToken(t *testing.T) {
	tests := []struct {
		name, msg, want string
	}{
		{"envelope address", "To: <bounce+" + tok + "@sink.example>\nSubject: x\n\nhi", tok},
		{"Delivered-To, upper case", "Delivered-To: BOUNCE+" + strings.ToUpper(tok) + "@SINK.EXAMPLE\nSubject: x\n\nhi", tok},
		{"In-Reply-To our Message-ID", "From: a@b.example\nIn-Reply-To: <" + tok + "@mail.example.com>\n\nhi", tok},
		{"returned original's header", "Subject: x\nContent-Type: multipart/report; boundary=b\n\n--b\nContent-Type: text/plain\n\nbounce\n--b\n" +
			"Content-Type: text/rfc822-headers\n\nX-Codeprobe-Token: " + tok + "\nSubject: y\n--b--\n", tok},
		{"pasted original", "Subject: failure notice\n\nbounce text\n--- Below this line is a copy of the message.\n\nX-Codeprobe-Token: " + tok + "\n", tok},
		{"too short", "To: bounce+abcdefg@sink.example\nSubject: x\n\nhi", ""},
		{"not base32", "In-Reply-To: <abcdefghijklmnopqrs1@mail.example.com>\n\nhi", ""},
		{"other Message-ID", "In-Reply-To: <CAF3x9@mail.gmail.example>\n\nhi", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res, err := Classify([]byte(tt.msg))
			if err != nil {
				t.Fatal(err)
			}
			if res.Token != tt.want {
				t.Errorf("token %q, want %q", res.Token, tt.want)
			}
		})
	}
}

func TestCharsets(t *testing.T) {
	tests := []struct {
		name, charset string
		body          []byte
		want          string
	}{
		{"KOI8-R", "koi8-r", []byte{0xf0, 0xd2, 0xc9, 0xd7, 0xc5, 0xd4}, "Привет"},
		{"ISO-2022-JP", "iso-2022-jp", []byte("\x1b$B$3$s$K$A$O\x1b(B"), "こんにちは"},
		{"ISO-2022-JP undeclared", "", []byte("\x1b$B$3$s$K$A$O\x1b(B"), "こんにちは"},
		{"windows-1252", "windows-1252", []byte("caf\xe9 \x80"), "café €"},
		{"ISO-8859-2", "iso-8859-2", []byte("Dzi\xea\xb6 dobry"), "Dzięś dobry"},
		{"lying UTF-8", "utf-8", []byte("na\xefve"), "naïve"},
		{"unknown charset", "x-no-such", []byte("plain"), "plain"},
	}
	for _, tt := range tests {
		if got := toText(tt.body, tt.charset, false); got != tt.want {
			t.Errorf("%s: %q, want %q", tt.name, got, tt.want)
		}
	}
}

func TestHTMLToText(t *testing.T) {
	got := htmlToText(`<html><head><style>p{x}</style></head><body><p>Hello&nbsp;<b>you</b></p><a href="https://x.example/v?a=1&amp;b=2">verify</a></body></html>`)
	for _, want := range []string{"Hello you", "https://x.example/v?a=1&b=2", "verify"} {
		if !strings.Contains(got, want) {
			t.Errorf("htmlToText lost %q: %q", want, got)
		}
	}
	if strings.Contains(got, "p{x}") {
		t.Errorf("style kept: %q", got)
	}
}

// TestBoundedWork feeds messages built to be expensive: deep nesting,
// thousands of parts, a huge header, megabytes of text. Structure, not
// time, is checked: the caps hold and the result is well formed.
func TestBoundedWork(t *testing.T) {
	var deep bytes.Buffer
	deep.WriteString("Subject: deep\nContent-Type: multipart/mixed; boundary=b0\n\n")
	for i := 0; i < 200; i++ {
		deep.WriteString("--b" + strconv.Itoa(i) + "\nContent-Type: multipart/mixed; boundary=b" + strconv.Itoa(i+1) + "\n\n")
	}
	var wide bytes.Buffer
	wide.WriteString("Subject: wide\nContent-Type: multipart/mixed; boundary=w\n\n")
	for i := 0; i < 5000; i++ {
		wide.WriteString("--w\nContent-Type: message/delivery-status\n\nFinal-Recipient: rfc822; a" + strconv.Itoa(i) + "@example.com\nAction: failed\nStatus: 5.1.1\n\n")
	}
	var header bytes.Buffer
	for i := 0; i < 20000; i++ {
		header.WriteString("X-Filler: " + strings.Repeat("y", 40) + "\n")
	}
	header.WriteString("Subject: big header\n\nbody")
	huge := "From: MAILER-DAEMON@example.org\nSubject: Undelivered Mail\n\n" + strings.Repeat("<x@example.com>: 550 user unknown\n", 200000)
	for name, raw := range map[string][]byte{"deep": deep.Bytes(), "wide": wide.Bytes(), "header": header.Bytes(), "huge": []byte(huge)} {
		m, err := parseMessage(raw)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if len(m.parts) > maxParts {
			t.Errorf("%s: %d parts kept, cap is %d", name, len(m.parts), maxParts)
		}
		for _, p := range m.parts {
			if p.depth > maxDepth+1 || len(p.body) > maxPartBytes {
				t.Errorf("%s: part depth %d size %d beyond the caps", name, p.depth, len(p.body))
			}
		}
		res, err := Classify(raw)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		checkWellFormed(t, res)
	}
}

func TestMainReason(t *testing.T) {
	rs := []Recipient{{Reason: "delivered"}, {Reason: "mailboxfull"}, {Reason: "userunknown"}}
	if got := mainReason(rs); got != "mailboxfull" {
		t.Errorf("mainReason = %q, want the first failure", got)
	}
	if got := mainReason(rs[:1]); got != "delivered" {
		t.Errorf("mainReason of only deliveries = %q", got)
	}
}
