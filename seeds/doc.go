// Package seeds runs seed runs: a test code sent to every seed mailbox at
// once (real accounts at Gmail, Outlook, Yahoo, GMX… read over IMAP), and
// where each one landed, how late, and what the receiving provider
// thought of it.
//
// A seed list is a YAML file ([Load]): the seeds with their IMAP server,
// TLS mode and login, and where each password comes from, an environment
// variable (password_env) or a file (password_file); a list holding a
// password itself is refused. A [Runner] sends through a [Sender]
// (testcode.Dispatcher: the real test message, DKIM-signed, by smarthost
// or direct to MX), waits for each seed with imapprobe.Wait under the
// list's deadline, decodes the delivered header block
// (imapprobe/receiver), and stores the placements (store.Placement).
//
// [Watch] repeats runs on a schedule; [Metrics] exposes them to
// Prometheus (placements by provider and folder, delivery latency, the
// receivers' SPF/DKIM/DMARC verdicts, probe errors), and an [Alerter]
// POSTs a JSON body to a webhook when a provider's inbox rate over its
// latest runs falls below a threshold, and again when it recovers.
//
// What a placement means for a user at that provider, the placement.*
// findings, is decided by diagnose from the stored placements.
package seeds
