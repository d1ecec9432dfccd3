package store

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"time"
)

const placementColumns = `id, run_id, seed, provider, token, kind, folder, sent_at, filed_at, seen_at,
	send_status, spf, dkim, dmarc, spam, error`

const insertPlacement = `INSERT INTO placements (run_id, seed, provider, token, kind, folder, sent_at, filed_at, seen_at,
	send_status, spf, dkim, dmarc, spam, error) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`

// PutPlacements stores a seed run's placements; see [Store.PutPlacements].
// The batch is one job of the writer, so its placements are committed
// together, in one transaction, or not at all.
func (s *SQLite) PutPlacements(ctx context.Context, ps []*Placement) error {
	size := 0
	args := make([][]any, len(ps))
	for i, p := range ps {
		if err := checkPlacement(p); err != nil {
			return fmt.Errorf("%w (placement %d of %d)", err, i+1, len(ps))
		}
		args[i] = []any{p.RunID, p.Seed, p.Provider, p.Token, string(p.Kind), p.Folder, p.SentAt.UnixMicro(),
			nullMicros(p.FiledAt), nullMicros(p.SeenAt), p.SendStatus, p.SPF, p.DKIM, p.DMARC, p.Spam, p.Error}
		size += len(p.RunID) + len(p.Seed) + len(p.Provider) + len(p.Folder) + len(p.Error)
	}
	if s.closed.Load() {
		return ErrClosed
	}
	if len(ps) == 0 {
		return nil
	}
	ids := make([]int64, len(ps))
	err := s.w.do(ctx, size, func(ctx context.Context, tx *sql.Tx) error {
		stmt, err := tx.PrepareContext(ctx, insertPlacement)
		if err != nil {
			return fmt.Errorf("store: storing placements: %w", err)
		}
		defer stmt.Close()
		for i, a := range args {
			res, err := stmt.ExecContext(ctx, a...)
			if err != nil {
				return fmt.Errorf("store: storing placement %d of run %q: %w", i+1, ps[i].RunID, err)
			}
			if ids[i], err = res.LastInsertId(); err != nil {
				return fmt.Errorf("store: storing placement %d of run %q: %w", i+1, ps[i].RunID, err)
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	for i, p := range ps {
		p.ID = ids[i]
	}
	return nil
}

// Placements lists placements; see [Store.Placements].
func (s *SQLite) Placements(ctx context.Context, f PlacementFilter) ([]*Placement, error) {
	db, err := s.reader()
	if err != nil {
		return nil, err
	}
	q, args := placementsQuery(f)
	rows, err := db.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("store: listing placements: %w", err)
	}
	return collect(rows, scanPlacement)
}

// placementsQuery is the query of [SQLite.Placements] and its arguments:
// only the conditions that apply, so that it can use the index of the one
// it has.
func placementsQuery(f PlacementFilter) (string, []any) {
	w, args := where([]string{"provider = ?", "seed = ?", "run_id = ?"}, f.Provider, f.Seed, f.RunID)
	for _, c := range []struct {
		t    time.Time
		cond string
	}{{f.Since, "sent_at >= ?"}, {f.Until, "sent_at < ?"}} {
		if c.t.IsZero() {
			continue
		}
		if w == "" {
			w = " WHERE " + c.cond
		} else {
			w += " AND " + c.cond
		}
		args = append(args, c.t.UnixMicro())
	}
	return `SELECT ` + placementColumns + ` FROM placements` + w + `
		ORDER BY sent_at DESC, id DESC LIMIT ?`, append(args, clampLimit(f.Limit))
}

// PlacementRuns lists a provider's latest seed runs; see
// [Store.PlacementRuns].
//
// It walks the provider's placements newest first until it has seen runs
// distinct run IDs, which is the order of the runs' newest placements,
// then reads those runs' placements; both in one read transaction, so
// they see one state of the database.
func (s *SQLite) PlacementRuns(ctx context.Context, provider string, runs int) ([][]*Placement, error) {
	db, err := s.reader()
	if err != nil {
		return nil, err
	}
	if runs <= 0 {
		return nil, nil
	}
	runs = min(runs, MaxLimit)
	tx, err := db.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return nil, fmt.Errorf("store: reading placement runs: %w", err)
	}
	defer tx.Rollback() // read-only: there is nothing to undo, nor an error worth reporting
	ids, err := latestRuns(ctx, tx, provider, runs)
	if err != nil || len(ids) == 0 {
		return nil, err
	}
	w, args := where([]string{"provider = ?"}, provider)
	if w == "" {
		w = " WHERE "
	} else {
		w += " AND "
	}
	// At most MaxLimit run IDs, well within SQLite's 32,766 parameters.
	w += "run_id IN (?" + strings.Repeat(", ?", len(ids)-1) + ")"
	for _, id := range ids {
		args = append(args, id)
	}
	rows, err := tx.QueryContext(ctx, `SELECT `+placementColumns+` FROM placements`+w+`
		ORDER BY sent_at DESC, id DESC`, args...)
	if err != nil {
		return nil, fmt.Errorf("store: reading placement runs: %w", err)
	}
	ps, err := collect(rows, scanPlacement)
	if err != nil {
		return nil, err
	}
	out := make([][]*Placement, len(ids))
	index := make(map[string]int, len(ids))
	for i, id := range ids {
		index[id] = i
	}
	for _, p := range ps {
		i := index[p.RunID]
		out[i] = append(out[i], p)
	}
	return out, nil
}

// latestRuns returns the IDs of the provider's (every provider's when it
// is "") latest runs, newest first: the order in which each run's newest
// placement comes when they are read newest first.
func latestRuns(ctx context.Context, tx *sql.Tx, provider string, runs int) ([]string, error) {
	q, args := latestRunsQuery(provider)
	rows, err := tx.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("store: reading placement runs: %w", err)
	}
	defer rows.Close()
	var ids []string
	seen := make(map[string]bool, runs)
	for len(ids) < runs && rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			return nil, fmt.Errorf("store: reading placement runs: %w", err)
		}
		if !seen[id] {
			seen[id] = true
			ids = append(ids, id)
		}
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: reading placement runs: %w", err)
	}
	return ids, nil
}

// latestRunsQuery is the query of latestRuns and its arguments.
func latestRunsQuery(provider string) (string, []any) {
	w, args := where([]string{"provider = ?"}, provider)
	return `SELECT run_id FROM placements` + w + ` ORDER BY sent_at DESC, id DESC`, args
}

// prunePlacements deletes one chunk of the placements sent before a time,
// oldest first.
const prunePlacements = `DELETE FROM placements WHERE id IN
	(SELECT id FROM placements WHERE sent_at < ? ORDER BY sent_at, id LIMIT ?)`

// PrunePlacements deletes old placements; see [Store.PrunePlacements]. It
// works in chunks of pruneChunk placements, each committed on its own; if
// ctx ends between them it returns the count so far with ctx's error.
func (s *SQLite) PrunePlacements(ctx context.Context, before time.Time) (int64, error) {
	var c checker
	c.time("before", before)
	if c.err != nil {
		return 0, c.err
	}
	cut := before.UnixMicro()
	var total int64
	for {
		var n int64
		err := s.w.do(ctx, 0, func(ctx context.Context, tx *sql.Tx) error {
			res, err := tx.ExecContext(ctx, prunePlacements, cut, pruneChunk)
			if err != nil {
				return fmt.Errorf("store: pruning placements: %w", err)
			}
			n, err = res.RowsAffected()
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

func scanPlacement(row scanner) (*Placement, error) {
	var (
		p           Placement
		kind        string
		sent        int64
		filed, seen sql.NullInt64
	)
	if err := row.Scan(&p.ID, &p.RunID, &p.Seed, &p.Provider, &p.Token, &kind, &p.Folder, &sent, &filed, &seen,
		&p.SendStatus, &p.SPF, &p.DKIM, &p.DMARC, &p.Spam, &p.Error); err != nil {
		return nil, err
	}
	p.Kind = PlacementKind(kind)
	p.SentAt, p.FiledAt, p.SeenAt = fromMicros(sent), fromNullMicros(filed), fromNullMicros(seen)
	return &p, nil
}

// nullMicros is t in microseconds, or NULL when t is zero.
func nullMicros(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return t.UnixMicro()
}
