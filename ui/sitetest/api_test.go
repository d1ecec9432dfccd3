package sitetest

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"
)

// apiToken issues an API token for the demo agent.
func apiToken(t *testing.T, s *Site) string {
	t.Helper()
	tok, _, err := s.Server.Auth.IssueToken(context.Background(), "demo", time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

func bearer(tok string) http.Header { return http.Header{"Authorization": {"Bearer " + tok}} }

// TestSendRateLimit: a third test code to one address within 20 minutes
// is refused with the time to try again, by the wizard and by the API
// alike, and allowed again once that time has come.
func TestSendRateLimit(t *testing.T) {
	s, clk := startClocked(t)
	c := s.NewClient(t)
	sendTestCode(t, s, c, "ann@gmail.com")
	c.Get("/email/result")
	c.Post("/email/send", nil)
	if c.LastURL.Path != "/email/status" {
		t.Fatalf("second send: at %s (status %d)", c.LastURL.Path, c.LastStatus)
	}
	s.Server.Wait()

	// The result page no longer offers the button; a page opened earlier
	// (another tab) still posts.
	c.Get("/email")
	resp, body := c.postRawForm("/email/send", url.Values{"csrf": {c.formCSRF()}}, s.URL)
	if resp.StatusCode != http.StatusTooManyRequests {
		t.Fatalf("third send: status %d, want 429", resp.StatusCode)
	}
	if resp.Header.Get("Retry-After") == "" {
		t.Error("third send: no Retry-After")
	}
	doc := parseHTML(t, body)
	const when = "10:22:00 UTC" // two sends at 10:02, then one each 20 minutes
	if got := TestID(doc, "error-summary"); !strings.Contains(got, "You can ask for another at "+when) {
		t.Errorf("third send: summary %q, want the time %s", got, when)
	}
	if Has(doc, "send") {
		t.Error("the refusal page still offers the send button")
	}
	doc = c.Get("/email/result")
	if got := TestID(doc, "send-limited"); !strings.Contains(got, when) || Has(doc, "send") {
		t.Errorf("result page after the limit: %q, send button %v", got, Has(doc, "send"))
	}
	if sends, _ := s.Demo.Store.SendsByAddress(context.Background(), "ann@gmail.com", 10); len(sends) != 2 {
		t.Errorf("%d sends stored, want 2", len(sends))
	}

	// The API's sends take from the same address bucket.
	tok := apiToken(t, s)
	h := bearer(tok)
	h.Set("Content-Type", "application/json")
	resp, body = c.rawRequest(http.MethodPost, "/api/v1/sends", strings.NewReader(`{"address":"Ann@Gmail.com"}`), h)
	if resp.StatusCode != http.StatusTooManyRequests {
		t.Fatalf("API send: status %d, want 429: %s", resp.StatusCode, body)
	}
	var limited struct {
		Error   string    `json:"error"`
		RetryAt time.Time `json:"retry_at"`
	}
	if err := json.Unmarshal([]byte(body), &limited); err != nil || limited.Error == "" {
		t.Fatalf("API 429 body %q: %v", body, err)
	}
	if want := siteEpoch.Add(20 * time.Minute); !limited.RetryAt.Equal(want) {
		t.Errorf("retry_at %s, want %s", limited.RetryAt, want)
	}

	clk.Advance(limited.RetryAt.Sub(clk.Now()) + time.Second)
	doc = c.Get("/email/result")
	if !Has(doc, "send") {
		t.Fatalf("after %s: no send button (%q)", when, TestID(doc, "send-limited"))
	}
	c.Post("/email/send", nil)
	if c.LastURL.Path != "/email/status" {
		t.Errorf("send after the wait: at %s (status %d)", c.LastURL.Path, c.LastStatus)
	}
	s.Server.Wait()
}

// TestAPI: the rules are public; everything else needs an agent, by API
// token or by a signed-in browser with its CSRF token on POST.
func TestAPI(t *testing.T) {
	s := Start(t, Options{})
	c := s.NewClient(t)

	resp, body := c.rawRequest(http.MethodGet, "/api/v1/rules", nil, nil)
	var rules []map[string]any
	if resp.StatusCode != http.StatusOK || json.Unmarshal([]byte(body), &rules) != nil || len(rules) < 10 {
		t.Fatalf("rules: status %d, %d rules", resp.StatusCode, len(rules))
	}

	resp, body = c.rawRequest(http.MethodGet, "/api/v1/check?address=ann@gmail.com", nil, nil)
	if resp.StatusCode != http.StatusUnauthorized || !strings.Contains(body, `"error"`) {
		t.Errorf("check without credentials: status %d, %.100s", resp.StatusCode, body)
	}
	resp, body = c.rawRequest(http.MethodGet, "/api/v1/check?address=ann@gmail.com", nil, bearer("cpt_"+strings.Repeat("A", 43)))
	if resp.StatusCode != http.StatusUnauthorized || !strings.Contains(resp.Header.Get("WWW-Authenticate"), "invalid_token") {
		t.Errorf("check with a bad token: status %d, WWW-Authenticate %q", resp.StatusCode, resp.Header.Get("WWW-Authenticate"))
	}
	tok := apiToken(t, s)
	resp, body = c.rawRequest(http.MethodGet, "/api/v1/check?address=ann@gmail.com", nil, bearer(tok))
	var rep struct {
		Address  string `json:"address"`
		Provider string `json:"provider"`
		Findings []struct {
			ID string `json:"id"`
		} `json:"findings"`
	}
	if resp.StatusCode != http.StatusOK || json.Unmarshal([]byte(body), &rep) != nil || rep.Address != "ann@gmail.com" || len(rep.Findings) == 0 {
		t.Errorf("check with a token: status %d, %.200s", resp.StatusCode, body)
	}
	// A token is not a session cookie: it opens no console page.
	if resp, _ := c.rawRequest(http.MethodGet, "/agent", nil, bearer(tok)); resp.StatusCode != http.StatusSeeOther {
		t.Errorf("console page with a token: status %d, want 303 to the login", resp.StatusCode)
	}

	// A browser session: GET works, POST needs the CSRF header.
	agentLoginDemo(t, s, c)
	csrf := c.formCSRF()
	if resp, _ := c.rawRequest(http.MethodGet, "/api/v1/check?address=ann@gmail.com", nil, nil); resp.StatusCode != http.StatusOK {
		t.Errorf("check with a session: status %d", resp.StatusCode)
	}
	jsonHeader := http.Header{"Content-Type": {"application/json"}}
	resp, body = c.rawRequest(http.MethodPost, "/api/v1/sends", strings.NewReader(`{"address":"ann@gmail.com"}`), jsonHeader)
	if resp.StatusCode != http.StatusForbidden || !strings.Contains(body, "CSRF") {
		t.Errorf("send with a session and no X-CSRF-Token: status %d, %.100s", resp.StatusCode, body)
	}
	jsonHeader.Set("X-CSRF-Token", csrf)
	resp, body = c.rawRequest(http.MethodPost, "/api/v1/sends", strings.NewReader(`{"address":"ann@gmail.com"}`), jsonHeader)
	var sent struct {
		Token  string `json:"token"`
		Result struct {
			Status string `json:"status"`
		} `json:"result"`
	}
	if resp.StatusCode != http.StatusCreated || json.Unmarshal([]byte(body), &sent) != nil || sent.Result.Status != "accepted" {
		t.Fatalf("send with the CSRF header: status %d, %.300s", resp.StatusCode, body)
	}
	resp, body = c.rawRequest(http.MethodGet, "/api/v1/sends/"+sent.Token, nil, bearer(tok))
	if resp.StatusCode != http.StatusOK || !strings.Contains(body, sent.Token) {
		t.Errorf("GET the send: status %d", resp.StatusCode)
	}
}

// TestHealthAndMetrics: /healthz answers ok; /metrics has the request
// durations.
func TestHealthAndMetrics(t *testing.T) {
	s := Start(t, Options{})
	c := s.NewClient(t)
	resp, body := c.rawRequest(http.MethodGet, "/healthz", nil, nil)
	if resp.StatusCode != http.StatusOK || strings.TrimSpace(body) != "ok" {
		t.Errorf("healthz: %d %q", resp.StatusCode, body)
	}
	c.Get("/")
	resp, body = c.rawRequest(http.MethodGet, "/metrics", nil, nil)
	if resp.StatusCode != http.StatusOK || !strings.Contains(body, `codeprobe_http_request_duration_seconds_count{code="200",route="GET /{$}"}`) {
		t.Errorf("metrics: status %d, no duration of GET / in:\n%.500s", resp.StatusCode, body)
	}
}

// TestSecurityHeaders: every kind of response carries the CSP, framing
// and sniffing headers.
func TestSecurityHeaders(t *testing.T) {
	s := Start(t, Options{})
	c := s.NewClient(t)
	doc := c.Get("/")
	css, _ := doc.Find(`link[rel="stylesheet"]`).Attr("href")
	if !strings.HasPrefix(css, "/static/") {
		t.Fatalf("stylesheet %q", css)
	}
	for _, path := range []string{"/", "/email", "/help/locked", "/agent/login", "/agent", "/dashboard", css, "/api/v1/rules",
		"/healthz", "/no/such/page"} {
		resp, _ := c.rawRequest(http.MethodGet, path, nil, nil)
		csp := resp.Header.Get("Content-Security-Policy")
		if !strings.Contains(csp, "script-src 'self'") || strings.Contains(csp, "unsafe-inline") || !strings.Contains(csp, "frame-ancestors 'none'") {
			t.Errorf("%s: CSP %q", path, csp)
		}
		if got := resp.Header.Get("X-Frame-Options"); got != "DENY" {
			t.Errorf("%s: X-Frame-Options %q", path, got)
		}
		if got := resp.Header.Get("X-Content-Type-Options"); got != "nosniff" {
			t.Errorf("%s: X-Content-Type-Options %q", path, got)
		}
	}
	// No page relies on inline script or style, which the CSP forbids.
	for _, path := range []string{"/", "/help/locked", "/agent/login"} {
		doc := c.Get(path)
		if n := doc.Find("script:not([src]), style, [style]").Length(); n != 0 {
			t.Errorf("%s: %d inline script or style element(s)", path, n)
		}
	}
}

// TestGzip: pages are compressed for browsers that ask, and not for
// others.
func TestGzip(t *testing.T) {
	s := Start(t, Options{})
	c := s.NewClient(t)
	resp, body := c.rawRequest(http.MethodGet, "/", nil, http.Header{"Accept-Encoding": {"gzip, deflate"}})
	if resp.Header.Get("Content-Encoding") != "gzip" || !strings.Contains(resp.Header.Get("Vary"), "Accept-Encoding") {
		t.Fatalf("Content-Encoding %q, Vary %q", resp.Header.Get("Content-Encoding"), resp.Header.Get("Vary"))
	}
	zr, err := gzip.NewReader(bytes.NewReader([]byte(body)))
	if err != nil {
		t.Fatal(err)
	}
	page, err := io.ReadAll(zr)
	if err != nil || !strings.Contains(string(page), `data-testid="start-form"`) {
		t.Errorf("the gzipped page does not decode to the start page (%v)", err)
	}
	if len(body) >= len(page) {
		t.Errorf("gzip made %d bytes of %d", len(body), len(page))
	}
	resp, _ = c.rawRequest(http.MethodGet, "/", nil, http.Header{"Accept-Encoding": {"identity"}})
	if ce := resp.Header.Get("Content-Encoding"); ce != "" {
		t.Errorf("without gzip asked: Content-Encoding %q", ce)
	}
	startApp(t, c)
	resp, _ = c.rawRequest(http.MethodGet, "/app/qr.png", nil, http.Header{"Accept-Encoding": {"gzip"}})
	if ce := resp.Header.Get("Content-Encoding"); resp.Header.Get("Content-Type") != "image/png" || ce != "" {
		t.Errorf("a PNG was compressed again: %q", ce)
	}
}
