package authapp

import (
	"errors"
	"strings"
	"testing"
	"time"
)

// TestDiagnoseTwoNarrows checks that a code typed just before it changes
// and the next one typed just after pin the skew down to a few seconds.
func TestDiagnoseTwoNarrows(t *testing.T) {
	skew := -95 * time.Second
	// The phone reads 28 s into its step at firstAt, 2 s into the next
	// at secondAt.
	firstAt := base.Add(3 * time.Second)
	secondAt := base.Add(7 * time.Second)
	first := codeAt(t, testSecret, firstAt.Add(skew))
	second := codeAt(t, testSecret, secondAt.Add(skew))
	if first == second {
		t.Fatal("the two codes are the same: the test's times are wrong")
	}
	r := DiagnoseTwo(testSecret, first, second, firstAt, secondAt)
	if r.Kind != KindSkewed || r.Confidence != ConfidenceHigh {
		t.Fatalf("kind %s, confidence %s; want skewed, high (%q)", r.Kind, r.Confidence, r.Message)
	}
	if skew < r.SkewMin || skew >= r.SkewMax || r.SkewMax-r.SkewMin > 5*time.Second {
		t.Errorf("skew in [%v, %v); want a range of 5s or less holding %v", r.SkewMin, r.SkewMax, skew)
	}
	if want := "Your phone's clock is about 95 seconds behind."; !strings.HasPrefix(r.Message, want) {
		t.Errorf("Message = %q; want %q", r.Message, want)
	}
	single := Diagnose(testSecret, first, firstAt)
	if !strings.Contains(single.Message, "between") {
		t.Errorf("one code: Message = %q; want a range", single.Message)
	}
}

// TestDiagnoseTwoAlwaysHolds checks, over many pairs of typing times, that
// two codes never give a wider range than one and always hold the skew.
func TestDiagnoseTwoAlwaysHolds(t *testing.T) {
	for _, skew := range []time.Duration{-95 * time.Second, 40 * time.Second, 2*time.Hour + 13*time.Second} {
		for start := time.Duration(0); start < 30*time.Second; start += 3 * time.Second {
			for gap := time.Second; gap <= 61*time.Second; gap += 4 * time.Second {
				firstAt, secondAt := base.Add(start), base.Add(start+gap)
				r := DiagnoseTwo(testSecret,
					codeAt(t, testSecret, firstAt.Add(skew)),
					codeAt(t, testSecret, secondAt.Add(skew)),
					firstAt, secondAt)
				if skew < r.SkewMin || skew >= r.SkewMax || r.SkewMax-r.SkewMin > 30*time.Second || r.Confidence != ConfidenceHigh {
					t.Errorf("skew %v, typed at +%v and +%v: [%v, %v) %s", skew, start, start+gap, r.SkewMin, r.SkewMax, r.Confidence)
				}
			}
		}
	}
}

// TestDiagnoseTwoDisagree checks what happens when one code of the two is
// not from the test account.
func TestDiagnoseTwoDisagree(t *testing.T) {
	firstAt, secondAt := base.Add(5*time.Second), base.Add(40*time.Second)
	good := codeAt(t, testSecret, firstAt.Add(-95*time.Second))
	other := codeAt(t, otherSecret, secondAt)

	r := DiagnoseTwo(testSecret, good, other, firstAt, secondAt)
	if r.Kind != KindSkewed || !strings.Contains(strings.Join(r.Advice, " "), "didn't agree") {
		t.Errorf("one good code: kind %s, advice %q; want skewed, saying the codes didn't agree", r.Kind, r.Advice)
	}
	r = DiagnoseTwo(testSecret, other, codeAt(t, otherSecret, secondAt.Add(30*time.Second)), firstAt, secondAt)
	if r.Kind != KindWrong {
		t.Errorf("two codes from another account: kind %s; want wrong", r.Kind)
	}
	r = DiagnoseTwo(testSecret, good, "12 34", firstAt, secondAt)
	if r.Kind != KindMalformed || !errors.Is(r.Err, ErrCodeTooShort) || !strings.HasPrefix(r.Message, "The second code") {
		t.Errorf("short second code: %s %v %q; want malformed, about the second code", r.Kind, r.Err, r.Message)
	}
	r = DiagnoseTwo(testSecret, "", good, firstAt, secondAt)
	if r.Kind != KindMalformed || r.Message != "Type the first code your app shows." {
		t.Errorf("empty first code: %s %q; want malformed, asking for the first code", r.Kind, r.Message)
	}
	if r := DiagnoseTwo("!!", good, good, firstAt, secondAt); r.Kind != KindUnchecked {
		t.Errorf("bad secret: kind %s; want unchecked", r.Kind)
	}
}

// TestDiagnoseTwoOK checks two accepted codes say the app works.
func TestDiagnoseTwoOK(t *testing.T) {
	firstAt, secondAt := base.Add(12*time.Second), base.Add(33*time.Second)
	r := DiagnoseTwo(testSecret, codeAt(t, testSecret, firstAt), codeAt(t, testSecret, secondAt), firstAt, secondAt)
	if r.Kind != KindOK || r.Message != "The code works. Your authenticator app is set up correctly." {
		t.Errorf("kind %s, %q; want ok", r.Kind, r.Message)
	}
}
