package wizard

import (
	"html"
	"net/http"
	"slices"
	"strings"
	"sync"

	"github.com/a-h/templ"
	"github.com/nyaruka/phonenumbers"
	"golang.org/x/text/language"
	"golang.org/x/text/language/display"

	"github.com/codeprobe/codeprobe/diagnose/phone"
	"github.com/codeprobe/codeprobe/ui/layout"
)

// maxPhoneInput bounds the number field.
const maxPhoneInput = 64

// region is one choice of the country list.
type region struct{ Code, Name string }

var (
	regionsOnce sync.Once
	regionList  []region
)

// regions lists every region phonenumbers knows, by English name.
func regions() []region {
	regionsOnce.Do(func() {
		names := display.English.Regions()
		for code := range phonenumbers.GetSupportedRegions() {
			name := code
			if r, err := language.ParseRegion(code); err == nil {
				if n := names.Name(r); n != "" {
					name = n
				}
			}
			regionList = append(regionList, region{Code: code, Name: name})
		}
		slices.SortFunc(regionList, func(a, b region) int { return strings.Compare(a.Name, b.Name) })
	})
	return regionList
}

// regionOptionsHTML caches the country list's <option> elements, one
// rendering per selected region: the list is long (some 245 entries) and
// never changes.
var regionOptionsHTML sync.Map // region code → string

// regionOptions returns the list's options with selected chosen.
func regionOptions(selected string) templ.Component {
	if v, ok := regionOptionsHTML.Load(selected); ok {
		return templ.Raw(v.(string))
	}
	var b strings.Builder
	for _, rg := range regions() {
		b.WriteString(`<option value="`)
		b.WriteString(html.EscapeString(rg.Code))
		b.WriteByte('"')
		if rg.Code == selected {
			b.WriteString(" selected")
		}
		b.WriteByte('>')
		b.WriteString(html.EscapeString(rg.Name))
		b.WriteString("</option>")
	}
	regionOptionsHTML.Store(selected, b.String())
	return templ.Raw(b.String())
}

// smsView is the number page.
type smsView struct {
	Number, Region string
	Error          string
}

// defaultRegion guesses the user's country from the browser's preferred
// language ("en-GB" → GB), for the country list's default.
func defaultRegion(r *http.Request) string {
	tags, _, err := language.ParseAcceptLanguage(r.Header.Get("Accept-Language"))
	if err == nil {
		for _, t := range tags {
			if reg, conf := t.Region(); conf == language.Exact || conf == language.High {
				if phonenumbers.GetCountryCodeForRegion(reg.String()) != 0 {
					return reg.String()
				}
			}
		}
	}
	return "GB"
}

func (h *Handler) getSMS(w http.ResponseWriter, r *http.Request, s *session) {
	v := smsView{Region: defaultRegion(r)}
	if s.st.SMS != nil {
		v.Number, v.Region = s.st.SMS.Typed, s.st.SMS.Region
	}
	h.render(w, r, http.StatusOK, smsPage(h.page(s, "What mobile number should the code go to?", "/"), v, s.csrf()))
}

func (h *Handler) postSMS(w http.ResponseWriter, r *http.Request, s *session) {
	v := smsView{Number: strings.TrimSpace(r.PostFormValue("number")), Region: r.PostFormValue("region")}
	if phonenumbers.GetCountryCodeForRegion(v.Region) == 0 {
		v.Region = ""
	}
	switch {
	case v.Number == "":
		v.Error = "Enter your mobile number"
	case len(v.Number) > maxPhoneInput:
		v.Error = "That is too long for a phone number"
	}
	var res phone.Result
	if v.Error == "" {
		res = phone.Check(v.Number, v.Region)
		if res.Problem == phone.ProblemNotANumber || res.Problem == phone.ProblemNoRegionGiven {
			v.Error = res.Message
		}
	}
	if v.Error != "" {
		v.Number = v.Number[:min(len(v.Number), maxPhoneInput)]
		p := h.page(s, "What mobile number should the code go to?", "/")
		p.Errors = []layout.FieldError{{Field: "number", Message: v.Error}}
		h.render(w, r, http.StatusUnprocessableEntity, smsPage(p, v, s.csrf()))
		return
	}
	s.st.SMS = &SMSState{Typed: v.Number, Region: res.Region, E164: res.E164, Type: string(res.Type),
		Verdict: smsVerdict(res), Message: res.Message, Advice: res.Advice, RegionName: res.RegionName}
	s.st.record(h.now(), "checked a phone number: "+s.st.SMS.Verdict)
	h.saveAndGo(w, r, s, "/sms/result")
}

// smsVerdict sums a number up as the agent console ranks it: invalid,
// voip, landline, mobile or unknown.
func smsVerdict(res phone.Result) string {
	switch {
	case !res.Valid:
		return "invalid"
	case res.Type == phone.TypeVOIP:
		return "voip"
	case res.Type == phone.TypeFixedLine:
		return "landline"
	case res.Type == phone.TypeMobile:
		return "mobile"
	}
	return "unknown"
}

func (h *Handler) getSMSResult(w http.ResponseWriter, r *http.Request, s *session) {
	if s.st.SMS == nil {
		redirect(w, r, "/sms")
		return
	}
	h.render(w, r, http.StatusOK, smsResultPage(h.page(s, smsHeadline(s.st.SMS.Verdict), "/sms"), s.st.SMS))
}

func smsHeadline(verdict string) string {
	switch verdict {
	case "invalid":
		return "That number isn't valid"
	case "voip":
		return "That is an internet phone (VOIP) number"
	case "landline":
		return "That looks like a landline"
	case "mobile":
		return "That is a mobile number"
	}
	return "We can't tell if that is a mobile number"
}
