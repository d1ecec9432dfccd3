// Package browsertest drives a real Chromium from Go tests, for the web
// site's end-to-end checks (issue 5): pages are opened in headless Chromium
// through the Chrome DevTools Protocol (chromedp), audited with axe-core
// against WCAG 2.1 levels A and AA, walked with the keyboard alone, and
// photographed into the test artefacts.
//
// A test asks for a tab with [Open] (or [Start] and [Browser.NewTab]), drives
// it with the [Tab] helpers, and gets, for free, a failure for every console
// error, uncaught exception, Content-Security-Policy violation and failed
// request the page produced. The helpers fail the test themselves, so they
// must be called from the test's goroutine.
//
// Chromium runs with the flags that keep it off the network (no background
// networking, component updates, sync, pings or QUIC), and every request
// for a host other than loopback is sent to a closed loopback proxy port, so
// a page can reach nothing but the test's own servers.
//
// When /usr/bin/chromium is missing, or axe-core has not been installed with
// `npm ci --prefix internal/browsertest`, the test is skipped with the
// reason; with CODEPROBE_REQUIRE_SHARED=1 (set by .ci/run) or
// CODEPROBE_REQUIRE_BROWSER=1 it fails instead.
package browsertest

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/codeprobe/codeprobe/internal/testenv"
)

// ChromiumPath is the browser the harness drives: Debian's chromium
// package, which .ci/run installs.
const ChromiumPath = "/usr/bin/chromium"

// startTimeout bounds the launch of the browser and the opening of its
// first target.
const startTimeout = 60 * time.Second

// Browser is one running Chromium shared by the tests of a test binary. Each
// test opens its own [Tab] in it with [Browser.NewTab].
type Browser struct {
	ctx     context.Context // holds the browser; parent of every tab
	cancel  context.CancelFunc
	profile string        // the fresh --user-data-dir
	output  *lockedBuffer // the browser's stdout and stderr, for failures
}

// shared is the browser of the test binary: started by the first Start,
// stopped when the last user (a test, or Main) lets it go.
var shared struct {
	mu      sync.Mutex
	browser *Browser
	users   int
}

// Start returns the test binary's Chromium, launching it on first use. The
// browser stays up while any test (or [Main]) uses it and stops when the
// last one ends, so a package whose TestMain calls [Main] launches it once.
// Start skips the test when Chromium is not installed, or fails it when
// CODEPROBE_REQUIRE_SHARED=1 or CODEPROBE_REQUIRE_BROWSER=1 is set.
func Start(t testing.TB) *Browser {
	t.Helper()
	if _, err := os.Stat(ChromiumPath); err != nil {
		missing(t, "Chromium is not installed at "+ChromiumPath+" (.ci/run installs the chromium package)")
	}
	b, err := acquire()
	if err != nil {
		t.Fatalf("browsertest: starting %s: %v", ChromiumPath, err)
	}
	t.Cleanup(release)
	return b
}

// Main runs a test binary's tests with one Chromium kept up for all of them,
// and stops it before exiting. Call it from TestMain:
//
//	func TestMain(m *testing.M) { browsertest.Main(m) }
//
// The browser is still launched lazily, by the first test that calls
// [Start], so a run that selects no browser test launches nothing.
func Main(m *testing.M) {
	shared.mu.Lock()
	shared.users++
	shared.mu.Unlock()
	code := m.Run()
	release()
	os.Exit(code)
}

// acquire returns the shared browser, launching it if none runs, and counts
// one more user.
func acquire() (*Browser, error) {
	shared.mu.Lock()
	defer shared.mu.Unlock()
	if shared.browser != nil && shared.browser.ctx.Err() != nil {
		// The browser died (crashed or was killed): start a new one.
		shared.browser.stop()
		shared.browser = nil
	}
	if shared.browser == nil {
		b, err := launch()
		if err != nil {
			return nil, err
		}
		shared.browser = b
	}
	shared.users++
	return shared.browser, nil
}

// release counts one user less and stops the browser when none is left.
func release() {
	shared.mu.Lock()
	defer shared.mu.Unlock()
	shared.users--
	if shared.users > 0 || shared.browser == nil {
		return
	}
	shared.browser.stop()
	shared.browser = nil
}

// launch starts Chromium with a fresh profile and waits until it answers.
func launch() (*Browser, error) {
	profile, err := os.MkdirTemp("", "codeprobe-chromium-")
	if err != nil {
		return nil, err
	}
	out := new(lockedBuffer)
	allocCtx, allocCancel := chromedp.NewExecAllocator(context.Background(), allocatorOptions(profile, out)...)
	ctx, cancel := chromedp.NewContext(allocCtx)
	b := &Browser{
		ctx:     ctx,
		profile: profile,
		output:  out,
		cancel: func() {
			cancel()
			allocCancel() // waits for the browser process to exit
		},
	}
	// The first Do launches the browser and binds it to ctx, which has no
	// deadline; the deadline bounds only this wait.
	started := make(chan error, 1)
	go func() { started <- chromedp.Do(ctx) }()
	timer := time.NewTimer(startTimeout)
	defer timer.Stop()
	select {
	case err = <-started:
	case <-timer.C:
		err = fmt.Errorf("no answer within %v", startTimeout)
	}
	if err != nil {
		b.stop()
		return nil, fmt.Errorf("%w\nbrowser output:\n%s", err, out.String())
	}
	return b, nil
}

// allocatorOptions are chromedp's defaults with the flags that keep Chromium
// off the network, headless, unsandboxed (tests run as root) and on a fresh
// profile.
func allocatorOptions(profile string, out *lockedBuffer) []chromedp.ExecAllocatorOption {
	opts := append([]chromedp.ExecAllocatorOption(nil), chromedp.DefaultExecAllocatorOptions[:]...)
	return append(opts,
		chromedp.ExecPath(ChromiumPath),
		chromedp.UserDataDir(profile),
		chromedp.CombinedOutput(out),
		chromedp.Headless,
		chromedp.NoSandbox,
		chromedp.NoFirstRun,
		chromedp.Flag("disable-gpu", true),
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-default-apps", true),
		chromedp.Flag("disable-extensions", true),
		chromedp.Flag("metrics-recording-only", true),
		chromedp.Flag("no-pings", true),
		chromedp.Flag("disable-domain-reliability", true),
		chromedp.Flag("disable-breakpad", true),
		// Loopback never goes through a proxy; everything else goes to the
		// discard port of loopback, where nothing listens, and fails.
		chromedp.Flag("proxy-server", "http://127.0.0.1:9"),
		chromedp.WindowSize(1280, 900),
	)
}

// stop ends the browser process and removes its profile.
func (b *Browser) stop() {
	b.cancel()
	os.RemoveAll(b.profile)
}

// missing skips the test for a missing dependency, or fails it when the
// environment requires every browser test to run.
func missing(t testing.TB, why string) {
	t.Helper()
	if required() {
		t.Fatal("browsertest: " + why)
	}
	t.Skip("browsertest: " + why)
}

// required reports whether a missing browser or axe-core must fail tests:
// in CI (CODEPROBE_REQUIRE_SHARED=1) or when CODEPROBE_REQUIRE_BROWSER=1.
func required() bool {
	return testenv.Required() || os.Getenv("CODEPROBE_REQUIRE_BROWSER") == "1"
}

// lockedBuffer collects the browser's output, which its process writes from
// another goroutine.
type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

// maxOutput bounds the browser output kept for failure messages.
const maxOutput = 64 << 10

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if room := maxOutput - l.buf.Len(); room > 0 {
		l.buf.Write(p[:min(len(p), room)])
	}
	return len(p), nil
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.String()
}
