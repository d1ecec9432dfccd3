package testcode

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/codeprobe/codeprobe/store"
)

// IssueStore is what [StoreCodeStore] needs of a database: code sessions
// keyed by (session ID, address) with the codes issued in them and the
// attempts made. Every [store.Store] implements it.
type IssueStore interface {
	OpenAddressCodeSession(ctx context.Context, s *store.AddressCodeSession) (*store.AddressCodeSession, error)
	AppendCodeIssue(ctx context.Context, sessionID, address string, is store.CodeIssue, limit int) (store.CodeIssue, error)
	AddressCodeSession(ctx context.Context, sessionID, address string) (*store.AddressCodeSession, error)
	RecentAddressCodeSessions(ctx context.Context, address string, since time.Time, limit int) ([]*store.AddressCodeSession, error)
	CountCodeAttempt(ctx context.Context, sessionID, address string, ordinal int) (int, error)
	PutAttempt(ctx context.Context, a *store.Attempt) (int64, error)
}

var _ IssueStore = store.Store(nil)

// StoreCodeStore is a CodeStore kept in a database, so that a code sent by
// one process can be checked by another, after a restart. It has the
// semantics of [MemoryCodeStore], except that times are kept to the
// microsecond, in UTC, and RecentSessions returns at most
// store.MaxLimit sessions. Every change is one transaction: AppendIssue
// hands out each ordinal once, even to several processes sharing the
// database.
type StoreCodeStore struct {
	Store IssueStore
}

var _ CodeStore = StoreCodeStore{}

// OpenSession implements CodeStore.
func (c StoreCodeStore) OpenSession(ctx context.Context, s Session) (Session, error) {
	got, err := c.Store.OpenAddressCodeSession(ctx, &store.AddressCodeSession{
		ID: s.ID, Address: s.Address, Secret: s.Secret, Digits: s.Digits, Created: s.CreatedAt,
	})
	if err != nil {
		return Session{}, storeError(err)
	}
	return fromStoreSession(got), nil
}

// AppendIssue implements CodeStore.
func (c StoreCodeStore) AppendIssue(ctx context.Context, sessionID, address string, is Issue, limit int) (Issue, error) {
	got, err := c.Store.AppendCodeIssue(ctx, sessionID, address, store.CodeIssue{
		Issued: is.IssuedAt, Expires: is.ExpiresAt, Token: is.Token,
	}, limit)
	if err != nil {
		return Issue{}, storeError(err)
	}
	return fromStoreIssue(got), nil
}

// Session implements CodeStore.
func (c StoreCodeStore) Session(ctx context.Context, sessionID, address string) (Session, error) {
	got, err := c.Store.AddressCodeSession(ctx, sessionID, address)
	if err != nil {
		return Session{}, storeError(err)
	}
	return fromStoreSession(got), nil
}

// RecentSessions implements CodeStore. A negative limit means as many as
// the store returns at once (store.MaxLimit).
func (c StoreCodeStore) RecentSessions(ctx context.Context, address string, since time.Time, limit int) ([]Session, error) {
	switch {
	case limit == 0:
		return nil, ctx.Err()
	case limit < 0:
		limit = store.MaxLimit
	}
	got, err := c.Store.RecentAddressCodeSessions(ctx, address, since, limit)
	if err != nil {
		return nil, storeError(err)
	}
	var out []Session
	for _, s := range got {
		out = append(out, fromStoreSession(s))
	}
	return out, nil
}

// CountAttempt implements CodeStore.
func (c StoreCodeStore) CountAttempt(ctx context.Context, sessionID, address string, ordinal int) (int, error) {
	n, err := c.Store.CountCodeAttempt(ctx, sessionID, address, ordinal)
	if err != nil {
		return 0, storeError(err)
	}
	return n, nil
}

// RecordAttempt implements CodeStore. A Token that is not a send token
// (store.ValidToken; only tests issue such codes) is kept as none.
func (c StoreCodeStore) RecordAttempt(ctx context.Context, a CodeAttempt) error {
	v, ok := storeVerdicts[a.Kind]
	if !ok {
		return fmt.Errorf("testcode: recording attempt: verdict kind %q: %w", a.Kind, store.ErrInvalid)
	}
	token := a.Token
	if !store.ValidToken(token) {
		token = ""
	}
	_, err := c.Store.PutAttempt(ctx, &store.Attempt{SessionID: a.SessionID, Address: a.Address, Code: a.Typed,
		Time: a.At, Verdict: v, MatchedToken: token, MatchedOrdinal: max(a.Ordinal, 0)})
	return storeError(err)
}

// storeVerdicts maps each Kind to the store's Verdict.
var storeVerdicts = map[Kind]store.Verdict{
	KindOK:              store.VerdictOK,
	KindEarlier:         store.VerdictEarlier,
	KindExpired:         store.VerdictExpired,
	KindNearMiss:        store.VerdictNearMiss,
	KindOtherSession:    store.VerdictOtherSession,
	KindUnknown:         store.VerdictUnknown,
	KindTooManyAttempts: store.VerdictTooManyAttempts,
}

// storeError maps the store's sentinels to the CodeStore's, keeping the
// store's error in the chain.
func storeError(err error) error {
	switch {
	case errors.Is(err, store.ErrNotFound):
		return fmt.Errorf("%w: %w", ErrNoSession, err)
	case errors.Is(err, store.ErrLimit):
		return fmt.Errorf("%w: %w", ErrTooManyCodes, err)
	}
	return err
}

func fromStoreSession(s *store.AddressCodeSession) Session {
	out := Session{ID: s.ID, Address: s.Address, Secret: s.Secret, Digits: s.Digits, CreatedAt: s.Created}
	for _, is := range s.Issues {
		out.Issues = append(out.Issues, fromStoreIssue(is))
	}
	return out
}

func fromStoreIssue(is store.CodeIssue) Issue {
	return Issue{Ordinal: is.Ordinal, IssuedAt: is.Issued, ExpiresAt: is.Expires, Token: is.Token, Attempts: is.Attempts}
}
