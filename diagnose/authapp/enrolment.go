package authapp

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"image/png"
	"log/slog"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/pquerna/otp"
	"github.com/pquerna/otp/totp"
)

// QRSize is the width and height, in pixels, of the QR code PNG: large
// enough for any phone camera to read off a laptop screen.
const QRSize = 240

// maxLabel bounds the issuer and the account name. Long labels make the
// QR code dense and are cut off in every app's list.
const maxLabel = 64

// redacted stands in for the secret wherever an [Enrolment] is printed,
// logged or marshalled.
const redacted = "[redacted]"

// Errors from [NewEnrolment] and [EnrolmentFromSecret].
var (
	// ErrLabel means the issuer or account name cannot go in an otpauth
	// URL: empty, too long, or holding a colon or control character (the
	// Key Uri Format uses the colon as the separator between the two).
	ErrLabel = errors.New("authapp: issuer and account name must be 1 to 64 printable characters without a colon")
	// ErrEnrolment means the enrolment could not be built. The cause is
	// not kept because it could quote the URL, which holds the secret.
	ErrEnrolment = errors.New("authapp: could not build the enrolment")
)

// Enrolment is a throwaway test account for an authenticator app: a fresh
// secret, the otpauth URL that carries it, and the QR code and manual key
// a user scans or types.
//
// The secret is reachable only through [Enrolment.Secret] and the three
// forms meant for the enrolment page ([Enrolment.URL], [Enrolment.QRPNG]
// and its data URI, [Enrolment.ManualKey]). Printing, logging or
// marshalling an Enrolment shows the issuer and account only.
type Enrolment struct {
	issuer  string
	account string
	secret  string // canonical base32, no padding
	key     *otp.Key
}

// NewEnrolment makes a test enrolment with a fresh random 160-bit secret
// from crypto/rand. The issuer is the name the app shows above the code
// ("codeprobe test"), the account the line beneath it.
func NewEnrolment(issuer, account string) (*Enrolment, error) {
	return newEnrolment(issuer, account, nil)
}

// EnrolmentFromSecret rebuilds the enrolment the wizard made earlier from
// the secret it stored, for showing the QR code again. The secret may be
// written as the manual key is shown (lower case, spaces). Errors wrap
// [ErrLabel], [ErrSecretInvalid], [ErrSecretTooShort] or
// [ErrSecretTooLong] and never include the secret.
func EnrolmentFromSecret(issuer, account, secret string) (*Enrolment, error) {
	_, key, err := canonicalSecret(secret)
	if err != nil {
		return nil, err
	}
	return newEnrolment(issuer, account, key)
}

// newEnrolment builds an enrolment; a nil key means a random one.
func newEnrolment(issuer, account string, key []byte) (*Enrolment, error) {
	if err := checkLabel(issuer); err != nil {
		return nil, err
	}
	if err := checkLabel(account); err != nil {
		return nil, err
	}
	k, err := totp.Generate(totp.GenerateOpts{
		Issuer:      issuer,
		AccountName: account,
		Period:      period,
		SecretSize:  secretSize,
		Secret:      key,
		Digits:      otp.DigitsSix,
		Algorithm:   otp.AlgorithmSHA1,
	})
	if err != nil {
		return nil, ErrEnrolment
	}
	return &Enrolment{issuer: issuer, account: account, secret: k.Secret(), key: k}, nil
}

// checkLabel reports whether s can be an issuer or account name.
func checkLabel(s string) error {
	if s == "" || len(s) > maxLabel || !utf8.ValidString(s) || strings.TrimSpace(s) != s {
		return ErrLabel
	}
	for _, r := range s {
		if r == ':' || !unicode.IsPrint(r) && r != ' ' {
			return ErrLabel
		}
	}
	return nil
}

// Issuer returns the name the app shows for the test account.
func (e Enrolment) Issuer() string { return e.issuer }

// Account returns the account name the app shows under the issuer.
func (e Enrolment) Account() string { return e.account }

// Secret returns the shared secret in base32, for keeping in the wizard's
// server-side session and passing to [Diagnose]. It is the one way to get
// the bare secret: never log it or send it anywhere but the session store.
func (e Enrolment) Secret() string { return e.secret }

// URL returns the otpauth:// URL (Key Uri Format) that the QR code holds.
// It contains the secret: put it only on the enrolment page, for example
// as a link that opens the app on the phone the user is holding.
func (e Enrolment) URL() string { return e.key.String() }

// ManualKey returns the secret in groups of four letters, for users who
// cannot scan the QR code and type the key into the app instead. It is
// the secret: show it only on the enrolment page.
func (e Enrolment) ManualKey() string { return groupsOfFour(e.secret) }

// QRPNG returns the QR code of [Enrolment.URL] as a PNG image [QRSize]
// pixels square. It contains the secret: serve it only on the enrolment
// page, with caching turned off.
func (e Enrolment) QRPNG() ([]byte, error) {
	img, err := e.key.Image(QRSize, QRSize)
	if err != nil {
		return nil, ErrEnrolment
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		return nil, ErrEnrolment
	}
	return buf.Bytes(), nil
}

// QRDataURI returns [Enrolment.QRPNG] as a data: URI for an <img src>, so
// the image never has a URL of its own that a cache could keep.
func (e Enrolment) QRDataURI() (string, error) {
	b, err := e.QRPNG()
	if err != nil {
		return "", err
	}
	return "data:image/png;base64," + base64.StdEncoding.EncodeToString(b), nil
}

// String describes the enrolment without its secret.
func (e Enrolment) String() string {
	return fmt.Sprintf("authapp.Enrolment{issuer: %q, account: %q, secret: %s}", e.issuer, e.account, redacted)
}

// GoString is [Enrolment.String], so that %#v shows no secret either.
func (e Enrolment) GoString() string { return e.String() }

// Format writes [Enrolment.String] for every verb, so that no verb (%d,
// %x, %+v…) falls through to printing the fields.
func (e Enrolment) Format(f fmt.State, _ rune) {
	_, _ = f.Write([]byte(e.String()))
}

// LogValue logs the issuer and account, and the secret as "[redacted]".
func (e Enrolment) LogValue() slog.Value {
	return slog.GroupValue(
		slog.String("issuer", e.issuer),
		slog.String("account", e.account),
		slog.String("secret", redacted),
	)
}

// MarshalJSON writes the issuer and account, and the secret as
// "[redacted]". To store the secret, store [Enrolment.Secret].
func (e Enrolment) MarshalJSON() ([]byte, error) {
	return json.Marshal(struct {
		Issuer  string `json:"issuer"`
		Account string `json:"account"`
		Secret  string `json:"secret"`
	}{e.issuer, e.account, redacted})
}
