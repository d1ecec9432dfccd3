// Package diagnose answers, for one email address, whether a verification
// code sent to it can arrive, and if not, why: the checks a postmaster would
// make with dig and telnet, run concurrently under one deadline.
//
// [Checker.Check] parses the address (RFC 5321 §4.1.2, RFC 5322 §3.4.1,
// RFC 6531), suggests a fix for a misspelled domain, looks up the domain's
// mail servers (RFC 5321 §5.1, null MX RFC 7505), resolves them under the
// private-address policy of package netguard, talks to them over SMTP
// (RFC 5321, STARTTLS RFC 3207), and reads the domain's transport-security
// policies (MTA-STS RFC 8461, TLS-RPT RFC 8460, DANE RFC 7672, DNSSEC
// RFC 4035). [Checker.CheckSender] audits our own sending domain: SPF
// (RFC 7208), DKIM keys (RFC 6376, RFC 8301, RFC 8463) and DMARC (RFC 7489).
//
// The result is a [Report] of findings whose IDs, severities and words come
// from package rules. Every dependency — resolver, dialer, clock — is
// passed in [Options]; nothing is global.
package diagnose
