package testcode

import (
	"bufio"
	"bytes"
	"errors"
	"strings"
	"sync"
	"testing"

	"github.com/emersion/go-smtp"
)

// stuffingMessage has lines a careless client would mangle: a lone ".",
// lines starting with dots, a bare LF, a bare CR, and no final CRLF.
const stuffingMessage = "Subject: dots\r\n\r\n.\r\n.hidden\r\n..two\r\nbare\nlf\rcr\r\nlast line"

// stuffingNormalised is stuffingMessage as the server must store it.
const stuffingNormalised = "Subject: dots\r\n\r\n.\r\n.hidden\r\n..two\r\nbare\r\nlf\r\ncr\r\nlast line\r\n"

// TestDotStuffingAtServer delivers stuffingMessage and checks what a real
// SMTP server stored, and what went over the wire.
func TestDotStuffingAtServer(t *testing.T) {
	be := &recordingBackend{}
	addr := startSMTP(t, be, nil)
	res := smarthost(addr.String()).Deliver(testContext(t), testFrom, "ann@example.test", []byte(stuffingMessage))
	if res.Status != StatusAccepted {
		t.Fatalf("got %s (%v)\n%s", res.Status, res.Err, transcriptOf(res))
	}
	if got := be.got(); len(got) != 1 || string(got[0].data) != stuffingNormalised {
		t.Fatalf("server stored %+v, want %q", got, stuffingNormalised)
	}

	var mu sync.Mutex
	var wire []byte
	raw := startScript(t, scriptedMTA([]string{"8BITMIME"}, "250 2.0.0 Ok: queued as ABC123", func(b []byte) {
		mu.Lock()
		wire = append([]byte(nil), b...)
		mu.Unlock()
	}))
	res = smarthost(raw.String()).Deliver(testContext(t), testFrom, "ann@example.test", []byte(stuffingMessage))
	if res.Status != StatusAccepted || res.QueueID != "ABC123" {
		t.Fatalf("got %s queue %q (%v)\n%s", res.Status, res.QueueID, res.Err, transcriptOf(res))
	}
	want := "Subject: dots\r\n\r\n..\r\n..hidden\r\n...two\r\nbare\r\nlf\r\ncr\r\nlast line\r\n"
	mu.Lock()
	defer mu.Unlock()
	if string(wire) != want {
		t.Errorf("on the wire %q, want %q", wire, want)
	}
	if text := transcriptOf(res); strings.Contains(text, "hidden") || !strings.Contains(text, "C: <57 bytes of message>") {
		t.Errorf("the transcript shows the message, or not its size:\n%s", text)
	}
}

// TestWriteDotStuffed is the stuffing itself, case by case.
func TestWriteDotStuffed(t *testing.T) {
	tests := []struct{ in, want string }{
		{"a\r\n", "a\r\n.\r\n"},
		{"a", "a\r\n.\r\n"},
		{".\r\n", "..\r\n.\r\n"},
		{"a\r\n.\r\nb\r\n", "a\r\n..\r\nb\r\n.\r\n"},
		{"a\n.\nb", "a\r\n..\r\nb\r\n.\r\n"},
		{"a\r.\rb", "a\r\n..\r\nb\r\n.\r\n"},
		{"a\r\n\r\n", "a\r\n\r\n.\r\n"},
		{"x.y\r\n", "x.y\r\n.\r\n"},
	}
	for _, tt := range tests {
		var b bytes.Buffer
		w := bufio.NewWriter(&b)
		if err := writeDotStuffed(w, []byte(tt.in)); err != nil {
			t.Fatal(err)
		}
		_ = w.Flush()
		if b.String() != tt.want {
			t.Errorf("writeDotStuffed(%q) = %q, want %q", tt.in, b.String(), tt.want)
		}
	}
}

// TestEightBitAndUTF8 declares BODY=8BITMIME and SMTPUTF8 when needed and
// offered, and refuses clearly when not offered.
func TestEightBitAndUTF8(t *testing.T) {
	body8 := "Subject: code\r\n\r\nIhr Code lautet 123456. Grüße\r\n"
	header8 := "Subject: Grüße\r\n\r\ncode 123456\r\n"
	tests := []struct {
		name     string
		rcpt     string
		msg      string
		utf8     bool // the server offers SMTPUTF8
		raw      []string
		status   Status
		body     smtp.BodyType
		wantUTF8 bool
		sentinel error
		enhanced string
	}{
		{name: "7-bit", rcpt: "ann@example.test", msg: testMessage, status: StatusAccepted},
		{name: "8-bit body", rcpt: "ann@example.test", msg: body8, status: StatusAccepted, body: smtp.Body8BitMIME},
		{name: "UTF-8 local part", rcpt: "jürgen@example.test", msg: testMessage, utf8: true, status: StatusAccepted, wantUTF8: true},
		{name: "UTF-8 header", rcpt: "ann@example.test", msg: header8, utf8: true, status: StatusAccepted, wantUTF8: true, body: smtp.Body8BitMIME},
		{name: "UTF-8 domain needs no SMTPUTF8", rcpt: "ann@bücher.example", msg: testMessage, status: StatusAccepted},
		{name: "UTF-8 local part, no SMTPUTF8", rcpt: "jürgen@example.test", msg: testMessage, status: StatusError, sentinel: ErrNoSMTPUTF8, enhanced: "5.6.7"},
		{name: "UTF-8 header, no SMTPUTF8", rcpt: "ann@example.test", msg: header8, status: StatusError, sentinel: ErrNoSMTPUTF8, enhanced: "5.6.7"},
		{name: "8-bit body, no 8BITMIME", rcpt: "ann@example.test", msg: body8, raw: []string{"PIPELINING"}, status: StatusError, sentinel: ErrNo8BitMIME, enhanced: "5.6.3"},
		{name: "too large for SIZE", rcpt: "ann@example.test", msg: testMessage, raw: []string{"8BITMIME", "SIZE 100"}, status: StatusRejected, sentinel: ErrMessageTooLarge, enhanced: "5.3.4"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			be := &recordingBackend{}
			addr := startSMTP(t, be, nil, func(s *smtp.Server) { s.EnableSMTPUTF8 = tt.utf8 })
			if tt.raw != nil {
				addr = startScript(t, scriptedMTA(tt.raw, "250 ok", nil))
			}
			res := smarthost(addr.String()).Deliver(testContext(t), testFrom, tt.rcpt, []byte(tt.msg))
			if res.Status != tt.status || tt.sentinel != nil && !errors.Is(res.Err, tt.sentinel) || res.Enhanced != tt.enhanced && tt.sentinel != nil {
				t.Fatalf("got %s %s (%v), want %s %s (%v)\n%s", res.Status, res.Enhanced, res.Err, tt.status, tt.enhanced, tt.sentinel, transcriptOf(res))
			}
			if tt.status != StatusAccepted {
				if strings.Contains(transcriptOf(res), "MAIL FROM") {
					t.Errorf("sent MAIL although the server cannot take the message:\n%s", transcriptOf(res))
				}
				return
			}
			got := be.got()
			if len(got) != 1 || got[0].opts.Body != tt.body || got[0].opts.UTF8 != tt.wantUTF8 || string(got[0].data) != tt.msg {
				t.Fatalf("server received %+v, want BODY=%q SMTPUTF8=%v", got, tt.body, tt.wantUTF8)
			}
		})
	}
}

// TestDeliverInputErrors: input that cannot be sent is refused before any
// connection, with the reason.
func TestDeliverInputErrors(t *testing.T) {
	ok := smarthost("127.0.0.1:1")
	tests := []struct {
		name     string
		d        *Delivery
		from     string
		rcpt     string
		msg      string
		reason   string
		sentinel error
	}{
		{name: "no mode", d: &Delivery{}, rcpt: "a@b.test", msg: testMessage, reason: "mode"},
		{name: "direct without resolver", d: &Delivery{Mode: ModeDirect}, rcpt: "a@b.test", msg: testMessage, reason: "Resolver"},
		{name: "smarthost without address", d: &Delivery{Mode: ModeSmarthost}, rcpt: "a@b.test", msg: testMessage, reason: "Smarthost"},
		{name: "recipient without domain", d: ok, rcpt: "ann", msg: testMessage, reason: "not local-part@domain"},
		{name: "recipient smuggling a command", d: ok, rcpt: "a@b.test>\r\nRCPT TO:<c@d.test", msg: testMessage, reason: "control character"},
		{name: "sender too long", d: ok, from: strings.Repeat("a", 250) + "@b.test", rcpt: "a@b.test", msg: testMessage, reason: "254 octets"},
		{name: "empty message", d: ok, rcpt: "a@b.test", reason: "empty"},
		{name: "NUL in message", d: ok, rcpt: "a@b.test", msg: "Subject: x\r\n\r\na\x00b\r\n", reason: "NUL"},
		{name: "line too long", d: ok, rcpt: "a@b.test", msg: "Subject: x\r\n\r\n" + strings.Repeat("x", 999) + "\r\n", reason: "line 3 is 999 octets"},
		{name: "bad HELO name", d: &Delivery{Mode: ModeSmarthost, Smarthost: "127.0.0.1:1", HeloName: "a b"}, rcpt: "a@b.test", msg: testMessage, reason: "HELO"},
		{name: "smarthost name without resolver", d: smarthost("relay.test:587"), rcpt: "a@b.test", msg: testMessage, reason: "no Resolver"},
		{name: "bad address literal", d: ok, rcpt: "a@[300.1.1.1]", msg: testMessage, reason: "address literal"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := tt.d.Deliver(testContext(t), tt.from, tt.rcpt, []byte(tt.msg))
			if res.Status != StatusError || !errors.Is(res.Err, ErrInvalidDelivery) || !strings.Contains(res.Reason, tt.reason) {
				t.Fatalf("got %s %q (%v), want an invalid-delivery error about %q", res.Status, res.Reason, res.Err, tt.reason)
			}
			if strings.Contains(transcriptOf(res), "connecting") {
				t.Errorf("connected anyway:\n%s", transcriptOf(res))
			}
		})
	}
}

// TestAddressLiteralRecipient delivers to ann@[IP] without DNS.
func TestAddressLiteralRecipient(t *testing.T) {
	be := &recordingBackend{}
	addr := startSMTP(t, be, nil)
	e := newDirectEnv(t)
	d := e.delivery()
	d.Guard.AllowPrivate = true
	d.Guard.Dialer = nil
	d.Port = int(addr.Port())
	res := d.Deliver(testContext(t), testFrom, "ann@[127.0.0.1]", []byte(testMessage))
	if res.Status != StatusAccepted || len(be.got()) != 1 || be.got()[0].rcpt[0] != "ann@[127.0.0.1]" {
		t.Fatalf("got %s (%v), server %+v\n%s", res.Status, res.Err, be.got(), transcriptOf(res))
	}
	if res.MTASTS != nil {
		t.Errorf("an address literal has no MTA-STS policy, got %+v", res.MTASTS)
	}
}
