package classify

import (
	"strconv"
	"strings"
)

// maxContext bounds the report text matched against phrases for one
// recipient.
const maxContext = 8 << 10

// recipientFacts is what a report says about one recipient, gathered for
// naming the reason.
type recipientFacts struct {
	rcpt    Recipient
	command string // SMTP command the failure followed (cmdRcpt, …)
	context string // the report text about this recipient
}

// reason names why a recipient failed, in sisimai's vocabulary, and the
// phrase rule that decided it, if one did. The signals are tried from the
// most to the least specific:
//
//  1. success (RFC 3464 §2.3.3 action, RFC 3463 class 2);
//  2. enhanced status codes that mean one thing (RFC 3463, RFC 7372,
//     RFC 7505), unless a local delivery program failed (x-unix), whose
//     status the MTA derives from the program's exit code;
//  3. the phrases of the diagnostic, then of the report text about the
//     recipient;
//  4. a refusal (a reply) at connection, HELO or MAIL FROM names the
//     sending side (blocked, rejected); a failed local program is a mailer
//     error;
//  5. the other enhanced status codes, then bare reply codes (RFC 5321
//     §4.2.3, RFC 7504), then a security or policy status with a detail
//     (RFC 3463 X.7.X), which says more than the bare words of step 6;
//  6. weak phrases;
//  7. the DSN action and the status class.
//
// Where steps 4, 6 or 7 decided, the reason model may name another
// reason when it is probable enough ([modelTrust]).
//
// A failure at connection, HELO or MAIL time is about the sending side, so
// there no reason about the recipient's mailbox is given (RFC 5321 §3.3:
// the recipient is only named at RCPT). An unknown host reported as a
// transient failure is a failed lookup (networkerror).
func (c *classifier) reason(f *recipientFacts) (reason, why, rule string) {
	rs, why, rule, by := c.namedReason(f)
	if pr, ok := c.modelReason(f, by); ok && afterData(pr.reason, f.command) != rs {
		rs, why, rule = afterData(pr.reason, f.command), modelWhy(pr, why), ""
	}
	if rs == "hostunknown" && transient(&f.rcpt) {
		return "networkerror", why + "; transient failure, so the lookup failed rather than found no such host (RFC 3463 §3.1)", rule
	}
	return rs, why, rule
}

// transient reports whether a failure was reported as persistent
// transient (RFC 3463 §3.1 class 4, RFC 5321 §4.2.1 4yz): the mail
// system will retry, so it has not learnt the domain does not exist.
func transient(r *Recipient) bool {
	if r.Status != "" {
		return r.Status[0] == '4'
	}
	return r.Code >= 400 && r.Code < 500
}

// signal is the kind of evidence that named a reason, from the strongest.
type signal int

const (
	bySuccess    signal = iota // success, or a status code with one meaning
	byPhrase                   // the wording of the diagnostic or report
	byRefusal                  // a refusal before RCPT, a failed local program
	byCode                     // another status code, a reply code
	byWeakPhrase               // a weak word ("denied")
	byClass                    // the class of the status, the DSN action, nothing
)

// namedReason is reason without the model and the transient-failure
// adjustment; it also says which kind of signal decided.
func (c *classifier) namedReason(f *recipientFacts) (reason, why, rule string, by signal) {
	r := &f.rcpt
	st := r.Status
	if r.Action == "delivered" || r.Action == "relayed" || r.Action == "expanded" || strings.HasPrefix(st, "2.") {
		return "delivered", "delivered", "", bySuccess
	}
	ok := allowedAfter(f.command)
	unix := strings.HasPrefix(r.DiagnosticType, "x-unix")
	if rs := decisiveStatus[st]; rs != "" && ok(rs) && !unix {
		return rs, "status " + st + " → " + rs + " (RFC 3463)", "", bySuccess
	}
	diag := normalize(r.Diagnostic)
	if rs, why, id := c.matchPhrase(diag, ok, false); rs != "" {
		return afterData(rs, f.command), why, id, byPhrase
	}
	ctx := normalize(f.context[:min(len(f.context), maxContext)])
	if ctx != diag && !unix {
		if rs, why, id := c.matchPhrase(ctx, ok, false); rs != "" {
			return afterData(rs, f.command), why, id, byPhrase
		}
	}
	if refused(f) || unix {
		rs, why := fallbackReason(f, st)
		return rs, why, "", byRefusal
	}
	if rs := statusReason(st); rs != "" && ok(rs) {
		return afterData(rs, f.command), "status " + st + " → " + rs + " (RFC 3463)", "", byCode
	}
	if rs := replyCodeReasons[r.Code]; rs != "" && ok(rs) && replyFitsStatus(r.Code, st) {
		return rs, "reply code " + strconv.Itoa(r.Code) + " → " + rs + " (RFC 5321 §4.2.3)", "", byCode
	}
	if len(st) > 4 && st[1:4] == ".7." && st[4:] != "0" {
		return "securityerror", "status " + st + ": security or policy (RFC 3463 X.7.X)", "", byCode
	}
	for _, t := range []string{diag, ctx} {
		if rs, why, id := c.matchPhrase(t, ok, true); rs != "" {
			if rs == "blocked" && f.command == cmdData {
				return "policyviolation", why + "; blocked after the message data, so for what the message carries, not for who sent it (RFC 5321 §3.3)", id, byWeakPhrase
			}
			return afterData(rs, f.command), why, id, byWeakPhrase
		}
	}
	rs, why := fallbackReason(f, st)
	return rs, why, "", byClass
}

// fallbackReason names a reason from the weakest signals.
func fallbackReason(f *recipientFacts, st string) (string, string) {
	r := &f.rcpt
	switch {
	case refused(f) && f.command == cmdMail:
		return "rejected", "rejected at MAIL FROM: the sender was refused"
	case refused(f):
		return "blocked", "rejected at " + f.command + ": the sending host was refused"
	}
	if strings.HasPrefix(r.DiagnosticType, "x-unix") {
		return "mailererror", "local delivery program failed (x-unix)"
	}
	if r.Action == "delayed" {
		return "expired", "still undelivered (action delayed)"
	}
	if len(st) > 2 {
		switch st[2] {
		case '6':
			return "contenterror", "status " + st + ": content or media (RFC 3463 X.6.X)"
		case '7':
			return "securityerror", "status " + st + ": security or policy (RFC 3463 X.7.X)"
		case '4':
			return "networkerror", "status " + st + ": network or routing (RFC 3463 X.4.X)"
		case '3':
			if !strings.HasSuffix(st, ".0") {
				return "systemerror", "status " + st + ": mail system (RFC 3463 X.3.X)"
			}
		}
	}
	if strings.TrimSpace(r.Diagnostic) != "" {
		return "onhold", "diagnostic names no known reason"
	}
	if st != "" && st[0] == '4' && r.Action == "failed" {
		return "expired", "temporary failure given up"
	}
	return "undefined", ""
}

// refused reports whether the receiving server refused the connection,
// HELO or MAIL FROM with a reply (RFC 5321 §4.2). A failure there without
// a reply code, such as a lost connection, is no refusal: nothing was
// said about the sender.
func refused(f *recipientFacts) bool {
	switch f.command {
	case cmdConn, cmdHelo, cmdMail:
		return f.rcpt.Code != 0 || replyCode(f.rcpt.Diagnostic) != 0
	}
	return false
}

// afterData turns a "no such user" reply to the message data into
// "filtered": the recipient was accepted at RCPT, so the refusal came from
// a filter, not from a missing mailbox.
func afterData(reason, command string) string {
	if reason == "userunknown" && command == cmdData {
		return "filtered"
	}
	return reason
}

// allowedAfter returns which reasons a failure after the given command can
// have.
func allowedAfter(command string) func(string) bool {
	switch command {
	case cmdConn, cmdHelo:
		return func(r string) bool { return !recipientReasons[r] && !senderReasons[r] && !contentReasons[r] }
	case cmdMail:
		return func(r string) bool { return !recipientReasons[r] && !contentReasons[r] }
	}
	return func(string) bool { return true }
}

var (
	// recipientReasons are about the recipient's mailbox or domain.
	recipientReasons = map[string]bool{
		"userunknown": true, "mailboxfull": true, "suspend": true, "hasmoved": true,
		"filtered": true, "hostunknown": true, "vacation": true,
	}
	// senderReasons are about the envelope sender.
	senderReasons = map[string]bool{"rejected": true}
	// contentReasons are about the message data.
	contentReasons = map[string]bool{
		"contenterror": true, "virusdetected": true, "notcompliantrfc": true, "spamdetected": true,
	}
)

// decisiveStatus maps enhanced status codes with a single meaning to a
// reason; these win over any wording.
var decisiveStatus = map[string]string{
	"5.1.1": "userunknown", "4.1.1": "userunknown", // X.1.1 bad destination mailbox address
	"5.1.6": "hasmoved", "4.1.6": "hasmoved", // RFC 3463 §3.2 X.1.6 mailbox has moved
	"5.2.2": "mailboxfull", "4.2.2": "mailboxfull", // X.2.2 mailbox full
	"5.2.3": "exceedlimit", "4.2.3": "exceedlimit", // X.2.3 message length exceeds administrative limit
	"5.3.4": "mesgtoobig", "4.3.4": "mesgtoobig", // X.3.4 message too big for system
	"5.7.13": "suspend", "4.7.13": "suspend", // RFC 3463 X.7.13 user account disabled
	"5.7.20": "authfailure", "5.7.21": "authfailure", "5.7.22": "authfailure", // RFC 7372 §3.1 DKIM
	"5.7.23": "authfailure", "5.7.24": "authfailure", "4.7.24": "authfailure", // RFC 7372 §3.2 SPF
	"5.7.25": "requireptr", "4.7.25": "requireptr", // RFC 7372 §3.3 reverse DNS
	"5.7.26": "authfailure", "4.7.26": "authfailure", // RFC 7372 §3.4 multiple checks
	"5.7.27": "notaccept", // RFC 7505 §4.3 sender address has null MX
}

// statusReasons maps the other enhanced status codes (RFC 3463 §3, IANA
// registry) to the reason they usually mean.
var statusReasons = map[string]string{
	"X.1.0": "userunknown", "X.1.2": "hostunknown", "X.1.3": "userunknown",
	"X.1.4": "userunknown", "X.1.7": "rejected", "X.1.8": "rejected",
	"X.1.10": "notaccept", // RFC 7505 §4.2 null MX, though Microsoft also uses it for unknown recipients
	"X.2.1":  "suspend", "X.2.4": "systemerror",
	"X.3.1": "systemfull", "X.3.2": "notaccept", "X.3.3": "systemerror", "X.3.5": "systemerror",
	"X.4.1": "networkerror", "X.4.2": "networkerror", "X.4.3": "systemerror",
	"X.4.4": "hostunknown", "X.4.5": "systemerror", "X.4.6": "networkerror", "X.4.7": "expired",
	"X.5.1": "syntaxerror", "X.5.2": "syntaxerror", "X.5.3": "toomanyconn", "X.5.4": "syntaxerror", "X.5.5": "syntaxerror",
	"X.6.0": "contenterror", "X.6.1": "contenterror", "X.6.2": "contenterror", "X.6.3": "contenterror",
	"X.6.4": "contenterror", "X.6.5": "contenterror", "X.6.6": "contenterror", "X.6.7": "contenterror",
	"X.6.8": "contenterror", "X.6.9": "contenterror", "X.6.10": "contenterror",
	"X.7.2": "policyviolation", "X.7.3": "securityerror", "X.7.4": "securityerror", "X.7.5": "securityerror",
	"X.7.6": "securityerror", "X.7.7": "securityerror", "X.7.8": "securityerror", "X.7.9": "securityerror",
	"X.7.10": "failedstarttls", "X.7.11": "failedstarttls", "X.7.12": "securityerror", "X.7.14": "securityerror",
	"X.7.15": "policyviolation", "X.7.16": "mesgtoobig", "X.7.17": "hasmoved", "X.7.18": "hasmoved",
	"X.7.19": "securityerror",
	// Microsoft's published extensions of X.7.X.
	"X.7.509": "authfailure", "X.7.510": "authfailure", "X.7.606": "blocked", "X.7.607": "blocked",
	"X.7.608": "blocked", "X.7.609": "blocked",
}

// statusReason looks a code up with its class replaced by X.
func statusReason(st string) string {
	if len(st) < 5 {
		return ""
	}
	return statusReasons["X"+st[1:]]
}

// replyCodeReasons maps reply codes that carry a meaning of their own.
var replyCodeReasons = map[int]string{
	500: "syntaxerror", 501: "syntaxerror", 502: "syntaxerror", 503: "syntaxerror", 504: "syntaxerror", // RFC 5321 §4.2.3
	551: "hasmoved",                    // user not local
	552: "mailboxfull",                 // exceeded storage allocation
	521: "notaccept", 556: "notaccept", // RFC 7504 §3
	452: "systemfull",  // insufficient system storage
	451: "systemerror", // RFC 5321 §4.2.2: requested action aborted, local error in processing
}

// replySubjects lists, for a reply code of replyCodeReasons, the subjects
// of enhanced status codes (RFC 3463 §2) that agree with its meaning.
var replySubjects = map[int]string{
	500: "5", 501: "5", 502: "5", 503: "5", 504: "5", // protocol status
	551: "1",  // addressing status
	552: "23", // mailbox status; the mail system's, for a message too big
	521: "3", 556: "1",
	452: "3", 451: "34", // mail system status; network and routing
}

// replyFitsStatus reports whether a reply code's own meaning may name the
// reason given the enhanced status code reported with it. A status with a
// subject of its own says more than the reply code: a "552 5.7.0" is a
// refusal by policy, not a full mailbox (RFC 3463 §2, RFC 5321 §4.2.3).
func replyFitsStatus(code int, st string) bool {
	sub := strings.Split(st, ".")
	if len(sub) != 3 || sub[1] == "0" {
		return true
	}
	return len(sub[1]) == 1 && strings.Contains(replySubjects[code], sub[1])
}

// matchPhrase returns the reason of the first rule of the given strength
// whose pattern matches text and whose reason is allowed.
func (c *classifier) matchPhrase(text string, ok func(string) bool, weak bool) (reason, why, id string) {
	if text == "" {
		return "", "", ""
	}
	folded := foldKey(text)
	for _, r := range c.rules {
		if r.weak != weak || !ok(r.reason) || !r.re.possible(folded) {
			continue
		}
		if loc := r.re.re.FindStringIndex(text); loc != nil {
			return r.reason, `"` + oneLine(text[loc[0]:loc[1]], 60) + `" → ` + r.reason, r.id
		}
	}
	return "", "", ""
}
