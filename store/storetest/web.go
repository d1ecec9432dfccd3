package storetest

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"math"
	"reflect"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/codeprobe/codeprobe/store"
)

// The web site's records: accounts, login sessions, rate buckets and
// wizard sessions (see [store.WebStore]).

// argonHash and bcryptHash are well-formed password hashes.
const (
	argonHash  = "$argon2id$v=19$m=19456,t=2,p=1$c2FsdHNhbHRzYWx0$a2V5a2V5a2V5a2V5a2V5a2V5a2V5a2V5a2V5a2V5a2U"
	bcryptHash = "$2b$10$N9qo8uLOickgx2ZMRZoMyeIjZAgcfl7p92ldGxad68LJZdL17lhWy"
)

// sessionID is a web session ID derived from seed: the hex SHA-256 of a
// cookie token.
func sessionID(seed string) string {
	sum := sha256.Sum256([]byte("cookie " + seed))
	return hex.EncodeToString(sum[:])
}

// csrf is a CSRF secret derived from seed, 32 hex digits.
func csrf(seed string) string { return sessionID("csrf " + seed)[:32] }

// wantErr reports an error unless err is want; what, formatted with args,
// names the call.
func wantErr(t *testing.T, err, want error, what string, args ...any) {
	t.Helper()
	if !errors.Is(err, want) {
		t.Errorf("%s = %v, want %v", fmt.Sprintf(what, args...), err, want)
	}
}

// errOf is the error of a call's two results.
func errOf[T any](_ T, err error) error { return err }

func mustPutUser(t *testing.T, st store.Store, name string) *store.User {
	t.Helper()
	u := &store.User{Name: name, PasswordHash: argonHash}
	if err := st.PutUser(ctx(t), u); err != nil {
		t.Fatalf("PutUser(%s): %v", name, err)
	}
	return u
}

func mustUser(t *testing.T, st store.Store, name string) *store.User {
	t.Helper()
	u, err := st.User(ctx(t), name)
	if err != nil {
		t.Fatalf("User(%s): %v", name, err)
	}
	return u
}

// mustPutWebSession stores a session of user, with its ID derived from
// seed, that expires at the given time.
func mustPutWebSession(t *testing.T, st store.Store, user, seed string, expires time.Time) *store.WebSession {
	t.Helper()
	ws := &store.WebSession{ID: sessionID(seed), User: user, CSRF: csrf(seed), Expires: expires}
	if err := st.PutWebSession(ctx(t), ws); err != nil {
		t.Fatalf("PutWebSession(%s): %v", seed, err)
	}
	return ws
}

func testUserRoundTrip(t *testing.T, st store.Store, clock *Clock) {
	now := clock.Now()
	zone := time.FixedZone("CET", 3600)
	full := &store.User{Name: "ann.o-k_1@example.com", PasswordHash: bcryptHash,
		Created: time.Date(2025, 12, 24, 18, 0, 0, 123456789, zone), FailedLogins: 2,
		LockedUntil: now.Add(time.Hour + 999*time.Nanosecond), LastLogin: time.Date(2026, 1, 2, 3, 4, 5, 6000, zone)}
	if err := st.PutUser(ctx(t), full); err != nil {
		t.Fatal(err)
	}
	want := store.User{Name: full.Name, PasswordHash: bcryptHash, Created: full.Created.Truncate(time.Microsecond).UTC(),
		FailedLogins: 2, LockedUntil: now.Add(time.Hour).UTC(), LastLogin: full.LastLogin.UTC()}
	if got := mustUser(t, st, full.Name); !reflect.DeepEqual(*got, want) {
		t.Errorf("User round trip:\n got %+v\nwant %+v", *got, want)
	}
	// A new account: created now, never logged in, not locked.
	bob := mustPutUser(t, st, "bob")
	if !bob.Created.Equal(now) {
		t.Errorf("PutUser set Created to %v in the caller's user, want the clock's %v", bob.Created, now)
	}
	want = store.User{Name: "bob", PasswordHash: argonHash, Created: now}
	if got := mustUser(t, st, "bob"); !reflect.DeepEqual(*got, want) {
		t.Errorf("new user:\n got %+v\nwant %+v", *got, want)
	}
	mustPutUser(t, st, "0")
	wantErr(t, st.PutUser(ctx(t), &store.User{Name: "bob", PasswordHash: bcryptHash}), store.ErrExists, "PutUser of a taken name")
	if got := mustUser(t, st, "bob"); got.PasswordHash != argonHash {
		t.Errorf("a refused PutUser replaced the hash with %q", got.PasswordHash)
	}
	users, err := st.Users(ctx(t))
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, u := range users {
		names = append(names, u.Name)
	}
	if want := []string{"0", full.Name, "bob"}; !slices.Equal(names, want) {
		t.Errorf("Users = %v, want %v (by name)", names, want)
	}
	for _, name := range []string{"carol", "Bob", "bob "} {
		wantErr(t, errOf(st.User(ctx(t), name)), store.ErrNotFound, "User(%q)", name)
	}
}

func testUserInvalid(t *testing.T, st store.Store, _ *Clock) {
	for _, tc := range []struct {
		name string
		u    *store.User
	}{
		{"nil", nil},
		{"no name", &store.User{PasswordHash: argonHash}},
		{"name of 65", &store.User{Name: strings.Repeat("a", store.MaxUserNameLen+1), PasswordHash: argonHash}},
		{"upper case", &store.User{Name: "Ann", PasswordHash: argonHash}},
		{"space", &store.User{Name: "ann smith", PasswordHash: argonHash}},
		{"plus", &store.User{Name: "ann+x@example.com", PasswordHash: argonHash}},
		{"not ASCII", &store.User{Name: "jürgen", PasswordHash: argonHash}},
		{"no hash", &store.User{Name: "ann"}},
		{"a password", &store.User{Name: "ann", PasswordHash: "correct horse battery staple"}},
		{"a password without spaces", &store.User{Name: "ann", PasswordHash: "hunter2"}},
		{"dollar alone", &store.User{Name: "ann", PasswordHash: "$"}},
		{"hash with a space", &store.User{Name: "ann", PasswordHash: "$2b$10$ abc"}},
		{"hash with a newline", &store.User{Name: "ann", PasswordHash: bcryptHash + "\n"}},
		{"hash of 513", &store.User{Name: "ann", PasswordHash: "$" + strings.Repeat("x", 512)}},
		{"negative failures", &store.User{Name: "ann", PasswordHash: argonHash, FailedLogins: -1}},
		{"created in year 10000", &store.User{Name: "ann", PasswordHash: argonHash,
			Created: time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC)}},
	} {
		wantErr(t, st.PutUser(ctx(t), tc.u), store.ErrInvalid, "PutUser(%s)", tc.name)
	}
	if users, err := st.Users(ctx(t)); err != nil || len(users) != 0 {
		t.Errorf("after refused users: %d users, %v; want none", len(users), err)
	}
	// At the bounds.
	edge := strings.Repeat("._-@", store.MaxUserNameLen/4-3) + "az09z0.a.b.c"
	long := "$" + strings.Repeat("~", 511)
	if err := st.PutUser(ctx(t), &store.User{Name: edge, PasswordHash: long}); err != nil {
		t.Fatalf("PutUser(name of %d, hash of %d) = %v, want it stored", len(edge), len(long), err)
	}
	if got := mustUser(t, st, edge); got.PasswordHash != long {
		t.Errorf("hash of 512 came back as %d bytes", len(got.PasswordHash))
	}
	for _, hash := range []string{"", "hunter2", "$ x"} {
		wantErr(t, st.SetPassword(ctx(t), edge, hash), store.ErrInvalid, "SetPassword(%q)", hash)
	}
	if got := mustUser(t, st, edge); got.PasswordHash != long {
		t.Errorf("a refused SetPassword changed the hash to %q", got.PasswordHash)
	}
}

// lockout is the policy of the login tests: three failures lock for 15
// minutes.
var lockout = store.LoginPolicy{LockAfter: 3, LockFor: 15 * time.Minute}

// mustRecordLogin records a login and checks the account's failures and
// the end of its lock (zero: not locked) as returned and as read back.
func mustRecordLogin(t *testing.T, st store.Store, name string, ok bool, p store.LoginPolicy, failed int, locked time.Time) *store.User {
	t.Helper()
	u, err := st.RecordLogin(ctx(t), name, ok, p)
	if err != nil {
		t.Fatalf("RecordLogin(%s, %v): %v", name, ok, err)
	}
	if u.FailedLogins != failed || !u.LockedUntil.Equal(locked) {
		t.Errorf("RecordLogin(%v) returned %d failures, locked until %v; want %d, %v", ok, u.FailedLogins, u.LockedUntil, failed, locked)
	}
	if got := mustUser(t, st, name); !reflect.DeepEqual(got, u) {
		t.Errorf("User after RecordLogin = %+v, RecordLogin returned %+v", got, u)
	}
	return u
}

func testLoginLockout(t *testing.T, st store.Store, clock *Clock) {
	mustPutUser(t, st, "ann")
	never := time.Time{}
	mustRecordLogin(t, st, "ann", false, lockout, 1, never)
	mustRecordLogin(t, st, "ann", false, lockout, 2, never)
	locked := clock.Advance(time.Minute).Add(15 * time.Minute)
	mustRecordLogin(t, st, "ann", false, lockout, 3, locked)
	// A failure while locked restarts the lock from now.
	locked = clock.Advance(5 * time.Minute).Add(15 * time.Minute)
	mustRecordLogin(t, st, "ann", false, lockout, 4, locked)
	// Still locked a microsecond before the end, unlocked at it.
	clock.Set(locked.Add(-time.Microsecond))
	if u := mustUser(t, st, "ann"); !u.LockedUntil.Equal(locked) {
		t.Errorf("a microsecond before the lock ends: locked until %v, want %v", u.LockedUntil, locked)
	}
	clock.Set(locked)
	if u := mustUser(t, st, "ann"); !u.LockedUntil.IsZero() || u.FailedLogins != 4 {
		t.Errorf("when the lock ends: %d failures, locked until %v; want 4 and not locked", u.FailedLogins, u.LockedUntil)
	}
	// The failures are still in a row: the next one locks again.
	locked = clock.Advance(time.Minute).Add(15 * time.Minute)
	mustRecordLogin(t, st, "ann", false, lockout, 5, locked)
	// A good password checked while the account is locked (guesses
	// locked it meanwhile) lifts nothing and is not remembered.
	clock.Advance(time.Second)
	if u := mustRecordLogin(t, st, "ann", true, lockout, 5, locked); !u.LastLogin.IsZero() {
		t.Errorf("a good login while locked set LastLogin to %v", u.LastLogin)
	}
	// Once the lock has ended, a good login clears everything and is
	// remembered.
	clock.Set(locked)
	now := clock.Now()
	if u := mustRecordLogin(t, st, "ann", true, lockout, 0, never); !u.LastLogin.Equal(now) {
		t.Errorf("LastLogin = %v, want the clock's %v", u.LastLogin, now)
	}
	clock.Advance(time.Hour)
	if u := mustRecordLogin(t, st, "ann", false, lockout, 1, never); !u.LastLogin.Equal(now) {
		t.Errorf("a failure changed LastLogin to %v, want %v", u.LastLogin, now)
	}
	// LockAfter 0 never locks.
	for i := 2; i <= 10; i++ {
		mustRecordLogin(t, st, "ann", false, store.LoginPolicy{}, i, never)
	}
	// SetPassword clears failures and lock.
	locked = clock.Now().Add(15 * time.Minute)
	mustRecordLogin(t, st, "ann", false, lockout, 11, locked)
	if err := st.SetPassword(ctx(t), "ann", bcryptHash); err != nil {
		t.Fatal(err)
	}
	if u := mustUser(t, st, "ann"); u.PasswordHash != bcryptHash || u.FailedLogins != 0 || !u.LockedUntil.IsZero() {
		t.Errorf("after SetPassword: %+v; want the new hash, no failures, not locked", u)
	}
	wantErr(t, st.SetPassword(ctx(t), "bob", bcryptHash), store.ErrNotFound, "SetPassword(unknown)")
	for _, ok := range []bool{true, false} {
		wantErr(t, errOf(st.RecordLogin(ctx(t), "bob", ok, lockout)), store.ErrNotFound, "RecordLogin(unknown, %v)", ok)
	}
	for _, p := range []store.LoginPolicy{{LockAfter: -1}, {LockAfter: 3}, {LockAfter: 3, LockFor: -time.Minute}} {
		wantErr(t, errOf(st.RecordLogin(ctx(t), "ann", false, p)), store.ErrInvalid, "RecordLogin(policy %+v)", p)
	}
	if u := mustUser(t, st, "ann"); u.FailedLogins != 0 {
		t.Errorf("refused RecordLogin calls counted %d failures", u.FailedLogins)
	}
}

func testRecordLoginConcurrent(t *testing.T, st store.Store, clock *Clock) {
	mustPutUser(t, st, "ann")
	const n = 40
	counts := make([]int, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			u, err := st.RecordLogin(ctx(t), "ann", false, store.LoginPolicy{LockAfter: n, LockFor: time.Hour})
			if err != nil {
				t.Errorf("RecordLogin: %v", err)
				return
			}
			counts[i] = u.FailedLogins
		})
	}
	wg.Wait()
	slices.Sort(counts)
	for i, c := range counts {
		if c != i+1 {
			t.Fatalf("the concurrent failures saw counts %v, want each of 1 to %d once", counts, n)
		}
	}
	if u := mustUser(t, st, "ann"); u.FailedLogins != n || !u.LockedUntil.Equal(clock.Now().Add(time.Hour)) {
		t.Errorf("after %d concurrent failures: %d, locked until %v; want %d and locked for an hour", n, u.FailedLogins, u.LockedUntil, n)
	}
}

func testWebSessionRoundTrip(t *testing.T, st store.Store, clock *Clock) {
	mustPutUser(t, st, "ann")
	now := clock.Now()
	expires := now.Add(8*time.Hour + 999*time.Nanosecond)
	ws := mustPutWebSession(t, st, "ann", "1", expires)
	want := store.WebSession{ID: sessionID("1"), User: "ann", CSRF: csrf("1"), Created: now,
		Expires: expires.Truncate(time.Microsecond), LastSeen: now}
	if !reflect.DeepEqual(*ws, want) {
		t.Errorf("PutWebSession left the caller's session %+v, want %+v", *ws, want)
	}
	got, err := st.WebSession(ctx(t), sessionID("1"))
	if err != nil || !reflect.DeepEqual(*got, want) {
		t.Fatalf("WebSession = %+v, %v; want %+v", got, err, want)
	}
	// Given times are kept; an upper-case CSRF secret of 128 digits too.
	given := &store.WebSession{ID: sessionID("2"), User: "ann", CSRF: strings.Repeat("AbC0", 32),
		Created: at(0), Expires: now.Add(time.Minute), LastSeen: at(1)}
	if err := st.PutWebSession(ctx(t), given); err != nil {
		t.Fatal(err)
	}
	if got, err := st.WebSession(ctx(t), given.ID); err != nil || !reflect.DeepEqual(got, given) {
		t.Errorf("WebSession = %+v, %v; want %+v", got, err, given)
	}
	dup := &store.WebSession{ID: sessionID("1"), User: "ann", CSRF: csrf("other"), Expires: now.Add(time.Hour)}
	wantErr(t, st.PutWebSession(ctx(t), dup), store.ErrExists, "PutWebSession of a taken ID")
	orphan := &store.WebSession{ID: sessionID("3"), User: "bob", CSRF: csrf("3"), Expires: now.Add(time.Hour)}
	wantErr(t, st.PutWebSession(ctx(t), orphan), store.ErrNotFound, "PutWebSession of an unknown user")
	for _, id := range []string{sessionID("3"), strings.ToUpper(sessionID("1")), ""} {
		wantErr(t, errOf(st.WebSession(ctx(t), id)), store.ErrNotFound, "WebSession(%q)", id)
	}
	if got, err := st.WebSession(ctx(t), sessionID("1")); err != nil || got.CSRF != csrf("1") {
		t.Errorf("after a refused duplicate: %+v, %v; want the first session", got, err)
	}

	// Touch moves LastSeen to the clock and Expires to the argument, which
	// may be earlier than before.
	seen := clock.Advance(30 * time.Minute)
	later := seen.Add(time.Hour)
	if err := st.TouchWebSession(ctx(t), sessionID("1"), later); err != nil {
		t.Fatal(err)
	}
	want.LastSeen, want.Expires = seen, later
	if got, err := st.WebSession(ctx(t), sessionID("1")); err != nil || !reflect.DeepEqual(*got, want) {
		t.Errorf("after Touch: %+v, %v; want %+v", got, err, want)
	}
	for _, id := range []string{given.ID, sessionID("3")} { // expired, unknown
		wantErr(t, st.TouchWebSession(ctx(t), id, later), store.ErrNotFound, "TouchWebSession(%s…)", id[:8])
	}
	wantErr(t, st.TouchWebSession(ctx(t), sessionID("1"), time.Time{}), store.ErrInvalid, "TouchWebSession(zero expiry)")

	// Expiry goes by the store's clock: gone at Expires.
	clock.Set(later.Add(-time.Microsecond))
	if _, err := st.WebSession(ctx(t), sessionID("1")); err != nil {
		t.Errorf("a microsecond before expiry: %v, want the session", err)
	}
	clock.Set(later)
	wantErr(t, errOf(st.WebSession(ctx(t), sessionID("1"))), store.ErrNotFound, "WebSession at expiry")
	wantErr(t, st.TouchWebSession(ctx(t), sessionID("1"), later.Add(time.Hour)), store.ErrNotFound, "touching an expired session")

	// Delete; deleting again, or what never was, is no error.
	clock.Set(now)
	for range 2 {
		if err := st.DeleteWebSession(ctx(t), sessionID("1")); err != nil {
			t.Errorf("DeleteWebSession: %v", err)
		}
	}
	wantErr(t, errOf(st.WebSession(ctx(t), sessionID("1"))), store.ErrNotFound, "WebSession after DeleteWebSession")
	if got, err := st.WebSession(ctx(t), given.ID); err != nil || got.ID != given.ID {
		t.Errorf("the other session after DeleteWebSession: %v; want it kept", err)
	}
}

func testWebSessionInvalid(t *testing.T, st store.Store, clock *Clock) {
	mustPutUser(t, st, "ann")
	for _, tc := range []struct {
		name   string
		mutate func(*store.WebSession)
	}{
		{"ID upper case", func(s *store.WebSession) { s.ID = strings.ToUpper(s.ID) }},
		{"ID of 63", func(s *store.WebSession) { s.ID = s.ID[:63] }},
		{"ID of 65", func(s *store.WebSession) { s.ID += "0" }},
		{"ID not hex", func(s *store.WebSession) { s.ID = strings.Repeat("g", 64) }},
		{"no user", func(s *store.WebSession) { s.User = "" }},
		{"bad user name", func(s *store.WebSession) { s.User = "Ann" }},
		{"CSRF of 31", func(s *store.WebSession) { s.CSRF = s.CSRF[:31] }},
		{"CSRF of 129", func(s *store.WebSession) { s.CSRF = strings.Repeat("a", 129) }},
		{"CSRF not hex", func(s *store.WebSession) { s.CSRF = strings.Repeat("z", 32) }},
		{"zero expiry", func(s *store.WebSession) { s.Expires = time.Time{} }},
		{"expiry in year 10000", func(s *store.WebSession) { s.Expires = time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC) }},
	} {
		ws := &store.WebSession{ID: sessionID(tc.name), User: "ann", CSRF: csrf(tc.name), Expires: clock.Now().Add(time.Hour)}
		tc.mutate(ws)
		wantErr(t, st.PutWebSession(ctx(t), ws), store.ErrInvalid, "PutWebSession(%s)", tc.name)
		wantErr(t, errOf(st.WebSession(ctx(t), sessionID(tc.name))), store.ErrNotFound, "WebSession after a refused PutWebSession(%s)", tc.name)
	}
	wantErr(t, st.PutWebSession(ctx(t), nil), store.ErrInvalid, "PutWebSession(nil)")
}

func testDeleteUser(t *testing.T, st store.Store, clock *Clock) {
	mustPutUser(t, st, "ann")
	mustPutUser(t, st, "bob")
	later := clock.Now().Add(time.Hour)
	mustPutWebSession(t, st, "ann", "ann-1", later)
	mustPutWebSession(t, st, "ann", "ann-2", later)
	mustPutWebSession(t, st, "bob", "bob-1", later)
	if err := st.DeleteUser(ctx(t), "ann"); err != nil {
		t.Fatal(err)
	}
	wantErr(t, errOf(st.User(ctx(t), "ann")), store.ErrNotFound, "User after DeleteUser")
	for _, seed := range []string{"ann-1", "ann-2"} {
		wantErr(t, errOf(st.WebSession(ctx(t), sessionID(seed))), store.ErrNotFound, "WebSession(%s) of a deleted user", seed)
	}
	if _, err := st.WebSession(ctx(t), sessionID("bob-1")); err != nil {
		t.Errorf("another user's session after DeleteUser: %v", err)
	}
	wantErr(t, st.DeleteUser(ctx(t), "ann"), store.ErrNotFound, "second DeleteUser")
	// A new account of the same name does not inherit the old sessions.
	mustPutUser(t, st, "ann")
	wantErr(t, errOf(st.WebSession(ctx(t), sessionID("ann-1"))), store.ErrNotFound, "old session of a recreated account")
	mustPutWebSession(t, st, "ann", "ann-1", later)
	if users, err := st.Users(ctx(t)); err != nil || len(users) != 2 {
		t.Errorf("Users = %d, %v; want ann and bob", len(users), err)
	}
}

func testPruneWebSessions(t *testing.T, st store.Store, clock *Clock) {
	mustPutUser(t, st, "ann")
	for i, exp := range []time.Time{at(0), at(10), at(10).Add(time.Microsecond), at(20)} {
		mustPutWebSession(t, st, "ann", fmt.Sprint(i), exp)
	}
	clock.Set(at(-1))                             // before every expiry, so WebSession shows what is stored
	n, err := st.PruneWebSessions(ctx(t), at(10)) // expired at 10: the session expiring at 10 too
	if err != nil || n != 2 {
		t.Fatalf("PruneWebSessions(at 10) = %d, %v; want 2", n, err)
	}
	for i, kept := range []bool{false, false, true, true} {
		_, err := st.WebSession(ctx(t), sessionID(fmt.Sprint(i)))
		if kept && err != nil || !kept && !errors.Is(err, store.ErrNotFound) {
			t.Errorf("session %d after pruning: %v, want kept %v", i, err, kept)
		}
	}
	if n, err := st.PruneWebSessions(ctx(t), at(10)); err != nil || n != 0 {
		t.Errorf("second PruneWebSessions = %d, %v; want 0", n, err)
	}
	if n, err := st.PruneWebSessions(ctx(t), at(30)); err != nil || n != 2 {
		t.Errorf("PruneWebSessions(at 30) = %d, %v; want 2", n, err)
	}
	wantErr(t, errOf(st.PruneWebSessions(ctx(t), time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC))), store.ErrInvalid, "PruneWebSessions(year 10000)")
	if _, err := st.User(ctx(t), "ann"); err != nil {
		t.Errorf("pruning sessions touched their user: %v", err)
	}
}

func mustRateBuckets(t *testing.T, st store.Store, keys ...string) map[string]store.RateBucket {
	t.Helper()
	m, err := st.RateBuckets(ctx(t), keys)
	if err != nil {
		t.Fatalf("RateBuckets: %v", err)
	}
	if m == nil {
		t.Fatal("RateBuckets returned a nil map")
	}
	return m
}

func testRateBuckets(t *testing.T, st store.Store, _ *Clock) {
	save := func(bs ...store.RateBucket) {
		t.Helper()
		if err := st.SaveRateBuckets(ctx(t), bs); err != nil {
			t.Fatalf("SaveRateBuckets: %v", err)
		}
	}
	when := time.Date(2026, 2, 1, 9, 0, 0, 123456789, time.FixedZone("CET", 3600))
	save(store.RateBucket{Key: "send/ip/192.0.2.7", Tokens: 2.5, At: when},
		store.RateBucket{Key: "login/user/alice", Tokens: -1.25, At: at(1)},
		store.RateBucket{Key: "send/address/ünï@exämple.de", Tokens: 0, At: at(2)})
	got := mustRateBuckets(t, st, "send/ip/192.0.2.7", "login/user/alice", "login/user/bob", "send/address/ünï@exämple.de")
	want := map[string]store.RateBucket{
		"send/ip/192.0.2.7":           {Key: "send/ip/192.0.2.7", Tokens: 2.5, At: when.Truncate(time.Microsecond).UTC()},
		"login/user/alice":            {Key: "login/user/alice", Tokens: -1.25, At: at(1)},
		"send/address/ünï@exämple.de": {Key: "send/address/ünï@exämple.de", Tokens: 0, At: at(2)},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("RateBuckets =\n %v\nwant\n %v", got, want)
	}
	for _, keys := range [][]string{nil, {}, {"login/user/bob"}, {"SEND/IP/192.0.2.7"}} {
		if m := mustRateBuckets(t, st, keys...); len(m) != 0 {
			t.Errorf("RateBuckets(%q) = %v, want none", keys, m)
		}
	}
	// Saving replaces; of two with one key in a batch the last wins; an
	// empty batch saves nothing.
	save(store.RateBucket{Key: "login/user/alice", Tokens: 9, At: at(5)},
		store.RateBucket{Key: "login/user/alice", Tokens: 3, At: at(6)},
		store.RateBucket{Key: "login/user/bob", Tokens: 1, At: at(6)})
	save()
	got = mustRateBuckets(t, st, "login/user/alice", "login/user/bob", "send/ip/192.0.2.7")
	if b := got["login/user/alice"]; b.Tokens != 3 || !b.At.Equal(at(6)) {
		t.Errorf("replaced bucket = %+v, want 3 tokens at %v", b, at(6))
	}
	if len(got) != 3 || got["login/user/bob"].Tokens != 1 || got["send/ip/192.0.2.7"].Tokens != 2.5 {
		t.Errorf("after the second save: %v", got)
	}
	// More keys than fit in one query.
	var many []store.RateBucket
	var keys []string
	for i := range 1200 {
		k := fmt.Sprintf("send/ip/10.0.%d.%d", i/256, i%256)
		many, keys = append(many, store.RateBucket{Key: k, Tokens: float64(i), At: at(i)}), append(keys, k)
	}
	save(many...)
	got = mustRateBuckets(t, st, append(keys, "missing")...)
	if len(got) != len(keys) || got[keys[1100]].Tokens != 1100 || !got[keys[7]].At.Equal(at(7)) {
		t.Errorf("RateBuckets of %d keys gave %d buckets", len(keys), len(got))
	}
}

func testRateBucketsInvalid(t *testing.T, st store.Store, _ *Clock) {
	good := store.RateBucket{Key: "send/ip/192.0.2.1", Tokens: 1, At: at(0)}
	for _, tc := range []struct {
		name string
		b    store.RateBucket
	}{
		{"no key", store.RateBucket{Tokens: 1, At: at(0)}},
		{"key of 201 bytes", store.RateBucket{Key: strings.Repeat("k", store.MaxRateKeyLen+1), At: at(0)}},
		{"key of 101 two-byte characters", store.RateBucket{Key: strings.Repeat("é", 101), At: at(0)}},
		{"key not UTF-8", store.RateBucket{Key: "send/\xff", At: at(0)}},
		{"key with NUL", store.RateBucket{Key: "send/\x00", At: at(0)}},
		{"NaN tokens", store.RateBucket{Key: "k", Tokens: math.NaN(), At: at(0)}},
		{"infinite tokens", store.RateBucket{Key: "k", Tokens: math.Inf(1), At: at(0)}},
		{"minus infinite tokens", store.RateBucket{Key: "k", Tokens: math.Inf(-1), At: at(0)}},
		{"zero time", store.RateBucket{Key: "k", Tokens: 1}},
		{"year 10000", store.RateBucket{Key: "k", At: time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC)}},
	} {
		wantErr(t, st.SaveRateBuckets(ctx(t), []store.RateBucket{good, tc.b}), store.ErrInvalid, "SaveRateBuckets(%s)", tc.name)
	}
	if m := mustRateBuckets(t, st, good.Key, "k"); len(m) != 0 {
		t.Errorf("refused batches saved %v", m)
	}
	edge := store.RateBucket{Key: strings.Repeat("é", store.MaxRateKeyLen/2), Tokens: math.MaxFloat64, At: at(0)}
	if err := st.SaveRateBuckets(ctx(t), []store.RateBucket{edge}); err != nil {
		t.Fatalf("SaveRateBuckets(key of 200 bytes) = %v", err)
	}
	if m := mustRateBuckets(t, st, edge.Key); m[edge.Key] != edge {
		t.Errorf("bucket at the bounds came back as %v", m)
	}
}

func testPruneRateBuckets(t *testing.T, st store.Store, _ *Clock) {
	keys := []string{"a", "b", "c", "d"}
	var bs []store.RateBucket
	for i, when := range []time.Time{at(0), at(10).Add(-time.Microsecond), at(10), at(20)} {
		bs = append(bs, store.RateBucket{Key: keys[i], Tokens: 1, At: when})
	}
	if err := st.SaveRateBuckets(ctx(t), bs); err != nil {
		t.Fatal(err)
	}
	if n, err := st.PruneRateBuckets(ctx(t), at(10)); err != nil || n != 2 {
		t.Fatalf("PruneRateBuckets(at 10) = %d, %v; want 2 (one at exactly 10 is kept)", n, err)
	}
	m := mustRateBuckets(t, st, keys...)
	if _, ok := m["c"]; !ok || len(m) != 2 || m["d"].Key != "d" {
		t.Errorf("after pruning: %v, want c and d", m)
	}
	if n, err := st.PruneRateBuckets(ctx(t), at(30)); err != nil || n != 2 {
		t.Errorf("PruneRateBuckets(at 30) = %d, %v; want 2", n, err)
	}
	wantErr(t, errOf(st.PruneRateBuckets(ctx(t), time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC))), store.ErrInvalid, "PruneRateBuckets(year 10000)")
}

// newWizard is a wizard session with the reference code, about the
// address and phone.
func newWizard(ref, address, phone string) *store.WizardSession {
	return &store.WizardSession{Ref: ref, SecretHash: sessionID("wizard " + ref), Address: address, Phone: phone,
		State: []byte(`{"step":"start"}`)}
}

func mustPutWizard(t *testing.T, st store.Store, ws *store.WizardSession) {
	t.Helper()
	if err := st.PutWizardSession(ctx(t), ws); err != nil {
		t.Fatalf("PutWizardSession(%s): %v", ws.Ref, err)
	}
}

func mustWizard(t *testing.T, st store.Store, ref string) *store.WizardSession {
	t.Helper()
	ws, err := st.WizardSession(ctx(t), ref)
	if err != nil {
		t.Fatalf("WizardSession(%s): %v", ref, err)
	}
	return ws
}

func testWizardSessionRoundTrip(t *testing.T, st store.Store, clock *Clock) {
	now := clock.Now()
	in := newWizard("K7Q2-9XMD", "ann@example.com", "+15550100")
	in.Updated = at(0) // ignored: the store sets it
	mustPutWizard(t, st, in)
	want := store.WizardSession{Ref: "K7Q2-9XMD", SecretHash: sessionID("wizard K7Q2-9XMD"), Created: now, Updated: now,
		Address: "ann@example.com", Phone: "+15550100", State: []byte(`{"step":"start"}`)}
	if !reflect.DeepEqual(*in, want) {
		t.Errorf("PutWizardSession left the caller's session %+v, want %+v", *in, want)
	}
	if got := mustWizard(t, st, in.Ref); !reflect.DeepEqual(*got, want) {
		t.Errorf("WizardSession round trip:\n got %+v\nwant %+v", *got, want)
	}
	// A given Created is kept; no state comes back nil; upper-case hex.
	bare := &store.WizardSession{Ref: "0000", SecretHash: strings.ToUpper(sessionID("x")), Created: at(3)}
	mustPutWizard(t, st, bare)
	if got := mustWizard(t, st, "0000"); !got.Created.Equal(at(3)) || !got.Updated.Equal(now) || got.State != nil ||
		got.Address != "" || got.SecretHash != bare.SecretHash {
		t.Errorf("bare session came back as %+v", got)
	}
	dup := newWizard("K7Q2-9XMD", "bob@example.com", "")
	wantErr(t, st.PutWizardSession(ctx(t), dup), store.ErrExists, "PutWizardSession of a taken Ref")
	for _, ref := range []string{"k7q2-9xmd", "K7Q2", "NONE"} {
		wantErr(t, errOf(st.WizardSession(ctx(t), ref)), store.ErrNotFound, "WizardSession(%q)", ref)
	}

	// Update replaces address, phone and state and moves Updated, and
	// nothing else, whatever the caller's copy holds.
	later := clock.Advance(90 * time.Second)
	up := &store.WizardSession{Ref: "K7Q2-9XMD", SecretHash: sessionID("forged"), Created: at(0),
		Address: "ann@example.org", State: []byte(`{"step":"junk","seen":[1,2]}`)}
	if err := st.UpdateWizardSession(ctx(t), up); err != nil {
		t.Fatal(err)
	}
	if !up.Updated.Equal(later) {
		t.Errorf("UpdateWizardSession set the caller's Updated to %v, want %v", up.Updated, later)
	}
	want.Updated, want.Address, want.Phone, want.State = later, up.Address, "", up.State
	if got := mustWizard(t, st, up.Ref); !reflect.DeepEqual(*got, want) {
		t.Errorf("after update:\n got %+v\nwant %+v", *got, want)
	}
	wantErr(t, st.UpdateWizardSession(ctx(t), newWizard("GONE", "", "")), store.ErrNotFound, "UpdateWizardSession(unknown)")
}

func testWizardSessionInvalid(t *testing.T, st store.Store, _ *Clock) {
	big := []byte(`"` + strings.Repeat("x", store.MaxWizardState-2) + `"`)
	for _, tc := range []struct {
		name   string
		mutate func(*store.WizardSession)
		update bool // also refused by UpdateWizardSession
	}{
		{"ref of 3", func(s *store.WizardSession) { s.Ref = "ABC" }, true},
		{"ref of 33", func(s *store.WizardSession) { s.Ref = strings.Repeat("A", 33) }, true},
		{"ref lower case", func(s *store.WizardSession) { s.Ref = "abcd-1234" }, true},
		{"ref with underscore", func(s *store.WizardSession) { s.Ref = "ABCD_1234" }, true},
		{"secret hash of 63", func(s *store.WizardSession) { s.SecretHash = s.SecretHash[:63] }, false},
		{"secret hash not hex", func(s *store.WizardSession) { s.SecretHash = strings.Repeat("x", 64) }, false},
		{"no secret hash", func(s *store.WizardSession) { s.SecretHash = "" }, false},
		{"state not JSON", func(s *store.WizardSession) { s.State = []byte(`{"step":`) }, true},
		{"state over 256 KiB", func(s *store.WizardSession) { s.State = append(big[:len(big)-1:len(big)-1], 'x', '"') }, true},
		{"address not UTF-8", func(s *store.WizardSession) { s.Address = "ann@\xffexample.com" }, true},
		{"address too long", func(s *store.WizardSession) {
			s.Address = strings.Repeat("a", store.MaxWizardAddressLen) + "@x"
		}, true},
		{"phone too long", func(s *store.WizardSession) { s.Phone = "+" + strings.Repeat("1", store.MaxWizardPhoneLen) }, true},
		{"phone with NUL", func(s *store.WizardSession) { s.Phone = "+1555\x00" }, true},
	} {
		ws := newWizard("GOOD-1", "ann@example.com", "+15550100")
		tc.mutate(ws)
		wantErr(t, st.PutWizardSession(ctx(t), ws), store.ErrInvalid, "PutWizardSession(%s)", tc.name)
		if tc.update {
			wantErr(t, st.UpdateWizardSession(ctx(t), ws), store.ErrInvalid, "UpdateWizardSession(%s)", tc.name)
		}
	}
	wantErr(t, st.PutWizardSession(ctx(t), nil), store.ErrInvalid, "PutWizardSession(nil)")
	wantErr(t, errOf(st.WizardSession(ctx(t), "GOOD-1")), store.ErrNotFound, "WizardSession after refused puts")
	// At the bounds, counted in characters for address and phone.
	edge := newWizard(strings.Repeat("Z", 32), strings.Repeat("ü", store.MaxWizardAddressLen-2)+"@x",
		strings.Repeat("٣", store.MaxWizardPhoneLen))
	edge.State = big
	mustPutWizard(t, st, edge)
	if got := mustWizard(t, st, edge.Ref); len(got.State) != store.MaxWizardState || got.Address != edge.Address ||
		got.Phone != edge.Phone {
		t.Errorf("session at the bounds came back with %d bytes of state", len(got.State))
	}
	// An update keeps the stored session when refused.
	bad := *edge
	bad.State = []byte("{")
	wantErr(t, st.UpdateWizardSession(ctx(t), &bad), store.ErrInvalid, "UpdateWizardSession(bad state)")
	if got := mustWizard(t, st, edge.Ref); len(got.State) != store.MaxWizardState {
		t.Errorf("a refused update changed the state to %q", got.State)
	}
}

// describeWizards is the Refs of the sessions, in order.
func describeWizards(ws []*store.WizardSession) []string {
	var out []string
	for _, w := range ws {
		out = append(out, w.Ref)
	}
	return out
}

func testWizardSessionsByAddress(t *testing.T, st store.Store, clock *Clock) {
	const ann, phone = "ann@example.com", "+15550100"
	clock.Set(at(0))
	mustPutWizard(t, st, newWizard("A-OLD", ann, phone))
	clock.Set(at(1))
	mustPutWizard(t, st, newWizard("B-PHONE", "", phone))
	mustPutWizard(t, st, newWizard("C-TIE", ann, ""))
	mustPutWizard(t, st, newWizard("D-TIE", ann, ""))
	clock.Set(at(2))
	mustPutWizard(t, st, newWizard("E-OTHER", "bob@example.com", "+15550199"))
	// Address and phone each match only their own column.
	mustPutWizard(t, st, newWizard("F-SWAP", phone, ann))
	// Updating A makes it the most recent.
	clock.Set(at(3))
	if err := st.UpdateWizardSession(ctx(t), newWizard("A-OLD", ann, phone)); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		arg   string
		limit int
		want  []string
	}{
		{ann, 0, []string{"A-OLD", "D-TIE", "C-TIE"}},
		{ann, 2, []string{"A-OLD", "D-TIE"}},
		{phone, 0, []string{"A-OLD", "B-PHONE"}},
		{phone, 1, []string{"A-OLD"}},
		{"bob@example.com", -1, []string{"E-OTHER"}},
		{"+15550199", 5000, []string{"E-OTHER"}},
		{"Ann@example.com", 0, nil},
		{"+1555010", 0, nil},
		{"", 0, nil},
	} {
		got, err := st.WizardSessionsByAddress(ctx(t), tc.arg, tc.limit)
		if err != nil {
			t.Fatal(err)
		}
		if d := describeWizards(got); !slices.Equal(d, tc.want) {
			t.Errorf("WizardSessionsByAddress(%q, %d) = %v, want %v", tc.arg, tc.limit, d, tc.want)
		}
	}
	got, err := st.WizardSessionsByAddress(ctx(t), ann, 1)
	if err != nil || len(got) != 1 || !got[0].Updated.Equal(at(3)) || string(got[0].State) != `{"step":"start"}` {
		t.Errorf("listed session = %+v, %v; want it whole", got, err)
	}
	// The default limit.
	for i := range store.DefaultLimit + 1 {
		mustPutWizard(t, st, newWizard(fmt.Sprintf("MANY-%03d", i), "many@example.com", ""))
	}
	if got, err := st.WizardSessionsByAddress(ctx(t), "many@example.com", 0); err != nil || len(got) != store.DefaultLimit ||
		got[0].Ref != "MANY-100" {
		t.Errorf("WizardSessionsByAddress(limit 0) = %d sessions, %v; want %d, MANY-100 first", len(got), err, store.DefaultLimit)
	}
}

func testPruneWizardSessions(t *testing.T, st store.Store, clock *Clock) {
	for i, when := range []time.Time{at(0), at(10).Add(-time.Microsecond), at(10), at(20)} {
		clock.Set(when)
		mustPutWizard(t, st, newWizard(fmt.Sprintf("WZ-%d", i), "ann@example.com", ""))
	}
	// WZ-0 is updated late, so only WZ-1 is left behind.
	clock.Set(at(25))
	if err := st.UpdateWizardSession(ctx(t), newWizard("WZ-0", "ann@example.com", "")); err != nil {
		t.Fatal(err)
	}
	if n, err := st.PruneWizardSessions(ctx(t), at(10)); err != nil || n != 1 {
		t.Fatalf("PruneWizardSessions(at 10) = %d, %v; want 1", n, err)
	}
	got, err := st.WizardSessionsByAddress(ctx(t), "ann@example.com", 0)
	if d := describeWizards(got); err != nil || !slices.Equal(d, []string{"WZ-0", "WZ-3", "WZ-2"}) {
		t.Errorf("after pruning: %v, %v; want WZ-0, WZ-3, WZ-2", d, err)
	}
	if n, err := st.PruneWizardSessions(ctx(t), at(30)); err != nil || n != 3 {
		t.Errorf("PruneWizardSessions(at 30) = %d, %v; want 3", n, err)
	}
	wantErr(t, errOf(st.PruneWizardSessions(ctx(t), time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC))), store.ErrInvalid, "PruneWizardSessions(year 10000)")
}

func testWebClosed(t *testing.T, st store.Store, clock *Clock) {
	mustPutUser(t, st, "ann")
	if err := st.Close(); err != nil {
		t.Fatal(err)
	}
	c, later := ctx(t), clock.Now().Add(time.Hour)
	bucket := []store.RateBucket{{Key: "k", At: at(0)}}
	for name, call := range map[string]func() error{
		"PutUser":     func() error { return st.PutUser(c, &store.User{Name: "bob", PasswordHash: argonHash}) },
		"SetPassword": func() error { return st.SetPassword(c, "ann", bcryptHash) },
		"User":        func() error { _, err := st.User(c, "ann"); return err },
		"Users":       func() error { _, err := st.Users(c); return err },
		"DeleteUser":  func() error { return st.DeleteUser(c, "ann") },
		"RecordLogin": func() error { _, err := st.RecordLogin(c, "ann", true, lockout); return err },
		"PutWebSession": func() error {
			return st.PutWebSession(c, &store.WebSession{ID: sessionID("1"), User: "ann", CSRF: csrf("1"), Expires: later})
		},
		"WebSession":          func() error { _, err := st.WebSession(c, sessionID("1")); return err },
		"TouchWebSession":     func() error { return st.TouchWebSession(c, sessionID("1"), later) },
		"DeleteWebSession":    func() error { return st.DeleteWebSession(c, sessionID("1")) },
		"PruneWebSessions":    func() error { _, err := st.PruneWebSessions(c, at(0)); return err },
		"RateBuckets":         func() error { _, err := st.RateBuckets(c, nil); return err },
		"SaveRateBuckets":     func() error { return st.SaveRateBuckets(c, bucket) },
		"SaveRateBuckets(0)":  func() error { return st.SaveRateBuckets(c, nil) },
		"PruneRateBuckets":    func() error { _, err := st.PruneRateBuckets(c, at(0)); return err },
		"PutWizardSession":    func() error { return st.PutWizardSession(c, newWizard("ABCD", "", "")) },
		"UpdateWizardSession": func() error { return st.UpdateWizardSession(c, newWizard("ABCD", "", "")) },
		"WizardSession":       func() error { _, err := st.WizardSession(c, "ABCD"); return err },
		"WizardSessionsByAddress": func() error {
			_, err := st.WizardSessionsByAddress(c, "", 0)
			return err
		},
		"PruneWizardSessions": func() error { _, err := st.PruneWizardSessions(c, at(0)); return err },
	} {
		if err := call(); !errors.Is(err, store.ErrClosed) {
			t.Errorf("%s after Close = %v, want ErrClosed", name, err)
		}
	}
}
