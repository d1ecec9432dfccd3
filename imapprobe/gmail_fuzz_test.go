package imapprobe

import (
	"bytes"
	"errors"
	"io"
	"reflect"
	"strconv"
	"strings"
	"testing"
)

// gmailParse reads every response in data as gmailConn does, parsing
// SEARCH and FETCH responses and skipping the rest, and returns what the
// FETCH responses with X-GM-LABELS tell.
func gmailParse(data []byte) ([]gmailFetch, error) {
	r := newGmailReader(bytes.NewReader(data))
	var out []gmailFetch
	for {
		resp, err := readGmailResp(r)
		if errors.Is(err, io.EOF) {
			return out, nil
		}
		if err != nil {
			return out, err
		}
		if len(resp) > gmailMaxResp+gmailMaxLine {
			return out, errors.New("response over its bound")
		}
		ln, err := parseGmailLine(resp)
		if err != nil {
			return out, err
		}
		if ln.kind == "SEARCH" {
			_, err = ln.newestUID()
		} else {
			var f gmailFetch
			if f, err = ln.fetch(); f.hasLabels && err == nil {
				out = append(out, f)
			}
		}
		if err != nil {
			return out, err
		}
	}
}

// gmailLabelsResponse is the FETCH response a server would send for
// labels: each a quoted string, or a literal where it holds CR or LF.
func gmailLabelsResponse(uid uint32, labels []string) string {
	var b strings.Builder
	b.WriteString("* 1 FETCH (X-GM-LABELS (")
	for i, l := range labels {
		if i > 0 {
			b.WriteByte(' ')
		}
		if strings.ContainsAny(l, "\r\n") {
			b.WriteString("{" + strconv.Itoa(len(l)) + "}\r\n" + l)
		} else {
			b.WriteString(gmailQuote(l))
		}
	}
	b.WriteString(") UID " + strconv.FormatUint(uint64(uid), 10) + ")\r\n")
	return b.String()
}

// FuzzGmailResponse feeds arbitrary server output to the response reader
// and parsers: they must not panic, must keep to their bounds, and labels
// they read must read back the same once sent as a server would.
func FuzzGmailResponse(f *testing.F) {
	for _, s := range []string{
		"* 3 FETCH (X-GM-LABELS (\\Inbox \"\\\\Important\" \"Receipts 2026\" \"say \\\"hi\\\"\" {6}\r\nKäufe NIL) UID 42)\r\n",
		"* 1 FETCH (FLAGS (\\Seen) BODY[HEADER.FIELDS (SUBJECT)] {12}\r\nSubject: x\r\n)\r\n* SEARCH 41 42\r\n",
		"* OK [ALERT] {5}\r\nhello\r\n* 3 EXISTS\r\n* CAPABILITY IMAP4rev1 X-GM-EXT-1\r\na1 OK done\r\n",
		"* 2 FETCH (UID 7 X-GM-LABELS ())\r\n* 2 FETCH (X-GM-LABELS NIL)\r\n+ go ahead\r\n",
		"* 1 FETCH (X-GM-LABELS ({3+}\r\na\rb))\r\n* BYE bye\r\n",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		fetches, _ := gmailParse(data)
		for _, fe := range fetches {
			if len(fe.labels) > gmailMaxLabels {
				t.Fatalf("%d labels", len(fe.labels))
			}
			again, err := gmailParse([]byte(gmailLabelsResponse(fe.uid, fe.labels)))
			if err != nil || len(again) != 1 {
				t.Fatalf("labels %q do not read back: %v", fe.labels, err)
			}
			if !reflect.DeepEqual(again[0].labels, fe.labels) || again[0].uid != fe.uid {
				t.Fatalf("labels %q (UID %d) read back as %q (UID %d)", fe.labels, fe.uid, again[0].labels, again[0].uid)
			}
		}
	})
}
