// Package store is codeprobe's persistence: the test sends and the answer
// the receiving server gave (RFC 5321 §4.2 reply codes, RFC 3463 enhanced
// status codes), the messages that came back to the return path with their
// classification (RFC 3464 delivery status notifications, RFC 3834
// automatic replies, RFC 5965 feedback reports), the HOTP state of the code
// issuer per (session, address) (RFC 4226 §5: a secret, and every code
// issued with its ordinal as the counter) and every code a user typed with
// its verdict. Old code sessions are pruned with their codes and attempts.
// It also keeps where the test codes of seed runs landed in seed mailboxes
// (inbox, junk, another folder or missing) with the receiver's
// INTERNALDATE (RFC 9051 §2.3.3) and its Authentication-Results verdicts
// (RFC 8601), so the dashboard can tell how codes fare at each provider.
//
// The package owns storage, not meaning: it keeps the values it is given,
// checks only their shape (a token is 20 characters of RFC 4648 §6 base32,
// text is valid UTF-8 without NUL, enumerations hold a known value) and
// never decides what a return or an attempt means.
//
// [Store] is the interface the rest of codeprobe uses; [SQLite] is the
// embedded implementation, opened with [OpenSQLite]. Its database runs in
// WAL mode with synchronous=FULL, so a write acknowledged is a write on
// disk. Writes from every goroutine go to one writer goroutine that commits
// whatever is pending in one transaction (group commit): one fsync serves a
// whole batch, which is what lets the SMTP sink acknowledge thousands of
// messages a second. Reads use their own pool of connections and never wait
// for the writer. The schema is created and upgraded by versioned
// migrations embedded in the binary; a database written by a newer
// codeprobe is refused with [ErrSchemaTooNew].
//
// # What any implementation must provide
//
// A second implementation (PostgreSQL, for several instances behind a load
// balancer) must behave the same in every way a caller can observe; the
// conformance suite in package storetest checks it. In particular:
//
//   - Durability: a write method that returns nil has committed, and the
//     commit survives a crash of the process or the machine (PostgreSQL:
//     synchronous_commit on, fsync on). [Store.PutReturn] and
//     [Store.AppendCodeIssue] rely on this: the SMTP sink answers 250 and
//     the issuer sends a code only after they return.
//   - Atomicity: [Store.AppendCodeIssue] hands out each ordinal of a session
//     once, across processes (the count and the insert in one transaction
//     holding the write lock; PostgreSQL: SELECT … FOR UPDATE of the session
//     row), and [Store.CountCodeAttempt] never loses a count (UPDATE …
//     RETURNING in one statement); [Store.PutPlacements] stores a whole
//     batch or none of it.
//   - Ownership: issues and attempts belong to their code session and are
//     deleted with it (foreign keys with ON DELETE CASCADE).
//   - Errors: the sentinel errors of this package wrapped with %w, never a
//     driver's error type, for not-found, duplicate, full and invalid input.
//   - Values: times are kept to the microsecond (PostgreSQL timestamptz)
//     and come back in UTC; durations to the nanosecond; text as given
//     (valid UTF-8, no NUL, which PostgreSQL text cannot hold); raw
//     messages byte for byte (bytea); JSON documents byte for byte (store
//     them as text or json, not jsonb, which reorders keys).
//   - Identifiers: return, attempt and placement IDs are positive and
//     increase in commit order within one database (bigint identity).
//   - Order: lists are newest first, ties broken by the larger ID (or the
//     larger token for sends), and [Store.Events] merges as documented on
//     [Event].
//   - Schema: its own versioned migrations recorded in a
//     schema_migrations table, applied in one transaction at open, and
//     refusal of a database whose schema is newer than the program.
//   - Cancellation: as documented on [Store]: a write whose context ends
//     before it reaches the database is never applied; one whose context
//     ends later may have been.
package store
