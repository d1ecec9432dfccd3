// Package auth signs support agents in to the agent console and the
// sender dashboard (issue 5): accounts and their passwords, login
// sessions, CSRF protection and the lockout of guessed accounts.
//
// Passwords are hashed with Argon2id (RFC 9106) at no less than the
// OWASP Password Storage Cheat Sheet's minimum (m=19456 KiB, t=2, p=1)
// and kept as PHC strings
// (https://github.com/P-H-C/phc-string-format); bcrypt hashes made by
// other tools are accepted and replaced at the next good login.
//
// A session lives in an HttpOnly, SameSite=Strict cookie (RFC 6265 and
// the "__Host-" prefix of draft-ietf-httpbis-rfc6265bis §4.1.3.2) that
// holds 32 random bytes; the store keeps only their SHA-256, so a copy of
// the database does not let anyone sign in. A session ends after an idle
// time, which each request slides, and after an absolute time, which
// nothing extends.
//
// Unsafe requests carry a token derived from the session's secret
// (the synchroniser-token pattern of the OWASP CSRF Prevention Cheat
// Sheet); the login form, which has no session yet, uses a signed
// double-submit cookie. Both also refuse requests that the browser marks
// as cross-site (Sec-Fetch-Site, W3C Fetch Metadata) or whose Origin
// (RFC 6454) is not this site, through [net/http.CrossOriginProtection].
package auth
