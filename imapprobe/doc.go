// Package imapprobe logs in to seed mailboxes and finds where a test code
// landed.
//
// A seed is a real account at a mailbox provider (Gmail, Outlook, Yahoo,
// GMX…) that receives test codes; the probe reads it over IMAP (RFC 9051,
// RFC 3501) with go-imap v2:
//
//   - [Dial] connects with implicit TLS (RFC 8314), STARTTLS, or, only to
//     loopback unless [Options.AllowPlaintext], in clear text; every
//     address of the host passes netguard first, since a seed's host name
//     is resolved through DNS. It logs in with LOGIN, AUTHENTICATE PLAIN
//     (RFC 4616), OAUTHBEARER (RFC 7628) or XOAUTH2, the credential held
//     in a [Secret] that never prints.
//   - [Session.Folders] lists the folders with their SPECIAL-USE
//     attributes (RFC 6154) and, where the server has none, tells the
//     junk folder by the provider's names for it (rules.FolderRoleOf:
//     [Gmail]/Spam, Junk Email, Bulk, Spamverdacht, and the localised
//     names).
//   - [Session.Find] runs a server-side UID SEARCH on the message's
//     X-Codeprobe-Token header in each folder, inbox first, and fetches
//     only the header block of the match (BODY.PEEK, so the message stays
//     unread): the bytes read do not grow with the mailbox.
//   - [Wait] waits for the message under one deadline, idling (RFC 2177)
//     on the inbox and on the junk folder so that a delivery is seen as
//     the server announces it, and polling with a backoff where the server
//     has no IDLE; the placement is [Inbox], [Junk], [Other] (the folder
//     is named) or [Missing] once the deadline has passed.
//   - [Session.Tidy] deletes or moves the message after reading, as the
//     account is configured, so that seed mailboxes do not fill up.
//
// Every step has a deadline (Options.StepTimeout) and the context bounds
// the whole probe: a slow or hostile server yields ErrTimeout, never a
// hang. What the probe did is kept as [Step]s for the report's evidence;
// no step, log line or JSON field holds a password or token.
//
// What a placement means for a user, and what to tell them, is not this
// package's business: see rules and the placement.* findings.
package imapprobe
