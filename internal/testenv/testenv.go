// Package testenv finds what tests need from outside the project — the
// shared corpora and conformance suites, and binaries such as dig — and
// decides whether a test may skip when something is missing: locally it
// skips with the reason; in CI (CODEPROBE_REQUIRE_SHARED=1, set by .ci/run)
// nothing may be skipped, so a missing part fails the test instead.
package testenv

import (
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

// Required reports whether missing test dependencies must fail tests
// rather than skip them.
func Required() bool { return os.Getenv("CODEPROBE_REQUIRE_SHARED") == "1" }

// Shared returns the path of the shared/ folder beside the project (the
// corpora and conformance suites), joined with elem, searching upwards from
// the test's working directory. When it is absent the test is skipped, or
// failed in CI.
func Shared(t testing.TB, elem ...string) string {
	t.Helper()
	dir, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for {
		cand := filepath.Join(dir, "..", "shared")
		if fi, err := os.Stat(cand); err == nil && fi.IsDir() {
			p := filepath.Join(append([]string{cand}, elem...)...)
			if _, err := os.Stat(p); err != nil {
				missing(t, "shared test data "+p+" is missing")
			}
			return p
		}
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			missing(t, "the shared/ folder is not beside the project ("+filepath.Join(dir, "..", "shared")+")")
			return ""
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			missing(t, "the shared/ folder was not found")
			return ""
		}
		dir = parent
	}
}

// Binary returns the path of the named program, skipping the test (or
// failing it in CI) when it is not installed.
func Binary(t testing.TB, name string) string {
	t.Helper()
	p, err := exec.LookPath(name)
	if err != nil {
		missing(t, name+" is not installed (.ci/run installs it)")
	}
	return p
}

func missing(t testing.TB, why string) {
	t.Helper()
	if Required() {
		t.Fatal(why)
	}
	t.Skip(why)
}
