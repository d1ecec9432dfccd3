// Package rules is codeprobe's catalogue: every finding a check can report,
// with its default severity, a one-line summary, the advice shown to the
// end user and to the support agent, and the RFC section it rests on; and
// the facts about mailbox providers and filtering gateways (how to recognise
// them from MX host names, SPF includes and consumer domains, what their
// junk folder is called, where a missing code usually hides).
//
// The CLI, the self-help wizard and the agent console take their words from
// here, keyed by finding ID, so that all three say the same thing. The
// package is pure data and pure functions: no I/O, standard library only.
//
// Finding IDs are lower-case dotted names ("mx.null") and are never renamed
// once released; use the exported constants ([MXNull]) rather than spelling
// an ID twice. [Lookup] and [MustLookup] return a [Rule]; [All] lists them.
//
// The advice rests on these specifications, cited per rule by section:
// RFC 5321 (SMTP), RFC 5322 (message format), RFC 1035 and RFC 2181 (DNS),
// RFC 4035 (DNSSEC), RFC 6890 (special-purpose addresses), RFC 2142 (role
// mailboxes), RFC 5891 (IDNA), RFC 6531 (SMTPUTF8), RFC 7505 (null MX),
// RFC 3207 (STARTTLS), RFC 3463 (enhanced status codes), RFC 6647
// (greylisting), RFC 7208 (SPF), RFC 7489 (DMARC), RFC 6376 and RFC 8301
// (DKIM), RFC 8461 (MTA-STS), RFC 8460 (TLS-RPT) and RFC 7672 (DANE).
package rules
