package store

import (
	"context"
	"database/sql"
	"fmt"
	"time"
)

const attemptColumns = `id, session_id, address, code, attempted_at, verdict, matched_token, matched_ordinal`

// PutAttempt records a typed code; see [Store.PutAttempt].
func (s *SQLite) PutAttempt(ctx context.Context, a *Attempt) (int64, error) {
	if err := checkAttempt(a); err != nil {
		return 0, err
	}
	args := []any{a.SessionID, a.Address, a.Code, s.stamp(a.Time), string(a.Verdict), a.MatchedToken, a.MatchedOrdinal,
		a.SessionID, a.Address}
	var id int64
	err := s.w.do(ctx, len(a.Code), func(ctx context.Context, tx *sql.Tx) error {
		// Inserting through a SELECT of the session makes an unknown
		// session a missing row rather than a foreign-key error.
		res, err := tx.ExecContext(ctx, `INSERT INTO code_attempts (session_id, address, code, attempted_at, verdict,
			matched_token, matched_ordinal)
			SELECT ?, ?, ?, ?, ?, ?, ? WHERE EXISTS
				(SELECT 1 FROM code_address_sessions WHERE session_id = ? AND address = ?)`, args...)
		if err != nil {
			return fmt.Errorf("store: storing an attempt: %w", err)
		}
		if err := oneRow(res, fmt.Errorf("%w: code session %q for that address", ErrNotFound, a.SessionID)); err != nil {
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

// pruneChunk is how many code sessions one PruneCodeSessions transaction
// deletes (with their issues and attempts, by the foreign keys' ON DELETE
// CASCADE), so that pruning a large backlog never holds up other writes
// for long.
const pruneChunk = 256

// PruneCodeSessions deletes code sessions last active before a time; see
// [Store.PruneCodeSessions]. It walks the sessions in creation order, a
// chunk of pruneChunk sessions per transaction, each chunk starting after
// the last session the previous one deleted, so the whole prune reads
// each session once; if ctx ends between chunks it returns the count so
// far with ctx's error.
func (s *SQLite) PruneCodeSessions(ctx context.Context, before time.Time) (int64, error) {
	var c checker
	c.time("before", before)
	if c.err != nil {
		return 0, c.err
	}
	cut := before.UnixMicro()
	var total, after int64
	for {
		var n int64
		err := s.w.do(ctx, 0, func(ctx context.Context, tx *sql.Tx) error {
			var err error
			n, after, err = pruneSessions(ctx, tx, cut, after)
			return err
		})
		if err != nil {
			return total, err
		}
		total += n
		if n < pruneChunk {
			return total, nil
		}
	}
}

// pruneSessions deletes, in one statement, up to pruneChunk sessions
// created after the session with row ID after and last active before cut,
// and returns how many it deleted and the row ID of the last of them
// (after itself when none).
func pruneSessions(ctx context.Context, tx *sql.Tx, cut, after int64) (n, last int64, err error) {
	rows, err := tx.QueryContext(ctx, `DELETE FROM code_address_sessions WHERE id IN (
			SELECT s.id FROM code_address_sessions s WHERE s.id > ? AND `+sessionActive+` < ?
			ORDER BY s.id LIMIT ?)
		RETURNING id`, after, cut, pruneChunk)
	if err != nil {
		return 0, after, fmt.Errorf("store: pruning code sessions: %w", err)
	}
	defer rows.Close()
	last = after
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			return 0, after, fmt.Errorf("store: pruning code sessions: %w", err)
		}
		n, last = n+1, max(last, id)
	}
	if err := rows.Err(); err != nil {
		return 0, after, fmt.Errorf("store: pruning code sessions: %w", err)
	}
	return n, last, nil
}
