package store

import (
	"context"
	"database/sql"
	"log/slog"
	"time"
)

// WAL checkpoints: copying committed pages from the write-ahead log back
// into the database file, which costs an fsync of the database file. Left
// to SQLite, the connection that commits runs one whenever the log passes
// 1,000 pages, inside its commit, so every few hundred acknowledgements
// one waits for it. The store instead runs passive checkpoints on a
// connection of their own, concurrently with the writer, whenever about
// checkpointBytes have been committed; the writer's own automatic
// checkpoint stays as a backstop at backstopPages, should the checkpointer
// fall behind.
const (
	checkpointBytes = 4 << 20
	backstopPages   = 10000
	// jobOverhead is the estimated log bytes a write costs beyond its
	// payload (its row, index entries, page headers).
	jobOverhead = 512
)

// checkpointer runs passive checkpoints when kicked.
type checkpointer struct {
	db      *sql.DB
	log     *slog.Logger
	kick    chan struct{}
	stop    chan struct{}
	stopped chan struct{}
	pending int // log bytes committed since the last kick; writer goroutine only
}

func newCheckpointer(db *sql.DB, log *slog.Logger) *checkpointer {
	return &checkpointer{
		db:      db,
		log:     log,
		kick:    make(chan struct{}, 1),
		stop:    make(chan struct{}),
		stopped: make(chan struct{}),
	}
}

// committed is called by the writer after each commit of n payload bytes
// in jobs jobs; it kicks the checkpointer once enough has accumulated and
// never blocks.
func (c *checkpointer) committed(n, jobs int) {
	c.pending += n + jobs*jobOverhead
	if c.pending < checkpointBytes {
		return
	}
	c.pending = 0
	select {
	case c.kick <- struct{}{}:
	default:
	}
}

func (c *checkpointer) start() { go c.loop() }

func (c *checkpointer) close() {
	close(c.stop)
	<-c.stopped
}

func (c *checkpointer) loop() {
	defer close(c.stopped)
	for {
		select {
		case <-c.stop:
			return
		case <-c.kick:
		}
		// A passive checkpoint never waits for the writer or readers: it
		// copies what it can, and the next one continues.
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		var busy, logPages, done int
		err := c.db.QueryRowContext(ctx, "PRAGMA wal_checkpoint(PASSIVE)").Scan(&busy, &logPages, &done)
		cancel()
		if err != nil {
			c.log.Warn("store: WAL checkpoint failed", "err", err)
		}
	}
}
