package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
)

const attemptColumns = `id, session_id, address, code, attempted_at, verdict, matched_token, matched_ordinal`

// PutCodeSession stores a new code session; see [Store.PutCodeSession].
func (s *SQLite) PutCodeSession(ctx context.Context, cs *CodeSession) error {
	if err := checkCodeSession(cs); err != nil {
		return err
	}
	args := []any{cs.ID, cs.Secret, int64(cs.Counter), s.stamp(cs.Created)}
	return s.w.do(ctx, len(cs.Secret), func(ctx context.Context, tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `INSERT INTO code_sessions (session_id, secret, counter, created_at)
			VALUES (?, ?, ?, ?) ON CONFLICT (session_id) DO NOTHING`, args...)
		if err != nil {
			return fmt.Errorf("store: storing code session %q: %w", cs.ID, err)
		}
		return oneRow(res, fmt.Errorf("%w: code session %q", ErrExists, cs.ID))
	})
}

// CodeSession returns a code session; see [Store.CodeSession].
func (s *SQLite) CodeSession(ctx context.Context, id string) (*CodeSession, error) {
	db, err := s.reader()
	if err != nil {
		return nil, err
	}
	var (
		cs      CodeSession
		counter int64
		created int64
	)
	err = db.QueryRowContext(ctx, `SELECT session_id, secret, counter, created_at FROM code_sessions WHERE session_id = ?`, id).
		Scan(&cs.ID, &cs.Secret, &counter, &created)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("%w: code session %q", ErrNotFound, id)
	}
	if err != nil {
		return nil, fmt.Errorf("store: reading code session %q: %w", id, err)
	}
	cs.Counter, cs.Created = uint64(counter), fromMicros(created)
	return &cs, nil
}

// NextCounter reserves a session's next HOTP counter value; see
// [Store.NextCounter]. The increment is one statement in the writer's
// transaction, committed durably before the value is returned.
func (s *SQLite) NextCounter(ctx context.Context, sessionID string) (uint64, error) {
	var counter int64
	err := s.w.do(ctx, 0, func(ctx context.Context, tx *sql.Tx) error {
		err := tx.QueryRowContext(ctx, `UPDATE code_sessions SET counter = counter + 1
			WHERE session_id = ? AND counter < ? RETURNING counter - 1`, sessionID, int64(maxCounter)).Scan(&counter)
		if errors.Is(err, sql.ErrNoRows) {
			return s.counterMissing(ctx, tx, sessionID)
		}
		if err != nil {
			return fmt.Errorf("store: advancing the counter of %q: %w", sessionID, err)
		}
		return nil
	})
	if err != nil {
		return 0, err
	}
	return uint64(counter), nil
}

// counterMissing tells why NextCounter changed no row: the session is
// unknown, or its counter is exhausted.
func (s *SQLite) counterMissing(ctx context.Context, tx *sql.Tx, sessionID string) error {
	var one int
	err := tx.QueryRowContext(ctx, `SELECT 1 FROM code_sessions WHERE session_id = ?`, sessionID).Scan(&one)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return fmt.Errorf("%w: code session %q", ErrNotFound, sessionID)
	case err != nil:
		return fmt.Errorf("store: reading code session %q: %w", sessionID, err)
	}
	return fmt.Errorf("%w: the counter of code session %q is exhausted", ErrInvalid, sessionID)
}

// PutAttempt records a typed code; see [Store.PutAttempt].
func (s *SQLite) PutAttempt(ctx context.Context, a *Attempt) (int64, error) {
	if err := checkAttempt(a); err != nil {
		return 0, err
	}
	args := []any{a.SessionID, a.Address, a.Code, s.stamp(a.Time), string(a.Verdict), a.MatchedToken, a.MatchedOrdinal,
		a.SessionID}
	var id int64
	err := s.w.do(ctx, len(a.Code), func(ctx context.Context, tx *sql.Tx) error {
		// Inserting through a SELECT of the session makes an unknown
		// session a missing row rather than a foreign-key error.
		res, err := tx.ExecContext(ctx, `INSERT INTO code_attempts (session_id, address, code, attempted_at, verdict,
			matched_token, matched_ordinal)
			SELECT ?, ?, ?, ?, ?, ?, ? WHERE EXISTS (SELECT 1 FROM code_sessions WHERE session_id = ?)`, args...)
		if err != nil {
			return fmt.Errorf("store: storing an attempt: %w", err)
		}
		if err := oneRow(res, fmt.Errorf("%w: code session %q", ErrNotFound, a.SessionID)); err != nil {
			return err
		}
		id, err = res.LastInsertId()
		return err
	})
	if err != nil {
		return 0, err
	}
	return id, nil
}

// Attempts lists a session's attempts; see [Store.Attempts].
func (s *SQLite) Attempts(ctx context.Context, sessionID string, limit int) ([]*Attempt, error) {
	db, err := s.reader()
	if err != nil {
		return nil, err
	}
	rows, err := db.QueryContext(ctx, `SELECT `+attemptColumns+` FROM code_attempts WHERE session_id = ?
		ORDER BY attempted_at DESC, id DESC LIMIT ?`, sessionID, clampLimit(limit))
	if err != nil {
		return nil, fmt.Errorf("store: listing attempts of %q: %w", sessionID, err)
	}
	return collect(rows, scanAttempt)
}

func scanAttempt(row scanner) (*Attempt, error) {
	var (
		a       Attempt
		at      int64
		verdict string
	)
	if err := row.Scan(&a.ID, &a.SessionID, &a.Address, &a.Code, &at, &verdict, &a.MatchedToken, &a.MatchedOrdinal); err != nil {
		return nil, err
	}
	a.Time, a.Verdict = fromMicros(at), Verdict(verdict)
	return &a, nil
}
