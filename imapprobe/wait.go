package imapprobe

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapclient"

	"github.com/codeprobe/codeprobe/rules"
)

// Polling backoff where the server has no IDLE, and between sweeps of the
// folders no IDLE watches: the first interval, doubled up to the cap.
const (
	pollFirst = 500 * time.Millisecond
	pollCap   = 15 * time.Second
	sweepCap  = 30 * time.Second
)

// Result is what a probe learnt about one test message in one seed.
type Result struct {
	Seed     string `json:"seed"`
	Provider string `json:"provider,omitempty"`
	Token    string `json:"token"`
	// Placement is Found.Kind, or Missing.
	Placement Kind   `json:"placement"`
	Found     *Found `json:"found,omitempty"`
	// Method is "search" when the message was there at the first search,
	// "idle" when the server announced it (RFC 2177), "poll" when the
	// probe had to ask again and again.
	Method   string    `json:"method"`
	Started  time.Time `json:"started"`
	Finished time.Time `json:"finished"`
	Steps    []Step    `json:"steps"`
}

// Wait looks for the test message carrying token in the account until
// deadline, and reports where it is, or Missing once the deadline has
// passed. Where the server has IDLE, one connection idles on the inbox
// and another on the junk folder, so that a delivery to either is seen
// as the server announces it; every folder is searched again with a
// backoff up to 30 s. Without IDLE, every folder is searched with a
// backoff from 0.5 s to 15 s.
//
// The error is for failures (connecting, logging in, a broken server):
// the result is then incomplete. The deadline passing is no error.
func Wait(ctx context.Context, acct *Account, opts *Options, token string, deadline time.Time) (*Result, error) {
	if opts == nil {
		opts = &Options{}
	}
	res := &Result{Seed: acct.Name, Provider: acct.Provider, Token: token, Started: opts.now()}
	wctx, cancel := context.WithDeadline(ctx, deadline)
	defer cancel()
	w := &waiter{ctx: wctx, acct: acct, opts: opts, token: token, found: make(chan *Found, 2)}
	err := w.run(res)
	w.mu.Lock()
	res.Steps = w.steps
	w.mu.Unlock()
	res.Finished = opts.now()
	if res.Found != nil {
		res.Placement = res.Found.Kind
		return res, nil
	}
	res.Placement = Missing
	if err != nil && !(errors.Is(err, ErrTimeout) && ctx.Err() == nil && errors.Is(wctx.Err(), context.DeadlineExceeded)) {
		return res, err
	}
	return res, nil
}

// waiter is one Wait in progress.
type waiter struct {
	ctx   context.Context
	acct  *Account
	opts  *Options
	token string
	found chan *Found

	mu    sync.Mutex
	steps []Step
}

func (w *waiter) run(res *Result) error {
	s, err := Dial(w.ctx, w.acct, w.opts)
	if err != nil {
		return err
	}
	defer w.collect(s)
	folders, err := s.Folders()
	if err != nil {
		return err
	}
	if f, err := s.Find(w.token, folders); err != nil || f != nil {
		res.Method, res.Found = "search", f
		return w.tidy(s, f, err)
	}
	if w.opts.Poll || !s.caps.Has(imap.CapIdle) && !s.caps.Has(imap.CapIMAP4rev2) {
		res.Method = "poll"
		res.Found, err = w.poll(s, folders)
		return w.tidy(s, res.Found, err)
	}
	res.Method = "idle"
	res.Found, err = w.idle(s, folders)
	return err
}

// collect closes a session and keeps its steps.
func (w *waiter) collect(s *Session) {
	s.Close()
	w.mu.Lock()
	w.steps = append(w.steps, s.Steps()...)
	w.mu.Unlock()
}

// poll searches every folder with a growing interval until found.
func (w *waiter) poll(s *Session, folders []Folder) (*Found, error) {
	for interval := pollFirst; ; interval = min(2*interval, pollCap) {
		s.step("polling: searching again in %s", interval)
		if err := w.sleep(interval); err != nil {
			return nil, err
		}
		s.selected = "" // EXAMINE again: only a new select shows new mail without IDLE or NOOP
		if f, err := s.Find(w.token, folders); err != nil || f != nil {
			return f, err
		}
	}
}

// sleep waits d, or returns ErrTimeout when the wait's context ends.
func (w *waiter) sleep(d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-w.ctx.Done():
		return fmt.Errorf("%w: waiting for the message (%s)", ErrTimeout, w.acct.Name)
	}
}

// idle watches the inbox on s, and the first junk folder on a second
// session, until one of them finds the message.
func (w *waiter) idle(s *Session, folders []Folder) (*Found, error) {
	var inbox, junk *Folder
	var rest []Folder
	for i := range folders {
		switch f := &folders[i]; {
		case f.Role == rules.RoleInbox && inbox == nil:
			inbox = f
		case f.Role == rules.RoleJunk && junk == nil:
			junk = f
		default:
			rest = append(rest, *f)
		}
	}
	if inbox == nil {
		return w.poll(s, folders)
	}
	ctx, cancel := context.WithCancel(w.ctx)
	defer cancel()
	errs := make(chan error, 2)
	go func() { errs <- w.watch(ctx, s, *inbox, rest) }()
	watchers := 1
	if junk != nil {
		watchers++
		go func() {
			js, err := Dial(ctx, w.acct, w.opts)
			if err != nil {
				errs <- err
				return
			}
			defer w.collect(js)
			errs <- w.watch(ctx, js, *junk, nil)
		}()
	}
	// A watcher returns nil once it has found the message; any return
	// stops the other, and all have returned before Wait does.
	var first error
	for ; watchers > 0; watchers-- {
		err := <-errs
		if err != nil && ctx.Err() == nil && first == nil {
			first = err
		}
		cancel()
	}
	select {
	case f := <-w.found:
		return f, nil
	default:
	}
	if w.ctx.Err() != nil {
		return nil, fmt.Errorf("%w: waiting for the message (%s)", ErrTimeout, w.acct.Name)
	}
	return nil, first
}

// watch idles on folder, searching it whenever the server announces new
// messages; on a backoff (1 s doubling to 30 s) it also selects folder
// afresh and searches it and the folders of sweep, so that a lost
// notification costs seconds, not the deadline. It returns when found
// (sent to w.found) or on error.
func (w *waiter) watch(ctx context.Context, s *Session, folder Folder, sweep []Folder) error {
	interval := 2 * pollFirst
	next := w.opts.now().Add(interval)
	for {
		if f, err := s.Find(w.token, []Folder{folder}); err != nil || f != nil {
			return w.report(s, f, err)
		}
		if !w.opts.now().Before(next) {
			if f, err := s.Find(w.token, sweep); err != nil || f != nil {
				return w.report(s, f, err)
			}
			interval = min(2*interval, sweepCap)
			next = w.opts.now().Add(interval)
			if err := s.examine(folder.Name); err != nil {
				return err
			}
		}
		byTimer, err := s.idleUntil(ctx, next)
		if err != nil {
			return err
		}
		if byTimer {
			// A notification may have been lost: select the folder afresh
			// so that the next search sees every message.
			s.selected = ""
		}
	}
}

// report hands a found message to idle, after tidying it on s.
func (w *waiter) report(s *Session, f *Found, err error) error {
	err = w.tidy(s, f, err)
	if f != nil {
		w.found <- f
	}
	return err
}

// tidy reads a found message's Gmail category where there is one, then
// applies the account's AfterRead. Neither failing undoes the finding: a
// category that cannot be read is left out, a failure to tidy is kept as
// the result's TidyError.
func (w *waiter) tidy(s *Session, f *Found, err error) error {
	if err != nil || f == nil {
		return err
	}
	// The category first: tidying may delete the message.
	if g, gerr := s.GmailCategory(f, w.token); gerr != nil {
		s.step("Gmail category unknown: %v", gerr)
	} else {
		f.Gmail = g
	}
	if terr := s.Tidy(f); terr != nil {
		s.step("could not %s the message: %v", w.acct.AfterRead, terr)
		f.TidyError = terr.Error()
	}
	return nil
}

// idleUntil runs one IDLE command (RFC 2177) until the server announces a
// change, the time next comes (byTimer), or ctx ends.
func (s *Session) idleUntil(ctx context.Context, next time.Time) (byTimer bool, err error) {
	var cmd *imapclient.IdleCommand
	err = s.do("IDLE in "+s.selected, func() error {
		var err error
		cmd, err = s.client.Idle()
		return err
	})
	if err != nil {
		return false, err
	}
	s.step("idling on %s", s.selected)
	t := time.NewTimer(max(next.Sub(s.opts.now()), 0))
	defer t.Stop()
	stopped := false
	select {
	case <-s.news:
	case <-t.C:
		byTimer = true
	case <-ctx.Done():
		stopped = true
	}
	err = s.do("DONE", func() error {
		if err := cmd.Close(); err != nil {
			return err
		}
		return cmd.Wait()
	})
	if stopped {
		return false, fmt.Errorf("%w: waiting for the message (%s)", ErrTimeout, s.acct.Name)
	}
	return byTimer, err
}
