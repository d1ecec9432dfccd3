// Package storetest is the conformance suite of [store.Store]: the
// behaviour every implementation must show (see the store package's
// documentation), checked through the interface alone. The SQLite
// implementation runs it; a PostgreSQL implementation runs it too.
package storetest

import (
	"context"
	"crypto/sha256"
	"encoding/base32"
	"encoding/binary"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/codeprobe/codeprobe/store"
)

// Opener opens a new, empty store whose clock is now, and arranges for
// it to be closed when the test ends.
type Opener func(t *testing.T, now func() time.Time) store.Store

// Run runs the conformance suite, each test on a store of its own.
func Run(t *testing.T, open Opener) {
	for _, tc := range []struct {
		name string
		fn   func(*testing.T, store.Store, *Clock)
	}{
		{"SendRoundTrip", testSendRoundTrip},
		{"SendInvalid", testSendInvalid},
		{"SendDuplicateAndMissing", testSendDuplicateAndMissing},
		{"UpdateSendResult", testUpdateSendResult},
		{"SendsByAddress", testSendsByAddress},
		{"ReturnRoundTrip", testReturnRoundTrip},
		{"ReturnInvalid", testReturnInvalid},
		{"Classification", testClassification},
		{"ReturnsByToken", testReturnsByToken},
		{"UnclassifiedReturns", testUnclassifiedReturns},
		{"PurgeRaw", testPurgeRaw},
		{"AddressCodeSession", testAddressCodeSession},
		{"AddressCodeSessionInvalid", testAddressCodeSessionInvalid},
		{"AppendCodeIssueConcurrent", testAppendCodeIssueConcurrent},
		{"RecentAddressCodeSessions", testRecentAddressCodeSessions},
		{"Attempts", testAttempts},
		{"AttemptsBelongToSessions", testAttemptsBelongToSessions},
		{"PruneCodeSessions", testPruneCodeSessions},
		{"PlacementRoundTrip", testPlacementRoundTrip},
		{"PlacementInvalid", testPlacementInvalid},
		{"PlacementsFilter", testPlacementsFilter},
		{"PlacementRuns", testPlacementRuns},
		{"PrunePlacements", testPrunePlacements},
		{"UserRoundTrip", testUserRoundTrip},
		{"UserInvalid", testUserInvalid},
		{"LoginLockout", testLoginLockout},
		{"RecordLoginConcurrent", testRecordLoginConcurrent},
		{"WebSessionRoundTrip", testWebSessionRoundTrip},
		{"DeleteWebSessions", testDeleteWebSessions},
		{"WebSessionInvalid", testWebSessionInvalid},
		{"DeleteUser", testDeleteUser},
		{"PruneWebSessions", testPruneWebSessions},
		{"RateBuckets", testRateBuckets},
		{"RateBucketsInvalid", testRateBucketsInvalid},
		{"PruneRateBuckets", testPruneRateBuckets},
		{"WizardSessionRoundTrip", testWizardSessionRoundTrip},
		{"WizardSessionInvalid", testWizardSessionInvalid},
		{"WizardSessionsByAddress", testWizardSessionsByAddress},
		{"PruneWizardSessions", testPruneWizardSessions},
		{"WebClosed", testWebClosed},
		{"ReportRoundTrip", testReportRoundTrip},
		{"ReportInvalid", testReportInvalid},
		{"ReportsByAddress", testReportsByAddress},
		{"PruneReports", testPruneReports},
		{"ReturnsSince", testReturnsSince},
		{"PlacementsUntil", testPlacementsUntil},
		{"ReportsClosed", testReportsClosed},
		{"Events", testEvents},
		{"EventsLimitAndTies", testEventsLimitAndTies},
		{"ConcurrentUse", testConcurrentUse},
		{"Closed", testClosed},
	} {
		t.Run(tc.name, func(t *testing.T) {
			clock := NewClock(time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC))
			tc.fn(t, open(t, clock.Now), clock)
		})
	}
}

// Clock is a settable clock for a store under test.
type Clock struct {
	mu  sync.Mutex
	now time.Time
}

// NewClock returns a clock reading t.
func NewClock(t time.Time) *Clock { return &Clock{now: t} }

// Now reads the clock.
func (c *Clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

// Set sets the clock to t.
func (c *Clock) Set(t time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = t
}

// Advance moves the clock forward by d and returns the new time.
func (c *Clock) Advance(d time.Duration) time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
	return c.now
}

// Token returns a valid send token derived from seed: the same seed, the
// same token.
func Token(seed string) string {
	sum := sha256.Sum256([]byte(seed))
	return strings.ToLower(base32.StdEncoding.WithPadding(base32.NoPadding).EncodeToString(sum[:12]))
}

// TokenN is Token of the decimal n.
func TokenN(n int) string {
	var b [8]byte
	binary.BigEndian.PutUint64(b[:], uint64(n))
	return Token(string(b[:]))
}

func ctx(t *testing.T) context.Context { return t.Context() }

// at is a fixed time with microsecond precision, minutes after base.
func at(minutes int) time.Time {
	return time.Date(2026, 2, 1, 9, 0, 0, 0, time.UTC).Add(time.Duration(minutes) * time.Minute)
}

func mustPutSend(t *testing.T, st store.Store, s *store.Send) {
	t.Helper()
	if err := st.PutSend(ctx(t), s); err != nil {
		t.Fatalf("PutSend(%s): %v", s.Token, err)
	}
}

func mustPutReturn(t *testing.T, st store.Store, r *store.Return) int64 {
	t.Helper()
	id, err := st.PutReturn(ctx(t), r)
	if err != nil {
		t.Fatalf("PutReturn: %v", err)
	}
	return id
}

// mustOpenSession opens the code session (id, address), created at the
// store's clock, and issues it the codes issued at the given times, each
// valid for ten minutes.
func mustOpenSession(t *testing.T, st store.Store, id, address string, issued ...time.Time) *store.AddressCodeSession {
	t.Helper()
	s, err := st.OpenAddressCodeSession(ctx(t), &store.AddressCodeSession{ID: id, Address: address,
		Secret: []byte("12345678901234567890"), Digits: 6})
	if err != nil {
		t.Fatalf("OpenAddressCodeSession(%s, %s): %v", id, address, err)
	}
	for _, at := range issued {
		is, err := st.AppendCodeIssue(ctx(t), id, address, store.CodeIssue{Issued: at, Expires: at.Add(10 * time.Minute),
			Token: Token(id + " " + address + " " + at.String())}, 1000)
		if err != nil {
			t.Fatalf("AppendCodeIssue(%s, %s): %v", id, address, err)
		}
		s.Issues = append(s.Issues, is)
	}
	return s
}

func mustPutAttempt(t *testing.T, st store.Store, a *store.Attempt) int64 {
	t.Helper()
	id, err := st.PutAttempt(ctx(t), a)
	if err != nil {
		t.Fatalf("PutAttempt: %v", err)
	}
	return id
}

// newSend is a complete send to address at the given time.
func newSend(token, address string, created time.Time) *store.Send {
	domain := address[strings.LastIndexByte(address, '@')+1:]
	return &store.Send{
		Token:           token,
		Created:         created,
		SessionID:       "sess-" + address,
		Recipient:       address,
		RecipientDomain: domain,
		From:            "codes@sender.example",
		SinkDomain:      "sink.example",
	}
}

// newReturn is a return tied to token, received at the given time.
func newReturn(token string, received time.Time, raw string) *store.Return {
	return &store.Return{
		Received:   received,
		MailFrom:   "",
		Recipients: []string{"bounce+" + token + "@sink.example"},
		HELO:       "mx.example.net",
		Raw:        []byte(raw),
		Token:      token,
	}
}
