package storetest

import (
	"errors"
	"fmt"
	"reflect"
	"slices"
	"testing"
	"time"

	"github.com/codeprobe/codeprobe/store"
)

func testAttempts(t *testing.T, st store.Store, clock *Clock) {
	const ann, bob = "ann@example.com", "bob@example.com"
	mustOpenSession(t, st, "s", ann)
	mustOpenSession(t, st, "s", bob)
	mustOpenSession(t, st, "other", ann)
	full := &store.Attempt{SessionID: "s", Address: ann, Code: "123 456", Time: at(2),
		Verdict: store.VerdictEarlier, MatchedToken: Token("m"), MatchedOrdinal: 1}
	fullID := mustPutAttempt(t, st, full)
	clock.Advance(time.Hour)
	bareID := mustPutAttempt(t, st, &store.Attempt{SessionID: "s", Address: bob, Code: "999999", Verdict: store.VerdictUnknown})
	mustPutAttempt(t, st, &store.Attempt{SessionID: "other", Address: ann, Code: "1", Verdict: store.VerdictOK, Time: at(9)})
	sameTime := mustPutAttempt(t, st, &store.Attempt{SessionID: "s", Address: ann, Code: "2", Verdict: store.VerdictNearMiss, Time: at(2)})
	got, err := st.Attempts(ctx(t), "s", 0)
	if err != nil {
		t.Fatal(err)
	}
	var ids []int64
	for _, a := range got {
		ids = append(ids, a.ID)
	}
	if want := []int64{bareID, sameTime, fullID}; !slices.Equal(ids, want) {
		t.Fatalf("Attempts IDs = %v, want %v (every address of the session, newest first, then larger ID)", ids, want)
	}
	if !(fullID > 0 && bareID > fullID && sameTime > bareID) {
		t.Errorf("attempt IDs %d, %d, %d: want positive and increasing", fullID, bareID, sameTime)
	}
	want := *full
	want.ID = fullID
	if !reflect.DeepEqual(*got[2], want) {
		t.Errorf("attempt round trip:\n got %+v\nwant %+v", *got[2], want)
	}
	if !got[0].Time.Equal(clock.Now()) || got[0].MatchedToken != "" || got[0].Address != bob {
		t.Errorf("bare attempt = %+v, want bob's, at the clock's time and with no match", got[0])
	}
	if one, err := st.Attempts(ctx(t), "s", 1); err != nil || len(one) != 1 || one[0].ID != bareID {
		t.Errorf("Attempts(limit 1) = %v, %v", one, err)
	}
	for _, bad := range []*store.Attempt{
		nil,
		{SessionID: "s", Address: ann, Verdict: "correct"},
		{SessionID: "s", Address: ann, Verdict: ""},
		{SessionID: "s", Address: ann, Verdict: store.VerdictOK, MatchedToken: "short"},
		{SessionID: "s", Address: ann, Verdict: store.VerdictOK, MatchedOrdinal: -1},
		{SessionID: "", Address: ann, Verdict: store.VerdictOK},
		{SessionID: "s", Address: ann, Verdict: store.VerdictOK, Code: "\x00"},
		{SessionID: "s", Address: ann, Verdict: store.VerdictOK, Code: "\xff"},
		{SessionID: "s", Address: "\xff", Verdict: store.VerdictOK},
	} {
		if _, err := st.PutAttempt(ctx(t), bad); !errors.Is(err, store.ErrInvalid) {
			t.Errorf("PutAttempt(%+v) = %v, want ErrInvalid", bad, err)
		}
	}
}

// testAttemptsBelongToSessions: an attempt needs its (session, address)
// code session; every verdict round-trips; Events shows the attempts.
func testAttemptsBelongToSessions(t *testing.T, st store.Store, _ *Clock) {
	const ann = "ann@example.com"
	tok := Token("sent")
	mustPutSend(t, st, newSend(tok, ann, at(0)))
	mustOpenSession(t, st, "s", ann, at(0))
	for _, a := range []*store.Attempt{
		{SessionID: "ghost", Address: ann, Verdict: store.VerdictOK},
		{SessionID: "s", Address: "bob@example.com", Verdict: store.VerdictOK},
		{SessionID: "s", Address: "ANN@example.com", Verdict: store.VerdictOK},
		{SessionID: "s", Verdict: store.VerdictOK},
	} {
		if _, err := st.PutAttempt(ctx(t), a); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("PutAttempt(session %q, address %q) = %v, want ErrNotFound", a.SessionID, a.Address, err)
		}
	}
	verdicts := []store.Verdict{store.VerdictOK, store.VerdictEarlier, store.VerdictExpired, store.VerdictNearMiss,
		store.VerdictOtherSession, store.VerdictUnknown, store.VerdictTooManyAttempts}
	for i, v := range verdicts {
		a := &store.Attempt{SessionID: "s", Address: ann, Code: string(v), Time: at(1 + i), Verdict: v, MatchedToken: tok,
			MatchedOrdinal: 1}
		a.ID = mustPutAttempt(t, st, a)
		got, err := st.Attempts(ctx(t), "s", 1)
		if err != nil || len(got) != 1 || !reflect.DeepEqual(*got[0], *a) {
			t.Errorf("verdict %s: Attempts = %v, %v; want %+v", v, got, err, *a)
		}
	}
	want := []string{"send@0"}
	for i := range verdicts {
		want = append([]string{fmt.Sprintf("attempt@%d", 1+i)}, want...)
	}
	for _, f := range []store.Filter{{Address: ann}, {Token: tok}, {Token: tok, Address: ann}} {
		evs, err := st.Events(ctx(t), f)
		if got := describe(evs); err != nil || !slices.Equal(got, want) {
			t.Errorf("Events(%+v) = %v, %v; want %v", f, got, err, want)
		}
		if len(evs) > 0 && (evs[0].Attempt == nil || evs[0].Attempt.Verdict != store.VerdictTooManyAttempts) {
			t.Errorf("Events(%+v)[0] = %+v, want the too-many-attempts attempt", f, evs[0])
		}
	}
}

func testPruneCodeSessions(t *testing.T, st store.Store, clock *Clock) {
	const ann, bob = "ann@example.com", "bob@example.com"
	open := func(id, addr string, created int, issued ...int) {
		t.Helper()
		clock.Set(at(created))
		var times []time.Time
		for _, m := range issued {
			times = append(times, at(m))
		}
		mustOpenSession(t, st, id, addr, times...)
		mustPutAttempt(t, st, &store.Attempt{SessionID: id, Address: addr, Code: "1", Time: at(created), Verdict: store.VerdictUnknown})
	}
	open("idle", ann, 0)             // active at 0: pruned
	open("issued", ann, 0, 5)        // active at 5: pruned
	open("edge", ann, 0, 10)         // active exactly at the cut: kept
	open("edge-idle", bob, 10)       // created exactly at the cut: kept
	open("late", bob, 0, 3, 20)      // active at 20: kept
	open("backwards", ann, 0, 30, 9) // its newest code, at 9, decides: pruned
	open("idle", bob, 1)             // same ID, another address: pruned
	clock.Set(at(100))
	n, err := st.PruneCodeSessions(ctx(t), at(10))
	if err != nil || n != 4 {
		t.Fatalf("PruneCodeSessions = %d, %v; want 4", n, err)
	}
	for _, k := range [][2]string{{"idle", ann}, {"issued", ann}, {"backwards", ann}, {"idle", bob}} {
		if _, err := st.AddressCodeSession(ctx(t), k[0], k[1]); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("pruned session %s of %s: %v, want ErrNotFound", k[0], k[1], err)
		}
		if as, err := st.Attempts(ctx(t), k[0], 0); err != nil || len(as) != 0 {
			t.Errorf("pruned session %s: attempts %v, %v; want none", k[0], as, err)
		}
		if _, err := st.CountCodeAttempt(ctx(t), k[0], k[1], 1); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("pruned session %s of %s: its code is still there (%v)", k[0], k[1], err)
		}
	}
	for _, k := range [][2]string{{"edge", ann}, {"edge-idle", bob}, {"late", bob}} {
		if _, err := st.AddressCodeSession(ctx(t), k[0], k[1]); err != nil {
			t.Errorf("kept session %s of %s: %v", k[0], k[1], err)
		}
		if as, err := st.Attempts(ctx(t), k[0], 0); err != nil || len(as) != 1 {
			t.Errorf("kept session %s: attempts %v, %v; want 1", k[0], as, err)
		}
	}
	evs, err := st.Events(ctx(t), store.Filter{Address: ann})
	if got := describe(evs); err != nil || !slices.Equal(got, []string{"attempt@0"}) {
		t.Errorf("Events of ann after pruning = %v, %v; want only the attempt of edge", got, err)
	}
	recent, err := st.RecentAddressCodeSessions(ctx(t), ann, at(0), 0)
	if ids := sessionIDs(recent); err != nil || !slices.Equal(ids, []string{"edge"}) {
		t.Errorf("recent sessions of ann after pruning = %v, %v; want [edge]", ids, err)
	}
	// A pruned session opened again is a new one.
	clock.Set(at(200))
	again, err := st.OpenAddressCodeSession(ctx(t), &store.AddressCodeSession{ID: "idle", Address: ann, Secret: []byte("new"), Digits: 8})
	if err != nil || string(again.Secret) != "new" || !again.Created.Equal(at(200)) || len(again.Issues) != 0 {
		t.Errorf("reopened pruned session = %+v, %v", again, err)
	}
	if n, err := st.PruneCodeSessions(ctx(t), at(10)); err != nil || n != 0 {
		t.Errorf("second prune = %d, %v; want 0", n, err)
	}
	if n, err := st.PruneCodeSessions(ctx(t), at(1000)); err != nil || n != 4 {
		t.Errorf("pruning everything = %d, %v; want 4", n, err)
	}
	if _, err := st.PruneCodeSessions(ctx(t), time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC)); !errors.Is(err, store.ErrInvalid) {
		t.Errorf("PruneCodeSessions(year 10000) = %v, want ErrInvalid", err)
	}
}
