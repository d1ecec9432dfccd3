package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"
)

// AddressCodeSession is the HOTP state (RFC 4226 §5) of one code session
// for one address: sessions are keyed by (ID, Address), and the HOTP
// counter of each code is its ordinal in Issues.
type AddressCodeSession struct {
	ID      string
	Address string // compared exactly: callers normalise
	Secret  []byte // the HOTP key K of RFC 4226 §5.1
	Digits  int    // the code length, RFC 4226 §5.3
	Created time.Time
	Issues  []CodeIssue // oldest first; Issues[i].Ordinal == i+1
}

// LastActive is when the session last issued a code (the Issued time of
// its newest code), or when it was created if it has issued none.
// [Store.RecentAddressCodeSessions] and [Store.PruneCodeSessions] go by it.
func (s *AddressCodeSession) LastActive() time.Time {
	if n := len(s.Issues); n > 0 {
		return s.Issues[n-1].Issued
	}
	return s.Created
}

// CodeIssue is one code issued in an [AddressCodeSession]; the code itself
// is not stored, it is HOTP(Secret, Ordinal).
type CodeIssue struct {
	Ordinal  int // from 1, set by AppendCodeIssue
	Issued   time.Time
	Expires  time.Time
	Token    string // the send token of the message that carried the code
	Attempts int    // set by CountCodeAttempt
}

// addressSessionRows selects sessions with their issues, oldest issue
// first, one row per issue (or one row with NULL issue columns for a
// session without issues). It is completed by a FROM clause naming the
// sessions as s and an ORDER BY that keeps each session's rows together.
const addressSessionRows = `SELECT s.session_id, s.address, s.secret, s.digits, s.created_at,
	i.ordinal, i.issued_at, i.expires_at, i.token, i.attempts`

// sessionActive is the last activity of the session s, as
// [AddressCodeSession.LastActive] defines it.
const sessionActive = `COALESCE((SELECT i.issued_at FROM code_issues i
	WHERE i.session_id = s.session_id AND i.address = s.address
	ORDER BY i.ordinal DESC LIMIT 1), s.created_at)`

const addressSessionIssues = ` LEFT JOIN code_issues i ON i.session_id = s.session_id AND i.address = s.address`

// OpenAddressCodeSession opens a code session; see
// [Store.OpenAddressCodeSession]. The insert and the read are one
// transaction of the writer.
func (s *SQLite) OpenAddressCodeSession(ctx context.Context, cs *AddressCodeSession) (*AddressCodeSession, error) {
	if err := checkAddressCodeSession(cs); err != nil {
		return nil, err
	}
	args := []any{cs.ID, cs.Address, cs.Secret, cs.Digits, s.stamp(cs.Created)}
	var out *AddressCodeSession
	err := s.w.do(ctx, len(cs.Secret), func(ctx context.Context, tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `INSERT INTO code_address_sessions (session_id, address, secret, digits, created_at)
			VALUES (?, ?, ?, ?, ?) ON CONFLICT (session_id, address) DO NOTHING`, args...); err != nil {
			return fmt.Errorf("store: storing code session %q: %w", cs.ID, err)
		}
		var err error
		out, err = readAddressCodeSession(ctx, tx, cs.ID, cs.Address)
		return err
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// AddressCodeSession reads a code session; see [Store.AddressCodeSession].
func (s *SQLite) AddressCodeSession(ctx context.Context, sessionID, address string) (*AddressCodeSession, error) {
	db, err := s.reader()
	if err != nil {
		return nil, err
	}
	return readAddressCodeSession(ctx, db, sessionID, address)
}

// querier is what *sql.DB and *sql.Tx share.
type querier interface {
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
}

// readAddressCodeSession reads one session in one statement, so its
// issues are those of one snapshot.
func readAddressCodeSession(ctx context.Context, q querier, sessionID, address string) (*AddressCodeSession, error) {
	rows, err := q.QueryContext(ctx, addressSessionRows+` FROM code_address_sessions s`+addressSessionIssues+`
		WHERE s.session_id = ? AND s.address = ? ORDER BY i.ordinal`, sessionID, address)
	if err != nil {
		return nil, fmt.Errorf("store: reading code session %q: %w", sessionID, err)
	}
	sessions, err := collectAddressSessions(rows)
	if err != nil {
		return nil, err
	}
	if len(sessions) == 0 {
		return nil, fmt.Errorf("%w: code session %q for that address", ErrNotFound, sessionID)
	}
	return sessions[0], nil
}

// AppendCodeIssue issues the next code of a session; see
// [Store.AppendCodeIssue]. The count and the insert are one transaction of
// the writer, which holds the database's write lock, so no ordinal is
// handed out twice, even by several processes.
func (s *SQLite) AppendCodeIssue(ctx context.Context, sessionID, address string, is CodeIssue, limit int) (CodeIssue, error) {
	var c checker
	c.required("session ID", sessionID)
	c.text("address", address)
	c.text("token", is.Token)
	c.time("issued", is.Issued)
	c.time("expires", is.Expires)
	if c.err != nil {
		return CodeIssue{}, c.err
	}
	is.Issued, is.Expires = fromMicros(s.stamp(is.Issued)), fromMicros(is.Expires.UnixMicro())
	is.Attempts = 0
	err := s.w.do(ctx, len(is.Token), func(ctx context.Context, tx *sql.Tx) error {
		var issued int64
		err := tx.QueryRowContext(ctx, `SELECT (SELECT COUNT(*) FROM code_issues i
			WHERE i.session_id = s.session_id AND i.address = s.address)
			FROM code_address_sessions s WHERE s.session_id = ? AND s.address = ?`, sessionID, address).Scan(&issued)
		switch {
		case errors.Is(err, sql.ErrNoRows):
			return fmt.Errorf("%w: code session %q for that address", ErrNotFound, sessionID)
		case err != nil:
			return fmt.Errorf("store: counting the codes of %q: %w", sessionID, err)
		case issued >= int64(limit):
			return fmt.Errorf("%w: code session %q has %d codes", ErrLimit, sessionID, issued)
		}
		is.Ordinal = int(issued) + 1
		if _, err := tx.ExecContext(ctx, `INSERT INTO code_issues (session_id, address, ordinal, issued_at, expires_at, token)
			VALUES (?, ?, ?, ?, ?, ?)`, sessionID, address, is.Ordinal, is.Issued.UnixMicro(), is.Expires.UnixMicro(), is.Token); err != nil {
			return fmt.Errorf("store: storing code %d of %q: %w", is.Ordinal, sessionID, err)
		}
		return nil
	})
	if err != nil {
		return CodeIssue{}, err
	}
	return is, nil
}

// RecentAddressCodeSessions lists an address's recent code sessions; see
// [Store.RecentAddressCodeSessions].
func (s *SQLite) RecentAddressCodeSessions(ctx context.Context, address string, since time.Time, limit int) ([]*AddressCodeSession, error) {
	db, err := s.reader()
	if err != nil {
		return nil, err
	}
	rows, err := db.QueryContext(ctx, `WITH recent AS (
			SELECT * FROM (
				SELECT s.*, `+sessionActive+` AS active
				FROM code_address_sessions s WHERE s.address = ?)
			WHERE active >= ? ORDER BY active DESC, id LIMIT ?)
		`+addressSessionRows+` FROM recent s`+addressSessionIssues+`
		ORDER BY s.active DESC, s.id, i.ordinal`, address, since.UnixMicro(), clampLimit(limit))
	if err != nil {
		return nil, fmt.Errorf("store: listing code sessions: %w", err)
	}
	return collectAddressSessions(rows)
}

// CountCodeAttempt counts an attempt on a code; see
// [Store.CountCodeAttempt]. It is one statement of the writer.
func (s *SQLite) CountCodeAttempt(ctx context.Context, sessionID, address string, ordinal int) (int, error) {
	var attempts int
	err := s.w.do(ctx, 0, func(ctx context.Context, tx *sql.Tx) error {
		err := tx.QueryRowContext(ctx, `UPDATE code_issues SET attempts = attempts + 1
			WHERE session_id = ? AND address = ? AND ordinal = ? RETURNING attempts`, sessionID, address, ordinal).Scan(&attempts)
		if errors.Is(err, sql.ErrNoRows) {
			return fmt.Errorf("%w: code %d of session %q for that address", ErrNotFound, ordinal, sessionID)
		}
		if err != nil {
			return fmt.Errorf("store: counting an attempt on code %d of %q: %w", ordinal, sessionID, err)
		}
		return nil
	})
	if err != nil {
		return 0, err
	}
	return attempts, nil
}

// collectAddressSessions groups the rows of an addressSessionRows query,
// which come session by session, into sessions.
func collectAddressSessions(rows *sql.Rows) ([]*AddressCodeSession, error) {
	defer rows.Close()
	var out []*AddressCodeSession
	for rows.Next() {
		var (
			cs                       AddressCodeSession
			created                  int64
			ordinal, issued, expires sql.NullInt64
			attempts                 sql.NullInt64
			token                    sql.NullString
		)
		if err := rows.Scan(&cs.ID, &cs.Address, &cs.Secret, &cs.Digits, &created,
			&ordinal, &issued, &expires, &token, &attempts); err != nil {
			return nil, fmt.Errorf("store: reading a row: %w", err)
		}
		if n := len(out); n == 0 || out[n-1].ID != cs.ID || out[n-1].Address != cs.Address {
			cs.Created = fromMicros(created)
			out = append(out, &cs)
		}
		if ordinal.Valid {
			last := out[len(out)-1]
			last.Issues = append(last.Issues, CodeIssue{Ordinal: int(ordinal.Int64), Issued: fromMicros(issued.Int64),
				Expires: fromMicros(expires.Int64), Token: token.String, Attempts: int(attempts.Int64)})
		}
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: reading rows: %w", err)
	}
	return out, nil
}

func checkAddressCodeSession(s *AddressCodeSession) error {
	var c checker
	if s == nil {
		return fmt.Errorf("%w: nil code session", ErrInvalid)
	}
	c.required("session ID", s.ID)
	c.text("address", s.Address)
	if len(s.Secret) == 0 {
		c.failf("secret is empty")
	}
	if s.Digits <= 0 {
		c.failf("digits %d is not positive", s.Digits)
	}
	c.time("created", s.Created)
	return c.err
}
