// Package receiver reads what a receiving mailbox provider thought of a
// delivered test message from the header block a seed mailbox holds (as
// IMAP BODY.PEEK[HEADER] returns it): the receiver's authentication
// verdicts, its spam verdict, and how long delivery took. It is pure:
// bytes in, a typed [View] out, no I/O.
//
// Formats read:
//   - RFC 5322 header fields (§2.2 field syntax, §2.2.3 unfolding, §3.6.7
//     Received trace fields and their dates), leniently: lines that are
//     not fields, invalid UTF-8 and a block cut at a byte bound degrade to
//     [View.Problems] instead of failing.
//   - RFC 8601 Authentication-Results with the SPF (RFC 7208), DKIM
//     (RFC 6376), DMARC (RFC 7489) and ARC (RFC 8617) methods, read with
//     github.com/emersion/go-msgauth/authres and cross-checked against a
//     comment-aware reading of the RFC 8601 §2.2 grammar, which is kept
//     when the two differ or authres rejects a real-world shape
//     (Microsoft's form without an authserv-id, Yahoo's "dmarc=pass(p=…)").
//   - RFC 8617 ARC sets: the ARC-Authentication-Results and ARC-Seal of
//     the highest instance.
//   - Spam verdicts where a header documents them: SpamAssassin's
//     X-Spam-Flag, X-Spam-Status, X-Spam-Score and X-Spam-Level; rspamd's
//     X-Spam and X-Spamd-Result; Microsoft 365's X-Forefront-Antispam-Report,
//     X-MS-Exchange-Organization-SCL and X-Microsoft-Antispam; GMX and
//     web.de's X-UI-Filterresults.
//
// # Which verdict counts
//
// Receivers add their fields on top (RFC 5322 §3.6, RFC 8601 §5), and any
// upstream hop, the sender included, may have added fields of the same
// names below them. So the topmost field wins unless [Options.AuthServID]
// names the receiver, and fields that Microsoft and GMX mark as coming
// from the sending side are reported as evidence but never as a verdict.
// Gmail and Yahoo show their spam verdict by the folder (and Gmail's
// labels) a message is filed in, not by a header: the folder is the
// caller's to read.
//
// # Bounded work
//
// Only the first MiB of input is read, at most 1,000 fields of at most
// 16 KiB each; at most 16 DKIM results, 32 authentication methods, 32
// evidence lines and 32 problems are kept, and every string taken from
// the input is cut to 200 bytes of printable ASCII.
package receiver
