package store

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"time"
)

// rateKeysPerQuery bounds the keys of one RateBuckets query, well within
// SQLite's 32,766 parameters.
const rateKeysPerQuery = 500

// RateBuckets reads saved rate-limit buckets; see [WebStore.RateBuckets].
// More keys than one query takes are read in several queries of one read
// transaction, so they see one state of the database.
func (s *SQLite) RateBuckets(ctx context.Context, keys []string) (map[string]RateBucket, error) {
	db, err := s.reader()
	if err != nil {
		return nil, err
	}
	out := make(map[string]RateBucket, len(keys))
	if len(keys) == 0 {
		return out, nil
	}
	tx, err := db.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return nil, fmt.Errorf("store: reading rate buckets: %w", err)
	}
	defer tx.Rollback() // read-only: there is nothing to undo, nor an error worth reporting
	for len(keys) > 0 {
		chunk := keys[:min(len(keys), rateKeysPerQuery)]
		keys = keys[len(chunk):]
		args := make([]any, len(chunk))
		for i, k := range chunk {
			args[i] = k
		}
		rows, err := tx.QueryContext(ctx, rateBucketsQuery(len(chunk)), args...)
		if err != nil {
			return nil, fmt.Errorf("store: reading rate buckets: %w", err)
		}
		bs, err := collect(rows, scanRateBucket)
		if err != nil {
			return nil, err
		}
		for _, b := range bs {
			out[b.Key] = b
		}
	}
	return out, nil
}

// rateBucketsQuery selects the buckets with n keys, n at least 1.
func rateBucketsQuery(n int) string {
	return `SELECT bucket_key, tokens, at FROM rate_buckets WHERE bucket_key IN (?` + strings.Repeat(", ?", n-1) + `)`
}

func scanRateBucket(row scanner) (RateBucket, error) {
	var (
		b  RateBucket
		at int64
	)
	if err := row.Scan(&b.Key, &b.Tokens, &at); err != nil {
		return RateBucket{}, err
	}
	b.At = fromMicros(at)
	return b, nil
}

const saveRateBucket = `INSERT INTO rate_buckets (bucket_key, tokens, at) VALUES (?, ?, ?)
	ON CONFLICT (bucket_key) DO UPDATE SET tokens = excluded.tokens, at = excluded.at`

// SaveRateBuckets saves rate-limit buckets; see [WebStore.SaveRateBuckets].
// They are one job of the writer, so they are committed together or not
// at all; of several buckets with one key, the last is kept.
func (s *SQLite) SaveRateBuckets(ctx context.Context, bs []RateBucket) error {
	size := 0
	for i, b := range bs {
		if err := checkRateBucket(b); err != nil {
			return fmt.Errorf("%w (bucket %d of %d)", err, i+1, len(bs))
		}
		size += len(b.Key)
	}
	if s.closed.Load() {
		return ErrClosed
	}
	if len(bs) == 0 {
		return nil
	}
	return s.w.do(ctx, size, func(ctx context.Context, tx *sql.Tx) error {
		stmt, err := tx.PrepareContext(ctx, saveRateBucket)
		if err != nil {
			return fmt.Errorf("store: saving rate buckets: %w", err)
		}
		defer stmt.Close()
		for _, b := range bs {
			if _, err := stmt.ExecContext(ctx, b.Key, b.Tokens, b.At.UnixMicro()); err != nil {
				return fmt.Errorf("store: saving rate bucket %q: %w", b.Key, err)
			}
		}
		return nil
	})
}

// pruneRateBuckets deletes one chunk of the buckets saved before a time.
const pruneRateBuckets = `DELETE FROM rate_buckets WHERE bucket_key IN
	(SELECT bucket_key FROM rate_buckets WHERE at < ? ORDER BY at LIMIT ?)`

// PruneRateBuckets deletes old rate-limit buckets; see
// [WebStore.PruneRateBuckets].
func (s *SQLite) PruneRateBuckets(ctx context.Context, before time.Time) (int64, error) {
	return s.pruneInChunks(ctx, "rate buckets", pruneRateBuckets, before)
}
