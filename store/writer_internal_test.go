package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"path/filepath"
	"runtime"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// gate holds the writer in its beforeCommit hook, once armed, until
// released, so tests can queue writes behind a batch in flight.
type gate struct {
	armed   atomic.Bool
	entered chan []*job
	release chan struct{}
	mu      sync.Mutex
	sizes   []int // the size of every batch
}

func newGate() *gate {
	return &gate{entered: make(chan []*job, 1), release: make(chan struct{})}
}

func (g *gate) hook(batch []*job) {
	g.mu.Lock()
	g.sizes = append(g.sizes, len(batch))
	g.mu.Unlock()
	if g.armed.CompareAndSwap(true, false) {
		g.entered <- batch
		<-g.release
	}
}

func (g *gate) batchSizes() []int {
	g.mu.Lock()
	defer g.mu.Unlock()
	return slices.Clone(g.sizes)
}

func openGated(t *testing.T, opts SQLiteOptions) (*SQLite, *gate, string) {
	t.Helper()
	g := newGate()
	opts.beforeCommit = g.hook
	path := filepath.Join(t.TempDir(), "w.db")
	s, err := OpenSQLite(path, &opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s, g, path
}

// hold puts one write in flight and waits until the writer is held in the
// gate with it.
func hold(t *testing.T, s *SQLite, g *gate) {
	t.Helper()
	g.armed.Store(true)
	go func() {
		if _, err := s.PutReturn(context.Background(), &Return{Raw: []byte("blocker")}); err != nil {
			t.Errorf("blocker: %v", err)
		}
	}()
	<-g.entered
}

// waitQueued waits until n writes are queued behind the held batch. The
// deadline only turns a bug into a failure instead of a hang.
func waitQueued(t *testing.T, s *SQLite, n int) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for len(s.w.queue) < n {
		if time.Now().After(deadline) {
			t.Fatalf("%d writes queued, want %d", len(s.w.queue), n)
		}
		runtime.Gosched()
	}
}

// countRaw counts the stored returns whose raw message is raw.
func countRaw(t *testing.T, s *SQLite, raw string) int {
	t.Helper()
	var n int
	if err := s.rdb.QueryRow("SELECT COUNT(*) FROM returns WHERE raw = ?", []byte(raw)).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

type outcome struct {
	id  int64
	err error
}

// putAsync starts a PutReturn of raw and returns where its outcome arrives.
func putAsync(ctx context.Context, s *SQLite, raw string) <-chan outcome {
	c := make(chan outcome, 1)
	go func() {
		id, err := s.PutReturn(ctx, &Return{Raw: []byte(raw)})
		c <- outcome{id, err}
	}()
	return c
}

func TestCancelBeforeTheWriterTakesIt(t *testing.T) {
	s, g, _ := openGated(t, SQLiteOptions{})
	hold(t, s, g)
	ctx, cancel := context.WithCancel(context.Background())
	res := putAsync(ctx, s, "cancelled while queued")
	waitQueued(t, s, 1)
	cancel()
	// It returns while the writer is still held: a cancelled caller never
	// waits for a commit.
	if o := <-res; !errors.Is(o.err, context.Canceled) {
		t.Fatalf("PutReturn = %v, want context.Canceled", o.err)
	}
	close(g.release)
	if _, err := s.PutReturn(context.Background(), &Return{Raw: []byte("after")}); err != nil {
		t.Fatal(err)
	}
	if n := countRaw(t, s, "cancelled while queued"); n != 0 {
		t.Errorf("a write cancelled before the writer took it was stored %d times", n)
	}
}

func TestCancelInFlightMayCommit(t *testing.T) {
	s, g, _ := openGated(t, SQLiteOptions{})
	g.armed.Store(true)
	ctx, cancel := context.WithCancel(context.Background())
	res := putAsync(ctx, s, "cancelled in flight")
	<-g.entered // the writer has claimed it
	cancel()
	o := <-res
	if !errors.Is(o.err, context.Canceled) {
		t.Fatalf("PutReturn = %v, want an error wrapping context.Canceled", o.err)
	}
	close(g.release)
	if _, err := s.PutReturn(context.Background(), &Return{Raw: []byte("after")}); err != nil {
		t.Fatal(err)
	}
	if n := countRaw(t, s, "cancelled in flight"); n != 1 {
		t.Errorf("a write cancelled in flight was stored %d times, want 1 (its batch committed)", n)
	}
}

func TestCloseCommitsQueuedWrites(t *testing.T) {
	s, g, path := openGated(t, SQLiteOptions{})
	hold(t, s, g)
	const n = 20
	var results []<-chan outcome
	for i := range n {
		results = append(results, putAsync(context.Background(), s, fmt.Sprintf("queued %d", i)))
	}
	waitQueued(t, s, n)
	closed := make(chan error, 1)
	go func() { closed <- s.Close() }()
	for !s.w.isClosed() {
		runtime.Gosched()
	}
	if _, err := s.PutReturn(context.Background(), &Return{Raw: []byte("late")}); !errors.Is(err, ErrClosed) {
		t.Errorf("PutReturn during Close = %v, want ErrClosed", err)
	}
	close(g.release)
	if err := <-closed; err != nil {
		t.Fatal(err)
	}
	ids := map[int64]bool{}
	for i, c := range results {
		o := <-c
		if o.err != nil || ids[o.id] {
			t.Fatalf("queued write %d: id %d, %v", i, o.id, o.err)
		}
		ids[o.id] = true
	}
	re, err := OpenSQLite(path, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer re.Close()
	for i := range n {
		if c := countRaw(t, re, fmt.Sprintf("queued %d", i)); c != 1 {
			t.Errorf("queued write %d stored %d times after Close, want 1", i, c)
		}
	}
}

func (w *writer) isClosed() bool {
	w.mu.RLock()
	defer w.mu.RUnlock()
	return w.closed
}

func TestBatchIsolatesAFailingWrite(t *testing.T) {
	s, g, _ := openGated(t, SQLiteOptions{})
	taken := &Send{Token: "takentakentakentaken", Recipient: "ann@example.com"}
	if err := s.PutSend(context.Background(), taken); err != nil {
		t.Fatal(err)
	}
	hold(t, s, g)
	a := putAsync(context.Background(), s, "good a")
	waitQueued(t, s, 1)
	bad := make(chan error, 1)
	go func() {
		bad <- s.w.do(context.Background(), 0, func(ctx context.Context, tx *sql.Tx) error {
			_, err := tx.ExecContext(ctx, "INSERT INTO no_such_table VALUES (1)")
			return err
		})
	}()
	waitQueued(t, s, 2)
	b := putAsync(context.Background(), s, "good b")
	waitQueued(t, s, 3)
	dup := make(chan error, 1)
	go func() { dup <- s.PutSend(context.Background(), taken) }()
	waitQueued(t, s, 4)
	close(g.release)
	if err := <-bad; err == nil || isSentinel(err) {
		t.Errorf("the failing write returned %v, want its driver error", err)
	}
	for name, c := range map[string]<-chan outcome{"good a": a, "good b": b} {
		if o := <-c; o.err != nil {
			t.Errorf("%s failed with its batch: %v", name, o.err)
		}
		if n := countRaw(t, s, name); n != 1 {
			t.Errorf("%s stored %d times, want 1", name, n)
		}
	}
	if err := <-dup; !errors.Is(err, ErrExists) {
		t.Errorf("PutSend of a taken token in the batch = %v, want ErrExists", err)
	}
	if sizes := g.batchSizes(); !slices.Equal(sizes, []int{1, 1, 4}) {
		t.Errorf("batch sizes %v, want [1 1 4]: the four writes should share one batch", sizes)
	}
}

func TestFailedCommitFailsTheWholeBatch(t *testing.T) {
	s, g, _ := openGated(t, SQLiteOptions{})
	// A deferred foreign key is checked at COMMIT, so this batch's commit
	// fails although every statement in it succeeded.
	if _, err := s.wdb.Exec(`CREATE TABLE parent (id INTEGER PRIMARY KEY);
		CREATE TABLE child (pid INTEGER REFERENCES parent (id) DEFERRABLE INITIALLY DEFERRED)`); err != nil {
		t.Fatal(err)
	}
	hold(t, s, g)
	a := putAsync(context.Background(), s, "doomed a")
	waitQueued(t, s, 1)
	orphan := make(chan error, 1)
	go func() {
		orphan <- s.w.do(context.Background(), 0, func(ctx context.Context, tx *sql.Tx) error {
			_, err := tx.ExecContext(ctx, "INSERT INTO child (pid) VALUES (42)")
			return err
		})
	}()
	waitQueued(t, s, 2)
	b := putAsync(context.Background(), s, "doomed b")
	waitQueued(t, s, 3)
	close(g.release)
	if err := <-orphan; err == nil {
		t.Error("the orphan insert's batch committed")
	}
	for name, c := range map[string]<-chan outcome{"doomed a": a, "doomed b": b} {
		if o := <-c; o.err == nil {
			t.Errorf("%s was acknowledged (id %d) although its batch failed to commit", name, o.id)
		}
		if n := countRaw(t, s, name); n != 0 {
			t.Errorf("%s stored %d times, want 0", name, n)
		}
	}
	// The writer goes on with the next batch.
	if _, err := s.PutReturn(context.Background(), &Return{Raw: []byte("next")}); err != nil {
		t.Errorf("the write after a failed commit: %v", err)
	}
}

func TestGroupCommitWaitsOnlyWhenBusy(t *testing.T) {
	// An hour-long window: a lone write that waited for it would hit the
	// context's deadline instead.
	s, g, _ := openGated(t, SQLiteOptions{GroupCommitWindow: time.Hour})
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	for i := range 3 {
		if _, err := s.PutReturn(ctx, &Return{Raw: []byte{byte(i)}}); err != nil {
			t.Fatalf("lone write %d: %v", i, err)
		}
	}
	// Three writers at once make a batch of three; after it the writer
	// waits for three again, so three writes arriving one after another
	// still share a commit.
	hold(t, s, g)
	first := []<-chan outcome{putAsync(ctx, s, "x1"), putAsync(ctx, s, "x2"), putAsync(ctx, s, "x3")}
	waitQueued(t, s, 3)
	close(g.release)
	var later []<-chan outcome
	for i, c := range first {
		if o := <-c; o.err != nil {
			t.Fatal(o.err)
		}
		later = append(later, putAsync(ctx, s, fmt.Sprintf("y%d", i)))
	}
	for _, c := range later {
		if o := <-c; o.err != nil {
			t.Fatal(o.err)
		}
	}
	if sizes := g.batchSizes(); !slices.Equal(sizes, []int{1, 1, 1, 1, 3, 3}) {
		t.Errorf("batch sizes %v, want [1 1 1 1 3 3]", sizes)
	}
}
