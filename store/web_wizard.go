package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"
)

const wizardColumns = `ref, secret_hash, created_at, updated_at, address, phone, state`

// PutWizardSession stores a new wizard session; see
// [WebStore.PutWizardSession].
func (s *SQLite) PutWizardSession(ctx context.Context, ws *WizardSession) error {
	if err := checkWizardSession(ws, false); err != nil {
		return err
	}
	updated := s.stamp(time.Time{})
	created := s.stamp(ws.Created)
	args := []any{ws.Ref, ws.SecretHash, created, updated, ws.Address, ws.Phone, string(ws.State)}
	err := s.w.do(ctx, len(ws.State), func(ctx context.Context, tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `INSERT INTO wizard_sessions (`+wizardColumns+`) VALUES (?, ?, ?, ?, ?, ?, ?)
			ON CONFLICT (ref) DO NOTHING`, args...)
		if err != nil {
			return fmt.Errorf("store: storing wizard session %s: %w", ws.Ref, err)
		}
		return oneRow(res, fmt.Errorf("%w: wizard session %s", ErrExists, ws.Ref))
	})
	if err != nil {
		return err
	}
	ws.Created, ws.Updated = fromMicros(created), fromMicros(updated)
	return nil
}

// UpdateWizardSession rewrites a wizard session; see
// [WebStore.UpdateWizardSession].
func (s *SQLite) UpdateWizardSession(ctx context.Context, ws *WizardSession) error {
	if err := checkWizardSession(ws, true); err != nil {
		return err
	}
	updated := s.stamp(time.Time{})
	args := []any{ws.Address, ws.Phone, string(ws.State), updated, ws.Ref}
	err := s.w.do(ctx, len(ws.State), func(ctx context.Context, tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE wizard_sessions SET address = ?, phone = ?, state = ?, updated_at = ?
			WHERE ref = ?`, args...)
		if err != nil {
			return fmt.Errorf("store: updating wizard session %s: %w", ws.Ref, err)
		}
		return oneRow(res, fmt.Errorf("%w: wizard session %s", ErrNotFound, ws.Ref))
	})
	if err != nil {
		return err
	}
	ws.Updated = fromMicros(updated)
	return nil
}

// WizardSession reads a wizard session; see [WebStore.WizardSession].
func (s *SQLite) WizardSession(ctx context.Context, ref string) (*WizardSession, error) {
	db, err := s.reader()
	if err != nil {
		return nil, err
	}
	ws, err := scanWizardSession(db.QueryRowContext(ctx, `SELECT `+wizardColumns+` FROM wizard_sessions WHERE ref = ?`, ref))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("%w: wizard session %q", ErrNotFound, ref)
	}
	if err != nil {
		return nil, fmt.Errorf("store: reading wizard session %q: %w", ref, err)
	}
	return ws, nil
}

// wizardSessionsQuery is the query of [SQLite.WizardSessionsByAddress]
// for the argument: by address when it holds an '@', else by phone, each
// through its own index.
func wizardSessionsQuery(addressOrPhone string) string {
	column := "phone"
	if strings.Contains(addressOrPhone, "@") {
		column = "address"
	}
	return `SELECT ` + wizardColumns + ` FROM wizard_sessions WHERE ` + column + ` = ?
		ORDER BY updated_at DESC, ref DESC LIMIT ?`
}

// WizardSessionsByAddress lists the wizard sessions about an address or a
// phone number; see [WebStore.WizardSessionsByAddress].
func (s *SQLite) WizardSessionsByAddress(ctx context.Context, addressOrPhone string, limit int) ([]*WizardSession, error) {
	db, err := s.reader()
	if err != nil {
		return nil, err
	}
	if addressOrPhone == "" {
		return nil, nil
	}
	rows, err := db.QueryContext(ctx, wizardSessionsQuery(addressOrPhone), addressOrPhone, clampLimit(limit))
	if err != nil {
		return nil, fmt.Errorf("store: listing wizard sessions: %w", err)
	}
	return collect(rows, scanWizardSession)
}

// pruneWizardSessions deletes one chunk of the sessions last updated
// before a time.
const pruneWizardSessions = `DELETE FROM wizard_sessions WHERE ref IN
	(SELECT ref FROM wizard_sessions WHERE updated_at < ? ORDER BY updated_at LIMIT ?)`

// PruneWizardSessions deletes wizard sessions left alone; see
// [WebStore.PruneWizardSessions].
func (s *SQLite) PruneWizardSessions(ctx context.Context, before time.Time) (int64, error) {
	return s.pruneInChunks(ctx, "wizard sessions", pruneWizardSessions, before)
}

func scanWizardSession(row scanner) (*WizardSession, error) {
	var (
		ws               WizardSession
		created, updated int64
		state            string
	)
	if err := row.Scan(&ws.Ref, &ws.SecretHash, &created, &updated, &ws.Address, &ws.Phone, &state); err != nil {
		return nil, err
	}
	ws.Created, ws.Updated = fromMicros(created), fromMicros(updated)
	if state != "" {
		ws.State = []byte(state)
	}
	return &ws, nil
}
