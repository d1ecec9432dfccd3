// Package classify says what a message that came back to a test send's
// return path is: a bounce, an automatic reply, a challenge from a
// challenge/response filter, a feedback report, a person's reply, or
// unknown; for bounces, why each recipient failed; and which test send it
// answers. It is pure: raw RFC 5322 bytes in, typed [Result] out, no I/O.
//
// Formats read:
//   - RFC 5322 messages and RFC 2045–2047 MIME, leniently: broken
//     boundaries, missing headers, bad transfer encodings and lying
//     charsets degrade to text instead of failing (github.com/emersion/
//     go-message reads the header fields and converts the charsets).
//   - RFC 3464 delivery status notifications (RFC 6533 global ones too),
//     with RFC 3463 enhanced status codes (and RFC 7372, RFC 7505); the
//     free-text reports of MTAs that send none, and those pasted or
//     forwarded into text; Amazon SES's documented JSON notifications.
//   - RFC 3834 automatic responses; RFC 5965 abuse feedback reports;
//     RFC 2369 unsubscribe requests.
//
// # Bounce reasons
//
// Reasons use sisimai's vocabulary (userunknown, mailboxfull, filtered,
// blocked, …). They are named from, in order: success; enhanced status
// codes with one meaning; the wording of the diagnostic and of the report
// text about the recipient; the other status codes and RFC 5321 reply
// codes; the SMTP command that failed (a refusal at connection, HELO or
// MAIL FROM is about the sending side, never the recipient's mailbox; a
// "no such user" to the message data is a filter); and the DSN action
// and diagnostic type. A host reported unknown in a transient (4.X.X)
// failure is a failed lookup, not a missing domain; the positive replies
// of a session transcript (an EHLO reply listing STARTTLS) are not read
// as failure wording. A reply code names a reason only when the enhanced
// status code reported with it has no other subject (a "552 5.7.0" is a
// refusal by policy, not a full mailbox), and a bare "blocked" in reply
// to the message data names what the message carries, not its sender.
//
// Where those signals are weak — only the class of the status or the DSN
// action named a reason, or only a weak word, or a refusal before RCPT
// named the sending side — a learned model reads the diagnostic's words
// (addresses, hosts, links and numbers masked), the status code's subject
// and detail, the reply code and the SMTP command, and names the reason
// it finds probable enough; the evidence says so ("model: blocked at 92%
// from w:ip, …"). It never overrules a status code with one meaning or a
// phrase rule. It is an averaged perceptron trained by a test on the
// corpus below and shipped as a generated table (model_table.go); the
// classifier reads no file at run time.
//
// # Not tuned to the test corpus
//
// The rules are written by hand, and every one is generic: status and
// reply codes as the RFCs define them, the SMTP command as MTAs report it,
// and phrasing MTAs and mailbox providers share. No rule looks at which
// MTA, host or product sent a report, nor at the names of the corpus
// files. The corpus (sisimai's set-of-emails, in ../shared) is only read
// by the tests, which train the model and measure agreement with
// sisimai's labels on all files and leave-one-family-out; in the latter
// every phrase rule whose only support in the corpus lies in the held-out
// family (counting byte-identical copies filed under two families as one)
// is removed, and the model is retrained without that family's files,
// before that family is classified, so neither a rule written for one
// MTA's sentence nor what the model learnt from that MTA can score on it.
// The model keeps only features seen in at least two families' reports.
// Per-family agreement is logged so weak spots show. Where sisimai's
// labels disagree with each other or with the RFCs (the same wording
// labelled two ways by two families, SMTP PIPELINING replies attributed
// to DATA), the rules keep the RFC reading.
//
// # Challenges and auto-replies
//
// A challenge is a request to prove to be a person (or to act so the
// held message is delivered) together with a description of the filter,
// in English, German, French, Spanish, Portuguese, Italian, Dutch, Polish
// or Russian, or the marks of a known product (cPanel BoxTrapper, Spam
// Arrest, Boxbe, MailWasher, ChoiceMail, TMDA, EarthLink spamBlocker).
// The link it asks the sender to visit is reported, never followed.
// Automatic replies are list moderation notices (Mailman, Google Groups,
// Sympa, LISTSERV, Groups.io), help-desk acknowledgements (Zendesk,
// Freshdesk, Jira Service Management, OTRS, Help Scout, …) and
// out-of-office replies.
//
// # Bounded work
//
// Only the first MiB of a message is read, MIME nesting stops at 8 levels
// and 64 parts, decoded parts are cut at 256 KiB, report text at 64 KiB
// and the text matched against phrases at 8 KiB; Go's regular expressions
// run in linear time.
package classify
