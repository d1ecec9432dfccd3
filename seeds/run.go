package seeds

import (
	"context"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/codeprobe/codeprobe/imapprobe"
	"github.com/codeprobe/codeprobe/imapprobe/receiver"
	"github.com/codeprobe/codeprobe/store"
	"github.com/codeprobe/codeprobe/testcode"
)

// Sender sends one test code; *testcode.Dispatcher implements it.
type Sender interface {
	Send(ctx context.Context, session, to string) (*testcode.Dispatched, error)
}

// PlacementStore keeps placements; store.Store implements it.
type PlacementStore interface {
	PutPlacements(ctx context.Context, ps []*store.Placement) error
}

// Error is the placement of a seed whose probe failed: the code could not
// be sent, or the mailbox could not be read.
const Error imapprobe.Kind = "error"

// Runner runs seed runs: a test code to every seed at once, then where
// each landed. A Runner is safe for concurrent use.
type Runner struct {
	List   *List
	Sender Sender
	// Probe are the IMAP probe's options.
	Probe *imapprobe.Options
	// Store keeps the placements; nil keeps nothing.
	Store PlacementStore
	// Metrics observes every result; nil observes nothing.
	Metrics *Metrics
	// Now is the clock; nil means time.Now.
	Now func() time.Time
	// Logger receives a line per seed; nil discards them.
	Logger *slog.Logger
}

// Result is what one seed run found for one seed.
type Result struct {
	Seed     string `json:"seed"`
	Provider string `json:"provider,omitempty"`
	Address  string `json:"address"`
	Token    string `json:"token,omitempty"`
	// SendStatus is the receiving server's answer to our message:
	// accepted, deferred or rejected ("" when nothing was sent).
	SendStatus string `json:"send_status,omitempty"`
	SendReply  string `json:"send_reply,omitempty"`
	// Placement is inbox, junk, other, missing, or error.
	Placement imapprobe.Kind `json:"placement"`
	Folder    string         `json:"folder,omitempty"`
	// Category is the Gmail inbox tab (primary, promotions…), where the
	// seed is a Gmail account.
	Category string    `json:"category,omitempty"`
	Sent     time.Time `json:"sent"`
	// Filed is the seed server's INTERNALDATE for the message (to the
	// second, RFC 9051 §2.3.3), Seen when the probe saw it; zero unless
	// found.
	Filed time.Time `json:"filed,omitzero"`
	Seen  time.Time `json:"seen,omitzero"`
	// Latency is Seen minus Sent: how long a user would have waited for
	// the code. The probe idles on the inbox and junk folders, so it sees
	// a delivery there as the server announces it; the receiver's own
	// Received stamps are in Receiver.Latency.
	Latency time.Duration `json:"latency_ns,omitempty"`
	// Receiver is what the receiving provider's headers say about our
	// message: SPF, DKIM, DMARC, spam verdicts, Received hops.
	Receiver *receiver.View   `json:"receiver,omitempty"`
	Method   string           `json:"method,omitempty"`
	Steps    []imapprobe.Step `json:"steps,omitempty"`
	Error    string           `json:"error,omitempty"`
}

// Run is one seed run.
type Run struct {
	ID       string    `json:"id"`
	Started  time.Time `json:"started"`
	Finished time.Time `json:"finished"`
	Results  []Result  `json:"results"`
}

func (r *Runner) now() time.Time {
	if r.Now != nil {
		return r.Now()
	}
	return time.Now()
}

func (r *Runner) logger() *slog.Logger {
	if r.Logger != nil {
		return r.Logger
	}
	return slog.New(slog.DiscardHandler)
}

// Run sends a test code to every seed at once and waits, under the list's
// deadline, for each to land; it stores and observes the results. The
// error is for the store failing; a seed's failure is its Result.
func (r *Runner) Run(ctx context.Context) (*Run, error) {
	id, err := testcode.NewToken()
	if err != nil {
		return nil, err
	}
	run := &Run{ID: id, Started: r.now(), Results: make([]Result, len(r.List.Seeds))}
	var wg sync.WaitGroup
	for i := range r.List.Seeds {
		wg.Add(1)
		go func() {
			defer wg.Done()
			run.Results[i] = r.one(ctx, &r.List.Seeds[i])
		}()
	}
	wg.Wait()
	run.Finished = r.now()
	for i := range run.Results {
		r.Metrics.Observe(&run.Results[i])
	}
	if r.Store != nil {
		ps := make([]*store.Placement, len(run.Results))
		for i := range run.Results {
			ps[i] = run.Results[i].placement(run.ID)
		}
		if err := r.Store.PutPlacements(context.WithoutCancel(ctx), ps); err != nil {
			return run, fmt.Errorf("seeds: storing the run: %w", err)
		}
	}
	return run, nil
}

// one sends to one seed and waits for the message.
func (r *Runner) one(ctx context.Context, acct *imapprobe.Account) Result {
	res := Result{Seed: acct.Name, Provider: acct.Provider, Address: acct.Address, Sent: r.now()}
	fail := func(err error) Result {
		res.Placement, res.Error = Error, err.Error()
		r.logger().Warn("seed failed", "seed", acct.Name, "error", err)
		return res
	}
	session, err := testcode.NewToken()
	if err != nil {
		return fail(err)
	}
	d, err := r.Sender.Send(ctx, session, acct.Address)
	if err != nil {
		return fail(fmt.Errorf("sending the test code: %w", err))
	}
	res.Token, res.Sent, res.SendStatus = d.Code.Token, d.Sent, string(d.Result.Status)
	if d.Result.Code != 0 {
		res.SendReply = fmt.Sprintf("%d %s %s", d.Result.Code, d.Result.Enhanced, d.Result.Text)
	}
	if d.Result.Status != testcode.StatusAccepted {
		return fail(fmt.Errorf("the test code was %s: %s", d.Result.Status, d.Result.Reason))
	}
	w, err := imapprobe.Wait(ctx, acct, r.Probe, d.Code.Token, d.Sent.Add(r.List.Deadline))
	if w != nil {
		res.Placement, res.Method, res.Steps = w.Placement, w.Method, w.Steps
	}
	if err != nil {
		return fail(fmt.Errorf("reading the seed mailbox: %w", err))
	}
	if f := w.Found; f != nil {
		res.Folder, res.Filed, res.Seen = f.Folder, f.Filed, f.Seen
		res.Latency = f.Seen.Sub(d.Sent)
		if f.Gmail != nil {
			res.Category = f.Gmail.Category
		}
		if v, err := receiver.Decode(f.Header, receiver.Options{Sent: d.Sent}); err == nil {
			res.Receiver = v
		}
	}
	r.logger().Info("seed placement", "seed", acct.Name, "placement", string(res.Placement), "folder", res.Folder)
	return res
}

// placement is the stored form of a result.
func (res *Result) placement(runID string) *store.Placement {
	p := &store.Placement{RunID: runID, Seed: res.Seed, Provider: res.Provider, Token: res.Token,
		Kind: store.PlacementKind(res.Placement), Folder: res.Folder, SentAt: res.Sent, FiledAt: res.Filed,
		SeenAt: res.Seen, SendStatus: res.SendStatus, Error: res.Error}
	if v := res.Receiver; v != nil {
		p.SPF, p.DMARC = v.Auth.SPF.Result, v.Auth.DMARC.Result
		if len(v.Auth.DKIM) > 0 {
			p.DKIM = v.Auth.DKIM[0].Result
		}
		if f := v.Spam.Flagged; f != nil {
			p.Spam = map[bool]string{true: "spam", false: "not-spam"}[*f]
		}
	}
	return p
}
