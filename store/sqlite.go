package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	_ "modernc.org/sqlite" // registers the "sqlite" database/sql driver
)

// SQLiteOptions configure [OpenSQLite]. A nil *SQLiteOptions, and any zero
// field, means the default.
type SQLiteOptions struct {
	// BusyTimeout is how long a statement waits for a lock held by another
	// process using the same database file. Default 5s.
	BusyTimeout time.Duration
	// GroupCommitWindow is how long the writer may wait for more writes
	// to join a batch, and only while several writers are active (a lone
	// write is never delayed). Default 200µs; negative means never wait.
	GroupCommitWindow time.Duration
	// MaxBatch is the most writes committed in one transaction. Default 256.
	MaxBatch int
	// ReadConns is the number of connections for reads. Default 4.
	ReadConns int
	// Now is the clock that stamps zero times. Default time.Now.
	Now func() time.Time
	// Logger receives warnings about background work (WAL checkpoints).
	// Default: discarded.
	Logger *slog.Logger

	// beforeCommit is the writer's test hook (see writer.beforeCommit).
	beforeCommit func(batch []*job)
}

func (o *SQLiteOptions) withDefaults() SQLiteOptions {
	var r SQLiteOptions
	if o != nil {
		r = *o
	}
	if r.BusyTimeout <= 0 {
		r.BusyTimeout = 5 * time.Second
	}
	if r.GroupCommitWindow == 0 {
		r.GroupCommitWindow = 200 * time.Microsecond
	}
	if r.MaxBatch <= 0 {
		r.MaxBatch = 256
	}
	if r.ReadConns <= 0 {
		r.ReadConns = 4
	}
	if r.Now == nil {
		r.Now = time.Now
	}
	if r.Logger == nil {
		r.Logger = slog.New(slog.DiscardHandler)
	}
	return r
}

// SQLite is the [Store] kept in one SQLite database file, through the
// pure-Go driver modernc.org/sqlite. Several processes may open the same
// file; each commits its own writes.
type SQLite struct {
	wdb, rdb  *sql.DB // rdb == wdb for an in-memory database
	w         *writer
	cp        *checkpointer // nil for an in-memory database
	now       func() time.Time
	closed    atomic.Bool
	closeOnce sync.Once
	closeErr  error
}

var _ Store = (*SQLite)(nil)

// OpenSQLite opens the database file at path, creating it if need be, and
// brings its schema up to date. The path ":memory:" gives a private
// in-memory database that lives until Close (for tests and the demo; it
// is not durable, and its reads wait for its writes).
//
// The file is put in WAL mode with synchronous=FULL, so every commit is on
// disk when it returns, and readers never block the writer. OpenSQLite
// fails if the file system cannot do WAL, and with [ErrSchemaTooNew] if
// the database was written by a newer codeprobe.
func OpenSQLite(path string, opts *SQLiteOptions) (*SQLite, error) {
	o := opts.withDefaults()
	if path == "" || strings.IndexByte(path, 0) >= 0 {
		return nil, fmt.Errorf("%w: database path %q", ErrInvalid, path)
	}
	ms, err := embeddedMigrations()
	if err != nil {
		return nil, err
	}
	memory := path == ":memory:"
	s := &SQLite{now: o.Now}
	wdsn, rdsn, err := sqliteDSNs(path, memory, o.BusyTimeout)
	if err != nil {
		return nil, err
	}
	if s.wdb, err = sql.Open("sqlite", wdsn); err != nil {
		return nil, fmt.Errorf("store: opening %s: %w", path, err)
	}
	// One connection writes; for an in-memory database it is the only
	// connection, and must never be closed while the store is open.
	s.wdb.SetMaxOpenConns(1)
	s.wdb.SetMaxIdleConns(1)
	s.wdb.SetConnMaxLifetime(0)
	s.wdb.SetConnMaxIdleTime(0)
	ctx, cancel := context.WithTimeout(context.Background(), o.BusyTimeout+10*time.Second)
	defer cancel()
	if err := s.checkPragmas(ctx, path, memory); err != nil {
		return nil, errors.Join(err, s.wdb.Close())
	}
	if err := migrate(ctx, s.wdb, ms, o.Now().UnixMicro()); err != nil {
		return nil, errors.Join(err, s.wdb.Close())
	}
	s.rdb = s.wdb
	s.w = newWriter(s.wdb, o.MaxBatch, o.GroupCommitWindow)
	s.w.beforeCommit = o.beforeCommit
	if !memory {
		if s.rdb, err = sql.Open("sqlite", rdsn); err != nil {
			return nil, errors.Join(fmt.Errorf("store: opening %s: %w", path, err), s.wdb.Close())
		}
		s.rdb.SetMaxOpenConns(o.ReadConns)
		s.rdb.SetMaxIdleConns(o.ReadConns)
		cdb, err := sql.Open("sqlite", wdsn)
		if err != nil {
			return nil, errors.Join(fmt.Errorf("store: opening %s: %w", path, err), s.wdb.Close(), s.rdb.Close())
		}
		cdb.SetMaxOpenConns(1)
		s.cp = newCheckpointer(cdb, o.Logger)
		s.w.afterCommit = s.cp.committed
		s.cp.start()
	}
	s.w.start()
	return s, nil
}

// sqliteDSNs returns the data source names of the write and read
// connections. Each connection sets its own pragmas when it opens.
func sqliteDSNs(path string, memory bool, busy time.Duration) (wdsn, rdsn string, err error) {
	common := url.Values{}
	common.Add("_pragma", fmt.Sprintf("busy_timeout(%d)", busy.Milliseconds()))
	common.Add("_pragma", "foreign_keys(1)")
	common.Add("_pragma", "synchronous(FULL)")
	w := url.Values{"_txlock": {"immediate"}}
	r := url.Values{"_txlock": {"deferred"}}
	for k, vs := range common {
		w[k] = append(w[k], vs...)
		r[k] = append(r[k], vs...)
	}
	if memory {
		return ":memory:?" + w.Encode(), "", nil
	}
	w.Add("_pragma", "journal_mode(WAL)")
	w.Add("_pragma", fmt.Sprintf("wal_autocheckpoint(%d)", backstopPages))
	r.Add("_pragma", "query_only(1)")
	abs, err := filepath.Abs(path)
	if err != nil {
		return "", "", fmt.Errorf("store: database path %q: %w", path, err)
	}
	u := url.URL{Scheme: "file", Path: filepath.ToSlash(abs), OmitHost: true}
	u.RawQuery = w.Encode()
	wdsn = u.String()
	u.RawQuery = r.Encode()
	return wdsn, u.String(), nil
}

// checkPragmas opens the write connection and confirms the settings that
// durability rests on took effect.
func (s *SQLite) checkPragmas(ctx context.Context, path string, memory bool) error {
	var mode string
	if err := s.wdb.QueryRowContext(ctx, "PRAGMA journal_mode").Scan(&mode); err != nil {
		return fmt.Errorf("store: opening %s: %w", path, err)
	}
	if !memory && !strings.EqualFold(mode, "wal") {
		return fmt.Errorf("store: %s: the database is in journal mode %q, not WAL (does the file system support shared memory?)", path, mode)
	}
	var syncMode, fk int
	if err := s.wdb.QueryRowContext(ctx, "PRAGMA synchronous").Scan(&syncMode); err != nil {
		return fmt.Errorf("store: opening %s: %w", path, err)
	}
	if err := s.wdb.QueryRowContext(ctx, "PRAGMA foreign_keys").Scan(&fk); err != nil {
		return fmt.Errorf("store: opening %s: %w", path, err)
	}
	if syncMode != 2 || fk != 1 {
		return fmt.Errorf("store: %s: synchronous=%d foreign_keys=%d, want 2 and 1", path, syncMode, fk)
	}
	return nil
}

// Close commits or fails every write already queued, then closes the
// database. It may be called more than once.
func (s *SQLite) Close() error {
	s.closeOnce.Do(func() {
		s.closed.Store(true)
		s.w.close()
		var errs []error
		if s.cp != nil {
			s.cp.close()
			errs = append(errs, s.cp.db.Close())
		}
		if s.rdb != s.wdb {
			errs = append(errs, s.rdb.Close())
		}
		// The write connection closes last: SQLite checkpoints the log
		// into the database file when its last connection closes.
		s.closeErr = errors.Join(append(errs, s.wdb.Close())...)
	})
	return s.closeErr
}

// reader returns the read pool, or ErrClosed.
func (s *SQLite) reader() (*sql.DB, error) {
	if s.closed.Load() {
		return nil, ErrClosed
	}
	return s.rdb, nil
}

// stamp is t in microseconds, or the clock's time when t is zero.
func (s *SQLite) stamp(t time.Time) int64 {
	if t.IsZero() {
		t = s.now()
	}
	return t.UnixMicro()
}

func fromMicros(us int64) time.Time { return time.UnixMicro(us).UTC() }

func fromNullMicros(n sql.NullInt64) time.Time {
	if !n.Valid {
		return time.Time{}
	}
	return fromMicros(n.Int64)
}
