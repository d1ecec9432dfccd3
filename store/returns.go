package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"time"
)

const insertReturn = `INSERT INTO returns (received_at, mail_from, recipients, remote_ip, helo, size, raw, token)
	VALUES (?, ?, ?, ?, ?, ?, ?, ?)`

// returnMeta is every column of a return but the raw message.
const returnMeta = `id, received_at, mail_from, recipients, remote_ip, helo, size, purged_at, token,
	kind, reason, status, system, diagnostic, recipients_json, evidence_json, classified_at`

// PutReturn stores a returned message durably; see [Store.PutReturn].
// Calls from many goroutines share commits: see [SQLiteOptions].
func (s *SQLite) PutReturn(ctx context.Context, r *Return) (int64, error) {
	if err := checkReturn(r); err != nil {
		return 0, err
	}
	rcpts := r.Recipients
	if rcpts == nil {
		rcpts = []string{}
	}
	rcptJSON, err := json.Marshal(rcpts)
	if err != nil {
		return 0, fmt.Errorf("%w: envelope recipients: %v", ErrInvalid, err)
	}
	size := r.Size
	if size == 0 {
		size = int64(len(r.Raw))
	}
	raw := r.Raw
	if raw == nil {
		raw = []byte{} // kept, not purged: NULL means purged
	}
	var token any
	if r.Token != "" {
		token = r.Token
	}
	args := []any{s.stamp(r.Received), r.MailFrom, string(rcptJSON), addrString(r.RemoteIP), r.HELO, size, raw, token}
	var id int64
	err = s.w.do(ctx, len(raw), func(ctx context.Context, tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, insertReturn, args...)
		if err != nil {
			return fmt.Errorf("store: storing a return: %w", err)
		}
		id, err = res.LastInsertId()
		return err
	})
	if err != nil {
		return 0, err
	}
	return id, nil
}

// SetClassification records what a return is; see [Store.SetClassification].
func (s *SQLite) SetClassification(ctx context.Context, id int64, c Classification) error {
	if err := checkClassification(c); err != nil {
		return err
	}
	args := []any{c.Kind, c.Reason, c.Status, c.System, c.Diagnostic, nullJSON(c.Recipients), nullJSON(c.Evidence),
		s.stamp(time.Time{}), id}
	return s.w.do(ctx, len(c.Recipients)+len(c.Evidence)+len(c.Diagnostic), func(ctx context.Context, tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE returns SET kind = ?, reason = ?, status = ?, system = ?, diagnostic = ?,
			recipients_json = ?, evidence_json = ?, classified_at = ? WHERE id = ?`, args...)
		if err != nil {
			return fmt.Errorf("store: classifying return %d: %w", id, err)
		}
		return oneRow(res, fmt.Errorf("%w: return %d", ErrNotFound, id))
	})
}

// Return returns one return with its raw message; see [Store.Return].
func (s *SQLite) Return(ctx context.Context, id int64) (*Return, error) {
	db, err := s.reader()
	if err != nil {
		return nil, err
	}
	var raw []byte
	r, err := scanReturn(db.QueryRowContext(ctx, `SELECT `+returnMeta+`, raw FROM returns WHERE id = ?`, id), &raw)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("%w: return %d", ErrNotFound, id)
	}
	if err != nil {
		return nil, fmt.Errorf("store: reading return %d: %w", id, err)
	}
	if r.Purged.IsZero() && raw == nil {
		raw = []byte{}
	}
	r.Raw = raw
	return r, nil
}

// ReturnsByToken lists the returns tied to a token; see
// [Store.ReturnsByToken].
func (s *SQLite) ReturnsByToken(ctx context.Context, token string, limit int) ([]*Return, error) {
	db, err := s.reader()
	if err != nil {
		return nil, err
	}
	rows, err := db.QueryContext(ctx, `SELECT `+returnMeta+` FROM returns WHERE token = ?
		ORDER BY received_at DESC, id DESC LIMIT ?`, token, clampLimit(limit))
	if err != nil {
		return nil, fmt.Errorf("store: listing returns for %q: %w", token, err)
	}
	return collect(rows, func(row scanner) (*Return, error) { return scanReturn(row) })
}

// UnclassifiedReturns pages through the returns not yet classified; see
// [Store.UnclassifiedReturns].
func (s *SQLite) UnclassifiedReturns(ctx context.Context, afterID int64, limit int) ([]*Return, error) {
	db, err := s.reader()
	if err != nil {
		return nil, err
	}
	rows, err := db.QueryContext(ctx, `SELECT `+returnMeta+` FROM returns WHERE kind = '' AND id > ?
		ORDER BY id LIMIT ?`, afterID, clampLimit(limit))
	if err != nil {
		return nil, fmt.Errorf("store: listing unclassified returns: %w", err)
	}
	return collect(rows, func(row scanner) (*Return, error) { return scanReturn(row) })
}

// purgeChunk is how many raw messages one PurgeRaw transaction drops, so
// that a purge of a large backlog never holds up the sink's writes for
// long: each chunk is one write among theirs.
const purgeChunk = 256

// PurgeRaw drops old raw messages; see [Store.PurgeRaw]. It works in
// chunks of purgeChunk messages, each committed on its own; if ctx ends
// between them it returns the count so far with ctx's error.
func (s *SQLite) PurgeRaw(ctx context.Context, before time.Time) (int64, error) {
	var c checker
	c.time("before", before)
	if c.err != nil {
		return 0, c.err
	}
	cut, now := before.UnixMicro(), s.stamp(time.Time{})
	var total int64
	for {
		var n int64
		err := s.w.do(ctx, 0, func(ctx context.Context, tx *sql.Tx) error {
			res, err := tx.ExecContext(ctx, `UPDATE returns SET raw = NULL, purged_at = ? WHERE id IN
				(SELECT id FROM returns WHERE raw IS NOT NULL AND received_at < ? LIMIT ?)`, now, cut, purgeChunk)
			if err != nil {
				return fmt.Errorf("store: purging raw messages: %w", err)
			}
			n, err = res.RowsAffected()
			return err
		})
		if err != nil {
			return total, err
		}
		total += n
		if n < purgeChunk {
			return total, nil
		}
	}
}

// scanReturn reads returnMeta's columns and then extra.
func scanReturn(row scanner, extra ...any) (*Return, error) {
	var (
		r                  Return
		received           int64
		rcpts, ip          string
		purged, classified sql.NullInt64
		token, rj, ej      sql.NullString
	)
	c := &r.Classification
	dest := append([]any{&r.ID, &received, &r.MailFrom, &rcpts, &ip, &r.HELO, &r.Size, &purged, &token,
		&c.Kind, &c.Reason, &c.Status, &c.System, &c.Diagnostic, &rj, &ej, &classified}, extra...)
	if err := row.Scan(dest...); err != nil {
		return nil, err
	}
	if err := json.Unmarshal([]byte(rcpts), &r.Recipients); err != nil {
		return nil, fmt.Errorf("store: return %d: stored recipients: %w", r.ID, err)
	}
	if len(r.Recipients) == 0 {
		r.Recipients = nil
	}
	var err error
	if r.RemoteIP, err = parseAddr(ip); err != nil {
		return nil, err
	}
	r.Received, r.Purged = fromMicros(received), fromNullMicros(purged)
	r.Token = token.String
	if rj.Valid {
		c.Recipients = json.RawMessage(rj.String)
	}
	if ej.Valid {
		c.Evidence = json.RawMessage(ej.String)
	}
	c.Classified = fromNullMicros(classified)
	return &r, nil
}

func nullJSON(doc json.RawMessage) any {
	if doc == nil {
		return nil
	}
	return string(doc)
}

// ReturnsSince lists the returns received at or after since, newest
// first, without their raw messages: the dashboard's recent bounces and
// challenges.
func (s *SQLite) ReturnsSince(ctx context.Context, since time.Time, limit int) ([]*Return, error) {
	db, err := s.reader()
	if err != nil {
		return nil, err
	}
	rows, err := db.QueryContext(ctx, `SELECT `+returnMeta+` FROM returns WHERE received_at >= ?
		ORDER BY received_at DESC, id DESC LIMIT ?`, since.UnixMicro(), clampLimit(limit))
	if err != nil {
		return nil, fmt.Errorf("store: listing returns since %s: %w", since.Format(time.RFC3339), err)
	}
	return collect(rows, func(row scanner) (*Return, error) { return scanReturn(row) })
}
