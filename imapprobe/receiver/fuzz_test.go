package receiver

import (
	"encoding/json"
	"errors"
	"math"
	"os"
	"path/filepath"
	"testing"
	"unicode/utf8"
)

// printable reports whether s is printable ASCII of at most n bytes.
func printable(s string, n int) bool {
	if len(s) > n {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < 0x20 || s[i] > 0x7e {
			return false
		}
	}
	return true
}

// checkInvariants asserts what every View keeps, whatever the input.
func checkInvariants(t *testing.T, v *View) {
	t.Helper()
	a := v.Auth
	strs := []string{a.AuthServID, a.Source, a.SPF.Result, a.SPF.Domain, a.SPF.Reason,
		a.DMARC.Result, a.DMARC.Domain, a.DMARC.Policy, a.ARC.Result, a.ARC.ChainValidation, a.ARC.Sealer,
		v.Spam.Level, v.Spam.SFV, v.Spam.Category}
	for _, d := range a.DKIM {
		strs = append(strs, d.Result, d.Domain, d.Selector, d.Reason)
	}
	for _, m := range a.Methods {
		strs = append(strs, m.Method, m.Result)
		if m.Method == "" {
			t.Errorf("empty method in %+v", a.Methods)
		}
	}
	for _, e := range v.Spam.Evidence {
		strs = append(strs, e.Header, e.Value)
		if e.Meaning == "" {
			t.Errorf("evidence without meaning: %+v", e)
		}
	}
	for _, s := range strs {
		if !printable(s, maxValue) {
			t.Errorf("not printable or longer than %d: %q", maxValue, s)
		}
	}
	if len(a.DKIM) > maxDKIM || len(a.Methods) > maxMethods || len(v.Spam.Evidence) > maxEvidence || len(v.Problems) > maxProblems {
		t.Errorf("unbounded: %d DKIM, %d methods, %d evidence, %d problems", len(a.DKIM), len(a.Methods), len(v.Spam.Evidence), len(v.Problems))
	}
	for _, p := range v.Problems {
		if !utf8.ValidString(p) || len(p) > 600 {
			t.Errorf("problem %q", p)
		}
	}
	for _, f := range []*float64{v.Spam.Score, v.Spam.Threshold} {
		if f != nil && (math.IsNaN(*f) || math.IsInf(*f, 0)) {
			t.Errorf("non-finite score %v", *f)
		}
	}
	if s := v.Spam.SCL; s != nil && (*s < -1 || *s > 9) {
		t.Errorf("SCL %d", *s)
	}
	if b := v.Spam.BCL; b != nil && (*b < 0 || *b > 9) {
		t.Errorf("BCL %d", *b)
	}
	if a.ARC.Instance < 0 || a.ARC.Instance > maxARCInstance || v.Latency.Hops < 0 || v.Latency.Hops > maxFields {
		t.Errorf("ARC instance %d, %d hops", a.ARC.Instance, v.Latency.Hops)
	}
	if v.Latency.FirstHop.IsZero() != v.Latency.LastHop.IsZero() {
		t.Errorf("first hop %v, last hop %v", v.Latency.FirstHop, v.Latency.LastHop)
	}
	if _, err := json.Marshal(v); err != nil {
		t.Errorf("JSON: %v", err)
	}
}

// FuzzDecode feeds arbitrary header blocks: Decode never panics, fails
// only with ErrNotHeader, and every View keeps its bounds.
func FuzzDecode(f *testing.F) {
	files, _ := filepath.Glob(filepath.Join("testdata", "headers", "*.hdr"))
	if len(files) == 0 {
		f.Fatal("no samples under testdata/headers")
	}
	for _, p := range files {
		b, err := os.ReadFile(p)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, in []byte) {
		v, err := Decode(in, Options{Sent: sent, AuthServID: "mx.google.com"})
		if err != nil {
			if !errors.Is(err, ErrNotHeader) || v != nil {
				t.Fatalf("Decode(%q) = %v, %v", in, v, err)
			}
			return
		}
		checkInvariants(t, v)
	})
}

// TestSamplesKeepInvariants runs the invariants over the samples.
func TestSamplesKeepInvariants(t *testing.T) {
	files, _ := filepath.Glob(filepath.Join("testdata", "headers", "*.hdr"))
	for _, p := range files {
		v, err := Decode(sample(filepath.Base(p)), Options{})
		if err != nil {
			t.Fatal(err)
		}
		checkInvariants(t, v)
	}
}
