package imapprobe

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"strconv"
	"strings"
)

// TLSMode is how the connection to a seed's IMAP server is protected.
type TLSMode string

// The TLS modes.
const (
	// TLSImplicit is TLS from the first byte (RFC 8314 §3.3, port 993).
	TLSImplicit TLSMode = "tls"
	// TLSStartTLS upgrades a plain connection with STARTTLS (RFC 9051
	// §6.2.1, port 143); a server that does not offer it is an error.
	TLSStartTLS TLSMode = "starttls"
	// TLSNone sends everything, the password included, in clear text: only
	// to loopback, or with Options.AllowPlaintext.
	TLSNone TLSMode = "none"
)

// ParseTLSMode reads a TLS mode as written in a seed list.
func ParseTLSMode(s string) (TLSMode, error) {
	switch m := TLSMode(strings.ToLower(strings.TrimSpace(s))); m {
	case TLSImplicit, TLSStartTLS, TLSNone:
		return m, nil
	case "", "implicit", "imaps":
		return TLSImplicit, nil
	case "plain", "plaintext", "insecure":
		return TLSNone, nil
	}
	return "", fmt.Errorf("%w: TLS mode %q is not tls, starttls or none", ErrConfig, s)
}

// DefaultPort is the port of a TLS mode: 993 with implicit TLS, else 143.
func (m TLSMode) DefaultPort() int {
	if m == TLSImplicit || m == "" {
		return 993
	}
	return 143
}

// Secret holds a password or token. It prints, logs and marshals as
// "[redacted]", so that a seed's credentials never reach a log line, a
// report or a metric by accident; only Reveal gives the value.
type Secret struct{ v string }

// NewSecret wraps a credential.
func NewSecret(s string) Secret { return Secret{v: s} }

// Reveal returns the credential, for the one place that sends it.
func (s Secret) Reveal() string { return s.v }

// Empty reports whether no credential was given.
func (s Secret) Empty() bool { return s.v == "" }

const redacted = "[redacted]"

func (s Secret) String() string   { return redacted }
func (s Secret) GoString() string { return redacted }

// LogValue implements slog.LogValuer.
func (s Secret) LogValue() slog.Value { return slog.StringValue(redacted) }

// MarshalJSON implements json.Marshaler.
func (s Secret) MarshalJSON() ([]byte, error) { return json.Marshal(redacted) }

// MarshalText implements encoding.TextMarshaler (YAML, CSV, fmt %v of
// structs holding a Secret by value all go through String or this).
func (s Secret) MarshalText() ([]byte, error) { return []byte(redacted), nil }

// TokenSource supplies OAuth 2.0 access tokens (RFC 6749) for the
// bearer-token mechanisms; it is called once per login, so it may refresh.
type TokenSource interface {
	Token(ctx context.Context) (Secret, error)
}

// AuthMethod is how a probe authenticates.
type AuthMethod string

// The authentication methods.
const (
	// AuthLogin is the LOGIN command (RFC 9051 §6.2.3).
	AuthLogin AuthMethod = "login"
	// AuthPlain is AUTHENTICATE PLAIN (RFC 4616).
	AuthPlain AuthMethod = "plain"
	// AuthOAuthBearer is AUTHENTICATE OAUTHBEARER (RFC 7628), with a
	// token from Account.Tokens.
	AuthOAuthBearer AuthMethod = "oauthbearer"
	// AuthXOAuth2 is Google's and Microsoft's AUTHENTICATE XOAUTH2, with a
	// token from Account.Tokens.
	AuthXOAuth2 AuthMethod = "xoauth2"
)

// AfterRead is what a probe does with a test message once it has read it.
type AfterRead string

// What to do after reading.
const (
	// Keep leaves the message where it is.
	Keep AfterRead = "keep"
	// Delete flags the message \Deleted and expunges it (RFC 9051 §6.4.3;
	// only that message where the server has UIDPLUS, RFC 4315).
	Delete AfterRead = "delete"
	// Move moves the message to Account.MoveTo (RFC 6851 MOVE, or COPY
	// and delete where the server lacks MOVE).
	Move AfterRead = "move"
)

// Account is one seed mailbox.
type Account struct {
	// Name labels the seed in reports ("gmail-1"); never a credential.
	Name string `json:"name"`
	// Provider is a rules provider ID ("google"), for its folder names.
	Provider string `json:"provider,omitempty"`
	// Address is the seed's email address, where test codes are sent.
	Address  string  `json:"address"`
	Host     string  `json:"host"`
	Port     int     `json:"port"`
	TLS      TLSMode `json:"tls"`
	Username string  `json:"username"`
	// Password is for AuthLogin and AuthPlain.
	Password Secret `json:"-"`
	// Auth is the method; "" means AuthLogin.
	Auth AuthMethod `json:"auth,omitempty"`
	// Tokens supplies the bearer token for AuthOAuthBearer and AuthXOAuth2.
	Tokens TokenSource `json:"-"`
	// AfterRead is Keep ("" too), Delete or Move.
	AfterRead AfterRead `json:"after_read,omitempty"`
	// MoveTo is the folder Move moves to.
	MoveTo string `json:"move_to,omitempty"`
}

// ErrConfig is returned for an account that cannot be used as given.
var ErrConfig = errors.New("imapprobe: invalid seed account")

// Validate checks that the account can be used.
func (a *Account) Validate() error {
	var errs []error
	bad := func(format string, args ...any) {
		errs = append(errs, fmt.Errorf("%w %q: "+format, append([]any{ErrConfig, a.Name}, args...)...))
	}
	if a.Host == "" {
		bad("no host")
	}
	if a.Port < 0 || a.Port > 65535 {
		bad("port %d out of range", a.Port)
	}
	if _, err := ParseTLSMode(string(a.TLS)); err != nil {
		errs = append(errs, err)
	}
	if a.Username == "" {
		bad("no username")
	}
	switch a.Auth {
	case "", AuthLogin, AuthPlain:
		if a.Password.Empty() {
			bad("no password")
		}
	case AuthOAuthBearer, AuthXOAuth2:
		if a.Tokens == nil {
			bad("%s needs a token source", a.Auth)
		}
	default:
		bad("unknown auth method %q", a.Auth)
	}
	switch a.AfterRead {
	case "", Keep, Delete:
	case Move:
		if a.MoveTo == "" {
			bad("after_read move needs move_to")
		}
	default:
		bad("after_read %q is not keep, delete or move", a.AfterRead)
	}
	return errors.Join(errs...)
}

// addr is host:port with the TLS mode's default port.
func (a *Account) addr() string {
	port := a.Port
	if port == 0 {
		mode, _ := ParseTLSMode(string(a.TLS))
		port = mode.DefaultPort()
	}
	return net.JoinHostPort(a.Host, strconv.Itoa(port))
}
