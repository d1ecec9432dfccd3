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

// sessionIDs lists the IDs of sessions, in order.
func sessionIDs(ss []*store.AddressCodeSession) []string {
	var ids []string
	for _, s := range ss {
		ids = append(ids, s.ID)
	}
	return ids
}

func testAddressCodeSession(t *testing.T, st store.Store, clock *Clock) {
	const ann = "ann@example.com"
	in := &store.AddressCodeSession{ID: "s1", Address: ann, Secret: []byte{0, 1, 2, 0xff}, Digits: 6, Created: at(3),
		Issues: []store.CodeIssue{{Ordinal: 9}}}
	got, err := st.OpenAddressCodeSession(ctx(t), in)
	want := store.AddressCodeSession{ID: "s1", Address: ann, Secret: []byte{0, 1, 2, 0xff}, Digits: 6, Created: at(3)}
	if err != nil || !reflect.DeepEqual(*got, want) {
		t.Fatalf("OpenAddressCodeSession = %+v, %v; want %+v (the issues given are ignored)", got, err, want)
	}
	for k := 1; k <= 3; k++ {
		is := store.CodeIssue{Ordinal: 42, Issued: at(3 + k), Expires: at(13 + k), Token: TokenN(k), Attempts: 7}
		stored, err := st.AppendCodeIssue(ctx(t), "s1", ann, is, 3)
		is.Ordinal, is.Attempts = k, 0
		if err != nil || stored != is {
			t.Fatalf("AppendCodeIssue %d = %+v, %v; want %+v", k, stored, err, is)
		}
		want.Issues = append(want.Issues, is)
	}
	if _, err := st.AppendCodeIssue(ctx(t), "s1", ann, store.CodeIssue{Issued: at(7)}, 3); !errors.Is(err, store.ErrLimit) {
		t.Errorf("a fourth code with limit 3: %v, want ErrLimit", err)
	}
	// Reopening returns the stored session: its own secret, digits,
	// creation time and issues.
	again, err := st.OpenAddressCodeSession(ctx(t), &store.AddressCodeSession{ID: "s1", Address: ann, Secret: []byte("other"),
		Digits: 8, Created: at(30)})
	if err != nil || !reflect.DeepEqual(*again, want) {
		t.Fatalf("reopened = %+v, %v; want %+v", again, err, want)
	}
	for n := 1; n <= 2; n++ {
		if c, err := st.CountCodeAttempt(ctx(t), "s1", ann, 2); err != nil || c != n {
			t.Errorf("CountCodeAttempt = %d, %v; want %d", c, err, n)
		}
	}
	want.Issues[1].Attempts = 2
	if got, err := st.AddressCodeSession(ctx(t), "s1", ann); err != nil || !reflect.DeepEqual(*got, want) {
		t.Errorf("AddressCodeSession = %+v, %v; want %+v", got, err, want)
	}
	if got.LastActive() != at(3) || want.LastActive() != at(6) {
		t.Errorf("LastActive = %v without issues and %v with; want %v and %v", got.LastActive(), want.LastActive(), at(3), at(6))
	}
	for _, ord := range []int{0, 4} {
		if _, err := st.CountCodeAttempt(ctx(t), "s1", ann, ord); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("CountCodeAttempt(ordinal %d) = %v, want ErrNotFound", ord, err)
		}
	}
	for _, key := range [][2]string{{"s1", "bob@example.com"}, {"s2", ann}, {"S1", ann}} {
		_, err1 := st.AddressCodeSession(ctx(t), key[0], key[1])
		_, err2 := st.AppendCodeIssue(ctx(t), key[0], key[1], store.CodeIssue{}, 3)
		_, err3 := st.CountCodeAttempt(ctx(t), key[0], key[1], 1)
		for _, err := range []error{err1, err2, err3} {
			if !errors.Is(err, store.ErrNotFound) {
				t.Errorf("session %s for %s: %v, want ErrNotFound", key[0], key[1], err)
			}
		}
	}
	// Zero times are the store's clock; the same ID for another address
	// is another session.
	clock.Set(at(50))
	fresh, err := st.OpenAddressCodeSession(ctx(t), &store.AddressCodeSession{ID: "s1", Address: "bob@example.com",
		Secret: []byte("k"), Digits: 8})
	if err != nil || !fresh.Created.Equal(at(50)) || string(fresh.Secret) != "k" || len(fresh.Issues) != 0 {
		t.Fatalf("session s1 for bob = %+v, %v", fresh, err)
	}
	is, err := st.AppendCodeIssue(ctx(t), "s1", "bob@example.com", store.CodeIssue{Expires: at(60)}, 3)
	if err != nil || is.Ordinal != 1 || !is.Issued.Equal(at(50)) {
		t.Errorf("first code of s1 for bob = %+v, %v; want ordinal 1 issued at the clock's %v", is, err, at(50))
	}
}

func testAddressCodeSessionInvalid(t *testing.T, st store.Store, _ *Clock) {
	for _, bad := range []*store.AddressCodeSession{
		nil,
		{Address: "a@example.com", Secret: []byte("k"), Digits: 6},
		{ID: "s", Address: "a@example.com", Digits: 6},
		{ID: "s", Address: "a@example.com", Secret: []byte("k")},
		{ID: "s", Address: "a@example.com", Secret: []byte("k"), Digits: -1},
		{ID: "s\xff", Address: "a@example.com", Secret: []byte("k"), Digits: 6},
		{ID: "s", Address: "a\x00@example.com", Secret: []byte("k"), Digits: 6},
		{ID: "s", Address: "a@example.com", Secret: []byte("k"), Digits: 6, Created: time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC)},
	} {
		if _, err := st.OpenAddressCodeSession(ctx(t), bad); !errors.Is(err, store.ErrInvalid) {
			t.Errorf("OpenAddressCodeSession(%+v) = %v, want ErrInvalid", bad, err)
		}
	}
	mustOpenSession(t, st, "s", "a@example.com")
	for _, bad := range []store.CodeIssue{
		{Token: "\xff"},
		{Token: "a\x00"},
		{Issued: time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC)},
	} {
		if _, err := st.AppendCodeIssue(ctx(t), "s", "a@example.com", bad, 10); !errors.Is(err, store.ErrInvalid) {
			t.Errorf("AppendCodeIssue(%+v) = %v, want ErrInvalid", bad, err)
		}
	}
	if s, err := st.AddressCodeSession(ctx(t), "s", "a@example.com"); err != nil || len(s.Issues) != 0 {
		t.Errorf("after invalid issues the session is %+v, %v; want no issues", s, err)
	}
}

// testAppendCodeIssueConcurrent: goroutines issuing codes in two sessions
// get every ordinal up to the limit once, and ErrLimit past it.
func testAppendCodeIssueConcurrent(t *testing.T, st store.Store, _ *Clock) {
	const goroutines, each, limit = 16, 5, 60
	keys := [][2]string{{"s", "a@example.com"}, {"s", "b@example.com"}}
	for _, k := range keys {
		mustOpenSession(t, st, k[0], k[1])
	}
	var (
		mu      sync.Mutex
		got     = map[string][]int{}
		limited = map[string]int{}
		wg      sync.WaitGroup
	)
	for g := range goroutines {
		wg.Go(func() {
			k := keys[g%2]
			for range each {
				is, err := st.AppendCodeIssue(ctx(t), k[0], k[1], store.CodeIssue{Issued: at(g), Expires: at(g + 10)}, limit/2)
				mu.Lock()
				switch {
				case errors.Is(err, store.ErrLimit):
					limited[k[1]]++
				case err != nil:
					t.Error(err)
				default:
					got[k[1]] = append(got[k[1]], is.Ordinal)
				}
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	for _, k := range keys {
		ords := got[k[1]]
		slices.Sort(ords)
		ok := len(ords) == limit/2 && limited[k[1]] == goroutines/2*each-limit/2
		for i, o := range ords {
			ok = ok && o == i+1
		}
		if !ok {
			t.Errorf("%s: ordinals %v and %d refused; want 1…%d each once and %d refused", k[1], ords, limited[k[1]],
				limit/2, goroutines/2*each-limit/2)
		}
		if s, err := st.AddressCodeSession(ctx(t), k[0], k[1]); err != nil || len(s.Issues) != limit/2 {
			t.Errorf("%s: session %+v, %v; want %d issues", k[1], s, err, limit/2)
		}
	}
}

func testRecentAddressCodeSessions(t *testing.T, st store.Store, clock *Clock) {
	const ann = "ann@example.com"
	open := func(id, addr string, created int, issued ...int) {
		t.Helper()
		clock.Set(at(created))
		var times []time.Time
		for _, m := range issued {
			times = append(times, at(m))
		}
		mustOpenSession(t, st, id, addr, times...)
	}
	open("old", ann, 0)                // active at 0
	open("busy", ann, 1, 2, 9)         // active at 9
	open("tie-a", ann, 5)              // active at 5
	open("tie-b", ann, 3, 5)           // active at 5, created later
	open("bob", "bob@example.com", 20) // another address
	open("newest-first", ann, 4, 7)    // active at 7
	open("backwards", ann, 2, 8, 6)    // active at 6: its newest code counts, not its latest time
	open("Ann", "Ann@example.com", 30) // addresses are compared exactly
	for _, tc := range []struct {
		since, limit int
		want         []string
	}{
		{0, 10, []string{"busy", "newest-first", "backwards", "tie-a", "tie-b", "old"}},
		{5, 10, []string{"busy", "newest-first", "backwards", "tie-a", "tie-b"}},
		{6, 10, []string{"busy", "newest-first", "backwards"}},
		{0, 2, []string{"busy", "newest-first"}},
		{0, 0, []string{"busy", "newest-first", "backwards", "tie-a", "tie-b", "old"}},
		{10, 10, nil},
	} {
		got, err := st.RecentAddressCodeSessions(ctx(t), ann, at(tc.since), tc.limit)
		if ids := sessionIDs(got); err != nil || !slices.Equal(ids, tc.want) {
			t.Errorf("RecentAddressCodeSessions(since %d, limit %d) = %v, %v; want %v", tc.since, tc.limit, ids, err, tc.want)
		}
		for _, s := range got {
			if s.Address != ann || (s.ID == "busy" && len(s.Issues) != 2) || (s.ID == "old" && len(s.Issues) != 0) {
				t.Errorf("session %s: %+v", s.ID, s)
			}
		}
	}
}
