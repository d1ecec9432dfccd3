package storetest

import (
	"errors"
	"net/netip"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/codeprobe/codeprobe/store"
)

func testSendRoundTrip(t *testing.T, st store.Store, clock *Clock) {
	// A time with nanoseconds and a zone comes back in UTC, to the microsecond.
	created := time.Date(2026, 2, 1, 10, 30, 0, 123456789, time.FixedZone("CET", 3600))
	in := newSend(Token("full"), "ann@example.com", created)
	in.Ordinal = 3
	in.Updated = created.Add(2 * time.Second)
	in.Result = store.SendResult{
		Status: store.SendAccepted, ReplyCode: 250, EnhancedStatus: "2.0.0", QueueID: "4Fx2Lq0abc",
		RemoteHost: "mx1.example.com", RemoteIP: netip.MustParseAddr("2001:db8::25"),
		Transcript: "S: 220 mx1 ESMTP\r\nC: EHLO probe\r\n… ünïcode", Duration: 1234567891 * time.Nanosecond,
	}
	mustPutSend(t, st, in)
	got, err := st.Send(ctx(t), in.Token)
	if err != nil {
		t.Fatal(err)
	}
	want := *in
	want.Created = created.Truncate(time.Microsecond).UTC()
	want.Updated = in.Updated.Truncate(time.Microsecond).UTC()
	if !reflect.DeepEqual(*got, want) {
		t.Errorf("Send round trip:\n got %+v\nwant %+v", *got, want)
	}

	// Zero times take the store's clock; a send without a result has an
	// empty status.
	bare := &store.Send{Token: Token("bare"), Recipient: "bob@example.org"}
	mustPutSend(t, st, bare)
	got, err = st.Send(ctx(t), bare.Token)
	if err != nil {
		t.Fatal(err)
	}
	if !got.Created.Equal(clock.Now()) || !got.Updated.Equal(clock.Now()) || got.Result.Status != "" {
		t.Errorf("bare send: created %v updated %v status %q, want the clock's %v and no status",
			got.Created, got.Updated, got.Result.Status, clock.Now())
	}
	if got.Result.RemoteIP.IsValid() {
		t.Errorf("bare send: remote IP %v, want none", got.Result.RemoteIP)
	}
}

func testSendInvalid(t *testing.T, st store.Store, _ *Clock) {
	for _, tc := range []struct {
		name   string
		mutate func(*store.Send)
	}{
		{"token too short", func(s *store.Send) { s.Token = s.Token[:19] }},
		{"token upper case", func(s *store.Send) { s.Token = strings.ToUpper(s.Token) }},
		{"token with 1 and 8", func(s *store.Send) { s.Token = "18" + s.Token[2:] }},
		{"token padded", func(s *store.Send) { s.Token = s.Token[:19] + "=" }},
		{"no recipient", func(s *store.Send) { s.Recipient = "" }},
		{"recipient not UTF-8", func(s *store.Send) { s.Recipient = "ann\xff@example.com" }},
		{"NUL in transcript", func(s *store.Send) { s.Result = store.SendResult{Status: store.SendError, Transcript: "a\x00b"} }},
		{"unknown status", func(s *store.Send) { s.Result.Status = "bounced" }},
		{"result without status", func(s *store.Send) { s.Result.ReplyCode = 250 }},
		{"reply code 99", func(s *store.Send) { s.Result = store.SendResult{Status: store.SendError, ReplyCode: 99} }},
		{"negative duration", func(s *store.Send) { s.Result = store.SendResult{Status: store.SendError, Duration: -1} }},
		{"negative ordinal", func(s *store.Send) { s.Ordinal = -1 }},
		{"year 10000", func(s *store.Send) { s.Created = time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC) }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := newSend(Token(tc.name), "ann@example.com", at(0))
			tc.mutate(s)
			if err := st.PutSend(ctx(t), s); !errors.Is(err, store.ErrInvalid) {
				t.Fatalf("PutSend = %v, want ErrInvalid", err)
			}
			if _, err := st.Send(ctx(t), s.Token); !errors.Is(err, store.ErrNotFound) {
				t.Errorf("after a refused PutSend, Send = %v, want ErrNotFound", err)
			}
		})
	}
	if err := st.PutSend(ctx(t), nil); !errors.Is(err, store.ErrInvalid) {
		t.Errorf("PutSend(nil) = %v, want ErrInvalid", err)
	}
}

func testSendDuplicateAndMissing(t *testing.T, st store.Store, _ *Clock) {
	first := newSend(Token("dup"), "ann@example.com", at(0))
	mustPutSend(t, st, first)
	second := newSend(Token("dup"), "eve@example.com", at(1))
	if err := st.PutSend(ctx(t), second); !errors.Is(err, store.ErrExists) {
		t.Fatalf("second PutSend = %v, want ErrExists", err)
	}
	got, err := st.Send(ctx(t), first.Token)
	if err != nil || got.Recipient != "ann@example.com" {
		t.Errorf("after a duplicate, Send = %+v, %v; want the first send kept", got, err)
	}
	if _, err := st.Send(ctx(t), Token("never")); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("Send(unknown) = %v, want ErrNotFound", err)
	}
}

func testUpdateSendResult(t *testing.T, st store.Store, clock *Clock) {
	s := newSend(Token("upd"), "ann@example.com", at(0))
	mustPutSend(t, st, s)
	deferred := store.SendResult{Status: store.SendDeferred, ReplyCode: 451, EnhancedStatus: "4.7.1",
		RemoteHost: "mx.example.com", RemoteIP: netip.MustParseAddr("192.0.2.7"), Transcript: "451 greylisted", Duration: time.Second}
	t1 := clock.Advance(time.Minute)
	if err := st.UpdateSendResult(ctx(t), s.Token, deferred); err != nil {
		t.Fatal(err)
	}
	accepted := store.SendResult{Status: store.SendAccepted, ReplyCode: 250, QueueID: "Q1", Duration: 2 * time.Second}
	t2 := clock.Advance(time.Minute)
	if err := st.UpdateSendResult(ctx(t), s.Token, accepted); err != nil {
		t.Fatal(err)
	}
	got, err := st.Send(ctx(t), s.Token)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got.Result, accepted) {
		t.Errorf("Result = %+v, want the latest %+v", got.Result, accepted)
	}
	if !got.Updated.Equal(t2) || got.Updated.Equal(t1) || !got.Created.Equal(at(0)) {
		t.Errorf("Created %v Updated %v, want %v and %v", got.Created, got.Updated, at(0), t2)
	}
	if err := st.UpdateSendResult(ctx(t), Token("nobody"), accepted); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("UpdateSendResult(unknown) = %v, want ErrNotFound", err)
	}
	if err := st.UpdateSendResult(ctx(t), s.Token, store.SendResult{}); !errors.Is(err, store.ErrInvalid) {
		t.Errorf("UpdateSendResult(no status) = %v, want ErrInvalid", err)
	}
	if err := st.UpdateSendResult(ctx(t), "short", accepted); !errors.Is(err, store.ErrInvalid) {
		t.Errorf("UpdateSendResult(bad token) = %v, want ErrInvalid", err)
	}
}

func testSendsByAddress(t *testing.T, st store.Store, _ *Clock) {
	// Put out of order; two at the same time are ordered by token.
	for i, m := range []int{5, 1, 9, 3, 3} {
		mustPutSend(t, st, newSend(TokenN(100+i), "ann@example.com", at(m)))
	}
	mustPutSend(t, st, newSend(Token("other"), "Ann@example.com", at(20)))
	got, err := st.SendsByAddress(ctx(t), "ann@example.com", 0)
	if err != nil {
		t.Fatal(err)
	}
	var times []int
	for _, s := range got {
		times = append(times, int(s.Created.Sub(at(0))/time.Minute))
	}
	if !reflect.DeepEqual(times, []int{9, 5, 3, 3, 1}) {
		t.Fatalf("SendsByAddress minutes = %v, want [9 5 3 3 1] (newest first, exact address)", times)
	}
	if got[2].Token < got[3].Token {
		t.Errorf("sends at the same time: %s before %s, want the larger token first", got[2].Token, got[3].Token)
	}
	limited, err := st.SendsByAddress(ctx(t), "ann@example.com", 2)
	if err != nil || len(limited) != 2 || limited[0].Token != got[0].Token {
		t.Errorf("SendsByAddress(limit 2) = %d sends, %v", len(limited), err)
	}
	none, err := st.SendsByAddress(ctx(t), "nobody@example.com", 0)
	if err != nil || len(none) != 0 {
		t.Errorf("SendsByAddress(unknown) = %v, %v; want none", none, err)
	}
}
