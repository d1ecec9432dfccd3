package phone

import (
	"fmt"
	"strings"
)

// What the user is told. Short sentences, no jargon (the GOV.UK style
// guide): "landline", "internet phone number (VOIP)".

// textChecklist lists what stops texts reaching a mobile that can get
// them, from the help pages codeprobe grew from.
var textChecklist = []string{
	"Check your phone isn't blocking texts from unknown senders or short numbers. Sign-in codes often come from a short number or a company name.",
	"If your phone's message inbox is full, delete some old messages.",
	"If you're abroad, check roaming is turned on. Some services don't send texts to every country.",
	"If you asked for lots of codes, wait 15 minutes, then ask for one new code. Services stop sending codes if you ask too often.",
}

// describe fills in what a valid number's type means for texts.
func (r *Result) describe() {
	where := r.place()
	confirm := r.confirmRegion()
	switch r.Type {
	case TypeMobile:
		r.SMS, r.Reason = SMSYes, "Mobile numbers can get text messages."
		r.Message = "This looks like a mobile number" + where + "."
		r.Advice = append([]string{confirm}, textChecklist...)
	case TypeFixedLineOrMobile:
		r.SMS, r.Reason = SMSYes, "It can get text messages if it's a mobile number. Landlines can't."
		r.Message = "This could be a mobile or a landline number" + where + ". Numbers here don't show which."
		r.Advice = append([]string{confirm, "If this is a landline, use a mobile number instead: landlines can't receive text messages."}, textChecklist...)
	case TypeVOIP:
		r.SMS, r.Reason = SMSUnlikely, "VOIP numbers can't receive sign-in codes from many services."
		r.Message = "This looks like an internet phone number (VOIP)" + where + ". VOIP numbers can't receive sign-in codes from many services."
		r.Advice = []string{"Use a number from a mobile network if you can.", callMeAdvice}
	case TypeFixedLine:
		r.SMS, r.Reason = SMSNo, "Landlines can't receive text messages."
		r.Message = "This looks like a landline" + where + ": landlines can't receive text messages."
		r.Advice = []string{"Use a mobile number instead.", callMeAdvice}
	case TypePager:
		r.SMS, r.Reason = SMSUnlikely, "Most services can't send sign-in codes to pagers."
		r.Message = "This looks like a pager number" + where + ". Most services can't send sign-in codes to pagers."
		r.Advice = []string{"Use a mobile number instead."}
	case TypePersonal:
		r.SMS, r.Reason = SMSUnlikely, "Personal numbers pass calls on to another phone, and many services won't send codes to them."
		r.Message = "This is a personal number" + where + ", which passes calls on to another phone. Many services won't send sign-in codes to it."
		r.Advice = []string{"Use the number of the mobile phone itself."}
	case TypeUnknown:
		r.SMS, r.Reason = SMSUnlikely, "We can't tell what kind of line this is."
		r.Message = "This is a valid number" + where + ", but we can't tell if it's a mobile."
		r.Advice = append([]string{confirm, "If this isn't a mobile number, use a mobile number instead."}, textChecklist...)
	default:
		r.SMS = SMSNo
		r.Reason = fmt.Sprintf("%s numbers can't receive text messages.", upperFirst(serviceNames[r.Type]))
		r.Message = "This is " + article(serviceNames[r.Type]) + " number" + where + ". These numbers can't receive text messages."
		r.Advice = []string{"Use a mobile number instead."}
	}
}

// callMeAdvice points to the voice-call option many services offer.
const callMeAdvice = "Some services can phone you and read the code out. Look for an option like \"Call me instead\"."

// serviceNames names the line types that are services, not phones.
var serviceNames = map[Type]string{
	TypeTollFree:    "free-to-call",
	TypePremiumRate: "premium-rate",
	TypeSharedCost:  "shared-cost",
	TypeUAN:         "company",
	TypeVoicemail:   "voicemail access",
}

// fail sets a problem and what it means for the user.
func (r Result) fail(p Problem) Result {
	r.Problem, r.Valid, r.SMS, r.Type = p, false, SMSNo, TypeUnknown
	r.Reason = "This isn't a valid phone number, so it can't get text messages."
	plus := "Start the number with + and the country code, for example +44 for the UK, or +1 for the US and Canada."
	switch p {
	case ProblemInvalidCountryCode:
		r.Message = "We don't recognise the country code at the start of this number. Check the digits after the +."
		r.Advice = []string{plus}
	case ProblemTooShort:
		r.Message = "This number is too short. Check you've typed all the digits."
		r.Advice = []string{"Include the area code or mobile code.", "If the number is from another country, " + lowerFirst(plus)}
	case ProblemTooLong:
		r.Message = "This number is too long. Check you haven't typed extra digits."
		r.Advice = []string{"Type one phone number only, with no other text."}
	case ProblemNoRegionGiven:
		r.Message = "Tell us which country this number is from, or start it with + and the country code."
		r.Advice = []string{plus}
	case ProblemNotValidForRegion:
		r.Message = "This isn't a valid phone number" + r.place() + ". Check the number and the country."
		r.Advice = []string{"Check you've typed every digit in the right order.", "If the number is from another country, " + lowerFirst(plus)}
	default:
		r.Message = "This doesn't look like a phone number. Use only digits, spaces and a + at the start."
		if strings.TrimSpace(r.Input) == "" {
			r.Message = "Enter your mobile phone number."
		}
		r.Advice = []string{plus}
	}
	return r
}

// place says where the number is, as " in the United Kingdom", or ""
// when it belongs to no country.
func (r *Result) place() string {
	if r.RegionName == "" || r.Region == "001" {
		return ""
	}
	return " in " + withThe(r.RegionName)
}

// confirmRegion asks the user to check the number's country.
func (r *Result) confirmRegion() string {
	if r.RegionName == "" || r.Region == "001" {
		return fmt.Sprintf("Check the country code is right: +%d.", r.CountryCode)
	}
	return fmt.Sprintf("Check this is the right country: %s (+%d).", r.RegionName, r.CountryCode)
}

// withThe puts "the" before country names that take it in English.
func withThe(name string) string {
	switch {
	case strings.HasPrefix(name, "United "),
		strings.HasSuffix(name, " Islands"),
		strings.HasSuffix(name, " Republic"),
		name == "Netherlands", name == "Philippines", name == "Bahamas",
		name == "Gambia", name == "Maldives", name == "Comoros",
		name == "Seychelles", name == "Vatican City", name == "Isle of Man":
		return "the " + name
	}
	return name
}

// article puts "a" or "an" before a word.
func article(word string) string {
	if word != "" && strings.ContainsRune("aeiou", rune(word[0])) {
		return "an " + word
	}
	return "a " + word
}

func upperFirst(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}

func lowerFirst(s string) string {
	if s == "" {
		return s
	}
	return strings.ToLower(s[:1]) + s[1:]
}
