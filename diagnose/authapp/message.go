package authapp

import (
	"errors"
	"fmt"
	"slices"
	"time"
)

// What the user is told. Short sentences, no jargon (the GOV.UK style
// guide): "clock", not "skew"; "code", not "TOTP".

// autoTimeAdvice says how to let the phone set its own clock.
var autoTimeAdvice = []string{
	"On an iPhone: open Settings, then General, then Date & Time, and turn on Set Automatically.",
	"On an Android phone: open Settings, then System, then Date & time, and turn on Set time automatically.",
	"Then open your authenticator app and type the new code it shows.",
}

// zoneAdvice says how to let the phone set its own time zone.
var zoneAdvice = []string{
	"On an iPhone: open Settings, then General, then Date & Time, and turn on Set Automatically. This sets the time zone too.",
	"On an Android phone: open Settings, then System, then Date & time, and turn on Set time zone automatically.",
	"If you set the time by hand, choose the time zone first, then the time.",
	"Then open your authenticator app and type the new code it shows.",
}

// wrongAdvice lists the usual reasons a code matches at no time at all.
var wrongAdvice = []string{
	"Check you typed the code shown under the test account, not a code for another account in the app.",
	"Codes change every 30 seconds. If the code changed while you were typing it, type the new one.",
	"If your app scanned a different QR code, or the key was typed in wrong, delete the test account from the app and add it again.",
	"If you reinstalled the app, or moved to a new phone without moving your accounts, the app lost your old accounts. Their codes won't work until you set each one up again with the service.",
}

const (
	confirmAdvice  = "Type the next code your app shows, so we can check."
	disagreeAdvice = "Your 2 codes didn't agree, so this is based on one code. If this doesn't help, try again with 2 codes in a row."
)

func okWords(r *Result) {
	if absd(r.Skew) <= stepLength {
		r.Message = "The code works. Your authenticator app is set up correctly."
		r.Advice = []string{"If codes for another account don't work, check you're using that account's code, and type it before it changes."}
		return
	}
	r.Message = fmt.Sprintf("The code works, but your phone's clock is %s %s. If it drifts much further, codes will stop working.",
		amount(r.SkewMin, r.SkewMax), direction(r.Skew))
	r.Advice = slices.Clone(autoTimeAdvice)
}

func zoneWords(r *Result, zone time.Duration) {
	r.Message = fmt.Sprintf("Your phone's time zone is set wrong: it is %s %s. Turning on the automatic time zone setting fixes this.",
		zoneAmount(zone), direction(zone))
	r.Advice = slices.Clone(zoneAdvice)
	if absd(zone) == 12*time.Hour {
		r.Advice = append(r.Advice, "Check AM and PM too.")
	}
}

func skewWords(r *Result) {
	size, dir := amount(r.SkewMin, r.SkewMax), direction(r.Skew)
	switch {
	case r.Confidence == ConfidenceLow:
		r.Message = fmt.Sprintf("Your code matches a phone clock that is %s %s, but this could be chance. Type the next code your app shows so we can check.", size, dir)
		r.Advice = append([]string{confirmAdvice}, autoTimeAdvice...)
		r.Advice = append(r.Advice, wrongAdvice[2])
	case absd(r.Skew) >= day-30*time.Minute:
		r.Message = fmt.Sprintf("Your phone's date is wrong: it is %s %s. Turn on automatic date and time in your phone's settings.", size, dir)
		r.Advice = slices.Clone(autoTimeAdvice)
	default:
		r.Message = fmt.Sprintf("Your phone's clock is %s %s. Turn on automatic date and time in your phone's settings.", size, dir)
		r.Advice = slices.Clone(autoTimeAdvice)
	}
}

func wrongResult() Result {
	return Result{
		Kind:    KindWrong,
		Message: "This code doesn't match our test account, even allowing for a phone clock that is a day out.",
		Advice:  slices.Clone(wrongAdvice),
	}
}

func malformedResult(err error, which string) Result {
	the := "The code"
	if which != "" {
		the = "The " + which + " code"
	}
	var msg string
	switch {
	case errors.Is(err, ErrCodeEmpty):
		msg = "Type the 6-digit code your app shows."
		if which != "" {
			msg = fmt.Sprintf("Type the %s code your app shows.", which)
		}
	case errors.Is(err, ErrCodeNotDigits):
		msg = the + " should only contain numbers. Type the 6 digits your app shows."
	case errors.Is(err, ErrCodeTooShort):
		msg = the + " has too few digits. Type all 6 digits your app shows."
	default:
		msg = the + " has too many digits. Type the 6 digits your app shows for the test account."
	}
	return Result{Kind: KindMalformed, Message: msg, Err: err}
}

func uncheckedResult(err error) Result {
	return Result{
		Kind:    KindUnchecked,
		Message: "We couldn't check your code because the test has expired. Start the test again.",
		Advice:  []string{"Delete the old test account from your authenticator app, then scan the new QR code."},
		Err:     err,
	}
}

// direction says which way a skew goes.
func direction(d time.Duration) string {
	if d < 0 {
		return "behind"
	}
	return "ahead"
}

// amount describes the size of a skew in [lo, hi) as precisely as it is
// known: a range of seconds while it is under three minutes, "about 95
// seconds" once a second code has narrowed it, and rounded to the minute
// beyond that (the 30-second uncertainty is then within the rounding).
func amount(lo, hi time.Duration) string {
	near, far := absd(lo), absd(hi)
	if near > far {
		near, far = far, near
	}
	if lo < 0 && hi > 0 {
		near = 0
	}
	a := near.Truncate(time.Second)
	b := (far + time.Second - 1).Truncate(time.Second)
	mid := a + (b-a)/2
	switch {
	case b-a <= 10*time.Second && mid < 2*time.Minute:
		return "about " + count(int(mid.Round(time.Second)/time.Second), "second")
	case b <= 3*time.Minute:
		return fmt.Sprintf("between %d and %d seconds", a/time.Second, b/time.Second)
	case mid < time.Hour-30*time.Second:
		return "about " + count(int(mid.Round(time.Minute)/time.Minute), "minute")
	case mid < day-30*time.Minute:
		m := int(mid.Round(time.Minute) / time.Minute)
		if m%60 == 0 {
			return "about " + count(m/60, "hour")
		}
		return "about " + count(m/60, "hour") + " " + count(m%60, "minute")
	default:
		return "about 1 day"
	}
}

// zoneAmount describes a time-zone difference: "2 hours", "5 and a half
// hours", "5 hours 45 minutes".
func zoneAmount(z time.Duration) string {
	z = absd(z)
	h, m := int(z/time.Hour), int(z%time.Hour/time.Minute)
	switch m {
	case 0:
		return count(h, "hour")
	case 30:
		return fmt.Sprintf("%d and a half hours", h)
	default:
		return count(h, "hour") + " " + count(m, "minute")
	}
}

// count writes n and the unit, plural unless n is 1.
func count(n int, unit string) string {
	if n == 1 {
		return "1 " + unit
	}
	return fmt.Sprintf("%d %ss", n, unit)
}
