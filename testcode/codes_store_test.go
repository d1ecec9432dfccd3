package testcode

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/codeprobe/codeprobe/store"
)

// openSQLiteCodes opens a StoreCodeStore on the database file at path.
func openSQLiteCodes(t *testing.T, path string) (StoreCodeStore, *store.SQLite) {
	t.Helper()
	db, err := store.OpenSQLite(path, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return StoreCodeStore{Store: db}, db
}

// codeStores are the CodeStore implementations the behavioural tests run
// against, each fresh.
func codeStores(t *testing.T) map[string]func() CodeStore {
	return map[string]func() CodeStore{
		"memory": func() CodeStore { return &MemoryCodeStore{} },
		"sqlite": func() CodeStore {
			cs, _ := openSQLiteCodes(t, filepath.Join(t.TempDir(), "codes.db"))
			return cs
		},
	}
}

// describe prints a session with its secret and issues (Session's own
// String hides them).
func describe(s Session) string {
	return fmt.Sprintf("%s/%s %q %d %s %+v", s.ID, s.Address, s.Secret, s.Digits, s.CreatedAt.UTC().Format(time.RFC3339Nano), s.Issues)
}

func TestCodeStoreSemantics(t *testing.T) {
	t0 := time.Date(2026, 3, 2, 14, 0, 0, 0, time.UTC)
	at := func(m int) time.Time { return t0.Add(time.Duration(m) * time.Minute) }
	for name, open := range codeStores(t) {
		t.Run(name, func(t *testing.T) {
			ctx := context.Background()
			cs := open()
			first, err := cs.OpenSession(ctx, Session{ID: "s1", Address: "ann@x", Secret: []byte("k1"), Digits: 6, CreatedAt: t0,
				Issues: []Issue{{Ordinal: 9}}})
			if err != nil || describe(first) != describe(Session{ID: "s1", Address: "ann@x", Secret: []byte("k1"), Digits: 6, CreatedAt: t0}) {
				t.Fatalf("OpenSession = %s, %v", describe(first), err)
			}
			var want []Issue
			for k := 1; k <= 3; k++ {
				in := Issue{Ordinal: 42, IssuedAt: at(k), ExpiresAt: at(k + 10), Token: fmt.Sprint("tok", k), Attempts: 7}
				is, err := cs.AppendIssue(ctx, "s1", "ann@x", in, 3)
				in.Ordinal, in.Attempts = k, 0
				if err != nil || is != in {
					t.Fatalf("AppendIssue %d = %+v, %v; want %+v", k, is, err, in)
				}
				want = append(want, in)
			}
			if _, err := cs.AppendIssue(ctx, "s1", "ann@x", Issue{IssuedAt: at(4)}, 3); !errors.Is(err, ErrTooManyCodes) {
				t.Errorf("AppendIssue past the limit: %v, want ErrTooManyCodes", err)
			}
			again, err := cs.OpenSession(ctx, Session{ID: "s1", Address: "ann@x", Secret: []byte("k2"), Digits: 8, CreatedAt: at(30)})
			wantS := Session{ID: "s1", Address: "ann@x", Secret: []byte("k1"), Digits: 6, CreatedAt: t0, Issues: want}
			if err != nil || describe(again) != describe(wantS) {
				t.Fatalf("reopened = %s, %v; want %s", describe(again), err, describe(wantS))
			}
			for n := 1; n <= 2; n++ {
				if got, err := cs.CountAttempt(ctx, "s1", "ann@x", 2); got != n || err != nil {
					t.Errorf("CountAttempt = %d, %v; want %d", got, err, n)
				}
			}
			wantS.Issues[1].Attempts = 2
			if got, err := cs.Session(ctx, "s1", "ann@x"); err != nil || describe(got) != describe(wantS) {
				t.Errorf("Session = %s, %v; want %s", describe(got), err, describe(wantS))
			}
			for _, tc := range []struct{ id, addr string }{{"s1", "bob@x"}, {"s2", "ann@x"}} {
				_, err1 := cs.Session(ctx, tc.id, tc.addr)
				_, err2 := cs.AppendIssue(ctx, tc.id, tc.addr, Issue{IssuedAt: t0}, 3)
				_, err3 := cs.CountAttempt(ctx, tc.id, tc.addr, 1)
				for _, err := range []error{err1, err2, err3} {
					if !errors.Is(err, ErrNoSession) {
						t.Errorf("%s/%s: %v, want ErrNoSession", tc.id, tc.addr, err)
					}
				}
			}
			if err := cs.RecordAttempt(ctx, CodeAttempt{SessionID: "s1", Address: "bob@x", Kind: KindOK}); !errors.Is(err, ErrNoSession) {
				t.Errorf("RecordAttempt(unknown session) = %v, want ErrNoSession", err)
			}
			for _, ord := range []int{0, 4} {
				if _, err := cs.CountAttempt(ctx, "s1", "ann@x", ord); !errors.Is(err, ErrNoSession) {
					t.Errorf("CountAttempt(ordinal %d) = %v, want ErrNoSession", ord, err)
				}
			}
			checkRecent(t, cs, at)
		})
	}
}

// checkRecent adds sessions to cs (whose s1 of ann@x was last active at
// minute 3) and checks RecentSessions' selection and order.
func checkRecent(t *testing.T, cs CodeStore, at func(int) time.Time) {
	t.Helper()
	ctx := context.Background()
	add := func(id, addr string, created int, issued ...int) {
		if _, err := cs.OpenSession(ctx, Session{ID: id, Address: addr, Secret: []byte("k"), Digits: 6, CreatedAt: at(created)}); err != nil {
			t.Fatal(err)
		}
		for _, m := range issued {
			if _, err := cs.AppendIssue(ctx, id, addr, Issue{IssuedAt: at(m), ExpiresAt: at(m + 10)}, 10); err != nil {
				t.Fatal(err)
			}
		}
	}
	add("late", "ann@x", 1, 2, 9)
	add("tie", "ann@x", 3)
	add("bob", "bob@x", 20, 21)
	add("idle", "ann@x", 0)
	for _, tc := range []struct {
		since, limit int
		want         []string
	}{
		{0, 10, []string{"late", "s1", "tie", "idle"}},
		{3, 10, []string{"late", "s1", "tie"}},
		{4, 10, []string{"late"}},
		{0, 2, []string{"late", "s1"}},
		{0, -1, []string{"late", "s1", "tie", "idle"}},
		{0, 0, nil},
		{10, 10, nil},
	} {
		got, err := cs.RecentSessions(ctx, "ann@x", at(tc.since), tc.limit)
		var ids []string
		for _, s := range got {
			ids = append(ids, s.ID)
		}
		if err != nil || !slices.Equal(ids, tc.want) {
			t.Errorf("RecentSessions(since %d, limit %d) = %v, %v; want %v", tc.since, tc.limit, ids, err, tc.want)
		}
	}
}

// TestSQLiteIssuerAcrossReopen issues codes through an Issuer backed by a
// database file, closes it, and checks the codes from a new store on the
// same file, as a second process would the next day.
func TestSQLiteIssuerAcrossReopen(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "codes.db")
	clock := newStepClock()
	cs, db := openSQLiteCodes(t, path)
	iss := &Issuer{Store: cs, Now: clock.Now, TTL: 10 * time.Minute, MaxAttempts: 1000}
	codes := rfcSession(t, iss, clock, "mine", "Ann@Example.COM", 3) // 14:00, 14:01, 14:02
	other := fixedSession(t, iss, clock, "theirs", "ann@example.com", secretB, 1)[0]
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	cs, _ = openSQLiteCodes(t, path)
	iss.Store = cs
	tests := []struct {
		typed   string
		at      time.Duration // after the newest code was issued
		kind    Kind
		ordinal int
	}{
		{codes[2].Value, time.Minute, KindOK, 3},
		{codes[0].Value, time.Minute, KindEarlier, 1},
		{codes[1].Value, time.Minute, KindEarlier, 2},
		{"969428", time.Minute, KindNearMiss, 3},
		{other.Value, time.Minute, KindOtherSession, 1},
		{"123456", time.Minute, KindUnknown, 0},
		{codes[2].Value, 10 * time.Minute, KindExpired, 3},
		{codes[2].Value, 24 * time.Hour, KindExpired, 3},
	}
	for _, tc := range tests {
		clock.Advance(codes[2].IssuedAt.Add(tc.at).Sub(clock.Now()))
		v, err := iss.Check(ctx, "mine", "ann@example.com", tc.typed)
		if err != nil {
			t.Fatal(err)
		}
		if v.Kind != tc.kind || v.Ordinal != tc.ordinal {
			t.Errorf("Check(%q) at +%v = %s %d (%s); want %s %d", tc.typed, tc.at, v.Kind, v.Ordinal, v.Detail, tc.kind, tc.ordinal)
		}
	}
	s, err := cs.Session(ctx, "mine", "ann@example.com")
	if err != nil || len(s.Issues) != 3 || s.Issues[2].Attempts != len(tests) {
		t.Errorf("after the checks: %s, %v; want %d attempts on code 3", describe(s), err, len(tests))
	}
	next, err := iss.Issue(ctx, "mine", "ann@example.com")
	if err != nil || next.Ordinal != 4 || next.Value != rfcCodes[3] {
		t.Errorf("next code after reopening: ordinal %d, %v; want 4 (%s)", next.Ordinal, err, rfcCodes[3])
	}
}

// TestSQLiteConcurrentIssue issues codes from 32 goroutines through two
// stores on the same file: every ordinal is handed out exactly once.
func TestSQLiteConcurrentIssue(t *testing.T) {
	const n = 32
	path := filepath.Join(t.TempDir(), "codes.db")
	a, _ := openSQLiteCodes(t, path)
	b, _ := openSQLiteCodes(t, path)
	issuers := []*Issuer{{Store: a, MaxCodes: n}, {Store: b, MaxCodes: n}}
	if _, err := issuers[0].Issue(context.Background(), "s", "ann@example.com"); err != nil {
		t.Fatal(err)
	}
	var (
		wg       sync.WaitGroup
		mu       sync.Mutex
		ordinals = []int{1}
	)
	for g := range n {
		wg.Go(func() {
			c, err := issuers[g%2].Issue(context.Background(), "s", "ann@example.com")
			mu.Lock()
			defer mu.Unlock()
			switch {
			case errors.Is(err, ErrTooManyCodes):
			case err != nil:
				t.Error(err)
			default:
				ordinals = append(ordinals, c.Ordinal)
			}
		})
	}
	wg.Wait()
	slices.Sort(ordinals)
	want := make([]int, n)
	for k := range want {
		want[k] = k + 1
	}
	if !slices.Equal(ordinals, want) {
		t.Errorf("ordinals %v, want 1…%d each once", ordinals, n)
	}
}

// TestSQLiteCheckRecordsAttempts checks codes through a StoreCodeStore on a
// database file and reads the attempts back from the store, as the agent's
// event list shows them.
func TestSQLiteCheckRecordsAttempts(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "codes.db")
	clock := newStepClock()
	cs, db := openSQLiteCodes(t, path)
	iss := &Issuer{Store: cs, Now: clock.Now, MaxAttempts: 3}
	codes := rfcSession(t, iss, clock, "mine", "Ann@Example.COM", 2) // 287082, 359152
	const ann = "ann@example.com"
	checks := []struct {
		typed   string
		verdict store.Verdict
		token   string
		ordinal int
	}{
		{codes[1].Value, store.VerdictOK, codes[1].Token, 2},
		{codes[0].Value, store.VerdictEarlier, codes[0].Token, 1},
		{"359153", store.VerdictNearMiss, codes[1].Token, 2},
		{codes[1].Value, store.VerdictTooManyAttempts, codes[1].Token, 2},
	}
	var times []time.Time
	for _, c := range checks {
		clock.Advance(time.Second)
		times = append(times, clock.Now())
		if _, err := iss.Check(ctx, "mine", ann, c.typed); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := iss.Check(ctx, "never-issued", ann, codes[1].Value); err != nil {
		t.Fatal(err)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	_, db = openSQLiteCodes(t, path)
	evs, err := db.Events(ctx, store.Filter{Address: ann})
	if err != nil {
		t.Fatal(err)
	}
	var attempts []*store.Attempt
	for _, ev := range evs {
		if ev.Kind == store.EventAttempt {
			attempts = append(attempts, ev.Attempt)
		}
	}
	if len(attempts) != len(checks) {
		t.Fatalf("%d attempt events, want %d (none for the session that issued no code): %+v", len(attempts), len(checks), evs)
	}
	for k, c := range checks {
		a := attempts[len(checks)-1-k] // newest first
		if a.SessionID != "mine" || a.Address != ann || a.Code != c.typed || a.Verdict != c.verdict ||
			a.MatchedToken != c.token || a.MatchedOrdinal != c.ordinal || !a.Time.Equal(times[k]) {
			t.Errorf("attempt %d = %+v; want %q %s matching %s #%d", k, a, c.typed, c.verdict, c.token, c.ordinal)
		}
	}
	if evs, err := db.Events(ctx, store.Filter{Token: codes[0].Token}); err != nil || len(evs) != 1 || evs[0].Attempt == nil ||
		evs[0].Attempt.Verdict != store.VerdictEarlier {
		t.Errorf("events of the first code's token = %+v, %v; want the earlier attempt", evs, err)
	}
}

// TestStoreVerdicts records an attempt of every kind through a
// StoreCodeStore and reads it back from the store.
func TestStoreVerdicts(t *testing.T) {
	ctx := context.Background()
	cs, db := openSQLiteCodes(t, filepath.Join(t.TempDir(), "codes.db"))
	if _, err := cs.OpenSession(ctx, Session{ID: "s", Address: "a@x", Secret: []byte("k"), Digits: 6}); err != nil {
		t.Fatal(err)
	}
	tok, err := NewToken()
	if err != nil {
		t.Fatal(err)
	}
	kinds := []Kind{KindOK, KindEarlier, KindExpired, KindNearMiss, KindOtherSession, KindUnknown, KindTooManyAttempts}
	for _, k := range kinds {
		if err := cs.RecordAttempt(ctx, CodeAttempt{SessionID: "s", Address: "a@x", Typed: string(k), Kind: k, Token: tok, Ordinal: 3}); err != nil {
			t.Fatalf("RecordAttempt(%s): %v", k, err)
		}
	}
	got, err := db.Attempts(ctx, "s", 0)
	if err != nil || len(got) != len(kinds) {
		t.Fatalf("Attempts = %d, %v; want %d", len(got), err, len(kinds))
	}
	for _, a := range got {
		if string(a.Verdict) != a.Code || a.MatchedToken != tok || a.MatchedOrdinal != 3 {
			t.Errorf("attempt %+v: want verdict %q for kind %q, token %s, ordinal 3", a, a.Code, a.Code, tok)
		}
	}
	if err := cs.RecordAttempt(ctx, CodeAttempt{SessionID: "s", Address: "a@x", Kind: "maybe"}); !errors.Is(err, store.ErrInvalid) {
		t.Errorf("RecordAttempt(kind maybe) = %v, want store.ErrInvalid", err)
	}
	// A token that is not a send token is kept as none, not refused.
	if err := cs.RecordAttempt(ctx, CodeAttempt{SessionID: "s", Address: "a@x", Kind: KindOK, Token: "tok1", Ordinal: 1}); err != nil {
		t.Errorf("RecordAttempt(token tok1) = %v", err)
	}
	if got, err := db.Attempts(ctx, "s", 1); err != nil || len(got) != 1 || got[0].MatchedToken != "" || got[0].MatchedOrdinal != 1 {
		t.Errorf("attempt with token tok1 = %+v, %v; want no token, ordinal 1", got, err)
	}
}
