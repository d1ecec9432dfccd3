package testcode

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/codeprobe/codeprobe/diagnose/address"
	"github.com/codeprobe/codeprobe/store"
)

// SendRecorder is what a Dispatcher needs to record sends; store.Store
// implements it.
type SendRecorder interface {
	PutSend(ctx context.Context, s *store.Send) error
	UpdateSendResult(ctx context.Context, token string, r store.SendResult) error
}

// Dispatcher sends test codes the way the sign-in system would: it issues
// a code, composes the signed message, records the send (before
// delivering, so that a bounce arriving at once finds it), delivers it and
// records the server's answer. It is safe for concurrent use when its
// parts are.
type Dispatcher struct {
	Issuer   *Issuer
	Sender   *Sender
	Delivery *Delivery
	// SinkDomain is the return path's domain: the envelope sender is
	// bounce+TOKEN@SinkDomain.
	SinkDomain string
	// Store records sends; nil records nothing.
	Store SendRecorder
	// Now is the clock of the send's record; nil means time.Now.
	Now func() time.Time
}

// Dispatched is one test code sent.
type Dispatched struct {
	Session string    // the code session
	Code    Code      // the code and its send token
	Sent    time.Time // when delivery started
	Result  *Result   // the receiving server's answer
}

// Send issues a code in session for to and sends it. The error is for
// what prevented sending (an invalid address, the store failing); the
// server's refusal is in Result.
func (d *Dispatcher) Send(ctx context.Context, session, to string) (*Dispatched, error) {
	code, err := d.Issuer.Issue(ctx, session, to)
	if err != nil {
		return nil, err
	}
	msg, err := d.Sender.Compose(code, to, code.Token)
	if err != nil {
		return nil, err
	}
	now := time.Now
	if d.Now != nil {
		now = d.Now
	}
	sent := now()
	if d.Store != nil {
		a, err := address.Parse(to)
		if err != nil {
			return nil, fmt.Errorf("testcode: recipient %q: %w", to, err)
		}
		err = d.Store.PutSend(ctx, &store.Send{Token: code.Token, Created: sent, SessionID: session, Recipient: to,
			RecipientDomain: a.ASCIIDomain, From: d.Sender.Address, SinkDomain: d.SinkDomain, Ordinal: code.Ordinal})
		if err != nil {
			return nil, err
		}
	}
	res := d.Delivery.Deliver(ctx, BounceAddress(code.Token, d.SinkDomain), to, msg)
	if d.Store != nil {
		err := d.Store.UpdateSendResult(context.WithoutCancel(ctx), code.Token, store.SendResult{
			Status: store.SendStatus(res.Status), ReplyCode: res.Code, EnhancedStatus: res.Enhanced,
			QueueID: res.QueueID, RemoteHost: res.Host, RemoteIP: res.IP,
			Transcript: strings.Join(res.TranscriptLines(), "\n"), Duration: res.Duration})
		if err != nil {
			return nil, err
		}
	}
	return &Dispatched{Session: session, Code: code, Sent: sent, Result: res}, nil
}

// TranscriptLines is the transcript as "direction: text" lines.
func (r *Result) TranscriptLines() []string {
	out := make([]string, 0, len(r.Transcript))
	for _, l := range r.Transcript {
		out = append(out, string(l.Dir)+": "+l.Text)
	}
	return out
}
