package sitetest

import (
	"compress/gzip"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/pquerna/otp"
	"github.com/pquerna/otp/totp"
)

// TestFailedSendIsShown: once a session has had its most test codes, the
// next request sends nothing, and the status page says so instead of
// "Sending…" for ever.
func TestFailedSendIsShown(t *testing.T) {
	s, clk := startClocked(t)
	c := s.NewClient(t)
	chooseEmail(t, c, "ann@gmail.com")
	var doc = c.Last
	for i := 1; i <= 21; i++ {
		clk.Advance(21 * time.Minute) // past every rate limit
		c.Get("/email/result")
		c.Post("/email/send", nil)
		s.Server.Wait()
		doc = c.Get("/email/status")
	}
	if st := tidAttr(doc, "send-state", "data-state"); st != "failed" {
		t.Fatalf("after 21 requests the newest is %q: %q; want failed", st, TestID(doc, "live-status"))
	}
	if got := TestID(doc, "send-state"); !strings.Contains(got, "Start again") {
		t.Errorf("the failure does not say what to do: %q", got)
	}
}

// TestMixedCaseAddressInConsole: an address typed as Ann@Gmail.COM in the
// wizard is the same user as ann@gmail.com in the console.
func TestMixedCaseAddressInConsole(t *testing.T) {
	s := Start(t, Options{})
	c := s.NewClient(t)
	sendTestCode(t, s, c, "Ann@Gmail.COM")
	a := s.NewClient(t)
	agentLoginDemo(t, s, a)
	doc := a.Get("/agent?q=ANN%40gmail.com")
	if a.LastURL.Path != "/agent/address/ann@gmail.com" {
		t.Fatalf("look-up went to %s", a.LastURL.Path)
	}
	if n := doc.Find(`[data-testid="send"]`).Length(); n != 1 {
		t.Errorf("the console shows %d sends to ann@gmail.com, want the wizard's 1", n)
	}
	if !Has(doc, "wizard-sessions") {
		t.Error("the console does not list the wizard session")
	}
}

// TestRefineRejectsMalformedCode: the "next code" form checks its input
// like the first form and keeps the clock diagnosis.
func TestRefineRejectsMalformedCode(t *testing.T) {
	base := time.Date(2026, 11, 22, 10, 0, 15, 0, time.UTC)
	s := Start(t, Options{Now: func() time.Time { return base }})
	c := s.NewClient(t)
	c.Get("/")
	c.Post("/", url.Values{"channel": {"app"}})
	key := strings.ReplaceAll(TestID(c.Last, "manual-key"), " ", "")
	c.Post("/app", url.Values{"code": {totpAt(t, key, base.Add(-95*time.Second))}})
	doc := c.Post("/app", url.Values{"code": {"12345"}, "refine": {"1"}})
	if c.LastStatus != http.StatusUnprocessableEntity || !Has(doc, "error-summary") {
		t.Fatalf("a 5-digit next code: status %d, want 422 with the error", c.LastStatus)
	}
	if k := tidAttr(doc, "app-verdict", "data-kind"); k != "skewed" {
		t.Errorf("the page now says %q, want the skewed diagnosis kept", k)
	}
}

// TestGzipLeavesRangesAlone: a byte range of the stylesheet is sent as
// it is, not compressed, and a compressed whole has a weak ETag.
func TestGzipLeavesRangesAlone(t *testing.T) {
	s := Start(t, Options{})
	get := func(h http.Header) *httptest.ResponseRecorder {
		req := httptest.NewRequest(http.MethodGet, "/static/site.css", nil)
		req.Header = h
		rec := httptest.NewRecorder()
		s.Server.ServeHTTP(rec, req)
		return rec
	}
	rec := get(http.Header{"Range": {"bytes=0-99"}, "Accept-Encoding": {"gzip"}})
	if rec.Code != http.StatusPartialContent || rec.Header().Get("Content-Encoding") != "" || rec.Body.Len() != 100 {
		t.Errorf("range: %d, encoding %q, %d bytes; want 206, none, 100", rec.Code, rec.Header().Get("Content-Encoding"), rec.Body.Len())
	}
	rec = get(http.Header{"Accept-Encoding": {"gzip"}})
	if !strings.HasPrefix(rec.Header().Get("ETag"), "W/") {
		t.Errorf("compressed ETag %q is not weak", rec.Header().Get("ETag"))
	}
	zr, err := gzip.NewReader(rec.Body)
	if err != nil {
		t.Fatal(err)
	}
	if b, _ := io.ReadAll(zr); !strings.Contains(string(b), ".cp-skip") {
		t.Error("the compressed stylesheet does not decompress to the stylesheet")
	}
	for _, ae := range []string{"gzip;q=0", "gzip;q=0.0", "gzip; q=0.000"} {
		if enc := get(http.Header{"Accept-Encoding": {ae}}).Header().Get("Content-Encoding"); enc != "" {
			t.Errorf("Accept-Encoding %q got %q", ae, enc)
		}
	}
}

// TestMetricsOnlyFromThisMachine: /metrics answers loopback clients only.
func TestMetricsOnlyFromThisMachine(t *testing.T) {
	s := Start(t, Options{})
	for addr, want := range map[string]int{"127.0.0.1:5000": 200, "192.0.2.7:5000": 404} {
		req := httptest.NewRequest(http.MethodGet, "/metrics", nil)
		req.RemoteAddr = addr
		rec := httptest.NewRecorder()
		s.Server.ServeHTTP(rec, req)
		if rec.Code != want {
			t.Errorf("/metrics from %s: %d, want %d", addr, rec.Code, want)
		}
	}
}

// totpAt is the code an authenticator app shows for key at phone time.
func totpAt(t *testing.T, key string, phone time.Time) string {
	t.Helper()
	v, err := totp.GenerateCodeCustom(key, phone, totp.ValidateOpts{Period: 30, Digits: otp.DigitsSix, Algorithm: otp.AlgorithmSHA1})
	if err != nil {
		t.Fatal(err)
	}
	return v
}
