package testcode

import (
	htmltemplate "html/template"
	"strings"
	texttemplate "text/template"
)

// maxLine is the line length RFC 5322 §2.1.1 says SHOULD NOT be exceeded.
const maxLine = 78

// bodyData are the only values that vary in a test message.
type bodyData struct {
	Code  string // the digits
	To    string // the recipient, validated
	Sent  string // "14:02 UTC on Monday 2 January 2006"
	Until string // "14:12 UTC"
	TTL   string // "10 minutes"
}

// textBody is the text/plain part. Its lines are short enough to stay
// within 78 characters with any address on a line of its own.
var textBody = texttemplate.Must(texttemplate.New("text").Parse(`Hello,

Here is your test verification code:

    {{.Code}}

It works for {{.TTL}}, until {{.Until}}, and only on the page that
asked for it. If you asked for more than one code, only the newest
works.

We sent it at {{.Sent}} to:

    {{.To}}

This is a test of whether our emails reach you. Nobody can sign in to
anything with this code. If you did not ask for it, you can ignore
this email.
`))

// htmlBody is the text/html part: the same words, escaped by html/template,
// with inline styles only: no remote images, no links, no tracking.
var htmlBody = htmltemplate.Must(htmltemplate.New("html").Parse(`<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Your test verification code</title>
</head>
<body style="margin:0;padding:24px;font-family:Arial,Helvetica,sans-serif;
font-size:16px;line-height:1.5;color:#1a1a1a;background:#ffffff;">
<p>Hello,</p>
<p>Here is your test verification code:</p>
<p style="font-family:Consolas,Menlo,monospace;font-size:32px;
font-weight:bold;letter-spacing:4px;margin:16px 0;">{{.Code}}</p>
<p>It works for {{.TTL}}, until {{.Until}}, and only on the page that
asked for it. If you asked for more than one code, only the newest
works.</p>
<p>We sent it at {{.Sent}} to:<br>
<strong>{{.To}}</strong></p>
<p style="color:#555555;font-size:14px;">This is a test of whether our
emails reach you. Nobody can sign in to anything with this code. If you
did not ask for it, you can ignore this email.</p>
</body>
</html>
`))

func renderText(d bodyData) (string, error) {
	var b strings.Builder
	if err := textBody.Execute(&b, d); err != nil {
		return "", err
	}
	return b.String(), nil
}

func renderHTML(d bodyData) (string, error) {
	var b strings.Builder
	if err := htmlBody.Execute(&b, d); err != nil {
		return "", err
	}
	return b.String(), nil
}

// foldField formats one header field, folding it at spaces (RFC 5322
// §2.2.3) so that lines stay within 78 characters where the value has
// spaces to fold at. It ends in CRLF.
func foldField(key, value string) string {
	line := key + ": " + value
	var b strings.Builder
	first := len(key) + 2 // the earliest fold in the first line
	for len(line) > maxLine {
		cut := strings.LastIndexByte(line[:maxLine+1], ' ')
		if cut < first {
			next := strings.IndexByte(line[first:], ' ')
			if next < 0 {
				break
			}
			cut = first + next
		}
		b.WriteString(line[:cut])
		b.WriteString("\r\n")
		line, first = line[cut:], 1
	}
	b.WriteString(line)
	b.WriteString("\r\n")
	return b.String()
}
