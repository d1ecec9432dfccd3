package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"
)

// The agent accounts and their login sessions, kept by [SQLite] (see
// [WebStore]). Every write is a job of the writer, so it is committed
// with the writes around it and, being one statement or failing before it
// writes, never leaves a batch's transaction unusable.

const userColumns = `name, password_hash, created_at, failed_logins, locked_until, last_login_at`

// PutUser stores a new account; see [WebStore.PutUser].
func (s *SQLite) PutUser(ctx context.Context, u *User) error {
	if err := checkUser(u); err != nil {
		return err
	}
	created := s.stamp(u.Created)
	args := []any{u.Name, u.PasswordHash, created, u.FailedLogins, nullMicros(u.LockedUntil), nullMicros(u.LastLogin)}
	err := s.w.do(ctx, len(u.PasswordHash), func(ctx context.Context, tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `INSERT INTO users (`+userColumns+`) VALUES (?, ?, ?, ?, ?, ?)
			ON CONFLICT (name) DO NOTHING`, args...)
		if err != nil {
			return fmt.Errorf("store: storing user %q: %w", u.Name, err)
		}
		return oneRow(res, fmt.Errorf("%w: user %q", ErrExists, u.Name))
	})
	if err != nil {
		return err
	}
	u.Created = fromMicros(created)
	return nil
}

// SetPassword replaces an account's password hash; see
// [WebStore.SetPassword].
func (s *SQLite) SetPassword(ctx context.Context, name, hash string) error {
	var c checker
	c.passwordHash(hash)
	if c.err != nil {
		return c.err
	}
	return s.w.do(ctx, len(hash), func(ctx context.Context, tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE users SET password_hash = ?, failed_logins = 0, locked_until = NULL
			WHERE name = ?`, hash, name)
		if err != nil {
			return fmt.Errorf("store: setting the password of %q: %w", name, err)
		}
		return oneRow(res, fmt.Errorf("%w: user %q", ErrNotFound, name))
	})
}

// User returns an account; see [WebStore.User].
func (s *SQLite) User(ctx context.Context, name string) (*User, error) {
	db, err := s.reader()
	if err != nil {
		return nil, err
	}
	now := s.now()
	u, err := scanUser(db.QueryRowContext(ctx, `SELECT `+userColumns+` FROM users WHERE name = ?`, name), now)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("%w: user %q", ErrNotFound, name)
	}
	if err != nil {
		return nil, fmt.Errorf("store: reading user %q: %w", name, err)
	}
	return u, nil
}

// Users lists every account; see [WebStore.Users].
func (s *SQLite) Users(ctx context.Context) ([]*User, error) {
	db, err := s.reader()
	if err != nil {
		return nil, err
	}
	now := s.now()
	rows, err := db.QueryContext(ctx, `SELECT `+userColumns+` FROM users ORDER BY name`)
	if err != nil {
		return nil, fmt.Errorf("store: listing users: %w", err)
	}
	return collect(rows, func(row scanner) (*User, error) { return scanUser(row, now) })
}

// DeleteUser removes an account; see [WebStore.DeleteUser]. Its sessions
// go with it, by the foreign key's ON DELETE CASCADE (the store opens
// every connection with foreign_keys on).
func (s *SQLite) DeleteUser(ctx context.Context, name string) error {
	return s.w.do(ctx, 0, func(ctx context.Context, tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `DELETE FROM users WHERE name = ?`, name)
		if err != nil {
			return fmt.Errorf("store: deleting user %q: %w", name, err)
		}
		return oneRow(res, fmt.Errorf("%w: user %q", ErrNotFound, name))
	})
}

// recordLogin is RecordLogin's one statement. SET expressions read the
// row as it was, so failed_logins + 1 is the new count: a failure that
// brings it to LockAfter or beyond (re)starts the lock, one that leaves it
// below does not touch locked_until.
const recordLogin = `UPDATE users SET
	failed_logins = CASE
		WHEN ?1 AND (locked_until IS NULL OR locked_until <= ?4) THEN 0
		WHEN ?1 THEN failed_logins
		ELSE failed_logins + 1 END,
	locked_until = CASE
		WHEN ?1 AND (locked_until IS NULL OR locked_until <= ?4) THEN NULL
		WHEN ?1 THEN locked_until
		WHEN ?2 > 0 AND failed_logins + 1 >= ?2 THEN ?3
		ELSE locked_until END,
	last_login_at = CASE WHEN ?1 AND (locked_until IS NULL OR locked_until <= ?4) THEN ?4 ELSE last_login_at END
	WHERE name = ?5
	RETURNING ` + userColumns

// RecordLogin records a password check; see [WebStore.RecordLogin]. It is
// one UPDATE … RETURNING of the writer, so concurrent failures, even from
// several processes, each count once, and a good password checked while
// other guesses were locking the account does not lift their lock.
func (s *SQLite) RecordLogin(ctx context.Context, name string, ok bool, p LoginPolicy) (*User, error) {
	now := s.now()
	if err := checkLoginPolicy(p, now); err != nil {
		return nil, err
	}
	var u *User
	err := s.w.do(ctx, 0, func(ctx context.Context, tx *sql.Tx) error {
		var err error
		u, err = scanUser(tx.QueryRowContext(ctx, recordLogin, ok, p.LockAfter, now.Add(p.LockFor).UnixMicro(),
			now.UnixMicro(), name), now)
		if errors.Is(err, sql.ErrNoRows) {
			return fmt.Errorf("%w: user %q", ErrNotFound, name)
		}
		if err != nil {
			return fmt.Errorf("store: recording a login of %q: %w", name, err)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return u, nil
}

// scanUser reads a row of userColumns. A lock that has ended by now reads
// as none, as [User.LockedUntil] promises.
func scanUser(row scanner, now time.Time) (*User, error) {
	var (
		u                 User
		created           int64
		locked, lastLogin sql.NullInt64
	)
	if err := row.Scan(&u.Name, &u.PasswordHash, &created, &u.FailedLogins, &locked, &lastLogin); err != nil {
		return nil, err
	}
	u.Created, u.LastLogin = fromMicros(created), fromNullMicros(lastLogin)
	if locked.Valid && locked.Int64 > now.UnixMicro() {
		u.LockedUntil = fromMicros(locked.Int64)
	}
	return &u, nil
}

const webSessionColumns = `id, user_name, csrf, created_at, expires_at, last_seen_at`

// PutWebSession stores a new login session; see [WebStore.PutWebSession].
func (s *SQLite) PutWebSession(ctx context.Context, ws *WebSession) error {
	if err := checkWebSession(ws); err != nil {
		return err
	}
	created, seen := s.stamp(ws.Created), s.stamp(ws.LastSeen)
	args := []any{ws.ID, ws.User, ws.CSRF, created, ws.Expires.UnixMicro(), seen, ws.User}
	err := s.w.do(ctx, 0, func(ctx context.Context, tx *sql.Tx) error {
		// Inserting through a SELECT of the user makes an unknown user a
		// missing row rather than a foreign-key error.
		res, err := tx.ExecContext(ctx, `INSERT INTO web_sessions (`+webSessionColumns+`)
			SELECT ?, ?, ?, ?, ?, ? WHERE EXISTS (SELECT 1 FROM users WHERE name = ?)
			ON CONFLICT (id) DO NOTHING`, args...)
		if err != nil {
			return fmt.Errorf("store: storing a web session of %q: %w", ws.User, err)
		}
		if n, err := res.RowsAffected(); err != nil || n == 1 {
			return err
		}
		// Nothing was written: tell a missing user from a taken ID.
		var users int
		if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM users WHERE name = ?`, ws.User).Scan(&users); err != nil {
			return fmt.Errorf("store: storing a web session of %q: %w", ws.User, err)
		}
		if users == 0 {
			return fmt.Errorf("%w: user %q", ErrNotFound, ws.User)
		}
		return fmt.Errorf("%w: web session of %q with that ID", ErrExists, ws.User)
	})
	if err != nil {
		return err
	}
	ws.Created, ws.LastSeen, ws.Expires = fromMicros(created), fromMicros(seen), fromMicros(ws.Expires.UnixMicro())
	return nil
}

// WebSession returns an unexpired login session; see
// [WebStore.WebSession].
func (s *SQLite) WebSession(ctx context.Context, id string) (*WebSession, error) {
	db, err := s.reader()
	if err != nil {
		return nil, err
	}
	var (
		ws                           WebSession
		created, expires, lastSeenAt int64
	)
	err = db.QueryRowContext(ctx, `SELECT `+webSessionColumns+` FROM web_sessions WHERE id = ? AND expires_at > ?`,
		id, s.now().UnixMicro()).Scan(&ws.ID, &ws.User, &ws.CSRF, &created, &expires, &lastSeenAt)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("%w: web session", ErrNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("store: reading a web session: %w", err)
	}
	ws.Created, ws.Expires, ws.LastSeen = fromMicros(created), fromMicros(expires), fromMicros(lastSeenAt)
	return &ws, nil
}

// TouchWebSession extends an unexpired login session; see
// [WebStore.TouchWebSession].
func (s *SQLite) TouchWebSession(ctx context.Context, id string, expires time.Time) error {
	var c checker
	c.requiredTime("expiry", expires)
	if c.err != nil {
		return c.err
	}
	now := s.now().UnixMicro()
	return s.w.do(ctx, 0, func(ctx context.Context, tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE web_sessions SET last_seen_at = ?, expires_at = ?
			WHERE id = ? AND expires_at > ?`, now, expires.UnixMicro(), id, now)
		if err != nil {
			return fmt.Errorf("store: touching a web session: %w", err)
		}
		return oneRow(res, fmt.Errorf("%w: web session", ErrNotFound))
	})
}

// DeleteWebSession removes a login session; see
// [WebStore.DeleteWebSession].
func (s *SQLite) DeleteWebSession(ctx context.Context, id string) error {
	return s.w.do(ctx, 0, func(ctx context.Context, tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `DELETE FROM web_sessions WHERE id = ?`, id); err != nil {
			return fmt.Errorf("store: deleting a web session: %w", err)
		}
		return nil
	})
}

// DeleteWebSessions removes every session and API token of a user; see
// [WebStore.DeleteWebSessions].
func (s *SQLite) DeleteWebSessions(ctx context.Context, user string) (int64, error) {
	var n int64
	err := s.w.do(ctx, 0, func(ctx context.Context, tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `DELETE FROM web_sessions WHERE user_name = ?`, user)
		if err != nil {
			return fmt.Errorf("store: deleting the web sessions of %q: %w", user, err)
		}
		n, err = res.RowsAffected()
		return err
	})
	return n, err
}

// pruneWebSessions deletes one chunk of the sessions expired at a time.
const pruneWebSessions = `DELETE FROM web_sessions WHERE id IN
	(SELECT id FROM web_sessions WHERE expires_at <= ? ORDER BY expires_at LIMIT ?)`

// PruneWebSessions deletes expired login sessions; see
// [WebStore.PruneWebSessions].
func (s *SQLite) PruneWebSessions(ctx context.Context, before time.Time) (int64, error) {
	return s.pruneInChunks(ctx, "web sessions", pruneWebSessions, before)
}

// pruneInChunks runs query, a DELETE of at most its second argument rows
// matching a cut-off time (its first), until a run deletes fewer than
// pruneChunk rows, each run a job of the writer of its own, so a large
// backlog never holds up other writes for long. If ctx ends between
// chunks it returns the count so far with ctx's error.
func (s *SQLite) pruneInChunks(ctx context.Context, what, query string, before time.Time) (int64, error) {
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
			res, err := tx.ExecContext(ctx, query, cut, pruneChunk)
			if err != nil {
				return fmt.Errorf("store: pruning %s: %w", what, err)
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
