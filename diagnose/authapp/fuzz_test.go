package authapp

import (
	"errors"
	"strings"
	"testing"
	"time"
)

// FuzzNormalizeCode checks the normaliser never panics, returns 6 ASCII
// digits or one of its errors, and is idempotent.
func FuzzNormalizeCode(f *testing.F) {
	for _, s := range []string{"123456", "123 456", "123-456", "１２３４５６", "١٢٣٤٥٦", "", "12345", "1234567", "12a456", "\xff\xfe123456"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, typed string) {
		got, err := NormalizeCode(typed)
		if err != nil {
			if got != "" || !(errors.Is(err, ErrCodeEmpty) || errors.Is(err, ErrCodeNotDigits) ||
				errors.Is(err, ErrCodeTooShort) || errors.Is(err, ErrCodeTooLong)) {
				t.Fatalf("NormalizeCode(%q) = %q, %v", typed, got, err)
			}
			return
		}
		if len(got) != digits || strings.Trim(got, "0123456789") != "" {
			t.Fatalf("NormalizeCode(%q) = %q; want 6 ASCII digits", typed, got)
		}
		if again, err := NormalizeCode(got); again != got || err != nil {
			t.Fatalf("NormalizeCode(%q) = %q, %v; want it unchanged", got, again, err)
		}
	})
}

// checkResult checks the invariants every Result holds.
func checkResult(t *testing.T, r Result) {
	t.Helper()
	if r.Message == "" {
		t.Fatalf("empty message: %+v", r)
	}
	switch r.Kind {
	case KindOK, KindSkewed, KindTimezone:
		if r.SkewMin > r.Skew || r.Skew >= r.SkewMax || r.SkewMax-r.SkewMin > stepLength || r.Confidence == "" {
			t.Fatalf("match with a bad skew range or no confidence: %+v", r)
		}
		if r.Coincidence <= 0 || r.Coincidence > 0.006 {
			t.Fatalf("coincidence %g out of range", r.Coincidence)
		}
	case KindWrong:
		if r.Confidence != "" || r.Skew != 0 {
			t.Fatalf("no match, yet a skew: %+v", r)
		}
	case KindMalformed, KindUnchecked:
		if r.Err == nil {
			t.Fatalf("%s without an error", r.Kind)
		}
	default:
		t.Fatalf("kind %q", r.Kind)
	}
}

// FuzzDiagnose checks Diagnose never panics, always sets a kind, and
// agrees with the normaliser about what is malformed.
func FuzzDiagnose(f *testing.F) {
	now := base.Add(7 * time.Second)
	for _, s := range []string{"123456", "287 082", "１２３４５６", "", "12-34", "abcdef"} {
		f.Add(s, now.Unix(), int64(now.Nanosecond()))
	}
	f.Add(codeAt(f, testSecret, now.Add(-95*time.Second)), now.Unix(), int64(0))
	f.Add("287082", int64(59), int64(0))
	f.Add("000000", int64(-1), int64(999999999))
	f.Fuzz(func(t *testing.T, typed string, unix, nanos int64) {
		r := Diagnose(testSecret, typed, time.Unix(unix, nanos))
		checkResult(t, r)
		if _, err := NormalizeCode(typed); (err != nil) != (r.Kind == KindMalformed) {
			t.Fatalf("Diagnose(%q) kind %s, but NormalizeCode says %v", typed, r.Kind, err)
		}
	})
}

// FuzzDiagnoseTwo checks DiagnoseTwo never panics and that any range it
// gives is no wider than one code's.
func FuzzDiagnoseTwo(f *testing.F) {
	firstAt := base.Add(3 * time.Second)
	f.Add(codeAt(f, testSecret, firstAt.Add(-95*time.Second)), codeAt(f, testSecret, firstAt.Add(-91*time.Second)), firstAt.Unix(), int64(4e9))
	f.Add("123456", "654321", base.Unix(), int64(31e9))
	f.Add("", "12 34 56", int64(0), int64(-5e9))
	f.Fuzz(func(t *testing.T, first, second string, unix, gap int64) {
		firstAt := time.Unix(unix, 0)
		r := DiagnoseTwo(testSecret, first, second, firstAt, firstAt.Add(time.Duration(gap)))
		checkResult(t, r)
	})
}

// FuzzEnrolmentFromSecret checks a stored secret is either refused with
// one of the package's errors, never quoting it, or rebuilds an
// enrolment whose secret rebuilds the same one.
func FuzzEnrolmentFromSecret(f *testing.F) {
	for _, s := range []string{testSecret, strings.ToLower(testSecret), "GEZD GNBV GY3T QOJQ GEZD GNBV GY3T QOJQ", "", "ABCDEFGHI", "SECRET0", strings.Repeat("A", 104)} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, secret string) {
		e, err := EnrolmentFromSecret("codeprobe test", "ann", secret)
		if err != nil {
			if !errors.Is(err, ErrSecretInvalid) && !errors.Is(err, ErrSecretTooShort) && !errors.Is(err, ErrSecretTooLong) {
				t.Fatalf("unexpected error %v", err)
			}
			if len(secret) >= 4 && strings.Contains(err.Error(), secret) {
				t.Fatalf("error %q quotes the secret", err)
			}
			return
		}
		again, err := EnrolmentFromSecret("codeprobe test", "ann", e.Secret())
		if err != nil || again.Secret() != e.Secret() || again.URL() != e.URL() {
			t.Fatalf("rebuilding from %q gave %v, %v", e.Secret(), again, err)
		}
	})
}
