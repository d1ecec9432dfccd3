package receiver

import (
	"errors"
	"fmt"
	"time"
)

// ErrNotHeader is returned for input that is not a header block at all:
// empty, or without a single RFC 5322 §2.2 header field.
var ErrNotHeader = errors.New("receiver: not a header block")

// Bounds on the work one [Decode] does.
const (
	maxInput    = 1 << 20  // bytes of input read; the rest is cut
	maxFields   = 1000     // header fields read
	maxField    = 16 << 10 // bytes of one field kept
	maxValue    = 200      // bytes of any string taken from the input
	maxDKIM     = 16       // DKIM results kept
	maxMethods  = 32       // authentication methods kept
	maxEvidence = 32       // evidence lines kept
	maxProblems = 32       // problems kept
	skewLimit   = 2 * time.Minute
)

// Options says whose verdicts to prefer and when the message was sent.
// The zero value is valid.
type Options struct {
	// AuthServID prefers the Authentication-Results of this authserv-id
	// (RFC 8601 §2.5), such as "mx.google.com". When empty, or when no
	// field carries it, the topmost field is read. Microsoft 365 writes
	// no authserv-id, so leave it empty for Outlook seed mailboxes.
	AuthServID string
	// Sent is when our test message was sent; when set, the latency from
	// it to the first and last Received hop is measured.
	Sent time.Time
}

// View is what the receiver thought of a delivered message.
type View struct {
	Auth    Auth    `json:"auth"`
	Spam    Spam    `json:"spam"`
	Latency Latency `json:"latency"`
	// Problems names what could not be read, in plain words.
	Problems []string `json:"problems,omitempty"`
}

// Auth is the receiver's authentication verdict (RFC 8601).
type Auth struct {
	// AuthServID is the authserv-id of the field read; empty for
	// Microsoft's form, which carries none.
	AuthServID string `json:"authserv_id,omitempty"`
	// Source names the field read: "Authentication-Results" or
	// "ARC-Authentication-Results i=N"; empty when there was none.
	Source string `json:"source,omitempty"`
	SPF    SPF    `json:"spf"`
	DKIM   []DKIM `json:"dkim,omitempty"`
	DMARC  DMARC  `json:"dmarc"`
	ARC    ARC    `json:"arc"`
	// Methods lists every method and result of the field read, in order,
	// the ones without a field of their own (iprev, compauth, bimi…) too.
	Methods []Method `json:"methods,omitempty"`
}

// SPF is an RFC 7208 result as the receiver recorded it (RFC 8601 §2.7.2).
type SPF struct {
	Result string `json:"result,omitempty"`
	// Domain is the domain of smtp.mailfrom, or smtp.helo when there is
	// no mailfrom.
	Domain string `json:"domain,omitempty"`
	// Reason is the reason= value, or the receiver's comment when there
	// is none ("google.com: domain of … designates … as permitted sender").
	Reason string `json:"reason,omitempty"`
}

// DKIM is one RFC 6376 signature's result (RFC 8601 §2.7.1).
type DKIM struct {
	Result string `json:"result,omitempty"`
	// Domain is header.d, or the domain of header.i.
	Domain   string `json:"domain,omitempty"`
	Selector string `json:"selector,omitempty"`
	Reason   string `json:"reason,omitempty"`
}

// DMARC is the RFC 7489 §11.2 result.
type DMARC struct {
	Result string `json:"result,omitempty"`
	// Domain is header.from, the RFC 5322 From domain evaluated.
	Domain string `json:"domain,omitempty"`
	// Policy is the domain's published policy in lower case, from
	// policy.dmarc or a "p=" the receiver wrote in a comment.
	Policy string `json:"policy,omitempty"`
}

// ARC is what the receiver made of the ARC chain (RFC 8617).
type ARC struct {
	// Result is the arc= result of the Authentication-Results read.
	Result string `json:"result,omitempty"`
	// Instance is the highest ARC set instance (i=) found.
	Instance int `json:"instance,omitempty"`
	// ChainValidation is cv= of that instance's ARC-Seal: the sealer's
	// verdict on the chain before its own set (RFC 8617 §4.1.3); "none"
	// for the first set.
	ChainValidation string `json:"chain_validation,omitempty"`
	// Sealer is d= of that ARC-Seal.
	Sealer string `json:"sealer,omitempty"`
}

// Method is one method=result pair of an Authentication-Results field.
type Method struct {
	Method string `json:"method"`
	Result string `json:"result"`
}

// Spam is the receiver's spam verdict as its headers say it.
type Spam struct {
	// Flagged is the receiver's yes/no verdict, when a header gives one.
	Flagged   *bool    `json:"flagged,omitempty"`
	Score     *float64 `json:"score,omitempty"`
	Threshold *float64 `json:"threshold,omitempty"`
	// Level is SpamAssassin's X-Spam-Level: one star per point.
	Level string `json:"level,omitempty"`
	// SCL is Microsoft's Spam Confidence Level, -1..9.
	SCL *int `json:"scl,omitempty"`
	// BCL is Microsoft's Bulk Complaint Level, 0..9.
	BCL *int `json:"bcl,omitempty"`
	// SFV is Microsoft's spam filtering verdict (SPM, NSPM, SKN…).
	SFV string `json:"sfv,omitempty"`
	// Category is Microsoft's CAT: the protection that acted (SPM,
	// HSPM, PHSH, BULK…), NONE when none did.
	Category string     `json:"category,omitempty"`
	Evidence []Evidence `json:"evidence,omitempty"`
}

// Evidence is one header that told something about spam filtering.
type Evidence struct {
	Header string `json:"header"`
	// Value is the field's value on one line, at most 200 bytes of
	// printable ASCII, other bytes escaped as \xNN.
	Value string `json:"value"`
	// Meaning is a short sentence for a support agent.
	Meaning string `json:"meaning"`
}

// Latency is how long delivery took, from the Received trace fields
// (RFC 5322 §3.6.7).
type Latency struct {
	// FirstHop is the date of the bottom-most (oldest) Received field
	// with a readable date.
	FirstHop time.Time `json:"first_hop,omitzero"`
	// LastHop is the date of the topmost (newest) one.
	LastHop time.Time `json:"last_hop,omitzero"`
	// ToFirstHop and ToLastHop are measured from [Options.Sent], in
	// nanoseconds in JSON. Negative values are clock skew and are kept.
	ToFirstHop time.Duration `json:"to_first_hop,omitempty"`
	ToLastHop  time.Duration `json:"to_last_hop,omitempty"`
	// Hops is the number of Received fields.
	Hops int `json:"hops"`
}

// Decode reads a delivered message's header block. It returns
// [ErrNotHeader] only when the input holds no header field at all;
// otherwise it returns what it could read, naming the rest in
// [View.Problems].
func Decode(header []byte, o Options) (*View, error) {
	d := &decoder{opts: o}
	if len(header) > maxInput {
		d.problem("the header block is %d bytes; only the first %d were read", len(header), maxInput)
		header = header[:maxInput]
	}
	d.fields = d.split(header)
	if len(d.fields) == 0 {
		return nil, fmt.Errorf("%w: no header field in %d bytes", ErrNotHeader, len(header))
	}
	d.auth()
	d.spam()
	d.latency()
	d.view.Problems = d.problems
	return &d.view, nil
}

// decoder holds one Decode's state.
type decoder struct {
	opts     Options
	fields   []field
	view     View
	problems []string
}

// problem records something that could not be read, bounded. Callers
// pass text taken from the input through [clean] first.
func (d *decoder) problem(format string, args ...any) {
	switch {
	case len(d.problems) < maxProblems-1:
		d.problems = append(d.problems, fmt.Sprintf(format, args...))
	case len(d.problems) == maxProblems-1:
		d.problems = append(d.problems, "further problems were not listed")
	}
}
