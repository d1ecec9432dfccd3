package smtpsink

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/codeprobe/codeprobe/store"
)

// sweepPage is how many returns one UnclassifiedReturns call asks for.
const sweepPage = 100

// errPurged is the classification error of a message whose raw bytes
// were purged before it could be classified.
var errPurged = errors.New("the raw message was purged before it was classified")

// sweeper hands the store's unclassified returns to the workers: at
// start, whenever a stored message found the queue full, and after a
// store failure (then at sweepInterval's pace, not at once).
func (c *classifier) sweeper() {
	defer c.wg.Done()
	t := time.NewTicker(c.interval)
	defer t.Stop()
	for {
		c.mu.Lock()
		from := c.missFrom
		c.missFrom = 0
		c.sweeping = from != 0
		c.mu.Unlock()
		if from != 0 {
			n := c.sweep(from)
			if n > 0 {
				c.log.Info("unclassified messages found in the store", "count", n)
			}
		}
		c.mu.Lock()
		c.sweeping = false
		failing := c.failing
		c.failing = false
		c.changedLocked()
		c.mu.Unlock()
		wake := c.kick
		if failing {
			wake = nil
		}
		select {
		case <-c.ctx.Done():
			return
		case <-wake:
		case <-t.C:
		}
	}
}

// sweep queues, waiting for room, every unclassified return with an ID of
// at least from that is not already queued, and returns how many.
func (c *classifier) sweep(from int64) int {
	after := from - 1
	n := 0
	for {
		ctx, cancel := context.WithTimeout(c.ctx, c.timeout)
		page, err := c.st.UnclassifiedReturns(ctx, after, sweepPage)
		cancel()
		if err != nil {
			c.storeFailed(after+1, err)
			return n
		}
		for _, r := range page {
			if r.ID <= after {
				c.storeFailed(after+1, fmt.Errorf("smtpsink: UnclassifiedReturns returned ID %d after %d", r.ID, after))
				return n
			}
			after = r.ID
			if !c.claim(r.ID) {
				continue
			}
			j := &job{id: r.ID, load: true, token: r.Token, tokenFrom: tokenSource(r)}
			select {
			case c.queue <- j:
				n++
			case <-c.ctx.Done():
				return n
			}
		}
		if len(page) < sweepPage {
			return n
		}
	}
}

// claim marks id in flight, unless it already is.
func (c *classifier) claim(id int64) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.inflight[id] {
		return false
	}
	c.inflight[id] = true
	return true
}

// tokenSource tells where a stored return's token came from: the
// envelope if a recipient carries it, else the message.
func tokenSource(r *store.Return) string {
	if r.Token == "" {
		return ""
	}
	for _, rcpt := range r.Recipients {
		at := strings.LastIndexByte(rcpt, '@')
		if t, ok := tokenFromLocalPart(strings.ToLower(rcpt[:max(at, 0)])); ok && t == r.Token {
			return tokenFromEnvelope
		}
	}
	return tokenFromMessage
}
