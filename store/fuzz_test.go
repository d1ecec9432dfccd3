package store_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"slices"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/codeprobe/codeprobe/store"
)

// storable is the store's rule for text: valid UTF-8 without NUL.
func storable(s string) bool { return utf8.ValidString(s) && !strings.Contains(s, "\x00") }

// FuzzReturnRoundTrip stores what a hostile SMTP client controls (the
// envelope, HELO, the message) and what the classifier derives from it
// (JSON evidence), and checks that the store either refuses it with
// ErrInvalid, exactly when it breaks the store's rules, or gives it back
// byte for byte.
func FuzzReturnRoundTrip(f *testing.F) {
	f.Add("", "mx.example.net", "bounce+abcdefghij234567abcd@sink.example", "abcdefghij234567abcd",
		[]byte("Subject: x\r\n\r\nbody"), []byte(`{"a":1}`))
	f.Add("<>", "[192.0.2.1]", "ünï@exämple.de", "", []byte{0, 0xff, 0xfe}, []byte(`[1, 2 ,"\u00e9"]`))
	f.Add("a\x00b", "\xff", "x", "ABCDEFGHIJ234567ABCD", []byte(nil), []byte("{"))
	f.Add("x", "y", "z", "abcdefghij234567abc", []byte("r"), []byte("\"\xc3\x28\""))
	st := openFile(f, ":memory:", nil)
	f.Fuzz(func(t *testing.T, mailFrom, helo, rcpt, token string, raw, evidence []byte) {
		ctx := t.Context()
		in := &store.Return{MailFrom: mailFrom, HELO: helo, Recipients: []string{rcpt}, Token: token, Raw: raw}
		valid := storable(mailFrom) && storable(helo) && storable(rcpt) && (token == "" || store.ValidToken(token))
		id, err := st.PutReturn(ctx, in)
		if !valid {
			if !errors.Is(err, store.ErrInvalid) {
				t.Fatalf("PutReturn(%+v) = %v, want ErrInvalid", in, err)
			}
			return
		}
		if err != nil {
			t.Fatalf("PutReturn(%+v): %v", in, err)
		}
		got, err := st.Return(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		if got.MailFrom != mailFrom || got.HELO != helo || !slices.Equal(got.Recipients, []string{rcpt}) ||
			got.Token != token || !bytes.Equal(got.Raw, raw) || got.Raw == nil || got.Size != int64(len(raw)) {
			t.Fatalf("round trip of %+v gave %+v", in, got)
		}

		if len(evidence) == 0 {
			evidence = nil
		}
		cl := store.Classification{Kind: "bounce", Evidence: evidence}
		err = st.SetClassification(ctx, id, cl)
		if evidence != nil && (!json.Valid(evidence) || !storable(string(evidence))) {
			if !errors.Is(err, store.ErrInvalid) {
				t.Fatalf("SetClassification(evidence %q) = %v, want ErrInvalid", evidence, err)
			}
			return
		}
		if err != nil {
			t.Fatalf("SetClassification(evidence %q): %v", evidence, err)
		}
		got, err = st.Return(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got.Classification.Evidence, evidence) || (evidence == nil) != (got.Classification.Evidence == nil) {
			t.Fatalf("evidence %q came back as %q", evidence, got.Classification.Evidence)
		}
	})
}
