package ui

import (
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// TestLimitBodies: a handler reading a body past maxBody gets an error
// instead of the megabyte.
func TestLimitBodies(t *testing.T) {
	var got error
	var n int
	h := limitBodies(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, err := io.ReadAll(r.Body)
		n, got = len(b), err
	}))
	req := httptest.NewRequest(http.MethodPost, "/agent/login", strings.NewReader(strings.Repeat("x", 1<<20)))
	h.ServeHTTP(httptest.NewRecorder(), req)
	var tooBig *http.MaxBytesError
	if !errors.As(got, &tooBig) || n > maxBody {
		t.Errorf("read %d bytes, error %v; want at most %d and a MaxBytesError", n, got, maxBody)
	}
	req = httptest.NewRequest(http.MethodPost, "/email", strings.NewReader("address=ann%40gmail.com"))
	h.ServeHTTP(httptest.NewRecorder(), req)
	if got != nil || n != len("address=ann%40gmail.com") {
		t.Errorf("a small form: %d bytes, %v", n, got)
	}
}
