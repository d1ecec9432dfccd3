package smtpsink

import (
	"bytes"
	"encoding/json"
	"strings"
	"unicode/utf8"

	"github.com/codeprobe/codeprobe/smtpsink/classify"
	"github.com/codeprobe/codeprobe/store"
)

// StoredRecipient is one element of the JSON array the sink stores in
// [store.Classification.Recipients]: a recipient a bounce or feedback
// report is about (RFC 3464 §2.3 per-recipient fields).
type StoredRecipient struct {
	Address        string `json:"address"`
	Action         string `json:"action,omitempty"`          // RFC 3464 §2.3.3
	Status         string `json:"status,omitempty"`          // RFC 3463 code, "5.1.1"
	Reason         string `json:"reason,omitempty"`          // userunknown, mailboxfull, …
	Diagnostic     string `json:"diagnostic,omitempty"`      // the remote server's text
	DiagnosticType string `json:"diagnostic_type,omitempty"` // RFC 3464 §2.3.6
	RemoteMTA      string `json:"remote_mta,omitempty"`
	Code           int    `json:"code,omitempty"` // the SMTP reply code
}

// StoredEvidence is the JSON object the sink stores in
// [store.Classification.Evidence].
type StoredEvidence struct {
	// Evidence lists the classifier's short reasons for its verdict.
	Evidence     []string `json:"evidence,omitempty"`
	Subject      string   `json:"subject,omitempty"`
	From         string   `json:"from,omitempty"`
	ChallengeURL string   `json:"challenge_url,omitempty"` // never followed
	FeedbackType string   `json:"feedback_type,omitempty"` // RFC 5965 §3.1
	// MessageToken is the token the classifier found in the message; it
	// may differ from the return's token, which the envelope decides.
	MessageToken string `json:"message_token,omitempty"`
	// TokenSource says where the return's token came from: "envelope"
	// (bounce+TOKEN@), "message", or empty when it has none.
	TokenSource string `json:"token_source,omitempty"`
	// Error is why the message could not be classified (kind "unknown").
	Error string `json:"error,omitempty"`
}

// maxField bounds each text field of a stored classification.
const maxField = 4096

// toClassification turns the classifier's result into what the store
// keeps. Every string is made valid UTF-8 without NUL, which the store
// requires, so that a hostile message cannot make its classification
// unstorable.
func toClassification(j *job) store.Classification {
	ev := StoredEvidence{TokenSource: j.tokenFrom}
	if j.err != nil {
		ev.Error = j.err.Error()
		return store.Classification{Kind: string(classify.KindUnknown), Evidence: marshalDoc(ev)}
	}
	res := j.res
	cl := store.Classification{
		Kind:   string(res.Kind),
		Reason: res.Reason,
		System: res.System,
	}
	if cl.Kind == "" {
		cl.Kind = string(classify.KindUnknown)
	}
	if main := mainRecipient(res.Recipients); main != nil {
		cl.Status, cl.Diagnostic = main.Status, main.Diagnostic
		if cl.System == "" {
			cl.System = main.RemoteMTA
		}
	}
	if len(res.Recipients) > 0 {
		rs := make([]StoredRecipient, len(res.Recipients))
		for i, r := range res.Recipients {
			rs[i] = StoredRecipient{
				Address: r.Address, Action: r.Action, Status: r.Status, Reason: r.Reason,
				Diagnostic: r.Diagnostic, DiagnosticType: r.DiagnosticType, RemoteMTA: r.RemoteMTA, Code: r.Code,
			}
		}
		cl.Recipients = marshalDoc(rs)
	}
	ev.Evidence = res.Evidence
	ev.Subject, ev.From = res.Subject, res.From
	ev.ChallengeURL, ev.FeedbackType = res.ChallengeURL, res.FeedbackType
	ev.MessageToken = res.Token
	cl.Evidence = marshalDoc(ev)
	for _, f := range []*string{&cl.Kind, &cl.Reason, &cl.Status, &cl.System, &cl.Diagnostic} {
		*f = cleanText(*f)
	}
	return cl
}

// mainRecipient is the first recipient that failed, else the first that
// did not succeed, else the first; nil when there are none.
func mainRecipient(rs []classify.Recipient) *classify.Recipient {
	for i := range rs {
		if strings.EqualFold(rs[i].Action, "failed") {
			return &rs[i]
		}
	}
	for i := range rs {
		if !strings.HasPrefix(rs[i].Status, "2") {
			return &rs[i]
		}
	}
	if len(rs) > 0 {
		return &rs[0]
	}
	return nil
}

// cleanText is s as valid UTF-8 without NUL, cut to maxField bytes on a
// character boundary.
func cleanText(s string) string {
	s = strings.ToValidUTF8(s, "\uFFFD")
	s = strings.ReplaceAll(s, "\x00", "\uFFFD")
	if len(s) <= maxField {
		return s
	}
	cut := maxField
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut]
}

// marshalDoc encodes v as JSON without HTML escaping. encoding/json
// replaces invalid UTF-8 and escapes control characters, so the result is
// always text the store accepts.
func marshalDoc(v any) json.RawMessage {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		// Only strings, ints and slices of them: encoding cannot fail.
		return nil
	}
	return json.RawMessage(bytes.TrimRight(b.Bytes(), "\n"))
}
