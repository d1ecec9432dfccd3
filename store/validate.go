package store

import (
	"encoding/json"
	"fmt"
	"math"
	"strings"
	"time"
	"unicode/utf8"
)

// TokenLen is the length of a send token.
const TokenLen = 20

// ValidToken reports whether s is a send token: TokenLen characters of
// lower-case RFC 4648 §6 base32 (a–z, 2–7) without padding.
func ValidToken(s string) bool {
	if len(s) != TokenLen {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if (c < 'a' || c > 'z') && (c < '2' || c > '7') {
			return false
		}
	}
	return true
}

// checker collects the first shape error of a value being validated.
type checker struct{ err error }

func (c *checker) failf(format string, args ...any) {
	if c.err == nil {
		c.err = fmt.Errorf("%w: "+format, append([]any{ErrInvalid}, args...)...)
	}
}

// text requires valid UTF-8 without NUL: what every implementation can
// store as text (PostgreSQL rejects both).
func (c *checker) text(field, s string) {
	if !utf8.ValidString(s) {
		c.failf("%s is not valid UTF-8", field)
	} else if strings.IndexByte(s, 0) >= 0 {
		c.failf("%s contains a NUL byte", field)
	}
}

func (c *checker) required(field, s string) {
	if s == "" {
		c.failf("%s is empty", field)
	}
	c.text(field, s)
}

func (c *checker) token(field, s string, optional bool) {
	if optional && s == "" {
		return
	}
	if !ValidToken(s) {
		c.failf("%s %q is not a %d-character base32 token", field, s, TokenLen)
	}
}

func (c *checker) json(field string, doc json.RawMessage) {
	if doc != nil && !json.Valid(doc) {
		c.failf("%s is not a JSON document", field)
	} else {
		c.text(field, string(doc))
	}
}

// timeRange is what every implementation can hold to the microsecond.
var (
	minTime = time.Date(1, 1, 1, 0, 0, 0, 0, time.UTC)
	maxTime = time.Date(9999, 12, 31, 23, 59, 59, 0, time.UTC)
)

func (c *checker) time(field string, t time.Time) {
	if !t.IsZero() && (t.Before(minTime) || t.After(maxTime)) {
		c.failf("%s %v is out of range", field, t)
	}
}

func validSendStatus(s SendStatus) bool {
	switch s {
	case SendAccepted, SendDeferred, SendRejected, SendError:
		return true
	}
	return false
}

func validVerdict(v Verdict) bool {
	switch v {
	case VerdictOK, VerdictEarlier, VerdictExpired, VerdictNearMiss, VerdictOtherSession, VerdictUnknown,
		VerdictTooManyAttempts:
		return true
	}
	return false
}

func (c *checker) result(r SendResult, optional bool) {
	if !(optional && r == (SendResult{})) && !validSendStatus(r.Status) {
		c.failf("send status %q is not accepted, deferred, rejected or error", r.Status)
	}
	if r.ReplyCode != 0 && (r.ReplyCode < 200 || r.ReplyCode > 599) {
		c.failf("reply code %d is outside 200–599", r.ReplyCode)
	}
	if r.Duration < 0 {
		c.failf("duration %v is negative", r.Duration)
	}
	c.text("enhanced status", r.EnhancedStatus)
	c.text("queue ID", r.QueueID)
	c.text("remote host", r.RemoteHost)
	c.text("transcript", r.Transcript)
}

func checkSend(s *Send) error {
	var c checker
	if s == nil {
		return fmt.Errorf("%w: nil send", ErrInvalid)
	}
	c.token("token", s.Token, false)
	c.text("session ID", s.SessionID)
	c.required("recipient", s.Recipient)
	c.text("recipient domain", s.RecipientDomain)
	c.text("from", s.From)
	c.text("sink domain", s.SinkDomain)
	if s.Ordinal < 0 {
		c.failf("ordinal %d is negative", s.Ordinal)
	}
	c.time("created", s.Created)
	c.time("updated", s.Updated)
	c.result(s.Result, true)
	return c.err
}

func checkReturn(r *Return) error {
	var c checker
	if r == nil {
		return fmt.Errorf("%w: nil return", ErrInvalid)
	}
	c.text("envelope sender", r.MailFrom)
	for _, rcpt := range r.Recipients {
		c.text("envelope recipient", rcpt)
	}
	c.text("HELO", r.HELO)
	c.token("token", r.Token, true)
	c.time("received", r.Received)
	if r.Size < 0 {
		c.failf("size %d is negative", r.Size)
	}
	return c.err
}

func checkClassification(cl Classification) error {
	var c checker
	c.text("kind", cl.Kind)
	c.text("reason", cl.Reason)
	c.text("status", cl.Status)
	c.text("system", cl.System)
	c.text("diagnostic", cl.Diagnostic)
	c.json("recipients", cl.Recipients)
	c.json("evidence", cl.Evidence)
	return c.err
}

func checkAttempt(a *Attempt) error {
	var c checker
	if a == nil {
		return fmt.Errorf("%w: nil attempt", ErrInvalid)
	}
	c.required("session ID", a.SessionID)
	c.text("address", a.Address)
	c.text("code", a.Code)
	c.time("time", a.Time)
	if !validVerdict(a.Verdict) {
		c.failf("verdict %q is not one of the verdicts", a.Verdict)
	}
	c.token("matched token", a.MatchedToken, true)
	if a.MatchedOrdinal < 0 {
		c.failf("matched ordinal %d is negative", a.MatchedOrdinal)
	}
	return c.err
}

// bounded is text of at most n characters.
func (c *checker) bounded(field, s string, n int) {
	c.text(field, s)
	if c.err == nil && utf8.RuneCountInString(s) > n {
		c.failf("%s is longer than %d characters", field, n)
	}
}

// runID is 1 to MaxRunIDLen printable ASCII characters.
func (c *checker) runID(s string) {
	if s == "" || len(s) > MaxRunIDLen {
		c.failf("run ID %q is not 1 to %d characters", s, MaxRunIDLen)
		return
	}
	for i := 0; i < len(s); i++ {
		if s[i] < 0x20 || s[i] > 0x7e {
			c.failf("run ID %q is not printable ASCII", s)
			return
		}
	}
}

func validPlacementKind(k PlacementKind) bool {
	return k.Found() || k == PlacementMissing || k == PlacementError
}

func checkPlacement(p *Placement) error {
	var c checker
	if p == nil {
		return fmt.Errorf("%w: nil placement", ErrInvalid)
	}
	c.runID(p.RunID)
	c.required("seed", p.Seed)
	c.bounded("seed", p.Seed, MaxPlacementText)
	c.bounded("provider", p.Provider, MaxPlacementText)
	c.token("token", p.Token, true)
	if !validPlacementKind(p.Kind) {
		c.failf("placement kind %q is not inbox, junk, other, missing or error", p.Kind)
	}
	c.bounded("folder", p.Folder, MaxPlacementText)
	if p.SentAt.IsZero() {
		c.failf("sent time is zero")
	}
	c.time("sent", p.SentAt)
	c.time("filed", p.FiledAt)
	c.time("seen", p.SeenAt)
	if !p.Kind.Found() && (p.Folder != "" || !p.FiledAt.IsZero() || !p.SeenAt.IsZero()) {
		c.failf("a placement of kind %q has a folder or a filed or seen time", p.Kind)
	}
	if p.SendStatus != "" && !validSendStatus(SendStatus(p.SendStatus)) {
		c.failf("send status %q is not accepted, deferred, rejected, error or empty", p.SendStatus)
	}
	c.bounded("SPF verdict", p.SPF, MaxVerdictLen)
	c.bounded("DKIM verdict", p.DKIM, MaxVerdictLen)
	c.bounded("DMARC verdict", p.DMARC, MaxVerdictLen)
	if p.Spam != "" && p.Spam != "spam" && p.Spam != "not-spam" {
		c.failf("spam verdict %q is not spam, not-spam or empty", p.Spam)
	}
	c.bounded("error", p.Error, MaxPlacementText)
	if p.Error != "" && p.Kind != PlacementError {
		c.failf("a placement of kind %q has an error", p.Kind)
	}
	return c.err
}

// Bounds of the web site's records (see [User], [WebSession],
// [RateBucket] and [WizardSession]).
const (
	MaxUserNameLen = 64        // User.Name, in bytes
	MaxRateKeyLen  = 200       // RateBucket.Key, in bytes
	MaxWizardState = 256 << 10 // WizardSession.State, in bytes
	// MaxWizardAddressLen bounds WizardSession.Address, in characters:
	// far above any real address (RFC 5321 §4.5.3.1.3 allows 256 octets
	// in a path), so only abuse reaches it.
	MaxWizardAddressLen = 1024
	MaxWizardPhoneLen   = 64 // WizardSession.Phone, in characters
)

// Shapes of the web site's keys and secrets.
const (
	minRefLen, maxRefLen   = 4, 32
	maxPasswordHashLen     = 512
	webSessionIDLen        = 64 // hex SHA-256
	minCSRFLen, maxCSRFLen = 32, 128
	secretHashLen          = 64 // hex SHA-256
)

// every reports whether ok accepts every byte of s.
func every(s string, ok func(byte) bool) bool {
	for i := 0; i < len(s); i++ {
		if !ok(s[i]) {
			return false
		}
	}
	return true
}

func isLowerHex(b byte) bool { return '0' <= b && b <= '9' || 'a' <= b && b <= 'f' }

func isHex(b byte) bool { return isLowerHex(b) || 'A' <= b && b <= 'F' }

// ValidUserName reports whether s is an account name: 1 to
// MaxUserNameLen of a–z, 0–9, '.', '_', '-' and '@'.
func ValidUserName(s string) bool {
	return len(s) >= 1 && len(s) <= MaxUserNameLen && every(s, func(b byte) bool {
		return 'a' <= b && b <= 'z' || '0' <= b && b <= '9' || b == '.' || b == '_' || b == '-' || b == '@'
	})
}

// ValidWizardRef reports whether s is a wizard session's reference code:
// 4 to 32 of A–Z, 0–9 and '-'.
func ValidWizardRef(s string) bool {
	return len(s) >= minRefLen && len(s) <= maxRefLen && every(s, func(b byte) bool {
		return 'A' <= b && b <= 'Z' || '0' <= b && b <= '9' || b == '-'
	})
}

func (c *checker) userName(field, s string) {
	if !ValidUserName(s) {
		c.failf("%s %q is not 1 to %d of a–z, 0–9, '.', '_', '-' and '@'", field, s, MaxUserNameLen)
	}
}

// passwordHash requires what a PHC string or a bcrypt hash looks like:
// '$' first, then printable ASCII without spaces. It is what keeps a
// password from being stored by mistake; its value is not quoted in the
// error, in case it is one.
func (c *checker) passwordHash(s string) {
	switch {
	case s == "":
		c.failf("password hash is empty")
	case len(s) < 2 || len(s) > maxPasswordHashLen || s[0] != '$' || !every(s, func(b byte) bool { return '!' <= b && b <= '~' }):
		c.failf("password hash is not a PHC string or a bcrypt hash (%d bytes)", len(s))
	}
}

// hex requires n to m hex digits, lower-case only when lower is set.
func (c *checker) hex(field, s string, n, m int, lower bool) {
	digit := isHex
	if lower {
		digit = isLowerHex
	}
	if len(s) < n || len(s) > m || !every(s, digit) {
		if n == m {
			c.failf("%s %q is not %d hex digits", field, s, n)
		} else {
			c.failf("%s %q is not %d to %d hex digits", field, s, n, m)
		}
	}
}

// requiredTime requires a non-zero time in range.
func (c *checker) requiredTime(field string, t time.Time) {
	if t.IsZero() {
		c.failf("%s time is zero", field)
	}
	c.time(field, t)
}

func checkUser(u *User) error {
	var c checker
	if u == nil {
		return fmt.Errorf("%w: nil user", ErrInvalid)
	}
	c.userName("user name", u.Name)
	c.passwordHash(u.PasswordHash)
	if u.FailedLogins < 0 {
		c.failf("failed logins %d is negative", u.FailedLogins)
	}
	c.time("created", u.Created)
	c.time("locked until", u.LockedUntil)
	c.time("last login", u.LastLogin)
	return c.err
}

// checkLoginPolicy requires a lock that can be set: a positive LockFor
// when LockAfter is, and a lock ending in range.
func checkLoginPolicy(p LoginPolicy, now time.Time) error {
	var c checker
	if p.LockAfter < 0 {
		c.failf("lock after %d failed logins is negative", p.LockAfter)
	}
	if p.LockAfter > 0 {
		if p.LockFor <= 0 {
			c.failf("lock for %v is not positive", p.LockFor)
		}
		c.time("lock end", now.Add(p.LockFor))
	}
	return c.err
}

func checkWebSession(s *WebSession) error {
	var c checker
	if s == nil {
		return fmt.Errorf("%w: nil web session", ErrInvalid)
	}
	c.hex("web session ID", s.ID, webSessionIDLen, webSessionIDLen, true)
	c.userName("user name", s.User)
	c.hex("CSRF secret", s.CSRF, minCSRFLen, maxCSRFLen, false)
	c.time("created", s.Created)
	c.requiredTime("expiry", s.Expires)
	c.time("last seen", s.LastSeen)
	return c.err
}

func checkRateBucket(b RateBucket) error {
	var c checker
	if len(b.Key) == 0 || len(b.Key) > MaxRateKeyLen {
		c.failf("rate bucket key %q is not 1 to %d bytes", b.Key, MaxRateKeyLen)
	}
	c.text("rate bucket key", b.Key)
	if math.IsNaN(b.Tokens) || math.IsInf(b.Tokens, 0) {
		c.failf("rate bucket %q holds %v tokens", b.Key, b.Tokens)
	}
	c.requiredTime("rate bucket", b.At)
	return c.err
}

// wizardContent checks what both PutWizardSession and
// UpdateWizardSession write.
func (c *checker) wizardContent(s *WizardSession) {
	if !ValidWizardRef(s.Ref) {
		c.failf("reference code %q is not %d to %d of A–Z, 0–9 and '-'", s.Ref, minRefLen, maxRefLen)
	}
	c.bounded("address", s.Address, MaxWizardAddressLen)
	c.bounded("phone", s.Phone, MaxWizardPhoneLen)
	if len(s.State) > MaxWizardState {
		c.failf("wizard state of %d bytes is over %d", len(s.State), MaxWizardState)
	} else if len(s.State) > 0 {
		c.json("wizard state", s.State)
	}
}

func checkWizardSession(s *WizardSession, update bool) error {
	var c checker
	if s == nil {
		return fmt.Errorf("%w: nil wizard session", ErrInvalid)
	}
	c.wizardContent(s)
	if !update {
		c.hex("secret hash", s.SecretHash, secretHashLen, secretHashLen, false)
		c.time("created", s.Created)
	}
	return c.err
}
