package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/netip"
	"time"
)

const sendColumns = `token, created_at, session_id, rcpt_address, rcpt_domain, from_address, sink_domain, ordinal,
	status, reply_code, enhanced_status, queue_id, remote_host, remote_ip, transcript, duration_ns, updated_at`

// PutSend stores a new send; see [Store.PutSend].
func (s *SQLite) PutSend(ctx context.Context, snd *Send) error {
	if err := checkSend(snd); err != nil {
		return err
	}
	created := s.stamp(snd.Created)
	updated := created
	if !snd.Updated.IsZero() {
		updated = snd.Updated.UnixMicro()
	}
	r := snd.Result
	args := []any{snd.Token, created, snd.SessionID, snd.Recipient, snd.RecipientDomain, snd.From, snd.SinkDomain, snd.Ordinal,
		string(r.Status), r.ReplyCode, r.EnhancedStatus, r.QueueID, r.RemoteHost, addrString(r.RemoteIP), r.Transcript,
		int64(r.Duration), updated}
	size := len(r.Transcript)
	return s.w.do(ctx, size, func(ctx context.Context, tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `INSERT INTO sends (`+sendColumns+`)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
			ON CONFLICT (token) DO NOTHING`, args...)
		if err != nil {
			return fmt.Errorf("store: storing send %s: %w", snd.Token, err)
		}
		return oneRow(res, fmt.Errorf("%w: send %s", ErrExists, snd.Token))
	})
}

// UpdateSendResult records a send's answer; see [Store.UpdateSendResult].
func (s *SQLite) UpdateSendResult(ctx context.Context, token string, r SendResult) error {
	var c checker
	c.token("token", token, false)
	c.result(r, false)
	if c.err != nil {
		return c.err
	}
	updated := s.stamp(time.Time{})
	args := []any{string(r.Status), r.ReplyCode, r.EnhancedStatus, r.QueueID, r.RemoteHost, addrString(r.RemoteIP),
		r.Transcript, int64(r.Duration), updated, token}
	return s.w.do(ctx, len(r.Transcript), func(ctx context.Context, tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE sends SET status = ?, reply_code = ?, enhanced_status = ?, queue_id = ?,
			remote_host = ?, remote_ip = ?, transcript = ?, duration_ns = ?, updated_at = ? WHERE token = ?`, args...)
		if err != nil {
			return fmt.Errorf("store: updating send %s: %w", token, err)
		}
		return oneRow(res, fmt.Errorf("%w: send %s", ErrNotFound, token))
	})
}

// Send returns the send with the token; see [Store.Send].
func (s *SQLite) Send(ctx context.Context, token string) (*Send, error) {
	db, err := s.reader()
	if err != nil {
		return nil, err
	}
	snd, err := scanSend(db.QueryRowContext(ctx, `SELECT `+sendColumns+` FROM sends WHERE token = ?`, token))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("%w: send %q", ErrNotFound, token)
	}
	if err != nil {
		return nil, fmt.Errorf("store: reading send %q: %w", token, err)
	}
	return snd, nil
}

// SendsByAddress lists the sends to an address; see [Store.SendsByAddress].
func (s *SQLite) SendsByAddress(ctx context.Context, address string, limit int) ([]*Send, error) {
	db, err := s.reader()
	if err != nil {
		return nil, err
	}
	rows, err := db.QueryContext(ctx, `SELECT `+sendColumns+` FROM sends WHERE rcpt_address = ?
		ORDER BY created_at DESC, token DESC LIMIT ?`, address, clampLimit(limit))
	if err != nil {
		return nil, fmt.Errorf("store: listing sends to %q: %w", address, err)
	}
	return collect(rows, scanSend)
}

// scanner is a *sql.Row or *sql.Rows.
type scanner interface{ Scan(dest ...any) error }

func scanSend(row scanner) (*Send, error) {
	var (
		snd                  Send
		created, updated, ns int64
		status, ip           string
	)
	r := &snd.Result
	err := row.Scan(&snd.Token, &created, &snd.SessionID, &snd.Recipient, &snd.RecipientDomain, &snd.From, &snd.SinkDomain,
		&snd.Ordinal, &status, &r.ReplyCode, &r.EnhancedStatus, &r.QueueID, &r.RemoteHost, &ip, &r.Transcript, &ns, &updated)
	if err != nil {
		return nil, err
	}
	if r.RemoteIP, err = parseAddr(ip); err != nil {
		return nil, err
	}
	r.Status = SendStatus(status)
	r.Duration = time.Duration(ns)
	snd.Created, snd.Updated = fromMicros(created), fromMicros(updated)
	return &snd, nil
}

// collect scans every row and closes rows.
func collect[T any](rows *sql.Rows, scan func(scanner) (T, error)) ([]T, error) {
	defer rows.Close()
	var out []T
	for rows.Next() {
		v, err := scan(rows)
		if err != nil {
			return nil, fmt.Errorf("store: reading a row: %w", err)
		}
		out = append(out, v)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: reading rows: %w", err)
	}
	return out, nil
}

// oneRow returns none when the statement changed no row.
func oneRow(res sql.Result, none error) error {
	n, err := res.RowsAffected()
	if err != nil {
		return fmt.Errorf("store: counting rows: %w", err)
	}
	if n == 0 {
		return none
	}
	return nil
}

func addrString(a netip.Addr) string {
	if !a.IsValid() {
		return ""
	}
	return a.String()
}

func parseAddr(s string) (netip.Addr, error) {
	if s == "" {
		return netip.Addr{}, nil
	}
	a, err := netip.ParseAddr(s)
	if err != nil {
		return netip.Addr{}, fmt.Errorf("store: stored address %q: %w", s, err)
	}
	return a, nil
}
