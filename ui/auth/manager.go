package auth

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"time"

	"github.com/codeprobe/codeprobe/store"
)

// Store is the part of [store.WebStore] that auth uses, with the same
// contract; *store.SQLite satisfies it. The store's clock should be the
// Manager's, since the store times locks and session touches.
type Store interface {
	PutUser(ctx context.Context, u *store.User) error
	SetPassword(ctx context.Context, name, hash string) error
	User(ctx context.Context, name string) (*store.User, error)
	RecordLogin(ctx context.Context, name string, ok bool, p store.LoginPolicy) (*store.User, error)
	PutWebSession(ctx context.Context, s *store.WebSession) error
	WebSession(ctx context.Context, id string) (*store.WebSession, error)
	TouchWebSession(ctx context.Context, id string, expires time.Time) error
	DeleteWebSession(ctx context.Context, id string) error
	DeleteWebSessions(ctx context.Context, user string) (int64, error)
	PruneWebSessions(ctx context.Context, before time.Time) (int64, error)
}

// Throttle limits login attempts per client. The ratelimit package
// satisfies it; [Manager.Login] asks it with the client's address as the
// key (the caller's clientIP argument).
type Throttle interface {
	Allow(ctx context.Context, key string) (ok bool, retryAfter time.Duration, err error)
}

// Options configure [New]. A nil *Options, and any zero field, means the
// default.
type Options struct {
	// Now is the clock. Default time.Now. The store's clock should be the
	// same one, since the store times locks and session touches.
	Now func() time.Time
	// Policy is the lockout rule. Default: lock after 5 failures in a row
	// for 15 minutes.
	Policy store.LoginPolicy
	// SessionTTL is the absolute life of a session, which nothing extends.
	// Default 12 h.
	SessionTTL time.Duration
	// IdleTTL ends a session not used for this long. Default 1 h.
	IdleTTL time.Duration
	// Secure marks the cookies Secure and gives them the "__Host-"
	// prefix. Leave it false only for the plain-HTTP loopback demo.
	Secure bool
	// Throttle, when set, limits login attempts per client address.
	Throttle Throttle
	// LoginCSRFKey signs the login form's CSRF cookie: at least 32 bytes.
	// Default: random, so login forms open before a restart must be
	// reloaded.
	LoginCSRFKey []byte
	// Params are the Argon2id parameters of new hashes. Default
	// [DefaultParams].
	Params Params
	// TrustedOrigins are other origins ("https://support.example.com")
	// whose pages may post to this site; the browser's Origin is otherwise
	// compared with the request's Host.
	TrustedOrigins []string
	// LoginPath is where [Manager.Require] sends a browser without a
	// session. Default "/agent/login".
	LoginPath string
	// Logger receives logins, failures and lockouts, never a secret.
	// Default: discarded.
	Logger *slog.Logger
}

var (
	// ErrBadCredentials: no such user, or the wrong password; the two are
	// told apart by the error, and hardly by the time taken: both verify
	// a hash (tens of milliseconds); a wrong password for a real account
	// also records the failure, one store write more.
	ErrBadCredentials = errors.New("auth: wrong user name or password")
	// ErrLocked is matched by every [*LockedError].
	ErrLocked = errors.New("auth: account locked")
	// ErrThrottled is matched by every [*ThrottledError].
	ErrThrottled = errors.New("auth: too many login attempts")
	// ErrNoSession: the request has no session cookie, or its session is
	// unknown or has expired.
	ErrNoSession = errors.New("auth: not signed in")
)

// LockedError refuses a login to an account locked by failed logins.
type LockedError struct {
	Until time.Time // logins are accepted again from this time
}

// Error says until when the account is locked.
func (e *LockedError) Error() string {
	return "auth: account locked after too many failed logins until " + e.Until.UTC().Format(time.RFC3339)
}

// Is makes errors.Is(err, ErrLocked) true.
func (e *LockedError) Is(target error) bool { return target == ErrLocked }

// ThrottledError refuses a login from a client that tried too often.
type ThrottledError struct {
	RetryAfter time.Duration // when the client may try again
}

// Error says when the client may try again.
func (e *ThrottledError) Error() string {
	return fmt.Sprintf("auth: too many login attempts; try again in %s", e.RetryAfter.Round(time.Second))
}

// Is makes errors.Is(err, ErrThrottled) true.
func (e *ThrottledError) Is(target error) bool { return target == ErrThrottled }

// Manager signs agents in and out and guards the pages behind login. It
// is safe for concurrent use.
type Manager struct {
	st        Store
	now       func() time.Time
	policy    store.LoginPolicy
	ttl, idle time.Duration
	secure    bool
	throttle  Throttle
	csrfKey   []byte
	params    Params
	loginPath string
	log       *slog.Logger
	// crossOrigin refuses unsafe requests that the browser marks as
	// cross-site by Sec-Fetch-Site, or whose Origin is neither the Host
	// nor trusted when there is no Sec-Fetch-Site.
	crossOrigin *http.CrossOriginProtection
	// dummy is a hash of a random password under params, verified for
	// unknown users so that they take as long as known ones.
	dummy string
}

// New returns a Manager over st.
func New(st Store, opts *Options) (*Manager, error) {
	var o Options
	if opts != nil {
		o = *opts
	}
	m := &Manager{st: st, now: o.Now, policy: o.Policy, ttl: o.SessionTTL, idle: o.IdleTTL,
		secure: o.Secure, throttle: o.Throttle, params: o.Params, loginPath: o.LoginPath, log: o.Logger}
	if st == nil {
		return nil, errors.New("auth: New needs a store")
	}
	if m.now == nil {
		m.now = time.Now
	}
	if m.policy == (store.LoginPolicy{}) {
		m.policy = store.LoginPolicy{LockAfter: 5, LockFor: 15 * time.Minute}
	}
	if m.ttl <= 0 {
		m.ttl = 12 * time.Hour
	}
	if m.idle <= 0 {
		m.idle = time.Hour
	}
	if m.params == (Params{}) {
		m.params = DefaultParams()
	}
	if err := m.params.Validate(); err != nil {
		return nil, fmt.Errorf("auth: Options.Params: %w", err)
	}
	if m.loginPath == "" {
		m.loginPath = "/agent/login"
	}
	if m.log == nil {
		m.log = slog.New(slog.DiscardHandler)
	}
	m.crossOrigin = http.NewCrossOriginProtection()
	for _, origin := range o.TrustedOrigins {
		if err := m.crossOrigin.AddTrustedOrigin(origin); err != nil {
			return nil, fmt.Errorf("auth: Options.TrustedOrigins: %w", err)
		}
	}
	switch {
	case o.LoginCSRFKey == nil:
		m.csrfKey = make([]byte, 32)
		if _, err := rand.Read(m.csrfKey); err != nil {
			return nil, fmt.Errorf("auth: reading random key: %w", err)
		}
	case len(o.LoginCSRFKey) < 32:
		return nil, errors.New("auth: Options.LoginCSRFKey is shorter than 32 bytes")
	default:
		m.csrfKey = append([]byte(nil), o.LoginCSRFKey...)
	}
	var err error
	if m.dummy, err = m.params.Hash(rand.Text()); err != nil {
		return nil, err
	}
	return m, nil
}

// Login checks name and password and, if they are right, starts a
// session and returns it with the cookie to set. It fails with
// [ErrBadCredentials], a [*LockedError], a [*ThrottledError], or another
// error (the store or the throttle failing, which refuses the login too,
// or an unusable stored hash: [ErrMalformedHash]). A stored hash made
// with weaker parameters, or with bcrypt, is replaced after a good login.
// clientIP is the address the throttle counts attempts by.
func (m *Manager) Login(ctx context.Context, name, password, clientIP string) (*Session, *http.Cookie, error) {
	if m.throttle != nil {
		ok, retry, err := m.throttle.Allow(ctx, clientIP)
		if err != nil {
			return nil, nil, fmt.Errorf("auth: login throttle: %w", err)
		}
		if !ok {
			m.log.WarnContext(ctx, "login throttled", "client", clientIP, "retry_after", retry)
			return nil, nil, &ThrottledError{RetryAfter: retry}
		}
	}
	u, err := m.lookup(ctx, name, password)
	if err != nil {
		if errors.Is(err, ErrBadCredentials) {
			// The name is not logged: it may be a password typed in the
			// wrong field.
			m.log.WarnContext(ctx, "login failed: no such user", "client", clientIP)
		}
		return nil, nil, err
	}
	now := m.now()
	if u.LockedUntil.After(now) {
		// As slow as a real check, so the time taken does not tell a
		// locked account from a wrong password.
		_, _, _ = m.params.Verify(m.dummy, password)
		m.log.WarnContext(ctx, "login refused: account locked", "user", u.Name, "client", clientIP, "until", u.LockedUntil)
		return nil, nil, &LockedError{Until: u.LockedUntil}
	}
	ok, rehash, err := m.params.Verify(u.PasswordHash, password)
	if err != nil {
		m.log.ErrorContext(ctx, "login impossible: stored password hash unusable", "user", u.Name, "err", err)
		return nil, nil, fmt.Errorf("auth: stored password of %q: %w", u.Name, err)
	}
	after, err := m.st.RecordLogin(ctx, u.Name, ok, m.policy)
	if err != nil {
		return nil, nil, fmt.Errorf("auth: recording login of %q: %w", u.Name, err)
	}
	if !ok {
		m.log.WarnContext(ctx, "login failed: wrong password", "user", u.Name, "client", clientIP,
			"failures", after.FailedLogins, "locked_until", after.LockedUntil)
		return nil, nil, ErrBadCredentials
	}
	if after.LockedUntil.After(now) {
		// Guesses checked at the same time locked the account while this
		// (right) password was being checked: the lock stands.
		m.log.WarnContext(ctx, "login refused: account locked meanwhile", "user", u.Name, "client", clientIP)
		return nil, nil, &LockedError{Until: after.LockedUntil}
	}
	if rehash {
		m.rehash(ctx, u.Name, password)
	}
	s, c, err := m.newSession(ctx, u.Name)
	if err != nil {
		return nil, nil, err
	}
	m.log.InfoContext(ctx, "login", "user", u.Name, "client", clientIP)
	return s, c, nil
}

// lookup returns the account called name, or ErrBadCredentials (for no
// such account, or a password longer than any that can be set) after a
// verify of the dummy hash, which takes as long as a real one.
func (m *Manager) lookup(ctx context.Context, name, password string) (*store.User, error) {
	norm, err := normalizeName(name)
	if err == nil && len(password) <= MaxPasswordBytes {
		var u *store.User
		u, err = m.st.User(ctx, norm)
		if err == nil {
			return u, nil
		}
		if !errors.Is(err, store.ErrNotFound) {
			return nil, fmt.Errorf("auth: looking up user %q: %w", norm, err)
		}
	}
	_, _, _ = m.params.Verify(m.dummy, password)
	return nil, ErrBadCredentials
}

// rehash replaces the stored hash of a user who just logged in with
// password; a failure only leaves the old hash in place.
func (m *Manager) rehash(ctx context.Context, name, password string) {
	h, err := m.params.Hash(password)
	if err == nil {
		err = m.st.SetPassword(ctx, name, h)
	}
	if err != nil {
		m.log.WarnContext(ctx, "rehashing password failed", "user", name, "err", err)
		return
	}
	m.log.InfoContext(ctx, "password rehashed with current parameters", "user", name)
}

// AddUser creates an account. The name is lower-cased; the password must
// pass [CheckPassword]. It fails with [ErrInvalidName], [ErrWeakPassword]
// or the store's error (errors.Is(err, store.ErrExists) for a taken
// name).
func (m *Manager) AddUser(ctx context.Context, name, password string) error {
	norm, h, err := m.prepare(name, password)
	if err != nil {
		return err
	}
	if err := m.st.PutUser(ctx, &store.User{Name: norm, PasswordHash: h, Created: m.now()}); err != nil {
		return fmt.Errorf("auth: adding user %q: %w", norm, err)
	}
	m.log.InfoContext(ctx, "user added", "user", norm)
	return nil
}

// SetPassword replaces an account's password, clears its lock and signs
// it out everywhere (its sessions and API tokens end), since a new
// password is what one sets after the old one leaked. The password must
// pass [CheckPassword]; errors.Is(err, store.ErrNotFound) when there is no
// such account.
func (m *Manager) SetPassword(ctx context.Context, name, password string) error {
	norm, h, err := m.prepare(name, password)
	if err != nil {
		return err
	}
	if err := m.st.SetPassword(ctx, norm, h); err != nil {
		return fmt.Errorf("auth: setting password of %q: %w", norm, err)
	}
	n, err := m.st.DeleteWebSessions(ctx, norm)
	if err != nil {
		return fmt.Errorf("auth: signing %q out after a new password: %w", norm, err)
	}
	m.log.InfoContext(ctx, "password set; signed out everywhere", "user", norm, "sessions", n)
	return nil
}

// SignOutEverywhere ends every session and API token of the account and
// reports how many there were.
func (m *Manager) SignOutEverywhere(ctx context.Context, name string) (int64, error) {
	norm, err := normalizeName(name)
	if err != nil {
		return 0, err
	}
	n, err := m.st.DeleteWebSessions(ctx, norm)
	if err != nil {
		return 0, fmt.Errorf("auth: signing %q out: %w", norm, err)
	}
	m.log.InfoContext(ctx, "signed out everywhere", "user", norm, "sessions", n)
	return n, nil
}

func (m *Manager) prepare(name, password string) (norm, hash string, err error) {
	if norm, err = normalizeName(name); err != nil {
		return "", "", err
	}
	if err = CheckPassword(norm, password); err != nil {
		return "", "", err
	}
	if hash, err = m.params.Hash(password); err != nil {
		return "", "", err
	}
	return norm, hash, nil
}
