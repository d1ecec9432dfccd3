// Package authapp diagnoses authenticator apps: the apps (Google
// Authenticator, Microsoft Authenticator, Authy, 1Password…) that show a
// 6-digit code which changes every 30 seconds.
//
// The wizard adds a throwaway test account to the user's app with
// [NewEnrolment], asks for the code the app shows, and passes it to
// [Diagnose]. Because every code is a function of the shared secret and
// the phone's clock (RFC 6238 §4), a code that matches at some other
// moment tells us how far the phone's clock is off, which is the usual
// reason a code is "invalid". A code that matches no moment in a day
// either way means the app holds a different secret.
//
// It implements the generation side of HOTP (RFC 4226 §5.3) and TOTP
// (RFC 6238 §4) with the parameters every app supports: HMAC-SHA1,
// 6 digits, a 30-second time step (RFC 6238 §4.1, the Key Uri Format's
// defaults).
//
// # Precision
//
// A code only says which 30-second step the phone's clock was in when the
// code was read, so one code places the skew in an interval 30 seconds
// wide ([Result.SkewMin], [Result.SkewMax]); [Result.Skew] is its middle.
// Messages give a range ("between 80 and 110 seconds") or round to the
// minute when the skew is large. [DiagnoseTwo] narrows the interval with
// a second code read at a different moment. The time the user takes to
// type a code makes the phone look a few seconds further behind than it
// is; the interval does not allow for that.
//
// # Chance matches
//
// A wrong 6-digit code matches any one other time step with probability
// one in a million. Searching a day either way (5,761 steps) a wrong code
// matches some step about 0.6% of the time, and the further out the
// match, the likelier it is to be chance. [Result.Coincidence] gives that
// probability and [Result.Confidence] summarises it; a far match that is
// not the shape of a time-zone error has [ConfidenceLow] and asks for a
// second code.
//
// This package diagnoses; it is not a verifier. It is used only with the
// throwaway test secret, so it makes no effort to compare in constant time.
package authapp
