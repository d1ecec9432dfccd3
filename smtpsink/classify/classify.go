package classify

import (
	"errors"
	"regexp"
	"strings"
)

// Kind is what a returned message is.
type Kind string

// The kinds of returned message.
const (
	KindBounce    Kind = "bounce"    // a delivery status notification, structured (RFC 3464) or free text
	KindAutoreply Kind = "autoreply" // an automatic reply (RFC 3834): out of office, ticket acknowledgement, list moderation
	KindChallenge Kind = "challenge" // a challenge/response filter holds our message until a person confirms
	KindFeedback  Kind = "feedback"  // a feedback report (RFC 5965 ARF) or an unsubscribe request
	KindReply     Kind = "reply"     // a person wrote back
	KindUnknown   Kind = "unknown"
)

// ErrNotMessage is returned for input that is not an Internet message at
// all: empty, or without a single header field a message carries.
var ErrNotMessage = errors.New("classify: not an internet message")

// Recipient is one recipient of a bounce or a feedback report.
type Recipient struct {
	Address        string // the final recipient address
	Action         string // RFC 3464 §2.3.3: failed, delayed, delivered, relayed, expanded
	Status         string // RFC 3463 enhanced status code, "5.1.1"
	Reason         string // sisimai's vocabulary: userunknown, mailboxfull, …
	Diagnostic     string // the remote server's text
	DiagnosticType string // RFC 3464 §2.3.6 diagnostic type: smtp, x-unix, …
	RemoteMTA      string // the host that answered
	Code           int    // the SMTP reply code, when one was found
}

// Result is what [Classify] found out about a message.
type Result struct {
	Kind Kind
	// Reason is the main reason: the first failed recipient's for bounces,
	// "vacation" for out-of-office replies, "feedback" for reports.
	Reason     string
	Recipients []Recipient
	// Token is the test send the message answers, when it can be found.
	Token string
	// System names the challenge or auto-reply system ("boxtrapper",
	// "zendesk", "mailman", …), "" when unknown.
	System string
	// ChallengeURL is the link a challenge asks the sender to visit. It is
	// never followed.
	ChallengeURL string
	// FeedbackType is the RFC 5965 Feedback-Type ("abuse", …).
	FeedbackType string
	Subject      string
	From         string
	// Evidence lists short human-readable reasons: which headers and
	// phrases decided.
	Evidence []string
}

// Classify reads one raw RFC 5322 message and says what it is. It only
// returns an error, wrapping [ErrNotMessage], for input that is not a
// message at all. It never panics, and its work is bounded whatever the
// input: only the first MiB is inspected and MIME nesting and part counts
// are capped.
func Classify(raw []byte) (*Result, error) {
	return defaultClassifier.classify(raw)
}

// classifier holds the phrase rules used to name bounce reasons. The
// package uses one built from the full table; tests build others (with
// rules held out) to measure how the rules generalise.
type classifier struct {
	rules []phraseRule
	// trace, when set, is shown each recipient's facts once its reason is
	// named, with the phrase rule that decided it ("" when none did).
	trace func(f *recipientFacts, rule string)
	// model names reasons where the rules' signal is weak (modelTrust).
	model *reasonModel
}

var defaultClassifier = newClassifier(nil, shippedModel)

// newClassifier returns a classifier using the phrase rules for which keep
// returns true (all of them when keep is nil) and the given model (none
// when nil).
func newClassifier(keep func(id string) bool, model *reasonModel) *classifier {
	c := &classifier{model: model}
	for _, r := range phraseRules {
		if keep == nil || keep(r.id) {
			c.rules = append(c.rules, r)
		}
	}
	return c
}

func (c *classifier) classify(raw []byte) (*Result, error) {
	m, err := parseMessage(raw)
	if err != nil {
		return nil, err
	}
	res := &Result{
		Kind:    KindUnknown,
		Subject: m.subject,
		From:    m.from,
	}
	switch {
	case c.asFeedback(m, res):
	case c.asDSN(m, res):
	case asChallenge(m, res):
	case c.asFreeTextBounce(m, res):
	case asAutoreply(m, res):
	case asReply(m, res):
	}
	res.Token = findToken(m)
	if res.Kind == KindBounce && len(res.Recipients) > 0 {
		res.Reason = mainReason(res.Recipients)
	}
	return res, nil
}

// mainReason is the reason of the first recipient that did not succeed, or
// of the first recipient when all did.
func mainReason(rs []Recipient) string {
	for _, r := range rs {
		if r.Reason != "delivered" {
			return r.Reason
		}
	}
	return rs[0].Reason
}

func (r *Result) addEvidence(e string) {
	if len(r.Evidence) < 24 {
		r.Evidence = append(r.Evidence, strings.TrimSpace(e))
	}
}

// Test sends are identified by a token of 20 lower-case RFC 4648 base32
// characters. It is the envelope sender's detail (bounce+TOKEN@sink), the
// X-Codeprobe-Token header and the local part of the Message-ID.
var (
	bounceAddrRe = regexp.MustCompile(`(?i)\bbounce\+([a-z2-7]{20})@`)
	tokenHdrRe   = regexp.MustCompile(`(?m)^[ \t>]*(?i:X-Codeprobe-Token)[ \t]*:[ \t]*([a-z2-7]{20})\b`)
	tokenMsgIDRe = regexp.MustCompile(`<([a-z2-7]{20})@[^>\s]+>`)
	tokenOnlyRe  = regexp.MustCompile(`^[a-z2-7]{20}$`)
	pastedIDRe   = regexp.MustCompile(`(?m)^[ \t>]*(?i:Message-ID|In-Reply-To|References)[ \t]*:[ \t]*<([a-z2-7]{20})@[^>\s]+>`)
)

// envelopeFields carry the address a returned message was delivered to.
var envelopeFields = []string{"To", "Delivered-To", "X-Original-To", "Envelope-To", "X-Envelope-To", "X-Rcpt-To", "Cc"}

// findToken returns the test send a message answers, or "": the returned
// original's X-Codeprobe-Token, else the bounce+TOKEN address the message
// was sent to, else a Message-ID, In-Reply-To or References of ours,
// else the same found in pasted text.
func findToken(m *message) string {
	for _, p := range m.parts {
		if p.inner != nil {
			if t := strings.ToLower(strings.TrimSpace(p.inner.Get("X-Codeprobe-Token"))); tokenOnlyRe.MatchString(t) {
				return t
			}
		}
	}
	if t := strings.ToLower(strings.TrimSpace(m.header.Get("X-Codeprobe-Token"))); tokenOnlyRe.MatchString(t) {
		return t
	}
	for _, k := range envelopeFields {
		for _, v := range m.header.Values(k) {
			if s := bounceAddrRe.FindStringSubmatch(v); s != nil {
				return strings.ToLower(s[1])
			}
		}
	}
	for _, p := range m.parts {
		if p.inner != nil {
			if s := tokenMsgIDRe.FindStringSubmatch(p.inner.Get("Message-Id")); s != nil {
				return s[1]
			}
		}
	}
	for _, k := range []string{"In-Reply-To", "References"} {
		if s := tokenMsgIDRe.FindStringSubmatch(m.header.Get(k)); s != nil {
			return s[1]
		}
	}
	for _, p := range m.parts {
		text := p.text
		if text == "" {
			continue
		}
		if s := tokenHdrRe.FindStringSubmatch(text); s != nil {
			return s[1]
		}
		if s := pastedIDRe.FindStringSubmatch(text); s != nil {
			return s[1]
		}
		if s := bounceAddrRe.FindStringSubmatch(text); s != nil {
			return strings.ToLower(s[1])
		}
	}
	return ""
}
