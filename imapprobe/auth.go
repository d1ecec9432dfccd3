package imapprobe

import (
	"errors"
	"fmt"
	"net"
	"strconv"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-sasl"
)

// login authenticates with the account's method. A refusal (a tagged NO,
// RFC 9051 §6.2.3) is ErrAuth; the server's text is kept, the credential
// never.
func (s *Session) login() error {
	if s.client.State() == imap.ConnStateAuthenticated {
		s.step("pre-authenticated by the server (PREAUTH)")
		return nil
	}
	method := s.acct.Auth
	if method == "" {
		method = AuthLogin
	}
	var err error
	switch method {
	case AuthLogin:
		err = s.do("LOGIN", func() error {
			return s.client.Login(s.acct.Username, s.acct.Password.Reveal()).Wait()
		})
	default:
		var mech sasl.Client
		if mech, err = s.saslClient(method); err == nil {
			err = s.do("AUTHENTICATE "+string(method), func() error { return s.client.Authenticate(mech) })
		}
	}
	if err != nil {
		if refused(err) {
			return fmt.Errorf("%w: %s as %s: %w", ErrAuth, s.acct.addr(), s.acct.Username, err)
		}
		return err
	}
	s.step("logged in as %s (%s)", s.acct.Username, method)
	if err := s.do("CAPABILITY", func() error {
		caps, err := s.client.Capability().Wait()
		s.caps = caps
		return err
	}); err != nil {
		return err
	}
	return nil
}

// refused reports whether err is the server's NO to a login.
func refused(err error) bool {
	var ie *imap.Error
	return errors.As(err, &ie) && ie.Type == imap.StatusResponseTypeNo
}

// saslClient builds the SASL mechanism of a method.
func (s *Session) saslClient(method AuthMethod) (sasl.Client, error) {
	switch method {
	case AuthPlain:
		return sasl.NewPlainClient("", s.acct.Username, s.acct.Password.Reveal()), nil
	case AuthOAuthBearer, AuthXOAuth2:
		tok, err := s.acct.Tokens.Token(s.ctx)
		if err != nil {
			return nil, fmt.Errorf("%w: getting a token for %s: %w", ErrAuth, s.acct.Name, err)
		}
		if method == AuthXOAuth2 {
			return xoauth2{user: s.acct.Username, token: tok}, nil
		}
		host, port, _ := net.SplitHostPort(s.acct.addr())
		p, _ := strconv.Atoi(port)
		return sasl.NewOAuthBearerClient(&sasl.OAuthBearerOptions{
			Username: s.acct.Username, Token: tok.Reveal(), Host: host, Port: p,
		}), nil
	}
	return nil, fmt.Errorf("%w: unknown auth method %q", ErrConfig, method)
}

// xoauth2 is the XOAUTH2 mechanism of Google and Microsoft: one initial
// response "user=U^Aauth=Bearer T^A^A"; a failure comes as a challenge
// holding a JSON error, answered with an empty response.
type xoauth2 struct {
	user  string
	token Secret
}

func (x xoauth2) Start() (string, []byte, error) {
	return "XOAUTH2", []byte("user=" + x.user + "\x01auth=Bearer " + x.token.Reveal() + "\x01\x01"), nil
}

func (x xoauth2) Next(challenge []byte) ([]byte, error) {
	return []byte{}, nil
}
