package dane

import (
	"crypto/x509/pkix"
	"encoding/asn1"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
)

// Why a TLSA record is unusable for SMTP. [TLSA.Check] wraps one of them;
// test with errors.Is.
var (
	// ErrPKIXUsage: the record has certificate usage PKIX-TA(0) or
	// PKIX-EE(1), which SMTP clients treat as unusable (RFC 7672 §3.1.3).
	ErrPKIXUsage = errors.New("certificate usage PKIX-TA(0) or PKIX-EE(1), unusable for SMTP")
	// ErrUnassigned: the usage, selector or matching type is not one RFC
	// 6698 and RFC 7218 define, so no client can use the record.
	ErrUnassigned = errors.New("unassigned TLSA parameter")
	// ErrMalformed: the certificate association data cannot be what the
	// selector and matching type say it is (RFC 6698 §2.1.3), so nothing
	// can ever match it.
	ErrMalformed = errors.New("malformed certificate association data")
)

// Certificate usages (RFC 6698 §2.1.1, names from RFC 7218 §2.1).
const (
	UsagePKIXTA = 0
	UsagePKIXEE = 1
	UsageDANETA = 2
	UsageDANEEE = 3
)

// Selectors (RFC 6698 §2.1.2, RFC 7218 §2.2).
const (
	SelectorCert = 0 // the full certificate
	SelectorSPKI = 1 // its SubjectPublicKeyInfo
)

// Matching types (RFC 6698 §2.1.3, RFC 7218 §2.3).
const (
	MatchFull   = 0 // the selected content itself
	MatchSHA256 = 1 // its SHA2-256 digest
	MatchSHA512 = 2 // its SHA2-512 digest
)

// TLSA is one TLSA record (RFC 6698 §2.1).
type TLSA struct {
	Usage, Selector, MatchingType uint8
	Data                          string // certificate association data, lower-case hex
}

// String returns the record's presentation form, "3 1 1 0123…".
func (t TLSA) String() string {
	return fmt.Sprintf("%d %d %d %s", t.Usage, t.Selector, t.MatchingType, t.Data)
}

// Mnemonic names the parameters as RFC 7218 does, e.g.
// "DANE-EE(3) SPKI(1) SHA2-256(1)".
func (t TLSA) Mnemonic() string {
	name := func(names []string, v uint8) string {
		if int(v) < len(names) {
			return fmt.Sprintf("%s(%d)", names[v], v)
		}
		return fmt.Sprintf("unassigned(%d)", v)
	}
	return strings.Join([]string{
		name([]string{"PKIX-TA", "PKIX-EE", "DANE-TA", "DANE-EE"}, t.Usage),
		name([]string{"Cert", "SPKI"}, t.Selector),
		name([]string{"Full", "SHA2-256", "SHA2-512"}, t.MatchingType),
	}, " ")
}

// Check returns nil if an SMTP client can use the record to authenticate
// the server (RFC 7672 §3.1: DANE-TA(2) or DANE-EE(3), with a defined
// selector and matching type and data that fits them), or an error wrapping
// ErrPKIXUsage, ErrUnassigned or ErrMalformed saying why not.
func (t TLSA) Check() error {
	switch {
	case t.Usage == UsagePKIXTA || t.Usage == UsagePKIXEE:
		return fmt.Errorf("%w (RFC 7672 §3.1.3)", ErrPKIXUsage)
	case t.Usage > UsageDANEEE:
		return fmt.Errorf("%w: certificate usage %d", ErrUnassigned, t.Usage)
	case t.Selector > SelectorSPKI:
		return fmt.Errorf("%w: selector %d", ErrUnassigned, t.Selector)
	case t.MatchingType > MatchSHA512:
		return fmt.Errorf("%w: matching type %d", ErrUnassigned, t.MatchingType)
	}
	data, err := hex.DecodeString(t.Data)
	if err != nil {
		return fmt.Errorf("%w: not hexadecimal", ErrMalformed)
	}
	if len(data) == 0 {
		return fmt.Errorf("%w: empty", ErrMalformed)
	}
	switch t.MatchingType {
	case MatchSHA256:
		if len(data) != 32 {
			return fmt.Errorf("%w: a SHA2-256 digest is 32 bytes, this is %d", ErrMalformed, len(data))
		}
	case MatchSHA512:
		if len(data) != 64 {
			return fmt.Errorf("%w: a SHA2-512 digest is 64 bytes, this is %d", ErrMalformed, len(data))
		}
	case MatchFull:
		return checkFull(t.Selector, data)
	}
	return nil
}

// checkFull checks that data is a DER certificate (selector Cert) or
// SubjectPublicKeyInfo (selector SPKI). Only the outer structure is checked,
// so keys of algorithms this program does not know still pass.
func checkFull(selector uint8, data []byte) error {
	var (
		rest []byte
		err  error
		what string
	)
	if selector == SelectorCert {
		what = "certificate"
		var cert struct {
			TBS       asn1.RawValue
			Algorithm pkix.AlgorithmIdentifier
			Signature asn1.BitString
		}
		rest, err = asn1.Unmarshal(data, &cert)
	} else {
		what = "SubjectPublicKeyInfo"
		var spki struct {
			Algorithm pkix.AlgorithmIdentifier
			PublicKey asn1.BitString
		}
		rest, err = asn1.Unmarshal(data, &spki)
	}
	if err != nil || len(rest) != 0 {
		return fmt.Errorf("%w: with matching type Full(0) the data must be a DER %s, and it is not", ErrMalformed, what)
	}
	return nil
}
