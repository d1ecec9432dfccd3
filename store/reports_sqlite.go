package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"
)

// Bounds of a [Report].
const (
	reportIDLen   = 16
	maxReportBody = 1 << 20
)

const reportColumns = `id, created_at, agent, address, ref, body`

func checkReport(r *Report) error {
	if r == nil {
		return fmt.Errorf("%w: no report", ErrInvalid)
	}
	var c checker
	c.time("created", r.Created)
	if c.err != nil {
		return c.err
	}
	switch {
	case len(r.ID) != reportIDLen || strings.Trim(r.ID, "abcdefghijklmnopqrstuvwxyz234567") != "":
		return fmt.Errorf("%w: report ID %q is not 16 characters of lower-case base32", ErrInvalid, r.ID)
	case !ValidUserName(r.Agent):
		return fmt.Errorf("%w: report %s: agent %q is not a user name", ErrInvalid, r.ID, r.Agent)
	case r.Address == "" || utf8.RuneCountInString(r.Address) > MaxWizardAddressLen || !utf8.ValidString(r.Address) ||
		strings.ContainsRune(r.Address, 0):
		return fmt.Errorf("%w: report %s: the address must be 1 to %d characters of UTF-8 without NUL", ErrInvalid, r.ID,
			MaxWizardAddressLen)
	case r.Ref != "" && !ValidWizardRef(r.Ref):
		return fmt.Errorf("%w: report %s: %q is not a wizard reference", ErrInvalid, r.ID, r.Ref)
	case !json.Valid(r.Body):
		return fmt.Errorf("%w: report %s body is not JSON", ErrInvalid, r.ID)
	case len(r.Body) < 2 || len(r.Body) > maxReportBody:
		return fmt.Errorf("%w: report %s body of %d bytes (2 to %d)", ErrInvalid, r.ID, len(r.Body), maxReportBody)
	}
	return nil
}

// PutReport stores an agent's report; a zero Created is set to the
// store's clock. ErrExists if the ID is taken, ErrInvalid for a bad shape.
func (s *SQLite) PutReport(ctx context.Context, r *Report) error {
	if err := checkReport(r); err != nil {
		return err
	}
	created := s.stamp(r.Created)
	args := []any{r.ID, created, r.Agent, r.Address, r.Ref, string(r.Body)}
	err := s.w.do(ctx, len(r.Body), func(ctx context.Context, tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `INSERT INTO reports (`+reportColumns+`) VALUES (?, ?, ?, ?, ?, ?)
			ON CONFLICT (id) DO NOTHING`, args...)
		if err != nil {
			return fmt.Errorf("store: storing report %s: %w", r.ID, err)
		}
		return oneRow(res, fmt.Errorf("%w: report %s", ErrExists, r.ID))
	})
	if err != nil {
		return err
	}
	r.Created = fromMicros(created)
	return nil
}

func scanReport(row scanner) (*Report, error) {
	var r Report
	var created int64
	var body string
	if err := row.Scan(&r.ID, &created, &r.Agent, &r.Address, &r.Ref, &body); err != nil {
		return nil, err
	}
	r.Created, r.Body = fromMicros(created), []byte(body)
	return &r, nil
}

// Report returns the report with the ID, or ErrNotFound.
func (s *SQLite) Report(ctx context.Context, id string) (*Report, error) {
	db, err := s.reader()
	if err != nil {
		return nil, err
	}
	r, err := scanReport(db.QueryRowContext(ctx, `SELECT `+reportColumns+` FROM reports WHERE id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("%w: report %q", ErrNotFound, id)
	}
	if err != nil {
		return nil, fmt.Errorf("store: reading report %q: %w", id, err)
	}
	return r, nil
}

// ReportsByAddress returns the reports on the address, newest first.
func (s *SQLite) ReportsByAddress(ctx context.Context, address string, limit int) ([]*Report, error) {
	db, err := s.reader()
	if err != nil {
		return nil, err
	}
	rows, err := db.QueryContext(ctx, `SELECT `+reportColumns+` FROM reports WHERE address = ?
		ORDER BY created_at DESC, id DESC LIMIT ?`, address, clampLimit(limit))
	if err != nil {
		return nil, fmt.Errorf("store: listing reports on %q: %w", address, err)
	}
	return collect(rows, scanReport)
}

// pruneReports deletes a chunk of the reports made before a time, oldest
// first, through the reports_by_created index.
const pruneReports = `DELETE FROM reports WHERE id IN
	(SELECT id FROM reports WHERE created_at < ? ORDER BY created_at, id LIMIT ?)`

// PruneReports deletes the reports made before before and reports how
// many, in chunks so as not to hold up other writes.
func (s *SQLite) PruneReports(ctx context.Context, before time.Time) (int64, error) {
	return s.pruneInChunks(ctx, "reports", pruneReports, before)
}
