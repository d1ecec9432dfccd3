package testcode

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"testing"
	"time"
)

func TestCheckVerdicts(t *testing.T) {
	clock := newStepClock()
	iss := &Issuer{Store: &MemoryCodeStore{}, Now: clock.Now, MaxAttempts: 1000}
	ctx := context.Background()
	codes := rfcSession(t, iss, clock, "mine", "ann@example.com", 4) // newest is 338314
	other := fixedSession(t, iss, clock, "theirs", "ann@example.com", secretB, 1)[0]
	stranger := fixedSession(t, iss, clock, "elsewhere", "bob@example.com", secretC, 1)[0]
	tests := []struct {
		typed   string
		kind    Kind
		ordinal int
		misses  []Difference
		detail  string
	}{
		{"338314", KindOK, 4, nil, "right code"},
		{"287082", KindEarlier, 1, nil, "You typed code 1 of 4 — only the latest works; delete the older emails"},
		{"969429", KindEarlier, 3, nil, "code 3 of 4"},
		{" 359152 ", KindEarlier, 2, nil, "code 2 of 4"},
		{"338315", KindNearMiss, 4, []Difference{{MissWrongDigit, 6}}, "the 6th digit is wrong"},
		{"383314", KindNearMiss, 4, []Difference{{MissSwapped, 2}}, "the 2nd and 3rd digits are swapped"},
		{"38314", KindNearMiss, 4, []Difference{{MissMissing, 0}}, "one digit is missing"},
		{"3388314", KindNearMiss, 4, []Difference{{MissDoubled, 3}}, "you typed the 3rd digit twice"},
		{"3383314", KindNearMiss, 4, []Difference{{MissDoubled, 4}}, "you typed the 4th digit twice"},
		{"3338314", KindNearMiss, 4, []Difference{{MissDoubled, 2}}, "you typed the 2nd digit twice"},
		{"3380314", KindNearMiss, 4, []Difference{{MissExtra, 0}}, "one digit too many"},
		{" 338314\t", KindNearMiss, 4, []Difference{{MissSpaces, 0}}, "right digits of the latest code, but with spaces before or after it"},
		{"G-338314", KindNearMiss, 4, []Difference{{MissPrefix, 0}}, "with letters in front of it"},
		{"code: 338314", KindNearMiss, 4, []Difference{{MissPrefix, 0}}, "letters in front"},
		{"338 314", KindNearMiss, 4, []Difference{{MissSeparators, 0}}, "spaces, dashes or dots"},
		{"338-314", KindNearMiss, 4, []Difference{{MissSeparators, 0}}, "spaces, dashes or dots"},
		{"3383l4", KindNearMiss, 4, []Difference{{MissLetters, 0}}, "the letter O or I"},
		{"３３８３１４", KindNearMiss, 4, []Difference{{MissWideDigits, 0}}, "another keyboard layout"},
		{"G-338 315", KindNearMiss, 4, []Difference{{MissPrefix, 0}, {MissSeparators, 0}, {MissWrongDigit, 6}}, "nearly typed"},
		{other.Value, KindOtherSession, 1, nil, "another sign-in attempt"},
		{stranger.Value, KindUnknown, 0, nil, "not a code we sent you"},
		{"123456", KindUnknown, 0, nil, "not a code we sent you"},
		{"", KindUnknown, 0, nil, "did not type a code"},
		{"   ", KindUnknown, 0, nil, "did not type a code"},
		{"338314; DROP", KindUnknown, 0, nil, "digits only"},
		{strings.Repeat("3", 100), KindUnknown, 0, nil, "digits only"},
	}
	for _, tc := range tests {
		t.Run(tc.typed, func(t *testing.T) {
			v, err := iss.Check(ctx, "mine", "ann@example.com", tc.typed)
			if err != nil {
				t.Fatal(err)
			}
			if v.Kind != tc.kind || v.Ordinal != tc.ordinal {
				t.Fatalf("Check(%q) = %s %d of %d (%s), want %s %d", tc.typed, v.Kind, v.Ordinal, v.Of, v.Detail, tc.kind, tc.ordinal)
			}
			if fmt.Sprint(v.Misses) != fmt.Sprint(tc.misses) {
				t.Errorf("Check(%q) misses = %v, want %v", tc.typed, v.Misses, tc.misses)
			}
			if !strings.Contains(v.Detail, tc.detail) {
				t.Errorf("Check(%q) detail = %q, want it to say %q", tc.typed, v.Detail, tc.detail)
			}
			for _, c := range append(codes, other, stranger) {
				if strings.Contains(v.Detail, c.Value) {
					t.Errorf("detail %q reveals a code", v.Detail)
				}
			}
		})
	}
}

func TestCheckEarlierNamesNewest(t *testing.T) {
	clock := newStepClock()
	iss := &Issuer{Store: &MemoryCodeStore{}, Now: clock.Now}
	rfcSession(t, iss, clock, "s", "ann@example.com", 3) // issued 14:00, 14:01, 14:02
	v, err := iss.Check(context.Background(), "s", "ann@example.com", rfcCodes[1])
	if err != nil {
		t.Fatal(err)
	}
	if v.Kind != KindEarlier || v.Of != 3 || !strings.Contains(v.Detail, "sent at 14:02 UTC") ||
		!v.IssuedAt.Equal(time.Date(2026, 3, 2, 14, 1, 0, 0, time.UTC)) {
		t.Errorf("verdict %+v", v)
	}
}

func TestCheckExpiry(t *testing.T) {
	clock := newStepClock()
	iss := &Issuer{Store: &MemoryCodeStore{}, Now: clock.Now, TTL: 10 * time.Minute}
	ctx := context.Background()
	c := rfcSession(t, iss, clock, "s", "ann@example.com", 1)[0] // clock is now 14:01
	tests := []struct {
		at      time.Time
		kind    Kind
		expired time.Duration
		detail  string
	}{
		{c.ExpiresAt.Add(-time.Nanosecond), KindOK, 0, "still works"},
		{c.ExpiresAt, KindExpired, 0, "expired less than a second ago: codes work for 10 minutes"},
		{c.ExpiresAt.Add(4*time.Minute + 30*time.Second), KindExpired, 4*time.Minute + 30*time.Second, "expired 4 minutes ago"},
		{c.ExpiresAt.Add(2*time.Hour + 5*time.Minute), KindExpired, 2*time.Hour + 5*time.Minute, "expired 2 hours 5 minutes ago"},
	}
	for _, tc := range tests {
		clock.Advance(tc.at.Sub(clock.Now()))
		v, err := iss.Check(ctx, "s", "ann@example.com", c.Value)
		if err != nil {
			t.Fatal(err)
		}
		if v.Kind != tc.kind || v.ExpiredFor != tc.expired || v.Expired != (tc.kind == KindExpired) {
			t.Errorf("at %v: %s, expired for %v; want %s, %v", tc.at, v.Kind, v.ExpiredFor, tc.kind, tc.expired)
		}
		if !strings.Contains(v.Detail, tc.detail) {
			t.Errorf("at %v: detail %q, want %q", tc.at, v.Detail, tc.detail)
		}
	}
	// A near miss of an expired code says both.
	v, _ := iss.Check(ctx, "s", "ann@example.com", "287083")
	if v.Kind != KindNearMiss || !v.Expired || !strings.Contains(v.Detail, "also expired (2 hours 5 minutes ago)") {
		t.Errorf("near miss of expired code: %+v", v)
	}
}

func TestCheckAttempts(t *testing.T) {
	clock := newStepClock()
	iss := &Issuer{Store: &MemoryCodeStore{}, Now: clock.Now, MaxAttempts: 3}
	ctx := context.Background()
	c := rfcSession(t, iss, clock, "s", "ann@example.com", 1)[0]
	for k := 1; k <= 3; k++ {
		v, err := iss.Check(ctx, "s", "ann@example.com", "000000")
		if err != nil || v.Kind != KindUnknown || v.Attempts != k {
			t.Fatalf("attempt %d: %+v, %v", k, v, err)
		}
	}
	// Empty input does not count; the fourth real try is refused even
	// though it is right.
	if v, _ := iss.Check(ctx, "s", "ann@example.com", " "); v.Kind != KindUnknown || v.Attempts != 0 {
		t.Errorf("empty input: %+v", v)
	}
	v, _ := iss.Check(ctx, "s", "ann@example.com", c.Value)
	if v.Kind != KindTooManyAttempts || !strings.Contains(v.Detail, "tried 4 times") {
		t.Errorf("fourth attempt: %+v", v)
	}
	// A new code starts afresh; the old one is now merely earlier.
	c2, err := iss.Issue(ctx, "s", "ann@example.com")
	if err != nil {
		t.Fatal(err)
	}
	if v, _ := iss.Check(ctx, "s", "ann@example.com", c.Value); v.Kind != KindEarlier {
		t.Errorf("old code after a new one: %s", v.Kind)
	}
	if v, _ := iss.Check(ctx, "s", "ann@example.com", c2.Value); v.Kind != KindOK || v.Attempts != 2 {
		t.Errorf("new code: %s after %d attempts", v.Kind, v.Attempts)
	}
}

func TestCheckSessions(t *testing.T) {
	clock := newStepClock()
	iss := &Issuer{Store: &MemoryCodeStore{}, Now: clock.Now, Lookback: time.Hour}
	ctx := context.Background()
	old := fixedSession(t, iss, clock, "old", "ann@example.com", secretB, 1)[0]
	clock.Advance(29 * time.Minute)
	mine := fixedSession(t, iss, clock, "mine", "ANN@example.com", rfcSecret, 1)[0]
	// Addresses are compared in canonical form.
	if v, _ := iss.Check(ctx, "mine", "ann@EXAMPLE.com", mine.Value); v.Kind != KindOK {
		t.Errorf("own code under another spelling: %s", v.Kind)
	}
	// A session that has sent nothing still recognises other sessions'.
	v, _ := iss.Check(ctx, "fresh", "ann@example.com", old.Value)
	if v.Kind != KindOtherSession || v.Ordinal != 1 || v.Of != 1 || !strings.Contains(v.Detail, "at 14:00 UTC") {
		t.Errorf("other session's code in a fresh session: %+v", v)
	}
	if v, _ := iss.Check(ctx, "fresh", "ann@example.com", "12345"); !strings.Contains(v.Detail, "not sent you a code") {
		t.Errorf("fresh session: %q", v.Detail)
	}
	// Past the lookback window the other session is forgotten.
	clock.Advance(31 * time.Minute)
	if v, _ := iss.Check(ctx, "mine", "ann@example.com", old.Value); v.Kind != KindUnknown {
		t.Errorf("code of a session older than the lookback: %s", v.Kind)
	}
}

func TestCheckErrors(t *testing.T) {
	ctx := context.Background()
	iss := &Issuer{Store: &MemoryCodeStore{}}
	if _, err := iss.Check(ctx, "", "a@example.com", "1"); !errors.Is(err, ErrSessionID) {
		t.Errorf("empty session: %v", err)
	}
	if _, err := iss.Check(ctx, "s", "a@", "1"); !errors.Is(err, ErrAddress) {
		t.Errorf("bad address: %v", err)
	}
	if _, err := (&Issuer{}).Check(ctx, "s", "a@example.com", "1"); !errors.Is(err, ErrNoStore) {
		t.Errorf("no store: %v", err)
	}
	cancelled, cancel := context.WithCancel(ctx)
	cancel()
	if _, err := iss.Check(cancelled, "s", "a@example.com", "123456"); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled context: %v", err)
	}
}

func TestCodesNeverLogged(t *testing.T) {
	var logs bytes.Buffer
	noTime := &slog.HandlerOptions{ReplaceAttr: func(_ []string, a slog.Attr) slog.Attr {
		if a.Key == slog.TimeKey {
			return slog.Attr{}
		}
		return a
	}}
	clock := newStepClock()
	iss := &Issuer{Store: &MemoryCodeStore{}, Now: clock.Now, Logger: slog.New(slog.NewJSONHandler(&logs, noTime))}
	ctx := context.Background()
	const cookie = "session-cookie-0f3a9c"
	c := fixedSession(t, iss, clock, cookie, "secret.person@example.com", secretB, 1)[0]
	for _, typed := range []string{c.Value, "G-" + c.Value, "000000"} {
		if _, err := iss.Check(ctx, cookie, "secret.person@example.com", typed); err != nil {
			t.Fatal(err)
		}
	}
	sess, err := iss.Store.Session(ctx, cookie, "secret.person@example.com")
	if err != nil {
		t.Fatal(err)
	}
	for _, h := range []slog.Handler{slog.NewTextHandler(&logs, noTime), slog.NewJSONHandler(&logs, noTime)} {
		slog.New(h).Info("values", "code", c, "session", sess)
	}
	fmt.Fprintf(&logs, "%v %+v %#v %s\n", c, c, c, c)
	fmt.Fprintf(&logs, "%v %+v %#v %s\n", sess, sess, sess, sess)
	out := logs.String()
	for _, secret := range []string{c.Value, "secret.person", cookie, string(secretB), "QUJD" /* base64 of the secret */} {
		if strings.Contains(out, secret) {
			t.Errorf("logs reveal %q:\n%s", secret, out)
		}
	}
	if !strings.Contains(out, `"msg":"code issued"`) || !strings.Contains(out, `"verdict":"near-miss"`) || !strings.Contains(out, c.Token) {
		t.Errorf("logs miss the events:\n%s", out)
	}
}

// TestCheckRecordsAttempts: every check in a session the store holds is
// recorded once, with what was typed and the verdict; a check in a session
// without codes is not.
func TestCheckRecordsAttempts(t *testing.T) {
	clock := newStepClock()
	mem := &MemoryCodeStore{}
	iss := &Issuer{Store: mem, Now: clock.Now, MaxAttempts: 3}
	ctx := context.Background()
	codes := rfcSession(t, iss, clock, "s", "Ann@Example.com", 2)
	other := fixedSession(t, iss, clock, "other", "ann@example.com", secretB, 1)[0]
	const ann = "ann@example.com"
	checks := []struct {
		typed string
		want  CodeAttempt
	}{
		{codes[1].Value, CodeAttempt{Typed: codes[1].Value, Kind: KindOK, Token: codes[1].Token, Ordinal: 2}},
		{" G-" + codes[0].Value + "\t", CodeAttempt{Typed: "G-" + codes[0].Value, Kind: KindEarlier, Token: codes[0].Token, Ordinal: 1}},
		{other.Value, CodeAttempt{Typed: other.Value, Kind: KindOtherSession, Token: other.Token, Ordinal: 1}},
		{"", CodeAttempt{Typed: "", Kind: KindUnknown}},
		{"12\x0034\xff", CodeAttempt{Typed: "12\uFFFD34\uFFFD", Kind: KindUnknown}},
		{codes[1].Value, CodeAttempt{Typed: codes[1].Value, Kind: KindTooManyAttempts, Token: codes[1].Token, Ordinal: 2}},
	}
	var want []CodeAttempt
	for _, c := range checks {
		clock.Advance(time.Second)
		if _, err := iss.Check(ctx, "s", "ANN@example.com", c.typed); err != nil {
			t.Fatal(err)
		}
		c.want.SessionID, c.want.Address, c.want.At = "s", ann, clock.Now()
		want = append(want, c.want)
	}
	if got := mem.Attempts("s", ann); fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("attempts:\n got %+v\nwant %+v", got, want)
	}
	if _, err := iss.Check(ctx, "fresh", ann, codes[1].Value); err != nil {
		t.Fatal(err)
	}
	if got := mem.Attempts("fresh", ann); len(got) != 0 {
		t.Errorf("a session with no codes recorded %+v", got)
	}
	if got := mem.Attempts("other", ann); len(got) != 0 {
		t.Errorf("the other session recorded %+v; the attempt belongs to the session it was typed in", got)
	}
}

func TestMemoryAttemptsBoundedAndPruned(t *testing.T) {
	ctx := context.Background()
	mem := &MemoryCodeStore{}
	t0 := time.Date(2026, 3, 2, 14, 0, 0, 0, time.UTC)
	for _, id := range []string{"old", "new"} {
		if _, err := mem.OpenSession(ctx, Session{ID: id, Address: "a@x", Secret: []byte("k"), Digits: 6, CreatedAt: t0}); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := mem.AppendIssue(ctx, "new", "a@x", Issue{IssuedAt: t0.Add(time.Hour)}, 10); err != nil {
		t.Fatal(err)
	}
	for k := range maxMemoryAttempts + 5 {
		for _, id := range []string{"old", "new"} {
			if err := mem.RecordAttempt(ctx, CodeAttempt{SessionID: id, Address: "a@x", Typed: fmt.Sprint(k), Kind: KindUnknown}); err != nil {
				t.Fatal(err)
			}
		}
	}
	got := mem.Attempts("new", "a@x")
	if len(got) != maxMemoryAttempts || got[0].Typed != "5" || got[len(got)-1].Typed != fmt.Sprint(maxMemoryAttempts+4) {
		t.Fatalf("%d attempts kept, from %q to %q; want the newest %d", len(got), got[0].Typed, got[len(got)-1].Typed, maxMemoryAttempts)
	}
	if err := mem.RecordAttempt(ctx, CodeAttempt{SessionID: "ghost", Address: "a@x"}); !errors.Is(err, ErrNoSession) {
		t.Errorf("RecordAttempt(unknown session) = %v, want ErrNoSession", err)
	}
	if n := mem.Prune(t0.Add(time.Minute)); n != 1 {
		t.Fatalf("Prune = %d, want 1", n)
	}
	if got := mem.Attempts("old", "a@x"); len(got) != 0 {
		t.Errorf("pruned session kept %d attempts", len(got))
	}
	// A session opened again under the pruned key starts without attempts.
	if _, err := mem.OpenSession(ctx, Session{ID: "old", Address: "a@x", Secret: []byte("k"), Digits: 6, CreatedAt: t0}); err != nil {
		t.Fatal(err)
	}
	if got := mem.Attempts("old", "a@x"); len(got) != 0 {
		t.Errorf("reopened session has %d attempts", len(got))
	}
	if got := mem.Attempts("new", "a@x"); len(got) != maxMemoryAttempts {
		t.Errorf("kept session has %d attempts, want %d", len(got), maxMemoryAttempts)
	}
}
