// Package phone checks a phone number before a service sends a sign-in
// code to it by text message: is it a real number, which country is it
// in, and can it get texts at all (a mobile can, a landline can't, and
// many services won't send codes to internet (VOIP) numbers).
//
// Numbers are parsed and typed with libphonenumber's metadata
// (github.com/nyaruka/phonenumbers), which follows ITU-T E.164 for the
// number format and ISO 3166-1 for region codes.
package phone

import (
	"errors"
	"strings"
	"unicode/utf8"

	"github.com/nyaruka/phonenumbers"
	"golang.org/x/text/language"
	"golang.org/x/text/language/display"
)

// MaxInput is the longest input Check parses, in bytes. The longest
// E.164 number is 15 digits (ITU-T E.164 §6.1); 64 bytes leaves room for
// spaces, brackets, a + and an extension, and bounds the work a hostile
// input can cause.
const MaxInput = 64

// Result is what [Check] found out about a phone number.
type Result struct {
	// Input is what was typed, cut to [MaxInput] bytes.
	Input string
	// Valid means the number exists in its country's numbering plan.
	Valid bool
	// Possible means the number has a length some number in its
	// country could have; a valid number is always possible.
	Possible bool
	// E164, International and National are the number written three
	// ways: "+447400123456", "+44 7400 123456", "07400 123456". They are
	// set when the number could be parsed, and always when it is valid.
	E164, International, National string
	// Region is the ISO 3166-1 code of the number's country ("GB"),
	// "001" for numbers of no country (such as +800), or empty.
	Region string
	// RegionName is the country's name in English ("United Kingdom").
	RegionName string
	// CountryCode is the number's calling code (44), or 0.
	CountryCode int
	// Type is the kind of line the number belongs to.
	Type Type
	// SMS says whether the number can get text messages.
	SMS SMS
	// Reason says why SMS is what it is, in plain words.
	Reason string
	// Problem is why the number is not valid, or empty.
	Problem Problem
	// Message says what was found, in plain words, for the user.
	Message string
	// Advice lists what the user can do, one step an entry.
	Advice []string
}

// Type is the kind of line a number belongs to.
type Type string

// Types of line, as libphonenumber names them.
const (
	TypeMobile            Type = "mobile"
	TypeFixedLine         Type = "fixed-line"
	TypeFixedLineOrMobile Type = "fixed-line-or-mobile" // the US and others: numbers don't say which
	TypeVOIP              Type = "voip"
	TypeTollFree          Type = "toll-free"
	TypePremiumRate       Type = "premium-rate"
	TypeSharedCost        Type = "shared-cost"
	TypePager             Type = "pager"
	TypeUAN               Type = "uan" // a company's universal access number
	TypePersonal          Type = "personal"
	TypeVoicemail         Type = "voicemail"
	TypeUnknown           Type = "unknown"
)

// SMS is whether a number can get text messages.
type SMS string

// Answers for [Result.SMS].
const (
	SMSYes      SMS = "yes"
	SMSUnlikely SMS = "unlikely"
	SMSNo       SMS = "no"
)

// Problem is why a number is not valid.
type Problem string

// Problems of [Result.Problem]; none is the empty string.
const (
	ProblemInvalidCountryCode Problem = "invalid-country-code"
	ProblemTooShort           Problem = "too-short"
	ProblemTooLong            Problem = "too-long"
	ProblemNotANumber         Problem = "not-a-number"
	ProblemNoRegionGiven      Problem = "no-region-given"
	ProblemNotValidForRegion  Problem = "not-valid-for-region"
)

// Check parses number and says whether it can get sign-in codes by text.
// A number that starts with + (or 00, with a region) carries its own
// country; any other is read as a number of defaultRegion, an ISO 3166-1
// code such as "GB", which may be empty when the country is not known.
func Check(number, defaultRegion string) Result {
	r := Result{Input: cut(number, MaxInput), Type: TypeUnknown, SMS: SMSNo}
	trimmed := strings.TrimSpace(number)
	if len(trimmed) > MaxInput {
		return r.fail(ProblemTooLong)
	}
	if trimmed == "" {
		return r.fail(ProblemNotANumber)
	}
	region := strings.ToUpper(strings.TrimSpace(defaultRegion))
	if !phonenumbers.GetSupportedRegions()[region] {
		region = ""
	}
	n, err := phonenumbers.Parse(trimmed, regionOrUnknown(region))
	if err != nil {
		return r.fail(parseProblem(err, trimmed, region))
	}
	r.CountryCode = int(n.GetCountryCode())
	r.E164 = phonenumbers.Format(n, phonenumbers.E164)
	r.International = phonenumbers.Format(n, phonenumbers.INTERNATIONAL)
	r.National = phonenumbers.Format(n, phonenumbers.NATIONAL)
	// The region of a valid number, worked out once: IsValidNumber
	// would work it out again.
	numberRegion := phonenumbers.GetRegionCodeForNumber(n)
	r.Region = numberRegion
	if r.Region == "" {
		r.Region = phonenumbers.GetRegionCodeForCountryCode(r.CountryCode)
	}
	if r.Region == unknownRegion {
		r.Region = ""
	}
	r.RegionName = regionName(r.Region)
	switch phonenumbers.IsPossibleNumberWithReason(n) {
	case phonenumbers.IS_POSSIBLE, phonenumbers.IS_POSSIBLE_LOCAL_ONLY:
		r.Possible = true
	case phonenumbers.INVALID_COUNTRY_CODE:
		return r.fail(ProblemInvalidCountryCode)
	case phonenumbers.TOO_SHORT:
		return r.fail(ProblemTooShort)
	case phonenumbers.TOO_LONG:
		return r.fail(ProblemTooLong)
	}
	if !phonenumbers.IsValidNumberForRegion(n, numberRegion) {
		return r.fail(ProblemNotValidForRegion)
	}
	r.Valid = true
	r.Type = typeOf(phonenumbers.GetNumberType(n))
	r.describe()
	return r
}

// unknownRegion is libphonenumber's region code for "no region".
const unknownRegion = "ZZ"

func regionOrUnknown(region string) string {
	if region == "" {
		return unknownRegion
	}
	return region
}

// parseProblem names the problem behind a parse error.
func parseProblem(err error, number, region string) Problem {
	switch {
	case errors.Is(err, phonenumbers.ErrInvalidCountryCode):
		if region == "" && !hasInternationalPrefix(number) {
			return ProblemNoRegionGiven
		}
		return ProblemInvalidCountryCode
	case errors.Is(err, phonenumbers.ErrTooShortNSN), errors.Is(err, phonenumbers.ErrTooShortAfterIDD):
		return ProblemTooShort
	case errors.Is(err, phonenumbers.ErrNumTooLong):
		return ProblemTooLong
	default:
		return ProblemNotANumber
	}
}

// hasInternationalPrefix reports whether the number starts with a plus
// sign (ASCII or full-width), after any brackets or spaces.
func hasInternationalPrefix(number string) bool {
	s := strings.TrimLeft(number, " \t([")
	return strings.HasPrefix(s, "+") || strings.HasPrefix(s, "\uFF0B")
}

// typeOf names libphonenumber's number types.
func typeOf(t phonenumbers.PhoneNumberType) Type {
	switch t {
	case phonenumbers.MOBILE:
		return TypeMobile
	case phonenumbers.FIXED_LINE:
		return TypeFixedLine
	case phonenumbers.FIXED_LINE_OR_MOBILE:
		return TypeFixedLineOrMobile
	case phonenumbers.VOIP:
		return TypeVOIP
	case phonenumbers.TOLL_FREE:
		return TypeTollFree
	case phonenumbers.PREMIUM_RATE:
		return TypePremiumRate
	case phonenumbers.SHARED_COST:
		return TypeSharedCost
	case phonenumbers.PAGER:
		return TypePager
	case phonenumbers.UAN:
		return TypeUAN
	case phonenumbers.PERSONAL_NUMBER:
		return TypePersonal
	case phonenumbers.VOICEMAIL:
		return TypeVoicemail
	default:
		return TypeUnknown
	}
}

// regionName returns the English name of an ISO 3166-1 region, or "" for
// none.
func regionName(region string) string {
	if region == "" {
		return ""
	}
	r, err := language.ParseRegion(region)
	if err != nil {
		return ""
	}
	return display.English.Regions().Name(r)
}

// cut returns s cut to at most n bytes, at a character boundary.
func cut(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n]
}
