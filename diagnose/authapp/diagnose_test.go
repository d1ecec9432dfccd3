package authapp

import (
	"encoding/base32"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/pquerna/otp"
	"github.com/pquerna/otp/totp"
)

// testSecret is RFC 6238 Appendix B's SHA-1 key, "12345678901234567890".
var testSecret = base32.StdEncoding.EncodeToString([]byte("12345678901234567890"))

// otherSecret is a different account's secret.
var otherSecret = base32.StdEncoding.EncodeToString([]byte("abcdefghijklmnopqrst"))

// base is a time at the start of a time step.
var base = time.Date(2026, 11, 22, 9, 0, 0, 0, time.UTC)

// codeAt is the code an app holding secret shows when its clock reads
// at, computed by pquerna/otp independently of the code under test.
func codeAt(t testing.TB, secret string, at time.Time) string {
	t.Helper()
	c, err := totp.GenerateCodeCustom(secret, at, totp.ValidateOpts{
		Period: 30, Digits: otp.DigitsSix, Algorithm: otp.AlgorithmSHA1,
	})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// TestGeneratorRFC6238 checks the code generator against RFC 6238
// Appendix B's SHA-1 vectors, cut to 6 digits.
func TestGeneratorRFC6238(t *testing.T) {
	_, key, err := canonicalSecret(testSecret)
	if err != nil {
		t.Fatal(err)
	}
	g := newGenerator(key)
	for unix, want := range map[int64]uint32{
		59: 287082, 1111111109: 81804, 1111111111: 50471,
		1234567890: 5924, 2000000000: 279037, 20000000000: 353130,
	} {
		if got := g.code(uint64(unix / 30)); got != want {
			t.Errorf("code at %d = %06d; want %06d", unix, got, want)
		}
	}
}

// TestDiagnose types the code a phone with a wrong clock would show and
// checks what the user is told, at several points within a time step.
func TestDiagnose(t *testing.T) {
	tests := []struct {
		name       string
		offset     time.Duration // phone clock minus true time
		kind       Kind
		confidence Confidence
		says       []string
	}{
		{"exact", 0, KindOK, ConfidenceHigh, []string{"The code works. Your authenticator app is set up correctly."}},
		{"29s ahead", 29 * time.Second, KindOK, ConfidenceHigh, []string{"The code works"}},
		{"29s behind", -29 * time.Second, KindOK, ConfidenceHigh, []string{"The code works"}},
		{"95s behind", -95 * time.Second, KindSkewed, ConfidenceHigh, []string{"Your phone's clock is between ", " seconds behind. Turn on automatic date and time in your phone's settings."}},
		{"95s ahead", 95 * time.Second, KindSkewed, ConfidenceHigh, []string{"Your phone's clock is between ", " seconds ahead."}},
		{"10min ahead", 10 * time.Minute, KindSkewed, ConfidenceHigh, []string{"Your phone's clock is about 10 minutes ahead."}},
		{"2h ahead", 2 * time.Hour, KindTimezone, ConfidenceMedium, []string{"Your phone's time zone is set wrong: it is 2 hours ahead.", "automatic time zone setting fixes this"}},
		{"2h and 40s ahead", 2*time.Hour + 40*time.Second, KindTimezone, ConfidenceMedium, []string{"it is 2 hours ahead"}},
		{"1h behind", -time.Hour, KindTimezone, ConfidenceMedium, []string{"it is 1 hour behind"}},
		{"India vs UTC", -5*time.Hour - 30*time.Minute, KindTimezone, ConfidenceMedium, []string{"it is 5 and a half hours behind"}},
		{"AM for PM", -12 * time.Hour, KindTimezone, ConfidenceMedium, []string{"12 hours behind"}},
		{"3h17m behind", -3*time.Hour - 17*time.Minute, KindSkewed, ConfidenceLow, []string{"about 3 hours 17 minutes behind, but this could be chance", "Type the next code"}},
		{"a day behind", -24 * time.Hour, KindSkewed, ConfidenceMedium, []string{"Your phone's date is wrong: it is about 1 day behind."}},
		{"a day ahead", 24*time.Hour - 10*time.Second, KindSkewed, ConfidenceMedium, []string{"about 1 day ahead"}},
	}
	for _, phase := range []time.Duration{0, 7500 * time.Millisecond, 14 * time.Second, 29*time.Second + 900*time.Millisecond} {
		now := base.Add(phase)
		for _, tt := range tests {
			r := Diagnose(testSecret, codeAt(t, testSecret, now.Add(tt.offset)), now)
			if r.Kind != tt.kind || r.Confidence != tt.confidence {
				t.Errorf("%s at +%v: kind %s, confidence %s; want %s, %s (%q)", tt.name, phase, r.Kind, r.Confidence, tt.kind, tt.confidence, r.Message)
			}
			if tt.offset < r.SkewMin || tt.offset >= r.SkewMax || r.SkewMax-r.SkewMin != 30*time.Second {
				t.Errorf("%s at +%v: skew in [%v, %v); want a 30s range holding %v", tt.name, phase, r.SkewMin, r.SkewMax, tt.offset)
			}
			for _, s := range tt.says {
				if !strings.Contains(r.Message, s) {
					t.Errorf("%s at +%v: Message = %q; want it to say %q", tt.name, phase, r.Message, s)
				}
			}
			if (r.Skew < 0) != (r.SkewMin+r.SkewMax < 0) || len(r.Advice) == 0 {
				t.Errorf("%s at +%v: Skew %v outside its range, or no advice", tt.name, phase, r.Skew)
			}
		}
	}
}

// TestDiagnoseWindow checks, for every offset out to 3 minutes and many
// points within a step, that a code is OK exactly when a server allowing
// one step either way (RFC 6238 §5.2) accepts it, and that the skew range
// always holds the true offset.
func TestDiagnoseWindow(t *testing.T) {
	for phase := time.Duration(0); phase < 30*time.Second; phase += 2500 * time.Millisecond {
		now := base.Add(phase)
		for off := -180 * time.Second; off <= 180*time.Second; off += 7 * time.Second {
			code := codeAt(t, testSecret, now.Add(off))
			r := Diagnose(testSecret, code, now)
			accepted, err := totp.ValidateCustom(code, testSecret, now, totp.ValidateOpts{
				Period: 30, Skew: 1, Digits: otp.DigitsSix, Algorithm: otp.AlgorithmSHA1,
			})
			if err != nil {
				t.Fatal(err)
			}
			if (r.Kind == KindOK) != accepted {
				t.Errorf("offset %v at +%v: kind %s, but a server accepts it: %v", off, phase, r.Kind, accepted)
			}
			if off < r.SkewMin || off >= r.SkewMax {
				t.Errorf("offset %v at +%v: skew range [%v, %v) misses it", off, phase, r.SkewMin, r.SkewMax)
			}
		}
	}
}

// TestDiagnoseNearlyOff checks an accepted code from a clock drifting
// towards the limit comes with a warning.
func TestDiagnoseNearlyOff(t *testing.T) {
	now := base.Add(20 * time.Second)
	r := Diagnose(testSecret, codeAt(t, testSecret, now.Add(-45*time.Second)), now)
	want := "The code works, but your phone's clock is between 20 and 50 seconds behind."
	if r.Kind != KindOK || !strings.HasPrefix(r.Message, want) {
		t.Errorf("kind %s, Message %q; want ok, %q", r.Kind, r.Message, want)
	}
	if !strings.Contains(strings.Join(r.Advice, " "), "Set Automatically") {
		t.Errorf("Advice %q; want how to turn on automatic time", r.Advice)
	}
}

// TestDiagnoseOutOfRange checks a clock more than a day out, and a code
// from another account, are reported as not matching.
func TestDiagnoseOutOfRange(t *testing.T) {
	now := base.Add(11 * time.Second)
	for name, code := range map[string]string{
		"a day and 30s behind": codeAt(t, testSecret, now.Add(-24*time.Hour-30*time.Second)),
		"a day and 31s ahead":  codeAt(t, testSecret, now.Add(24*time.Hour+31*time.Second)),
		"another account":      codeAt(t, otherSecret, now),
	} {
		r := Diagnose(testSecret, code, now)
		if r.Kind != KindWrong || r.Confidence != "" || r.Skew != 0 {
			t.Errorf("%s: kind %s, confidence %q, skew %v; want wrong with no skew", name, r.Kind, r.Confidence, r.Skew)
		}
		advice := strings.Join(r.Advice, "\n")
		for _, s := range []string{"another account", "change every 30 seconds", "different QR code", "new phone"} {
			if !strings.Contains(advice, s) {
				t.Errorf("%s: Advice lacks %q", name, s)
			}
		}
	}
}

// TestDiagnoseMalformed checks badly typed codes are explained, and that
// the ways people write a good code are read.
func TestDiagnoseMalformed(t *testing.T) {
	now := base
	good := codeAt(t, testSecret, now)
	tests := []struct {
		typed string
		err   error
		says  string
	}{
		{"", ErrCodeEmpty, "Type the 6-digit code"},
		{" - ", ErrCodeEmpty, "Type the 6-digit code"},
		{"12345", ErrCodeTooShort, "too few digits"},
		{"1234567", ErrCodeTooLong, "too many digits"},
		{"12345678", ErrCodeTooLong, "too many digits"},
		{"12a456", ErrCodeNotDigits, "only contain numbers"},
		{"I23456", ErrCodeNotDigits, "only contain numbers"},
		{strings.Repeat("1", 100), ErrCodeTooLong, "too many digits"},
	}
	for _, tt := range tests {
		r := Diagnose(testSecret, tt.typed, now)
		if r.Kind != KindMalformed || !errors.Is(r.Err, tt.err) || !strings.Contains(r.Message, tt.says) {
			t.Errorf("Diagnose(%q) = %s %v %q; want malformed, %v, %q", tt.typed, r.Kind, r.Err, r.Message, tt.err, tt.says)
		}
	}
	for _, typed := range []string{
		good[:3] + " " + good[3:],
		good[:3] + "-" + good[3:],
		" " + good + "\n",
		good[:3] + "\u00a0" + good[3:],
		toFullWidth(good),
	} {
		if r := Diagnose(testSecret, typed, now); r.Kind != KindOK {
			t.Errorf("Diagnose(%q) = %s %q; want ok", typed, r.Kind, r.Message)
		}
	}
}

func toFullWidth(s string) string {
	return strings.Map(func(r rune) rune { return r - '0' + '０' }, s)
}

// TestDiagnoseBadSecret checks a secret that cannot be used asks for the
// test to start again, without quoting the secret.
func TestDiagnoseBadSecret(t *testing.T) {
	for secret, want := range map[string]error{
		"":                      ErrSecretTooShort,
		"MFRGGZDFMZTWQ2LK":      ErrSecretTooShort,
		"THIS-IS-NOT-BASE32-01": ErrSecretInvalid,
	} {
		r := Diagnose(secret, "123456", base)
		if r.Kind != KindUnchecked || !errors.Is(r.Err, want) || !strings.Contains(r.Message, "Start the test again") {
			t.Errorf("Diagnose with secret %q = %s %v %q; want unchecked, %v", secret, r.Kind, r.Err, r.Message, want)
		}
		if secret != "" && strings.Contains(r.Err.Error(), secret) {
			t.Errorf("error %q quotes the secret", r.Err)
		}
	}
}

// TestCoincidence checks the documented chance that a wrong code matches
// somewhere within a day: by formula, and by counting the distinct codes
// a real secret shows over the searched day.
func TestCoincidence(t *testing.T) {
	if p := coincidence(maxSteps); p < 0.0057 || p > 0.0058 {
		t.Errorf("coincidence over a day = %.5f; want about 0.6%%", p)
	}
	if p := coincidence(0); p < 0.99e-6 || p > 1.01e-6 {
		t.Errorf("coincidence at the current step = %g; want one in a million", p)
	}
	_, key, _ := canonicalSecret(testSecret)
	g := newGenerator(key)
	s, _ := stepOf(base)
	seen := map[uint32]bool{}
	for k := -maxSteps; k <= maxSteps; k++ {
		seen[g.code(uint64(s+int64(k)))] = true
	}
	if p := float64(len(seen)) / 1e6; p < 0.0055 || p > 0.0058 {
		t.Errorf("a random code matches one of %d distinct codes: %.5f; want about 0.6%%", len(seen), p)
	}
	r := Diagnose(testSecret, codeAt(t, testSecret, base.Add(-3*time.Hour-17*time.Minute)), base)
	if r.Coincidence < 0.0007 || r.Coincidence > 0.0009 {
		t.Errorf("Coincidence 3h17m out = %g; want about 0.08%% (789 steps)", r.Coincidence)
	}
}

// TestAdviceIsCopied checks a caller changing one result's advice does
// not change the next result's.
func TestAdviceIsCopied(t *testing.T) {
	now := base
	for _, off := range []time.Duration{-95 * time.Second, 2 * time.Hour, -12 * time.Hour} {
		r := Diagnose(testSecret, codeAt(t, testSecret, now.Add(off)), now)
		want := r.Advice[0]
		r.Advice[0] = "changed"
		if again := Diagnose(testSecret, codeAt(t, testSecret, now.Add(off)), now); again.Advice[0] != want {
			t.Errorf("offset %v: advice changed to %q by a caller", off, again.Advice[0])
		}
	}
	r := Diagnose(testSecret, "999999", now)
	r.Advice[0] = "changed"
	if again := Diagnose(testSecret, "999999", now); again.Advice[0] == "changed" {
		t.Error("wrong-code advice changed by a caller")
	}
}

// BenchmarkDiagnose measures the worst case: a code that matches nowhere,
// so the whole day either side is searched (5,761 HMACs).
func BenchmarkDiagnose(b *testing.B) {
	code := codeAt(b, otherSecret, base)
	if Diagnose(testSecret, code, base).Kind != KindWrong {
		b.Fatal("the benchmark's code matches")
	}
	b.ReportAllocs()
	for b.Loop() {
		Diagnose(testSecret, code, base)
	}
}
