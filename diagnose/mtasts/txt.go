package mtasts

import (
	"errors"
	"fmt"
	"strings"
)

// ErrInvalidTXT is wrapped by every error [ParseTXT] returns.
var ErrInvalidTXT = errors.New("invalid MTA-STS TXT record")

// Extension is a key/value pair not defined by the RFCs, kept as published:
// receivers must ignore unknown fields (RFC 8461 §3.1, §3.2; RFC 8460 §3).
type Extension struct {
	Key, Value string
}

// TXTRecord is the MTA-STS TXT record published at _mta-sts.<domain>
// (RFC 8461 §3.1), for example "v=STSv1; id=20160831085700Z".
type TXTRecord struct {
	Version    string      // always "STSv1"
	ID         string      // the policy instance ID: 1 to 32 letters and digits
	Extensions []Extension // fields other than v and id, in order
	Raw        string      // the record as published, its strings concatenated
}

// stsVersion is the exact, case-sensitive version tag that must open the
// record (RFC 8461 §3.1, %s"v=STSv1").
const stsVersion = "v=STSv1"

// ParseTXT parses an MTA-STS TXT record (RFC 8461 §3.1):
//
//	sts-text-record = sts-version 1*(sts-field-delim sts-field) [sts-field-delim]
//	sts-field-delim = *WSP ";" *WSP
//	sts-id          = %s"id=" 1*32(ALPHA / DIGIT)
//
// The id field is required. Unknown fields are kept as extensions and
// otherwise ignored; when a field repeats, the first one counts (RFC 8461
// §3.2, which states the rule for both records). Errors wrap
// [ErrInvalidTXT].
func ParseTXT(s string) (*TXTRecord, error) {
	fail := func(format string, args ...any) (*TXTRecord, error) {
		return nil, fmt.Errorf("%w: %s", ErrInvalidTXT, fmt.Sprintf(format, args...))
	}
	fields, err := splitTags(s, stsVersion)
	if err != nil {
		return fail("%v", err)
	}
	rec := &TXTRecord{Version: "STSv1", Raw: s}
	seenID := false
	for _, f := range fields {
		if f.Key == "id" {
			if !validID(f.Value) {
				return fail("id %q must be 1 to 32 letters and digits (RFC 8461 §3.1)", f.Value)
			}
			if !seenID {
				rec.ID, seenID = f.Value, true
			}
			continue
		}
		if !validExtValue(f.Value) {
			return fail("field %s: value %q has a character outside printable ASCII or one of '=', ';' (RFC 8461 §3.1)", f.Key, f.Value)
		}
		rec.Extensions = append(rec.Extensions, f)
	}
	if !seenID {
		return fail("the id field is missing (RFC 8461 §3.1)")
	}
	return rec, nil
}

// splitTags splits a "v=X; k=v; k=v;" record whose first field must be
// exactly version, and returns the fields after it. It checks the field
// names (RFC 8461 §3.1 sts-ext-name, RFC 8460 §3 tlsrpt-ext-name) but leaves
// the values to the caller. The delimiter is *WSP ";" *WSP and one trailing
// delimiter is allowed.
func splitTags(s, version string) ([]Extension, error) {
	if !strings.HasPrefix(s, version) {
		return nil, fmt.Errorf("the record must begin with %q (case-sensitive)", version)
	}
	parts := strings.Split(s, ";")
	if v := trimWSP(parts[0]); v != version {
		return nil, fmt.Errorf("the version field is %q, want %q", v, version)
	}
	if len(parts) == 1 {
		return nil, fmt.Errorf("no field after %q; fields are separated by ';'", version)
	}
	var out []Extension
	for i, p := range parts[1:] {
		p = trimWSP(p)
		if p == "" {
			if i == len(parts)-2 {
				break // one trailing delimiter is allowed
			}
			return nil, fmt.Errorf("empty field %d (two ';' in a row)", i+2)
		}
		key, value, ok := strings.Cut(p, "=")
		if !ok {
			return nil, fmt.Errorf("field %q has no '='", p)
		}
		if !validExtName(key) {
			return nil, fmt.Errorf("field name %q must be a letter or digit followed by up to 31 letters, digits, '_', '-' or '.'", key)
		}
		if value == "" {
			return nil, fmt.Errorf("field %s has an empty value", key)
		}
		out = append(out, Extension{Key: key, Value: value})
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("no field after %q", version)
	}
	return out, nil
}

// trimWSP removes the spaces and tabs (WSP, RFC 5234) around s.
func trimWSP(s string) string { return strings.Trim(s, " \t") }

func isAlnum(c byte) bool {
	return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9'
}

// validID reports whether s is 1*32(ALPHA / DIGIT) (RFC 8461 §3.1).
func validID(s string) bool {
	if len(s) == 0 || len(s) > 32 {
		return false
	}
	for i := 0; i < len(s); i++ {
		if !isAlnum(s[i]) {
			return false
		}
	}
	return true
}

// validExtName reports whether s is (ALPHA / DIGIT) *31(ALPHA / DIGIT / "_"
// / "-" / ".") (RFC 8461 §3.1 sts-ext-name, §3.2 sts-policy-ext-name, RFC
// 8460 §3 tlsrpt-ext-name).
func validExtName(s string) bool {
	if len(s) == 0 || len(s) > 32 || !isAlnum(s[0]) {
		return false
	}
	for i := 1; i < len(s); i++ {
		c := s[i]
		if !isAlnum(c) && c != '_' && c != '-' && c != '.' {
			return false
		}
	}
	return true
}

// validExtValue reports whether s is 1*(%x21-3A / %x3C / %x3E-7E): printable
// ASCII without SP, ';' and '=' (RFC 8461 §3.1 sts-ext-value, RFC 8460 §3
// tlsrpt-ext-value).
func validExtValue(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < 0x21 || c > 0x7e || c == ';' || c == '=' {
			return false
		}
	}
	return true
}
