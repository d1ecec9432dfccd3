package testcode

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Kind is what a typed code turned out to be.
type Kind string

// The verdicts of [Issuer.Check].
const (
	// KindOK: the newest code of the session, typed exactly, in time.
	KindOK Kind = "ok"
	// KindEarlier: an earlier code of the session; only the newest works.
	KindEarlier Kind = "earlier"
	// KindExpired: the newest code, typed right, after it expired.
	KindExpired Kind = "expired"
	// KindNearMiss: the newest code with a slip (Misses says which): a
	// wrong, swapped, missing or doubled digit, or the right digits with
	// spaces, a prefix or separators around them.
	KindNearMiss Kind = "near-miss"
	// KindOtherSession: a code we sent to the same address for another
	// session (another sign-in attempt, another browser tab).
	KindOtherSession Kind = "other-session"
	// KindUnknown: nothing we sent to this address recently.
	KindUnknown Kind = "unknown"
	// KindTooManyAttempts: the newest code has been tried more than
	// MaxAttempts times and is refused; a new code is needed.
	KindTooManyAttempts Kind = "too-many-attempts"
)

// Verdict says what a typed code is. It never holds a code.
type Verdict struct {
	Kind Kind
	// Ordinal is the matched code's place in its session (1 is the
	// first) and Of the number of codes that session had; for
	// other-session they refer to the other session. For unknown, Of is
	// the codes of this session and Ordinal 0.
	Ordinal, Of int
	// IssuedAt is when the matched code was issued; Token names the
	// message that carried it.
	IssuedAt time.Time
	Token    string
	// NewestAt is when the session's newest code was issued (earlier).
	NewestAt time.Time
	// Expired: the matched code has expired; ExpiredFor is how long ago
	// and TTL how long it was valid (newest code only).
	Expired    bool
	ExpiredFor time.Duration
	TTL        time.Duration
	// Attempts is the checks made on the session's newest code, this
	// one included.
	Attempts int
	// Misses are the differences from the newest code (near-miss).
	Misses []Difference
	// Detail explains the verdict to the user, in plain English.
	Detail string
}

// detail writes the sentence for the user. in is what they typed, cleaned.
func (v Verdict) detail(in typedCode) string {
	switch v.Kind {
	case KindOK:
		return "That is the right code: it is the latest one we sent you and it still works."
	case KindEarlier:
		return fmt.Sprintf("You typed code %d of %d — only the latest works; delete the older emails "+
			"and use the code in the newest one, sent at %s.", v.Ordinal, v.Of, codeClock(v.NewestAt))
	case KindExpired:
		return fmt.Sprintf("You typed the latest code, but it expired %s ago: codes work for %s. "+
			"Ask for a new code and type it as soon as it arrives.", humanDuration(v.ExpiredFor), humanDuration(v.TTL))
	case KindNearMiss:
		return v.nearMissDetail()
	case KindOtherSession:
		return fmt.Sprintf("You typed a code we sent to this address at %s for another sign-in attempt "+
			"(another tab or an earlier visit). Each attempt has its own code: use the one in the newest email "+
			"that this page asked for.", codeClock(v.IssuedAt))
	case KindTooManyAttempts:
		return fmt.Sprintf("This code has been tried %d times, so it no longer works, to keep guessers out. "+
			"Ask for a new code.", v.Attempts)
	}
	return unknownDetail(v, in)
}

// unknownDetail explains why nothing matched.
func unknownDetail(v Verdict, in typedCode) string {
	switch {
	case in.garbled:
		return "What you typed is not a code: our codes are digits only. Copy the digits from the newest email."
	case in.digits == "":
		return "You did not type a code. Copy the digits from the newest email."
	case v.Of == 0:
		return "We have not sent you a code from this page yet, so this is not one of ours. " +
			"Ask for a code first, then type the one from our email."
	}
	return "That is not a code we sent you. Check that you are reading the newest email from us, " +
		"not a message from another service, and type its code again."
}

// nearMissDetail lists what differs from the newest code.
func (v Verdict) nearMissDetail() string {
	var parts []string
	formatOnly := true
	for _, d := range v.Misses {
		parts = append(parts, missPhrase(d))
		switch d.Miss {
		case MissWrongDigit, MissSwapped, MissMissing, MissDoubled, MissExtra:
			formatOnly = false
		}
	}
	var s string
	if formatOnly {
		s = "You typed the right digits of the latest code, but " + strings.Join(parts, ", and ") +
			". Some sites refuse that: type the digits only."
	} else {
		s = "You nearly typed the latest code: " + strings.Join(parts, ", and ") +
			". Look at the newest email again and type the code exactly."
	}
	if v.Expired {
		s += fmt.Sprintf(" It has also expired (%s ago), so ask for a new one.", humanDuration(v.ExpiredFor))
	}
	return s
}

func missPhrase(d Difference) string {
	switch d.Miss {
	case MissSpaces:
		return "with spaces before or after it"
	case MissPrefix:
		return "with letters in front of it"
	case MissSeparators:
		return "with spaces, dashes or dots among the digits"
	case MissLetters:
		return "with the letter O or I where a digit 0 or 1 belongs"
	case MissWideDigits:
		return "with digits from another keyboard layout"
	case MissWrongDigit:
		return "the " + ordinalWord(d.Pos) + " digit is wrong"
	case MissSwapped:
		return "the " + ordinalWord(d.Pos) + " and " + ordinalWord(d.Pos+1) + " digits are swapped"
	case MissMissing:
		return "one digit is missing"
	case MissDoubled:
		return "you typed the " + ordinalWord(d.Pos) + " digit twice"
	case MissExtra:
		return "you typed one digit too many"
	}
	return string(d.Miss)
}

// ordinal spells 1 as "1st", 2 as "2nd" and so on, for digit positions.
func ordinalWord(n int) string {
	suffix := "th"
	switch {
	case n%100 >= 11 && n%100 <= 13:
	case n%10 == 1:
		suffix = "st"
	case n%10 == 2:
		suffix = "nd"
	case n%10 == 3:
		suffix = "rd"
	}
	return strconv.Itoa(n) + suffix
}

// clock formats t for the user: "14:05 UTC".
func codeClock(t time.Time) string {
	return t.UTC().Format("15:04 UTC")
}

// humanDuration says d the way a person would: "40 seconds", "1 minute",
// "12 minutes", "2 hours 5 minutes", "3 days".
func humanDuration(d time.Duration) string {
	switch {
	case d < time.Second:
		return "less than a second"
	case d < time.Minute:
		return pluralUnit(int(d/time.Second), "second")
	case d < time.Hour:
		return pluralUnit(int(d/time.Minute), "minute")
	case d < 48*time.Hour:
		h, m := int(d/time.Hour), int(d%time.Hour/time.Minute)
		if m == 0 {
			return pluralUnit(h, "hour")
		}
		return pluralUnit(h, "hour") + " " + pluralUnit(m, "minute")
	}
	return pluralUnit(int(d/(24*time.Hour)), "day")
}

func pluralUnit(n int, unit string) string {
	if n == 1 {
		return "1 " + unit
	}
	return strconv.Itoa(n) + " " + unit + "s"
}
