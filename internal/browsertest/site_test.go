package browsertest

import (
	"bytes"
	"image"
	"image/color"
	"image/png"
	"net/http"
	"net/http/httptest"
	"testing"
)

// TestMain keeps one Chromium up for the whole package.
func TestMain(m *testing.M) { Main(m) }

// strictCSP is the policy the web site will send.
const strictCSP = "default-src 'self'"

// sitePage is one response of the test site.
type sitePage struct {
	body string
	typ  string // Content-Type; HTML when empty
	csp  bool   // send strictCSP
}

// pages are the harness's fixtures.
var pages = map[string]sitePage{
	"/style.css": {typ: "text/css", body: `
		body { font: 16px sans-serif; color: #111; background: #fff; }
		.nofocus:focus, .nofocus:focus-visible { outline: none; box-shadow: none; }`},
	"/clean": {body: `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Clean</title>
<link rel="stylesheet" href="/style.css"></head>
<body><main><h1>Did your code arrive?</h1>
<form action="/done" method="post">
<label for="email">Email address</label>
<input id="email" name="email" type="email" data-testid="email" autocomplete="email">
<button type="submit" data-testid="next">Next</button>
</form></main></body></html>`},
	"/bad": {body: `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Bad</title></head>
<body><main><h1>Bad</h1>
<img src="/pixel.png">
<input type="text" name="who">
</main></body></html>`},
	"/pixel.png": {typ: "image/png", body: pixelPNG()},
	"/csp": {csp: true, body: `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Strict</title>
<link rel="stylesheet" href="/style.css"></head>
<body><main><h1>Strict policy</h1><p id="msg">Served with a strict CSP.</p></main></body></html>`},
	"/csp-inline": {csp: true, body: `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Inline</title></head>
<body><main><h1 id="h">Inline script</h1>
<script>document.getElementById("h").textContent = "ran";</script></main></body></html>`},
	"/nojs": {csp: true, body: `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Scripts</title></head>
<body><main><h1>Scripts</h1><p id="msg">Works without JavaScript</p>
<script src="/nojs.js"></script></main></body></html>`},
	"/nojs.js": {typ: "text/javascript", body: `document.getElementById("msg").textContent = "JavaScript ran";`},
	"/form": {csp: true, body: `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Form</title>
<link rel="stylesheet" href="/style.css"></head>
<body><main><h1>Sign-in code help</h1>
<form action="/done" method="get">
<label for="email">Email address</label>
<input id="email" name="email" type="email" data-testid="email">
<label><input type="checkbox" name="junk" data-testid="junk"> I checked my junk folder</label>
<button type="submit" data-testid="next">Next</button>
</form>
<p><a href="/clean" data-testid="help">More help</a></p>
<p><button type="button" class="nofocus" data-testid="hidden-focus">No ring</button></p>
</main></body></html>`},
	"/done": {csp: true, body: `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Done</title></head>
<body><main><h1 id="done">Thanks</h1></main></body></html>`},
	"/noisy": {body: `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Noisy</title></head>
<body><main><h1>Noisy</h1><script src="/noisy.js"></script></main></body></html>`},
	"/noisy.js": {typ: "text/javascript", body: `console.error("code store unreachable");`},
	"/throws": {body: `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Throws</title></head>
<body><main><h1>Throws</h1><script src="/throws.js"></script></main></body></html>`},
	"/throws.js":  {typ: "text/javascript", body: `null.boom();`},
	"/broken-img": {body: `<!doctype html><html lang="en"><head><title>Img</title></head><body><main><h1>Img</h1><img src="/missing.png" alt="logo"></main></body></html>`},
	"/offnet": {body: `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Off the net</title></head>
<body><main><h1>Off the net</h1><img src="http://192.0.2.1/tracker.png" alt="x"></main></body></html>`},
}

// newSite serves pages on loopback for the length of the test.
func newSite(t *testing.T) *httptest.Server {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p, ok := pages[r.URL.Path]
		if !ok {
			http.NotFound(w, r)
			return
		}
		typ := p.typ
		if typ == "" {
			typ = "text/html; charset=utf-8"
		}
		w.Header().Set("Content-Type", typ)
		if p.csp {
			w.Header().Set("Content-Security-Policy", strictCSP)
		}
		w.Write([]byte(p.body))
	}))
	t.Cleanup(srv.Close)
	return srv
}

// pixelPNG is a 1×1 white PNG.
func pixelPNG() string {
	img := image.NewGray(image.Rect(0, 0, 1, 1))
	img.Set(0, 0, color.White)
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		panic(err)
	}
	return b.String()
}
