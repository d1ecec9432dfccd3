package sitetest

import (
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/pquerna/otp"
	"github.com/pquerna/otp/totp"
)

// clock is a settable clock for the site.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) now() time.Time  { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) set(t time.Time) { c.mu.Lock(); defer c.mu.Unlock(); c.t = t }

// TestAppSkewMeasuredToTheSecond: a phone 95 seconds behind. The first
// code, read just before the app's code changes, places the error within
// 30 seconds; the next code, typed as soon as it appears, narrows it to
// "about 95 seconds", which the page then says.
func TestAppSkewMeasuredToTheSecond(t *testing.T) {
	base := time.Date(2026, 11, 22, 10, 0, 0, 0, time.UTC) // a 30-second step boundary
	const behind = 95 * time.Second
	clk := &clock{t: base.Add(behind + 29*time.Second)} // the phone shows base+29s: its code is about to change
	s := Start(t, Options{Now: clk.now})
	c := s.NewClient(t)
	c.Get("/")
	c.Post("/", url.Values{"channel": {"app"}})
	key := strings.ReplaceAll(TestID(c.Last, "manual-key"), " ", "")
	if key == "" {
		t.Fatal("the enrolment page shows no key")
	}
	code := func(phone time.Time) string {
		v, err := totp.GenerateCodeCustom(key, phone, totp.ValidateOpts{Period: 30, Digits: otp.DigitsSix, Algorithm: otp.AlgorithmSHA1})
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	doc := c.Post("/app", url.Values{"code": {code(clk.now().Add(-behind))}})
	first := TestID(doc, "app-verdict")
	if k, _ := doc.Find(`[data-testid="app-verdict"]`).Attr("data-kind"); k != "skewed" || !strings.Contains(first, "between") {
		t.Fatalf("first code: %q (%s), want skewed with a range", k, first)
	}
	if !Has(doc, "refine-form") {
		t.Fatal("no form to type the next code")
	}
	clk.set(base.Add(behind + 31*time.Second)) // the app's new code, typed a second after it appeared
	doc = c.Post("/app", url.Values{"code": {code(clk.now().Add(-behind))}, "refine": {"1"}})
	got := TestID(doc, "app-verdict")
	if !strings.Contains(got, "about 9") || !strings.Contains(got, "seconds behind") {
		t.Errorf("after the second code: %q, want about 95 seconds behind", got)
	}
	if Has(doc, "refine-form") {
		t.Error("the refined result still offers to refine")
	}
}
