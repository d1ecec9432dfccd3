package smtpsink

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/codeprobe/codeprobe/smtpsink/classify"
	"github.com/codeprobe/codeprobe/store"
)

// Where a return's token came from.
const (
	tokenFromEnvelope = "envelope" // the recipient bounce+TOKEN@
	tokenFromMessage  = "message"  // the classifier found it in the message
)

// job is one stored message to classify.
type job struct {
	id        int64
	raw       []byte
	load      bool   // raw is still in the store only: the worker reads it
	token     string // the token stored with the return
	tokenFrom string // tokenFromEnvelope, tokenFromMessage or ""
	res       *classify.Result
	err       error // the classifier's error; res is nil then
	done      bool  // res and err are set
}

// classify runs fn once, turning a panic into an error so that no
// message can stop the sink.
func (j *job) classify(fn func([]byte) (*classify.Result, error)) {
	if j.done {
		return
	}
	j.done = true
	defer func() {
		if p := recover(); p != nil {
			j.res, j.err = nil, fmt.Errorf("classifier panic: %v", p)
		}
	}()
	j.res, j.err = fn(j.raw)
	if j.err == nil && j.res == nil {
		j.err = errors.New("classifier returned no result")
	}
}

// sweepInterval is how often the sweeper runs when nothing asks it to:
// the pace of retries while the store fails.
const sweepInterval = time.Minute

// Acknowledging comes first. While messages are arriving (one was stored
// within busyWindow), a worker rests busyRest times as long as its last
// classification took before it takes the next, so that classification
// uses at most a quarter of each worker's time and leaves the CPU to the
// sessions; the backlog waits in the store and is worked off at full
// speed once the burst is over.
const (
	busyWindow = 100 * time.Millisecond
	busyRest   = 3
)

// classifier classifies stored messages in the background and stores the
// result. Acknowledging never waits for it: a message that finds the
// queue full stays unclassified in the store, and the sweeper, which
// pages through the store's unclassified returns, hands it to a worker
// later. At start the sweeper does the same for messages a previous run
// acknowledged but did not classify.
type classifier struct {
	fn           func([]byte) (*classify.Result, error)
	st           store.Store
	log          *slog.Logger
	workers      int
	timeout      time.Duration
	interval     time.Duration // the sweeper's pace
	onClassified func(int64, store.Classification)

	queue    chan *job
	kick     chan struct{} // wakes the sweeper
	lastAck  atomic.Int64  // when a message was last stored, in Unix nanoseconds
	ctx      context.Context
	cancel   context.CancelFunc
	wg       sync.WaitGroup
	stopOnce sync.Once

	mu       sync.Mutex
	inflight map[int64]bool // queued or being classified
	missFrom int64          // lowest ID that may be unclassified and not queued; 0: none
	sweeping bool
	failing  bool          // a store write failed: retry at sweepInterval's pace
	changed  chan struct{} // closed and replaced whenever the above change
}

func newClassifier(o Options) *classifier {
	ctx, cancel := context.WithCancel(context.Background())
	return &classifier{
		fn:           o.Classify,
		st:           o.Store,
		log:          o.Logger,
		workers:      o.ClassifyWorkers,
		timeout:      o.StoreTimeout,
		interval:     cmp.Or(o.sweepInterval, sweepInterval),
		onClassified: o.OnClassified,
		queue:        make(chan *job, o.ClassifyQueue),
		kick:         make(chan struct{}, 1),
		ctx:          ctx,
		cancel:       cancel,
		inflight:     make(map[int64]bool),
		missFrom:     1, // sweep everything at start
		changed:      make(chan struct{}),
	}
}

// start runs the workers and the sweeper.
func (c *classifier) start() {
	c.wg.Add(c.workers + 1)
	for range c.workers {
		go c.work()
	}
	go c.sweeper()
}

// stop ends the workers and the sweeper, abandoning queued jobs (they
// stay unclassified in the store for the next start), and waits for them.
func (c *classifier) stop() {
	c.stopOnce.Do(c.cancel)
	c.wg.Wait()
}

// changedLocked wakes whoever waits in drain; c.mu is held.
func (c *classifier) changedLocked() {
	close(c.changed)
	c.changed = make(chan struct{})
}

// drain waits until nothing is queued, being classified or left for the
// sweeper, or ctx ends.
func (c *classifier) drain(ctx context.Context) error {
	for {
		c.mu.Lock()
		idle := len(c.inflight) == 0 && c.missFrom == 0 && !c.sweeping
		ch := c.changed
		c.mu.Unlock()
		if idle {
			return nil
		}
		select {
		case <-ch:
		case <-ctx.Done():
			return ctx.Err()
		case <-c.ctx.Done():
			return ErrServerClosed
		}
	}
}

// miss records that return id may be unclassified and is in no queue,
// and wakes the sweeper.
func (c *classifier) miss(id int64) {
	c.mu.Lock()
	if c.missFrom == 0 || id < c.missFrom {
		c.missFrom = id
	}
	c.changedLocked()
	c.mu.Unlock()
	select {
	case c.kick <- struct{}{}:
	default:
	}
}

// offer queues a freshly stored message if there is room, and otherwise
// leaves it to the sweeper. It never waits.
func (c *classifier) offer(j *job) {
	c.mu.Lock()
	c.inflight[j.id] = true
	c.mu.Unlock()
	select {
	case c.queue <- j:
	default:
		c.finished(j.id)
		c.miss(j.id)
	}
}

// finished takes id off the in-flight set.
func (c *classifier) finished(id int64) {
	c.mu.Lock()
	delete(c.inflight, id)
	c.changedLocked()
	c.mu.Unlock()
}

// stored notes that a message was just stored: the sessions are busy.
func (c *classifier) stored() { c.lastAck.Store(time.Now().UnixNano()) }

// busy reports whether a message was stored within busyWindow.
func (c *classifier) busy() bool {
	return time.Since(time.Unix(0, c.lastAck.Load())) < busyWindow
}

func (c *classifier) work() {
	defer c.wg.Done()
	for {
		select {
		case j := <-c.queue:
			start := time.Now()
			c.process(j)
			c.finished(j.id)
			if c.busy() {
				rest := time.NewTimer(busyRest * time.Since(start))
				select {
				case <-rest.C:
				case <-c.ctx.Done():
					rest.Stop()
					return
				}
			}
		case <-c.ctx.Done():
			return
		}
	}
}

// process classifies one message and stores the classification.
func (c *classifier) process(j *job) {
	if j.load && !c.load(j) {
		return
	}
	j.classify(c.fn)
	cl := toClassification(j)
	ctx, cancel := context.WithTimeout(c.ctx, c.timeout)
	defer cancel()
	if err := c.st.SetClassification(ctx, j.id, cl); err != nil {
		c.storeFailed(j.id, err)
		return
	}
	c.log.Info("message classified", "id", j.id, "kind", cl.Kind, "reason", cl.Reason, "token", j.token)
	if c.onClassified != nil {
		c.onClassified(j.id, cl)
	}
}

// load reads a swept message's raw bytes; false when there is nothing to
// do (classified meanwhile, deleted) or the store failed.
func (c *classifier) load(j *job) bool {
	ctx, cancel := context.WithTimeout(c.ctx, c.timeout)
	defer cancel()
	r, err := c.st.Return(ctx, j.id)
	if err != nil {
		c.storeFailed(j.id, err)
		return false
	}
	if r.Classification.Kind != "" {
		return false
	}
	j.raw = r.Raw
	if r.Raw == nil {
		j.done, j.err = true, errPurged
	}
	return true
}

// storeFailed logs a failed store call for return id and, unless the
// return is gone or the server closing, leaves it for a later sweep.
func (c *classifier) storeFailed(id int64, err error) {
	if errors.Is(err, store.ErrNotFound) || c.ctx.Err() != nil {
		return
	}
	c.log.Error("classification not stored", "id", id, "error", err)
	c.mu.Lock()
	c.failing = true
	c.mu.Unlock()
	c.miss(id)
}
