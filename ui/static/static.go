// Package static holds the web site's own assets (CSS, one small script),
// embedded in the binary: the site loads nothing from anywhere else. Each
// asset's URL carries a hash of its content, so it can be cached for a
// year and still change with a release.
package static

import (
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"io/fs"
	"net/http"
	"path"
	"strings"
	"time"
)

//go:embed site.css live.js
var files embed.FS

// Extra CSS that other packages contribute (the charts' rules) is appended
// to site.css by [Register] before the first request.
var (
	bodies  = map[string][]byte{}
	hashes  = map[string]string{}
	started = time.Now()
)

func init() {
	entries, _ := fs.ReadDir(files, ".")
	for _, e := range entries {
		b, _ := files.ReadFile(e.Name())
		add(e.Name(), b)
	}
}

func add(name string, b []byte) {
	bodies[name] = b
	sum := sha256.Sum256(b)
	hashes[name] = hex.EncodeToString(sum[:6])
}

// Append adds css to the end of site.css. It must be called during
// program initialisation (an init function), before any request.
func Append(name, css string) {
	add(name, append(append([]byte(nil), bodies[name]...), "\n"+css...))
}

// URL returns the path at which the asset is served, with its content hash
// as the version: "/static/site.css?v=3f2a…".
func URL(name string) string {
	return "/static/" + name + "?v=" + hashes[name]
}

// Handler serves the assets under /static/. A request that names the
// current version is cacheable for a year; any other for five minutes.
func Handler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		name := path.Base(r.URL.Path)
		body, ok := bodies[name]
		if !ok || !strings.HasPrefix(r.URL.Path, "/static/") {
			http.NotFound(w, r)
			return
		}
		h := w.Header()
		if r.URL.Query().Get("v") == hashes[name] {
			h.Set("Cache-Control", "public, max-age=31536000, immutable")
		} else {
			h.Set("Cache-Control", "public, max-age=300")
		}
		h.Set("ETag", `"`+hashes[name]+`"`)
		h.Set("X-Content-Type-Options", "nosniff")
		switch path.Ext(name) {
		case ".css":
			h.Set("Content-Type", "text/css; charset=utf-8")
		case ".js":
			h.Set("Content-Type", "text/javascript; charset=utf-8")
		}
		http.ServeContent(w, r, name, started, strings.NewReader(string(body)))
	})
}
