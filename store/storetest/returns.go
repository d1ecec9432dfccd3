package storetest

import (
	"bytes"
	"encoding/json"
	"errors"
	"net/netip"
	"reflect"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/codeprobe/codeprobe/store"
)

func testReturnRoundTrip(t *testing.T, st store.Store, clock *Clock) {
	raw := []byte("Return-Path: <>\r\nSubject: Undelivered Mail\r\n\r\n\x00\xff binary body\r\n")
	in := &store.Return{
		Received:   time.Date(2026, 2, 1, 10, 0, 0, 999999999, time.UTC),
		MailFrom:   "",
		Recipients: []string{"bounce+" + Token("r") + "@sink.example", "second@sink.example"},
		RemoteIP:   netip.MustParseAddr("198.51.100.9"),
		HELO:       "mx.example.net",
		Size:       4242,
		Raw:        raw,
		Token:      Token("r"),
		// Ignored by PutReturn.
		Classification: store.Classification{Kind: "bounce"},
	}
	id := mustPutReturn(t, st, in)
	if id <= 0 {
		t.Fatalf("PutReturn ID %d, want positive", id)
	}
	got, err := st.Return(ctx(t), id)
	if err != nil {
		t.Fatal(err)
	}
	want := *in
	want.ID = id
	want.Received = in.Received.Truncate(time.Microsecond)
	want.Classification = store.Classification{}
	if !reflect.DeepEqual(*got, want) {
		t.Errorf("Return round trip:\n got %+v\nwant %+v", *got, want)
	}

	// Defaults: the clock's time, the raw size, no token; an empty message
	// is kept as empty, not as purged.
	bare := mustPutReturn(t, st, &store.Return{Raw: []byte("12345")})
	empty := mustPutReturn(t, st, &store.Return{})
	if bare <= id || empty <= bare {
		t.Errorf("IDs %d, %d, %d do not increase", id, bare, empty)
	}
	got, err = st.Return(ctx(t), bare)
	if err != nil {
		t.Fatal(err)
	}
	if got.Size != 5 || got.Token != "" || !got.Received.Equal(clock.Now()) || got.Recipients != nil {
		t.Errorf("bare return = %+v; want size 5, no token, received at the clock's %v", got, clock.Now())
	}
	got, err = st.Return(ctx(t), empty)
	if err != nil {
		t.Fatal(err)
	}
	if got.Raw == nil || len(got.Raw) != 0 || !got.Purged.IsZero() {
		t.Errorf("empty message: Raw %v Purged %v, want empty and not purged", got.Raw, got.Purged)
	}
	if _, err := st.Return(ctx(t), empty+1000); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("Return(unknown) = %v, want ErrNotFound", err)
	}
	// A large message survives byte for byte.
	big := bytes.Repeat([]byte("0123456789abcdef\r\n"), (10<<20)/18)
	bigID := mustPutReturn(t, st, &store.Return{Raw: big})
	got, err = st.Return(ctx(t), bigID)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got.Raw, big) || got.Size != int64(len(big)) {
		t.Errorf("%d-byte message came back as %d bytes (size %d)", len(big), len(got.Raw), got.Size)
	}
}

func testReturnInvalid(t *testing.T, st store.Store, _ *Clock) {
	for _, tc := range []struct {
		name string
		r    *store.Return
	}{
		{"nil", nil},
		{"bad token", &store.Return{Token: "not-a-token"}},
		{"HELO not UTF-8", &store.Return{HELO: "\xc0\xaf"}},
		{"NUL in sender", &store.Return{MailFrom: "a\x00@b"}},
		{"recipient not UTF-8", &store.Return{Recipients: []string{"ok@x", "\xff"}}},
		{"negative size", &store.Return{Size: -1}},
	} {
		if _, err := st.PutReturn(ctx(t), tc.r); !errors.Is(err, store.ErrInvalid) {
			t.Errorf("%s: PutReturn = %v, want ErrInvalid", tc.name, err)
		}
	}
}

func testClassification(t *testing.T, st store.Store, clock *Clock) {
	id := mustPutReturn(t, st, newReturn(Token("c"), at(0), "bounce"))
	// JSON is kept byte for byte: spacing and key order included.
	c := store.Classification{
		Kind: "bounce", Reason: "userunknown", Status: "5.1.1", System: "mx.example.com",
		Diagnostic: "550 5.1.1 <ann@example.com>: user unknown",
		Recipients: json.RawMessage(`[{"rcpt":"ann@example.com",  "status":"5.1.1", "action":"failed"}]`),
		Evidence:   json.RawMessage(`{"z":1,"a":[true,null]}`),
	}
	classified := clock.Advance(time.Hour)
	if err := st.SetClassification(ctx(t), id, c); err != nil {
		t.Fatal(err)
	}
	got, err := st.Return(ctx(t), id)
	if err != nil {
		t.Fatal(err)
	}
	want := c
	want.Classified = classified
	if !reflect.DeepEqual(got.Classification, want) {
		t.Errorf("Classification:\n got %+v\nwant %+v", got.Classification, want)
	}
	if string(got.Raw) != "bounce" {
		t.Errorf("classifying changed the raw message to %q", got.Raw)
	}
	// A second classification replaces the first; nil JSON stays nil.
	second := store.Classification{Kind: "autoreply"}
	if err := st.SetClassification(ctx(t), id, second); err != nil {
		t.Fatal(err)
	}
	got, _ = st.Return(ctx(t), id)
	if got.Classification.Kind != "autoreply" || got.Classification.Recipients != nil || got.Classification.Evidence != nil {
		t.Errorf("reclassified = %+v, want autoreply without JSON", got.Classification)
	}
	if err := st.SetClassification(ctx(t), id+1, second); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("SetClassification(unknown) = %v, want ErrNotFound", err)
	}
	for _, bad := range []json.RawMessage{json.RawMessage(`{"a":`), json.RawMessage{}, json.RawMessage("\"\xff\"")} {
		if err := st.SetClassification(ctx(t), id, store.Classification{Kind: "bounce", Evidence: bad}); !errors.Is(err, store.ErrInvalid) {
			t.Errorf("SetClassification(evidence %q) = %v, want ErrInvalid", bad, err)
		}
	}
}

func testReturnsByToken(t *testing.T, st store.Store, _ *Clock) {
	tok := Token("many")
	// 105 returns, concurrently: the default limit keeps the newest 100.
	var wg sync.WaitGroup
	for i := range 105 {
		wg.Go(func() {
			if _, err := st.PutReturn(ctx(t), newReturn(tok, at(i), "m")); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	mustPutReturn(t, st, newReturn(Token("other"), at(500), "x"))
	got, err := st.ReturnsByToken(ctx(t), tok, 0)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != store.DefaultLimit {
		t.Fatalf("ReturnsByToken(limit 0) = %d returns, want %d", len(got), store.DefaultLimit)
	}
	for i, r := range got {
		if !r.Received.Equal(at(104 - i)) {
			t.Fatalf("return %d received %v, want %v (newest first)", i, r.Received, at(104-i))
		}
		if r.Raw != nil || r.Token != tok || r.Size != 1 {
			t.Fatalf("listed return %+v: want no Raw, token %s, size 1", r, tok)
		}
	}
	three, err := st.ReturnsByToken(ctx(t), tok, 3)
	if err != nil || len(three) != 3 {
		t.Errorf("ReturnsByToken(limit 3) = %d, %v", len(three), err)
	}
}

func testPurgeRaw(t *testing.T, st store.Store, clock *Clock) {
	old := mustPutReturn(t, st, newReturn(Token("p"), at(0), "old message"))
	edge := mustPutReturn(t, st, newReturn(Token("p"), at(10), "edge message"))
	fresh := mustPutReturn(t, st, newReturn(Token("p"), at(20), "fresh message"))
	c := store.Classification{Kind: "bounce", Reason: "mailboxfull", Evidence: json.RawMessage(`{"k":"v"}`)}
	if err := st.SetClassification(ctx(t), old, c); err != nil {
		t.Fatal(err)
	}
	purgedAt := clock.Advance(24 * time.Hour)
	n, err := st.PurgeRaw(ctx(t), at(10)) // strictly before: edge is kept
	if err != nil || n != 1 {
		t.Fatalf("PurgeRaw = %d, %v; want 1", n, err)
	}
	got, err := st.Return(ctx(t), old)
	if err != nil {
		t.Fatal(err)
	}
	if got.Raw != nil || !got.Purged.Equal(purgedAt) {
		t.Errorf("purged return: Raw %q Purged %v, want nil and %v", got.Raw, got.Purged, purgedAt)
	}
	if got.Size != int64(len("old message")) || got.Token != Token("p") || got.Classification.Reason != "mailboxfull" ||
		string(got.Classification.Evidence) != `{"k":"v"}` {
		t.Errorf("purged return lost its metadata: %+v", got)
	}
	for id, raw := range map[int64]string{edge: "edge message", fresh: "fresh message"} {
		if got, err := st.Return(ctx(t), id); err != nil || string(got.Raw) != raw || !got.Purged.IsZero() {
			t.Errorf("return %d after purge: %+v, %v; want raw %q kept", id, got, err, raw)
		}
	}
	if n, err := st.PurgeRaw(ctx(t), at(10)); err != nil || n != 0 {
		t.Errorf("second PurgeRaw = %d, %v; want 0", n, err)
	}
	if n, err := st.PurgeRaw(ctx(t), at(30)); err != nil || n != 2 {
		t.Errorf("PurgeRaw(later) = %d, %v; want 2", n, err)
	}
}

func testUnclassifiedReturns(t *testing.T, st store.Store, _ *Clock) {
	var ids []int64
	for i := range 5 {
		ids = append(ids, mustPutReturn(t, st, newReturn(Token("u"), at(10-i), "message")))
	}
	for _, i := range []int{1, 3} {
		if err := st.SetClassification(ctx(t), ids[i], store.Classification{Kind: "autoreply"}); err != nil {
			t.Fatal(err)
		}
	}
	list := func(after int64, limit int) []int64 {
		t.Helper()
		rs, err := st.UnclassifiedReturns(ctx(t), after, limit)
		if err != nil {
			t.Fatal(err)
		}
		var got []int64
		for _, r := range rs {
			if r.Raw != nil || r.Classification.Kind != "" {
				t.Errorf("unclassified return %+v: want no Raw and no Kind", r)
			}
			got = append(got, r.ID)
		}
		return got
	}
	// Oldest ID first, whatever the received times.
	if got, want := list(0, 0), []int64{ids[0], ids[2], ids[4]}; !slices.Equal(got, want) {
		t.Errorf("UnclassifiedReturns(0) = %v, want %v", got, want)
	}
	if got, want := list(ids[0], 1), []int64{ids[2]}; !slices.Equal(got, want) {
		t.Errorf("UnclassifiedReturns(after %d, limit 1) = %v, want %v", ids[0], got, want)
	}
	if got := list(ids[4], 0); len(got) != 0 {
		t.Errorf("UnclassifiedReturns(after the last) = %v, want none", got)
	}
}
