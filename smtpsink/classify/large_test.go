package classify

import (
	"fmt"
	"strings"
	"testing"
)

// Large inputs as the sink sees them under load: a person's long reply
// quoting a thread, a bounce carrying the original message, and an HTML
// auto-reply padded with a long footer. They are built here, not read from
// files, so their size is exact and the content stays realistic.

// proseLine returns the i-th line of ordinary English business prose:
// words that appear in the patterns (message, request, office, verify) but
// never in the shape of a notice.
func proseLine(i int) string {
	lines := []string{
		"Thanks for the update on the migration; I read the whole message twice.",
		"The request from finance is still open and we should talk about it on Monday.",
		"My colleague in the office thinks the new login flow will confirm what we saw.",
		"Could you verify the numbers in the attached sheet before the review?",
		"We tried the code again at 10:42 and the mail was delivered to the inbox this time.",
		"Please keep me in the loop; I will forward this to the team lead as well.",
		"The support case about the delayed deliveries was closed last week by Anna.",
		"I think the spam folder is not the problem here, the relay logs look clean.",
	}
	return fmt.Sprintf("%s (%d)", lines[i%len(lines)], i)
}

// largeHumanReply is a person's reply of about size bytes quoting an
// earlier thread several levels deep.
func largeHumanReply(size int) []byte {
	var b strings.Builder
	b.WriteString("Return-Path: <alice@example.com>\r\nFrom: Alice Example <alice@example.com>\r\n" +
		"To: bounce+abcdefghij234567abcd@sink.example.net\r\nSubject: Re: Your sign-in code\r\n" +
		"Date: Mon, 2 Mar 2026 10:00:00 +0000\r\nMessage-ID: <reply-1@example.com>\r\n" +
		"In-Reply-To: <abcdefghij234567abcd@sender.example.org>\r\n" +
		"References: <abcdefghij234567abcd@sender.example.org>\r\n" +
		"MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n" +
		"Hi,\r\n\r\nI got the code this morning, thank you. A few notes on the thread below.\r\n\r\n")
	for i := 0; b.Len() < size; i++ {
		b.WriteString(strings.Repeat("> ", i/40%4))
		b.WriteString(proseLine(i))
		b.WriteString("\r\n")
	}
	return []byte(b.String())
}

// largeBounce is an RFC 3464 report of about size bytes whose third part
// is the original message, a long newsletter-like text.
func largeBounce(size int) []byte {
	var b strings.Builder
	b.WriteString("Return-Path: <>\r\nFrom: Mail Delivery System <MAILER-DAEMON@mx.example.com>\r\n" +
		"To: bounce+abcdefghij234567abcd@sink.example.net\r\nSubject: Undelivered Mail Returned to Sender\r\n" +
		"Date: Mon, 2 Mar 2026 10:00:00 +0000\r\nMessage-ID: <bounce-1@mx.example.com>\r\nAuto-Submitted: auto-replied\r\n" +
		"MIME-Version: 1.0\r\nContent-Type: multipart/report; report-type=delivery-status; boundary=\"B1\"\r\n\r\n" +
		"--B1\r\nContent-Type: text/plain; charset=us-ascii\r\n\r\n" +
		"This is the mail system at host mx.example.com.\r\n\r\nI'm sorry to have to inform you that your message could not\r\n" +
		"be delivered to one or more recipients.\r\n\r\n<nobody@example.com>: host mx.example.com[192.0.2.1] said:\r\n" +
		"    550 5.1.1 <nobody@example.com>: Recipient address rejected: User unknown\r\n\r\n" +
		"--B1\r\nContent-Type: message/delivery-status\r\n\r\nReporting-MTA: dns; mx.example.com\r\n\r\n" +
		"Final-Recipient: rfc822; nobody@example.com\r\nAction: failed\r\nStatus: 5.1.1\r\n" +
		"Remote-MTA: dns; mx.example.com\r\nDiagnostic-Code: smtp; 550 5.1.1 <nobody@example.com>: Recipient address rejected: User unknown\r\n\r\n" +
		"--B1\r\nContent-Type: message/rfc822\r\n\r\n" +
		"From: Sender <noreply@sender.example.org>\r\nTo: nobody@example.com\r\nSubject: Your sign-in code\r\n" +
		"Message-ID: <abcdefghij234567abcd@sender.example.org>\r\nX-Codeprobe-Token: abcdefghij234567abcd\r\n" +
		"Content-Type: text/plain; charset=utf-8\r\n\r\nYour code is 123456.\r\n\r\n")
	for i := 0; b.Len() < size-16; i++ {
		b.WriteString(proseLine(i))
		b.WriteString("\r\n")
	}
	b.WriteString("\r\n--B1--\r\n")
	return []byte(b.String())
}

// largeHTMLAutoreply is an out-of-office reply in HTML of about size
// bytes, most of it a signature and legal footer.
func largeHTMLAutoreply(size int) []byte {
	var b strings.Builder
	b.WriteString("From: Bob Example <bob@example.com>\r\nTo: bounce+abcdefghij234567abcd@sink.example.net\r\n" +
		"Subject: Automatic reply: Your sign-in code\r\nAuto-Submitted: auto-replied\r\n" +
		"Date: Mon, 2 Mar 2026 10:00:00 +0000\r\nMessage-ID: <ooo-1@example.com>\r\n" +
		"MIME-Version: 1.0\r\nContent-Type: text/html; charset=utf-8\r\n\r\n" +
		"<html><head><style>p{margin:0}</style></head><body><p>I am out of the office until Monday " +
		"with limited access to email.</p>")
	for i := 0; b.Len() < size-32; i++ {
		fmt.Fprintf(&b, "<p style=\"font-size:8pt\">%s <a href=\"https://example.com/legal/%d\">more</a></p>\r\n", proseLine(i), i)
	}
	b.WriteString("</body></html>\r\n")
	return []byte(b.String())
}

// largeInputs are the synthetic messages of the benchmarks and the golden
// guard, by name.
func largeInputs() []struct {
	name string
	raw  []byte
} {
	return []struct {
		name string
		raw  []byte
	}{
		{"reply-2k", largeHumanReply(2 << 10)},
		{"reply-50k", largeHumanReply(50 << 10)},
		{"bounce-50k", largeBounce(50 << 10)},
		{"ooo-html-50k", largeHTMLAutoreply(50 << 10)},
	}
}

func BenchmarkClassifyLarge(b *testing.B) {
	for _, in := range largeInputs() {
		b.Run(in.name, func(b *testing.B) {
			b.SetBytes(int64(len(in.raw)))
			b.ReportAllocs()
			for b.Loop() {
				if _, err := Classify(in.raw); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
