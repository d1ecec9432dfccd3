package phone

import (
	"strings"
	"testing"

	"github.com/nyaruka/phonenumbers"
)

// example returns the library's own example number of a type for a
// region, or fails the test when the metadata has none.
func example(t *testing.T, region string, typ phonenumbers.PhoneNumberType) *phonenumbers.PhoneNumber {
	t.Helper()
	n := phonenumbers.GetExampleNumberForType(region, typ)
	if n == nil {
		t.Fatalf("no example number of type %d for %s", typ, region)
	}
	return n
}

// TestExampleNumbers checks the metadata's own examples come out as the
// type they are, with the texting answer a user of that line would need.
func TestExampleNumbers(t *testing.T) {
	mobile := phonenumbers.MOBILE
	fixed := phonenumbers.FIXED_LINE
	voip := phonenumbers.VOIP
	tests := []struct {
		region, name string
		typ          phonenumbers.PhoneNumberType
		want         Type
		sms          SMS
		says         string
	}{
		{"GB", "United Kingdom", mobile, TypeMobile, SMSYes, "mobile number in the United Kingdom"},
		{"GB", "United Kingdom", fixed, TypeFixedLine, SMSNo, "landlines can't receive text messages"},
		{"GB", "United Kingdom", voip, TypeVOIP, SMSUnlikely, "VOIP numbers can't receive sign-in codes from many services"},
		{"US", "United States", mobile, TypeFixedLineOrMobile, SMSYes, "mobile or a landline number in the United States"},
		{"US", "United States", fixed, TypeFixedLineOrMobile, SMSYes, "mobile or a landline"},
		{"DE", "Germany", mobile, TypeMobile, SMSYes, "mobile number in Germany"},
		{"DE", "Germany", fixed, TypeFixedLine, SMSNo, "landline in Germany"},
		{"FR", "France", mobile, TypeMobile, SMSYes, "mobile number in France"},
		{"FR", "France", fixed, TypeFixedLine, SMSNo, "landline in France"},
		{"FR", "France", voip, TypeVOIP, SMSUnlikely, "VOIP"},
		{"IN", "India", mobile, TypeMobile, SMSYes, "mobile number in India"},
		{"IN", "India", fixed, TypeFixedLineOrMobile, SMSYes, "mobile or a landline"},
		{"NG", "Nigeria", mobile, TypeMobile, SMSYes, "mobile number in Nigeria"},
		{"NG", "Nigeria", fixed, TypeFixedLine, SMSNo, "landline in Nigeria"},
	}
	for _, tt := range tests {
		n := example(t, tt.region, tt.typ)
		e164 := phonenumbers.Format(n, phonenumbers.E164)
		national := phonenumbers.Format(n, phonenumbers.NATIONAL)
		for _, in := range []struct{ number, region string }{{e164, ""}, {national, tt.region}, {e164, "GB"}} {
			r := Check(in.number, in.region)
			if !r.Valid || r.Problem != "" {
				t.Errorf("Check(%q, %q): valid %v, problem %q; want a valid number", in.number, in.region, r.Valid, r.Problem)
				continue
			}
			if r.Type != tt.want || r.SMS != tt.sms {
				t.Errorf("Check(%q, %q): type %s, SMS %s; want %s, %s", in.number, in.region, r.Type, r.SMS, tt.want, tt.sms)
			}
			if r.Region != tt.region || r.RegionName != tt.name || r.E164 != e164 {
				t.Errorf("Check(%q, %q): %s %q %s; want %s %q %s", in.number, in.region, r.Region, r.RegionName, r.E164, tt.region, tt.name, e164)
			}
			if !strings.Contains(r.Message, tt.says) {
				t.Errorf("Check(%q, %q).Message = %q; want it to say %q", in.number, in.region, r.Message, tt.says)
			}
			if r.Reason == "" || len(r.Advice) == 0 {
				t.Errorf("Check(%q, %q): no reason or advice", in.number, in.region)
			}
		}
	}
}

// TestMobileChecklist checks a mobile gets the region to confirm first,
// then the reasons texts go missing.
func TestMobileChecklist(t *testing.T) {
	r := Check("+44 7400 123456", "")
	if len(r.Advice) < 5 {
		t.Fatalf("Advice = %q; want the region and the checklist", r.Advice)
	}
	if r.Advice[0] != "Check this is the right country: United Kingdom (+44)." {
		t.Errorf("first advice = %q; want the region to confirm", r.Advice[0])
	}
	all := strings.Join(r.Advice, "\n")
	for _, want := range []string{"unknown senders", "inbox is full", "roaming", "wait 15 minutes"} {
		if !strings.Contains(all, want) {
			t.Errorf("Advice lacks %q:\n%s", want, all)
		}
	}
}

// TestRegionFromCountryCode checks a +CC number is placed in its own
// country, whatever the default region says.
func TestRegionFromCountryCode(t *testing.T) {
	tests := []struct {
		number, defaultRegion string
		region, name          string
		cc                    int
		national              string
	}{
		{"+33 6 12 34 56 78", "GB", "FR", "France", 33, "06 12 34 56 78"},
		{"+49 151 23456789", "", "DE", "Germany", 49, "01512 3456789"},
		{"+234 802 123 4567", "US", "NG", "Nigeria", 234, "0802 123 4567"},
		{"0033 6 12 34 56 78", "GB", "FR", "France", 33, "06 12 34 56 78"},
		{"+1 416 555 0123", "GB", "CA", "Canada", 1, "(416) 555-0123"},
	}
	for _, tt := range tests {
		r := Check(tt.number, tt.defaultRegion)
		if !r.Valid || r.Region != tt.region || r.RegionName != tt.name || r.CountryCode != tt.cc || r.National != tt.national {
			t.Errorf("Check(%q, %q) = valid %v, %s %q +%d %q; want %s %q +%d %q",
				tt.number, tt.defaultRegion, r.Valid, r.Region, r.RegionName, r.CountryCode, r.National,
				tt.region, tt.name, tt.cc, tt.national)
		}
	}
}

// TestDefaultRegion checks a number typed the national way is read in
// the region given, and that without one the user is asked for it.
func TestDefaultRegion(t *testing.T) {
	tests := []struct {
		number, region string
		e164, intl     string
	}{
		{"07400 123456", "GB", "+447400123456", "+44 7400 123456"},
		{"07400 123456", "gb", "+447400123456", "+44 7400 123456"},
		{"(201) 555-0123", "US", "+12015550123", "+1 201-555-0123"},
		{"06 12 34 56 78", "FR", "+33612345678", "+33 6 12 34 56 78"},
		{"0151 23456789", "DE", "+4915123456789", "+49 1512 3456789"},
		{"081234 56789", "IN", "+918123456789", "+91 81234 56789"},
	}
	for _, tt := range tests {
		r := Check(tt.number, tt.region)
		if !r.Valid || r.E164 != tt.e164 || r.International != tt.intl {
			t.Errorf("Check(%q, %q) = valid %v %q %q; want %q %q", tt.number, tt.region, r.Valid, r.E164, r.International, tt.e164, tt.intl)
		}
		r = Check(tt.number, "")
		if r.Problem != ProblemNoRegionGiven || !strings.Contains(r.Message, "which country") {
			t.Errorf("Check(%q, \"\") = %q %q; want to be asked for the country", tt.number, r.Problem, r.Message)
		}
	}
}

// TestInvalid checks each kind of bad input is named and explained.
func TestInvalid(t *testing.T) {
	tests := []struct {
		number, region string
		problem        Problem
		says           string
	}{
		{"", "GB", ProblemNotANumber, "Enter your mobile phone number"},
		{"   ", "", ProblemNotANumber, "Enter your mobile phone number"},
		{"hello", "GB", ProblemNotANumber, "doesn't look like a phone number"},
		{"+", "", ProblemNotANumber, "doesn't look like a phone number"},
		{"+999 1234 5678", "", ProblemInvalidCountryCode, "country code"},
		{"+999 1234 5678", "GB", ProblemInvalidCountryCode, "country code"},
		{"07400 123456", "", ProblemNoRegionGiven, "which country"},
		{"07400 123456", "XX", ProblemNoRegionGiven, "which country"},
		{"0044 7400 123456", "", ProblemNoRegionGiven, "which country"},
		{"123", "GB", ProblemTooShort, "too short"},
		{"+44 12", "", ProblemTooShort, "too short"},
		{"+44 7400 1234567890", "", ProblemTooLong, "too long"},
		{"+" + strings.Repeat("4", MaxInput), "", ProblemTooLong, "too long"},
		{"+44 7400 12345", "", ProblemNotValidForRegion, "isn't a valid phone number in the United Kingdom"},
		{"+1 011 555 0123", "", ProblemNotValidForRegion, "isn't a valid phone number"},
	}
	for _, tt := range tests {
		r := Check(tt.number, tt.region)
		if r.Valid || r.Problem != tt.problem || r.SMS != SMSNo {
			t.Errorf("Check(%q, %q) = valid %v, problem %q, SMS %s; want %q, no", tt.number, tt.region, r.Valid, r.Problem, r.SMS, tt.problem)
		}
		if !strings.Contains(r.Message, tt.says) || len(r.Advice) == 0 {
			t.Errorf("Check(%q, %q).Message = %q; want it to say %q, with advice", tt.number, tt.region, r.Message, tt.says)
		}
	}
}

// TestLengthBound checks a long input is refused before parsing and not
// echoed back whole.
func TestLengthBound(t *testing.T) {
	long := "+44 7400 123456" + strings.Repeat(" ext 1", 1000)
	r := Check(long, "GB")
	if r.Problem != ProblemTooLong || r.Valid {
		t.Errorf("Check(long) = problem %q, valid %v; want too-long", r.Problem, r.Valid)
	}
	if len(r.Input) > MaxInput {
		t.Errorf("len(Input) = %d; want at most %d", len(r.Input), MaxInput)
	}
	// Cut at a character boundary: 63 ASCII bytes then a 3-byte "＋".
	r = Check(strings.Repeat("1", MaxInput-1)+"＋", "")
	if len(r.Input) != MaxInput-1 {
		t.Errorf("len(Input) = %d; want %d, cut before the partial character", len(r.Input), MaxInput-1)
	}
	// Surrounding spaces don't count against the bound.
	r = Check(strings.Repeat(" ", 100)+"+44 7400 123456"+strings.Repeat(" ", 100), "")
	if !r.Valid {
		t.Errorf("padded number: problem %q; want valid", r.Problem)
	}
}

// TestServiceNumbers checks numbers that are services, not phones, are
// called out as unable to get texts.
func TestServiceNumbers(t *testing.T) {
	tests := []struct {
		number string
		typ    Type
		says   string
	}{
		{"+800 1234 5678", TypeTollFree, "This is a free-to-call number. These numbers can't receive text messages."},
		{"+44 800 123 4567", TypeTollFree, "free-to-call number in the United Kingdom"},
		{"+44 9090 123456", TypePremiumRate, "a premium-rate number in the United Kingdom"},
		{"+44 7012 345678", TypePersonal, "personal number"},
		{"+44 7640 123456", TypePager, "pager"},
		{"+44 5512 345678", TypeUAN, "a company number"},
	}
	for _, tt := range tests {
		r := Check(tt.number, "")
		if !r.Valid || r.Type != tt.typ || r.SMS == SMSYes {
			t.Errorf("Check(%q) = valid %v, type %s, SMS %s; want valid %s, not yes", tt.number, r.Valid, r.Type, r.SMS, tt.typ)
		}
		if !strings.Contains(r.Message, tt.says) {
			t.Errorf("Check(%q).Message = %q; want it to say %q", tt.number, r.Message, tt.says)
		}
	}
}

func BenchmarkCheck(b *testing.B) {
	inputs := []struct{ number, region string }{
		{"+44 7400 123456", ""},
		{"07400 123456", "GB"},
		{"(201) 555-0123", "US"},
		{"+33 9 12 34 56 78", ""},
		{"+999 1234", ""},
	}
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		in := inputs[i%len(inputs)]
		Check(in.number, in.region)
		i++
	}
}
