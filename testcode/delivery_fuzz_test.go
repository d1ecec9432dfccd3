package testcode

import (
	"bufio"
	"bytes"
	"context"
	"io"
	"net"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/codeprobe/codeprobe/diagnose/netguard"
)

// pipeDialer connects to a server that sends script, whatever the client
// says, then hangs up. No socket is opened.
type pipeDialer struct{ script []byte }

func (p pipeDialer) DialContext(context.Context, string, string) (net.Conn, error) {
	client, server := net.Pipe()
	go func() { _, _ = io.Copy(io.Discard, server) }()
	go func() {
		_, _ = server.Write(p.script)
		_ = server.Close()
	}()
	return client, nil
}

// FuzzDeliveryDialogue runs whole deliveries against servers that say
// anything at all: every one must end with a valid status, a transcript
// free of control characters and credentials, and no panic.
func FuzzDeliveryDialogue(f *testing.F) {
	ok := "220 mx.test ESMTP\r\n250-mx.test\r\n250-8BITMIME\r\n250 AUTH PLAIN\r\n235 2.7.0 ok\r\n250 ok\r\n250 ok\r\n354 go\r\n250 2.0.0 Ok: queued as 3F1A2B\r\n221 bye\r\n"
	for _, s := range []string{
		ok,
		strings.Replace(ok, "235 2.7.0 ok", "535 5.7.8 bad "+testPass, 1),
		strings.Replace(ok, "250 2.0.0 Ok: queued as 3F1A2B", "554 5.7.1 spam", 1),
		"220 mx.test\r\n250-mx.test\r\n250 STARTTLS\r\n220 go ahead\r\n",
		"220-a\r\n220-b\r\n220 c\r\n502 no\r\n250 hi\r\n250 ok\r\n",
		"421 4.3.2 busy\r\n",
		"220 x\r\n250 x\r\n334 \r\n501 cancelled\r\n",
		"220 x\r\n250-x\r\n250 SIZE 10\r\n",
		"2",
		"",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, script []byte) {
		d := &Delivery{Mode: ModeSmarthost, Smarthost: "127.0.0.1:587", Username: testUser, Password: testPass,
			Guard: &netguard.Guard{Dialer: pipeDialer{script}, AllowPrivate: true}, StepTimeout: 2 * time.Second}
		res := d.Deliver(context.Background(), testFrom, "ann@example.test", []byte(stuffingMessage))
		switch res.Status {
		case StatusAccepted, StatusDeferred, StatusRejected, StatusError:
		default:
			t.Fatalf("status %q", res.Status)
		}
		if res.Status == StatusAccepted && !bytes.Contains(script, []byte("354")) {
			t.Fatalf("accepted without a 354:\n%s", transcriptOf(res))
		}
		if (res.Status == StatusAccepted) != (res.Err == nil) {
			t.Fatalf("status %s with Err %v", res.Status, res.Err)
		}
		for _, l := range res.Transcript {
			if strings.ContainsAny(l.Text, "\r\n\x00\x1b") || strings.Contains(l.Text, testPass) {
				t.Fatalf("transcript line %q", l.Text)
			}
		}
	})
}

// lineEnding matches any line ending a message may have.
var lineEnding = regexp.MustCompile("\r\n|\r|\n")

// FuzzDeliveryDotStuffing: what writeDotStuffed sends ends only at its
// final ".CRLF", has no bare CR or LF, and reads back, after removing the
// stuffing (RFC 5321 §4.5.2), as the message with CRLF line endings.
func FuzzDeliveryDotStuffing(f *testing.F) {
	for _, s := range []string{stuffingMessage, testMessage, ".", "..", "\r\n.\r\n", "a\n.\nb", "\r.\r", "x\r\n.", ""} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, msg []byte) {
		var out bytes.Buffer
		w := bufio.NewWriter(&out)
		if err := writeDotStuffed(w, msg); err != nil {
			t.Fatal(err)
		}
		_ = w.Flush()
		wire := out.String()
		if !strings.HasSuffix(wire, ".\r\n") || strings.Index("\r\n"+wire, "\r\n.\r\n") != len(wire)-3 {
			t.Fatalf("%q: the data ends early or not at all: %q", msg, wire)
		}
		if lineEnding.ReplaceAllString(wire, "\r\n") != wire {
			t.Fatalf("%q: bare CR or LF on the wire: %q", msg, wire)
		}
		want := lineEnding.ReplaceAllString(string(msg), "\r\n")
		if want != "" && !strings.HasSuffix(want, "\r\n") {
			want += "\r\n"
		}
		var got strings.Builder
		for _, line := range strings.SplitAfter(strings.TrimSuffix(wire, ".\r\n"), "\r\n") {
			got.WriteString(strings.TrimPrefix(line, "."))
		}
		if got.String() != want {
			t.Fatalf("%q: read back %q, want %q", msg, got.String(), want)
		}
	})
}
