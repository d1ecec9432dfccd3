package smtpsink

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/codeprobe/codeprobe/store"
)

// gatedStore is a real store whose PutReturn waits, after it entered,
// until the test releases it, and records the order of events.
type gatedStore struct {
	store.Store
	entered chan struct{} // one value per PutReturn entered
	release chan struct{}

	mu  sync.Mutex
	log []string
}

func (g *gatedStore) record(ev string) {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.log = append(g.log, ev)
}

func (g *gatedStore) events() []string {
	g.mu.Lock()
	defer g.mu.Unlock()
	return append([]string(nil), g.log...)
}

func (g *gatedStore) PutReturn(ctx context.Context, r *store.Return) (int64, error) {
	g.entered <- struct{}{}
	<-g.release
	id, err := g.Store.PutReturn(ctx, r)
	g.record("stored")
	return id, err
}

// TestAckOnlyAfterStored holds PutReturn and checks that no reply reaches
// the client while it is held, and that the 250 comes after it returned.
func TestAckOnlyAfterStored(t *testing.T) {
	g := &gatedStore{Store: openStore(t), entered: make(chan struct{}, 1), release: make(chan struct{})}
	_, addr := startSink(t, Options{Store: g})
	token := newToken(t)
	c := dial(t, addr)
	c.expect(250, "EHLO mx.example.test")
	c.expect(250, "MAIL FROM:<>")
	c.expect(250, "RCPT TO:<%s>", bounceAddr(token))
	c.expect(354, "DATA")
	c.write(string(testMessage(token)) + ".\r\n")

	replies := make(chan string, 1)
	go func() {
		code, msg := c.reply()
		g.record("reply")
		replies <- fmt.Sprintf("%d %s", code, msg)
	}()
	<-g.entered
	// While PutReturn is held, no reply may arrive. Waiting longer only
	// makes a wrong server likelier to be caught; a right one passes
	// whatever the wait.
	select {
	case r := <-replies:
		t.Fatalf("reply %q arrived while the message was being stored", r)
	case <-time.After(200 * time.Millisecond):
	}
	close(g.release)
	r := <-replies
	if !strings.HasPrefix(r, "250 2.0.0") {
		t.Fatalf("reply after storing: %q", r)
	}
	if ev := g.events(); len(ev) != 2 || ev[0] != "stored" || ev[1] != "reply" {
		t.Fatalf("events %q, want stored before reply", ev)
	}
	if got := returnsFor(t, g.Store, token); len(got) != 1 {
		t.Fatalf("%d returns stored", len(got))
	}
}

// failingStore is a real store whose PutReturn writes the message and
// then reports failure, the worst case: a commit whose outcome the
// caller cannot know.
type failingStore struct {
	store.Store
	writeFirst bool
}

var errDiskGone = errors.New("disk gone")

func (f *failingStore) PutReturn(ctx context.Context, r *store.Return) (int64, error) {
	if f.writeFirst {
		if _, err := f.Store.PutReturn(ctx, r); err != nil {
			return 0, err
		}
	}
	return 0, errDiskGone
}

func TestStoreFailureIsNotAcknowledged(t *testing.T) {
	for _, writeFirst := range []bool{false, true} {
		name := "nothing written"
		if writeFirst {
			name = "written, outcome unknown"
		}
		t.Run(name, func(t *testing.T) {
			var acks []Ack
			var mu sync.Mutex
			f := &failingStore{Store: openStore(t), writeFirst: writeFirst}
			_, addr := startSink(t, Options{Store: f, OnAck: func(a Ack) {
				mu.Lock()
				defer mu.Unlock()
				acks = append(acks, a)
			}})
			token := newToken(t)
			c := dial(t, addr)
			c.expect(250, "EHLO mx.example.test")
			code, msg := c.sendMail("", []string{bounceAddr(token)}, testMessage(token))
			if code != 451 || !strings.HasPrefix(msg, "4.3.0") {
				t.Fatalf("got %d %s, want 451 4.3.0", code, msg)
			}
			// The session goes on: the client may try again at once.
			c.expect(250, "MAIL FROM:<>")
			c.expect(221, "QUIT")
			mu.Lock()
			defer mu.Unlock()
			if len(acks) != 0 {
				t.Fatalf("acknowledged: %+v", acks)
			}
		})
	}
}

// TestOnAck checks the acknowledgement hook used for metrics.
func TestOnAck(t *testing.T) {
	acks := make(chan Ack, 1)
	st := openStore(t)
	_, addr := startSink(t, Options{Store: st, OnAck: func(a Ack) { acks <- a }})
	token := newToken(t)
	msg := testMessage(token)
	c := dial(t, addr)
	c.expect(250, "EHLO mx.example.test")
	if code, text := c.sendMail("", []string{bounceAddr(token)}, msg); code != 250 {
		t.Fatalf("got %d %s", code, text)
	}
	a := <-acks
	got := returnsFor(t, st, token)
	if len(got) != 1 || a.ID != got[0].ID || a.Token != token || a.Size != int64(len(msg)) || a.Err != nil || a.Latency <= 0 {
		t.Fatalf("ack %+v for stored %+v", a, got)
	}
}

// flakyStore is a real store whose SetClassification fails until told
// otherwise.
type flakyStore struct {
	store.Store
	failing atomic.Bool
	calls   atomic.Int32
}

func (f *flakyStore) SetClassification(ctx context.Context, id int64, c store.Classification) error {
	f.calls.Add(1)
	if f.failing.Load() {
		return errDiskGone
	}
	return f.Store.SetClassification(ctx, id, c)
}

// TestClassificationRetried: a classification the store failed to keep
// is done again once the store works, without any new message.
func TestClassificationRetried(t *testing.T) {
	f := &flakyStore{Store: openStore(t)}
	f.failing.Store(true)
	_, addr := startSink(t, Options{Store: f, sweepInterval: 10 * time.Millisecond})
	token := newToken(t)
	c := dial(t, addr)
	c.expect(250, "EHLO mx.example.test")
	if code, text := c.sendMail("", []string{bounceAddr(token)}, testMessage(token)); code != 250 {
		t.Fatalf("got %d %s", code, text)
	}
	waitFor(t, "a failed attempt", func() bool { return f.calls.Load() > 0 })
	got := returnsFor(t, f.Store, token)
	if len(got) != 1 || got[0].Classification.Kind != "" {
		t.Fatalf("returns %+v", got)
	}
	f.failing.Store(false)
	if r := classified(t, f.Store, got[0].ID); r.Classification.Kind == "" {
		t.Fatal("not classified")
	}
}
