// Package sitetest runs the whole web site on the demo world for tests:
// a real server on loopback, a client with a cookie jar that submits
// forms as a browser would, and goquery to read the pages by data-testid.
package sitetest

import (
	"context"
	"encoding/base32"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/PuerkitoBio/goquery"
	"github.com/pquerna/otp"
	"github.com/pquerna/otp/hotp"

	"github.com/codeprobe/codeprobe/internal/demo"
	"github.com/codeprobe/codeprobe/ui"
)

// Site is a running site on a demo world.
type Site struct {
	URL    string
	Demo   *demo.Demo
	Server *ui.Server
}

// Options configure [Start].
type Options struct {
	// ReturnDelay is how long the demo's returns take; 0 means at once.
	ReturnDelay time.Duration
	// Now is the clock of the site and the database; nil means time.Now.
	Now func() time.Time
}

// Start runs the site on a fresh demo world with the demo agent account,
// and stops both when the test ends.
func Start(t testing.TB, o Options) *Site {
	t.Helper()
	delay := o.ReturnDelay
	if delay == 0 {
		delay = -1
	}
	d, err := demo.Start(demo.Options{DB: t.TempDir() + "/site.db", SeedEvery: -1, ReturnDelay: delay, Now: o.Now})
	if err != nil {
		t.Fatal(err)
	}
	srv, err := ui.New(ui.Config{Store: d.Store, Checker: d.Checker, Sender: d.Sender, FromDomain: demo.FromDomain,
		Demo: true, Now: o.Now})
	if err != nil {
		d.Close()
		t.Fatal(err)
	}
	if err := srv.Auth.AddUser(context.Background(), demo.User, d.Password); err != nil {
		d.Close()
		t.Fatal(err)
	}
	hs := httptest.NewServer(srv)
	t.Cleanup(func() {
		hs.Close()
		srv.Wait()
		d.Close()
	})
	return &Site{URL: hs.URL, Demo: d, Server: srv}
}

// Client is a browser without JavaScript: it keeps cookies and follows
// redirects.
type Client struct {
	t    testing.TB
	site *Site
	http *http.Client
	// Last is the last page fetched, and LastStatus its status code.
	Last       *goquery.Document
	LastStatus int
	LastURL    *url.URL
}

// NewClient returns a client with an empty cookie jar.
func (s *Site) NewClient(t testing.TB) *Client {
	jar, _ := cookiejar.New(nil)
	return &Client{t: t, site: s, http: &http.Client{Jar: jar, Timeout: 60 * time.Second}}
}

// Get fetches a page.
func (c *Client) Get(path string) *goquery.Document {
	c.t.Helper()
	return c.do(http.MethodGet, path, nil)
}

// Post posts a form; the page's csrf field is added when the last page
// had one and form has none.
func (c *Client) Post(path string, form url.Values) *goquery.Document {
	c.t.Helper()
	if form == nil {
		form = url.Values{}
	}
	if form.Get("csrf") == "" && c.Last != nil {
		if v, ok := c.Last.Find(`input[name="csrf"]`).First().Attr("value"); ok {
			form.Set("csrf", v)
		}
	}
	return c.do(http.MethodPost, path, strings.NewReader(form.Encode()))
}

func (c *Client) do(method, path string, body io.Reader) *goquery.Document {
	c.t.Helper()
	req, err := http.NewRequest(method, c.site.URL+path, body)
	if err != nil {
		c.t.Fatal(err)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("Origin", c.site.URL)
	}
	resp, err := c.http.Do(req)
	if err != nil {
		c.t.Fatal(err)
	}
	defer resp.Body.Close()
	doc, err := goquery.NewDocumentFromReader(resp.Body)
	if err != nil {
		c.t.Fatal(err)
	}
	c.Last, c.LastStatus, c.LastURL = doc, resp.StatusCode, resp.Request.URL
	return doc
}

// TestID returns the text of the element with the data-testid, spaces
// collapsed.
func TestID(doc *goquery.Document, id string) string {
	return strings.Join(strings.Fields(doc.Find(`[data-testid="`+id+`"]`).First().Text()), " ")
}

// Has reports whether the page has an element with the data-testid.
func Has(doc *goquery.Document, id string) bool {
	return doc.Find(`[data-testid="`+id+`"]`).Length() > 0
}

// Ref returns the reference code of the client's wizard session, read
// from the page footer of the last page.
func (c *Client) Ref() string {
	return strings.TrimSpace(c.Last.Find(`[data-testid="footer-ref"] strong`).First().Text())
}

// EmailedCode returns the code of the newest test email sent to address in
// the wizard session ref: what the user would read in the message (the
// demo's mail servers keep no mailbox to read it from).
func (s *Site) EmailedCode(t testing.TB, ref, address string) string {
	t.Helper()
	sess, err := s.Demo.Store.AddressCodeSession(context.Background(), "wizard:"+ref, address)
	if err != nil {
		t.Fatalf("code session of %s: %v", ref, err)
	}
	if len(sess.Issues) == 0 {
		t.Fatalf("code session of %s has sent no code", ref)
	}
	key := base32.StdEncoding.WithPadding(base32.NoPadding).EncodeToString(sess.Secret)
	code, err := hotp.GenerateCodeCustom(key, uint64(sess.Issues[len(sess.Issues)-1].Ordinal),
		hotp.ValidateOpts{Digits: otp.Digits(sess.Digits), Algorithm: otp.AlgorithmSHA1})
	if err != nil {
		t.Fatal(err)
	}
	return code
}

// Cookies returns the cookies the client would send to the site, so that
// a request served in-process (as benchmarks do) carries its session.
func (c *Client) Cookies() []*http.Cookie {
	u, err := url.Parse(c.site.URL)
	if err != nil {
		c.t.Fatal(err)
	}
	return c.http.Jar.Cookies(u)
}
