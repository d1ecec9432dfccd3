package storetest

import (
	"errors"
	"reflect"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/codeprobe/codeprobe/store"
)

func testCodeSession(t *testing.T, st store.Store, clock *Clock) {
	in := &store.CodeSession{ID: "s1", Secret: []byte{0, 1, 2, 0xff}, Counter: 5, Created: at(3)}
	if err := st.PutCodeSession(ctx(t), in); err != nil {
		t.Fatal(err)
	}
	got, err := st.CodeSession(ctx(t), "s1")
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(*got, *in) {
		t.Errorf("CodeSession = %+v, want %+v", *got, *in)
	}
	if err := st.PutCodeSession(ctx(t), &store.CodeSession{ID: "s1", Secret: []byte("x")}); !errors.Is(err, store.ErrExists) {
		t.Errorf("duplicate PutCodeSession = %v, want ErrExists", err)
	}
	for want := uint64(5); want < 8; want++ {
		if got, err := st.NextCounter(ctx(t), "s1"); err != nil || got != want {
			t.Fatalf("NextCounter = %d, %v; want %d", got, err, want)
		}
	}
	got, _ = st.CodeSession(ctx(t), "s1")
	if got.Counter != 8 || !slices.Equal(got.Secret, in.Secret) {
		t.Errorf("after three NextCounter calls the session is %+v, want counter 8", got)
	}

	mustPutSession(t, st, "fresh", 0)
	fresh, err := st.CodeSession(ctx(t), "fresh")
	if err != nil || !fresh.Created.Equal(clock.Now()) {
		t.Errorf("fresh session = %+v, %v; want created at the clock's %v", fresh, err, clock.Now())
	}
	if _, err := st.CodeSession(ctx(t), "nope"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("CodeSession(unknown) = %v, want ErrNotFound", err)
	}
	if _, err := st.NextCounter(ctx(t), "nope"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("NextCounter(unknown) = %v, want ErrNotFound", err)
	}
	// The last counter value is handed out once; then the session is spent.
	mustPutSession(t, st, "last", 1<<63-2)
	if got, err := st.NextCounter(ctx(t), "last"); err != nil || got != 1<<63-2 {
		t.Errorf("NextCounter(last) = %d, %v", got, err)
	}
	if _, err := st.NextCounter(ctx(t), "last"); !errors.Is(err, store.ErrInvalid) {
		t.Errorf("NextCounter(spent) = %v, want ErrInvalid", err)
	}
	for _, bad := range []*store.CodeSession{
		nil, {Secret: []byte("x")}, {ID: "no-secret"}, {ID: "huge", Secret: []byte("x"), Counter: 1 << 63},
		{ID: "bad\xff", Secret: []byte("x")},
	} {
		if err := st.PutCodeSession(ctx(t), bad); !errors.Is(err, store.ErrInvalid) {
			t.Errorf("PutCodeSession(%+v) = %v, want ErrInvalid", bad, err)
		}
	}
}

// testNextCounterConcurrent: many goroutines drawing counters from two
// sessions get every value exactly once.
func testNextCounterConcurrent(t *testing.T, st store.Store, _ *Clock) {
	const goroutines, each = 20, 25
	mustPutSession(t, st, "a", 0)
	mustPutSession(t, st, "b", 1000)
	var mu sync.Mutex
	seen := map[string][]uint64{}
	var wg sync.WaitGroup
	for g := range goroutines {
		wg.Go(func() {
			id := []string{"a", "b"}[g%2]
			for range each {
				n, err := st.NextCounter(ctx(t), id)
				if err != nil {
					t.Error(err)
					return
				}
				mu.Lock()
				seen[id] = append(seen[id], n)
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	for id, base := range map[string]uint64{"a": 0, "b": 1000} {
		vals := seen[id]
		slices.Sort(vals)
		total := goroutines / 2 * each
		if len(vals) != total {
			t.Fatalf("session %s: %d values, want %d", id, len(vals), total)
		}
		for i, v := range vals {
			if v != base+uint64(i) {
				t.Fatalf("session %s: sorted values %v…, want %d, %d, … without gaps or repeats", id, vals[:i+1], base, base+1)
			}
		}
		cs, err := st.CodeSession(ctx(t), id)
		if err != nil || cs.Counter != base+uint64(total) {
			t.Errorf("session %s counter = %+v, %v; want %d", id, cs, err, base+uint64(total))
		}
	}
}

func testAttempts(t *testing.T, st store.Store, clock *Clock) {
	mustPutSession(t, st, "s", 0)
	mustPutSession(t, st, "other", 0)
	full := &store.Attempt{SessionID: "s", Address: "ann@example.com", Code: "123 456", Time: at(2),
		Verdict: store.VerdictEarlier, MatchedToken: Token("m"), MatchedOrdinal: 1}
	fullID := mustPutAttempt(t, st, full)
	clock.Advance(time.Hour)
	bareID := mustPutAttempt(t, st, &store.Attempt{SessionID: "s", Code: "999999", Verdict: store.VerdictUnknown})
	mustPutAttempt(t, st, &store.Attempt{SessionID: "other", Code: "1", Verdict: store.VerdictOK, Time: at(9)})
	sameTime := mustPutAttempt(t, st, &store.Attempt{SessionID: "s", Code: "2", Verdict: store.VerdictNearMiss, Time: at(2)})
	got, err := st.Attempts(ctx(t), "s", 0)
	if err != nil {
		t.Fatal(err)
	}
	var ids []int64
	for _, a := range got {
		ids = append(ids, a.ID)
	}
	if want := []int64{bareID, sameTime, fullID}; !slices.Equal(ids, want) {
		t.Fatalf("Attempts IDs = %v, want %v (newest first, then larger ID)", ids, want)
	}
	want := *full
	want.ID = fullID
	if !reflect.DeepEqual(*got[2], want) {
		t.Errorf("attempt round trip:\n got %+v\nwant %+v", *got[2], want)
	}
	if !got[0].Time.Equal(clock.Now()) || got[0].MatchedToken != "" {
		t.Errorf("bare attempt = %+v, want the clock's time and no match", got[0])
	}
	if one, err := st.Attempts(ctx(t), "s", 1); err != nil || len(one) != 1 || one[0].ID != bareID {
		t.Errorf("Attempts(limit 1) = %v, %v", one, err)
	}
	if _, err := st.PutAttempt(ctx(t), &store.Attempt{SessionID: "ghost", Verdict: store.VerdictOK}); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("PutAttempt(unknown session) = %v, want ErrNotFound", err)
	}
	for _, bad := range []*store.Attempt{
		nil,
		{SessionID: "s", Verdict: "correct"},
		{SessionID: "s", Verdict: store.VerdictOK, MatchedToken: "short"},
		{SessionID: "s", Verdict: store.VerdictOK, MatchedOrdinal: -1},
		{SessionID: "", Verdict: store.VerdictOK},
		{SessionID: "s", Verdict: store.VerdictOK, Code: "\x00"},
	} {
		if _, err := st.PutAttempt(ctx(t), bad); !errors.Is(err, store.ErrInvalid) {
			t.Errorf("PutAttempt(%+v) = %v, want ErrInvalid", bad, err)
		}
	}
}
