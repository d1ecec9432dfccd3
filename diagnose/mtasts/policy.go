package mtasts

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"unicode/utf8"
)

// ErrInvalidPolicy is wrapped by every error [ParsePolicy] returns.
var ErrInvalidPolicy = errors.New("invalid MTA-STS policy")

// The policy modes (RFC 8461 §5).
const (
	ModeEnforce = "enforce" // senders must not deliver without a valid TLS connection to a listed MX
	ModeTesting = "testing" // senders deliver anyway, and report failures (RFC 8460)
	ModeNone    = "none"    // the domain has withdrawn MTA-STS
)

const (
	// MaxPolicySize bounds the policy body. RFC 8461 §3.3 lets senders limit
	// it; 64 KiB is the limit widely used and far above any real policy.
	MaxPolicySize = 64 << 10
	// MaxMaxAge is the largest max_age a policy may give: one year in
	// seconds (RFC 8461 §3.2).
	MaxMaxAge = 31557600
)

// Policy is an MTA-STS policy as served at
// https://mta-sts.<domain>/.well-known/mta-sts.txt (RFC 8461 §3.2).
type Policy struct {
	Version    string      // always "STSv1"
	Mode       string      // ModeEnforce, ModeTesting or ModeNone
	MX         []string    // allowed MX host patterns, lower case; "*.example.com" matches one label
	MaxAge     int         // seconds a sender may cache the policy
	Extensions []Extension // fields RFC 8461 does not define, in order
	Raw        string      // the body as served
}

// ParsePolicy parses a policy body (RFC 8461 §3.2): lines ending in CRLF or
// LF, each "key: value". version, mode and max_age are required once; mx at
// least once unless mode is none. Keys are case-sensitive. Unknown keys are
// kept as extensions and otherwise ignored, and of a repeated key other than
// mx only the first counts (§3.2). Trailing empty lines are tolerated; an
// empty line between fields is not. Errors wrap [ErrInvalidPolicy].
func ParsePolicy(body []byte) (*Policy, error) {
	fail := func(format string, args ...any) (*Policy, error) {
		return nil, fmt.Errorf("%w: %s", ErrInvalidPolicy, fmt.Sprintf(format, args...))
	}
	if len(body) > MaxPolicySize {
		return fail("the policy is %d bytes, more than the %d allowed", len(body), MaxPolicySize)
	}
	if !utf8.Valid(body) {
		return fail("the policy is not valid UTF-8")
	}
	s := string(body)
	if strings.TrimSpace(s) == "" {
		return fail("the policy is empty")
	}
	p := &Policy{Raw: s}
	lines := strings.Split(strings.TrimRight(s, "\r\n"), "\n")
	seen := map[string]bool{}
	for i, line := range lines {
		line = strings.TrimSuffix(line, "\r")
		if err := p.parseLine(line, seen); err != nil {
			return fail("line %d: %v", i+1, err)
		}
	}
	for _, k := range []string{"version", "mode", "max_age"} {
		if !seen[k] {
			return fail("the %s field is missing%s (RFC 8461 §3.2)", k, caseHint(p.Extensions, k))
		}
	}
	if len(p.MX) == 0 && p.Mode != ModeNone {
		return fail("no mx field, which mode %s requires%s (RFC 8461 §3.2)", p.Mode, caseHint(p.Extensions, "mx"))
	}
	return p, nil
}

// parseLine parses one "key: value" line into p. seen records the keys met.
func (p *Policy) parseLine(line string, seen map[string]bool) error {
	if line == "" {
		return errors.New("empty line between fields")
	}
	key, rest, ok := strings.Cut(line, ":")
	if !ok {
		return fmt.Errorf("%q is not a \"key: value\" field", line)
	}
	if !validExtName(key) {
		return fmt.Errorf("field name %q must be a letter or digit followed by up to 31 letters, digits, '_', '-' or '.', directly followed by ':'", key)
	}
	value := trimWSP(rest)
	dup := seen[key] && key != "mx"
	seen[key] = true
	if dup {
		return nil // only the first of a repeated field counts (RFC 8461 §3.2)
	}
	switch key {
	case "version":
		if value != "STSv1" {
			return fmt.Errorf("version is %q, want \"STSv1\"", value)
		}
		p.Version = value
	case "mode":
		if value != ModeEnforce && value != ModeTesting && value != ModeNone {
			return fmt.Errorf("mode is %q, want enforce, testing or none (lower case)", value)
		}
		p.Mode = value
	case "max_age":
		n, err := parseMaxAge(value)
		if err != nil {
			return err
		}
		p.MaxAge = n
	case "mx":
		if err := checkMXPattern(value); err != nil {
			return err
		}
		p.MX = append(p.MX, strings.ToLower(value))
	default:
		if !validPolicyExtValue(value) {
			return fmt.Errorf("field %s: value %q is empty or has a control character", key, value)
		}
		p.Extensions = append(p.Extensions, Extension{Key: key, Value: value})
	}
	return nil
}

// parseMaxAge parses 1*10(DIGIT) no greater than MaxMaxAge (RFC 8461 §3.2).
func parseMaxAge(v string) (int, error) {
	if v == "" || len(v) > 10 {
		return 0, fmt.Errorf("max_age %q must be 1 to 10 digits", v)
	}
	for i := 0; i < len(v); i++ {
		if v[i] < '0' || v[i] > '9' {
			return 0, fmt.Errorf("max_age %q must be a whole number of seconds", v)
		}
	}
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil || n > MaxMaxAge {
		return 0, fmt.Errorf("max_age %s is more than the maximum %d (one year)", v, MaxMaxAge)
	}
	return int(n), nil
}

// checkMXPattern checks sts-policy-mx-value = ["*."] Domain, where Domain is
// RFC 5321's: dot-separated LDH labels, A-labels for internationalised names.
func checkMXPattern(v string) error {
	name := strings.TrimPrefix(v, "*.")
	if name == "" {
		return fmt.Errorf("mx %q has no host name", v)
	}
	if len(name) > 253 {
		return fmt.Errorf("mx %q is longer than 253 characters", v)
	}
	for _, label := range strings.Split(name, ".") {
		if err := checkLabel(label); err != nil {
			return fmt.Errorf("mx %q: %v", v, err)
		}
	}
	return nil
}

// checkLabel checks an RFC 5321 sub-domain: Let-dig [Ldh-str], at most 63
// octets.
func checkLabel(l string) error {
	switch {
	case l == "":
		return errors.New("empty label (a stray dot?)")
	case len(l) > 63:
		return fmt.Errorf("label %q is longer than 63 characters", l)
	case l[0] == '-' || l[len(l)-1] == '-':
		return fmt.Errorf("label %q begins or ends with '-'", l)
	}
	for i := 0; i < len(l); i++ {
		c := l[i]
		if c >= utf8.RuneSelf {
			return fmt.Errorf("label %q is not ASCII: write it as an A-label (xn--…)", l)
		}
		if !isAlnum(c) && c != '-' {
			return fmt.Errorf("label %q has the character %q; only letters, digits and '-' are allowed", l, c)
		}
	}
	return nil
}

// validPolicyExtValue reports whether v is an sts-policy-ext-value: printable
// characters (UTF-8 allowed) and inner spaces, no control characters.
func validPolicyExtValue(v string) bool {
	if v == "" {
		return false
	}
	for _, r := range v {
		if r < 0x20 || r == 0x7f || (r >= 0x80 && r < 0xa0) {
			return false
		}
	}
	return true
}

// caseHint explains a missing key that was given in the wrong case.
func caseHint(ext []Extension, key string) string {
	for _, e := range ext {
		if strings.EqualFold(e.Key, key) {
			return fmt.Sprintf("; %q was given, but keys are case-sensitive", e.Key)
		}
	}
	return ""
}

// Matches reports whether mxHost is covered by one of the policy's mx
// patterns (RFC 8461 §4.1): an exact match, case-insensitive, or a
// "*.suffix" pattern standing for exactly one leftmost label, so
// "*.example.com" matches "mx.example.com" but neither "example.com" nor
// "a.b.example.com".
func (p *Policy) Matches(mxHost string) bool {
	h := strings.ToLower(strings.TrimSuffix(mxHost, "."))
	if h == "" {
		return false
	}
	for _, pat := range p.MX {
		pat = strings.ToLower(pat)
		if suffix, ok := strings.CutPrefix(pat, "*"); ok && strings.HasPrefix(suffix, ".") {
			label, found := strings.CutSuffix(h, suffix)
			if found && label != "" && !strings.Contains(label, ".") {
				return true
			}
			continue
		}
		if h == pat {
			return true
		}
	}
	return false
}
