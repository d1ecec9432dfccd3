package sitetest

import (
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/nyaruka/phonenumbers"
	"github.com/pquerna/otp"
	"github.com/pquerna/otp/totp"
)

// TestBrowserAppSkewedClock enrols the test account by its typed key, as a
// user who cannot scan the QR code does, and types the code an app shows
// on a phone whose clock is 95 seconds behind: the wizard says how far
// behind, as a range (one code pins the clock to a 30-second step), and
// tells the user to turn on automatic time.
func TestBrowserAppSkewedClock(t *testing.T) {
	// The site's clock stands still 15 seconds into a 30-second step, so
	// the phone's step and the range the wizard can give are fixed: the
	// phone is in the step 3 before, between 75 and 105 seconds behind.
	now := time.Now().UTC().Truncate(30 * time.Second).Add(15 * time.Second)
	s := Start(t, Options{Now: func() time.Time { return now }})
	tab := browserTab(t, nil)

	tabChooseChannel(t, tab, s, "app")
	tab.Click("summary") // "Can't scan it? Type the key instead"
	key := strings.ReplaceAll(tab.Text(byTestID("manual-key")), " ", "")
	if key == "" {
		t.Fatal("the page shows no setup key")
	}
	tab.Screenshot("1-enrol")

	const skew = -95 * time.Second
	code, err := totp.GenerateCodeCustom(key, now.Add(skew), totp.ValidateOpts{
		Period: 30, Digits: otp.DigitsSix, Algorithm: otp.AlgorithmSHA1})
	if err != nil {
		t.Fatalf("computing the phone's code from the page's key %q: %v", key, err)
	}
	tab.Fill(byTestID("code"), code)
	tab.ClickAndWaitLoad(byTestID("check-code"))
	wantTabPath(t, tab, "/app/result")
	tab.WaitVisible(byTestID("app-verdict") + `[data-kind="skewed"]`)
	tab.Screenshot("2-clock-behind")

	if h1 := tab.Text("h1"); h1 != "Your phone's clock is wrong" {
		t.Errorf("heading %q, want that the phone's clock is wrong", h1)
	}
	verdict := tab.Text(byTestID("app-verdict"))
	m := regexp.MustCompile(`between (\d+) and (\d+) seconds behind`).FindStringSubmatch(verdict)
	if m == nil {
		t.Fatalf("verdict %q does not give a range of seconds behind", verdict)
	}
	lo, _ := strconv.Atoi(m[1])
	hi, _ := strconv.Atoi(m[2])
	if lo != 75 || hi != 105 {
		t.Errorf("verdict %q, want between 75 and 105 seconds behind (the step around 95)", verdict)
	}
	for _, want := range []string{"Turn on automatic date and time", "Set time automatically", "Set Automatically"} {
		if !strings.Contains(verdict, want) {
			t.Errorf("verdict %q lacks the advice %q", verdict, want)
		}
	}
}

// TestBrowserSMSVoip checks an internet phone number: the wizard says a
// VOIP number can't receive the codes of many services.
func TestBrowserSMSVoip(t *testing.T) {
	s := Start(t, Options{})
	tab := browserTab(t, nil)
	num := phonenumbers.GetExampleNumberForType("GB", phonenumbers.VOIP)
	if num == nil {
		t.Fatal("phonenumbers has no example GB VOIP number")
	}
	typed := phonenumbers.Format(num, phonenumbers.INTERNATIONAL)

	tabChooseChannel(t, tab, s, "sms")
	tab.Fill(byTestID("number"), typed)
	tab.Screenshot("1-number")
	tab.ClickAndWaitLoad(byTestID("continue"))
	wantTabPath(t, tab, "/sms/result")
	tab.WaitVisible(byTestID("sms-verdict") + `[data-verdict="voip"]`)
	tab.Screenshot("2-voip")

	e164 := phonenumbers.Format(num, phonenumbers.E164)
	if got := tab.Text(byTestID("sms-number")); !strings.Contains(got, e164) {
		t.Errorf("number shown %q, want %s", got, e164)
	}
	if got := tab.Text(byTestID("sms-verdict")); !strings.Contains(got, "VOIP numbers can't receive") {
		t.Errorf("verdict %q does not say VOIP numbers can't receive codes", got)
	}
}
