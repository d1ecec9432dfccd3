package authapp

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"image/color"
	"image/png"
	"log/slog"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/pquerna/otp"
	"github.com/pquerna/otp/totp"
)

func newTestEnrolment(t *testing.T) *Enrolment {
	t.Helper()
	e, err := NewEnrolment("codeprobe test", "ann@example.com")
	if err != nil {
		t.Fatal(err)
	}
	return e
}

// TestNewEnrolment checks an enrolment is what an app needs: a 160-bit
// secret, an otpauth URL with the parameters every app supports, and a
// manual key in groups of four.
func TestNewEnrolment(t *testing.T) {
	e := newTestEnrolment(t)
	_, key, err := canonicalSecret(e.Secret())
	if err != nil || len(key) != 20 {
		t.Fatalf("secret decodes to %d bytes (%v); want 20", len(key), err)
	}
	u, err := url.Parse(e.URL())
	if err != nil {
		t.Fatal(err)
	}
	q := u.Query()
	if u.Scheme != "otpauth" || u.Host != "totp" || u.Path != "/codeprobe test:ann@example.com" {
		t.Errorf("URL %s://%s%s; want otpauth://totp/codeprobe test:ann@example.com", u.Scheme, u.Host, u.Path)
	}
	for k, want := range map[string]string{"secret": e.Secret(), "issuer": "codeprobe test", "algorithm": "SHA1", "digits": "6", "period": "30"} {
		if q.Get(k) != want {
			t.Errorf("URL %s = %q; want %q", k, q.Get(k), want)
		}
	}
	k, err := otp.NewKeyFromURL(e.URL())
	if err != nil || k.Secret() != e.Secret() || k.Period() != 30 || k.Digits() != otp.DigitsSix || k.Issuer() != "codeprobe test" {
		t.Errorf("an app reading the URL sees %v; want the enrolment's parameters", k)
	}
	mk := e.ManualKey()
	if strings.ReplaceAll(mk, " ", "") != e.Secret() || len(mk) != 32+7 {
		t.Errorf("ManualKey = %q; want the secret in 8 groups of four", mk)
	}
	for i, g := range strings.Split(mk, " ") {
		if len(g) != 4 {
			t.Errorf("ManualKey group %d = %q; want four characters", i, g)
		}
	}
	if e2 := newTestEnrolment(t); e2.Secret() == e.Secret() {
		t.Error("two enrolments share a secret")
	}
	now := time.Date(2026, 11, 22, 9, 0, 10, 0, time.UTC)
	code, _ := totp.GenerateCode(e.Secret(), now)
	if r := Diagnose(e.Secret(), code, now); r.Kind != KindOK {
		t.Errorf("a code from the enrolment: %s %q; want ok", r.Kind, r.Message)
	}
}

// TestQRCode checks the QR code is a PNG of the promised size with both
// dark and light modules, and that the data URI carries the same image.
func TestQRCode(t *testing.T) {
	e := newTestEnrolment(t)
	b, err := e.QRPNG()
	if err != nil {
		t.Fatal(err)
	}
	img, err := png.Decode(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	if sz := img.Bounds().Size(); sz.X != QRSize || sz.Y != QRSize {
		t.Errorf("QR code is %v; want %dx%d", sz, QRSize, QRSize)
	}
	dark, light := 0, 0
	for y := 0; y < QRSize; y += 3 {
		for x := 0; x < QRSize; x += 3 {
			if color.GrayModel.Convert(img.At(x, y)).(color.Gray).Y < 128 {
				dark++
			} else {
				light++
			}
		}
	}
	if dark < light/4 || light < dark/4 {
		t.Errorf("QR code has %d dark and %d light samples; want a real pattern", dark, light)
	}
	uri, err := e.QRDataURI()
	if err != nil {
		t.Fatal(err)
	}
	data, ok := strings.CutPrefix(uri, "data:image/png;base64,")
	if got, _ := base64.StdEncoding.DecodeString(data); !ok || !bytes.Equal(got, b) {
		t.Error("QRDataURI does not hold the QR code PNG")
	}
}

// TestEnrolmentRedacts checks the secret shows up in no printing, logging
// or marshalling of an enrolment.
func TestEnrolmentRedacts(t *testing.T) {
	e := newTestEnrolment(t)
	secret := e.Secret()
	var out []string
	for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%d", "%x", "%q", "%T"} {
		out = append(out, fmt.Sprintf(verb, e), fmt.Sprintf(verb, *e))
	}
	out = append(out, fmt.Sprint(e), fmt.Sprint(*e), fmt.Sprint([]any{e, *e}), fmt.Sprintf("%v", struct{ E *Enrolment }{e}))
	var logs bytes.Buffer
	for _, h := range []slog.Handler{slog.NewJSONHandler(&logs, nil), slog.NewTextHandler(&logs, nil)} {
		slog.New(h).Info("enrolled", "enrolment", e, "value", *e)
	}
	out = append(out, logs.String())
	for _, v := range []any{e, *e, map[string]any{"e": e}} {
		b, err := json.Marshal(v)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, string(b))
	}
	for _, s := range out {
		if strings.Contains(s, secret) || strings.Contains(s, secret[:12]) || strings.Contains(s, e.ManualKey()[:9]) {
			t.Errorf("secret shown in %q", s)
		}
	}
	if !strings.Contains(logs.String(), `"secret":"[redacted]"`) || !strings.Contains(logs.String(), "ann@example.com") {
		t.Errorf("log = %s; want the account and a redacted secret", logs.String())
	}
}

// TestEnrolmentFromSecret checks a stored secret, or the manual key as a
// user might copy it, rebuilds the same enrolment, and bad secrets are
// refused without being quoted.
func TestEnrolmentFromSecret(t *testing.T) {
	e := newTestEnrolment(t)
	for _, stored := range []string{e.Secret(), strings.ToLower(e.ManualKey()), e.ManualKey() + "===="} {
		got, err := EnrolmentFromSecret("codeprobe test", "ann@example.com", stored)
		if err != nil {
			t.Fatalf("EnrolmentFromSecret(%q): %v", stored, err)
		}
		if got.Secret() != e.Secret() || got.URL() != e.URL() {
			t.Errorf("EnrolmentFromSecret(%q) = %s; want the original", stored, got.URL())
		}
	}
	tests := []struct {
		secret string
		err    error
	}{
		{"", ErrSecretTooShort},
		{"ABCDEFGH", ErrSecretTooShort},
		{"ABCDEFGHI", ErrSecretInvalid},
		{"SECRET0SECRET1SECRET8SECRET9ABCD", ErrSecretInvalid},
		{"ÄBCDEFGHIJKLMNOPQRSTUVWXYZ234567", ErrSecretInvalid},
		{strings.Repeat("A", 24), ErrSecretTooShort},
		{strings.Repeat("A", 26), nil},
		{strings.Repeat("A", 103), nil},
		{strings.Repeat("B", 104), ErrSecretTooLong},
		{strings.Repeat("B ", 5000), ErrSecretTooLong},
	}
	for _, tt := range tests {
		_, err := EnrolmentFromSecret("codeprobe test", "ann", tt.secret)
		if !errors.Is(err, tt.err) || (tt.err == nil) != (err == nil) {
			t.Errorf("EnrolmentFromSecret(%.20q…) = %v; want %v", tt.secret, err, tt.err)
		}
		if err != nil && len(tt.secret) >= 8 && strings.Contains(err.Error(), tt.secret[:8]) {
			t.Errorf("error %q quotes the secret", err)
		}
	}
}

// TestEnrolmentLabels checks issuers and account names an otpauth URL
// cannot carry are refused.
func TestEnrolmentLabels(t *testing.T) {
	for _, l := range [][2]string{
		{"", "ann"}, {"codeprobe", ""}, {"code:probe", "ann"}, {"codeprobe", "ann:b"},
		{"codeprobe\n", "ann"}, {" codeprobe", "ann"}, {strings.Repeat("x", 65), "ann"}, {"codeprobe", "\xff"},
	} {
		if _, err := NewEnrolment(l[0], l[1]); !errors.Is(err, ErrLabel) {
			t.Errorf("NewEnrolment(%q, %q) = %v; want ErrLabel", l[0], l[1], err)
		}
	}
	e, err := NewEnrolment("Café Test", "ann+2fa@example.com")
	if err != nil {
		t.Fatal(err)
	}
	if k, err := otp.NewKeyFromURL(e.URL()); err != nil || k.Issuer() != "Café Test" || k.AccountName() != "ann+2fa@example.com" {
		t.Errorf("URL %s reads back as %q, %q", e.URL(), k.Issuer(), k.AccountName())
	}
}
