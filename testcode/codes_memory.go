package testcode

import (
	"cmp"
	"context"
	"slices"
	"sync"
	"time"
)

// MemoryCodeStore is a CodeStore in memory, for tests and the demo. The
// zero value is ready to use and safe for concurrent use. Sessions, with
// their attempts, live until [MemoryCodeStore.Prune] removes them; each
// keeps its newest 100 attempts.
type MemoryCodeStore struct {
	mu        sync.Mutex
	sessions  map[sessionKey]*Session
	byAddress map[string][]sessionKey
	attempts  map[sessionKey][]CodeAttempt
}

// maxMemoryAttempts bounds the attempts a MemoryCodeStore keeps per
// session: past it, the oldest go.
const maxMemoryAttempts = 100

type sessionKey struct{ id, address string }

// OpenSession implements CodeStore.
func (m *MemoryCodeStore) OpenSession(ctx context.Context, s Session) (Session, error) {
	if err := ctx.Err(); err != nil {
		return Session{}, err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	k := sessionKey{s.ID, s.Address}
	if have, ok := m.sessions[k]; ok {
		return copySession(*have), nil
	}
	if m.sessions == nil {
		m.sessions = make(map[sessionKey]*Session)
		m.byAddress = make(map[string][]sessionKey)
	}
	stored := copySession(s)
	stored.Issues = nil
	m.sessions[k] = &stored
	m.byAddress[s.Address] = append(m.byAddress[s.Address], k)
	return copySession(stored), nil
}

// AppendIssue implements CodeStore.
func (m *MemoryCodeStore) AppendIssue(ctx context.Context, sessionID, address string, is Issue, limit int) (Issue, error) {
	if err := ctx.Err(); err != nil {
		return Issue{}, err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	s, ok := m.sessions[sessionKey{sessionID, address}]
	if !ok {
		return Issue{}, ErrNoSession
	}
	if len(s.Issues) >= limit {
		return Issue{}, ErrTooManyCodes
	}
	is.Ordinal = len(s.Issues) + 1
	is.Attempts = 0
	s.Issues = append(s.Issues, is)
	return is, nil
}

// Session implements CodeStore.
func (m *MemoryCodeStore) Session(ctx context.Context, sessionID, address string) (Session, error) {
	if err := ctx.Err(); err != nil {
		return Session{}, err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	s, ok := m.sessions[sessionKey{sessionID, address}]
	if !ok {
		return Session{}, ErrNoSession
	}
	return copySession(*s), nil
}

// RecentSessions implements CodeStore.
func (m *MemoryCodeStore) RecentSessions(ctx context.Context, address string, since time.Time, limit int) ([]Session, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	var out []Session
	for _, k := range m.byAddress[address] {
		s := m.sessions[k]
		if !lastActive(s).Before(since) {
			out = append(out, copySession(*s))
		}
	}
	slices.SortStableFunc(out, func(a, b Session) int {
		return cmp.Compare(lastActive(&b).UnixNano(), lastActive(&a).UnixNano())
	})
	if limit >= 0 && len(out) > limit {
		out = out[:limit]
	}
	return out, nil
}

// CountAttempt implements CodeStore.
func (m *MemoryCodeStore) CountAttempt(ctx context.Context, sessionID, address string, ordinal int) (int, error) {
	if err := ctx.Err(); err != nil {
		return 0, err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	s, ok := m.sessions[sessionKey{sessionID, address}]
	if !ok || ordinal < 1 || ordinal > len(s.Issues) {
		return 0, ErrNoSession
	}
	s.Issues[ordinal-1].Attempts++
	return s.Issues[ordinal-1].Attempts, nil
}

// RecordAttempt implements CodeStore.
func (m *MemoryCodeStore) RecordAttempt(ctx context.Context, a CodeAttempt) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	k := sessionKey{a.SessionID, a.Address}
	if _, ok := m.sessions[k]; !ok {
		return ErrNoSession
	}
	if m.attempts == nil {
		m.attempts = make(map[sessionKey][]CodeAttempt)
	}
	as := m.attempts[k]
	if len(as) >= maxMemoryAttempts {
		as = slices.Delete(as, 0, len(as)-maxMemoryAttempts+1)
	}
	m.attempts[k] = append(as, a)
	return nil
}

// Attempts returns the attempts recorded in a session, oldest first, or
// none when there is no such session.
func (m *MemoryCodeStore) Attempts(sessionID, address string) []CodeAttempt {
	m.mu.Lock()
	defer m.mu.Unlock()
	return slices.Clone(m.attempts[sessionKey{sessionID, address}])
}

// Prune forgets the sessions last active before cutoff, with their
// attempts, and returns how many it removed; the demo calls it now and
// then to bound memory.
func (m *MemoryCodeStore) Prune(cutoff time.Time) int {
	m.mu.Lock()
	defer m.mu.Unlock()
	removed := 0
	for addr, keys := range m.byAddress {
		kept := keys[:0]
		for _, k := range keys {
			if lastActive(m.sessions[k]).Before(cutoff) {
				delete(m.sessions, k)
				delete(m.attempts, k)
				removed++
				continue
			}
			kept = append(kept, k)
		}
		if len(kept) == 0 {
			delete(m.byAddress, addr)
		} else {
			m.byAddress[addr] = kept
		}
	}
	return removed
}

// lastActive is when s last issued a code, or was created.
func lastActive(s *Session) time.Time {
	if n := len(s.Issues); n > 0 {
		return s.Issues[n-1].IssuedAt
	}
	return s.CreatedAt
}

// copySession returns s sharing no memory with the original.
func copySession(s Session) Session {
	s.Secret = slices.Clone(s.Secret)
	s.Issues = slices.Clone(s.Issues)
	return s
}
