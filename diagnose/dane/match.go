package dane

import (
	"bytes"
	"crypto/sha256"
	"crypto/sha512"
	"crypto/x509"
	"encoding/hex"
)

// Match returns the first usable record that the server's certificate chain
// (leaf first) satisfies, as a DANE-aware sender would judge it: a
// DANE-EE(3) record must match the leaf (RFC 7672 §3.1.1), a DANE-TA(2)
// record any certificate of the chain (RFC 7672 §3.1.2); PKIX usages and
// unassigned parameters never match (RFC 7672 §3.1.3). ok is false when
// no record matches.
func Match(records []TLSA, chain []*x509.Certificate) (matched TLSA, ok bool) {
	if len(chain) == 0 {
		return TLSA{}, false
	}
	for _, r := range records {
		if r.Check() != nil {
			continue
		}
		want, err := hex.DecodeString(r.Data)
		if err != nil {
			continue
		}
		certs := chain[:1]
		if r.Usage == UsageDANETA {
			certs = chain
		}
		for _, c := range certs {
			if bytes.Equal(association(c, r.Selector, r.MatchingType), want) {
				return r, true
			}
		}
	}
	return TLSA{}, false
}

// association computes a certificate's association data for a selector
// and matching type (RFC 6698 §2.1.2, §2.1.3).
func association(c *x509.Certificate, selector, matching uint8) []byte {
	content := c.Raw
	if selector == SelectorSPKI {
		content = c.RawSubjectPublicKeyInfo
	}
	switch matching {
	case MatchSHA256:
		d := sha256.Sum256(content)
		return d[:]
	case MatchSHA512:
		d := sha512.Sum512(content)
		return d[:]
	}
	return content
}
