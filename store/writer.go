package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"
)

// maxBatchBytes bounds the payload of one group commit, so a burst of
// large messages does not make one transaction (and the WAL) huge.
const maxBatchBytes = 64 << 20

// A job is one write handed to the writer goroutine. run executes it
// inside the batch's transaction; it must be one statement or leave the
// transaction usable when it fails with one of the package's sentinel
// errors.
type job struct {
	run   func(ctx context.Context, tx *sql.Tx) error
	size  int          // payload bytes, for maxBatchBytes
	state atomic.Int32 // jobPending, then jobClaimed or jobAbandoned
	done  chan error   // buffered: the writer never blocks on it
}

const (
	jobPending int32 = iota
	jobClaimed
	jobAbandoned
)

// writer owns the only connection that writes. Callers queue jobs; the
// writer takes whatever is pending (up to maxBatch jobs), runs them in one
// transaction and commits once, so one fsync serves the whole batch, then
// tells every caller its outcome.
//
// A lone job is committed at once. Only when the last batch held more
// than one job (several writers are active) does the writer wait, at most
// window, for as many jobs as that batch held, so that writers that were
// just woken can join the next commit instead of paying for one each.
type writer struct {
	db       *sql.DB
	maxBatch int
	window   time.Duration
	// beforeCommit, when set (by tests), runs after a batch is claimed and
	// before its transaction begins.
	beforeCommit func(batch []*job)
	// afterCommit, when set, is told the payload bytes and the number of
	// jobs of every successful commit.
	afterCommit func(bytes, jobs int)

	mu      sync.RWMutex // guards closed against queue sends
	closed  bool
	queue   chan *job
	stopped chan struct{}
}

func newWriter(db *sql.DB, maxBatch int, window time.Duration) *writer {
	return &writer{
		db:       db,
		maxBatch: maxBatch,
		window:   window,
		queue:    make(chan *job, maxBatch),
		stopped:  make(chan struct{}),
	}
}

// do queues run as a job of size payload bytes and waits for its outcome.
// If ctx ends first, do returns ctx's error; the job is then skipped when
// the writer had not yet claimed it, and may still be committed when it
// had.
func (w *writer) do(ctx context.Context, size int, run func(context.Context, *sql.Tx) error) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	j := &job{run: run, size: size, done: make(chan error, 1)}
	if err := w.enqueue(ctx, j); err != nil {
		return err
	}
	select {
	case err := <-j.done:
		return err
	case <-ctx.Done():
		if j.state.CompareAndSwap(jobPending, jobAbandoned) {
			return ctx.Err()
		}
		return fmt.Errorf("store: outcome unknown, the write was in flight: %w", ctx.Err())
	}
}

func (w *writer) enqueue(ctx context.Context, j *job) error {
	w.mu.RLock()
	defer w.mu.RUnlock()
	if w.closed {
		return ErrClosed
	}
	select {
	case w.queue <- j:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// start runs the writer goroutine.
func (w *writer) start() { go w.loop() }

// close stops accepting jobs and returns once every queued job has been
// committed or failed.
func (w *writer) close() {
	w.mu.Lock()
	if !w.closed {
		w.closed = true
		close(w.queue)
	}
	w.mu.Unlock()
	<-w.stopped
}

func (w *writer) loop() {
	defer close(w.stopped)
	last := 0
	batch := make([]*job, 0, w.maxBatch)
	for j := range w.queue {
		if !j.state.CompareAndSwap(jobPending, jobClaimed) {
			continue
		}
		batch = w.gather(append(batch[:0], j), last)
		last = len(batch)
		if w.beforeCommit != nil {
			w.beforeCommit(batch)
		}
		w.commit(batch)
		clear(batch)
	}
}

// gather adds to batch the jobs already queued and, when the last batch
// held more than one job, those arriving within the window until batch is
// as large as the last one.
func (w *writer) gather(batch []*job, last int) []*job {
	size := batch[0].size
	full := func() bool { return len(batch) >= w.maxBatch || size >= maxBatchBytes }
	var timeout <-chan time.Time
	for !full() {
		var j *job
		var ok bool
		select {
		case j, ok = <-w.queue:
		default:
			if w.window <= 0 || last <= 1 || len(batch) >= last {
				return batch
			}
			if timeout == nil {
				t := time.NewTimer(w.window)
				defer t.Stop()
				timeout = t.C
			}
			select {
			case j, ok = <-w.queue:
			case <-timeout:
				return batch
			}
		}
		if !ok {
			return batch
		}
		if j.state.CompareAndSwap(jobPending, jobClaimed) {
			batch = append(batch, j)
			size += j.size
		}
	}
	return batch
}

// commit runs the batch in one transaction. A job failing with a sentinel
// error keeps its error and the others go on. A job failing otherwise (a
// driver error, which may have rolled the transaction back) gets its
// error, the transaction is rolled back and the other jobs run again in a
// new one. If the commit fails, every job of the batch fails: none was
// written.
func (w *writer) commit(batch []*job) {
	ctx := context.Background()
	errs := make([]error, len(batch))
	for len(batch) > 0 {
		tx, err := w.db.BeginTx(ctx, nil)
		if err != nil {
			finish(batch, fmt.Errorf("store: beginning a transaction: %w", err))
			return
		}
		failed := -1
		for i, j := range batch {
			errs[i] = j.run(ctx, tx)
			if errs[i] != nil && !isSentinel(errs[i]) {
				failed = i
				break
			}
		}
		if failed >= 0 {
			batch[failed].done <- errs[failed]
			if err := ignoreDone(tx.Rollback()); err != nil {
				finish(append(batch[:failed:failed], batch[failed+1:]...), fmt.Errorf("store: rolling back: %w", err))
				return
			}
			batch = append(batch[:failed:failed], batch[failed+1:]...)
			continue
		}
		if err := tx.Commit(); err != nil {
			finish(batch, fmt.Errorf("store: committing: %w", err))
			return
		}
		bytes := 0
		for i, j := range batch {
			bytes += j.size
			j.done <- errs[i]
		}
		if w.afterCommit != nil {
			w.afterCommit(bytes, len(batch))
		}
		return
	}
}

func finish(batch []*job, err error) {
	for _, j := range batch {
		j.done <- err
	}
}

// isSentinel reports whether err is one of the package's own outcomes,
// which a job reports without disturbing the transaction.
func isSentinel(err error) bool {
	return errors.Is(err, ErrNotFound) || errors.Is(err, ErrExists) || errors.Is(err, ErrInvalid) ||
		errors.Is(err, ErrLimit)
}
