package sitetest

import (
	"bytes"
	"image/png"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/nyaruka/phonenumbers"
	"github.com/pquerna/otp"
	"github.com/pquerna/otp/totp"
)

// appCode is the code an authenticator app with the manual key shows at
// t.
func appCode(t *testing.T, key string, at time.Time) string {
	t.Helper()
	code, err := totp.GenerateCodeCustom(strings.ReplaceAll(key, " ", ""), at,
		totp.ValidateOpts{Period: 30, Digits: otp.DigitsSix, Algorithm: otp.AlgorithmSHA1})
	if err != nil {
		t.Fatalf("code for key %q: %v", key, err)
	}
	return code
}

// startApp opens the authenticator path and returns the manual key.
func startApp(t *testing.T, c *Client) string {
	t.Helper()
	c.Get("/")
	c.Post("/", url.Values{"channel": {"app"}})
	if c.LastURL.Path != "/app" {
		t.Fatalf("after choosing the app: at %s", c.LastURL.Path)
	}
	key := TestID(c.Last, "manual-key")
	if len(strings.ReplaceAll(key, " ", "")) < 16 {
		t.Fatalf("manual key %q is too short", key)
	}
	return key
}

// TestAppEnrolment: the test enrolment shows a QR code (a real PNG) and
// the manual key, and keeps the same key on reload.
func TestAppEnrolment(t *testing.T) {
	s := Start(t, Options{})
	c := s.NewClient(t)
	key := startApp(t, c)
	if src := tidAttr(c.Last, "qr", "src"); src != "/app/qr.png" {
		t.Errorf("QR src %q", src)
	}
	if alt := tidAttr(c.Last, "qr", "alt"); alt == "" {
		t.Error("the QR code has no alt text")
	}
	resp, body := c.rawRequest(http.MethodGet, "/app/qr.png", nil, nil)
	if resp.StatusCode != http.StatusOK || resp.Header.Get("Content-Type") != "image/png" {
		t.Fatalf("QR: status %d, type %q", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	img, err := png.Decode(bytes.NewReader([]byte(body)))
	if err != nil {
		t.Fatalf("QR is not a PNG: %v", err)
	}
	if b := img.Bounds(); b.Dx() < 100 || b.Dy() < 100 {
		t.Errorf("QR is %dx%d", b.Dx(), b.Dy())
	}
	if again := TestID(c.Get("/app"), "manual-key"); again != key {
		t.Errorf("the key changed on reload: %q then %q", key, again)
	}
	// Another browser gets another secret.
	if other := startApp(t, s.NewClient(t)); other == key {
		t.Error("two sessions share a test secret")
	}
}

// TestAppDiagnosis types codes made at several clock errors, and the
// wizard names the error.
func TestAppDiagnosis(t *testing.T) {
	for _, tc := range []struct {
		name   string
		offset time.Duration
		kind   string
		says   []string
	}{
		{"on time", 0, "ok", []string{"The code works"}},
		{"95 s behind", -95 * time.Second, "skewed", []string{"seconds behind", "automatic date and time"}},
		{"2 h ahead", 2 * time.Hour, "timezone", []string{"time zone", "2 hours ahead"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s, clk := startClocked(t)
			c := s.NewClient(t)
			key := startApp(t, c)
			doc := c.Post("/app", url.Values{"code": {appCode(t, key, clk.Now().Add(tc.offset))}})
			if c.LastURL.Path != "/app/result" {
				t.Fatalf("at %s (status %d): %q", c.LastURL.Path, c.LastStatus, TestID(doc, "error-summary"))
			}
			if k := tidAttr(doc, "app-verdict", "data-kind"); k != tc.kind {
				t.Errorf("verdict %q (%s), want %s", k, TestID(doc, "app-verdict"), tc.kind)
			}
			got := TestID(doc, "app-verdict")
			for _, w := range tc.says {
				if !strings.Contains(got, w) {
					t.Errorf("verdict %q lacks %q", got, w)
				}
			}
		})
	}
}

// TestAppWrongAndMalformed: a code from another secret is wrong; letters
// are refused on the form.
func TestAppWrongAndMalformed(t *testing.T) {
	s, clk := startClocked(t)
	c := s.NewClient(t)
	startApp(t, c)
	other, err := totp.Generate(totp.GenerateOpts{Issuer: "elsewhere", AccountName: "x"})
	if err != nil {
		t.Fatal(err)
	}
	doc := c.Post("/app", url.Values{"code": {appCode(t, other.Secret(), clk.Now())}})
	if k := tidAttr(doc, "app-verdict", "data-kind"); k != "wrong" {
		t.Errorf("another secret's code: verdict %q (%s), want wrong", k, TestID(doc, "app-verdict"))
	}
	if h1 := strings.TrimSpace(doc.Find("h1").Text()); h1 != "That code doesn't match the test" {
		t.Errorf("heading %q", h1)
	}

	c.Get("/app")
	doc = c.Post("/app", url.Values{"code": {"12ab"}})
	if c.LastStatus != http.StatusUnprocessableEntity || c.LastURL.Path != "/app" {
		t.Errorf("12ab: status %d at %s, want 422 at /app", c.LastStatus, c.LastURL.Path)
	}
	if !Has(doc, "error-summary") || doc.Find("#code-error").Length() == 0 {
		t.Errorf("12ab: no error summary or field error")
	}
	if v := tidAttr(doc, "code", "value"); v != "12ab" {
		t.Errorf("12ab: the field keeps %q", v)
	}
	if !Has(doc, "manual-key") {
		t.Error("12ab: the error page lost the enrolment")
	}
}

// TestSMSNumbers: a VOIP, a mobile and a landline number are told apart.
func TestSMSNumbers(t *testing.T) {
	s := Start(t, Options{})
	example := func(typ phonenumbers.PhoneNumberType) string {
		n := phonenumbers.GetExampleNumberForType("GB", typ)
		if n == nil {
			t.Fatalf("no GB example of type %v", typ)
		}
		return phonenumbers.Format(n, phonenumbers.NATIONAL)
	}
	for _, tc := range []struct {
		name, number, verdict, says string
	}{
		{"voip", example(phonenumbers.VOIP), "voip", "VOIP numbers can't receive sign-in codes"},
		{"mobile", example(phonenumbers.MOBILE), "mobile", "This looks like a mobile number"},
		{"landline", example(phonenumbers.FIXED_LINE), "landline", "landlines can't receive text messages"},
	} {
		c := s.NewClient(t)
		c.Get("/")
		c.Post("/", url.Values{"channel": {"sms"}})
		doc := c.Post("/sms", url.Values{"number": {tc.number}, "region": {"GB"}})
		if c.LastURL.Path != "/sms/result" {
			t.Fatalf("%s %q: at %s (status %d): %q", tc.name, tc.number, c.LastURL.Path, c.LastStatus, TestID(doc, "error-summary"))
		}
		if v := tidAttr(doc, "sms-verdict", "data-verdict"); v != tc.verdict {
			t.Errorf("%s %q: verdict %q, want %s", tc.name, tc.number, v, tc.verdict)
		}
		if got := TestID(doc, "sms-verdict"); !strings.Contains(got, tc.says) || !strings.Contains(got, "+44") {
			t.Errorf("%s %q: verdict says %q", tc.name, tc.number, got)
		}
		if !Has(doc, "sms-checklist") {
			t.Errorf("%s: no checklist", tc.name)
		}
	}
}

// TestSMSInvalid: "123" is not a number the wizard can check, and the
// user is told beside the field or on the result.
func TestSMSInvalid(t *testing.T) {
	s := Start(t, Options{})
	c := s.NewClient(t)
	c.Get("/")
	c.Post("/", url.Values{"channel": {"sms"}})
	doc := c.Post("/sms", url.Values{"number": {"123"}, "region": {"GB"}})
	switch c.LastURL.Path {
	case "/sms":
		if c.LastStatus != http.StatusUnprocessableEntity || !Has(doc, "error-summary") {
			t.Errorf("status %d, summary %q", c.LastStatus, TestID(doc, "error-summary"))
		}
	case "/sms/result":
		if v := tidAttr(doc, "sms-verdict", "data-verdict"); v != "invalid" {
			t.Errorf("verdict %q, want invalid", v)
		}
		if h1 := strings.TrimSpace(doc.Find("h1").Text()); h1 != "That number isn't valid" {
			t.Errorf("heading %q", h1)
		}
	default:
		t.Fatalf("at %s", c.LastURL.Path)
	}
	c.Get("/sms")
	doc = c.Post("/sms", url.Values{"number": {""}, "region": {"GB"}})
	if c.LastStatus != http.StatusUnprocessableEntity || !strings.Contains(TestID(doc, "error-summary"), "Enter your mobile number") {
		t.Errorf("empty: status %d, summary %q", c.LastStatus, TestID(doc, "error-summary"))
	}
}

// TestSMSRegionFromBrowser: the country list starts at the browser's
// preferred region.
func TestSMSRegionFromBrowser(t *testing.T) {
	s := Start(t, Options{})
	c := s.NewClient(t)
	c.Get("/")
	c.Post("/", url.Values{"channel": {"sms"}})
	for _, tc := range []struct{ lang, want string }{
		{"de-AT,de;q=0.9,en;q=0.5", "AT"},
		{"en-US", "US"},
		{"fr", "GB"}, // no region: the default
		{"", "GB"},
	} {
		h := http.Header{}
		if tc.lang != "" {
			h.Set("Accept-Language", tc.lang)
		}
		_, body := c.rawRequest(http.MethodGet, "/sms", nil, h)
		doc := parseHTML(t, body)
		sel := doc.Find(`[data-testid="region"] option[selected]`)
		if v, _ := sel.Attr("value"); sel.Length() != 1 || v != tc.want {
			t.Errorf("Accept-Language %q: %d selected, %q, want %s", tc.lang, sel.Length(), v, tc.want)
		}
	}
}
