package smtpprobe

import (
	"bytes"
	"errors"
	"io"
	"maps"
	"strings"
	"testing"
	"unicode/utf8"
)

func TestParseReply(t *testing.T) {
	tests := []struct {
		name     string
		lines    []string
		code     int
		enhanced string
		text     string
		err      string
	}{
		{name: "banner", lines: []string{"220 mx.example.com ESMTP Postfix"}, code: 220, text: "mx.example.com ESMTP Postfix"},
		{name: "code only", lines: []string{"250"}, code: 250, text: ""},
		{name: "enhanced", lines: []string{"550 5.1.1 <ann@example.com>: Recipient address rejected"},
			code: 550, enhanced: "5.1.1", text: "<ann@example.com>: Recipient address rejected"},
		{name: "gmail multi-line", lines: []string{
			"550-5.1.1 The email account that you tried to reach does not exist. Please try",
			"550-5.1.1 double-checking the recipient's email address for typos or",
			"550 5.1.1  https://support.google.com/mail/?p=NoSuchUser a1si123",
		}, code: 550, enhanced: "5.1.1",
			text: "The email account that you tried to reach does not exist. Please try double-checking the recipient's email address for typos or https://support.google.com/mail/?p=NoSuchUser a1si123"},
		{name: "enhanced class must match", lines: []string{"250 5.1.1 odd"}, code: 250, text: "odd"},
		{name: "version number is not enhanced", lines: []string{"220 2.6.0.1 Exchange"}, code: 220, text: "2.6.0.1 Exchange"},
		{name: "four-digit subject is not enhanced", lines: []string{"450 4.1000.1 x"}, code: 450, text: "4.1000.1 x"},
		{name: "empty", lines: nil, err: "empty reply"},
		{name: "not a code", lines: []string{"HTTP/1.1 400 Bad Request"}, err: "three-digit code"},
		{name: "1yz", lines: []string{"150 ok"}, err: "outside 2xx-5xx"},
		{name: "short", lines: []string{"25"}, err: "too short"},
		{name: "mixed codes", lines: []string{"250-a", "550 b"}, err: "mixes codes 250 and 550"},
		{name: "ends early", lines: []string{"250 a", "250 b"}, err: "ends the reply"},
		{name: "dangling continuation", lines: []string{"250-a", "250-b"}, err: "separator"},
		{name: "bad separator", lines: []string{"250_a"}, err: "separator"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r, err := ParseReply(tc.lines)
			if tc.err != "" {
				if err == nil || !errors.Is(err, ErrProtocol) || !strings.Contains(err.Error(), tc.err) {
					t.Fatalf("err %v, want ErrProtocol saying %q", err, tc.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if r.Code != tc.code || r.Enhanced != tc.enhanced || r.Text() != tc.text || len(r.Lines) != len(tc.lines) {
				t.Errorf("got %d %q %q (%d lines), want %d %q %q", r.Code, r.Enhanced, r.Text(), len(r.Lines), tc.code, tc.enhanced, tc.text)
			}
		})
	}
}

func TestReplyString(t *testing.T) {
	r := Reply{Code: 450, Enhanced: "4.7.1", Lines: []string{"4.7.1 <a@b>: Recipient address rejected: Greylisted"}}
	if got, want := r.String(), "450 4.7.1 <a@b>: Recipient address rejected: Greylisted"; got != want {
		t.Errorf("String() = %q, want %q", got, want)
	}
	if got := (Reply{Code: 250}).String(); got != "250" {
		t.Errorf("String() = %q", got)
	}
}

func TestLooksGreylisted(t *testing.T) {
	tests := []struct {
		line string
		want bool
	}{
		{"450 4.7.1 <ann@example.com>: Recipient address rejected: Greylisted for 300 seconds", true},
		{"451 4.7.1 Please try again later", true},
		{"451 4.2.0 Temporarily rejected", true},
		{"450 4.7.0 Deferred", true},
		{"451 Greylisting in action, please come back later", true},
		{"450 Graylisted, see http://postgrey.schweikert.ch/help/example.com.html", true},
		{"421 4.7.0 Try again later, closing connection", false},
		{"451 4.3.0 Local error in processing", false},
		{"452 4.2.2 Mailbox full", false},
		{"550 5.7.1 Greylisting is not a reason for 5xx", false},
	}
	for _, tc := range tests {
		r, err := ParseReply([]string{tc.line})
		if err != nil {
			t.Fatal(err)
		}
		if got := r.LooksGreylisted(); got != tc.want {
			t.Errorf("%q: LooksGreylisted() = %v, want %v", tc.line, got, tc.want)
		}
	}
}

func TestParseExtensions(t *testing.T) {
	r, err := ParseReply([]string{
		"250-mx.google.com at your service, [192.0.2.9]",
		"250-SIZE 157286400",
		"250-8BITMIME",
		"250-starttls",
		"250-AUTH LOGIN  PLAIN ",
		"250-bad!keyword x",
		"250-",
		"250 SMTPUTF8",
	})
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{"SIZE": "157286400", "8BITMIME": "", "STARTTLS": "", "AUTH": "LOGIN  PLAIN", "SMTPUTF8": ""}
	if got := parseExtensions(r); !maps.Equal(got, want) {
		t.Errorf("got %v, want %v", got, want)
	}
}

func TestPrintable(t *testing.T) {
	tests := []struct{ in, want string }{
		{"plain text\tand tab", "plain text\tand tab"},
		{"Grüße ✓", "Grüße ✓"},
		{"\x1b[31mred\x00", `\x1b[31mred\x00`},
		{"bad \xff\xfe utf8", `bad \xff\xfe utf8`},
		{"c1 \u0085 and bidi \u202e", `c1 \xc2\x85 and bidi \xe2\x80\xae`},
	}
	for _, tc := range tests {
		if got := Printable([]byte(tc.in)); got != tc.want {
			t.Errorf("Printable(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

// countingReader counts what the reply reader takes from the server.
type countingReader struct {
	r io.Reader
	n int
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += n
	return n, err
}

// FuzzReadReply feeds arbitrary server output to the reply reader: it must
// never panic, never take more than one buffer beyond the bounded lines of
// the replies it returns, and every reply it returns must be well-formed.
func FuzzReadReply(f *testing.F) {
	for _, s := range []string{
		"220 mx.example.com ESMTP\r\n",
		"250-mx.example.com\r\n250-PIPELINING\r\n250 SIZE 1000\r\n",
		"550-5.1.1 no\r\n550 5.1.1 such user\r\n",
		"250-a\r\n550 b\r\n",
		"220 a\n250 b\r\n",
		"220-\xff\x00\x1b\r\n220\r\n",
		"421",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		cr := &countingReader{r: bytes.NewReader(data)}
		lines := 0
		rr := newReplyReader(cr, func(text string) {
			lines++
			if strings.ContainsAny(text, "\r\n\x00") || !utf8.ValidString(text) {
				t.Fatalf("unprintable transcript line %q", text)
			}
		})
		consumed := 0
		for range 1000 {
			r, err := rr.readReply()
			if err != nil {
				if !errors.Is(err, ErrProtocol) {
					t.Fatalf("error %v does not wrap ErrProtocol", err)
				}
				break
			}
			consumed += len(r.Lines) * (MaxLineLength + 2)
			if r.Code < 200 || r.Code > 599 || len(r.Lines) == 0 || len(r.Lines) > MaxReplyLines {
				t.Fatalf("malformed reply %+v", r)
			}
			if r.Enhanced != "" && r.Enhanced[0] != byte('0'+r.Code/100) {
				t.Fatalf("enhanced %q does not match code %d", r.Enhanced, r.Code)
			}
			_ = r.String()
			_ = r.LooksGreylisted()
			_ = parseExtensions(r)
		}
		if limit := consumed + MaxReplyLines*(MaxLineLength+2) + MaxLineLength + 2; cr.n > limit {
			t.Fatalf("read %d octets, more than the bound %d", cr.n, limit)
		}
		if lines > 1000*MaxReplyLines+1 {
			t.Fatalf("%d transcript lines", lines)
		}
	})
}

func TestReadReplyLineLimit(t *testing.T) {
	tests := []struct {
		name  string
		input string
		ok    bool
	}{
		{"512-octet line (RFC 5321 limit)", "250 " + strings.Repeat("x", 506) + "\r\n", true},
		{"line at the tolerated limit", "250 " + strings.Repeat("x", MaxLineLength-4) + "\r\n", true},
		{"one octet over", "250 " + strings.Repeat("x", MaxLineLength-3) + "\r\n", false},
		{"one octet over, bare LF", "250 " + strings.Repeat("x", MaxLineLength-3) + "\n", false},
		{"100 lines", strings.Repeat("250-x\r\n", MaxReplyLines-1) + "250 x\r\n", true},
		{"101 lines", strings.Repeat("250-x\r\n", MaxReplyLines) + "250 x\r\n", false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r, err := newReplyReader(strings.NewReader(tc.input), nil).readReply()
			if (err == nil) != tc.ok || err != nil && !errors.Is(err, ErrProtocol) {
				t.Errorf("reply %d (%d lines), err %v; want ok=%v", r.Code, len(r.Lines), err, tc.ok)
			}
		})
	}
}

func TestReaderBound(t *testing.T) {
	huge := bytes.Repeat([]byte("A"), 10<<20)
	cr := &countingReader{r: io.MultiReader(strings.NewReader("220 "), bytes.NewReader(huge))}
	_, err := newReplyReader(cr, nil).readReply()
	if !errors.Is(err, ErrProtocol) || cr.n > MaxLineLength+2 {
		t.Errorf("err %v after reading %d octets: want a protocol error within one buffer", err, cr.n)
	}
	endless := strings.Repeat("250-x\r\n", 10*MaxReplyLines)
	cr = &countingReader{r: strings.NewReader(endless)}
	_, err = newReplyReader(cr, nil).readReply()
	if !errors.Is(err, ErrProtocol) || !strings.Contains(err.Error(), "past 100 lines") || cr.n > MaxLineLength+2 {
		t.Errorf("err %v after %d octets", err, cr.n)
	}
}
