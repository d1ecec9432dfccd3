package auth

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"golang.org/x/crypto/argon2"
	"golang.org/x/crypto/bcrypt"
)

// ErrMalformedHash is wrapped by every error about a stored password hash
// that cannot be used: not a PHC or bcrypt string, or a cost outside the
// Max… bounds. The errors name the part at fault, never the hash itself.
var ErrMalformedHash = errors.New("auth: malformed password hash")

// Bounds on the cost of a stored hash. A hash is read from the database,
// and a tampered or corrupt one must not make a login take minutes or all
// the memory of the host.
const (
	MaxMemoryKiB  = 64 * 1024 // 64 MiB: 3× the default, and ten logins at once stay under 1 GiB
	MaxTime       = 16
	MaxThreads    = 16
	MinSaltLen    = 8
	MaxSaltLen    = 64
	MinKeyLen     = 16
	MaxKeyLen     = 64
	MaxBcryptCost = 16
	minBcryptCost = bcrypt.MinCost
)

// Params are the Argon2id parameters new hashes are made with, and the
// least a stored hash must have to not need rehashing.
type Params struct {
	Memory  uint32 // KiB
	Time    uint32 // passes over the memory
	Threads uint8  // lanes
	SaltLen uint32 // bytes of random salt
	KeyLen  uint32 // bytes of derived key
}

// DefaultParams returns the OWASP minimum for Argon2id (Password Storage
// Cheat Sheet): 19 MiB of memory, two passes, one lane; a 16-byte salt
// and a 32-byte key.
func DefaultParams() Params {
	return Params{Memory: 19456, Time: 2, Threads: 1, SaltLen: 16, KeyLen: 32}
}

// Validate reports whether the parameters are within the bounds a stored
// hash may have.
func (p Params) Validate() error {
	switch {
	case p.Threads < 1 || p.Threads > MaxThreads:
		return fmt.Errorf("%w: parallelism %d is outside 1–%d", ErrMalformedHash, p.Threads, MaxThreads)
	case p.Memory < 8*uint32(p.Threads) || p.Memory > MaxMemoryKiB:
		// RFC 9106 §3.1: at least 8 KiB per lane.
		return fmt.Errorf("%w: memory cost %d KiB is outside %d–%d", ErrMalformedHash, p.Memory, 8*uint32(p.Threads), MaxMemoryKiB)
	case p.Time < 1 || p.Time > MaxTime:
		return fmt.Errorf("%w: time cost %d is outside 1–%d", ErrMalformedHash, p.Time, MaxTime)
	case p.SaltLen < MinSaltLen || p.SaltLen > MaxSaltLen:
		return fmt.Errorf("%w: salt of %d bytes is outside %d–%d", ErrMalformedHash, p.SaltLen, MinSaltLen, MaxSaltLen)
	case p.KeyLen < MinKeyLen || p.KeyLen > MaxKeyLen:
		return fmt.Errorf("%w: key of %d bytes is outside %d–%d", ErrMalformedHash, p.KeyLen, MinKeyLen, MaxKeyLen)
	}
	return nil
}

// Hash returns the PHC string of password under [DefaultParams].
func Hash(password string) (string, error) { return DefaultParams().Hash(password) }

// Hash returns the PHC string of password under p, with a fresh random
// salt: "$argon2id$v=19$m=19456,t=2,p=1$<salt>$<key>".
func (p Params) Hash(password string) (string, error) {
	if err := p.Validate(); err != nil {
		return "", fmt.Errorf("auth: hash parameters: %w", err)
	}
	salt := make([]byte, p.SaltLen)
	if _, err := rand.Read(salt); err != nil {
		return "", fmt.Errorf("auth: reading random salt: %w", err)
	}
	h := phc{params: p, salt: salt}
	h.key = argon2.IDKey([]byte(password), salt, p.Time, p.Memory, p.Threads, p.KeyLen)
	return h.encode(), nil
}

// Verify reports whether password matches hash, an Argon2id PHC string or
// a bcrypt hash ($2a$, $2b$, $2y$), comparing in constant time, and
// whether hash should be replaced by one made with [DefaultParams].
func Verify(hash, password string) (ok, needsRehash bool, err error) {
	return DefaultParams().Verify(hash, password)
}

// Verify is [Verify] with p as the current parameters: an Argon2id hash
// with less memory, fewer passes or a shorter salt or key than p needs
// rehashing, and so does every bcrypt hash.
func (p Params) Verify(hash, password string) (ok, needsRehash bool, err error) {
	if isBcrypt(hash) {
		if err := checkBcrypt(hash); err != nil {
			return false, false, err
		}
		err := bcrypt.CompareHashAndPassword([]byte(hash), []byte(password))
		switch {
		case err == nil:
			return true, true, nil
		case errors.Is(err, bcrypt.ErrMismatchedHashAndPassword):
			return false, true, nil
		default:
			return false, false, fmt.Errorf("%w: bcrypt: %s", ErrMalformedHash, bcryptReason(err))
		}
	}
	h, err := parsePHC(hash)
	if err != nil {
		return false, false, err
	}
	got := argon2.IDKey([]byte(password), h.salt, h.params.Time, h.params.Memory, h.params.Threads, h.params.KeyLen)
	ok = subtle.ConstantTimeCompare(got, h.key) == 1
	hp := h.params
	needsRehash = hp.Memory < p.Memory || hp.Time < p.Time ||
		hp.SaltLen < p.SaltLen || hp.KeyLen < p.KeyLen
	return ok, needsRehash, nil
}

// bcryptReason names a bcrypt error without the library's message, which
// for some errors quotes bytes of the hash.
func bcryptReason(err error) string {
	var cost bcrypt.InvalidCostError
	switch {
	case errors.As(err, &cost):
		return "invalid cost"
	case errors.Is(err, bcrypt.ErrHashTooShort):
		return "too short"
	default:
		return "unreadable"
	}
}

// phc is a parsed Argon2id PHC string.
type phc struct {
	params Params
	salt   []byte
	key    []byte
}

// b64 is the PHC format's Base64: the standard alphabet without padding,
// and strict, so that each hash has exactly one spelling.
var b64 = base64.RawStdEncoding.Strict()

// decodeB64 decodes the PHC Base64 of s, refusing the line breaks that
// package base64 would skip.
func decodeB64(s string) ([]byte, error) {
	if strings.ContainsAny(s, "\r\n") {
		return nil, errors.New("line break in Base64")
	}
	return b64.DecodeString(s)
}

func (h phc) encode() string {
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s", argon2.Version,
		h.params.Memory, h.params.Time, h.params.Threads,
		b64.EncodeToString(h.salt), b64.EncodeToString(h.key))
}

// maxPHCLen bounds the input of parsePHC: the longest valid string is
// well under it.
const maxPHCLen = 256

// parsePHC parses "$argon2id$v=19$m=M,t=T,p=P$SALT$KEY" strictly: only
// Argon2id version 19, the three parameters in that order as decimal
// numbers without leading zeros, no optional fields, canonical Base64,
// and every value within the bounds of [Params.Validate].
func parsePHC(s string) (phc, error) {
	var h phc
	if len(s) > maxPHCLen {
		return h, fmt.Errorf("%w: longer than %d bytes", ErrMalformedHash, maxPHCLen)
	}
	parts := strings.Split(s, "$")
	if len(parts) != 6 || parts[0] != "" {
		return h, fmt.Errorf("%w: not a PHC string of six '$'-separated fields", ErrMalformedHash)
	}
	if parts[1] != "argon2id" {
		return h, fmt.Errorf("%w: algorithm is not argon2id", ErrMalformedHash)
	}
	v, ok := strings.CutPrefix(parts[2], "v=")
	if !ok {
		return h, fmt.Errorf("%w: no version field", ErrMalformedHash)
	}
	if n, err := parseDecimal(v); err != nil || n != argon2.Version {
		return h, fmt.Errorf("%w: version is not %d", ErrMalformedHash, argon2.Version)
	}
	var err error
	if h.params, err = parseArgonParams(parts[3]); err != nil {
		return h, err
	}
	if h.salt, err = decodeB64(parts[4]); err != nil {
		return h, fmt.Errorf("%w: salt is not Base64", ErrMalformedHash)
	}
	if h.key, err = decodeB64(parts[5]); err != nil {
		return h, fmt.Errorf("%w: key is not Base64", ErrMalformedHash)
	}
	h.params.SaltLen, h.params.KeyLen = uint32(len(h.salt)), uint32(len(h.key))
	if err := h.params.Validate(); err != nil {
		return phc{}, err
	}
	return h, nil
}

// parseArgonParams parses "m=M,t=T,p=P".
func parseArgonParams(s string) (Params, error) {
	var p Params
	fields := strings.Split(s, ",")
	names := [3]string{"m", "t", "p"}
	if len(fields) != len(names) {
		return p, fmt.Errorf("%w: parameters are not exactly m, t and p", ErrMalformedHash)
	}
	var vals [3]uint64
	for i, f := range fields {
		name, val, ok := strings.Cut(f, "=")
		if !ok || name != names[i] {
			return p, fmt.Errorf("%w: parameter %d is not %s=", ErrMalformedHash, i+1, names[i])
		}
		n, err := parseDecimal(val)
		if err != nil {
			return p, fmt.Errorf("%w: parameter %s: %v", ErrMalformedHash, names[i], err)
		}
		vals[i] = n
	}
	if vals[0] > MaxMemoryKiB || vals[1] > MaxTime || vals[2] > MaxThreads {
		return p, fmt.Errorf("%w: cost m=%d,t=%d,p=%d is above the limit m=%d,t=%d,p=%d",
			ErrMalformedHash, vals[0], vals[1], vals[2], MaxMemoryKiB, MaxTime, MaxThreads)
	}
	p.Memory, p.Time, p.Threads = uint32(vals[0]), uint32(vals[1]), uint8(vals[2])
	return p, nil
}

// parseDecimal parses a PHC decimal: digits only, no sign, no leading
// zero, at most ten digits.
func parseDecimal(s string) (uint64, error) {
	if s == "" || len(s) > 10 {
		return 0, errors.New("not a number of 1 to 10 digits")
	}
	if s[0] == '0' && len(s) > 1 {
		return 0, errors.New("leading zero")
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return 0, errors.New("not a decimal number")
		}
	}
	return strconv.ParseUint(s, 10, 64)
}

func isBcrypt(s string) bool {
	return strings.HasPrefix(s, "$2a$") || strings.HasPrefix(s, "$2b$") || strings.HasPrefix(s, "$2y$")
}

// bcryptLen is the length of every bcrypt hash: "$2b$", two cost digits,
// '$', 22 characters of salt and 31 of hash.
const bcryptLen = 60

// checkBcrypt checks the shape and cost of a bcrypt hash before the
// library runs it.
func checkBcrypt(s string) error {
	if len(s) != bcryptLen || s[6] != '$' {
		return fmt.Errorf("%w: bcrypt hash is not %d characters of $2x$NN$…", ErrMalformedHash, bcryptLen)
	}
	if s[4] < '0' || s[4] > '9' || s[5] < '0' || s[5] > '9' {
		return fmt.Errorf("%w: bcrypt cost is not two digits", ErrMalformedHash)
	}
	cost := int(s[4]-'0')*10 + int(s[5]-'0')
	if cost < minBcryptCost || cost > MaxBcryptCost {
		return fmt.Errorf("%w: bcrypt cost %d is outside %d–%d", ErrMalformedHash, cost, minBcryptCost, MaxBcryptCost)
	}
	for i := 7; i < len(s); i++ {
		c := s[i]
		if !(c == '.' || c == '/' || c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9') {
			return fmt.Errorf("%w: bcrypt salt or hash has a character outside its alphabet", ErrMalformedHash)
		}
	}
	return nil
}
