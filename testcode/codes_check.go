package testcode

import (
	"context"
	"crypto/subtle"
	"encoding/base32"
	"errors"
	"fmt"
	"time"

	"github.com/pquerna/otp"
	"github.com/pquerna/otp/hotp"
)

// hotpValue returns HOTP(secret, ordinal) with digits digits (RFC 4226
// §5.3), HMAC-SHA-1 as RFC 4226 §5.2 specifies.
func hotpValue(secret []byte, ordinal, digits int) (string, error) {
	if digits < 6 || digits > 8 {
		return "", fmt.Errorf("%w: session has %d", ErrDigits, digits)
	}
	if ordinal < 1 || len(secret) == 0 {
		return "", fmt.Errorf("testcode: code session without secret or ordinal %d", ordinal)
	}
	key := base32.StdEncoding.WithPadding(base32.NoPadding).EncodeToString(secret)
	v, err := hotp.GenerateCodeCustom(key, uint64(ordinal), hotp.ValidateOpts{
		Digits:    otp.Digits(digits),
		Algorithm: otp.AlgorithmSHA1,
	})
	if err != nil {
		return "", fmt.Errorf("testcode: computing HOTP: %w", err)
	}
	return v, nil
}

// sameCode compares in constant time (for equal lengths), so that the time
// a check takes says nothing about how much of a code was right.
func sameCode(typed, code string) bool {
	return subtle.ConstantTimeCompare([]byte(typed), []byte(code)) == 1
}

// sessionCodes returns the codes of s by ordinal: codes[k] is code k+1.
func sessionCodes(s Session) ([]string, error) {
	codes := make([]string, len(s.Issues))
	for k, is := range s.Issues {
		v, err := hotpValue(s.Secret, is.Ordinal, s.Digits)
		if err != nil {
			return nil, err
		}
		codes[k] = v
	}
	return codes, nil
}

// Check says whether typed is the session's newest valid code for addr, and
// if not, what it is: an earlier code of the session, the newest but
// expired, a near miss of the newest, a code of another recent session of
// the same address, or nothing we sent. Every check of a session counts as
// an attempt on its newest code; past MaxAttempts the code is refused.
//
// Each check of a session the store holds is recorded, once, after the
// verdict is found: what was typed (see [CodeAttempt.Typed]), the verdict and
// the code it matched ([CodeStore.RecordAttempt]). A check in a session the
// store does not hold (no code was ever issued in it, or it was pruned) is
// not recorded: an attempt belongs to a session, and there is none to
// belong to.
//
// The error is for store failures and invalid arguments only; a wrong code
// is a Verdict.
func (i *Issuer) Check(ctx context.Context, sessionID, addr, typed string) (Verdict, error) {
	if i.Store == nil {
		return Verdict{}, ErrNoStore
	}
	if err := checkSessionID(sessionID); err != nil {
		return Verdict{}, err
	}
	key, err := CanonicalAddress(addr)
	if err != nil {
		return Verdict{}, err
	}
	now := i.now()
	in := normalise(typed)
	sess, err := i.Store.Session(ctx, sessionID, key)
	stored := err == nil
	switch {
	case errors.Is(err, ErrNoSession):
		sess = Session{ID: sessionID, Address: key}
	case err != nil:
		return Verdict{}, fmt.Errorf("testcode: reading code session: %w", err)
	}
	v, err := i.judge(ctx, sess, in, now)
	if err != nil {
		return Verdict{}, err
	}
	v.Detail = v.detail(in)
	if stored {
		err := i.Store.RecordAttempt(ctx, CodeAttempt{SessionID: sessionID, Address: key, Typed: attemptText(typed),
			Kind: v.Kind, Token: v.Token, Ordinal: v.Ordinal, At: now})
		// A session pruned since it was read has nowhere to keep the
		// attempt; the verdict stands.
		if err != nil && !errors.Is(err, ErrNoSession) {
			return Verdict{}, fmt.Errorf("testcode: recording attempt: %w", err)
		}
	}
	i.logger().InfoContext(ctx, "code checked", "session", sessionTag(sessionID), "verdict", string(v.Kind),
		"ordinal", v.Ordinal, "of", v.Of)
	return v, nil
}

// judge finds the verdict on in for session sess (which has no issues when
// the session is unknown).
func (i *Issuer) judge(ctx context.Context, sess Session, in typedCode, now time.Time) (Verdict, error) {
	if in.digits == "" || in.garbled {
		return Verdict{Kind: KindUnknown, Of: len(sess.Issues)}, nil
	}
	if len(sess.Issues) == 0 {
		return i.otherSession(ctx, sess, in, now)
	}
	n := len(sess.Issues)
	newest := sess.Issues[n-1]
	attempts, err := i.Store.CountAttempt(ctx, sess.ID, sess.Address, newest.Ordinal)
	if err != nil {
		return Verdict{}, fmt.Errorf("testcode: counting attempt: %w", err)
	}
	matched := Verdict{Ordinal: n, Of: n, IssuedAt: newest.IssuedAt, Token: newest.Token,
		Attempts: attempts, TTL: newest.ExpiresAt.Sub(newest.IssuedAt)}
	if !now.Before(newest.ExpiresAt) {
		matched.Expired, matched.ExpiredFor = true, now.Sub(newest.ExpiresAt)
	}
	if attempts > positiveOr(i.MaxAttempts, DefaultMaxCodeAttempts) {
		matched.Kind = KindTooManyAttempts
		return matched, nil
	}
	codes, err := sessionCodes(sess)
	if err != nil {
		return Verdict{}, err
	}
	if sameCode(in.digits, codes[n-1]) {
		switch {
		case matched.Expired:
			matched.Kind = KindExpired
		case len(in.misses) == 0:
			matched.Kind = KindOK
		default:
			matched.Kind, matched.Misses = KindNearMiss, in.misses
		}
		return matched, nil
	}
	for k := n - 2; k >= 0; k-- {
		if sameCode(in.digits, codes[k]) {
			is := sess.Issues[k]
			return Verdict{Kind: KindEarlier, Ordinal: is.Ordinal, Of: n, IssuedAt: is.IssuedAt,
				Token: is.Token, Attempts: attempts, NewestAt: newest.IssuedAt,
				Expired: !now.Before(is.ExpiresAt)}, nil
		}
	}
	other, err := i.otherSession(ctx, sess, in, now)
	if err != nil || other.Kind != KindUnknown {
		return other, err
	}
	if miss, ok := nearMiss(in.digits, codes[n-1]); ok {
		matched.Kind, matched.Misses = KindNearMiss, append(in.misses, miss)
		return matched, nil
	}
	return Verdict{Kind: KindUnknown, Of: n, Attempts: attempts}, nil
}

// otherSession looks for in among the codes of the address's other recent
// sessions.
func (i *Issuer) otherSession(ctx context.Context, sess Session, in typedCode, now time.Time) (Verdict, error) {
	unknown := Verdict{Kind: KindUnknown, Of: len(sess.Issues)}
	if sess.Address == "" {
		return unknown, nil
	}
	since := now.Add(-positiveOr(i.Lookback, DefaultCodeLookback))
	others, err := i.Store.RecentSessions(ctx, sess.Address, since, maxRecentSessions)
	if err != nil {
		return Verdict{}, fmt.Errorf("testcode: reading recent code sessions: %w", err)
	}
	for _, o := range others {
		if o.ID == sess.ID {
			continue
		}
		codes, err := sessionCodes(o)
		if err != nil {
			return Verdict{}, err
		}
		for k := len(codes) - 1; k >= 0; k-- {
			if sameCode(in.digits, codes[k]) {
				is := o.Issues[k]
				return Verdict{Kind: KindOtherSession, Ordinal: is.Ordinal, Of: len(codes),
					IssuedAt: is.IssuedAt, Token: is.Token}, nil
			}
		}
	}
	return unknown, nil
}
