package browsertest

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
)

// ArtifactsEnv names the environment variable that, when set, is the folder
// tests save their artefacts (screenshots) under; otherwise they go to
// test-artifacts/ at the module root.
const ArtifactsEnv = "CODEPROBE_ARTIFACTS"

// Screenshot saves a full-page PNG of the tab as <name>.png in the test's
// artefact folder ([ArtifactDir]), logs its path and returns it.
func (tab *Tab) Screenshot(name string) string {
	tab.t.Helper()
	png, err := chromedp.Run(tab.ctx, chromedp.FullScreenshot(100)) // 100 means PNG
	if err != nil {
		tab.t.Fatalf("browsertest: screenshot %q: %v", name, err)
	}
	dir := ArtifactDir(tab.t)
	path := filepath.Join(dir, safeName(name)+".png")
	if err := os.WriteFile(path, png, 0o644); err != nil {
		tab.t.Fatalf("browsertest: saving screenshot: %v", err)
	}
	tab.t.Logf("browsertest: screenshot %s", path)
	return path
}

// ArtifactDir returns, creating it, the folder for the test's artefacts:
// $CODEPROBE_ARTIFACTS/<TestName> when that variable is set, else
// <module root>/test-artifacts/<TestName>. A subtest gets a subfolder.
func ArtifactDir(t testing.TB) string {
	t.Helper()
	root := os.Getenv(ArtifactsEnv)
	if root == "" {
		mod, err := moduleRoot()
		if err != nil {
			t.Fatalf("browsertest: %v", err)
		}
		root = filepath.Join(mod, "test-artifacts")
	}
	parts := []string{root}
	for _, p := range strings.Split(t.Name(), "/") {
		parts = append(parts, safeName(p))
	}
	dir := filepath.Join(parts...)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatalf("browsertest: %v", err)
	}
	return dir
}

// safeName keeps a file name to letters, digits, '-', '_' and '.', and
// never lets it be "." or "..".
func safeName(s string) string {
	b := []byte(s)
	for i, c := range b {
		ok := c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_' || c == '.'
		if !ok {
			b[i] = '_'
		}
	}
	s = strings.Trim(string(b), ".")
	if s == "" {
		return "_"
	}
	return s
}

// errNoModule reports a test running outside the module.
var errNoModule = errors.New("no go.mod above the working directory")

// moduleRoot returns the folder of the go.mod above the working directory,
// which for a test is its package's folder.
func moduleRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errNoModule
		}
		dir = parent
	}
}
