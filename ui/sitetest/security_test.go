package sitetest

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"
)

// TestWizardCSRF: a wizard form posted without the page's token, with a
// wrong one, or from another site is refused and changes nothing.
func TestWizardCSRF(t *testing.T) {
	s := Start(t, Options{})
	c := s.NewClient(t)
	c.Get("/")
	c.Post("/", url.Values{"channel": {"email"}})
	token := c.formCSRF()
	if token == "" {
		t.Fatal("the email page has no csrf field")
	}
	for _, tc := range []struct {
		name   string
		form   url.Values
		origin string
	}{
		{"no token", url.Values{"address": {"ann@gmail.com"}}, ""},
		{"wrong token", url.Values{"address": {"ann@gmail.com"}, "csrf": {token[:len(token)-2] + "AA"}}, ""},
		{"another session's token", url.Values{"address": {"ann@gmail.com"}, "csrf": {otherWizardToken(t, s)}}, s.URL},
		{"cross-site origin", url.Values{"address": {"ann@gmail.com"}, "csrf": {token}}, "https://evil.example"},
	} {
		resp, body := c.postRawForm("/email", tc.form, tc.origin)
		if resp.StatusCode != http.StatusForbidden {
			t.Errorf("%s: status %d, want 403", tc.name, resp.StatusCode)
		}
		if !strings.Contains(body, "That form has expired") {
			t.Errorf("%s: the page does not say the form expired", tc.name)
		}
	}
	// Fetch Metadata marks a cross-site post even without an Origin.
	resp, _ := c.rawRequest(http.MethodPost, "/email", strings.NewReader(url.Values{"address": {"ann@gmail.com"}, "csrf": {token}}.Encode()),
		http.Header{"Content-Type": {"application/x-www-form-urlencoded"}, "Sec-Fetch-Site": {"cross-site"}})
	if resp.StatusCode != http.StatusForbidden {
		t.Errorf("Sec-Fetch-Site cross-site: status %d, want 403", resp.StatusCode)
	}
	// The start form, which needs no token, still refuses another site.
	resp, _ = c.postRawForm("/", url.Values{"channel": {"sms"}}, "https://evil.example")
	if resp.StatusCode != http.StatusForbidden {
		t.Errorf("cross-site start: status %d, want 403", resp.StatusCode)
	}
	// Nothing was recorded: the address page is still empty.
	if v := tidAttr(c.Get("/email"), "address", "value"); v != "" {
		t.Errorf("a refused post set the address to %q", v)
	}
	// The control: the same post with the token, from this site, works.
	resp, _ = c.postRawForm("/email", url.Values{"address": {"ann@gmail.com"}, "csrf": {token}}, s.URL)
	if resp.StatusCode != http.StatusSeeOther {
		t.Errorf("a good post: status %d, want 303", resp.StatusCode)
	}
}

// otherWizardToken is the form token of a fresh wizard session.
func otherWizardToken(t *testing.T, s *Site) string {
	o := s.NewClient(t)
	o.Get("/")
	o.Post("/", url.Values{"channel": {"email"}})
	return o.formCSRF()
}

// TestAgentCSRF: console forms without the session's token, or from
// another site, are refused, as is a login form without its token.
func TestAgentCSRF(t *testing.T) {
	s := Start(t, Options{})
	c := s.NewClient(t)
	agentLoginDemo(t, s, c)
	token := c.formCSRF()
	for _, tc := range []struct {
		name   string
		form   url.Values
		origin string
	}{
		{"no token", url.Values{}, ""},
		{"wrong token", url.Values{"csrf": {"x" + token}}, s.URL},
		{"cross-site origin", url.Values{"csrf": {token}}, "https://evil.example"},
	} {
		resp, _ := c.postRawForm("/agent/address/ann@gmail.com/check", tc.form, tc.origin)
		if resp.StatusCode != http.StatusForbidden {
			t.Errorf("%s: status %d, want 403", tc.name, resp.StatusCode)
		}
	}
	if reps, err := s.Demo.Store.ReportsByAddress(context.Background(), "ann@gmail.com", 10); err != nil || len(reps) != 0 {
		t.Errorf("refused posts made %d report(s) (%v)", len(reps), err)
	}
	resp, _ := c.postRawForm("/agent/logout", url.Values{}, "")
	if resp.StatusCode != http.StatusForbidden {
		t.Errorf("logout without a token: status %d, want 403", resp.StatusCode)
	}
	if c.Get("/agent"); c.LastURL.Path != "/agent" {
		t.Error("a refused logout signed the agent out")
	}

	fresh := s.NewClient(t)
	fresh.Get("/agent/login")
	resp, _ = fresh.postRawForm("/agent/login", url.Values{"username": {"demo"}, "password": {s.Demo.Password}}, "")
	if resp.StatusCode != http.StatusForbidden {
		t.Errorf("login without its token: status %d, want 403", resp.StatusCode)
	}
}

// TestLoginThrottle: the 11th login attempt from one client in a short
// time is refused with 429 and Retry-After, whatever the password, until
// the window has passed.
func TestLoginThrottle(t *testing.T) {
	s, clk := startClocked(t)
	c := s.NewClient(t)
	c.Get("/agent/login")
	try := func(user, password string) *http.Response {
		resp, _ := c.postRawForm("/agent/login", url.Values{"username": {user}, "password": {password}, "csrf": {c.formCSRF()}}, s.URL)
		return resp
	}
	for i := 1; i <= 10; i++ {
		if resp := try("nobody"+strconv.Itoa(i), "wrong password "+strconv.Itoa(i)); resp.StatusCode != http.StatusUnauthorized {
			t.Fatalf("attempt %d: status %d, want 401", i, resp.StatusCode)
		}
	}
	resp := try("nobody11", "wrong password")
	if resp.StatusCode != http.StatusTooManyRequests {
		t.Fatalf("attempt 11: status %d, want 429", resp.StatusCode)
	}
	ra, err := strconv.Atoi(resp.Header.Get("Retry-After"))
	if err != nil || ra < 1 || ra > 15*60 {
		t.Errorf("Retry-After %q, want seconds up to 15 minutes", resp.Header.Get("Retry-After"))
	}
	if resp := try("demo", s.Demo.Password); resp.StatusCode != http.StatusTooManyRequests {
		t.Errorf("the right password while throttled: status %d, want 429", resp.StatusCode)
	}
	// Every client here is 127.0.0.1: wait out the window.
	clk.Advance(time.Duration(ra) * time.Second)
	if resp := try("demo", s.Demo.Password); resp.StatusCode != http.StatusSeeOther {
		t.Errorf("after Retry-After: status %d, want 303", resp.StatusCode)
	}
}

// TestAccountLockout: five wrong passwords lock the account, even against
// the right one, and only that account, until the lock ends.
func TestAccountLockout(t *testing.T) {
	s, clk := startClocked(t)
	ctx := context.Background()
	const pw = "correct horse battery staple"
	for _, u := range []string{"locked.agent", "other.agent"} {
		if err := s.Server.Auth.AddUser(ctx, u, pw); err != nil {
			t.Fatal(err)
		}
	}
	c := s.NewClient(t)
	for i := 1; i <= 5; i++ {
		agentLogin(t, c, "locked.agent", "wrong password "+strconv.Itoa(i))
		if c.LastStatus != http.StatusUnauthorized {
			t.Fatalf("wrong password %d: status %d, want 401", i, c.LastStatus)
		}
	}
	doc := agentLogin(t, c, "locked.agent", pw)
	if c.LastURL.Path == "/agent" || !strings.Contains(TestID(doc, "error-summary"), "locked after too many failed sign-ins") {
		t.Fatalf("right password after 5 failures: at %s, status %d, %q", c.LastURL.Path, c.LastStatus, TestID(doc, "error-summary"))
	}
	// The page does not tell a locked account from a wrong password or a
	// made-up name: it would say which names exist.
	locked := TestID(doc, "error-summary")
	unknown := TestID(agentLogin(t, s.NewClient(t), "made.up.agent", pw), "error-summary")
	if locked != unknown || c.LastStatus != http.StatusUnauthorized {
		t.Errorf("locked account: %d %q; made-up name: %q; want the same 401 answer", c.LastStatus, locked, unknown)
	}
	o := s.NewClient(t)
	agentLogin(t, o, "other.agent", pw)
	if o.LastURL.Path != "/agent" {
		t.Errorf("another account: at %s (status %d)", o.LastURL.Path, o.LastStatus)
	}
	clk.Advance(16 * time.Minute)
	agentLogin(t, c, "locked.agent", pw)
	if c.LastURL.Path != "/agent" {
		t.Errorf("after the lock: at %s (status %d)", c.LastURL.Path, c.LastStatus)
	}
}

// TestWizardSessionCannotReachConsole: the wizard's cookie opens neither
// the agent console nor the API, not even for its own reference.
func TestWizardSessionCannotReachConsole(t *testing.T) {
	s := Start(t, Options{})
	c := s.NewClient(t)
	chooseEmail(t, c, "ann@gmail.com")
	ref := c.Ref()
	for _, path := range []string{"/agent/ref/" + ref, "/agent/ref/" + ref + "/json", "/agent/address/ann@gmail.com"} {
		resp, body := c.rawRequest(http.MethodGet, path, nil, nil)
		if resp.StatusCode != http.StatusSeeOther || !strings.HasPrefix(resp.Header.Get("Location"), "/agent/login?next=") {
			t.Errorf("GET %s: status %d to %q, want 303 to the login", path, resp.StatusCode, resp.Header.Get("Location"))
		}
		if strings.Contains(body, "ann@gmail.com") && !strings.Contains(path, "ann@") {
			t.Errorf("GET %s leaks the address", path)
		}
	}
	resp, body := c.rawRequest(http.MethodGet, "/api/v1/wizard/"+ref, nil, nil)
	if resp.StatusCode != http.StatusUnauthorized || !strings.HasPrefix(resp.Header.Get("Content-Type"), "application/json") ||
		!strings.Contains(body, `"error"`) || strings.Contains(body, "ann@gmail.com") {
		t.Errorf("API: status %d, type %q, body %.200s", resp.StatusCode, resp.Header.Get("Content-Type"), body)
	}
	// The reference alone does not open the session in a browser either.
	other := s.NewClient(t)
	u, _ := url.Parse(s.URL)
	other.http.Jar.SetCookies(u, []*http.Cookie{{Name: "codeprobe_wizard", Value: ref + "." + strings.Repeat("A", 43)}})
	if other.Get("/email/result"); other.LastURL.Path != "/" {
		t.Errorf("a forged wizard cookie with the reference opens %s", other.LastURL.Path)
	}
}

// TestStatusShowsOnlyOwnSends: two people checking the same address each
// see only their own test code, and one's code is not the other's.
func TestStatusShowsOnlyOwnSends(t *testing.T) {
	s := Start(t, Options{})
	a, b := s.NewClient(t), s.NewClient(t)
	sendTestCode(t, s, a, "ann@gmail.com")
	waitSendState(t, a, "accepted")
	codeA := s.EmailedCode(t, a.Ref(), "ann@gmail.com")

	doc := chooseEmail(t, b, "ann@gmail.com")
	if tidAttr(doc, "send", "id") == "" {
		t.Fatal("B has no send button")
	}
	if doc.Find(`a[href="/email/status"]`).Length() != 0 {
		t.Error("B's result page offers to show codes already sent (A's)")
	}
	doc = b.Get("/email/status")
	if n := doc.Find(`[data-state="accepted"]`).Length(); n != 0 {
		t.Errorf("B sees %d accepted send(s) before sending any", n)
	}
	b.Post("/email/code", url.Values{"code": {codeA}})
	if k := tidAttr(b.Last, "code-verdict", "data-kind"); k == "ok" || k == "" {
		t.Errorf("B typing A's code: verdict %q, want not ok", k)
	}

	c := s.NewClient(t)
	sendTestCode(t, s, c, "bob@gmail.com")
	doc = waitSendState(t, c, "accepted")
	if strings.Contains(doc.Text(), "ann@gmail.com") {
		t.Error("C's status page mentions A's address")
	}
	if n := doc.Find(`[data-testid="earlier-send"]`).Length(); n != 0 {
		t.Errorf("C sees %d earlier send(s)", n)
	}
}

// TestCookieFlags: the wizard's and the console's session cookies are out
// of scripts' reach and not sent on other sites' requests.
func TestCookieFlags(t *testing.T) {
	s := Start(t, Options{})
	c := s.NewClient(t)
	c.Get("/")
	resp, _ := c.postRawForm("/", url.Values{"channel": {"email"}}, s.URL)
	wizard := findCookie(resp, "codeprobe_wizard")
	if wizard == nil || !wizard.HttpOnly || wizard.SameSite == http.SameSiteNoneMode || wizard.SameSite == http.SameSiteDefaultMode {
		t.Errorf("wizard cookie %v: want HttpOnly and SameSite Lax or Strict", wizard)
	}
	if wizard != nil && wizard.MaxAge > 7*24*3600 {
		t.Errorf("wizard cookie lives %d s, more than the 7 days sessions are kept", wizard.MaxAge)
	}

	a := s.NewClient(t)
	a.Get("/agent/login")
	resp, _ = a.postRawForm("/agent/login", url.Values{"username": {"demo"}, "password": {s.Demo.Password}, "csrf": {a.formCSRF()}}, s.URL)
	agent := findCookie(resp, "codeprobe_agent")
	if resp.StatusCode != http.StatusSeeOther || agent == nil || !agent.HttpOnly ||
		agent.SameSite == http.SameSiteNoneMode || agent.SameSite == http.SameSiteDefaultMode {
		t.Errorf("login: status %d, agent cookie %v: want HttpOnly and SameSite Lax or Strict", resp.StatusCode, agent)
	}
}

func findCookie(resp *http.Response, name string) *http.Cookie {
	for _, ck := range resp.Cookies() {
		if ck.Name == name {
			return ck
		}
	}
	return nil
}

// TestSendIPLimit: one client may send test codes to five addresses at
// once, then one every six minutes: the wizard cannot be used to mail
// strangers.
func TestSendIPLimit(t *testing.T) {
	s, clk := startClocked(t)
	c := s.NewClient(t)
	for _, local := range []string{"a1", "a2", "a3", "a4", "a5"} {
		sendTestCode(t, s, c, local+"@gmail.com")
	}
	doc := chooseEmail(t, c, "a6@gmail.com")
	if Has(doc, "send") || !strings.Contains(TestID(doc, "send-limited"), "10:08:00 UTC") {
		t.Errorf("sixth address: send button %v, limit note %q (want 10:08:00 UTC)", Has(doc, "send"), TestID(doc, "send-limited"))
	}
	clk.Advance(6 * time.Minute)
	if doc = c.Get("/email/result"); !Has(doc, "send") {
		t.Errorf("six minutes later: no send button (%q)", TestID(doc, "send-limited"))
	}
}
